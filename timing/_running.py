"""Running a method of :data:`timing.methods.METHODS`: here and now, or partly elsewhere.

:func:`run_method` runs one method in the calling thread and turns what goes wrong on the
data into a :class:`~timing.stats.base.NotApplicable`; :func:`start_method` does the same
but hands the part of a method that may run on another thread to an executor, so that
:func:`timing.analysis.analyze` can keep both cores busy (the self-exciting null's draws
and the event study beside the count regression and the predictive check) with the same
numbers as one after the other.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import numpy as np

from timing.errors import TimingInputError
from timing.stats.base import NotApplicable, implausible

if TYPE_CHECKING:
    from timing.methods import Method, MethodContext

__all__ = ["run_method", "start_method"]

#: Libraries whose ValueError / LinAlgError on degenerate data means "cannot estimate here".
_NUMERIC_LIBRARIES = ("statsmodels", "scipy", "sklearn", "numpy")


def _raised_in_library(exc: BaseException) -> bool:
    tb = exc.__traceback__
    module = None
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return bool(module) and str(module).split(".")[0] in _NUMERIC_LIBRARIES


def run_method(method: Method, ctx: MethodContext) -> Any:
    """Run one method, or say why it does not apply.

    Parameters
    ----------
    method : Method
    ctx : MethodContext

    Returns
    -------
    object
        The method's result, or a :class:`~timing.stats.base.NotApplicable` when its needs
        are not met, it raises on these data (an input error of ours, or a numerical
        failure inside statsmodels, scipy, scikit-learn or numpy), or its numbers are not
        finite or not plausible.
    """
    reason = method.needs(ctx)
    if reason is not None:
        return NotApplicable(method.name, method.label, reason)
    return _guarded(method, lambda: method.run(ctx))


def start_method(
    method: Method, ctx: MethodContext, submit: Callable[..., Future[Any]]
) -> Callable[[], Any]:
    """Start one method, handing what may run on another thread to ``submit``.

    Parameters
    ----------
    method : Method
    ctx : MethodContext
    submit : callable
        ``submit(fn)`` runs ``fn()`` elsewhere and returns its future, e.g. the ``submit``
        of a :class:`concurrent.futures.ThreadPoolExecutor`. It gets the second part of a
        method with :attr:`Method.start` and the whole of a :attr:`Method.background` one;
        every other method runs here, now.

    Returns
    -------
    callable
        Gives what :func:`run_method` gives (waiting for the other thread if need be). The
        caller must hold Python's warnings quiet until then (``warnings.catch_warnings``
        in its own thread: they are process-wide and not thread-safe), and must not let a
        :attr:`Method.limits_blas` method run meanwhile unless only ``start`` parts are out.
    """
    reason = method.needs(ctx)
    if reason is not None:
        na = NotApplicable(method.name, method.label, reason)
        return lambda: na
    if method.start is not None:
        first = _guarded(method, lambda: method.start(ctx), check=False)  # type: ignore[misc]
        if isinstance(first, NotApplicable):
            return lambda: first
        future = submit(_quietly, first)
    elif method.background:
        future = submit(_quietly, lambda: method.run(ctx))
    else:
        result = _guarded(method, lambda: method.run(ctx))
        return lambda: result
    return lambda: _guarded(method, future.result)


def _quietly(fn: Callable[[], Any]) -> Any:
    """``fn()`` with numpy's floating-point warnings off (numpy's state is per thread)."""
    with np.errstate(all="ignore"):
        return fn()


def _guarded(method: Method, call: Callable[[], Any], *, check: bool = True) -> Any:
    """``call()``, or a :class:`NotApplicable` when it fails on these data or (``check``)
    its numbers are not plausible; see :func:`run_method`."""
    reason: str | None
    try:
        # Degenerate data give NaN estimates (withheld below); numpy's and statsmodels'
        # warnings about them would only clutter the output.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = call()
    except TimingInputError as exc:
        reason = str(exc).splitlines()[0]
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError) as exc:
        if not _raised_in_library(exc):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f"the model cannot be estimated on these data ({first})"
    else:
        reason = implausible(result, effect=method.effect) if check else None
        if reason is None:
            return result
    return NotApplicable(method.name, method.label, reason)
