"""The GLM reference's split design gives the plain dense computation's numbers.

The reference below is the refit as it was computed before the split (``X.T * w`` products
over the whole design, one dense copy of ``X`` per shift); the fast path must give the same
observed ``z``, p-value and every null ``z`` within 1e-8 relative, at day and hour resolution.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from timing.stats._common import monte_carlo_pvalue
from timing.stats.glm import count_design
from timing.stats.glm_shift import (
    SplitDesign,
    glm_shift_reference,
    irls,
    nb_hac_z,
    single_blas_thread,
)
from timing.timeline import Timeline


def _dense_irls(y: np.ndarray, X: np.ndarray, alpha: float, start: np.ndarray) -> np.ndarray:
    beta = np.array(start, dtype=np.float64)
    for _ in range(25):
        eta = np.clip(X @ beta, -30, 30)
        mu = np.exp(eta)
        w = mu / (1.0 + alpha * mu)
        xtw = X.T * w
        new = np.linalg.solve(xtw @ X, xtw @ (eta + (y - mu) / mu))
        done = np.max(np.abs(new - beta)) < 1e-7
        beta = new
        if done:
            break
    return beta


def _dense_z(y: np.ndarray, X: np.ndarray, alpha: float, lags: int, start: np.ndarray) -> float:
    beta = _dense_irls(y, X, alpha, start)
    mu = np.exp(np.clip(X @ beta, -30, 30))
    w = mu / (1.0 + alpha * mu)
    row = np.linalg.pinv((X.T * w) @ X)[1]
    u = (X @ row) * ((y - mu) / (1.0 + alpha * mu))
    var = float(u @ u)
    for j in range(1, lags + 1):
        var += 2.0 * (1.0 - j / (lags + 1.0)) * float(u[j:] @ u[:-j])
    return float(beta[1] / np.sqrt(var))


def _dense_reference(
    y: np.ndarray, X: np.ndarray, shifts: np.ndarray, alpha: float, lags: int
) -> tuple[float, float, np.ndarray]:
    keep = [0, *range(3, X.shape[1])]
    start = np.zeros(X.shape[1])
    start[keep] = _dense_irls(
        y, X[:, keep], alpha, np.r_[np.log(y.mean()), np.zeros(len(keep) - 1)]
    )
    observed = _dense_z(y, X, alpha, lags, start)
    null = []
    for s in shifts:
        moved = X.copy()
        moved[:, [1, 2]] = np.roll(X[:, [1, 2]], int(s), axis=0)
        null.append(_dense_z(y, moved, alpha, lags, start))
    return observed, monte_carlo_pvalue(observed, np.array(null), "greater"), np.array(null)


def _hourly_or_daily(resolution: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 730 if resolution == "day" else 24 * 63
    per_day = 1 if resolution == "day" else 24
    hours = np.arange(n) % 24 if resolution == "hour" else np.zeros(n)
    mu = 0.6 * np.exp(0.4 * np.sin(2 * np.pi * hours / 24) + 0.3 * np.sin(np.arange(n) / n * 6))
    counts = rng.poisson(mu * rng.gamma(1.5, 1 / 1.5, n))
    events = np.sort(rng.choice(np.arange(4 * per_day, n - 4 * per_day), 14, replace=False))
    start = (
        dt.date(2024, 1, 3) if resolution == "day" else dt.datetime(2024, 1, 3, 5, tzinfo=dt.UTC)
    )
    t = Timeline.from_arrays(counts, events, start=start, resolution=resolution)  # type: ignore[arg-type]
    X, _ = count_design(t, (-3 * per_day, -1))
    return t.claims, X


@pytest.mark.parametrize("resolution", ["day", "hour"])
def test_split_reference_matches_the_dense_computation(resolution: str) -> None:
    y, X = _hourly_or_daily(resolution, 11)
    shifts = np.arange(9, y.size - 9, y.size // 24)
    fast = glm_shift_reference(y, X, shifts, dispersion=0.7, maxlags=7)
    with single_blas_thread():
        plain = _dense_reference(y, X, shifts, 0.7, 7)
    assert fast[2].size == shifts.size == plain[2].size
    np.testing.assert_allclose(fast[0], plain[0], rtol=1e-8, atol=0)
    assert fast[1] == plain[1]
    np.testing.assert_allclose(fast[2], plain[2], rtol=1e-8, atol=0)


def test_split_design_groups_the_indicator_columns() -> None:
    y, X = _hourly_or_daily("hour", 12)
    split = SplitDesign(X, dense=(1, 2))
    # const, 6 weekdays and 23 hours are indicators, in 7 x 24 = 168 row patterns;
    # pre, post and 4 trend columns stay dense
    assert split.dense_cols.tolist() == [1, 2, 3, 4, 5, 6]
    assert split.indicator_cols.size == 30 and split.patterns.shape == (168, 30)
    w = np.random.default_rng(0).gamma(2.0, 1.0, y.size)
    H, rhs = split.weighted_products(split.to_rows(w), split.to_rows(y))
    np.testing.assert_allclose(H, (X.T * w) @ X, rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(rhs, (X.T * w) @ y, rtol=1e-11, atol=1e-9)
    moved = split.rolled([1, 2], 5)
    beta = np.linspace(-0.5, 0.5, X.shape[1])
    shifted = X.copy()
    shifted[:, [1, 2]] = np.roll(X[:, [1, 2]], 5, axis=0)
    np.testing.assert_allclose(
        moved.to_time(moved.linear(beta)), shifted @ beta, rtol=1e-12, atol=1e-12
    )
    assert np.array_equal(split.to_time(split.to_rows(y)), y)
    # rows sorted by pattern: each hour of the week is one run of rows
    assert np.count_nonzero(np.diff(split.to_rows(np.arange(y.size)) % 168)) == 167
    np.testing.assert_array_equal(split.linear(beta), split.rolled([1, 2], 0).linear(beta))
    with pytest.raises(ValueError, match="not all dense"):
        split.rolled([0], 1)


def test_many_binary_patterns_fall_back_to_dense_and_agree() -> None:
    rng = np.random.default_rng(3)
    n = 200
    # 10 random binary controls: far more distinct rows than n // 4, so nothing is grouped
    X = np.column_stack([np.ones(n), rng.integers(0, 2, (n, 10)).astype(float)])
    split = SplitDesign(X, dense=(1,))
    assert split.indicator_cols.size == 0 and split.dense_cols.size == X.shape[1]
    y = rng.poisson(np.exp(0.2 + 0.3 * X[:, 2])).astype(float)
    start = np.r_[np.log(y.mean()), np.zeros(X.shape[1] - 1)]
    beta = irls(y, split, 0.5)
    assert beta is not None
    np.testing.assert_allclose(beta, _dense_irls(y, X, 0.5, start), rtol=1e-10)
    z = nb_hac_z(y, X, 0.5, 4)
    assert z == pytest.approx(_dense_z(y, X, 0.5, 4, start), rel=1e-8)


def test_row_patterns_of_many_indicator_columns() -> None:
    from timing.stats.glm_shift import _row_patterns

    rng = np.random.default_rng(8)
    distinct = rng.integers(0, 2, (6, 130)).astype(float)  # more columns than an int64 holds
    pick = rng.integers(0, 6, 500)
    codes, first = _row_patterns(distinct[pick])
    assert first.size == np.unique(distinct[pick], axis=0).shape[0] == np.unique(pick).size
    # same code exactly when same row, and each pattern's first row carries it
    assert np.array_equal(codes[:, None] == codes[None, :], pick[:, None] == pick[None, :])
    assert np.array_equal(codes[first], np.arange(first.size))


def test_blas_held_to_one_thread_only_for_large_designs() -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> set[int]:
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    before = blas_threads()
    with single_blas_thread(10_000):  # small: left alone
        assert blas_threads() == before
    with single_blas_thread(87_672 * 36):
        assert blas_threads() <= {1}
    assert blas_threads() == before
