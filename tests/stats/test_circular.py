"""Tests of timing.stats.circular against brute force, closed forms and exactness."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as scipy_fft
from hypothesis import given, settings
from hypothesis import strategies as st

from timing.errors import TimingInputError
from timing.stats.circular import (
    Correlator,
    admissible_shifts,
    circular_cross_correlation,
    circular_shift_test,
    detrended,
    fast_length,
)
from timing.timeline import Timeline, anticipation_weights, window_weights


def _brute_stats(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """S(s) = sum_t c[t] * m[(t - s) mod T] by an explicit loop over shifts with np.roll."""
    return np.array([np.sum(counts * np.roll(weights, s)) for s in range(counts.shape[0])])


def _brute_p(stats: np.ndarray, shifts: np.ndarray, alternative: str) -> float:
    obs, null = stats[0], stats[shifts]
    ge = (1 + sum(1 for v in null if v >= obs)) / (1 + len(null))
    le = (1 + sum(1 for v in null if v <= obs)) / (1 + len(null))
    return {"greater": ge, "less": le, "two-sided": min(1.0, 2 * min(ge, le))}[alternative]


def _series(seed: int, n_bins: int = 400, n_events: int = 15) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = rng.negative_binomial(1, 0.5, n_bins).astype(np.float64)
    events = np.sort(rng.choice(np.arange(2, n_bins), n_events, replace=False))
    return counts, events


def _timeline(counts: np.ndarray, events: np.ndarray, announced: np.ndarray) -> Timeline:
    return Timeline.from_arrays(counts, events, announced_bins=announced)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("form", ["union", "per_event"])
@pytest.mark.parametrize("offsets", [(-3, -1), (-7, -1), (0, 2), (-1, 1)])
def test_fft_equals_roll_loop_exactly(seed, form, offsets):
    counts, events = _series(seed)
    w = window_weights(events, counts.shape[0], offsets, form=form)
    fft = circular_cross_correlation(counts, w)
    brute = _brute_stats(counts, w)
    assert np.array_equal(fft, brute)  # integers: exact, not approximate
    res = circular_shift_test(counts=counts, weights=w, offsets=offsets, form=form)
    assert res.statistic == brute[0] == float(np.sum(counts * w))
    shifts = admissible_shifts(counts.shape[0], offsets[1] - offsets[0] + 1)
    assert np.array_equal(res.shifts, shifts)
    assert np.array_equal(res.null_distribution, brute[shifts])
    assert res.pvalue == _brute_p(brute, shifts, "greater")
    assert res.expected == pytest.approx(brute[shifts].mean())


def test_fft_2d_weights_match_rows():
    counts, events = _series(5)
    stacked = np.stack([window_weights(events, 400, (-k, -1)) for k in (1, 3, 5)])
    out = circular_cross_correlation(counts, stacked)
    assert out.shape == (3, 400)
    for row, w in zip(out, stacked, strict=True):
        assert np.array_equal(row, _brute_stats(counts, w))


@pytest.mark.parametrize("seed", [10, 11, 12])
@pytest.mark.parametrize("form", ["union", "per_event"])
def test_anticipation_windows_brute_force(seed, form):
    counts, events = _series(seed, n_events=12)
    rng = np.random.default_rng(seed)
    announced = events - rng.integers(0, 10, events.shape[0])
    announced[::4] = -1  # unknown announcement: no window
    tl = _timeline(counts, events, announced)
    w = anticipation_weights(events, announced, 400, form=form)
    # hand-built anticipation windows [announced, e - 1]
    hand = np.zeros(400, dtype=np.int64)
    for e, a in zip(events, announced, strict=True):
        if 0 <= a < e:
            hand[a:e] += 1
    assert np.array_equal(w, (hand > 0).astype(np.int64) if form == "union" else hand)
    res = circular_shift_test(tl, anticipation=True, form=form)
    brute = _brute_stats(counts, w)
    shifts = admissible_shifts(400, 7)
    assert res.offsets is None and res.min_shift == 7
    assert res.statistic == brute[0]
    assert res.pvalue == _brute_p(brute, shifts, "greater")


@pytest.mark.parametrize("alternative", ["less", "two-sided"])
@pytest.mark.parametrize("seed", [20, 21])
def test_other_alternatives_brute_force(alternative, seed):
    counts, events = _series(seed)
    w = window_weights(events, 400, (-3, -1))
    res = circular_shift_test(counts=counts, weights=w, alternative=alternative, min_shift=10)
    brute = _brute_stats(counts, w)
    assert res.pvalue == _brute_p(brute, admissible_shifts(400, 10), alternative)


def test_admissible_shifts_by_circular_distance():
    n = 20
    s = admissible_shifts(n, 3)
    assert s.tolist() == list(range(3, 18))  # distance min(s, 20 - s) >= 3
    s = admissible_shifts(n, 3, 5)
    assert s.tolist() == [3, 4, 5, 15, 16, 17]
    assert admissible_shifts(n, 0).tolist() == list(range(1, 20))  # never the identity
    assert admissible_shifts(n, 10).tolist() == [10]
    assert admissible_shifts(n, 11).size == 0


def test_min_max_shift_used_in_test():
    counts, events = _series(30)
    w = window_weights(events, 400, (-3, -1))
    res = circular_shift_test(counts=counts, weights=w, min_shift=30, max_shift=60)
    assert res.n_shifts == 62
    dist = np.minimum(res.shifts, 400 - res.shifts)
    assert dist.min() == 30 and dist.max() == 60
    brute = _brute_stats(counts, w)
    assert res.pvalue == _brute_p(brute, res.shifts, "greater")


def test_planted_effect_is_detected():
    rng = np.random.default_rng(40)
    counts = rng.poisson(0.5, 1000).astype(np.float64)
    events = np.sort(rng.choice(np.arange(3, 1000), 25, replace=False))
    w = window_weights(events, 1000, (-3, -1))
    counts[w > 0] += rng.poisson(1.0, int(w.sum()))
    res = circular_shift_test(counts=counts, weights=w)
    assert res.pvalue == pytest.approx(1 / (1 + res.n_shifts))
    assert res.rate_ratio > 2


@pytest.mark.parametrize("span", [3, 4, 7, 30])
def test_detrend_equals_hand_computation(span):
    rng = np.random.default_rng(span)
    n = 50
    x = rng.poisson(3, n).astype(np.float64) + np.linspace(0, 5, n)
    half = span // 2

    def reflect(j: int) -> int:
        if j < 0:
            return -j
        if j >= n:
            return 2 * (n - 1) - j
        return j

    trend = np.array(
        [np.mean([x[reflect(j)] for j in range(t - half, t + span - half)]) for t in range(n)]
    )
    np.testing.assert_allclose(detrended(x, span), x - trend, rtol=0, atol=1e-12)


def test_detrend_is_used_by_the_test():
    counts, events = _series(50)
    w = window_weights(events, 400, (-3, -1))
    res = circular_shift_test(counts=counts, weights=w, detrend=15)
    brute = np.array([np.sum(detrended(counts, 15) * np.roll(w, s)) for s in range(400)])
    assert res.statistic == pytest.approx(brute[0], abs=1e-9)
    np.testing.assert_allclose(res.null_distribution, brute[res.shifts], atol=1e-9)
    assert res.detrend == 15
    with pytest.raises(TimingInputError, match="span"):
        circular_shift_test(counts=counts, weights=w, detrend=2)


def test_errors():
    counts, events = _series(60)
    w = window_weights(events, 400, (-3, -1))
    with pytest.raises(TimingInputError, match="no bin lies inside"):
        circular_shift_test(counts=counts, weights=np.zeros(400))
    with pytest.raises(TimingInputError, match="min_shift"):
        circular_shift_test(counts=counts, weights=w, min_shift=0)
    with pytest.raises(TimingInputError, match="max_shift"):
        circular_shift_test(counts=counts, weights=w, min_shift=10, max_shift=5)
    with pytest.raises(TimingInputError, match="too short"):
        circular_shift_test(counts=counts[:10], weights=w[:10] + 1, min_shift=6)
    with pytest.raises(TimingInputError, match="same length"):
        circular_shift_test(counts=counts, weights=w[:-1])
    with pytest.raises(TimingInputError, match="timeline"):
        circular_shift_test()
    tl = _timeline(counts, events, np.full(events.shape, -1))
    with pytest.raises(TimingInputError, match="no bin lies inside"):
        circular_shift_test(tl, anticipation=True)


def test_result_dict_and_summary():
    counts, events = _series(70)
    res = circular_shift_test(counts=counts, weights=window_weights(events, 400, (-3, -1)))
    d = res.to_dict()
    assert "null_distribution" not in d and "shifts" not in d
    assert d["pvalue"] == res.pvalue and d["offsets"] == [-3, -1]
    assert "p = " in res.summary()


@settings(max_examples=40, deadline=None)
@given(
    n_bins=st.integers(20, 120),
    seed=st.integers(0, 2**32 - 1),
    lo=st.integers(-6, 0),
    width=st.integers(1, 4),
    n_events=st.integers(1, 6),
)
def test_property_pvalue_range_and_exact_uniformity(n_bins, seed, lo, width, n_events):
    """Rotating the calendar uniformly at random makes p (min_shift=1) exactly uniform.

    Over all T rotations r of the weights, p(r) = rank of S(r) among all T values, so
    #{r : p(r) <= k/T} <= k, with equality when there are no ties.
    """
    rng = np.random.default_rng(seed)
    counts = rng.negative_binomial(1, 0.4, n_bins).astype(np.float64)
    offsets = (lo, lo + width - 1)
    events = np.sort(rng.choice(n_bins, n_events, replace=False))
    w = window_weights(events, n_bins, offsets)
    if not w.any():
        return
    ps = []
    for r in range(n_bins):
        res = circular_shift_test(counts=counts, weights=np.roll(w, r), min_shift=1)
        assert 0 < res.pvalue <= 1
        assert res.n_shifts == n_bins - 1
        ps.append(res.pvalue)
    ps = np.array(ps) * n_bins
    for k in range(1, n_bins + 1):
        assert np.count_nonzero(ps <= k + 1e-9) <= k
    # continuous counts: no ties, so p takes every value k/T exactly once
    cont = counts + rng.random(n_bins) * 1e-3
    pc = sorted(
        circular_shift_test(counts=cont, weights=np.roll(w, r), min_shift=1).pvalue * n_bins
        for r in range(n_bins)
    )
    if len(np.unique(circular_cross_correlation(cont, w).round(9))) == n_bins:
        np.testing.assert_allclose(pc, np.arange(1, n_bins + 1), atol=1e-9)


def test_pvalues_uniformish_under_iid_null():
    """Seeded iid claims, fixed random calendar: P(p <= a) ~ a for a in {0.05, 0.2, 0.5}.

    The counts are spread widely (mean 20) so that ties, which make p conservative, are rare.
    """
    rng = np.random.default_rng(80)
    n, t = 600, 365
    events = np.sort(rng.choice(np.arange(3, t), 12, replace=False))
    w = window_weights(events, t, (-3, -1))
    ps = np.array(
        [
            circular_shift_test(counts=rng.poisson(20.0, t).astype(float), weights=w).pvalue
            for _ in range(n)
        ]
    )
    for a in (0.05, 0.2, 0.5):
        frac = np.mean(ps <= a)
        se = np.sqrt(a * (1 - a) / n)
        assert abs(frac - a) < 4 * se


@pytest.mark.parametrize("n_bins", [281, 562, 1009, 3653])
def test_padded_fast_length_equals_roll_loop(n_bins):
    """Lengths with a large prime factor go through the padded linear correlation: exact."""
    assert fast_length(n_bins) >= 2 * n_bins - 1
    rng = np.random.default_rng(n_bins)
    counts = rng.negative_binomial(1, 0.5, n_bins).astype(np.float64)
    events = np.sort(rng.choice(n_bins, 6, replace=False))
    stacked = np.stack([window_weights(events, n_bins, (-k, -1)) for k in (1, 4)])
    out = circular_cross_correlation(counts, stacked)
    for row, w in zip(out, stacked, strict=True):
        assert np.array_equal(row, _brute_stats(counts, w))
    real = rng.normal(size=n_bins)  # non-integers: equal to rounding error
    np.testing.assert_allclose(
        circular_cross_correlation(real, stacked[1]), _brute_stats(real, stacked[1]), atol=1e-9
    )
    # the precomputed spectrum serves any number of series
    corr = Correlator(stacked)
    flipped = counts[::-1].copy()
    assert np.array_equal(corr(flipped), circular_cross_correlation(flipped, stacked))


def test_fast_length_keeps_smooth_and_moderate_lengths():
    assert fast_length(3652) == 3652  # 2^2 x 11 x 83: the plain length is faster
    assert fast_length(3653) == 7500  # 13 x 281: padded to a 5-smooth length >= 2T - 1
    assert fast_length(87648) == 87648
    assert fast_length(87672) == scipy_fft.next_fast_len(2 * 87672 - 1, real=True)
    assert fast_length(1) == 1 and fast_length(2) == 2
    with pytest.raises(TimingInputError, match="bins"):
        Correlator(np.ones(5))(np.ones(4))


@pytest.mark.parametrize("n_bins", [400, 1009])
def test_correlator_row_slices_equal_the_whole(n_bins):
    """The scan correlates a few weight rows at a time: each slice equals those rows."""
    rng = np.random.default_rng(n_bins)
    counts = rng.poisson(2.0, n_bins).astype(np.float64)
    events = np.sort(rng.choice(n_bins, 9, replace=False))
    stacked = np.stack([window_weights(events, n_bins, (-k, -1)) for k in range(1, 8)])
    corr = Correlator(stacked)
    assert corr.n_rows == 7 and Correlator(stacked[0]).n_rows == 1
    whole = corr(counts)
    transformed = corr.transform(counts)
    parts = [corr.correlate(transformed, slice(i, i + 3)) for i in range(0, 7, 3)]
    assert np.array_equal(np.concatenate(parts), whole)
    assert np.array_equal(whole[4], _brute_stats(counts, stacked[4]))
