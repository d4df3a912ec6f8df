"""Figures for the optional parts of an analysis: the hypothesis scan and premature claims.

Like :mod:`timing.report.figures`, each figure takes an ``AnalysisResult`` or its
``to_dict(full=True)`` and returns a Plotly figure, saying on the figure what is missing
rather than failing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from timing.report._derive import ResultLike, as_data, esc
from timing.report.figures import _figure, _missing

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["premature_figure", "scan_data", "scan_heatmap_figure"]

#: Most subsets (heatmap rows) shown, those with the smallest p-values first.
MAX_SCAN_ROWS = 40


def scan_data(data: dict[str, Any]) -> dict[str, Any] | None:
    """The scan result dict, from ``data["scan"]`` or ``data["tests"]["scan"]``."""
    scan = data.get("scan")
    if not isinstance(scan, dict):
        scan = (data.get("tests") or {}).get("scan")
    return scan if isinstance(scan, dict) and scan.get("cells") else None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def scan_heatmap_figure(result: ResultLike) -> go.Figure:
    """Heatmap of the scan: subsets (rows) by window length (columns), colour -log10 q_BH.

    Rows are ``actor / claim kind / event kind`` (``all`` pools a dimension), at most
    :data:`MAX_SCAN_ROWS` of them with the smallest p-values; the anticipation variant is
    the column ``ant.``. Hover shows the rate ratio, raw p, BH q-value and family-wise p.
    """
    data = as_data(result)
    fig = _figure("Scan over windows and subsets (colour: -log10 of the BH q-value)")
    scan = scan_data(data)
    if scan is None:
        return _missing(fig, "No scan in this result.")
    cells = [c for c in scan["cells"] if isinstance(c, dict)]

    def column(c: dict[str, Any]) -> str:
        return "ant." if c.get("window") is None else str(c["window"])

    def row(c: dict[str, Any]) -> str:
        return " / ".join(str(c.get(k) or "all") for k in ("actor", "claim_kind", "event_kind"))

    best: dict[str, float] = {}
    for c in cells:
        p = _num(c.get("pvalue"))
        best[row(c)] = min(best.get(row(c), 1.0), 1.0 if p is None else p)
    rows = sorted(best, key=lambda r: (best[r], r))[:MAX_SCAN_ROWS]
    windows = sorted({int(c["window"]) for c in cells if c.get("window") is not None})
    cols = [str(w) for w in windows] + (
        ["ant."] if any(c.get("window") is None for c in cells) else []
    )
    z: list[list[float | None]] = [[None] * len(cols) for _ in rows]
    text = [[""] * len(cols) for _ in rows]
    index_r, index_c = {r: i for i, r in enumerate(rows)}, {c: j for j, c in enumerate(cols)}
    for c in cells:
        i, j = index_r.get(row(c)), index_c.get(column(c))
        if i is None or j is None:
            continue
        q = _num(c.get("q_bh"))
        z[i][j] = None if q is None else -math.log10(max(q, 1e-12))
        rr, p, fw = _num(c.get("rate_ratio")), _num(c.get("pvalue")), _num(c.get("p_fwer"))
        text[i][j] = (
            f"{esc(row(c))}<br>window {esc(column(c))}<br>rate ratio "
            f"{'–' if rr is None else f'{rr:.2f}'}<br>p {'–' if p is None else f'{p:.3g}'}, "
            f"q_BH {'–' if q is None else f'{q:.3g}'}, p_FWER {'–' if fw is None else f'{fw:.3g}'}"
            f"<br>{esc(c.get('n_claims'))} claims, {esc(c.get('n_events'))} events"
        )
    fig.add_heatmap(
        x=cols,
        y=[esc(r) for r in rows],
        z=z,
        hovertext=text,
        hoverinfo="text",
        colorscale="Reds",
        zmin=0,
        zmax=max(2.0, max((v for r in z for v in r if v), default=0)),
        colorbar={"title": {"text": "-log10 q"}},
    )
    fig.update_layout(
        height=max(320, 28 * len(rows) + 140),
        xaxis={"title": {"text": "window (days before the event)"}, "type": "category"},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    return fig


_OUTCOMES = {
    "premature": (
        "Premature claims (made before independent confirmation, or refuted)",
        "premature",
    ),
    "disputed": ("Disputed claims (contested or refuted, rather than confirmed)", "disputed"),
}


def premature_figure(result: ResultLike, test: str = "premature") -> go.Figure:
    """Share of premature (or disputed) claims inside vs outside the pre-event windows.

    Reads ``data["tests"][test]`` (``share_in``, ``share_out``, ``window``, and the
    ``sensitivity`` variants with unknown-status claims counted one way or the other);
    ``test`` is ``"premature"`` or ``"disputed"``.
    """
    data = as_data(result)
    title, word = _OUTCOMES.get(test, _OUTCOMES["premature"])
    fig = _figure(title)
    res = (data.get("tests") or {}).get(test)
    if not isinstance(res, dict) or _num(res.get("share_in")) is None:
        return _missing(fig, f"No {word}-claims analysis in this result.")
    window = res.get("window")
    labels = [f"in the {esc(window)} days before events", "at other times"]
    fig.add_bar(
        x=labels,
        y=[_num(res.get("share_in")), _num(res.get("share_out"))],
        name="claims with known status",
        marker_color=["#c0392b", "#95a5a6"],
    )
    for key, name in (
        ("all_premature", f"unknown counted {word}"),
        ("none_premature", f"unknown counted not {word}"),
    ):
        alt = (res.get("sensitivity") or {}).get(key) or {}
        if _num(alt.get("share_in")) is not None and _num(alt.get("share_out")) is not None:
            fig.add_scatter(
                x=labels,
                y=[alt["share_in"], alt["share_out"]],
                mode="markers",
                name=esc(name),
                marker={"size": 11, "symbol": "line-ew-open"},
            )
    p, effect = _num(res.get("pvalue")), _num(res.get("effect"))
    note = f"odds ratio {effect:.2f}" if effect is not None else ""
    note += f"; circular-shift p = {p:.3g}" if p is not None else ""
    fig.update_layout(
        height=340,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"title": {"text": f"share {word}"}, "tickformat": ".0%", "rangemode": "tozero"},
        xaxis={"title": {"text": esc(note)}},
    )
    return fig
