"""Constraints on parameters, declared once and checked in one place.

A constraint says what values a parameter accepts and how to say so in an error message:
:class:`Interval` (an integer in a range, optionally ``None``), :class:`Options` (one of a
few strings), :class:`Flag` (a bool), :class:`Dates` (a date or ``None``),
:class:`Strings` (a tuple of strings or ``None``) and :class:`Pair` (two integers, the
first not above the second). :func:`check_fields` checks an object's fields against a
mapping of them and raises :class:`ParameterError`, which names the field, the value and
what is expected; the CLI restates the same error in terms of its option
(:meth:`ParameterError.for_option`), so the library, the CLI and its help text share one
declaration.

Examples
--------
>>> Interval(10).expected
'an integer >= 10'
>>> check_fields({"n_boot": 5}, {"n_boot": Interval(10)}, owner="AnalysisConfig")
Traceback (most recent call last):
...
timing.constraints.ParameterError: AnalysisConfig(n_boot=5): expected an integer >= 10
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from timing.errors import TimingInputError

__all__ = [
    "Constraint",
    "Dates",
    "Flag",
    "Interval",
    "Options",
    "Pair",
    "ParameterError",
    "Strings",
    "check_fields",
]


class ParameterError(TimingInputError):
    """A parameter outside its declared constraint.

    Attributes
    ----------
    field : str
        The parameter's name (e.g. ``"weight"``).
    value : object
        The value given.
    expected : str
        What the constraint accepts, in words.
    """

    def __init__(self, owner: str, field: str, value: Any, expected: str) -> None:
        self.field, self.value, self.expected = field, value, expected
        super().__init__(f"{owner}({field}={value!r}): expected {expected}")

    def for_option(self, option: str, value: Any | None = None) -> TimingInputError:
        """The same error phrased for a command-line option, e.g. ``--weight 'sum': ...``."""
        shown = self.value if value is None else value
        expected = self.expected.removesuffix(" or None")  # an option left out is None
        return TimingInputError(f"{option} {shown!r}: expected {expected}")


class Constraint:
    """What a parameter accepts: :meth:`accepts` a value, and says what in :attr:`expected`."""

    expected: str = "a valid value"

    def accepts(self, value: Any) -> bool:  # pragma: no cover - overridden
        """Whether ``value`` satisfies the constraint."""
        raise NotImplementedError


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Interval(Constraint):
    """An integer ``low <= value <= high`` (``high=None``: no upper bound); ``None`` if allowed."""

    low: int
    high: int | None = None
    none: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        bound = f">= {self.low}" if self.high is None else f"between {self.low} and {self.high}"
        return f"an integer {bound}" + (" or None" if self.none else "")

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.none
        return _is_int(value) and value >= self.low and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of strings."""

    choices: tuple[str, ...]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(self.choices)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.choices


@dataclass(frozen=True)
class Flag(Constraint):
    """``True`` or ``False``."""

    expected = "True or False"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)


@dataclass(frozen=True)
class Dates(Constraint):
    """A ``datetime.date`` (not a string), or ``None``."""

    expected = "a datetime.date or None"

    def accepts(self, value: Any) -> bool:
        return value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime))


@dataclass(frozen=True)
class Strings(Constraint):
    """A non-empty tuple of non-empty strings, or ``None`` (no filter)."""

    expected = "a non-empty tuple of non-empty strings, or None"

    def accepts(self, value: Any) -> bool:
        if value is None:
            return True
        return (
            isinstance(value, tuple)
            and len(value) > 0
            and all(isinstance(v, str) and v.strip() for v in value)
        )


@dataclass(frozen=True)
class Pair(Constraint):
    """A tuple of two integers ``(lo, hi)`` with ``lo <= hi``."""

    expected = "a tuple of two integers (lo, hi) with lo <= hi"

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, tuple)
            and len(value) == 2
            and all(_is_int(v) for v in value)
            and value[0] <= value[1]
        )


def check_fields(values: Any, constraints: Mapping[str, Constraint], *, owner: str) -> None:
    """Check every declared field of ``values`` (an object, or a mapping) against its constraint.

    Parameters
    ----------
    values : object or mapping
        Fields are read with ``getattr`` (or item access for a mapping); a field the
        mapping does not hold is not checked.
    constraints : mapping of str to Constraint
    owner : str
        Named in the message, e.g. ``"AnalysisConfig"``.

    Raises
    ------
    ParameterError
        For the first field whose value the constraint does not accept.
    """
    for name, constraint in constraints.items():
        if isinstance(values, Mapping):
            if name not in values:
                continue
            value = values[name]
        else:
            value = getattr(values, name)
        if not constraint.accepts(value):
            raise ParameterError(owner, name, value, constraint.expected)
