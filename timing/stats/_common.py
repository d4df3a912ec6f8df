"""Helpers shared by the result classes and tests of :mod:`timing.stats`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any, Literal

import numpy as np

Alternative = Literal["greater", "less", "two-sided"]

#: Relative tolerance for ties between an observed statistic and its null values, as in
#: scipy.stats.permutation_test: floating-point noise must not break a tie.
TIE_RTOL = 1e-12


_LEAVES = (str, int, bool, type(None))


def plain(value: Any) -> Any:
    """Convert numpy values, dates, tuples and nested dataclasses into JSON-ready data.

    Non-finite floats become ``None`` so that the JSON is strict (no NaN/Infinity).
    Numeric numpy arrays are converted whole (``tolist``), not element by element.

    Examples
    --------
    >>> plain({"a": np.array([1.5, np.nan]), "b": (np.int64(2), dt.date(2025, 1, 2))})
    {'a': [1.5, None], 'b': [2, '2025-01-02']}
    """
    kind = type(value)  # exact types first (the common case), then the checks of old
    if kind in _LEAVES:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is np.ndarray:
        return _plain_array(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        return _plain_array(value)
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _plain_array(values: np.ndarray) -> list[Any]:
    """:func:`plain` of an array: integers and finite floats as one ``tolist``."""
    if values.ndim and values.dtype.kind in "biu":
        return list(values.tolist())
    if values.ndim == 1 and values.dtype.kind == "f" and np.isfinite(values).all():
        return list(values.tolist())
    return [plain(v) for v in values.tolist()]


def result_dict(
    result: Any, *, exclude: tuple[str, ...] = ("null_distribution",)
) -> dict[str, Any]:
    """``to_dict`` for a frozen result dataclass: every field but the bulky ones, as plain data."""
    return {
        f.name: plain(getattr(result, f.name))
        for f in dataclasses.fields(result)
        if f.name not in exclude
    }


def monte_carlo_pvalue(
    observed: float, null: np.ndarray, alternative: Alternative = "greater"
) -> float:
    """p-value ``(1 + #{null at least as extreme}) / (1 + n)`` with a tolerance for ties.

    Counting the observed arrangement as one of the ``n + 1`` equally likely ones makes the
    test exact under exchangeability and keeps p away from zero (Phipson & Smyth 2010).
    Two-sided: twice the smaller one-sided p, capped at 1.
    """
    null = np.asarray(null, dtype=np.float64)
    n = null.shape[0]
    tol = TIE_RTOL * max(1.0, abs(float(observed)))
    p_greater = (1.0 + np.count_nonzero(null >= observed - tol)) / (1.0 + n)
    p_less = (1.0 + np.count_nonzero(null <= observed + tol)) / (1.0 + n)
    if alternative == "greater":
        return float(p_greater)
    if alternative == "less":
        return float(p_less)
    if alternative == "two-sided":
        return float(min(1.0, 2.0 * min(p_greater, p_less)))
    from timing.errors import TimingInputError

    raise TimingInputError(
        f"alternative must be 'greater', 'less' or 'two-sided', got {alternative!r}"
    )


def rate_ratio(counts: np.ndarray, mask: np.ndarray) -> float:
    """Mean of ``counts`` where ``mask`` over its mean elsewhere (nan if undefined)."""
    inside = mask > 0
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    if n_in == 0 or n_out == 0:
        return float("nan")
    rate_in = counts[inside].sum() / n_in
    rate_out = counts[~inside].sum() / n_out
    if rate_out == 0:
        return float("inf") if rate_in > 0 else float("nan")
    return float(rate_in / rate_out)


def midranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their mean rank (``scipy.stats.rankdata``'s default).

    Examples
    --------
    >>> midranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    stops = np.r_[starts[1:], ordered.size]
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(0.5 * (starts + 1 + stops), stops - starts)
    return ranks
