"""Tests of timing.stats.predictive against scikit-learn, brute force and simulations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from timing.errors import TimingInputError
from timing.stats.predictive import auc_score, claim_features, predictive_check
from timing.timeline import Timeline


def _timeline(counts: np.ndarray, events: np.ndarray) -> Timeline:
    return Timeline(
        start=dt.date(2022, 1, 3),
        resolution="day",
        claims=counts.astype(np.float64),
        event_bins=events,
        event_end_bins=events.copy(),
        announced_bins=np.full(events.size, -1),
        claims_frame=pl.DataFrame(),
        events_frame=pl.DataFrame(),
        excluded={"claims": {}, "events": {}},
    )


def simulate(seed: int, *, n_bins: int = 730, n_events: int = 30, surge: float = 0.0) -> Timeline:
    """Bursty claims; with ``surge > 0`` extra claims in the 5 days before each event."""
    rng = np.random.default_rng(seed)
    ev = np.sort(rng.choice(np.arange(20, n_bins), n_events, replace=False))
    rate = 0.8 * np.exp(np.convolve(rng.normal(0, 0.5, n_bins), np.ones(10) / 10, "same"))
    counts = rng.poisson(rate * rng.gamma(2.0, 0.5, n_bins))
    if surge:
        for e in ev:
            counts[max(e - 5, 0) : e] += rng.poisson(surge, min(5, e))
    return _timeline(counts, ev)


def test_features_equal_brute_force():
    rng = np.random.default_rng(0)
    counts = rng.poisson(0.4, 60).astype(float)
    x, names = claim_features(counts, (1, 3, 7), weekday_of_first=2)
    for t in range(60):
        for j, lag in enumerate((1, 3, 7)):
            assert x[t, j] == counts[max(0, t - lag + 1) : t + 1].sum()
        past = [u for u in range(t + 1) if counts[u] > 0]
        assert x[t, 3] == pytest.approx(np.log1p(t - past[-1] if past else t + 1))
        wd = (t + 2) % 7
        assert x[t, 4:].tolist() == [float(wd == d) for d in range(1, 7)]
    assert names[3] == "log1p_bins_since_claim"


def test_auc_equals_sklearn_roc_auc_score():
    tl = simulate(1, surge=1.5)
    res = predictive_check(tl, k=7, n_null=0)
    assert res.auc == pytest.approx(roc_auc_score(res.y_true, res.y_score), abs=1e-12)
    rng = np.random.default_rng(2)
    y, s = rng.random(200) < 0.3, rng.integers(0, 5, 200)  # many ties
    assert auc_score(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert np.isnan(res.pvalue) and res.n_null == 0


def test_out_of_fold_predictions_equal_sklearn_pipeline():
    tl = simulate(3, surge=1.0)
    res = predictive_check(tl, k=5, n_null=0, n_splits=4)
    x, _ = claim_features(tl.claims)
    x = x[13 : tl.n_bins - 5]
    ev = np.zeros(tl.n_bins, bool)
    ev[tl.event_bins] = True
    y = np.array([ev[t + 1 : t + 6].any() for t in range(13, tl.n_bins - 5)]).astype(int)
    preds, ys = [], []
    for train, test in TimeSeriesSplit(n_splits=4).split(x):
        model = make_pipeline(
            StandardScaler(),
            LogisticRegression(class_weight="balanced", solver="newton-cholesky", max_iter=200),
        ).fit(x[train], y[train])
        preds.append(model.predict_proba(x[test])[:, 1])
        ys.append(y[test])
    assert np.array_equal(res.y_true, np.concatenate(ys))
    np.testing.assert_allclose(res.y_score, np.concatenate(preds), rtol=1e-6, atol=1e-9)
    assert res.n_positive == int(y.sum()) and res.n_rows == y.size


def test_auc_near_half_on_null_data():
    aucs = [predictive_check(simulate(100 + i), k=7, n_null=0).auc for i in range(20)]
    print(f"predictive null: mean AUC {np.mean(aucs):.3f} over 20 runs (sd {np.std(aucs):.3f})")
    assert abs(np.mean(aucs) - 0.5) <= 0.05


def test_planted_surge_gives_auc_above_half_and_small_p():
    res = predictive_check(simulate(7, surge=2.0), k=7, n_null=99, seed=0)
    assert res.auc > 0.65
    assert res.pvalue <= 0.05
    assert res.null_distribution.size == res.n_null == 99
    count = np.sum(res.null_distribution >= res.auc - 1e-12)
    assert res.pvalue == pytest.approx((1 + count) / 100)
    assert abs(res.null_distribution.mean() - 0.5) < 0.08
    assert "supporting view" in res.summary()
    first, again = (
        predictive_check(simulate(7, surge=2.0), k=7, n_null=9, seed=5) for _ in range(2)
    )
    assert np.array_equal(again.null_distribution, first.null_distribution)  # same seed
    assert "y_score" not in res.to_dict() and "y_score" in res.to_dict(full=True)


def test_bad_input():
    tl = simulate(8)
    with pytest.raises(TimingInputError, match="k must"):
        predictive_check(tl, k=0)
    with pytest.raises(TimingInputError, match="too short"):
        predictive_check(_timeline(np.ones(40), np.array([10, 30])), k=7)
