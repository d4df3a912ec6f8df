"""Calendar-aware shifts: detection, exactness, calibration on structured nulls, wiring."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from timing.analysis import AnalysisConfig, analyze
from timing.errors import TimingInputError
from timing.stats.calendar import calendar_shift_test, detect_structure, plan_shifts
from timing.stats.calendar_nulls import calendar_shift_pvalues, simulate_calendar_null
from timing.stats.calibrate import circular_shift_pvalues
from timing.stats.circular import circular_shift_test
from timing.timeline import window_weights


def _tue_wed(n_bins: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weeks = np.sort(rng.choice(np.arange(3, n_bins // 7 - 1), n, replace=False))
    return 7 * weeks + 1 + rng.integers(0, 2, n)  # bin 0 is a Monday


def test_weekday_concentration_and_period_are_detected() -> None:
    counts = np.ones(730)
    tue_wed = detect_structure(counts, _tue_wed(730, 24, 0))
    assert tue_wed.weekday_concentrated and tue_wed.period is None
    assert sum(tue_wed.event_weekdays[1:3]) == 24
    spread = detect_structure(counts, np.arange(5, 725, 30))  # 30-day gaps: every weekday
    assert not spread.weekday_concentrated and spread.period == 30
    random = detect_structure(counts, np.sort(np.random.default_rng(1).choice(730, 24, False)))
    assert not random.weekday_concentrated and random.period is None


def test_auto_scheme_follows_the_calendar_and_trims_to_whole_cycles() -> None:
    counts = np.random.default_rng(0).poisson(1.0, 730).astype(float)
    for events, scheme, step, cycle in (
        (_tue_wed(730, 24, 0), "weekly", 7, 7),
        (100 + 14 * np.arange(24), "weekly", 7, 14),  # biweekly on one weekday
        (np.arange(5, 725, 30), "periodic", 1, 30),
        (np.sort(np.random.default_rng(1).choice(np.arange(3, 730), 24, False)), "all", 1, 1),
    ):
        w = window_weights(events, 730, (-3, -1))
        plan = plan_shifts(counts, w, events, min_shift=3)
        assert (plan.scheme, plan.step, plan.cycle) == (scheme, step, cycle)
        assert (plan.keep_stop - plan.keep_start) % cycle == 0
        assert plan.n_bins_dropped == 730 % cycle
        assert np.all(plan.shifts % step == 0)
        assert plan.min_pvalue == pytest.approx(1 / (plan.shifts.size + 1))


def test_a_calendar_repeating_over_the_whole_period_has_period_many_arrangements() -> None:
    events = np.arange(5, 728, 14)  # every 14 days over 728 days, windows whole
    w = window_weights(events, 728, (-3, -1))
    plan = plan_shifts(np.ones(728), w, events, scheme="periodic", min_shift=1)
    assert plan.n_arrangements == 14 and plan.min_pvalue == pytest.approx(1 / 14)
    weekly = plan_shifts(np.ones(728), w, events, scheme="weekly", min_shift=1)
    assert weekly.n_arrangements == 2  # the observed Tuesdays and the other week's


def test_p_is_uniform_over_the_allowed_arrangements() -> None:
    rng = np.random.default_rng(3)
    counts = rng.gamma(1.0, 1.0, 364)  # continuous: no ties
    events = _tue_wed(364, 10, 4)
    w = window_weights(events, 364, (-3, -1)).astype(float)
    _, plan = calendar_shift_test(counts, w, events, min_shift=1)
    assert plan.scheme == "weekly"
    pvalues = []
    for s in np.concatenate([[0], plan.shifts]):
        rolled = np.roll(w, s)
        res, again = calendar_shift_test(counts, rolled, events, scheme="weekly", min_shift=1)
        assert again.n_arrangements == plan.n_arrangements
        pvalues.append(res.pvalue)
    n = plan.n_arrangements
    assert np.allclose(np.sort(pvalues), np.arange(1, n + 1) / n)


def test_all_scheme_equals_the_plain_circular_test() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(0.7, 500).astype(float)
    events = np.sort(rng.choice(np.arange(5, 500), 15, replace=False))
    w = window_weights(events, 500, (-3, -1))
    res, plan = calendar_shift_test(counts, w, events, scheme="all", detrend=91)
    direct = circular_shift_test(counts=counts, weights=w, detrend=91)
    assert plan.n_bins_dropped == 0
    assert res.pvalue == direct.pvalue and np.array_equal(res.shifts, direct.shifts)


def test_forcing_periodic_on_an_aperiodic_calendar_is_refused() -> None:
    events = np.array([10, 41, 97, 150, 233, 260])
    w = window_weights(events, 365, (-3, -1))
    with pytest.raises(TimingInputError, match="no period"):
        plan_shifts(np.ones(365), w, events, scheme="periodic")
    with pytest.raises(TimingInputError, match="expected one of"):
        plan_shifts(np.ones(365), w, events, scheme="monthly")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("null", "seed"), [("weekday", 11), ("biweekly_cycle", 12), ("biweekly_weekday", 13)]
)
def test_false_positive_rate_on_structured_nulls(null: str, seed: int) -> None:
    counts, events, weekdays = simulate_calendar_null(null, 300, seed=seed)
    p_auto = calendar_shift_pvalues(counts, events, start_weekdays=weekdays, detrend=91)
    fpr = float(np.mean(p_auto <= 0.05))
    assert 0.02 <= fpr <= 0.085, fpr  # 300 datasets: 95 % of runs fall in 2.8-7.5 %
    if null == "weekday":  # the problem the scheme solves: all shifts reject too often
        p_all = circular_shift_pvalues(counts, events, detrend=91)
        assert np.mean(p_all <= 0.05) > 0.12


def _write(tmp_path: Path, seed: int) -> tuple[Path, Path]:
    counts, events, weekdays = simulate_calendar_null("weekday", 1, seed=seed)
    start = dt.date(2024, 1, 1) + dt.timedelta(days=int(weekdays[0]))  # 2024-01-01: Monday
    dates = [start + dt.timedelta(days=int(d)) for d, k in enumerate(counts[0]) for _ in range(k)]
    pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(len(dates))],
            "date": dates,
            "actor": "RU MoD",
            "kind": "capture",
            "source": "simulated",
        }
    ).write_csv(tmp_path / "claims.csv")
    pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(events.shape[1])],
            "date": [start + dt.timedelta(days=int(d)) for d in events[0]],
            "kind": "talks",
            "parties": "US-RU",
            "title": "simulated",
            "source": "simulated",
        }
    ).write_csv(tmp_path / "events.csv")
    return tmp_path / "claims.csv", tmp_path / "events.csv"


def test_analysis_uses_the_scheme_and_says_so(tmp_path: Path) -> None:
    claims, events = _write(tmp_path, 21)
    result = analyze(claims, events, AnalysisConfig(n_boot=200, detrend=None))
    plan = result.tests["shift_scheme"]
    assert plan.scheme == "weekly"
    assert "whole-week shifts" in result.headline()
    assert "Shift scheme: shifts by whole weeks" in (result.caution() or "")
    assert np.all(result.tests["circular_shift"].shifts % 7 == 0)
    assert AnalysisConfig(shift_scheme="all").cli_args() == ["--shift-scheme", "all"]
    data = result.to_dict()
    assert data["params"]["shift_scheme"] == "auto"
    assert data["tests"]["shift_scheme"]["n_arrangements"] == plan.n_arrangements
