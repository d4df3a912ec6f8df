"""Where each event's window lies on the timeline, for the report's click-to-highlight.

The per-event table (and the influence table) of the report carry, on each row, the dates
of the event's window and of the event itself; a small script in the page draws them as
rectangle shapes on the timeline figure when the reader clicks the row. Nothing here
computes a statistic: the window is the analysis's own definition (``params.offsets``, or
announcement to start with ``params.anticipation``) laid out in calendar dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from timing.report._derive import bins_per_day, to_datetime, window_bins

__all__ = ["ZOOM_MARGIN_DAYS", "event_windows"]

#: Days shown either side of a highlighted window when the timeline zooms to it.
ZOOM_MARGIN_DAYS = 45


def _fmt(value: dt.datetime, hourly: bool) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if hourly else f"{value:%Y-%m-%d}"


def _window(
    event: dict[str, Any], start: dt.datetime, data: dict[str, Any], step: dt.timedelta
) -> tuple[dt.datetime, dt.datetime] | None:
    """Window of one event as [first bin, end) datetimes, or ``None`` when it has none."""
    win = window_bins(data)
    if win is not None:
        return start + win[0] * step, start + (win[1] + 1) * step
    announced = to_datetime(event.get("announced_date"))
    if announced is not None and announced < start:
        return announced, start
    return None


def event_windows(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Shape coordinates of every event's window and day, keyed by ``event_id``.

    Parameters
    ----------
    data : dict
        ``AnalysisResult.to_dict(full=True)``; reads ``events`` (``event_id``, ``date``,
        ``end_date``, ``announced_date``, ``title``) and ``params``.

    Returns
    -------
    dict
        For each event id: ``x0``/``x1`` (its window, end exclusive; empty strings when the
        event has no window, e.g. an anticipation analysis of an event never announced),
        ``e0``/``e1`` (the event's own days, end exclusive), ``r0``/``r1`` (a zoomed range
        around both), ``date`` (the event's date as the timeline plots it) and ``label``
        (a sentence naming the event and its window, first and last day inclusive).
        Events without a usable date or id are left out.

    Examples
    --------
    >>> data = {"params": {"offsets": [-3, -1]},
    ...         "events": [{"event_id": "e1", "date": "2025-12-02", "title": "Talks"}]}
    >>> w = event_windows(data)["e1"]
    >>> w["x0"], w["x1"], w["e0"], w["e1"]
    ('2025-11-29', '2025-12-02', '2025-12-02', '2025-12-03')
    >>> w["label"]
    'Talks (2025-12-02): window 2025-11-29 to 2025-12-01'
    """
    hourly = bins_per_day(data) != 1
    step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
    margin = dt.timedelta(days=ZOOM_MARGIN_DAYS)
    out: dict[str, dict[str, str]] = {}
    for event in data.get("events") or []:
        if not isinstance(event, dict) or event.get("event_id") is None:
            continue
        start = to_datetime(event.get("date"))
        if start is None:
            continue
        end = max(to_datetime(event.get("end_date")) or start, start) + step
        window = _window(event, start, data, step)
        name = str(event.get("title") or event["event_id"])
        label = f"{name} ({_fmt(start, hourly)}): "
        if window is None:
            label += "no window (the event has no announcement date before its start)"
            lo, hi = start, end
        else:
            label += f"window {_fmt(window[0], hourly)} to {_fmt(window[1] - step, hourly)}"
            lo, hi = min(window[0], start), max(window[1], end)
        out[str(event["event_id"])] = {
            "x0": "" if window is None else _fmt(window[0], hourly),
            "x1": "" if window is None else _fmt(window[1], hourly),
            "e0": _fmt(start, hourly),
            "e1": _fmt(end, hourly),
            "r0": _fmt(lo - margin, hourly),
            "r1": _fmt(hi + margin, hourly),
            "date": _fmt(start, hourly),
            "label": label,
        }
    return out
