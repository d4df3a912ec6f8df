"""Numpy versions of library calls that cost a heavy import give the library's numbers.

Each replaces a call into a module that a small analysis otherwise imports only for it
(scipy.stats, scipy.signal, scikit-learn); each is compared here with that call.
"""

from __future__ import annotations

import numpy as np
from scipy import signal, stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import TimeSeriesSplit
from sklearn.preprocessing import StandardScaler

from timing.stats._common import midranks
from timing.stats._logistic import (
    fit_balanced_logit,
    predict_proba,
    standardize,
    time_series_folds,
)
from timing.stats.calendar_structure import friedman_pvalue
from timing.stats.predictive import claim_features
from timing.stats.simulated_null import _excitation


def test_friedman_equals_scipy_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    for trial in range(200):
        table = rng.poisson(rng.uniform(0.1, 10), (int(rng.integers(4, 300)), 7)).astype(float)
        if trial % 4 == 0:
            table *= 0.37  # non-integer values, still tied
        if np.all(table == table[:, :1]):
            continue
        assert friedman_pvalue(table) == float(stats.friedmanchisquare(*table.T).pvalue)


def test_excitation_equals_lfilter_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    for _ in range(100):
        x = rng.poisson(rng.uniform(0.1, 5), int(rng.integers(30, 3000))).astype(float)
        d, start = float(rng.uniform(0, 1)), float(x.mean())
        expected = signal.lfilter([1.0 - d], [1.0, -d], x, zi=[d * start])[0]
        assert np.array_equal(_excitation(x, d, start), expected)


def test_midranks_equal_rankdata() -> None:
    rng = np.random.default_rng(2)
    values = rng.integers(0, 20, 500).astype(float)
    assert np.array_equal(midranks(values), stats.rankdata(values))


def test_balanced_logit_equals_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        counts = rng.poisson(rng.uniform(0.2, 3), int(rng.integers(300, 900))).astype(float)
        x = claim_features(counts, weekday_of_first=int(rng.integers(0, 7)))[0][13:]
        targets = (rng.random((x.shape[0], 4)) < rng.uniform(0.05, 0.5)).astype(int)
        splits = zip(TimeSeriesSplit(5).split(x), time_series_folds(x.shape[0], 5), strict=True)
        for (train, test), (train2, test2) in splits:
            assert np.array_equal(train, train2) and np.array_equal(test, test2)
            scaler = StandardScaler().fit(x[train])
            x_train, x_test = standardize(x[train], x[test])
            np.testing.assert_allclose(x_train, scaler.transform(x[train]), atol=1e-13)
            both = [j for j in range(4) if 0 < targets[train, j].sum() < train.size]
            coef = fit_balanced_logit(x_train, targets[train][:, both])
            proba = predict_proba(x_test, coef)
            for col, j in enumerate(both):
                model = LogisticRegression(
                    class_weight="balanced", solver="newton-cholesky", max_iter=200
                ).fit(scaler.transform(x[train]), targets[train, j])
                expected = np.r_[model.coef_[0], model.intercept_]
                np.testing.assert_allclose(coef[col], expected, rtol=0, atol=1e-12)
                got = model.predict_proba(scaler.transform(x[test]))[:, 1]
                np.testing.assert_allclose(proba[:, col], got, rtol=0, atol=1e-13)
