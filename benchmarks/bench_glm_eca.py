"""Benchmark: count regression (NB GLM + HAC) and event coincidence analysis fit times.

Daily series of T = 550, 1000 and 1826 bins (negative binomial claims with a trend, one
event every ~30 days), window -3..-1. Timed, medians of repeats with ``time.perf_counter``:

(a) ``count_regression`` with the NB dispersion by maximum likelihood (default), by the
    moment estimator, and the Poisson family; each includes the naive Poisson fit;
(b) ``event_coincidence`` (rates, both analytic p-values, all circular-shift surrogates),
    against pyunicorn 1.0's ``EventSeries.event_coincidence_analysis`` rates alone.

BLAS is limited to one thread: these are small matrices, and extra threads only contend.
Run: ``python3 benchmarks/bench_glm_eca.py [--quick]`` (prints a table; no assertions).
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from timing.stats.coincidence import event_coincidence
from timing.stats.glm import count_regression
from timing.timeline import Timeline


def median_time(func: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls after one warm-up, in seconds."""
    func()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def make_timeline(n: int, seed: int = 0) -> Timeline:
    import datetime as dt

    import polars as pl

    rng = np.random.default_rng(seed)
    events = np.sort(rng.choice(np.arange(5, n - 5), n // 30, replace=False))
    mu = np.exp(0.5 + 0.5 * np.sin(np.arange(n) / n * np.pi))
    claims = rng.poisson(mu * rng.gamma(2.0, 0.5, n)).astype(np.float64)
    return Timeline(
        start=dt.date(2021, 1, 1),
        resolution="day",
        claims=claims,
        event_bins=events,
        event_end_bins=events.copy(),
        announced_bins=np.full(events.shape, -1),
        claims_frame=pl.DataFrame(),
        events_frame=pl.DataFrame(),
        excluded={},
    )


def main() -> None:
    from threadpoolctl import threadpool_limits

    quick = "--quick" in sys.argv
    repeats = 3 if quick else 15
    print(f"{'T':>6} {'task':<44} {'median ms':>10}")
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pyunicorn.eventseries import EventSeries

        for n in (550, 1000, 1826):
            tl = make_timeline(n)
            a = (tl.claims > 0).astype(int)
            b = tl.event_series()
            tasks: list[tuple[str, Callable[[], object]]] = [
                ("count_regression negbin (dispersion MLE)", lambda tl=tl: count_regression(tl)),
                (
                    "count_regression negbin (dispersion moment)",
                    lambda tl=tl: count_regression(tl, dispersion="moment"),
                ),
                ("count_regression poisson", lambda tl=tl: count_regression(tl, family="poisson")),
                ("event_coincidence (all shifts)", lambda tl=tl: event_coincidence(tl)),
                (
                    "pyunicorn event_coincidence_analysis (rates)",
                    lambda a=a, b=b: EventSeries.event_coincidence_analysis(b, a, 2, lag=1),
                ),
            ]
            for name, func in tasks:
                print(f"{n:>6} {name:<44} {1e3 * median_time(func, repeats):>10.2f}")


if __name__ == "__main__":
    main()
