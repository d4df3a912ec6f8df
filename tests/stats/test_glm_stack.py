"""The GLM reference's refits taken together give the one-by-one refits' numbers.

``stacked_hac_z`` refits a block of shifts as one stack of arrays; ``nb_hac_z`` on
``SplitDesign.rolled`` refits one shift. They must agree to rounding at day and hour
resolution, from the given start and from the default one, a singular shift must give
``nan`` in both, and the reference must keep exact ties with the observed arrangement.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.stats.test_glm_shift_fast import _hourly_or_daily
from timing.stats.glm_shift import (
    SplitDesign,
    glm_shift_reference,
    irls,
    nb_hac_z,
    stacked_hac_z,
)


@pytest.mark.parametrize("resolution", ["day", "hour"])
@pytest.mark.parametrize("given_start", [True, False])
def test_stacked_refits_agree_with_one_by_one(resolution: str, given_start: bool) -> None:
    y, X = _hourly_or_daily(resolution, 21)
    cols = [1, 2]
    start = None
    if given_start:
        keep = [j for j in range(X.shape[1]) if j not in cols]
        start = np.zeros(X.shape[1])
        start[keep] = irls(y, X[:, keep], 0.7)
    design = SplitDesign(X, dense=cols)
    shifts = np.arange(9, y.size - 9, y.size // 17)
    together = stacked_hac_z(y, design, cols, shifts, 0.7, 7, start)
    alone = np.array([nb_hac_z(y, design.rolled(cols, int(s)), 0.7, 7, start) for s in shifts])
    assert together.shape == alone.shape == shifts.shape
    assert np.all(np.isfinite(alone))
    np.testing.assert_allclose(together, alone, rtol=1e-10, atol=0)
    # a block of one, or the shifts in another order, give the same numbers
    np.testing.assert_allclose(
        stacked_hac_z(y, design, cols, shifts[::-1], 0.7, 7, start)[::-1], together, rtol=1e-12
    )
    one = stacked_hac_z(y, design, cols, shifts[3:4], 0.7, 7, start)
    np.testing.assert_allclose(one, together[3:4], rtol=1e-12)


def test_a_singular_shift_is_nan_and_the_others_are_not() -> None:
    n = 140
    t = np.arange(n)
    pre = (t % 7 == 2).astype(float)
    # moved one day on, the event column is the Thursday column: collinear, singular
    X = np.column_stack([np.ones(n), pre, (t % 7 == 3).astype(float), np.sin(t / 9.0)])
    y = np.random.default_rng(4).poisson(1.0 + 0.5 * pre).astype(float)
    design = SplitDesign(X, dense=(1,))
    shifts = np.array([1, 2, 4])
    together = stacked_hac_z(y, design, [1], shifts, 0.3, 3)
    alone = np.array([nb_hac_z(y, design.rolled([1], int(s)), 0.3, 3) for s in shifts])
    assert np.isnan(together[0]) and np.isnan(alone[0])
    np.testing.assert_allclose(together[1:], alone[1:], rtol=1e-10, atol=0)


def test_an_arrangement_equal_to_the_observed_one_ties_exactly() -> None:
    # weekly events over whole weeks: a shift by 7 puts every event where one was
    n = 28 * 7
    t = np.arange(n)
    pre = (t % 7 == 3).astype(float)
    post = (t % 7 == 4).astype(float)
    X = np.column_stack([np.ones(n), pre, post, np.cos(t / 30.0), np.sin(t / 17.0)])
    y = np.random.default_rng(5).poisson(np.exp(0.2 + 0.4 * pre)).astype(float)
    shifts = np.array([7, 9, 14, 20, 21])
    observed, pvalue, null = glm_shift_reference(y, X, shifts, dispersion=0.2, maxlags=3)
    assert null.size == shifts.size
    assert null[0] == null[2] == null[4] == observed
    assert null[1] != observed and null[3] != observed
    assert pvalue == (1 + np.count_nonzero(null >= observed - 1e-12 * max(1, abs(observed)))) / 6


def test_blocks_of_any_size_give_the_same_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    import timing.stats.glm_shift as glm_shift

    y, X = _hourly_or_daily("day", 23)
    shifts = np.arange(9, y.size - 9, y.size // 30)
    whole = glm_shift_reference(y, X, shifts, dispersion=0.5, maxlags=6)
    per_shift = (2 * 6 + 8) * y.size * 8  # 6 dense columns: pre, post and 4 trend splines
    for size in (1, 2, 7):  # one shift at a time (the loop), and blocks of 2 and 7
        monkeypatch.setattr(glm_shift, "STACK_BYTES", size * per_shift)
        observed, pvalue, null = glm_shift_reference(y, X, shifts, dispersion=0.5, maxlags=6)
        assert observed == whole[0] and pvalue == whole[1]
        np.testing.assert_allclose(null, whole[2], rtol=1e-10, atol=0)
