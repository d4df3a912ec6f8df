"""Balanced, L2-penalised logistic regressions fitted side by side (the predictive check).

The predictive check fits the same model to one observed and up to a few hundred shifted
targets on the same features. :func:`fit_balanced_logit` fits them all at once: one Newton
iteration updates every target's coefficients with a handful of array products, so 250
fits cost about as much as one fit through scikit-learn's estimator machinery, and the
check needs no scikit-learn import (about half a second of a small analysis).

The model and its solver are those of scikit-learn's ``LogisticRegression(C=1.0,
class_weight="balanced", solver="newton-cholesky", tol=1e-4)`` (version 1.9), step for
step: the objective ``mean_w(log(1 + e^eta) - y eta) + ||coef||^2 / (2 C sum(w))`` with
balanced class weights ``w = n / (2 n_class)`` and an unpenalised intercept, started at
zero; Newton steps with the same backtracking line search (Armijo ``sigma = 2^-11``,
halving, at most 21 tries, the same near-machine-precision rule); stopping when
``max |gradient| <= tol`` and half the squared Newton decrement of the step taken is
``<= tol``. The fitted probabilities agree with scikit-learn's to rounding (the tests
compare them), :func:`standardize` and :func:`time_series_folds` reproduce
``StandardScaler`` and ``TimeSeriesSplit``.
"""

from __future__ import annotations

import numpy as np

from timing.errors import TimingInputError

__all__ = ["fit_balanced_logit", "predict_proba", "standardize", "time_series_folds"]

#: Line-search constants of scikit-learn's Newton solver.
_SHRINK, _ARMIJO = 0.5, 0.00048828125
_EPS = float(np.finfo(np.float64).eps)


def time_series_folds(n_samples: int, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` index pairs of ``TimeSeriesSplit(n_splits)``: the past, then a block.

    Examples
    --------
    >>> [(tr.size, te.tolist()) for tr, te in time_series_folds(7, 3)]
    [(4, [4]), (5, [5]), (6, [6])]
    """
    test_size = n_samples // (n_splits + 1)
    starts = range(n_samples - n_splits * test_size, n_samples, test_size)
    return [(np.arange(s), np.arange(s, s + test_size)) for s in starts]


def standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale both parts by the training part's mean and (population) SD.

    The arithmetic of ``StandardScaler``: the variance with its rounding correction, and a
    scale of 1 for a constant column.
    """
    n = train.shape[0]
    mean = train.sum(axis=0) / n
    centred = train - mean
    var = ((centred**2).sum(axis=0) - centred.sum(axis=0) ** 2 / n) / n
    constant = var <= n * _EPS * var + (n * mean * _EPS) ** 2
    scale = np.where(constant, 1.0, np.sqrt(var))
    return (train - mean) / scale, (test - mean) / scale


def _loss(
    raw: np.ndarray, y: np.ndarray, w: np.ndarray, coef: np.ndarray, lam: np.ndarray
) -> np.ndarray:
    """Objective per target: weighted mean log loss plus the penalty (columns = targets)."""
    point = np.logaddexp(0.0, raw) - y * raw
    return (w * point).sum(axis=0) / w.sum(axis=0) + 0.5 * lam * (coef[:, :-1] ** 2).sum(axis=1)


def _gradient(
    xd: np.ndarray, raw: np.ndarray, y: np.ndarray, w: np.ndarray, coef: np.ndarray, lam: np.ndarray
) -> np.ndarray:
    resid = w * (1.0 / (1.0 + np.exp(-raw)) - y) / w.sum(axis=0)
    grad = resid.T @ xd
    grad[:, :-1] += lam[:, None] * coef[:, :-1]
    return grad


def fit_balanced_logit(
    x: np.ndarray, targets: np.ndarray, *, c: float = 1.0, tol: float = 1e-4, max_iter: int = 200
) -> np.ndarray:
    """Coefficients of a balanced L2 logistic regression for each column of ``targets``.

    Parameters
    ----------
    x : numpy.ndarray
        Features, shape ``(n, p)`` (standardised by the caller).
    targets : numpy.ndarray
        0/1 targets, shape ``(n, m)``; every column must hold both classes.
    c : float
        Inverse penalty strength ``C``.
    tol : float
        Convergence tolerance (see the module docstring).
    max_iter : int
        Newton iterations per target.

    Returns
    -------
    numpy.ndarray
        Shape ``(m, p + 1)``: the ``p`` slopes, then the intercept.

    Examples
    --------
    >>> x = np.array([[-1.0], [-0.5], [0.5], [1.0]]); y = np.array([[0], [1], [0], [1]])
    >>> fit_balanced_logit(x, y).round(4).tolist()
    [[0.3085, 0.0]]
    """
    y = np.asarray(targets, dtype=np.float64)
    n, m = y.shape
    xd = np.column_stack([np.asarray(x, dtype=np.float64), np.ones(n)])
    q = xd.shape[1]
    positives = y.sum(axis=0)
    if np.any(positives == 0) or np.any(positives == n):
        raise ValueError("every target needs both classes")
    # Balanced class weights n / (2 n_class), the sample weights of the objective.
    w = np.where(y > 0, n / (2.0 * positives), n / (2.0 * (n - positives)))
    lam = 1.0 / (c * w.sum(axis=0))  # one penalty per target: 1 / (C sum(w))
    coef = np.zeros((m, q))
    raw = np.zeros((n, m))
    loss = _loss(raw, y, w, coef, lam)
    grad = _gradient(xd, raw, y, w, coef, lam)
    active = np.ones(m, dtype=bool)
    penalty = np.ones(q)
    penalty[-1] = 0.0
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        h_point = (w * (p := 1.0 / (1.0 + np.exp(-raw))) * (1.0 - p) / w.sum(axis=0))[:, idx]
        hess = np.einsum("ni,nk,nj->kij", xd, h_point, xd)
        hess += lam[idx, None, None] * np.diag(penalty)[None]
        step = np.linalg.solve(hess, -grad[idx][..., None])[..., 0]
        g_step = np.einsum("ki,ki->k", grad[idx], step)
        raw_step = xd @ step.T
        t = np.ones(idx.size)
        pending = np.ones(idx.size, dtype=bool)
        new_coef, new_raw = coef[idx].copy(), raw[:, idx].copy()
        new_loss, new_grad = loss[idx].copy(), grad[idx].copy()
        old_abs = np.abs(grad[idx]).sum(axis=1)
        for _try in range(21):
            j = np.flatnonzero(pending)
            if j.size == 0:
                break
            cj = coef[idx[j]] + t[j, None] * step[j]
            rj = raw[:, idx[j]] + t[j] * raw_step[:, j]
            lj = _loss(rj, y[:, idx[j]], w[:, idx[j]], cj, lam[idx[j]])
            gj = _gradient(xd, rj, y[:, idx[j]], w[:, idx[j]], cj, lam[idx[j]])
            change = lj - loss[idx[j]]
            ok = change <= t[j] * _ARMIJO * g_step[j]
            tiny = np.abs(change) <= np.abs(loss[idx[j]] * 16 * _EPS)
            ok |= tiny & (np.abs(gj).sum(axis=1) < old_abs[j])
            new_coef[j], new_raw[:, j], new_loss[j], new_grad[j] = cj, rj, lj, gj
            pending[j[ok]] = False
            t[j[~ok]] *= _SHRINK
        if pending.any():
            raise TimingInputError("the logistic regression's line search did not converge")
        coef[idx], raw[:, idx], loss[idx], grad[idx] = new_coef, new_raw, new_loss, new_grad
        decrement = 0.5 * np.einsum("ki,kij,kj->k", step, hess, step)
        done = (np.abs(new_grad).max(axis=1) <= tol) & (decrement <= tol)
        active[idx[done]] = False
    return coef


def predict_proba(x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Probability of the positive class, shape ``(n, m)``, for coefficients ``(m, p + 1)``."""
    raw = np.asarray(x, dtype=np.float64) @ coef[:, :-1].T + coef[:, -1]
    return 1.0 / (1.0 + np.exp(-raw))
