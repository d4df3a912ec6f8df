"""Read what the report shows from an analysis dict; nothing here computes a statistic.

Everything here reads the plain dict of :meth:`timing.analysis.AnalysisResult.to_dict`
(``full=True``) and never fails on a missing optional key: it returns ``None`` or an empty
list, and the page says what is missing. Strings are returned raw; escaping happens where
they are put into HTML or into Plotly text (see :func:`esc`).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from timing.errors import TimingInputError

if TYPE_CHECKING:
    from timing.result import AnalysisResult

#: What every figure accepts: an :class:`~timing.result.AnalysisResult`, or its
#: ``to_dict(full=True)`` (also as read back from ``timing analyze --json --full``).
ResultLike: TypeAlias = "AnalysisResult | dict[str, Any]"

__all__ = [
    "ResultLike",
    "as_data",
    "bins_per_day",
    "esc",
    "per_event_rows",
    "tests_table",
    "to_datetime",
    "window_bins",
]


def as_data(result: ResultLike) -> dict[str, Any]:
    """The plain dict of a result: ``result.to_dict(full=True)``, or the dict itself.

    Raises
    ------
    TimingInputError
        For anything else (e.g. a path: read the JSON first, or use ``timing report``).

    Examples
    --------
    >>> as_data({"tests": {}})
    {'tests': {}}
    """
    if isinstance(result, dict):
        return result
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict) and hasattr(result, "timeline"):
        data: dict[str, Any] = to_dict(full=True)
        return data
    raise TimingInputError(
        f"expected an AnalysisResult or its to_dict(full=True) dict, got {type(result).__name__}"
    )


def esc(value: Any) -> str:
    """``html.escape`` of ``str(value)`` (quotes too); ``""`` for ``None``."""
    return "" if value is None else html.escape(str(value), quote=True)


def to_datetime(text: Any) -> dt.datetime | None:
    """Parse an ISO date or timestamp string into a naive UTC datetime (``None`` if unusable)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def bins_per_day(data: dict[str, Any]) -> int:
    """1 at day resolution, 24 at hour resolution."""
    res = (data.get("timeline") or {}).get("resolution") or (data.get("params") or {}).get(
        "resolution", "day"
    )
    return 24 if res == "hour" else 1


def window_bins(data: dict[str, Any]) -> tuple[int, int] | None:
    """Window offsets in bins (``None`` for anticipation windows)."""
    params = data.get("params") or {}
    if params.get("anticipation"):
        return None
    lo, hi = params.get("offsets") or (-3, -1)
    k = bins_per_day(data)
    return int(lo) * k, (int(hi) + 1) * k - 1


#: Keys of a per-event row the report's table shows.
PER_EVENT_KEYS = (
    "event_id",
    "date",
    "kind",
    "title",
    "parties",
    "source",
    "window_claims",
    "window_targets",
    "nearest_lag",
    "nearest_target",
    "last_before_lag",
    "last_before_target",
)


def per_event_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per event, as the analysis stored it in ``data["per_event"]``.

    The analysis computes the rows once (:func:`timing.stats.per_event.event_claims`): for
    each event, the claims in its window (``params.offsets`` days, or from announcement to
    start with ``params.anticipation``) and the signed lags in days to the nearest claim
    and to the last claim before it.

    Returns
    -------
    list of dict
        Keys :data:`PER_EVENT_KEYS` (``None`` where the stored row lacks one). Empty when
        the dict holds no ``per_event`` records.
    """
    stored = data.get("per_event")
    if not isinstance(stored, list):
        return []
    return [{key: r.get(key) for key in PER_EVENT_KEYS} for r in stored if isinstance(r, dict)]


_NAMES = {
    "circular_shift": "Circular-shift randomization",
    "negbin_glm": "Negative binomial GLM (HAC)",
    "poisson_naive": "Poisson GLM, naive errors",
    "placebo": "Calendar-matched placebo",
    "coincidence": "Event coincidence analysis",
    "lags": "Lag distribution vs circular null",
    "event_study": "Event-study profile",
    "premature": "Premature claims",
}


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if np.isfinite(value) else None


def tests_table(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for every test in ``data["tests"]`` that reports a p-value.

    Returns
    -------
    list of dict
        Keys ``name`` (the key in ``tests``), ``method`` (human name), ``statistic``,
        ``effect`` (``effect``, else ``rate_ratio`` or ``irr``), ``ci_low``, ``ci_high``,
        ``pvalue`` and ``naive`` (True for tests that assume independent days, listed
        right after the robust tests so the two can be compared). A method that did not
        apply has ``not_applicable`` (the reason) instead of numbers. A test with several
        p-values (``pvalue_analytic``, ``pvalue_surrogate``) gives one row per p-value.
    """
    rows = []
    for name, test in (data.get("tests") or {}).items():
        if not isinstance(test, dict):
            continue
        if test.get("applicable") is False:
            rows.append(
                {
                    "name": name,
                    "method": str(test.get("method") or _NAMES.get(name) or name),
                    "not_applicable": str(test.get("reason") or "not applicable"),
                    "naive": "naive" in name.lower(),
                }
            )
            continue
        pkeys = (
            ["pvalue"] if "pvalue" in test else sorted(k for k in test if k.startswith("pvalue_"))
        )
        for pkey in pkeys:
            method = str(test.get("method") or _NAMES.get(name) or name.replace("_", " "))
            if pkey != "pvalue":
                method = f"{method} ({pkey.removeprefix('pvalue_')})"
            effect = next(
                (
                    _num(test[key])
                    for key in ("effect", "rate_ratio", "irr")
                    if _num(test.get(key)) is not None
                ),
                None,
            )
            naive = "naive" in name.lower() or "naive" in method.lower()
            rows.append(
                {
                    "name": name,
                    "method": method,
                    "statistic": _num(test.get("statistic")),
                    "effect": effect,
                    "ci_low": _num(test.get("ci_low")),
                    "ci_high": _num(test.get("ci_high")),
                    "pvalue": _num(test.get(pkey)),
                    "naive": naive,
                }
            )
    return sorted(rows, key=lambda r: r["naive"])
