"""The report's timeline: claims and diplomatic events on one date axis.

Up to :data:`~timing.report._derive.TIMELINE_AGGREGATE_ABOVE` claims it draws one marker
and one hover text per claim. Above that it draws stacked bars of claims per period (day,
or hour for hourly timelines; week or month when the period is long) for each kind and
status, with one hover text per bar, so that the page's size and drawing time no longer
grow with the number of claims. Events follow the same rule: one marker each up to the
threshold, one marker per day above it. ``fig.layout.meta["timeline"]`` says which view a
figure shows (the report's text reads it). :func:`timeline_spec` builds the figure as the
plain dict the report embeds; :func:`timeline_figure` as a plotly figure.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from timing.report._derive import (
    _UNIT_HOURS,
    TIMELINE_AGGREGATE_ABOVE,
    ResultLike,
    TimelineCounts,
    as_data,
    bins_per_day,
    esc,
    timeline_counts,
    to_datetime,
    window_bins,
)
from timing.report._spec import FigureSpec
from timing.report.figures import (
    EVENT_COLOUR,
    KIND_COLOURS,
    STATUS_SYMBOLS,
    _figure,
    _missing,
    _short,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "MAX_EVENT_TITLES",
    "STATUS_OPACITY",
    "timeline_figure",
    "timeline_note",
    "timeline_spec",
]

#: Shade of each status in the aggregated view (colour is the kind, as in the markers).
STATUS_OPACITY = {"confirmed": 1.0, "contested": 0.7, "refuted": 0.5, "unverified": 0.35}
#: Event titles listed in the hover text of one day's events in the aggregated view.
MAX_EVENT_TITLES = 3
_X_FORMAT = {"hour": "%Y-%m-%d %H:%M", "day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m-%d"}
_HOVER_X = {
    "hour": "%Y-%m-%d %H:%M",
    "day": "%Y-%m-%d",
    "week": "week of %Y-%m-%d",
    "month": "%Y-%m",
}


def _fmt_time(value: dt.datetime, data: dict[str, Any]) -> str:
    return f"{value:%Y-%m-%d}" if bins_per_day(data) == 1 else f"{value:%Y-%m-%d %H:%M}"


def _merge(
    intervals: list[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _event_bands(data: dict[str, Any]) -> tuple[list, list]:
    """(event day bands, pre-event window bands) as merged datetime intervals."""
    step = dt.timedelta(days=1) if bins_per_day(data) == 1 else dt.timedelta(hours=1)
    params = data.get("params") or {}
    win = window_bins(data)
    events, windows = [], []
    for ev in data.get("events") or []:
        start = to_datetime(ev.get("date"))
        if start is None:
            continue
        end = to_datetime(ev.get("end_date")) or start
        events.append((start, max(end, start) + step))
        if win is not None:
            windows.append((start + win[0] * step, start + (win[1] + 1) * step))
        elif params.get("anticipation"):
            announced = to_datetime(ev.get("announced_date"))
            if announced is not None and announced < start:
                windows.append((announced, start))
    return _merge(events), _merge(windows)


def _claim_markers(fig: FigureSpec, data: dict[str, Any], claims: list[dict]) -> int:
    """One marker per claim, stacked per day; returns the highest stack."""
    stack: dict[str, int] = {}
    groups: dict[tuple[str, str], dict[str, list]] = {}
    for c in claims:
        when = to_datetime(c.get("date"))
        if when is None:
            continue
        key = _fmt_time(when, data)
        stack[key] = stack.get(key, 0) + 1
        kind, status = str(c.get("kind") or "other"), str(c.get("status") or "unknown")
        g = groups.setdefault((kind, status), {"x": [], "y": [], "text": []})
        g["x"].append(key)
        g["y"].append(stack[key])
        g["text"].append(
            f"<b>{esc(_short(c.get('target') or c.get('claim_id')))}</b><br>{esc(key)}"
            f"<br>{esc(kind)}, {esc(status)}<br>{esc(_short(c.get('actor')))}"
            f"<br>source: {esc(_short(c.get('source')))}"
        )
    for (kind, status), g in sorted(groups.items()):
        fig.add_scatter(
            x=g["x"],
            y=g["y"],
            mode="markers",
            name=esc(f"{kind} · {status}"),
            legendgroup=esc(kind),
            hovertext=g["text"],
            hoverinfo="text",
            marker={
                "color": KIND_COLOURS.get(kind, "#7f8c8d"),
                "symbol": STATUS_SYMBOLS.get(status, "square"),
                "size": 9,
                "line": {"width": 1.5, "color": KIND_COLOURS.get(kind, "#7f8c8d")},
            },
        )
    return max(stack.values(), default=1)


def _dense(agg: TimelineCounts) -> tuple[dict[str, Any], list[tuple[str, str]], np.ndarray]:
    """(x of the periods, (kind, status) of each row, claims per row and period).

    Every period from the first to the last gets a column (zeros included) so that the
    traces stack, plus a zero after the last one so that its step is drawn to its end; day,
    hour and week periods are given as a start and a step (``x0``,
    ``dx``) instead of one date string each.
    """
    counts = agg.counts
    first: dt.datetime = counts["period"].min()  # type: ignore[assignment]
    if agg.unit == "month":
        index = (pl.col("period").dt.year() * 12 + pl.col("period").dt.month() - 1) - (
            first.year * 12 + first.month - 1
        )
    else:
        index = (pl.col("period") - first).dt.total_hours() // _UNIT_HOURS[agg.unit]
    counts = counts.with_columns(index.cast(pl.Int64).alias("i"))
    n_periods = int(counts["i"].max()) + 2  # type: ignore[arg-type]
    key_frame = counts.select("kind", "status").unique(maintain_order=True).with_row_index("r")
    counts = counts.join(key_frame, on=["kind", "status"])
    keys = key_frame.select("kind", "status").rows()
    dense = np.zeros((len(keys), n_periods), dtype=np.int64)
    rows = counts["r"].to_numpy().astype(np.int64)
    dense[rows, counts["i"].to_numpy()] = counts["claims"].to_numpy()
    if agg.unit == "month":
        months = [(first.year * 12 + first.month - 1 + m) for m in range(n_periods)]
        x: dict[str, Any] = {"x": [f"{m // 12:04d}-{m % 12 + 1:02d}-01" for m in months]}
    else:
        x = {"x0": first.strftime(_X_FORMAT[agg.unit]), "dx": _UNIT_HOURS[agg.unit] * 3_600_000}
    return x, [(str(k), str(s)) for k, s in keys], dense


def _compact(values: np.ndarray) -> np.ndarray:
    """The smallest unsigned integer type that holds ``values`` (smaller JSON)."""
    top = int(values.max(initial=0))
    return values.astype(np.uint16 if top < 2**16 else np.uint32)


def _claim_areas(fig: FigureSpec, agg: TimelineCounts) -> float:
    """Stacked step areas of claims per period, one per kind and status; the tallest stack.

    One SVG path per kind and status however many periods: bars would draw one element
    per period and kind and status (70,000 for ten years of days), which Chromium draws
    in tens of seconds.
    """
    if agg.counts.height == 0:
        return 1.0
    x, keys, dense = _dense(agg)
    kinds = sorted({k for k, _ in keys})
    kind_total = {k: dense[[i for i, key in enumerate(keys) if key[0] == k]].sum(0) for k in kinds}
    hover_x = _HOVER_X[agg.unit]
    for i in sorted(range(len(keys)), key=lambda i: keys[i]):
        kind, status = keys[i]
        colour = KIND_COLOURS.get(kind, "#7f8c8d")
        alpha = STATUS_OPACITY.get(status, 0.2)
        rgb = ",".join(str(int(colour[j : j + 2], 16)) for j in (1, 3, 5))
        fig.add_scatter(
            **x,
            y=_compact(dense[i]),
            customdata=_compact(kind_total[kind]),
            mode="lines",
            line={"width": 0.5, "shape": "hv", "color": colour},
            fillcolor=f"rgba({rgb},{alpha})",
            stackgroup="claims",
            name=esc(f"{kind} · {status}"),
            legendgroup=esc(kind),
            hovertemplate=f"%{{x|{hover_x}}}: %{{customdata:,}} {esc(kind)} claims, "
            f"%{{y:,}} {esc(status)}<extra></extra>",
        )
    return float(dense.sum(0).max(initial=1))


def _event_markers(data: dict[str, Any], events: list[dict]) -> tuple[list, list]:
    """(x, hover text): one per event, or one per day above the threshold."""
    if len(events) <= TIMELINE_AGGREGATE_ABOVE:
        ex, etext = [], []
        for ev in events:
            when = to_datetime(ev.get("date"))
            if when is None:
                continue
            ex.append(_fmt_time(when, data))
            etext.append(
                f"<b>{esc(_short(ev.get('title') or ev.get('event_id')))}</b><br>{esc(ex[-1])}"
                f"<br>{esc(ev.get('kind'))}, {esc(_short(ev.get('parties')))}"
                f"<br>{esc(_short(ev.get('location')))}<br>source: {esc(_short(ev.get('source')))}"
            )
        return ex, etext
    days: dict[str, list[str]] = {}
    for ev in events:
        when = to_datetime(ev.get("date"))
        if when is not None:
            title = str(ev.get("title") or ev.get("event_id") or "")
            days.setdefault(f"{when:%Y-%m-%d}", []).append(title)
    ex, etext = sorted(days), []
    for day in ex:
        titles = days[day]
        shown = "".join(f"<br>{esc(_short(t, 60))}" for t in titles[:MAX_EVENT_TITLES])
        more = len(titles) - MAX_EVENT_TITLES
        etext.append(
            f"<b>{day}: {len(titles)} event{'s' if len(titles) != 1 else ''}</b>{shown}"
            + (f"<br>… and {more} more" if more > 0 else "")
        )
    return ex, etext


def timeline_figure(result: ResultLike) -> go.Figure:
    """Claims (markers, or bars of counts above a threshold) with events as shaded bands.

    Up to :data:`~timing.report._derive.TIMELINE_AGGREGATE_ABOVE` claims, one marker per
    claim (colour: kind, symbol: status), stacked per day (y = 1, 2, ...), each with its
    target, date, actor and source on hover. Above it, stacked bars of claims per day (or
    hour, week, month: see :func:`~timing.report._derive.timeline_counts`) for each kind
    (colour) and status (shade), hover e.g. "2025-03-04: 12 capture claims, 9 contested".
    Event days are shaded blue, their pre-event windows (or anticipation windows) lighter;
    a triangle above carries each event's hover text (one per day above the threshold).
    A range slider below the axis zooms the period (buttons above it in the aggregated view:
    the slider would draw every trace a second time).

    Examples
    --------
    >>> from timing.analysis import analyze
    >>> fig = timeline_figure(analyze().to_dict(full=True))
    >>> fig.layout.xaxis.rangeslider.visible, fig.layout.meta["timeline"]
    (True, 'claims')
    """
    return timeline_spec(result).figure()


def timeline_spec(result: ResultLike) -> FigureSpec:
    """:func:`timeline_figure` as a plain figure dict builder."""
    data = as_data(result)
    claims = data.get("claims")
    n_rows = claims.height if isinstance(claims, pl.DataFrame) else len(claims or [])
    events = [e for e in data.get("events") or [] if isinstance(e, dict)]
    if not n_rows and not events:
        return _missing(
            _figure("Claims and diplomatic events"),
            "No claim or event rows in this result (re-run with full data).",
        )
    agg = timeline_counts(data)
    if agg is None:
        fig = _figure("Claims and diplomatic events")
        rows = [c for c in claims_list(data) if isinstance(c, dict)]
        top = float(_claim_markers(fig, data, rows) + 1)
        meta = {"timeline": "claims", "claims": n_rows}
        ytitle = "claims that day"
    else:
        undated = f"; {agg.n_undated:,} without a readable date not drawn" if agg.n_undated else ""
        fig = _figure(
            f"Claims per {agg.unit} by kind and status ({agg.n_claims:,} claims{undated}), "
            "and diplomatic events"
        )
        top = _claim_areas(fig, agg) * 1.08 + 1
        meta = {
            "timeline": "aggregated",
            "unit": agg.unit,
            "claims": agg.n_claims,
            "undated": agg.n_undated,
            "bars": agg.counts.height,
        }
        ytitle = f"claims per {agg.unit}"
    day_bands, window_bands = _event_bands(data)
    band = {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "layer": "below",
        "fillcolor": EVENT_COLOUR,
        "line": {"width": 0},
    }
    shapes = [dict(band, x0=lo, x1=hi, opacity=0.12) for lo, hi in window_bands]
    shapes += [dict(band, x0=lo, x1=hi, opacity=0.35) for lo, hi in day_bands]
    fig.update_layout(shapes=shapes)  # one update: add_vrect per band is slow (~50 ms each)
    ex, etext = _event_markers(data, events)
    meta["events_per_day"] = len(events) > TIMELINE_AGGREGATE_ABOVE
    if ex:
        fig.add_scatter(
            x=ex,
            y=np.full(len(ex), top, dtype=np.float32),
            mode="markers",
            name="events (one marker per day)" if meta["events_per_day"] else "events",
            hovertext=etext,
            hoverinfo="text",
            marker={"symbol": "triangle-down", "size": 10, "color": EVENT_COLOUR},
        )
    fig.update_layout(
        height=460,
        meta=meta,
        legend={"title": {"text": "claim kind · status"}},
        xaxis={"type": "date", **_zoom(agg is None)},
        yaxis={
            "title": {"text": ytitle},
            "rangemode": "tozero",
            "dtick": 1 if agg is None and top < 12 else None,
        },
    )
    return fig


def _zoom(slider: bool) -> dict[str, Any]:
    """A range slider (it redraws every trace, so only for the per-claim view), else buttons."""
    if slider:
        return {"rangeslider": {"visible": True, "thickness": 0.08}}
    steps = [(1, "month", "1 m"), (6, "month", "6 m"), (1, "year", "1 y"), (5, "year", "5 y")]
    buttons = [{"count": n, "step": step, "stepmode": "backward", "label": label}
               for n, step, label in steps]  # fmt: skip
    return {"rangeselector": {"buttons": [*buttons, {"step": "all", "label": "all"}]}}


def claims_list(data: dict[str, Any]) -> list[Any]:
    """``data["claims"]`` as a list of row dicts (converted from a polars frame if needed)."""
    claims = data.get("claims")
    if isinstance(claims, pl.DataFrame):
        return claims.to_dicts()
    return list(claims or [])


def timeline_note(meta: dict[str, Any] | None) -> str:
    """What the report's timeline shows, in a sentence or two, from ``fig.layout.meta``.

    Examples
    --------
    >>> timeline_note({"timeline": "aggregated", "unit": "day", "claims": 12000})
    ... # doctest: +ELLIPSIS
    'This timeline shows 12,000 claims as counts per day...'
    """
    meta = meta or {}
    bands = (
        "Dark blue bands are event days, light bands the windows before them that the tests "
        "look at."
    )
    if meta.get("events_per_day"):
        bands += (
            f" With more than {TIMELINE_AGGREGATE_ABOVE:,} events, each triangle above the "
            f"chart is one day's events: hover for how many, with up to {MAX_EVENT_TITLES} titles."
        )
    if meta.get("timeline") != "aggregated":
        return (
            "Each marker is one claim (colour: kind; shape: independent status), stacked when "
            f"several fall on one day. {bands} Drag the slider below the chart to zoom; "
            "hover for the target, date and source."
        )
    unit = meta.get("unit", "day")
    undated = meta.get("undated") or 0
    return (
        f"This timeline shows {meta.get('claims', 0):,} claims as counts per {unit}, not one "
        f"marker per claim (that is done up to {TIMELINE_AGGREGATE_ABOVE:,} claims, to keep "
        "the page small and quick to open). Each coloured layer is the claims of one kind "
        f"(colour) and one independent status (shade) per {unit}, stacked; hover it for the "
        f"count. {bands} "
        + (f"{undated:,} claims without a readable date are not drawn. " if undated else "")
        + "Zoom with the buttons above the chart or by dragging across it (double-click to "
        "zoom out). The claim rows themselves are in the JSON output "
        "(timing analyze --json --full)."
    )
