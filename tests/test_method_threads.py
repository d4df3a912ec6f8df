"""The secondary methods on two threads give what they give one after the other.

:func:`timing.analysis._run_secondary` hands the simulated null's draws, the event study
and the lag distribution to a worker thread
(:func:`timing.methods.start_method`). Every result must be the one
:func:`timing.methods.run_method` gives in turn, failures become the same
:class:`NotApplicable`, and Python's warning filters are as they were afterwards.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from timing.analysis import _run_secondary
from timing.errors import TimingInputError
from timing.methods import METHODS, Method, MethodContext, run_method, start_method
from timing.result import AnalysisConfig
from timing.stats.base import NotApplicable
from timing.stats.simulate import simulate_batch
from timing.timeline import Timeline


def _context(seed: int) -> MethodContext:
    claims = simulate_batch(1, 400, model="hawkes", rate=0.7, seed=seed)[0]
    events = np.arange(20, 400, 31)
    config = AnalysisConfig(n_boot=200, n_monte_carlo=99, lag_density_shifts=19, seed=seed)
    return MethodContext(Timeline.from_arrays(claims, events), config)


def _plain(result: object) -> object:
    to_dict = getattr(result, "to_dict", None)
    return to_dict() if to_dict is not None else result


@pytest.mark.parametrize("seed", [1, 2])
def test_two_threads_give_the_sequential_results(seed: int) -> None:
    ctx = _context(seed)
    moved = [m.name for m in METHODS if m.start is not None or m.background]
    assert {"simulated_null", "event_study", "lags"} <= set(moved)
    before = list(warnings.filters)
    threaded = _run_secondary(METHODS, ctx)
    assert warnings.filters == before
    assert list(threaded) == [m.name for m in METHODS]
    for method in METHODS:
        alone = run_method(method, _context(seed))
        assert type(threaded[method.name]) is type(alone), method.name
        assert repr(_plain(threaded[method.name])) == repr(_plain(alone)), method.name
    assert not isinstance(threaded["simulated_null"], NotApplicable)


def _fails(ctx: MethodContext) -> object:
    raise TimingInputError("no window here\nsecond line")


def test_failures_on_the_worker_are_not_applicable_as_here() -> None:
    ctx = _context(3)
    base = Method("x", "X", _fails, lambda c: None)
    for method in (
        replace(base, background=True),
        replace(base, start=lambda c: lambda: _fails(c)),
        replace(base, start=_fails),
        base,
    ):
        got = _run_secondary([method], ctx)["x"]
        assert isinstance(got, NotApplicable) and got.reason == "no window here"
        assert run_method(replace(method, start=None), ctx).reason == "no window here"


def test_a_background_method_before_a_blas_limit_runs_in_this_thread() -> None:
    """Nothing that may call BLAS runs on the worker while a method holds BLAS to one
    thread: a background method with such a method still to come runs inline."""
    import threading

    where: list[str] = []
    record = Method(
        "a",
        "A",
        lambda c: where.append(threading.current_thread().name) or 1.0,
        lambda c: None,
        "none",
        background=True,
    )
    limit = Method("b", "B", lambda c: 2.0, lambda c: None, "none", limits_blas=True)
    out = _run_secondary([record, limit, replace(record, name="c")], _context(4))
    assert out == {"a": 1.0, "b": 2.0, "c": 1.0}
    assert where[0] == threading.main_thread().name
    assert where[1].startswith("timing-method")


def test_start_method_without_a_worker_runs_everything_here() -> None:
    ctx = _context(5)
    method = next(m for m in METHODS if m.start is not None)

    def here(fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """A submit that runs ``fn`` now, on this thread."""
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future

    got = start_method(method, ctx, here)()
    assert repr(_plain(got)) == repr(_plain(run_method(method, ctx)))
