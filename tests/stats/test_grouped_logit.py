"""The grouped logit's products: the dense path for small designs gives scipy.sparse's
floats exactly; the entry-pair path for large ones agrees with them to rounding."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import special

from timing.stats import _grouped_logit as gl


def _cases(seed: int, n: int) -> list[tuple[np.ndarray, np.ndarray, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for t in range(n):
        rows, n_bins = int(rng.integers(5, 300)), int(rng.integers(10, 400))
        bins = np.sort(rng.integers(0, n_bins, rows))
        in_win = rng.random(rows) < 0.4
        groups = {
            "actor": (rng.integers(0, 3, rows), ["a", "b", "c"]),
            "kind": (rng.integers(0, 4, rows), ["w", "x", "y", "z"]),
        }
        x, _ = gl.design(in_win, bins, n_bins, groups, trend=bool(t % 2))
        size = rng.integers(1, 6, rows).astype(float)
        prob = special.expit(-1 + 0.8 * in_win + rng.normal(0, 0.3, rows))
        yes = rng.binomial(size.astype(int), prob).astype(float)
        if t % 5 == 0:  # separation: every claim in the windows has the outcome
            yes = np.where(in_win, size, yes)
        out.append((yes, size - yes, x))
    return out


def test_small_designs_fit_exactly_as_the_sparse_products_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = _cases(seed=3, n=40)
    assert all(x.has_canonical_format for _, _, x in cases)  # so the dense path is taken
    dense = [gl.grouped_logit(*case) for case in cases]
    monkeypatch.setattr(gl, "SMALL_DESIGN", -1)  # every design through scipy.sparse
    monkeypatch.setattr(gl, "_PairedDesign", gl._SparseDesign)
    sparse = [gl.grouped_logit(*case) for case in cases]
    assert np.array_equal(np.array(dense), np.array(sparse), equal_nan=True)  # bit for bit
    estimable = [d for d in dense if np.isfinite(d[0])]
    assert 20 <= len(estimable) < len(dense)  # both estimable fits and separated ones


def test_the_products_themselves_match_scipy_sparse() -> None:
    rng = np.random.default_rng(5)
    for _, _, x in _cases(seed=4, n=10):
        small, big = gl._SmallDesign(x), gl._SparseDesign(x)
        v, w = rng.normal(size=x.shape[1]), rng.gamma(1.0, size=x.shape[0])
        assert np.array_equal(small.dot(v), big.dot(v))
        assert np.array_equal(small.tdot(w), big.tdot(w))
        assert np.array_equal(small.weighted_gram(w), big.weighted_gram(w))


def test_large_designs_pair_products_agree_with_scipy_sparse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(6)
    cases = _cases(seed=7, n=30)
    for _, _, x in cases[:10]:
        paired, big = gl._PairedDesign(x), gl._SparseDesign(x)
        w = rng.gamma(1.0, size=x.shape[0])
        gram = paired.weighted_gram(w)
        assert np.allclose(gram, big.weighted_gram(w), rtol=1e-13, atol=0)
        assert np.array_equal(gram, gram.T)
    monkeypatch.setattr(gl, "SMALL_DESIGN", -1)  # every design: pairs
    paired_fits = np.array([gl.grouped_logit(*case) for case in cases])
    monkeypatch.setattr(gl, "_PairedDesign", gl._SparseDesign)
    sparse_fits = np.array([gl.grouped_logit(*case) for case in cases])
    assert np.array_equal(np.isnan(paired_fits), np.isnan(sparse_fits))
    finite = np.isfinite(sparse_fits)
    assert finite.sum() >= 60
    assert np.allclose(paired_fits[finite], sparse_fits[finite], rtol=1e-9, atol=0)
