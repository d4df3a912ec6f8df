"""Figures for the optional parts of an analysis: the hypothesis scan and premature claims.

Like :mod:`timing.report.figures`, each figure takes an ``AnalysisResult`` or its
``to_dict(full=True)`` and returns a Plotly figure, saying on the figure what is missing
rather than failing. The helpers beside them give the page its words: which scan cells
are strongest and whether any survives the multiple-testing correction, and when the
premature-claims outcome does not vary (then the page says so instead of drawing bars).
Nothing here computes a statistic: cells are sorted and counted as the scan stored them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from timing.report._derive import ResultLike, as_data, bins_per_day, esc
from timing.report._spec import FigureSpec
from timing.report.figures import _figure, _missing

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "outcome_note",
    "premature_figure",
    "premature_spec",
    "scan_data",
    "scan_heatmap_figure",
    "scan_heatmap_spec",
    "scan_sentence",
    "scan_top_cells",
]

#: Most subsets (heatmap rows) shown, the strongest evidence (smallest q, then p) first.
MAX_SCAN_ROWS = 40
#: Cells listed in the report's table of the strongest scan cells.
TOP_CELLS = 10
#: The heatmap's colours: ColorBrewer's 9-class "Reds" (colorbrewer2.org, as plotly's
#: ``colorscale="Reds"`` expands it; plotly.js' own "Reds" differs, so the stops are given).
_REDS_9 = (
    "255,245,240 254,224,210 252,187,161 252,146,114 251,106,74 239,59,44 203,24,29 "
    "165,15,21 103,0,13"
)
REDS = tuple((i / 8, f"rgb({rgb})") for i, rgb in enumerate(_REDS_9.split()))


def scan_data(data: dict[str, Any]) -> dict[str, Any] | None:
    """The scan result dict, from ``data["scan"]`` or ``data["tests"]["scan"]``."""
    scan = data.get("scan")
    if not isinstance(scan, dict):
        scan = (data.get("tests") or {}).get("scan")
    return scan if isinstance(scan, dict) and scan.get("cells") else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _evidence(cell: dict[str, Any]) -> tuple[float, float, float]:
    """Sort key of a scan cell: BH q-value, then raw p, then the larger rate ratio first."""
    q, p, rr = _num(cell.get("q_bh")), _num(cell.get("pvalue")), _num(cell.get("rate_ratio"))
    return (
        math.inf if q is None else q,
        math.inf if p is None else p,
        math.inf if rr is None else -rr,
    )


def _cells(scan: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in scan.get("cells") or [] if isinstance(c, dict)]


def window_days(data: dict[str, Any], window: Any) -> int | float | None:
    """A scan cell's window (in bins, as stored) in days, for display.

    The analysis scans windows of whole days at any resolution, stored in bins.

    >>> window_days({"params": {"resolution": "hour"}}, 48), window_days({}, 3)
    (2, 3)
    """
    if window is None:
        return None
    days = int(window) / bins_per_day(data)
    return int(days) if days.is_integer() else round(days, 3)


def scan_top_cells(data: dict[str, Any], n: int = TOP_CELLS) -> list[dict[str, Any]]:
    """The ``n`` scan cells with the strongest evidence, for the report's table.

    Cells are ordered by their stored BH q-value, then raw p-value, then rate ratio
    (largest first); cells without a q-value come last.

    Returns
    -------
    list of dict
        Keys ``window`` (days, or ``None`` for the anticipation variant), ``actor``,
        ``claim_kind``, ``event_kind``, ``rate_ratio``, ``pvalue``, ``q_bh``, ``p_fwer``,
        ``n_claims``, ``n_events``, as stored. Empty without a scan.

    Examples
    --------
    >>> cells = [{"window": 1, "q_bh": 0.9, "pvalue": 0.5}, {"window": 2, "q_bh": 0.4,
    ...          "pvalue": 0.01}, {"window": None, "q_bh": 0.4, "pvalue": 0.02}]
    >>> [c["window"] for c in scan_top_cells({"scan": {"cells": cells}}, 2)]
    [2, None]
    """
    scan = scan_data(data)
    if scan is None:
        return []
    keys = (
        "window",
        "actor",
        "claim_kind",
        "event_kind",
        "rate_ratio",
        "pvalue",
        "q_bh",
        "p_fwer",
        "n_claims",
        "n_events",
    )
    ranked = sorted(_cells(scan), key=_evidence)[: max(int(n), 0)]
    return [
        {k: window_days(data, c.get(k)) if k == "window" else c.get(k) for k in keys}
        for c in ranked
    ]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def scan_sentence(data: dict[str, Any]) -> str | None:
    """One plain sentence on whether any scan cell survives the false discovery rate.

    The cell count is the scan's own ``n_tested`` (the number ``timing scan`` prints and
    the JSON holds); the survivors are its ``n_discoveries_bh`` at its ``alpha``.

    Examples
    --------
    >>> scan = {"n_tested": 416, "n_discoveries_bh": 0, "n_fwer": 0, "alpha": 0.05,
    ...         "cells": [{"q_bh": 0.46}, {"q_bh": 0.8}]}
    >>> scan_sentence({"scan": scan})[:62]
    'None of the 416 cells survives the false discovery rate at 5 %'
    """
    scan = scan_data(data)
    if scan is None:
        return None
    n = scan.get("n_tested")
    n = int(n) if isinstance(n, int) and not isinstance(n, bool) else len(_cells(scan))
    k = scan.get("n_discoveries_bh")
    alpha = _num(scan.get("alpha"))
    alpha = 0.05 if alpha is None else alpha
    level = f"at {alpha * 100:g} % (Benjamini-Hochberg q-value below {alpha:g}"
    if not isinstance(k, int) or isinstance(k, bool):
        return f"This scan of {_count(n, 'cell')} does not say how many survive the correction."
    if k == 0:
        qs = [q for q in (_num(c.get("q_bh")) for c in _cells(scan)) if q is not None]
        smallest = f"; the smallest is {min(qs):.2g}" if qs else ""
        return (
            f"None of the {_count(n, 'cell')} survives the false discovery rate {level}"
            f"{smallest}): in a scan this size some small p-values turn up by chance alone."
        )
    fwer = scan.get("n_fwer")
    strict = (
        f"; {fwer:,} of them also pass the stricter family-wise correction"
        if isinstance(fwer, int) and not isinstance(fwer, bool)
        else ""
    )
    verb = "survives" if k == 1 else "survive"
    return f"{k:,} of the {_count(n, 'cell')} {verb} the false discovery rate {level}){strict}."


def scan_heatmap_figure(result: ResultLike) -> go.Figure:
    """Heatmap of the scan: subsets (rows) by window length (columns), colour -log10 q_BH.

    Rows are ``actor / claim kind / event kind`` (``all`` pools a dimension), at most
    :data:`MAX_SCAN_ROWS` of them, the strongest evidence first (the smallest BH q-value
    of the row's cells, then the smallest p-value); the anticipation variant is the column
    ``ant.``. Hover shows the rate ratio, raw p, BH q-value and family-wise p.
    """
    return scan_heatmap_spec(result).figure()


def scan_heatmap_spec(result: ResultLike) -> FigureSpec:
    """:func:`scan_heatmap_figure` as a plain figure dict builder."""
    data = as_data(result)
    fig = _figure("Scan over windows and subsets (colour: -log10 of the BH q-value)")
    scan = scan_data(data)
    if scan is None:
        return _missing(fig, "No scan in this result.")
    cells = _cells(scan)

    def column(c: dict[str, Any]) -> str:
        return "ant." if c.get("window") is None else str(window_days(data, c["window"]))

    def row(c: dict[str, Any]) -> str:
        return " / ".join(str(c.get(k) or "all") for k in ("actor", "claim_kind", "event_kind"))

    best: dict[str, tuple[float, float, float]] = {}
    for c in cells:
        best[row(c)] = min(best.get(row(c), (math.inf,) * 3), _evidence(c))
    rows = sorted(best, key=lambda r: (best[r], r))[:MAX_SCAN_ROWS]
    windows = sorted({int(c["window"]) for c in cells if c.get("window") is not None})
    cols = [str(window_days(data, w)) for w in windows] + (
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
        colorscale=[list(stop) for stop in REDS],
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
        "premature (made before independent confirmation, or contested or refuted)",
    ),
    "disputed": (
        "Disputed claims (contested or refuted, rather than confirmed)",
        "disputed",
        "contested or refuted",
    ),
}


def _int(value: Any) -> int | None:
    number = _num(value)
    return int(number) if number is not None and number.is_integer() else None


def outcome_note(data: dict[str, Any], test: str = "premature") -> str | None:
    """Why the premature (or disputed) comparison is not drawn, in words; ``None`` to draw it.

    A chart of two shares needs both outcomes among the claims of known status and claims
    both inside and outside the windows. When the analysis marked the test not applicable,
    its reason is given; when the stored counts show that every (or no) claim had the
    outcome, or that every claim fell on one side of the windows, the note says so:
    two 100 % bars would look like a finding where there is no comparison at all.

    Examples
    --------
    >>> res = {"n_used": 12, "n_premature": 12, "n_in_window": 5, "share_in": 1.0,
    ...        "share_out": 1.0, "pvalue": 1.0}
    >>> outcome_note({"tests": {"disputed": res}}, "disputed")[:63]
    'All 12 claims of known status (5 of them in the windows) were c'
    >>> varies = dict(res, n_premature=7, share_in=0.8, share_out=0.43)
    >>> outcome_note({"tests": {"disputed": varies}}, "disputed") is None
    True
    """
    res = (data.get("tests") or {}).get(test)
    if not isinstance(res, dict):
        return None
    _, word, phrase = _OUTCOMES.get(test, _OUTCOMES["premature"])
    if res.get("applicable") is False:
        reason = str(res.get("reason") or f"the {word}-claims comparison does not apply here")
        return f"{reason[:1].upper()}{reason[1:].rstrip('.')}. No chart is drawn."
    n, k = _int(res.get("n_used")), _int(res.get("n_premature"))
    inside = _int(res.get("n_in_window"))
    s_in, s_out = _num(res.get("share_in")), _num(res.get("share_out"))
    claims = f"{n:,} claims of known status" if n is not None else "claims of known status"
    where = f" ({inside:,} of them in the windows)" if inside is not None else ""
    need = "a comparison needs both outcomes, so no chart is drawn"
    if (n is not None and k == n and n > 0) or (s_in == 1.0 and s_out == 1.0):
        return f"All {claims}{where} were {phrase}: {need}."
    if (n is not None and k == 0) or (s_in == 0.0 and s_out == 0.0):
        return f"None of the {claims}{where} were {phrase}: {need}."
    if n is not None and inside in (0, n):
        side = "outside" if inside == 0 else "inside"
        return (
            f"All {claims} fall {side} the windows: a comparison needs claims both inside "
            "and outside them, so no chart is drawn."
        )
    if s_in is None or s_out is None:
        return f"This result holds no shares of {word} claims inside and outside the windows."
    return None


def _caption(res: dict[str, Any]) -> str:
    """Axis caption under the bars: counts, odds ratio, p; every part with its own words."""
    n, inside = _int(res.get("n_used")), _int(res.get("n_in_window"))
    unknown = _int(res.get("n_unknown"))
    first = []
    if n is not None:
        first.append(
            f"{n:,} claims of known status"
            + (f" ({inside:,} in the windows)" if inside is not None else "")
        )
    if unknown:
        first.append(f"{unknown:,} of unknown status left out")
    effect, lo, hi = _num(res.get("effect")), _num(res.get("ci_low")), _num(res.get("ci_high"))
    if effect is None:
        odds = "odds ratio not estimable from these claims"
    else:
        odds = f"odds ratio {effect:.2f}" + (
            f" (95 % CI {lo:.2f} to {hi:.2f})" if lo is not None and hi is not None else ""
        )
    second = [odds]
    p, shifts = _num(res.get("pvalue")), _int(res.get("n_shifts"))
    if p is not None:
        second.append(
            f"circular-shift p = {p:.3g}" + (f" over {shifts:,} shifts" if shifts else "")
        )
    return "<br>".join(esc("; ".join(part)) for part in (first, second) if part)


def premature_figure(result: ResultLike, test: str = "premature") -> go.Figure:
    """Share of premature (or disputed) claims inside vs outside the pre-event windows.

    Reads ``data["tests"][test]`` (``share_in``, ``share_out``, ``window``, counts, and
    the ``sensitivity`` variants with unknown-status claims counted one way or the other);
    ``test`` is ``"premature"`` or ``"disputed"``. When the outcome does not vary (see
    :func:`outcome_note`) the figure holds that sentence instead of bars. The axis caption
    gives the claim counts, the odds ratio (or that it is not estimable) and the p-value.
    """
    return premature_spec(result, test).figure()


def premature_spec(result: ResultLike, test: str = "premature") -> FigureSpec:
    """:func:`premature_figure` as a plain figure dict builder."""
    data = as_data(result)
    title, word, _ = _OUTCOMES.get(test, _OUTCOMES["premature"])
    fig = _figure(title)
    res = (data.get("tests") or {}).get(test)
    if not isinstance(res, dict):
        return _missing(fig, f"No {word}-claims analysis in this result.")
    note = outcome_note(data, test)
    if note is not None:
        return _missing(fig, note)
    window = res.get("window")
    labels = [f"in the {esc(window)} days before events", "at other times"]
    fig.add_bar(
        x=labels,
        y=[_num(res.get("share_in")), _num(res.get("share_out"))],
        name="claims with known status",
        marker={"color": ["#c0392b", "#95a5a6"]},
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
    fig.update_layout(
        height=400,
        margin={"b": 120},
        legend={"orientation": "h", "y": -0.38},
        yaxis={"title": {"text": f"share {word}"}, "tickformat": ".0%", "rangemode": "tozero"},
        xaxis={"title": {"text": _caption(res)}},
    )
    return fig
