"""Tests of timing.stats.calibrate: the vectorised tests against their peers, and calibration."""

from __future__ import annotations

import json
from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from timing.errors import TimingInputError
from timing.stats.calibrate import (
    TESTS,
    _union_weights,
    calibrate,
    circular_shift_pvalues,
    day_shuffle_pvalues,
    poisson_naive_pvalues,
)
from timing.stats.circular import circular_shift_test
from timing.stats.simulate import simulate_batch, simulate_events
from timing.timeline import window_weights


@pytest.fixture(scope="module")
def batch():
    events = simulate_events(730, 20, size=12, seed=1)
    counts = simulate_batch(12, 730, model="hawkes", events=events, uplift=1.3, seed=2)
    return counts, events


def test_union_weights_2d_matches_window_weights(batch):
    _, events = batch
    for offsets in [(-3, -1), (0, 2), (-10, 5)]:
        w = _union_weights(events, 730, offsets)
        ref = np.stack([window_weights(e, 730, offsets) for e in events])
        assert np.array_equal(w, ref)


@pytest.mark.parametrize("detrend", [None, 31])
def test_circular_batch_equals_single_test(batch, detrend):
    counts, events = batch
    p = circular_shift_pvalues(counts, events, (-3, -1), detrend=detrend)
    for row, ev, pv in zip(counts, events, p, strict=True):
        ref = circular_shift_test(
            counts=row.astype(float), weights=window_weights(ev, 730, (-3, -1)), detrend=detrend
        )
        assert pv == ref.pvalue
    shared = circular_shift_pvalues(counts, events[0], (-2, 0))
    w0 = window_weights(events[0], 730, (-2, 0))
    ref = circular_shift_test(counts=counts[3].astype(float), weights=w0, offsets=(-2, 0))
    assert shared[3] == ref.pvalue


def test_poisson_naive_equals_binomtest(batch):
    counts, events = batch
    p = poisson_naive_pvalues(counts, events, (-3, -1))
    for row, ev, pv in zip(counts, events, p, strict=True):
        w = window_weights(ev, 730, (-3, -1)) > 0
        ref = stats.binomtest(int(row[w].sum()), int(row.sum()), w.mean(), alternative="greater")
        assert pv == pytest.approx(ref.pvalue, rel=1e-9)


def test_day_shuffle_approaches_exact_permutation_pvalue():
    """On 10 days with a 2-day window the permutation null is all 45 day pairs."""
    counts = np.array([[0, 3, 1, 0, 2, 0, 0, 5, 1, 0], [1, 1, 0, 0, 2, 0, 1, 0, 0, 1]], float)
    events = np.array([3])  # window (-2, -1): days 1 and 2
    p = day_shuffle_pvalues(counts, events, (-2, -1), rng=0, n_surrogates=40_000)
    for row, pv in zip(counts, p, strict=True):
        obs = row[1] + row[2]
        sums = [row[i] + row[j] for i, j in combinations(range(10), 2)]
        exact = np.mean(np.array(sums) >= obs)
        assert pv == pytest.approx(exact, abs=0.01)
    again = day_shuffle_pvalues(counts, events, (-2, -1), rng=0, n_surrogates=40_000)
    assert np.array_equal(p, again)


@pytest.fixture(scope="module")
def calibration():
    return calibrate(
        tests=("circular_shift", "poisson_naive", "day_shuffle"),
        nulls=("iid", "hawkes", "negbin"),
        n_datasets=600,
        seed=2024,
    )


def _row(result, test, null):
    rows = result.table.iter_rows(named=True)
    return next(r for r in rows if r["test"] == test and r["null"] == null)


@pytest.mark.slow
@pytest.mark.parametrize("null", ["iid", "hawkes", "negbin"])
def test_circular_shift_false_positive_rate_near_alpha(calibration, null):
    """Exact under rotation: 600 null datasets each, FPR in 5 +/- 2 %."""
    assert 0.03 <= _row(calibration, "circular_shift", null)["fpr"] <= 0.07


@pytest.mark.slow
def test_naive_tests_reject_too_often_on_bursty_claims(calibration):
    """The reason the toolkit exists: measured 12 % (Hawkes), 14 % (NB) at seed 2024."""
    assert _row(calibration, "poisson_naive", "hawkes")["fpr"] > 0.10
    assert _row(calibration, "poisson_naive", "hawkes")["fpr_low"] > 0.05
    assert _row(calibration, "poisson_naive", "negbin")["fpr"] > 0.10
    assert _row(calibration, "day_shuffle", "hawkes")["fpr_low"] > 0.05
    assert 0.03 <= _row(calibration, "poisson_naive", "iid")["fpr"] <= 0.07


@pytest.mark.slow
def test_power_at_planted_uplift(calibration):
    """Measured: 99 % (iid), 88 % (NB, alpha=2), 29 % (Hawkes, uplift on the background)."""
    assert _row(calibration, "circular_shift", "iid")["power"] > 0.95
    assert _row(calibration, "circular_shift", "negbin")["power"] > 0.75
    assert _row(calibration, "circular_shift", "hawkes")["power"] > 0.15


def test_result_table_ci_and_serialisation(calibration):
    r = _row(calibration, "circular_shift", "iid")
    k = round(r["fpr"] * r["n_datasets"])
    ci = stats.binomtest(k, r["n_datasets"]).proportion_ci(method="exact")
    assert (r["fpr_low"], r["fpr_high"]) == pytest.approx((ci.low, ci.high))
    assert calibration.table.height == 9
    d = calibration.to_dict()
    json.dumps(d)
    assert d["alpha"] == 0.05 and len(d["rows"]) == 9
    text = calibration.summary()
    assert "circular_shift" in text and "hawkes" in text and "!" in text


def test_calibrate_is_reproducible_and_checks_input():
    kw = {
        "tests": tuple(TESTS),
        "nulls": ("trend", "ar"),
        "n_datasets": 30,
        "n_bins": 365,
        "n_events": 10,
    }
    seen = []
    a = calibrate(**kw, seed=5, progress=lambda done, total, label: seen.append((done, total)))
    b = calibrate(**kw, seed=5)
    assert a.table.equals(b.table)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with pytest.raises(TimingInputError, match="unknown test"):
        calibrate(tests=("nope",))
    with pytest.raises(TimingInputError, match="unknown null"):
        calibrate(nulls=("nope",))
    with pytest.raises(TimingInputError, match="alpha"):
        calibrate(alpha=1.5)
