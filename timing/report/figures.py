"""Plotly figures of one analysis, built from ``AnalysisResult.to_dict(full=True)``.

Every public function takes the :class:`~timing.result.AnalysisResult` itself or that
plain dict (as read back from ``timing analyze --json --full``), tolerates missing
optional keys (a figure then says what is missing instead of failing) and returns a
``plotly.graph_objects.Figure`` that works in a notebook. The report embeds the same
figures built as plain dicts by the ``*_spec`` functions (:class:`~timing.report._spec.FigureSpec`),
which skip plotly's validation and copies.
Every string taken from the data is HTML-escaped before it reaches Plotly, which renders a
subset of HTML in text, hover text and trace names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from timing.report._derive import (
    ResultLike,
    as_data,
    bins_per_day,
    esc,
    per_event_rows,
    tests_table,
    window_bins,
)
from timing.report._spec import TEMPLATE, FigureSpec

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "event_study_figure",
    "lag_histogram_figure",
    "null_distribution_figure",
    "per_event_rows",
    "tests_table",
    "timeline_figure",
]

KIND_COLOURS = {
    "capture": "#c0392b",
    "encirclement": "#e67e22",
    "casualties": "#8e44ad",
    "strike": "#2c3e50",
    "other": "#7f8c8d",
}
STATUS_SYMBOLS = {
    "confirmed": "circle",
    "contested": "diamond",
    "refuted": "x",
    "unverified": "circle-open",
}
EVENT_COLOUR = "#2471a3"
LAYOUT = {
    "template": TEMPLATE,
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "hoverlabel": {"align": "left"},
}


def _figure(title: str | None = None) -> FigureSpec:
    """An empty figure with the report's layout and, if given, its (escaped) title."""
    fig = FigureSpec(title={"text": esc(title)} if title is not None else None)
    fig.update_layout(**LAYOUT)
    return fig


def _band(fig: FigureSpec, x: list, low: list, high: list, colour: str, name: str) -> None:
    """Shade the area between ``low`` and ``high`` (an invisible upper edge, then a fill)."""
    fig.add_scatter(
        x=x, y=high, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
    )
    fig.add_scatter(
        x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty", fillcolor=colour, name=name
    )


def _missing(fig: FigureSpec, message: str) -> FigureSpec:
    fig.add_annotation(
        text=esc(message),
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 14, "color": "#666"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _short(text: Any, limit: int = 90) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeline_figure(result: ResultLike) -> go.Figure:
    """Claims and events on one date axis: see :func:`timing.report.timeline_plot.timeline_figure`.

    One marker per claim up to
    :data:`~timing.report._derive.TIMELINE_AGGREGATE_ABOVE` claims, stacked bars of claims
    per day (or hour) by kind and status above it.
    """
    from timing.report.timeline_plot import timeline_figure as draw

    return draw(result)


def _not_stored(data: dict[str, Any], test: str, what: str) -> str:
    """Why the result holds no ``test`` to draw: its not-applicable reason, or its absence."""
    entry = (data.get("tests") or {}).get(test)
    if isinstance(entry, dict) and entry.get("applicable") is False:
        return f"{what} not available: {entry.get('reason') or 'not applicable'}."
    return f"No {what.lower()} in this result."


def lag_histogram_figure(result: ResultLike) -> go.Figure:
    """Claims by days to the next event, against the circular-shift null band.

    Draws ``tests["lags"]`` as the analysis stored it (``lags``/``observed`` arrays with
    ``null_low``/``null_high``/``null_mean``); without it, says why on the figure.
    """
    return lag_histogram_spec(result).figure()


def lag_histogram_spec(result: ResultLike) -> FigureSpec:
    """:func:`lag_histogram_figure` as a plain figure dict builder."""
    data = as_data(result)
    fig = _figure("Days from each claim to the next event")
    hist = dict((data.get("tests") or {}).get("lags") or {})
    hist.setdefault("lag", hist.get("lags"))  # timing.stats.lags names the axis "lags"
    if not (hist.get("lag") and hist.get("observed")):
        return _missing(fig, _not_stored(data, "lags", "Lag distribution"))
    lag, observed = list(hist["lag"]), list(hist["observed"])
    fig.add_bar(x=lag, y=observed, name="observed claims", marker={"color": "#c0392b"}, opacity=0.8)
    low, high, mean = hist.get("null_low"), hist.get("null_high"), hist.get("null_mean")
    if low and high:
        _band(fig, lag, low, high, "rgba(36,113,163,0.2)", "95 % circular-shift band")
    if mean:
        fig.add_scatter(
            x=lag,
            y=mean,
            mode="lines",
            name="circular-shift mean",
            line={"color": EVENT_COLOUR, "dash": "dash"},
        )
    win = window_bins(data)
    if win is not None and win[1] < 0:
        k = bins_per_day(data)
        fig.add_vrect(
            x0=-win[1] // k - 0.5,
            x1=-win[0] // k + 0.5,
            fillcolor=EVENT_COLOUR,
            opacity=0.1,
            layer="below",
            annotation_text="window",
            annotation_position="top left",
        )
    notes = []
    if hist.get("beyond"):
        notes.append(f"{hist['beyond']:g} claims more than {lag[-1]} days before the next event")
    if hist.get("no_next"):
        notes.append(f"{hist['no_next']:g} after the last event")
    fig.update_layout(
        height=380,
        bargap=0.1,
        legend={"orientation": "h", "y": -0.25},
        xaxis={
            "title": {
                "text": "days to the next event"
                + (f" (not shown: {'; '.join(notes)})" if notes else "")
            }
        },
        yaxis={"title": {"text": "claims"}},
    )
    return fig


def event_study_figure(result: ResultLike) -> go.Figure:
    """Mean claims per day by day relative to the events, with its band and baseline.

    Draws ``tests["event_study"]`` as the analysis stored it (``relative``, ``mean``,
    ``lower``, ``upper``, ``baseline``); without it, says why on the figure.
    """
    return event_study_spec(result).figure()


def event_study_spec(result: ResultLike) -> FigureSpec:
    """:func:`event_study_figure` as a plain figure dict builder."""
    data = as_data(result)
    prof = (data.get("tests") or {}).get("event_study") or {}
    fig = _figure("Claims around events (event-study profile)")
    if not (prof.get("relative") and prof.get("mean")):
        return _missing(fig, _not_stored(data, "event_study", "Event-study profile"))
    rel, mean = list(prof["relative"]), list(prof["mean"])
    lower, upper = prof.get("lower"), prof.get("upper")
    if lower and upper:
        _band(fig, rel, lower, upper, "rgba(192,57,43,0.2)", "95 % band")
    fig.add_scatter(
        x=rel, y=mean, mode="lines+markers", name="mean claims per day", line={"color": "#c0392b"}
    )
    baseline = prof.get("baseline")
    if isinstance(baseline, list) and baseline:
        fig.add_scatter(
            x=rel, y=baseline, mode="lines", name="baseline", line={"color": "#555", "dash": "dot"}
        )
    elif isinstance(baseline, int | float) and np.isfinite(baseline):
        fig.add_hline(
            y=float(baseline),
            line={"color": "#555", "dash": "dot"},
            annotation_text="baseline",
            annotation_position="top right",
        )
    fig.add_vline(x=0, line={"color": EVENT_COLOUR, "width": 2})
    win = window_bins(data)
    if win is not None:
        k = bins_per_day(data)
        fig.add_vrect(
            x0=win[0] // k - 0.5,
            x1=win[1] // k + 0.5,
            fillcolor=EVENT_COLOUR,
            opacity=0.1,
            layer="below",
        )
    fig.update_layout(
        height=360,
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": "days relative to event start (0 = event day)"}},
        yaxis={"title": {"text": "claims per day"}, "rangemode": "tozero"},
    )
    return fig


#: Null distributions longer than this (one value per shift: 87,000 for ten years of
#: hours) are drawn from counts per bin computed here rather than from every value.
MAX_NULL_VALUES = 2_000


def _binned_histogram(fig: FigureSpec, values: np.ndarray, unit_bins: bool) -> None:
    """Bars of the counts of ``values`` per bin (width 1 for narrow integer values)."""
    if unit_bins:
        edges = np.arange(values.min() - 0.5, values.max() + 1.5)
    else:
        edges = np.histogram_bin_edges(values, bins=min(100, max(10, int(values.size**0.5))))
    counts, edges = np.histogram(values, bins=edges)
    fig.add_bar(
        x=(edges[:-1] + edges[1:]) / 2,
        y=counts,
        width=np.diff(edges),
        customdata=np.column_stack([edges[:-1], edges[1:]]),
        hovertemplate="%{customdata[0]:.4g} to %{customdata[1]:.4g}: %{y} shifts<extra></extra>",
        name="null (shifted calendars)",
        marker={"color": "#95a5a6"},
    )
    fig.update_layout(bargap=0)


def _null_axis(test: str, result: dict[str, Any]) -> str:
    if test != "circular_shift":
        return "statistic for each shift of the calendar"
    what = "detrended claims" if result.get("detrend") else "claims"
    return f"{what} in the windows, for each shift of the calendar"


def null_distribution_figure(result: ResultLike, test: str = "circular_shift") -> go.Figure:
    """Histogram of ``tests[test]["null_distribution"]`` with the observed statistic.

    Examples
    --------
    >>> data = {"tests": {"t": {"statistic": 3.0, "pvalue": 0.5, "null_distribution": [1, 2, 3]}}}
    >>> len(null_distribution_figure(data, "t").data)
    1
    """
    return null_distribution_spec(result, test).figure()


def null_distribution_spec(result: ResultLike, test: str = "circular_shift") -> FigureSpec:
    """:func:`null_distribution_figure` as a plain figure dict builder."""
    data = as_data(result)
    result = (data.get("tests") or {}).get(test) or {}
    name = str(result.get("method") or test.replace("_", " "))
    fig = _figure(f"Null distribution: {name}")
    null = [v for v in result.get("null_distribution") or [] if isinstance(v, int | float)]
    if not null:
        return _missing(fig, f"No null distribution stored for {test!r} (re-run with full data).")
    values = np.asarray(null, dtype=np.float64)
    integral = bool(np.all(values == np.rint(values)))
    xbins = (
        {"size": 1, "start": float(values.min()) - 0.5}
        if integral and np.ptp(values) <= 200
        else None
    )
    if values.size <= MAX_NULL_VALUES:
        fig.add_histogram(
            x=values.tolist(),
            xbins=xbins,
            name="null (shifted calendars)",
            marker={"color": "#95a5a6"},
        )
    else:  # counted here: the page holds the bars, not one number per shift
        _binned_histogram(fig, values, bool(integral and np.ptp(values) <= 200))
    stat = result.get("statistic")
    if isinstance(stat, int | float) and np.isfinite(stat):
        p = result.get("pvalue")
        label = f"observed {stat:g}" + (f", p = {p:.3g}" if isinstance(p, int | float) else "")
        fig.add_vline(
            x=float(stat),
            line={"color": "#c0392b", "width": 3},
            annotation_text=esc(label),
            annotation_position="top right",
        )
    fig.update_layout(
        height=340,
        showlegend=False,
        xaxis={"title": {"text": _null_axis(test, result)}},
        yaxis={"title": {"text": "shifts"}},
    )
    return fig
