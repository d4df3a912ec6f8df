"""The GLM reference's refits at many shifts of the event calendar, as one stack of arrays.

:func:`timing.stats.glm_shift.glm_shift_reference` refits the count model at up to 199
shifts of the event columns. One at a time, each IRLS step of each refit is a dozen small
numpy calls, and the calls, not the arithmetic, took the time: 0.2 s for the bundled
dataset. Here a block of shifts takes each step together, on arrays with one row (or one
matrix) per shift; a shift leaves the block when its coefficients settle, exactly where its
own loop would stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from timing.stats.glm_shift import SplitDesign

__all__ = ["hac_z", "stacked_hac_z"]


def _stacked_linear(design: SplitDesign, beta: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """``SplitDesign.linear`` of each row of ``beta`` ``(B, p)``, each with its dense block."""
    out = np.matmul(beta[:, None, design.dense_cols], dense)[:, 0]
    if design.indicator_cols.size:
        per_pattern = np.matmul(design.patterns, beta[:, design.indicator_cols, None])[:, :, 0]
        out += np.repeat(per_pattern, design.counts, axis=1)
    return out


def _stacked_products(
    design: SplitDesign, dense: np.ndarray, w: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``SplitDesign.weighted_products`` of each item of a stack (``w``, ``z``: ``(B, T)``)."""
    d, b, q = design.dense_cols, design.indicator_cols, design.dense_cols.size
    n_items, p = dense.shape[0], design.n_columns
    weighted = np.empty((n_items, q + 2, design.n_bins))
    np.multiply(dense, w[:, None, :], out=weighted[:, :q])
    weighted[:, q] = w
    np.multiply(w, z, out=weighted[:, q + 1])
    H = np.empty((n_items, p, p))
    rhs = np.empty((n_items, p))
    H[:, d[:, None], d[None, :]] = np.matmul(weighted[:, :q], dense.transpose(0, 2, 1))
    rhs[:, d] = np.matmul(weighted[:, :q], z[:, :, None])[:, :, 0]
    if b.size:
        P = design.patterns
        sums = np.add.reduceat(weighted, design.starts, axis=2)
        cross = np.matmul(P.T, sums[:, :q].transpose(0, 2, 1))
        H[:, b[:, None], b[None, :]] = np.matmul(P.T, sums[:, q][:, :, None] * P)
        H[:, b[:, None], d[None, :]] = cross
        H[:, d[:, None], b[None, :]] = cross.transpose(0, 2, 1)
        rhs[:, b] = np.matmul(P.T, sums[:, q + 1][:, :, None])[:, :, 0]
    return H, rhs


def _solve_each(H: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solutions of a stack of systems, and which were not singular."""
    try:
        return np.linalg.solve(H, rhs[:, :, None])[:, :, 0], np.ones(H.shape[0], dtype=bool)
    except np.linalg.LinAlgError:  # one singular system fails the stack: solve one by one
        out, ok = np.zeros_like(rhs), np.ones(H.shape[0], dtype=bool)
        for i in range(H.shape[0]):
            try:
                out[i] = np.linalg.solve(H[i], rhs[i])
            except np.linalg.LinAlgError:
                ok[i] = False
        return out, ok


def stacked_hac_z(
    y: np.ndarray,
    design: SplitDesign,
    columns: list[int],
    shifts: np.ndarray,
    dispersion: float,
    maxlags: int,
    start: np.ndarray | None = None,
    *,
    iterations: int = 25,
) -> np.ndarray:
    """``nb_hac_z`` at each of ``shifts`` of the event ``columns``, refitted together.

    Each shift's fit takes the steps :func:`~timing.stats.glm_shift.irls` and
    :func:`~timing.stats.glm_shift.nb_hac_z` take for ``design.rolled(columns, shift)``,
    as one stack of arrays: one call per step for all shifts instead of one per shift (the
    199 refits of the bundled dataset took 0.2 s one by one). A shift leaves the stack when
    its coefficients settle, as its own loop would stop. The results agree with
    ``nb_hac_z`` to rounding (about 1e-12 relative): a product over a stack rounds
    differently from the same product alone.

    Parameters
    ----------
    y : numpy.ndarray
        Counts, length ``T``, in time order.
    design : SplitDesign
        The design at the observed calendar.
    columns : list of int
        The event columns that move (dense columns of ``design``).
    shifts : numpy.ndarray
        Shifts of the event columns, in bins.
    dispersion, maxlags, start, iterations
        As in :func:`~timing.stats.glm_shift.nb_hac_z`.

    Returns
    -------
    numpy.ndarray
        The ``z`` at each shift (``nan`` where the fit breaks down).

    Examples
    --------
    >>> from timing.stats.glm_shift import SplitDesign, nb_hac_z
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(60), (np.arange(60) % 10 < 2), np.arange(60) % 2])
    >>> y = rng.poisson(1.0 + X[:, 1]).astype(float)
    >>> split = SplitDesign(X, dense=(1,))
    >>> together = stacked_hac_z(y, split, [1], np.array([3, 5]), 0.5, 2)
    >>> alone = [nb_hac_z(y, split.rolled([1], s), 0.5, 2) for s in (3, 5)]
    >>> bool(np.allclose(together, alone, rtol=1e-10, atol=0))
    True
    """
    y = np.asarray(y, dtype=np.float64)
    if start is None:
        first = np.zeros(design.n_columns)
        first[0] = np.log(max(y.mean(), 1e-8))
    else:
        first = np.asarray(start, dtype=np.float64)
    y = design.to_rows(y)
    dense = design.rolled_stack(columns, shifts)
    n_items = dense.shape[0]
    beta = np.repeat(first[None], n_items, axis=0)
    fitted = np.ones(n_items, dtype=bool)
    active = np.arange(n_items)
    for _ in range(iterations):
        if not active.size:
            break
        block = dense if active.size == n_items else dense[active]
        now = beta[active]
        eta = np.clip(_stacked_linear(design, now, block), -30, 30)
        mu = np.exp(eta)
        w = mu / (1.0 + dispersion * mu)
        z = eta + (y - mu) / mu
        new, ok = _solve_each(*_stacked_products(design, block, w, z))
        fitted[active[~ok]] = False
        done = np.max(np.abs(new - now), axis=1) < 1e-7
        beta[active[ok]] = new[ok]
        active = active[ok & ~done]
    out = np.full(n_items, np.nan)
    if not fitted.any():
        return out
    keep = np.flatnonzero(fitted)
    block = dense if keep.size == n_items else dense[keep]
    mu = np.exp(np.clip(_stacked_linear(design, beta[keep], block), -30, 30))
    w = mu / (1.0 + dispersion * mu)
    rows = np.linalg.pinv(_stacked_products(design, block, w, w)[0])[:, 1]
    scores = _stacked_linear(design, rows, block) * ((y - mu) / (1.0 + dispersion * mu))
    for i, item in enumerate(keep):
        out[item] = hac_z(float(beta[item, 1]), design.to_time(scores[i]), maxlags)
    return out


def hac_z(coefficient: float, u: np.ndarray, maxlags: int) -> float:
    """``coefficient / sqrt(var)`` with ``var`` the Bartlett-weighted autocovariance of the
    scores ``u`` (in time order) up to ``maxlags`` (``nan`` when ``var`` is not positive)."""
    var = float(u @ u)
    for j in range(1, maxlags + 1):
        var += 2.0 * (1.0 - j / (maxlags + 1.0)) * float(u[j:] @ u[:-j])
    return float(coefficient / np.sqrt(var)) if var > 0 else float("nan")
