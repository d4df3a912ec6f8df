"""Tests for timing.stats.glm: against statsmodels directly, patsy, and seeded simulations."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import polars as pl
import pytest
from threadpoolctl import threadpool_limits

from timing.errors import TimingInputError
from timing.stats.glm import (
    bspline_basis,
    count_design,
    count_regression,
    default_maxlags,
    fit_count_model,
    moment_dispersion,
)
from timing.timeline import Timeline, window_weights

START = dt.date(2023, 1, 4)  # a Wednesday


def make_timeline(counts, event_bins, end_bins=None, start=START, resolution="day") -> Timeline:
    return Timeline.from_arrays(
        counts, event_bins, start=start, resolution=resolution, event_end_bins=end_bins
    )


def nb_counts(rng, mu, alpha):
    """NB2 counts with mean mu and variance mu + alpha mu^2 (gamma-Poisson mixture)."""
    return rng.poisson(mu * rng.gamma(1.0 / alpha, alpha, mu.shape)).astype(np.float64)


def random_events(rng, n_bins, n_events, margin=5):
    return np.sort(rng.choice(np.arange(margin, n_bins - margin), n_events, replace=False))


def test_bspline_matches_patsy():
    patsy = pytest.importorskip("patsy")
    x = np.arange(731.0)
    for df in (3, 4, 7):
        np.testing.assert_allclose(bspline_basis(x, df), np.asarray(patsy.bs(x, df=df)), atol=1e-12)


def test_design_columns_built_independently():
    patsy = pytest.importorskip("patsy")
    rng = np.random.default_rng(1)
    n = 300
    ev = random_events(rng, n, 12)
    ends = ev + (np.arange(12) % 3)  # some multi-day events
    tl = make_timeline(rng.poisson(2.0, n), ev, ends)
    X, cols = count_design(tl, (-3, -1), post_offsets=(0, 2), trend_df=4)
    pre = window_weights(ev, n, (-3, -1), form="union")
    post = np.zeros(n)
    for e, f in zip(ev, ends, strict=True):
        post[e : min(f + 3, n)] = 1
    dates = np.datetime64(START) + np.arange(n)
    wd = (dates.astype("datetime64[D]").view("int64") + 3) % 7  # 1970-01-01 was a Thursday
    dummies = (wd[:, None] == np.arange(1, 7)).astype(float)
    trend = patsy.bs(np.arange(n, dtype=float), df=4)
    expected = np.column_stack([np.ones(n), pre, post, trend, dummies])
    assert cols[:3] == ("const", "pre", "post") and len(cols) == 13
    np.testing.assert_allclose(X, expected, atol=1e-12)


def test_estimates_equal_direct_statsmodels_fit():
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    rng = np.random.default_rng(7)
    n = 720
    ev = random_events(rng, n, 30)
    mu = np.exp(0.5 + 0.4 * np.sin(np.arange(n) / 90) + 0.5 * window_weights(ev, n, (-3, -1)))
    tl = make_timeline(nb_counts(rng, mu, 0.6), ev)
    res = count_regression(tl, alternative="two-sided")
    X, _ = count_design(tl)
    y = tl.claims
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = sm.GLM(y, X, family=sm.families.Poisson()).fit()
        mle = NegativeBinomial(y, X, loglike_method="nb2").fit(
            start_params=np.append(pois.params, moment_dispersion(y, pois.fittedvalues)),
            disp=0,
            maxiter=300,
        )
        alpha = mle.params[-1]
        fit = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha)).fit(
            cov_type="HAC", cov_kwds={"maxlags": default_maxlags(n)}
        )
    lo, hi = np.exp(fit.conf_int(0.05)[1])
    assert res.dispersion == pytest.approx(alpha, rel=1e-8)
    assert res.effect == pytest.approx(np.exp(fit.params[1]), rel=1e-8)
    assert res.ci_low == pytest.approx(lo, rel=1e-8) and res.ci_high == pytest.approx(hi, rel=1e-8)
    assert res.pvalue == pytest.approx(fit.pvalues[1], rel=1e-8)
    assert res.statistic == pytest.approx(fit.tvalues[1], rel=1e-8)
    assert res.naive_irr == pytest.approx(np.exp(pois.params[1]), rel=1e-8)
    assert res.naive_pvalue == pytest.approx(pois.pvalues[1], rel=1e-8)
    # the GLM at the MLE alpha reproduces the joint NB maximum likelihood coefficients
    np.testing.assert_allclose(res.params, mle.params[:-1], rtol=0, atol=1e-3)
    assert res.maxlags == 6 and res.cov_type == "HAC" and res.dispersion_method == "mle"
    d = res.to_dict()
    assert d["effect"] == res.effect and "params" not in d and "params" in res.to_dict(full=True)
    assert res.negbin_dict() == {
        "irr": res.effect,
        "ci_low": res.ci_low,
        "ci_high": res.ci_high,
        "pvalue": res.pvalue,
    }
    assert res.poisson_naive_dict() == {"irr": res.naive_irr, "pvalue": res.naive_pvalue}
    assert "IRR" in res.summary()


def test_dispersion_estimates_recover_alpha():
    rng = np.random.default_rng(3)
    n = 4000
    ev = random_events(rng, n, 100)
    tl = make_timeline(nb_counts(rng, np.full(n, 3.0), 0.5), ev)
    mle = count_regression(tl)
    mom = count_regression(tl, dispersion="moment")
    assert mle.dispersion == pytest.approx(0.5, abs=0.06)
    assert mom.dispersion == pytest.approx(0.5, abs=0.08)
    assert mom.dispersion_method == "moment"
    # moment estimator: closed form sum((y - mu)^2 - y) / sum(mu^2)
    y, mu = np.array([0.0, 3.0, 1.0, 7.0]), np.array([1.0, 2.0, 2.0, 3.0])
    assert moment_dispersion(y, mu) == pytest.approx((1 - 0 + 1 - 3 + 1 - 1 + 16 - 7) / 18.0)


def test_planted_uplift_recovered():
    rng = np.random.default_rng(11)
    n = 900
    ev = random_events(rng, n, 45)
    trend = 1.0 + 0.6 * np.arange(n) / n
    mu = trend * np.where(window_weights(ev, n, (-3, -1)) > 0, 2.0, 1.0)
    res = count_regression(make_timeline(nb_counts(rng, mu, 0.4), ev))
    assert res.ci_low < 2.0 < res.ci_high
    assert res.ci_low > 1.0 and res.pvalue < 0.001


def ar_null_counts(rng, n, phi=0.85, sd=0.3):
    x = np.zeros(n)
    eps = rng.normal(0.0, sd, n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + eps[t]
    return rng.poisson(np.exp(0.3 + 0.4 * np.sin(np.arange(n) / n * np.pi) + x)).astype(float)


def test_hac_false_positive_rate_under_autocorrelated_null():
    """Latent AR(1) log-intensity, events independent of claims: HAC NB near 5 %, naive far."""
    rng = np.random.default_rng(2024)
    n, reps = 1000, 200
    hac = naive = 0
    with threadpool_limits(1):  # small GLM fits: BLAS threads only add contention
        for _ in range(reps):
            tl = make_timeline(ar_null_counts(rng, n), random_events(rng, n, 50))
            res = count_regression(tl, alternative="two-sided")
            hac += res.pvalue < 0.05
            naive += res.naive_pvalue < 0.05
    fpr_hac, fpr_naive = hac / reps, naive / reps
    print(f"FPR at 5%: HAC NB {fpr_hac:.3f}, naive Poisson {fpr_naive:.3f}")
    assert fpr_naive > fpr_hac
    assert fpr_hac <= 0.12
    assert fpr_naive >= 0.2


def test_controls_and_hour_resolution():
    rng = np.random.default_rng(5)
    n = 24 * 60
    ev = random_events(rng, n, 10, margin=30)
    start = dt.datetime(2024, 3, 4, 5, tzinfo=dt.UTC)
    tl = make_timeline(rng.poisson(1.0, n), ev, start=start, resolution="hour")
    z = rng.normal(size=n)
    X, cols = count_design(tl, (-24, -1), controls=pl.DataFrame({"temp": z}))
    assert cols[-1] == "temp" and "hour_23" in cols and "sun" in cols
    np.testing.assert_array_equal(X[:, -1], z)
    hour_col = X[:, cols.index("hour_5")]
    assert hour_col[0] == 1 and hour_col[24] == 1 and hour_col.sum() == 60
    res = count_regression(tl, (-24, -1), controls=z[:, None], family="poisson")
    assert res.columns[-1] == "control_0" and res.dispersion == 0.0
    assert res.method.startswith("Poisson")


def test_input_errors():
    rng = np.random.default_rng(0)
    tl = make_timeline(rng.poisson(1.0, 200), [50, 120])
    with pytest.raises(TimingInputError, match="controls"):
        count_regression(tl, controls=np.ones((10, 1)))
    with pytest.raises(TimingInputError, match="rank deficient"):
        count_regression(tl, controls=np.ones((200, 1)))
    with pytest.raises(TimingInputError, match="family"):
        count_regression(tl, family="gamma")  # type: ignore[arg-type]
    with pytest.raises(TimingInputError, match="non-negative"):
        fit_count_model(-np.ones(200), count_design(tl)[0])
    with pytest.raises(TimingInputError, match="pre-event window"):
        count_regression(tl, anticipation=True)
