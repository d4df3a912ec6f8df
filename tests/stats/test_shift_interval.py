"""The interval from inverting the circular-shift test: ends, coverage, withholding."""

from __future__ import annotations

import numpy as np
import pytest

from timing.errors import TimingInputError
from timing.stats.calendar import calendar_shift_test
from timing.stats.calendar_nulls import simulate_calendar_null
from timing.stats.circular import circular_shift_test
from timing.stats.shift_interval import shift_interval
from timing.timeline import window_weights


def _adjusted(counts: np.ndarray, w: np.ndarray, theta: float) -> np.ndarray:
    return np.where(w > 0, counts / theta, counts)


def test_ends_are_where_the_one_sided_tests_start_rejecting() -> None:
    rng = np.random.default_rng(2)
    w = window_weights(np.arange(15, 725, 25), 730, (-3, -1)).astype(float)
    counts = rng.poisson(0.8 * (1 + 0.6 * (w > 0))).astype(float)
    shifts = np.arange(3, 728)
    iv = shift_interval(counts, w, shifts, detrend=91)
    assert iv.ci_low < iv.estimate < iv.ci_high
    for theta, side, rejected in (
        (iv.ci_low * 0.99, "greater", True),
        (iv.ci_low * 1.01, "greater", False),
        (iv.ci_high * 1.01, "less", True),
        (iv.ci_high * 0.99, "less", False),
    ):
        res = circular_shift_test(
            counts=_adjusted(counts, w, theta), weights=w, detrend=91, alternative=side
        )
        assert (res.pvalue <= 0.025) == rejected, (theta, side, res.pvalue)


def test_covers_the_truth_on_structured_calendars() -> None:
    covered, total = 0, 0
    for null, uplift in (("weekday", 1.0), ("biweekly_cycle", 1.5), ("biweekly_weekday", 1.0)):
        counts, events, weekdays = simulate_calendar_null(null, 80, uplift=uplift, seed=31)
        for c, ev, first in zip(counts, events, weekdays, strict=True):
            w = window_weights(ev, 730, (-3, -1)).astype(float)
            _, plan = calendar_shift_test(c, w, ev, start_weekday=int(first))
            iv = shift_interval(plan.slice(c), plan.slice(w), plan.shifts, detrend=91)
            covered += iv.ci_low <= uplift <= iv.ci_high
            total += 1
    assert covered / total >= 0.93


def test_withheld_with_too_few_window_claims_or_arrangements() -> None:
    w = window_weights(np.array([50, 200]), 365, (-3, -1))
    counts = np.zeros(365)
    counts[::13] = 1  # 29 scattered claims; 6 of 365 days are in windows
    counts[47:50] = 5  # busy windows do not make up for 0.7 expected claims
    with pytest.raises(TimingInputError, match=r"only 0\.7 claims are expected"):
        shift_interval(counts, w, np.arange(3, 362))
    with pytest.raises(TimingInputError, match=r"cannot reach 0\.025"):
        shift_interval(np.ones(365), w, np.arange(3, 20))


def test_analysis_headline_uses_the_inverted_interval() -> None:
    from timing.analysis import analyze

    result = analyze()
    inverted = result.tests["rate_ratio_interval"]
    circ = result.tests["circular_shift"]
    assert inverted.method.startswith("Interval from inverting")
    assert (circ.ci_low, circ.ci_high) == (inverted.ci_low, inverted.ci_high)
    from timing.result import _fmt_interval

    assert f"95 % CI {_fmt_interval(inverted.ci_low, inverted.ci_high)}" in result.headline()
    boot = result.tests["rate_ratio_bootstrap"]  # kept beside it, not in the headline
    assert boot.n_boot == result.config.n_boot and boot.ci_low < boot.ci_high
