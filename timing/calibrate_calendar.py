"""Calibration on structured event calendars: false positives, power and interval coverage.

:func:`calibrate_calendar` simulates the adversarial nulls of
:mod:`timing.stats.calendar_nulls` (events on fixed weekdays or every 14 days, against
claims with a weekly rhythm or a 14-day cycle) and measures, per method:

- the false-positive rate at ``alpha`` (and the power at a planted uplift for the
  circular-shift tests), each with its exact binomial 95 % interval;
- the coverage of the rate ratio's 95 % intervals (the inverted circular-shift test and the
  moving-block bootstrap) of the true effect, 1 under the null.

The circular-shift tests are cheap and run on ``n_primary`` datasets per cell; the model-
based methods (the GLM with its normal and its shifted-calendar reference, the placebo,
block-permutation and simulated-null tests, run exactly as :func:`timing.analysis.analyze`
runs them) on ``n_other``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import polars as pl

from timing.methods import METHODS, MethodContext, run_method
from timing.result import AnalysisConfig
from timing.stats.base import NotApplicable
from timing.stats.calendar import calendar_shift_test
from timing.stats.calendar_nulls import (
    CALENDAR_NULLS,
    calendar_shift_pvalues,
    simulate_calendar_null,
)
from timing.stats.calibrate import (
    DETREND_SPAN,
    TABLE_COLUMNS,
    CalibrationResult,
    _rate,
    circular_shift_pvalues,
)
from timing.timeline import Timeline, window_weights

__all__ = ["MODEL_METHODS", "calibrate_calendar"]

Progress = Callable[[int, int, str], None]
#: Methods run through :mod:`timing.methods` on each dataset (slow: ``n_other`` datasets).
MODEL_METHODS: tuple[str, ...] = (
    "negbin_glm",
    "negbin_glm_normal",
    "weekday_placebo",
    "block_permutation",
    "simulated_null",
)


def _coverage(
    counts: np.ndarray,
    events: np.ndarray,
    weekdays: np.ndarray,
    truth: float,
    n_boot: int,
    seed: int,
) -> tuple[list[bool], list[bool], int]:
    from timing.errors import TimingInputError
    from timing.stats.bootstrap import block_bootstrap_rate_ratio
    from timing.stats.shift_interval import shift_interval

    inverted, boot, withheld = [], [], 0
    n_bins = counts.shape[1]
    for i, (c, ev) in enumerate(zip(counts.astype(float), events, strict=True)):
        w = window_weights(ev, n_bins, (-3, -1)).astype(float)
        _, plan = calendar_shift_test(c, w, ev, start_weekday=int(weekdays[i]))
        try:
            iv = shift_interval(plan.slice(c), plan.slice(w), plan.shifts, detrend=DETREND_SPAN)
        except TimingInputError:
            withheld += 1
        else:
            inverted.append(iv.ci_low <= truth <= iv.ci_high)
        if n_boot:
            b = block_bootstrap_rate_ratio(c, w, n_boot=n_boot, seed=seed + i)
            boot.append(b.ci_low <= truth <= b.ci_high)
    return inverted, boot, withheld


def _model_pvalues(
    counts: Sequence[np.ndarray] | np.ndarray,
    events: Sequence[np.ndarray] | np.ndarray,
    weekdays: np.ndarray,
    seed: int,
) -> dict[str, list[float]]:
    """p-values of the model-based methods, run as the analysis runs them.

    A method whose needs are not met (e.g. a GLM with fewer than 3 events) or that fails
    is not applicable and gives no p-value, as in :func:`timing.analysis.analyze`.
    """

    wanted = {m.name: m for m in METHODS if m.name in MODEL_METHODS}
    out: dict[str, list[float]] = {m: [] for m in MODEL_METHODS}
    for i, (c, ev) in enumerate(zip(counts, events, strict=True)):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=int(weekdays[i]))  # a Monday + k
        ctx = MethodContext(
            Timeline.from_arrays(c, ev, start=start), AnalysisConfig(n_boot=199, seed=seed + i)
        )
        for name, method in wanted.items():
            result = run_method(method, ctx)
            if isinstance(result, NotApplicable):
                continue
            out[name].append(result.pvalue)
            if name == "negbin_glm":
                out["negbin_glm_normal"].append(result.pvalue_normal)
    return out


def calibrate_calendar(
    nulls: Sequence[str] = CALENDAR_NULLS,
    n_primary: int = 1000,
    n_other: int = 100,
    *,
    uplift: float = 1.5,
    alpha: float = 0.05,
    n_boot: int = 500,
    seed: int = 0,
    progress: Progress | None = None,
) -> CalibrationResult:
    """False-positive rate, power and interval coverage on structured calendars.

    Parameters
    ----------
    nulls : sequence of str
        Names in :data:`timing.stats.calendar_nulls.CALENDAR_NULLS`.
    n_primary : int
        Datasets per null (and per uplift) for the circular-shift tests and intervals.
    n_other : int
        Datasets per null for the model-based methods (0 leaves them out).
    uplift : float
        Planted multiplier of the claim rate in the windows, for power.
    alpha : float
        Significance level.
    n_boot : int
        Bootstrap replicates of the bootstrap interval (0 leaves it out).
    seed : int
        Seed of the whole run.
    progress : callable, optional
        ``progress(done, total, label)`` after each null.

    Returns
    -------
    CalibrationResult
        ``table`` has one row per (test, null): ``n_datasets``, ``fpr`` (for an interval:
        the share of intervals that miss the truth) and its interval, ``power`` and its
        interval (``None`` where not measured), and ``coverage`` for the intervals.

    Examples
    --------
    >>> res = calibrate_calendar(("weekday",), n_primary=30, n_other=0, n_boot=0)
    >>> sorted(set(res.table["test"]))[:2]
    ['circular_shift_all', 'circular_shift_auto']
    """
    rows: list[tuple[Any, ...]] = []
    children = np.random.SeedSequence(seed).spawn(len(nulls))
    for k, (null, child) in enumerate(zip(nulls, children, strict=True)):
        rng = np.random.default_rng(child)
        sims = {
            effect: simulate_calendar_null(null, n_primary, uplift=effect, seed=rng)
            for effect in (1.0, uplift)
        }
        for test in ("circular_shift_all", "circular_shift_auto"):
            rejected = []
            for c, e, w in sims.values():
                if test == "circular_shift_all":
                    p = circular_shift_pvalues(c, e, detrend=DETREND_SPAN)
                else:
                    p = calendar_shift_pvalues(c, e, start_weekdays=w, detrend=DETREND_SPAN)
                rejected.append(int(np.count_nonzero(p <= alpha)))
            rows.append(
                (
                    test,
                    null,
                    n_primary,
                    *_rate(rejected[0], n_primary),
                    *_rate(rejected[1], n_primary),
                    None,
                )
            )
        c, e, w = sims[1.0]
        inverted, boot, _ = _coverage(c, e, w, 1.0, n_boot, seed)
        for test, hits in (("interval_inverted", inverted), ("interval_bootstrap", boot)):
            if hits:
                miss = len(hits) - int(sum(hits))
                rows.append(
                    (
                        test,
                        null,
                        len(hits),
                        *_rate(miss, len(hits)),
                        None,
                        None,
                        None,
                        1 - miss / len(hits),
                    )
                )
        if n_other:
            c, e, w = simulate_calendar_null(null, n_other, seed=rng)
            for test, pvalues in _model_pvalues(c, e, w, seed).items():
                p = np.asarray(pvalues)
                rows.append(
                    (
                        test,
                        null,
                        p.size,
                        *_rate(int(np.count_nonzero(p <= alpha)), p.size),
                        None,
                        None,
                        None,
                        None,
                    )
                )
        if progress is not None:
            progress(k + 1, len(nulls), null)
    table = pl.DataFrame(rows, schema=[*TABLE_COLUMNS, "coverage"], orient="row")
    params = {
        "n_datasets": n_primary,
        "n_other": n_other,
        "n_bins": 730,
        "n_events": 24,
        "offsets": (-3, -1),
        "seed": seed,
        "nulls": list(nulls),
        "n_boot": n_boot,
    }
    return CalibrationResult(table=table, alpha=alpha, uplift=uplift, params=params)
