"""Logistic regression of a claim outcome on covariate groups rather than single claims.

Claims that share a covariate pattern (bin, actor, kind) share their row of the design
matrix, so a binomial GLM on the groups, with the count of claims of each outcome per group,
has the same likelihood, estimates and information matrix as a logit on one row per claim:
the fit costs what the number of groups costs, whatever the number of claims.
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

__all__ = ["covariate_groups", "design", "grouped_logit"]


def covariate_groups(
    per_claim: pl.DataFrame, outcome: str, columns: list[str]
) -> dict[str, np.ndarray]:
    """Claims per covariate pattern (bin and ``columns``), by outcome: yes, no, unknown.

    Parameters
    ----------
    per_claim : polars.DataFrame
        One row per claim with ``bin``, the boolean ``outcome`` column (null when unknown)
        and ``columns``.
    outcome : str
        The outcome column.
    columns : list of str
        Categorical covariates, grouped on as strings (null as ``"?"``).

    Returns
    -------
    dict of str to numpy.ndarray
        One entry per group, sorted by bin then covariates: ``bin``, each of ``columns``,
        and the float counts ``_yes``, ``_no``, ``_unknown``.
    """
    y = pl.col(outcome)
    keys = [pl.col("bin").cast(pl.Int64)] + [
        pl.col(c).cast(pl.String).fill_null("?") for c in columns
    ]
    agg = (
        per_claim.lazy()
        .group_by(keys)
        .agg(
            (y == True).sum().alias("_yes"),  # noqa: E712 - polars expression
            (y == False).sum().alias("_no"),  # noqa: E712
            y.is_null().sum().alias("_unknown"),
        )
        .sort(["bin", *columns])
        .collect()
    )
    out = {c: agg[c].to_numpy() for c in columns}
    out["bin"] = agg["bin"].to_numpy()
    for c in ("_yes", "_no", "_unknown"):
        out[c] = agg[c].to_numpy().astype(np.float64)
    return out


def grouped_logit(
    successes: np.ndarray, failures: np.ndarray, x: np.ndarray
) -> tuple[float, float, float, float]:
    """Odds ratio of column 1 of ``x`` with its Wald 95% interval and p (nan if not estimable).

    One row of ``x`` per covariate pattern, with ``successes`` and ``failures`` claims: the
    binomial GLM on these groups has the same likelihood, estimates and information matrix
    as the logit on one row per claim.
    """
    import statsmodels.api as sm
    from scipy import stats

    nan = (np.nan, np.nan, np.nan, np.nan)
    n_yes, n_all = successes.sum(), successes.sum() + failures.sum()
    in_win = x[:, 1] > 0
    n_in = (successes + failures)[in_win].sum()
    if n_yes in (0, n_all) or n_in in (0, n_all):
        return nan
    if np.linalg.matrix_rank(x) < x.shape[1]:  # collinear covariates: not estimable
        return nan
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.GLM(np.column_stack([successes, failures]), x, family=sm.families.Binomial())
            fit = model.fit(maxiter=200, tol=1e-13)
    except (np.linalg.LinAlgError, ValueError, RuntimeError):
        return nan
    params = np.asarray(fit.params, dtype=np.float64)
    # Wald standard error from the information matrix at the final estimates (as the
    # per-claim logit computes it; IRLS reports the one of its last weighted step)
    prob = 1.0 / (1.0 + np.exp(-(x @ params)))
    info = (x * ((successes + failures) * prob * (1.0 - prob))[:, None]).T @ x
    try:
        se = float(np.sqrt(np.linalg.inv(info)[1, 1]))
    except np.linalg.LinAlgError:
        return nan
    beta = float(params[1])
    if not (np.isfinite(beta) and np.isfinite(se)) or se > 50:
        return nan
    return (
        float(np.exp(beta)),
        float(np.exp(beta - 1.959963984540054 * se)),
        float(np.exp(beta + 1.959963984540054 * se)),
        float(2.0 * stats.norm.sf(abs(beta / se))),
    )


def design(
    in_win: np.ndarray,
    bins: np.ndarray,
    n_bins: int,
    groups: dict[str, np.ndarray],
    trend: bool,
) -> tuple[np.ndarray, list[str]]:
    """Design matrix: constant, ``in_window``, optional trend ``bin / (T - 1)``, dummies.

    Parameters
    ----------
    in_win, bins : numpy.ndarray
        Per row (claim or covariate group): in an event window, and its bin.
    n_bins : int
        Length ``T`` of the period (scales the trend to 0..1).
    groups : dict of str to numpy.ndarray
        Categorical covariates (actor, kind) per row; the first sorted level is the
        reference, and a covariate with a single level adds no column.
    trend : bool
        Add the linear trend column.

    Returns
    -------
    tuple of numpy.ndarray and list of str
        The matrix and its column names.
    """
    cols, names = [np.ones(in_win.shape[0]), in_win.astype(np.float64)], ["const", "in_window"]
    if trend:
        cols.append(bins / max(n_bins - 1, 1))
        names.append("trend")
    for label, values in groups.items():
        levels = sorted(set(values.tolist()))
        for level in levels[1:]:  # first level is the reference; none when it does not vary
            cols.append((values == level).astype(np.float64))
            names.append(f"{label}={level}")
    return np.column_stack(cols), names
