"""The robustness part of the report: specification curve, influence table, tipping point.

Like :mod:`timing.report.figures`, each function takes ``AnalysisResult.to_dict(full=True)``
(with the ``"robustness"`` key of ``timing analyze --robustness``) and tolerates its absence.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from timing.report._derive import esc
from timing.report._spec import FigureSpec
from timing.report.figures import LAYOUT, _figure, _missing

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "influence_rows",
    "robustness_data",
    "specification_curve_figure",
    "specification_curve_spec",
]

#: Dimensions of the lower panel, in order, with their labels.
DIMENSIONS = (
    ("window", "window"),
    ("detrend", "detrend"),
    ("event_kind", "event kind"),
    ("claim_kind", "claim kind"),
    ("actor", "actor"),
    ("period", "period"),
)
#: Rows of the influence table shown in the report (largest changes first).
INFLUENCE_ROWS = 10
SIGNIFICANT = "#c0392b"
NOT_SIGNIFICANT = "#7f8c8d"


def robustness_data(data: dict[str, Any]) -> dict[str, Any] | None:
    """The ``"robustness"`` block of the result, if it has a specification curve."""
    robust = data.get("robustness")
    if not isinstance(robust, dict) or not isinstance(robust.get("curve"), dict):
        return None
    return robust


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _choice_label(dim: str, value: Any) -> str:
    if dim == "window":
        return "anticipation" if value == "anticipation" else f"{value} d before"
    if dim == "detrend":
        return "no detrending" if value in (0, "0") else f"{value}-day trend removed"
    return str(value)


def specification_curve_figure(data: dict[str, Any]) -> go.Figure:
    """Two-panel specification curve.

    Top: each specification's rate ratio, sorted, red where ``p < alpha`` (the analysis's
    own specification ringed). Bottom: the choices each specification made, one row per
    level of each dimension (dimensions with one level are left out).
    """
    return specification_curve_spec(data).figure()


def specification_curve_spec(data: dict[str, Any]) -> FigureSpec:
    """:func:`specification_curve_figure` as a plain figure dict builder."""
    robust = robustness_data(data)
    curve = (robust or {}).get("curve") or {}
    specs = [s for s in curve.get("specs") or [] if isinstance(s, dict)]
    if not specs:
        message = "No specification curve in this result (timing analyze --robustness)."
        return _missing(_figure(), message)
    alpha = _num(curve.get("alpha")) or 0.05
    order = sorted(
        range(len(specs)), key=lambda i: (_num(specs[i].get("rate_ratio")) or math.inf, i)
    )
    specs = [specs[i] for i in order]
    x = list(range(1, len(specs) + 1))
    dims = [(key, label) for key, label in DIMENSIONS if len({str(s.get(key)) for s in specs}) > 1]
    rows: list[tuple[str, str, Any]] = []
    for key, label in dims:
        levels = (curve.get("levels") or {}).get(key) or sorted({str(s.get(key)) for s in specs})
        rows += [(key, f"{label}: {esc(_choice_label(key, v))}", v) for v in levels]
    fig = FigureSpec()
    fig.make_rows([0.45, 0.55], spacing=0.04)
    sig = [(_num(s.get("pvalue")) or 1.0) < alpha for s in specs]
    hover = [
        "<br>".join(
            [
                f"rate ratio {_fmt(s.get('rate_ratio'))}, p = {_fmt(s.get('pvalue'), 3)}",
                *(f"{label}: {esc(_choice_label(key, s.get(key)))}" for key, label in DIMENSIONS),
                f"{esc(s.get('n_claims'))} claims, {esc(s.get('n_events'))} events",
            ]
        )
        for s in specs
    ]
    for flag, colour, name in (
        (True, SIGNIFICANT, f"p < {alpha:g}"),
        (False, NOT_SIGNIFICANT, f"p ≥ {alpha:g}"),
    ):
        idx = [i for i, f in enumerate(sig) if f == flag]
        fig.add_scatter(
            x=[x[i] for i in idx],
            y=[_num(specs[i].get("rate_ratio")) for i in idx],
            mode="markers",
            marker={"color": colour, "size": 5},
            name=name,
            hovertext=[hover[i] for i in idx],
            hoverinfo="text",
            row=1,
        )
    primary = [i for i, s in enumerate(specs) if s.get("primary")]
    if primary:
        i = primary[0]
        fig.add_scatter(
            x=[x[i]],
            y=[_num(specs[i].get("rate_ratio"))],
            mode="markers",
            marker={"color": "rgba(0,0,0,0)", "size": 13, "line": {"color": "#2471a3", "width": 2}},
            name="this analysis",
            hovertext=[hover[i]],
            hoverinfo="text",
            row=1,
        )
    fig.add_hline(y=1.0, line={"color": "#555", "dash": "dot"}, row=1)
    for key, label, value in rows:
        idx = [i for i, s in enumerate(specs) if str(s.get(key)) == str(value)]
        fig.add_scatter(
            x=[x[i] for i in idx],
            y=[label] * len(idx),
            mode="markers",
            marker={
                "symbol": "line-ns-open",
                "size": 8,
                "color": [SIGNIFICANT if sig[i] else NOT_SIGNIFICANT for i in idx],
            },
            showlegend=False,
            hoverinfo="skip",
            row=2,
        )
    joint = _fmt(curve.get("joint_pvalue"), 3)
    fig.update_layout(
        **LAYOUT,
        title={"text": esc(f"Specification curve: {len(specs)} specifications, joint p = {joint}")},
        height=max(480, 300 + 22 * len(rows)),
        legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"},
    )
    fig.update_yaxes(title={"text": "rate ratio"}, type="log", row=1)
    fig.update_yaxes(
        type="category",
        autorange="reversed",
        categoryorder="array",
        categoryarray=[r[1] for r in rows],
        tickmode="array",
        tickvals=[r[1] for r in rows],
        tickfont={"size": 11},
        automargin=True,
        row=2,
    )
    fig.update_xaxes(title={"text": "specifications, sorted by rate ratio"}, row=2)
    return fig


def _fmt(value: Any, digits: int = 2) -> str:
    v = _num(value)
    if v is None:
        return "–"
    return f"{v:.{digits}g}" if digits == 3 else f"{v:.{digits}f}"


def influence_rows(data: dict[str, Any], n: int = INFLUENCE_ROWS) -> list[dict[str, Any]]:
    """The ``n`` events whose removal changes the primary result most (crossings first)."""
    robust = robustness_data(data)
    events = ((robust or {}).get("influence") or {}).get("events") or []
    return [e for e in events if isinstance(e, dict)][:n]
