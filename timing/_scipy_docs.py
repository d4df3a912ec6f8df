"""Leave scipy's docstrings as they are in a command-line run: a fifth of a second saved.

SciPy 1.16 and 1.17 decorate about 470 of their public functions with
``scipy._lib._array_api.xp_capabilities``, which parses each function's docstring
(``scipy._lib._docscrape.FunctionDoc``), appends a table of the array libraries it supports
to the Notes and writes the docstring back. That work runs at import: about 0.2 s of the
0.3-0.45 s that importing ``scipy.stats`` costs (statsmodels imports it), i.e. a tenth of
a default ``timing analyze`` (``benchmarks/results_startup.md``). A command-line run never
shows a scipy docstring, so :func:`install` (called by :func:`timing.cli.main`, the
console script, and by nothing else) has that decorator keep each docstring as it is. It
changes no computation: ``xp_capabilities`` still records each function in its table,
and only the text of ``help(scipy...)`` loses the note.

Nothing is imported until scipy itself is: a hook on ``sys.meta_path`` waits for
``scipy._lib._array_api``, swaps the parser in that one module when it has loaded, and
removes itself. It is installed only for the SciPy versions whose decorator was read
(:data:`READ_VERSIONS`: the parser's use there is what :class:`DocAsIs` stands in for); any
other version imports as usual, as it does when a version lacks the decorator or parser.
``TIMING_SCIPY_DOCS=1`` in the environment turns the hook off.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["DocAsIs", "install", "installed"]

#: The module whose ``FunctionDoc`` is replaced.
TARGET = "scipy._lib._array_api"
#: SciPy (major, minor) versions whose ``xp_capabilities`` was read for :class:`DocAsIs`.
READ_VERSIONS = frozenset({(1, 16), (1, 17)})


def _read_version() -> bool:
    """Whether the installed SciPy is one of :data:`READ_VERSIONS` (read without importing it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(part) for part in version("scipy").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) in READ_VERSIONS


class DocAsIs:
    """Stands in for ``FunctionDoc`` in ``xp_capabilities``: the docstring, unparsed.

    The decorator reads ``doc["Notes"]``, appends its note to that list, prints the
    document and drops the first line (the signature ``FunctionDoc`` prints first). Here
    the sections are empty lists nobody prints, and the print is a blank line followed by
    the function's own docstring, so the function keeps its docstring unchanged.

    Examples
    --------
    >>> def f():
    ...     '''Add one.'''
    >>> doc = DocAsIs(f)
    >>> doc["Notes"].append("a table")
    >>> str(doc).split("\\n", 1)[1]
    'Add one.'
    """

    def __init__(self, func: Any, *args: Any, **kwargs: Any) -> None:
        self._doc = getattr(func, "__doc__", None) or ""
        self._sections: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        return self._sections.setdefault(key, [])

    def __setitem__(self, key: str, value: Any) -> None:
        self._sections[key] = value

    def __str__(self) -> str:
        return "\n" + self._doc


def _patch(module: ModuleType) -> None:
    """Swap the parser of ``module`` when it has the decorator and the parser it uses."""
    if callable(getattr(module, "xp_capabilities", None)) and hasattr(module, "FunctionDoc"):
        setattr(module, "FunctionDoc", DocAsIs)  # noqa: B010  (an attribute mypy cannot see)


class _PatchingLoader(importlib.abc.Loader):
    """The module's own loader, and :func:`_patch` once the module has run."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _patch(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Hook(importlib.abc.MetaPathFinder):
    """Finds :data:`TARGET` with the other finders and wraps its loader (once)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        _remove()
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is not None:
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _PatchingLoader(spec.loader)
        return spec


def _remove() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Hook)]


def installed() -> bool:
    """Whether the hook is waiting for scipy (``True`` until scipy's module loads)."""
    return any(isinstance(f, _Hook) for f in sys.meta_path)


def install() -> bool:
    """Have scipy keep its docstrings as they are when it loads in this process.

    Returns
    -------
    bool
        Whether the hook was installed: not when scipy's module has already loaded (its
        functions are decorated by then), when it is already waiting, when the installed
        SciPy is not one of :data:`READ_VERSIONS`, or when the environment sets
        ``TIMING_SCIPY_DOCS=1``.
    """
    if os.environ.get("TIMING_SCIPY_DOCS", "") not in ("", "0") or TARGET in sys.modules:
        return False
    if installed() or not _read_version():
        return False
    sys.meta_path.insert(0, _Hook())
    return True
