"""Progress of long steps: the one interface the library reports through.

Library code never draws anything. It says that a step starts (:func:`step`, with the
number of units when they are known) and how far a loop with a known total has come
(:func:`advance`); whoever runs the analysis decides what that looks like. The command line
draws Rich progress bars in a terminal and prints plain periodic lines otherwise
(:mod:`timing.cli._app`); a notebook or a script may pass any object with ``step`` and
``advance`` methods (:class:`Progress`), or a plain ``callable(label)`` that only hears the
step labels, or nothing (silence, the default).

The listener of the running analysis is held in a context variable set by
:func:`reporting`, so a loop deep inside a method reports without a ``progress`` argument
threaded through every function: code run in another thread or process (a Dask worker)
reports nothing.

Examples
--------
>>> seen = []
>>> with reporting(seen.append):
...     step("shifting calendars", total=3)
...     for i in range(3):
...         advance(i + 1, 3)
>>> seen
['shifting calendars']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, runtime_checkable

__all__ = [
    "Progress",
    "ProgressLike",
    "advance",
    "as_progress",
    "reporting",
    "step",
]


@runtime_checkable
class Progress(Protocol):
    """What listens to the progress of an analysis."""

    def step(self, label: str, total: int | None = None) -> None:
        """A step starts: a short lower-case label, and its units when they are counted."""

    def advance(self, done: int, total: int | None = None) -> None:
        """``done`` of ``total`` units of the current step are finished."""


ProgressLike = Progress | Callable[[str], None] | None


class _Silent:
    def step(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, done: int, total: int | None = None) -> None:
        pass


class _Labels:
    """A plain ``callable(label)``: hears each step's label, not the counts."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say

    def step(self, label: str, total: int | None = None) -> None:
        self._say(label)

    def advance(self, done: int, total: int | None = None) -> None:
        pass


_SILENT = _Silent()
_current: ContextVar[Progress] = ContextVar("timing_progress", default=_SILENT)


def as_progress(progress: ProgressLike) -> Progress:
    """The :class:`Progress` behind ``progress``: itself, a label callable wrapped, or silence.

    Examples
    --------
    >>> as_progress(None).step("anything")  # silent
    >>> as_progress(print).step("reading claims")
    reading claims
    """
    if progress is None:
        return _SILENT
    if isinstance(progress, Progress):
        return progress
    if callable(progress):
        return _Labels(progress)
    raise TypeError(f"progress must be a callable or have step/advance methods, not {progress!r}")


@contextmanager
def reporting(progress: ProgressLike) -> Iterator[Progress]:
    """Report the steps run inside the ``with`` block to ``progress``.

    ``None`` keeps whatever listener is already active (an outer :func:`reporting`), so a
    library function called with ``progress=None`` from inside an analysis still reports.
    """
    if progress is None:
        yield _current.get()
        return
    listener = as_progress(progress)
    token = _current.set(listener)
    try:
        yield listener
    finally:
        _current.reset(token)


def step(label: str, total: int | None = None) -> None:
    """Tell the active listener that a step starts (see :class:`Progress`)."""
    _current.get().step(label, total)


def advance(done: int, total: int | None = None) -> None:
    """Tell the active listener that ``done`` of ``total`` units are finished."""
    _current.get().advance(done, total)
