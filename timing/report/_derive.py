"""Numbers the report derives from an analysis dict when the analysis did not store them.

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
    "claim_bins",
    "esc",
    "event_bins",
    "lag_histogram",
    "n_bins",
    "per_event_rows",
    "tests_table",
    "to_datetime",
    "window_bins",
]

#: Most shifts used for the lag-histogram null (evenly spaced over the admissible ones).
MAX_NULL_SHIFTS = 2000


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


def n_bins(data: dict[str, Any]) -> int | None:
    """Length ``T`` of the study period in bins, if known."""
    series = (data.get("timeline") or {}).get("claims")
    if series:
        return len(series)
    bins = (data.get("counts") or {}).get("bins")
    return int(bins) if bins else None


def claim_bins(data: dict[str, Any]) -> np.ndarray:
    """Bin of every claim (one entry per claim; ``int64``), from the rows or the series."""
    rows = data.get("claims")
    if rows and all(isinstance(r, dict) and r.get("bin") is not None for r in rows):
        return np.sort(np.array([int(r["bin"]) for r in rows], dtype=np.int64))
    series = (data.get("timeline") or {}).get("claims")
    if series:
        counts = np.rint(np.nan_to_num(np.asarray(series, dtype=np.float64))).astype(np.int64)
        return np.repeat(np.arange(counts.size, dtype=np.int64), np.clip(counts, 0, None))
    return np.zeros(0, dtype=np.int64)


def event_bins(data: dict[str, Any]) -> np.ndarray:
    """Sorted start bin of every event (``int64``)."""
    bins = (data.get("timeline") or {}).get("event_bins")
    if bins is None:
        rows = data.get("events") or []
        bins = [r["bin"] for r in rows if isinstance(r, dict) and r.get("bin") is not None]
    return np.sort(np.asarray(bins, dtype=np.int64))


def window_bins(data: dict[str, Any]) -> tuple[int, int] | None:
    """Window offsets in bins (``None`` for anticipation windows)."""
    params = data.get("params") or {}
    if params.get("anticipation"):
        return None
    lo, hi = params.get("offsets") or (-3, -1)
    k = bins_per_day(data)
    return int(lo) * k, (int(hi) + 1) * k - 1


def lag_histogram(data: dict[str, Any], max_lag: int = 30) -> dict[str, Any] | None:
    """Claims by days to the next event, with a circular-shift null band.

    Used when the analysis dict holds no ``tests.lags`` (e.g. a partial or older result);
    the counting is :func:`timing.stats.lags.lag_histograms`, over the admissible shifts
    of :func:`timing.stats.circular.admissible_shifts`.

    Parameters
    ----------
    data : dict
        ``AnalysisResult.to_dict(full=True)``.
    max_lag : int
        Largest lag (days) shown; claims further from the next event are counted apart.

    Returns
    -------
    dict or None
        ``lag`` (0..max_lag), ``observed``, ``null_mean``, ``null_low``, ``null_high``
        (2.5 and 97.5 percentiles; ``None`` when the null could not be formed),
        ``beyond`` (claims more than ``max_lag`` days before the next event), ``no_next``
        (claims after the last event) and ``n_shifts``. ``None`` without claims or events.

    Notes
    -----
    The null shifts the event calendar circularly by every admissible shift ``s`` (the
    same shifts as the circular-shift test: ``min_shift <= min(s, T - s) <= max_shift``),
    recomputes every claim's lag to the next shifted event and takes pointwise
    percentiles of the histograms. The claims keep their own bursts and gaps.
    """
    from timing.stats.circular import admissible_shifts
    from timing.stats.lags import lag_histograms

    claims, events, total = claim_bins(data), event_bins(data), n_bins(data)
    if claims.size == 0 or events.size == 0:
        return None
    k = bins_per_day(data)
    total = int(total) if total else int(max(claims.max(), events.max())) + 1
    counts = np.bincount(claims, minlength=total).astype(np.float64)

    def by_day(hists: np.ndarray) -> np.ndarray:
        """Bin categories 0..(max_lag+1)k-1, beyond, none -> day categories."""
        days = hists[:, : (max_lag + 1) * k].reshape(hists.shape[0], max_lag + 1, k).sum(axis=2)
        return np.column_stack([days, hists[:, -2], hists[:, -1]])

    observed = by_day(lag_histograms(counts, events, np.array([0]), (max_lag + 1) * k - 1)[0])[0]
    out: dict[str, Any] = {
        "lag": list(range(max_lag + 1)),
        "observed": observed[: max_lag + 1].astype(int).tolist(),
        "beyond": int(observed[-2]),
        "no_next": int(observed[-1]),
        "null_mean": None,
        "null_low": None,
        "null_high": None,
        "n_shifts": 0,
    }
    if total < 3:
        return out
    circ = (data.get("tests") or {}).get("circular_shift") or {}
    win = window_bins(data)
    default_min = (win[1] - win[0] + 1) if win else 7 * k
    min_shift = max(int(circ.get("min_shift") or default_min), 1)
    max_shift = circ.get("max_shift")
    shifts = admissible_shifts(total, min_shift, None if max_shift is None else int(max_shift))
    if shifts.size == 0:
        return out
    if shifts.size > MAX_NULL_SHIFTS:
        shifts = shifts[np.linspace(0, shifts.size - 1, MAX_NULL_SHIFTS).astype(np.int64)]
    hists = by_day(lag_histograms(counts, events, shifts, (max_lag + 1) * k - 1)[0])
    hists = hists[:, : max_lag + 1]
    out["null_mean"] = hists.mean(axis=0).tolist()
    out["null_low"] = np.percentile(hists, 2.5, axis=0).tolist()
    out["null_high"] = np.percentile(hists, 97.5, axis=0).tolist()
    out["n_shifts"] = int(shifts.size)
    return out


def _announced_bin(event: dict[str, Any], k: int) -> int | None:
    start, announced = to_datetime(event.get("date")), to_datetime(event.get("announced_date"))
    if start is None or announced is None or event.get("bin") is None:
        return None
    delta = (start - announced).total_seconds() / (86400 / k)
    return int(event["bin"]) - round(delta)


def _normalise_stored(row: dict[str, Any], k: int) -> dict[str, Any]:
    """Map a stored per-event record (``claims_in_window``, ``nearest_claim_lag``) to ours."""
    out = dict(row)
    out.setdefault("window_claims", row.get("claims_in_window"))
    lag = row.get("nearest_claim_lag")
    if "last_before_lag" not in out:
        out["last_before_lag"] = -float(lag) / k if isinstance(lag, int | float) else None
    for key in ("window_targets", "nearest_lag", "nearest_target", "last_before_target"):
        out.setdefault(key, None)
    return out


def per_event_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per event: its window's claims and the nearest claim.

    Computed from the event and claim rows when present (so the claimed targets can be
    listed); otherwise taken from ``data["per_event"]`` (the records of
    :func:`timing.stats.lags.per_event_table`) if the analysis stored it. For each event:
    the claims in its window (``params.offsets`` days, or from announcement to start with
    ``params.anticipation``) and the signed lag in days from the event to the nearest claim
    (negative: the claim came first; ties go to the earlier claim).

    Returns
    -------
    list of dict
        Keys ``event_id``, ``date``, ``kind``, ``title``, ``parties``, ``source``,
        ``window_claims``, ``window_targets`` (list of str), ``nearest_lag`` (days or
        ``None``), ``nearest_target``, ``last_before_lag`` and ``last_before_target`` (the
        last claim strictly before the event). Empty when the dict holds no event rows.
    """
    events = [e for e in (data.get("events") or []) if isinstance(e, dict)]
    stored = data.get("per_event")
    if not events and isinstance(stored, list):
        return [_normalise_stored(r, bins_per_day(data)) for r in stored if isinstance(r, dict)]
    claims = [c for c in (data.get("claims") or []) if isinstance(c, dict)]
    k = bins_per_day(data)
    cbins = np.array([int(c.get("bin", -1)) for c in claims], dtype=np.int64)
    order = np.argsort(cbins, kind="stable")
    cbins_sorted = cbins[order]
    win = window_bins(data)
    rows = []
    for event in events:
        ebin = event.get("bin")
        row: dict[str, Any] = {
            key: event.get(key)
            for key in ("event_id", "date", "kind", "title", "parties", "source")
        }
        row.update(
            window_claims=0,
            window_targets=[],
            nearest_lag=None,
            nearest_target=None,
            last_before_lag=None,
            last_before_target=None,
        )
        if ebin is None or cbins.size == 0:
            rows.append(row)
            continue
        ebin = int(ebin)
        if win is None:
            announced = _announced_bin(event, k)
            lo, hi = (announced, ebin - 1) if announced is not None and announced < ebin else (1, 0)
        else:
            lo, hi = ebin + win[0], ebin + win[1]
        inside = [claims[i] for i in order if lo <= cbins[i] <= hi]
        row["window_claims"] = len(inside)
        row["window_targets"] = [str(c.get("target") or c.get("claim_id") or "") for c in inside]
        nearest = int(np.argmin(np.abs(cbins_sorted - ebin)))
        row["nearest_lag"] = round(float(cbins_sorted[nearest] - ebin) / k, 2)
        near = claims[order[nearest]]
        row["nearest_target"] = near.get("target") or near.get("claim_id")
        before = int(np.searchsorted(cbins_sorted, ebin, side="left")) - 1
        if before >= 0:
            row["last_before_lag"] = round(float(cbins_sorted[before] - ebin) / k, 2)
            last = claims[order[before]]
            row["last_before_target"] = last.get("target") or last.get("claim_id")
        rows.append(row)
    return rows


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


def daily_counts(data: dict[str, Any]) -> np.ndarray | None:
    """Claims per day over the study period (hour bins summed), or ``None``."""
    series = (data.get("timeline") or {}).get("claims")
    if not series:
        return None
    values = np.nan_to_num(np.asarray(series, dtype=np.float64))
    k = bins_per_day(data)
    if k > 1:
        pad = (-values.size) % k
        values = np.pad(values, (0, pad)).reshape(-1, k).sum(axis=1)
    return values


def event_profile(data: dict[str, Any], half_width: int = 14) -> dict[str, Any] | None:
    """Mean claims per day at each day relative to the events, with no interval.

    The fallback for the event-study figure when ``tests.event_study`` is absent: for each
    relative day ``r`` in ``-half_width..half_width`` the mean of ``c[e + r]`` over the
    events whose day ``e + r`` lies in the period; ``baseline`` is the mean over all days.
    """
    counts, events = daily_counts(data), event_bins(data) // bins_per_day(data)
    if counts is None or events.size == 0:
        return None
    rel = np.arange(-half_width, half_width + 1)
    idx = events[:, None] + rel[None, :]
    ok = (idx >= 0) & (idx < counts.size)
    vals = np.where(ok, counts[np.clip(idx, 0, counts.size - 1)], 0.0)
    n = ok.sum(axis=0)
    mean = np.divide(vals.sum(axis=0), n, out=np.full(rel.shape, np.nan), where=n > 0)
    return {
        "relative": rel.tolist(),
        "mean": [None if not np.isfinite(m) else float(m) for m in mean],
        "lower": None,
        "upper": None,
        "baseline": float(counts.mean()),
    }
