"""Tests of timing.stats.lag_density against statsmodels, scipy and brute force."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import gaussian_kde, norm
from statsmodels.nonparametric.kde import KDEUnivariate

from timing.errors import TimingInputError
from timing.stats.lag_density import claim_lags, lag_density, reflected_kde, select_bandwidth
from timing.timeline import Timeline


def _timeline(counts: np.ndarray, events: np.ndarray, resolution: str = "day") -> Timeline:
    return Timeline(
        start=dt.date(2024, 1, 1),
        resolution=resolution,
        claims=counts.astype(np.float64),
        event_bins=events,
        event_end_bins=events.copy(),
        announced_bins=np.full(events.size, -1),
        claims_frame=pl.DataFrame(),
        events_frame=pl.DataFrame(),
        excluded={"claims": {}, "events": {}},
    )


def _random_timeline(seed: int, n_bins: int = 400, n_events: int = 12) -> Timeline:
    rng = np.random.default_rng(seed)
    ev = np.sort(rng.choice(np.arange(5, n_bins), n_events, replace=False))
    return _timeline(rng.negative_binomial(1, 0.5, n_bins), ev)


def test_lags_equal_brute_force():
    tl = _random_timeline(0)
    res = lag_density(tl, null=False)
    brute = []
    for t, c in enumerate(tl.claims.astype(int)):
        later = [e for e in tl.event_bins if e >= t]
        brute += [min(later) - t] * c if later else []
    assert sorted(res.lags.tolist()) == sorted(brute)
    assert res.n_lags + res.n_censored == int(tl.claims.sum())
    assert res.statistic == pytest.approx(np.mean(brute))
    assert claim_lags(np.array([2, 5]), np.array([5])).tolist() == [3, 0]


def test_integrates_to_one_with_reflection():
    tl = _random_timeline(1)
    res = lag_density(tl, grid=np.linspace(0, 400, 8001), null=True, n_shifts=50, seed=0)
    assert res.lags.min() == 0  # claims on event days: reflection active
    assert np.trapezoid(res.density, res.grid) == pytest.approx(1.0, abs=1e-4)
    assert np.trapezoid(res.null_mean, res.grid) == pytest.approx(1.0, abs=1e-4)
    # without the reflected term the mass below 0 would be lost
    x = res.lags
    plain = norm.pdf((res.grid[:, None] - x) / res.bandwidth).sum(1) / (x.size * res.bandwidth)
    lost = np.mean(norm.cdf(-x / res.bandwidth))
    assert np.trapezoid(plain, res.grid) == pytest.approx(1.0 - lost, abs=1e-4)
    assert lost > 0.01


def test_matches_statsmodels_and_scipy_away_from_zero():
    """Claims all 40+ days before events: reflection inactive, plain KDE peers agree."""
    rng = np.random.default_rng(2)
    n_bins = 600
    ev = np.array([150, 300, 450, 599])
    counts = np.zeros(n_bins)
    for e in ev:
        counts[e - 90 : e - 40] = rng.poisson(1.0, 50)
    tl = _timeline(counts, ev)
    for method in ("scott", "silverman"):
        res = lag_density(tl, bandwidth=method, null=False, grid=np.linspace(0, 120, 241))
        kde = KDEUnivariate(res.lags)
        kde.fit(kernel="gau", bw=method, fft=False)
        assert res.bandwidth == pytest.approx(kde.bw, rel=1e-12)
        np.testing.assert_allclose(res.density, kde.evaluate(res.grid), rtol=1e-8, atol=1e-14)
        sd = np.std(res.lags, ddof=1)
        scipy_kde = gaussian_kde(res.lags, bw_method=res.bandwidth / sd)
        np.testing.assert_allclose(res.density, scipy_kde(res.grid), rtol=1e-8, atol=1e-14)


def test_null_mean_equals_brute_force_over_shifts():
    tl = _random_timeline(3, n_bins=120, n_events=5)
    grid = np.linspace(0, 130, 131)
    res = lag_density(tl, grid=grid, bandwidth=2.0, min_shift=3)
    dens, means = [], []
    for s in range(1, 120):
        if min(s, 120 - s) < 3:
            continue
        ev = np.sort((tl.event_bins + s) % 120)
        lags = [
            min(e for e in ev if e >= t) - t
            for t in range(120)
            for _ in range(int(tl.claims[t]))
            if any(e >= t for e in ev)
        ]
        dens.append(reflected_kde(np.array(lags, float), grid, 2.0))
        means.append(np.mean(lags))
    assert res.n_shifts == len(dens)
    np.testing.assert_allclose(res.null_mean, np.mean(dens, axis=0), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(res.null_high, np.quantile(dens, 0.975, axis=0), rtol=1e-9)
    assert res.null_mean_lag == pytest.approx(np.mean(means))
    expected_p = (1 + np.sum(np.array(means) <= res.statistic + 1e-12)) / (1 + len(means))
    assert res.pvalue == pytest.approx(expected_p)


def test_short_lags_planted_give_small_pvalue():
    rng = np.random.default_rng(4)
    ev = np.sort(rng.choice(np.arange(30, 730), 25, replace=False))
    counts = rng.poisson(0.3, 730)
    for e in ev:
        counts[e - 3 : e] += 2
    res = lag_density(_timeline(counts, ev))
    assert res.pvalue <= 0.01
    assert res.density[res.grid <= 3].mean() > res.null_mean[res.grid <= 3].mean()
    assert "mean lag" in res.summary()
    assert "lags" not in res.to_dict() and len(res.to_dict()["density"]) == res.grid.size


def test_hour_resolution_lags_in_days():
    counts = np.zeros(24 * 10)
    counts[[0, 12, 36]] = 1
    res = lag_density(_timeline(counts, np.array([48]), "hour"), null=False, bandwidth=0.5)
    assert sorted(res.lags.tolist()) == [0.5, 1.5, 2.0]


def test_bad_input():
    with pytest.raises(TimingInputError, match="whole claim counts"):
        lag_density(_timeline(np.full(50, 0.5), np.array([20])))
    with pytest.raises(TimingInputError, match="bandwidth"):
        select_bandwidth(np.arange(5.0), "wide")
    with pytest.raises(TimingInputError, match="no claim"):
        lag_density(_timeline(np.r_[np.zeros(30), np.ones(20)], np.array([10])))


def test_no_shifted_calendar_with_a_lag_is_refused_not_an_index_error() -> None:
    # The real event (bin 19) follows the claims (15..18); every admissible shift (8..12)
    # puts it before them, so no shifted calendar has a lag (found by hypothesis).
    counts = np.zeros(20)
    counts[15:19] = 1
    events = np.array([19])
    timeline = Timeline(
        dt.date(2024, 1, 1), "day", counts, events, events, np.full(1, -1),
        pl.DataFrame(), pl.DataFrame(), {},
    )  # fmt: skip
    with pytest.raises(TimingInputError, match="no shifted event calendar"):
        lag_density(timeline, min_shift=8, n_grid=16)


@pytest.mark.parametrize("seed", range(12))
def test_bandwidth_of_counted_lags_is_statsmodels_on_the_repeat(seed: int) -> None:
    """Distinct lags with counts (what lag_density passes) against statsmodels' rules on the
    lags repeated: hour lags (k / 24), ties, an IQR of 0 and a single value included."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 40))
    values = rng.integers(0, 24 * 30, size) / 24.0
    counts = rng.integers(1, 6, size)
    if seed == 0:  # most claims on one lag: the IQR is 0, so the rule takes the sd
        counts[0] = 500
    repeated = np.repeat(values, counts)
    for method in ("scott", "silverman"):
        expected = select_bandwidth(repeated, method)
        got = select_bandwidth(values, method, counts=counts)
        assert got == pytest.approx(expected, rel=1e-12)
    assert select_bandwidth(np.array([3.0]), "scott", counts=np.array([1])) == 1.0


def test_full_json_lists_lags_per_claim_only_up_to_a_limit(monkeypatch) -> None:
    from timing.stats import lag_density as module

    res = lag_density(_random_timeline(5), null=False)
    assert len(res.to_dict(full=True)["lags"]) == res.n_lags
    monkeypatch.setattr(module, "LAGS_LISTED_UP_TO", res.n_lags - 1)
    listed = res.to_dict(full=True)
    assert "lags" not in listed
    assert sum(listed["lag_counts"]) == res.n_lags
    repeated = np.repeat(listed["lag_values"], np.asarray(listed["lag_counts"], dtype=int))
    assert repeated.tolist() == res.lags.tolist()
