"""Tests of timing.stats.simulate against closed-form moments and planted effects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from timing.errors import TimingInputError
from timing.io import load_claims, load_events
from timing.stats._common import rate_ratio
from timing.stats.simulate import (
    simulate_batch,
    simulate_claims,
    simulate_dataset,
    simulate_events,
)
from timing.timeline import build_timeline, window_weights

T = 1826


def _acf(x: np.ndarray, lag: int) -> float:
    """Lag autocorrelation pooled over rows (each row centred on the pooled mean)."""
    xc = x - x.mean()
    return float(np.mean(xc[:, :-lag] * xc[:, lag:]) / np.mean(xc * xc))


def test_poisson_moments():
    x = simulate_batch(200, T, model="poisson", rate=0.7, seed=1)
    n = x.size
    assert x.dtype == np.int64 and x.shape == (200, T)
    assert abs(x.mean() - 0.7) < 4 * np.sqrt(0.7 / n)
    assert x.var() == pytest.approx(0.7, rel=0.02)
    assert abs(_acf(x, 1)) < 0.01


@pytest.mark.parametrize(("mu", "alpha"), [(0.6, 1.0), (2.0, 0.3)])
def test_negbin_moments_and_pmf(mu, alpha):
    x = simulate_batch(200, T, model="negbin", rate=mu, dispersion=alpha, seed=2)
    assert x.mean() == pytest.approx(mu, rel=0.02)
    assert x.var() == pytest.approx(mu + alpha * mu**2, rel=0.04)
    # scipy's nbinom(n, p) with n = 1/alpha, p = 1 / (1 + alpha mu) is the same law
    ref = stats.nbinom(1 / alpha, 1 / (1 + alpha * mu))
    freq = np.bincount(x.ravel(), minlength=6)[:6] / x.size
    np.testing.assert_allclose(freq, ref.pmf(np.arange(6)), atol=0.004)
    assert abs(_acf(x, 1)) < 0.01


@pytest.mark.parametrize(("b", "d"), [(0.5, 0.7), (0.7, 0.3)])
def test_hawkes_matches_ingarch_closed_forms(b, d):
    r = 0.6
    x = simulate_batch(300, T, model="hawkes", rate=r, branching=b, decay=d, seed=3)
    mu = r * (1 - b)
    assert x.mean() == pytest.approx(mu / (1 - b), rel=0.02)
    a, beta = b * (1 - d), d
    var = r * (1 - (a + beta) ** 2 + a**2) / (1 - (a + beta) ** 2)
    assert x.var() == pytest.approx(var, rel=0.05)
    assert x.var() / x.mean() > 1.05  # overdispersed
    rho1 = a * (1 - beta * (a + beta)) / (1 - (a + beta) ** 2 + a**2)
    for h in (1, 2, 5):
        assert _acf(x, h) == pytest.approx(rho1 * (a + beta) ** (h - 1), abs=0.01)


def test_ar_lognormal_moments():
    mu, s2, phi = 0.8, 0.5, 0.9
    x = simulate_batch(300, T, model="ar", rate=mu, dispersion=s2, decay=phi, seed=4)
    assert x.mean() == pytest.approx(mu, rel=0.03)
    var = mu + mu**2 * (np.exp(s2) - 1)
    assert x.var() == pytest.approx(var, rel=0.05)
    for h in (1, 5):
        acov = mu**2 * (np.exp(s2 * phi**h) - 1)
        assert _acf(x, h) == pytest.approx(acov / var, abs=0.015)


@pytest.mark.parametrize("model", ["poisson", "negbin"])
def test_planted_uplift_rate_ratio(model):
    ev = simulate_events(T, 60, seed=5)
    x = simulate_batch(200, T, model=model, rate=0.6, events=ev, uplift=1.5, seed=6)
    w = window_weights(ev, T, (-3, -1))
    assert rate_ratio(x.sum(axis=0).astype(float), w) == pytest.approx(1.5, rel=0.03)
    x0 = simulate_batch(200, T, model=model, rate=0.6, events=ev, uplift=1.0, seed=6)
    assert rate_ratio(x0.sum(axis=0).astype(float), w) == pytest.approx(1.0, abs=0.03)


def test_planted_uplift_hawkes_background():
    """Hawkes uplift multiplies the background only: window ratio ~ (1 - b) u + b E/r > 1."""
    ev = simulate_events(T, 60, seed=7)
    w = window_weights(ev, T, (-3, -1))
    x = simulate_batch(200, T, model="hawkes", branching=0.5, events=ev, uplift=2.0, seed=8)
    ratio = rate_ratio(x.sum(axis=0).astype(float), w)
    assert 1.4 < ratio < 2.0


def test_per_dataset_events_and_offsets():
    ev = simulate_events(400, 10, size=50, seed=9)
    x = simulate_batch(50, 400, events=ev, uplift=3.0, offsets=(0, 1), rate=1.0, seed=10)
    inside = np.stack([window_weights(e, 400, (0, 1)) for e in ev]) > 0
    assert x[inside].mean() / x[~inside].mean() == pytest.approx(3.0, rel=0.08)
    with pytest.raises(TimingInputError, match="events must have shape"):
        simulate_batch(3, 400, events=ev, uplift=2.0)


def test_trend():
    x = simulate_batch(300, T, model="poisson", rate=1.0, trend=1.0, seed=11)
    k = T // 10
    ratio = x[:, -k:].mean() / x[:, :k].mean()
    assert ratio == pytest.approx(np.exp(0.9), rel=0.03)  # segment centres are 0.9 T apart
    # mean of exp(u) over u in [-1/2, 1/2]
    assert x.mean() == pytest.approx((np.e**0.5 - np.e**-0.5), rel=0.02)


def test_seeds_reproducible():
    for model in ("poisson", "negbin", "hawkes", "ar"):
        a = simulate_claims(300, model=model, seed=12)
        b = simulate_claims(300, model=model, seed=12)
        c = simulate_claims(300, model=model, seed=13)
        assert np.array_equal(a, b) and not np.array_equal(a, c)
        twice = [simulate_batch(4, 300, model=model, seed=12) for _ in range(2)]
        assert np.array_equal(*twice)
    assert np.array_equal(simulate_events(300, 5, seed=1), simulate_events(300, 5, seed=1))
    c1, e1 = simulate_dataset(100, 3, seed=4)
    c2, e2 = simulate_dataset(100, 3, seed=4)
    assert c1.equals(c2) and e1.equals(e2)


@pytest.mark.parametrize("trend", [0.0, 1.5])
def test_events_min_spacing(trend):
    ev = simulate_events(T, 60, min_spacing=14, trend=trend, size=100, seed=14)
    assert ev.shape == (100, 60)
    assert np.all(np.diff(ev, axis=1) >= 14)
    assert ev.min() >= 0 and ev.max() < T
    if trend == 0.0:
        assert ev.mean() == pytest.approx((T - 1) / 2, rel=0.02)
    else:  # the spacing pulls the calendar towards uniform
        assert 0.51 * T < ev.mean() < 0.62 * T
    free = simulate_events(T, 60, min_spacing=1, trend=trend, size=200, seed=14)
    k = trend  # density exp(k t / T): mean position (1 / (1 - e^-k) - 1 / k) T
    expected = (1 / (1 - np.exp(-k)) - 1 / k) * T if k else (T - 1) / 2
    assert free.mean() == pytest.approx(expected, abs=25)  # ~4 standard errors
    tight = simulate_events(60, 10, min_spacing=6, size=20, seed=15)
    assert np.all(np.diff(tight, axis=1) >= 6)
    with pytest.raises(TimingInputError, match="do not fit"):
        simulate_events(60, 11, min_spacing=6)


def test_errors():
    with pytest.raises(TimingInputError, match="model"):
        simulate_claims(10, model="gamma")  # type: ignore[arg-type]
    with pytest.raises(TimingInputError, match="branching"):
        simulate_claims(10, model="hawkes", branching=1.0)
    with pytest.raises(TimingInputError, match="rate"):
        simulate_claims(10, rate=0.0)
    with pytest.raises(TimingInputError, match="dispersion"):
        simulate_claims(10, model="negbin", dispersion=0.0)


def test_dataset_round_trip_through_files(tmp_path):
    claims, events = simulate_dataset(
        365, 12, start=dt.date(2024, 1, 1), model="negbin", uplift=2.0, seed=16
    )
    assert events.height == 12 and events["date"].is_sorted()
    claims.write_csv(tmp_path / "claims.csv")
    events.write_csv(tmp_path / "events.csv")
    c = load_claims(tmp_path / "claims.csv")
    e = load_events(tmp_path / "events.csv")
    assert c.accounting.rejected == 0 and e.accounting.rejected == 0
    tl = build_timeline(c.frame, e.frame, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 30))
    rng = np.random.default_rng(16)
    ev = simulate_events(365, 12, seed=rng)
    counts = simulate_claims(365, model="negbin", events=ev, uplift=2.0, seed=rng)
    assert np.array_equal(tl.event_bins, ev)
    assert np.array_equal(tl.claims, counts.astype(float))


def test_hawkes_uplift_on_background_or_whole_intensity() -> None:
    from timing.stats.simulate import simulate_batch, simulate_events
    from timing.timeline import window_weights

    events = simulate_events(1826, 60, seed=1)
    inside = window_weights(events, 1826, (-3, -1)) > 0
    ratios = {}
    for mode in ("background", "intensity"):
        x = simulate_batch(
            400,
            1826,
            model="hawkes",
            rate=0.6,
            branching=0.7,
            decay=0.5,
            events=events,
            uplift=1.5,
            uplift_on=mode,
            seed=2,
        )
        ratios[mode] = x[:, inside].mean() / x[:, ~inside].mean()
    # Measured 1.19 and 1.66: on the background alone the triggered claims dilute the uplift.
    assert 1.1 < ratios["background"] < 1.3
    assert 1.5 < ratios["intensity"] < 1.8
    null = simulate_batch(2, 300, model="hawkes", uplift_on="intensity", seed=3)
    assert np.array_equal(null, simulate_batch(2, 300, model="hawkes", seed=3))
