"""Logistic regression of a claim outcome on covariate groups rather than single claims.

Claims that share a covariate pattern (bin, actor, kind) share their row of the design
matrix, so a binomial GLM on the groups, with the count of claims of each outcome per group,
has the same likelihood, score, information matrix and so Newton iterations as a logit on
one row per claim: the fit costs what the number of groups costs, whatever the number of
claims.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import sparse, special

from timing.claim_counts import count_expr

__all__ = ["covariate_groups", "design", "grouped_logit"]


def covariate_groups(
    per_claim: pl.DataFrame, outcome: str, columns: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Claims per covariate pattern (bin and ``columns``), by outcome: yes, no, unknown.

    Parameters
    ----------
    per_claim : polars.DataFrame
        One row per claim with ``bin``, the boolean ``outcome`` column (null when unknown)
        and ``columns``, or counted rows (:mod:`timing.claim_counts`).
    outcome : str
        The outcome column.
    columns : list of str
        Categorical covariates, grouped on as strings (null as ``"?"``).

    Returns
    -------
    groups : dict of str to numpy.ndarray
        One entry per group, sorted by bin then covariates: ``bin``, the integer code of
        each of ``columns`` and the float counts ``_yes``, ``_no``, ``_unknown``.
    levels : dict of str to list of str
        For each of ``columns``, its values in sorted order: code ``i`` is ``levels[i]``.
    """
    y = pl.col(outcome)
    n = count_expr(per_claim)  # counted rows (timing.claim_counts) stand for several claims
    keys = [pl.col("bin").cast(pl.Int64)] + [
        pl.col(c).cast(pl.String).fill_null("?") for c in columns
    ]
    agg = (
        per_claim.lazy()
        .group_by(keys)
        .agg(
            pl.when(y == True).then(n).otherwise(0).sum().alias("_yes"),  # noqa: E712
            pl.when(y == False).then(n).otherwise(0).sum().alias("_no"),  # noqa: E712
            pl.when(y.is_null()).then(n).otherwise(0).sum().alias("_unknown"),
        )
        .sort(["bin", *columns])
        .collect(engine="streaming")  # memory grows with the groups, not the claims
    )
    out: dict[str, np.ndarray] = {"bin": agg["bin"].to_numpy()}
    levels: dict[str, list[str]] = {}
    for c in columns:
        levels[c] = sorted(agg[c].unique().to_list())
        codes = agg[c].replace_strict(levels[c], list(range(len(levels[c]))), return_dtype=pl.Int64)
        out[c] = codes.to_numpy()
    for c in ("_yes", "_no", "_unknown"):
        out[c] = agg[c].to_numpy().astype(np.float64)
    return out, levels


def grouped_logit(
    successes: np.ndarray, failures: np.ndarray, x: np.ndarray | sparse.sparray
) -> tuple[float, float, float, float]:
    """Odds ratio of column 1 of ``x`` with its Wald 95% interval and p (nan if not estimable).

    Parameters
    ----------
    successes, failures : numpy.ndarray
        Claims of each outcome in each covariate group (row of ``x``).
    x : numpy.ndarray or scipy.sparse array
        Design matrix, one row per group; column 0 the constant, column 1 ``in_window``.

    Returns
    -------
    tuple of float
        ``exp(b1)``, its Wald interval ``exp(b1 -+ 1.96 se)`` and the Wald p.

    Notes
    -----
    The same Newton-Raphson iterations as ``statsmodels.discrete.discrete_model.Logit``
    with ``method="newton"`` (start at 0, a ridge of ``1e-10`` on the Hessian, stop when no
    parameter moves by more than ``1e-8``, at most 200 steps), with the score
    ``X'(k - n p)`` and Hessian ``-X' diag(n p (1 - p)) X`` summed over groups rather than
    claims: the per-claim fit, for the cost of a fit on the groups. Not estimable (nan):
    no variation in the outcome or in ``in_window``, collinear covariates, or a standard
    error above 50 (separation).
    """
    nan = (np.nan, np.nan, np.nan, np.nan)
    x = sparse.csr_array(x)
    n = successes + failures
    n_yes, n_all = successes.sum(), n.sum()
    n_in = n[x[:, [1]].toarray()[:, 0] > 0].sum()
    if n_yes in (0, n_all) or n_in in (0, n_all):
        return nan
    small = x.has_canonical_format and x.shape[0] * x.shape[1] ** 2 <= SMALL_DESIGN
    ops = _SmallDesign(x) if small else _PairedDesign(x)
    if np.linalg.matrix_rank(ops.weighted_gram(np.ones(x.shape[0]))) < x.shape[1]:
        return nan  # collinear: singular Hessian

    def information(params: np.ndarray) -> np.ndarray:
        prob = special.expit(ops.dot(params))
        return ops.weighted_gram(n * prob * (1.0 - prob))

    ridge = 1e-10 * np.eye(x.shape[1])
    params = np.zeros(x.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for _ in range(200):
                score = ops.tdot(successes - n * special.expit(ops.dot(params)))
                step = np.linalg.solve(information(params) - ridge, score)
                params = params + step
                if not np.any(np.abs(step) > 1e-8):
                    break
            cov = np.linalg.inv(information(params))
        except np.linalg.LinAlgError:
            return nan
    beta, se = float(params[1]), float(np.sqrt(cov[1, 1]))
    if not (np.isfinite(beta) and np.isfinite(se)) or se > 50:
        return nan
    return (
        float(np.exp(beta)),
        float(np.exp(beta - 1.959963984540054 * se)),
        float(np.exp(beta + 1.959963984540054 * se)),
        float(2.0 * special.ndtr(-abs(beta / se))),  # the normal tail: scipy.stats.norm.sf
    )


#: Designs of at most this many rows x columns x columns use :class:`_SmallDesign` (its
#: information matrix holds one float per row, column and column: 16 MB at most).
SMALL_DESIGN = 2_000_000


class _SparseDesign:
    """``x @ v``, ``x.T @ v`` and ``x.T diag(w) x`` with scipy.sparse (large designs)."""

    def __init__(self, x: sparse.csr_array) -> None:
        self.x, self.xt = x, x.T.tocsr()

    def dot(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(self.x @ v)

    def tdot(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(self.xt @ v)

    def weighted_gram(self, w: np.ndarray) -> np.ndarray:
        return np.asarray((self.xt @ (self.x * w[:, None])).toarray())


class _PairedDesign(_SparseDesign):
    """Large designs: ``x.T diag(w) x`` as one weighted ``bincount`` over entry pairs.

    Each row of the design holds a few stored entries (the constant, ``in_window``, the
    trend and one dummy per covariate), so its contribution ``w_i x_i x_i'`` touches only
    the pairs of those entries. The pairs (upper triangle) are listed once; every Newton
    step is then one ``bincount`` weighted by ``w``, which costs what the groups cost,
    instead of scipy.sparse's sparse-by-sparse product (about 2 s a fit at 1e6 claims). The
    sums run in another order than scipy's, so the floats may differ in the last digits.
    """

    def __init__(self, x: sparse.csr_array) -> None:
        super().__init__(x)
        x = sparse.csr_array(x, copy=True)
        x.sum_duplicates()  # sorted column indices within each row: pairs (i, j), i <= j
        stored = np.diff(x.indptr)
        width = int(stored.max(initial=0))
        # entry k of every row (column index and value; 0 where the row has fewer)
        at = x.indptr[:-1, None] + np.arange(width)[None, :]
        valid = np.arange(width)[None, :] < stored[:, None]
        at = np.where(valid, at, 0)
        cols = np.where(valid, x.indices[np.minimum(at, max(x.nnz - 1, 0))], 0).astype(np.int64)
        vals = np.where(valid, x.data[np.minimum(at, max(x.nnz - 1, 0))], 0.0)
        self.width = x.shape[1]
        # one (flat index, product) array per pair (a, b) of entry positions, a <= b
        self.pairs = [
            (cols[:, a] * self.width + cols[:, b], vals[:, a] * vals[:, b])
            for a in range(width)
            for b in range(a, width)
        ]

    def weighted_gram(self, w: np.ndarray) -> np.ndarray:
        p = self.width
        upper = np.zeros(p * p)
        for flat, product in self.pairs:
            upper += np.bincount(flat, weights=w * product, minlength=p * p)
        upper = upper.reshape(p, p)
        return np.asarray(upper + np.triu(upper, 1).T)


class _SmallDesign:
    """The same three products on a dense copy of a small design, bit for bit.

    scipy.sparse sums each product sequentially, from zero, over the stored entries in
    index order (rows of ``x`` by column, rows of ``x.T`` by row); so do these, over the
    stored entries only (the others add an exact zero), with ``cumsum`` along the summed
    axis. For the few hundred covariate groups of a typical analysis this avoids
    scipy.sparse's per-call overhead (about 0.4 ms a Newton step) and gives the same
    floats, so the fit is unchanged.
    """

    def __init__(self, x: sparse.csr_array) -> None:
        coo = x.tocoo()  # x canonical (sorted, no duplicates), as design() makes it
        self.values = np.zeros(x.shape)
        self.values[coo.row, coo.col] = coo.data
        self.stored = np.zeros(x.shape, dtype=bool)
        self.stored[coo.row, coo.col] = True
        self.pairs = self.stored[:, :, None] & self.stored[:, None, :]

    def dot(self, v: np.ndarray) -> np.ndarray:
        terms = np.where(self.stored, self.values * v[None, :], 0.0)
        return np.asarray(np.cumsum(terms, axis=1)[:, -1] + 0.0)  # + 0.0: no -0.0, as scipy

    def tdot(self, v: np.ndarray) -> np.ndarray:
        terms = np.where(self.stored, self.values * v[:, None], 0.0)
        return np.asarray(np.cumsum(terms, axis=0)[-1] + 0.0)

    def weighted_gram(self, w: np.ndarray) -> np.ndarray:
        scaled = w[:, None] * self.values
        terms = np.where(self.pairs, self.values[:, :, None] * scaled[:, None, :], 0.0)
        return np.asarray(np.cumsum(terms, axis=0)[-1] + 0.0)


def design(
    in_win: np.ndarray,
    bins: np.ndarray,
    n_bins: int,
    groups: dict[str, tuple[np.ndarray, list[str]]],
    trend: bool,
) -> tuple[sparse.csr_array, list[str]]:
    """Design matrix: constant, ``in_window``, optional trend ``bin / (T - 1)``, dummies.

    Parameters
    ----------
    in_win, bins : numpy.ndarray
        Per row (claim or covariate group): in an event window, and its bin.
    n_bins : int
        Length ``T`` of the period (scales the trend to 0..1).
    groups : dict of str to (codes, levels)
        Categorical covariates (actor, kind): per row the code, an index into ``levels``
        (sorted). Of the levels present, the first is the reference; a covariate with a
        single level present adds no column.
    trend : bool
        Add the linear trend column.

    Returns
    -------
    tuple of scipy.sparse.csr_array and list of str
        The matrix (sparse: one dummy per covariate and row is non-zero) and column names.
    """
    n_rows = in_win.shape[0]
    dense = [np.ones(n_rows), in_win.astype(np.float64)]
    names = ["const", "in_window"]
    if trend:
        dense.append(bins / max(n_bins - 1, 1))
        names.append("trend")
    rows = [np.repeat(np.arange(n_rows), len(dense))]
    cols = [np.tile(np.arange(len(dense)), n_rows)]
    vals = [np.column_stack(dense).ravel()]
    for label, (codes, levels) in groups.items():
        present = np.unique(codes)
        position = np.full(len(levels), -1, dtype=np.int64)
        position[present[1:]] = np.arange(present.size - 1) + len(names)
        col = position[codes]
        hit = col >= 0
        rows.append(np.flatnonzero(hit))
        cols.append(col[hit])
        vals.append(np.ones(int(hit.sum())))
        names.extend(f"{label}={levels[i]}" for i in present[1:])
    x = sparse.coo_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, len(names)),
    )
    return x.tocsr(), names
