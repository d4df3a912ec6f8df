"""Predictive check: does recent claim activity predict an event within ``k`` bins?

A supporting view, not a primary test. Features come from the claims series only (counts
over the last few bins, bins since the last claim, optionally the weekday); the target is
whether an event starts within the next ``k`` bins. A logistic regression is fitted with
time-series cross-validation, and the ROC AUC of the pooled out-of-fold predictions is
compared with its circular-shift null (the event calendar shifted, the target recomputed,
the model refitted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from timing._shifts import admissible_shifts
from timing.errors import TimingInputError
from timing.stats._common import midranks, monte_carlo_pvalue, plain, result_dict
from timing.stats._logistic import (
    fit_balanced_logit,
    predict_proba,
    standardize,
    time_series_folds,
)
from timing.stats.base import ResultDisplay

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["PredictiveResult", "auc_score", "claim_features", "predictive_check"]


@dataclass(frozen=True, slots=True)
class PredictiveResult(ResultDisplay):
    """Result of :func:`predictive_check`.

    Attributes
    ----------
    method : str
        Human name.
    statistic, auc : float
        Out-of-fold ROC AUC (the same number twice: ``statistic`` for the uniform table).
    pvalue : float
        Circular-shift p of the AUC (nan when ``n_null=0``).
    effect, ci_low, ci_high : None
        Not defined for this check.
    k : int
        Horizon: the target is an event start in ``t + 1 .. t + k``.
    n_splits, n_null : int
        Time-series folds; shifts in the null (valid ones).
    n_rows, n_positive : int
        Bins used as rows, and those with an event ahead.
    features : tuple of str
        Feature names.
    null_distribution : numpy.ndarray
        AUC under each shift.
    y_true, y_score : numpy.ndarray
        Pooled out-of-fold targets and predicted probabilities.
    """

    method: str
    statistic: float
    auc: float
    pvalue: float
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    k: int
    n_splits: int
    n_null: int
    n_rows: int
    n_positive: int
    features: tuple[str, ...]
    null_distribution: np.ndarray = field(repr=False)
    y_true: np.ndarray = field(repr=False)
    y_score: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """One paragraph for people; this is a supporting view, not a primary test."""
        null = self.null_distribution
        ref = f"null AUC mean {null.mean():.3f}, " if null.size else ""
        return (
            f"{self.method} (supporting view): recent claim activity predicts an event within "
            f"{self.k} bins out of sample with AUC {self.auc:.3f} ({ref}circular-shift p = "
            f"{self.pvalue:.3g} over {self.n_null} shifts; {self.n_splits} time-series folds, "
            f"{self.n_positive}/{self.n_rows} bins with an event ahead). AUC 0.5 is no skill; "
            "read it beside the primary tests, not instead of them."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON; ``full=True`` adds the null distribution and predictions."""
        bulky = ("null_distribution", "y_true", "y_score")
        out = result_dict(self, exclude=bulky)
        if full:
            out.update({name: plain(getattr(self, name)) for name in bulky})
        return out


def claim_features(
    counts: np.ndarray, lags: Sequence[int] = (1, 3, 7, 14), *, weekday_of_first: int | None = None
) -> tuple[np.ndarray, list[str]]:
    """Features per bin from the claim series alone.

    Parameters
    ----------
    counts : numpy.ndarray
        Claims per bin, length ``T``.
    lags : sequence of int
        Window lengths ``L``: feature ``sum(counts[t - L + 1 .. t])`` (truncated at 0).
    weekday_of_first : int, optional
        Weekday (0 = Monday) of bin 0: adds six weekday dummies (day resolution).

    Returns
    -------
    X : numpy.ndarray
        Shape ``(T, n_features)``; the last lag-column is followed by
        ``log1p(bins since the last claim)`` (``t + 1`` before any claim).
    names : list of str

    Examples
    --------
    >>> X, names = claim_features(np.array([1.0, 0, 0, 2]), lags=(1, 2))
    >>> X[:, 0].tolist(), X[:, 1].tolist(), names[:2]
    ([1.0, 0.0, 0.0, 2.0], [1.0, 1.0, 0.0, 2.0], ['count_1', 'count_2'])
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    csum = np.concatenate([[0.0], np.cumsum(counts)])
    t = np.arange(n)
    cols, names = [], []
    for lag in lags:
        cols.append(csum[t + 1] - csum[np.maximum(t + 1 - int(lag), 0)])
        names.append(f"count_{int(lag)}")
    last = np.maximum.accumulate(np.where(counts > 0, t, -1))
    cols.append(np.log1p(np.where(last >= 0, t - last, t + 1)))
    names.append("log1p_bins_since_claim")
    if weekday_of_first is not None:
        wd = (t + int(weekday_of_first)) % 7
        for d in range(1, 7):
            cols.append((wd == d).astype(np.float64))
            names.append(f"weekday_{d}")
    return np.column_stack(cols), names


def auc_score(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney rank formula (ties count one half); nan for one class.

    ``AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)`` with ``R_pos`` the sum of the
    mid-ranks of the positives: the probability that a random positive scores above a
    random negative.
    """
    y = np.asarray(y_true).astype(bool)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = midranks(np.asarray(y_score, dtype=np.float64))
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _targets(event_bins: np.ndarray, n_bins: int, k: int, shift: int = 0) -> np.ndarray:
    """``y[t] = 1`` if a (shifted) event starts in ``t + 1 .. t + k``, for ``t < T - k``."""
    ind = np.zeros(n_bins, dtype=np.int64)
    ind[(np.asarray(event_bins, dtype=np.int64) + shift) % n_bins] = 1
    csum = np.concatenate([[0], np.cumsum(ind)])
    t = np.arange(n_bins - k)
    return (csum[t + k + 1] - csum[t + 1]) > 0


def predictive_check(
    timeline: Timeline,
    k: int = 7,
    *,
    lags: Sequence[int] = (1, 3, 7, 14),
    weekday: bool = False,
    n_splits: int = 5,
    n_null: int = 99,
    min_shift: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> PredictiveResult:
    """Out-of-sample AUC of claim activity for "an event starts within ``k`` bins".

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid.
    k : int
        Prediction horizon in bins.
    lags : sequence of int
        Count-window lengths for the features (see :func:`claim_features`).
    weekday : bool
        Add weekday dummies (day resolution only).
    n_splits : int
        Time-series folds, as ``sklearn.model_selection.TimeSeriesSplit`` makes them
        (train on the past, predict the next block).
    n_null : int
        Shifts of the event calendar drawn (seeded, without replacement) for the null; 0
        skips it (p is nan).
    min_shift : int, optional
        Smallest circular shift distance; default ``k``.
    seed : int or numpy.random.Generator, optional
        For the shift sample.

    Returns
    -------
    PredictiveResult

    Notes
    -----
    Rows are bins ``t`` from ``max(lags) - 1`` to ``T - k - 1`` (full feature windows, fully
    observed target). Each fold standardises the features and fits a balanced L2 logistic
    regression (scikit-learn's ``StandardScaler`` + ``LogisticRegression(class_weight=
    "balanced", solver="newton-cholesky")``, reproduced in :mod:`timing.stats._logistic`,
    which fits the observed and every shifted target of a fold together) on earlier blocks
    and predicts the next; folds whose training part holds one class only are left out. The
    AUC is
    computed on the pooled out-of-fold predictions. Under the null the event calendar is
    shifted by ``s`` bins (the features stay), the target recomputed and the model refitted,
    so the null keeps the claims' autocorrelation and the events' spacing;
    ``p = (1 + #{AUC(s) >= AUC(0)}) / (1 + n)``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import Timeline
    >>> rng = np.random.default_rng(0); ev = np.arange(20, 700, 35)
    >>> tl = Timeline(dt.date(2024, 1, 1), "day", rng.poisson(1.0, 730).astype(float), ev,
    ...     ev, np.full(ev.size, -1), pl.DataFrame(), pl.DataFrame(), {})
    >>> res = predictive_check(tl, k=7, n_null=9, seed=0)
    >>> 0.0 <= res.auc <= 1.0
    True
    """
    k, n_splits, n_null = int(k), int(n_splits), int(n_null)
    lags = [int(v) for v in lags]
    if k < 1:
        raise TimingInputError(f"k must be a positive number of bins, got {k}")
    if not lags or min(lags) < 1:
        raise TimingInputError(f"lags must be positive bin counts, got {lags}")
    if n_splits < 2 or n_null < 0:
        raise TimingInputError(f"need n_splits >= 2 and n_null >= 0, got {n_splits}, {n_null}")
    n_bins = timeline.n_bins
    first = max(lags) - 1
    n_rows = n_bins - k - first
    if n_rows < 10 * (n_splits + 1):
        raise TimingInputError(
            f"the period ({n_bins} bins) is too short for k={k}, lags up to {max(lags)} and "
            f"{n_splits} folds"
        )
    day = weekday and timeline.resolution == "day"
    weekday_of_first = timeline.start.weekday() if day else None
    x_all, names = claim_features(timeline.claims, lags, weekday_of_first=weekday_of_first)
    x = x_all[first : n_bins - k]

    folds = [
        (train, test, *standardize(x[train], x[test]))
        for train, test in time_series_folds(x.shape[0], n_splits)
    ]
    y_obs = _targets(timeline.event_bins, n_bins, k)[first:].astype(np.int64)
    y_true, y_score = _fit_predict(folds, y_obs[:, None])[0]
    auc = auc_score(y_true, y_score)
    if not np.isfinite(auc):
        raise TimingInputError("the out-of-fold targets hold one class only: too few events")

    null = np.zeros(0)
    if n_null:
        shifts = admissible_shifts(n_bins, k if min_shift is None else int(min_shift))
        rng = np.random.default_rng(seed)
        shifts = rng.choice(shifts, size=min(n_null, shifts.size), replace=False)
        targets = np.column_stack(
            [_targets(timeline.event_bins, n_bins, k, int(s))[first:] for s in shifts]
        ).astype(np.int64)
        null = np.asarray([auc_score(*pair) for pair in _fit_predict(folds, targets)])
        null = null[np.isfinite(null)]
    pvalue = monte_carlo_pvalue(auc, null) if null.size else float("nan")
    return PredictiveResult(
        method="Predictive check (logistic regression, time-series CV, ROC AUC)",
        statistic=auc,
        auc=auc,
        pvalue=pvalue,
        effect=None,
        ci_low=None,
        ci_high=None,
        k=k,
        n_splits=n_splits,
        n_null=int(null.size),
        n_rows=int(y_obs.size),
        n_positive=int(y_obs.sum()),
        features=tuple(names),
        null_distribution=null,
        y_true=y_true,
        y_score=y_score,
    )


def _fit_predict(
    folds: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], targets: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pooled out-of-fold ``(y_true, y_score)`` for each column of ``targets``.

    Each fold fits every target at once (:func:`timing.stats._logistic.fit_balanced_logit`);
    a target whose training part holds one class only is left out of that fold.
    """
    m = targets.shape[1]
    ys: list[list[np.ndarray]] = [[] for _ in range(m)]
    ps: list[list[np.ndarray]] = [[] for _ in range(m)]
    for train, test, x_train, x_test in folds:
        y_train = targets[train]
        both = np.flatnonzero(y_train.min(axis=0) != y_train.max(axis=0))
        if both.size == 0:
            continue
        proba = predict_proba(x_test, fit_balanced_logit(x_train, y_train[:, both]))
        for col, j in enumerate(both):
            ys[j].append(targets[test, j])
            ps[j].append(proba[:, col])
    return [
        (np.concatenate(y), np.concatenate(p)) if y else (np.zeros(0, dtype=np.int64), np.zeros(0))
        for y, p in zip(ys, ps, strict=True)
    ]
