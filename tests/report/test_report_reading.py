"""Issue 14, report items, in the HTML (no browser): the premature caption and its no-variation
sentence, the scan's evidence order, top-cells table and survivor sentence (with the same cell
count as the scan's JSON and `timing scan`), and the event-window attributes of table rows."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from timing.report.extras import (
    outcome_note,
    premature_figure,
    scan_heatmap_figure,
    scan_sentence,
    scan_top_cells,
)
from timing.report.highlight import event_windows
from timing.report.page import render_report

DISPUTED = {
    "method": "Disputed claims",
    "pvalue": 1.0,
    "effect": None,
    "window": 3,
    "n_used": 12,
    "n_unknown": 30,
    "n_premature": 12,
    "n_in_window": 5,
    "share_in": 1.0,
    "share_out": 1.0,
    "n_shifts": 400,
}


class Rows(HTMLParser):
    """Attributes and ``<td>`` texts of every ``<tr>`` inside the element with id ``target``."""

    def __init__(self, target: str) -> None:
        super().__init__(convert_charrefs=True)
        self.target, self.depth, self.rows = target, 0, []  # type: list[dict[str, Any]]
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag not in ("br", "img", "meta", "input")
            if tag == "tr":
                self.rows.append({"attrs": dict(attrs), "cells": []})
            elif tag == "td":  # header cells (th) are not collected
                self.cell = []
        elif dict(attrs).get("id") == self.target:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            if tag == "td" and self.cell is not None and self.rows:
                self.rows[-1]["cells"].append("".join(self.cell).strip())
                self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def rows_of(page: str, target: str) -> list[dict[str, Any]]:
    parser = Rows(target)
    parser.feed(page)
    return [r for r in parser.rows if r["cells"]]


@pytest.fixture(scope="module")
def page(bundled: dict[str, Any]) -> str:
    """The bundled report, rendered from its JSON round trip (what `timing report` reads)."""
    return render_report(json.loads(json.dumps(bundled)), plotlyjs="cdn")


# --- 1. premature / disputed ------------------------------------------------------------


def test_caption_always_has_its_text_before_the_semicolon() -> None:
    variants = [
        {},
        {"effect": 1.8, "ci_low": 0.9, "ci_high": 3.4},
        {"pvalue": None},
        {"n_used": None, "n_in_window": None, "n_unknown": None},
    ]
    for change in variants:
        res = dict(DISPUTED, n_premature=9, share_in=1.0, share_out=0.57, **change)
        caption = premature_figure({"tests": {"disputed": res}}, "disputed").layout.xaxis.title.text
        lines = caption.split("<br>")
        assert all(line and not line.startswith((";", " ")) for line in lines), caption
        assert "odds ratio" in caption
    caption = premature_figure(
        {"tests": {"disputed": dict(DISPUTED, n_premature=9, share_out=0.57)}}, "disputed"
    ).layout.xaxis.title.text
    assert caption == (
        "12 claims of known status (5 in the windows); 30 of unknown status left out<br>"
        "odds ratio not estimable from these claims; circular-shift p = 1 over 400 shifts"
    )


def test_no_variation_is_said_in_words_not_drawn() -> None:
    data = {"tests": {"disputed": DISPUTED}}
    note = outcome_note(data, "disputed")
    assert note == (
        "All 12 claims of known status (5 of them in the windows) were contested or refuted: "
        "a comparison needs both outcomes, so no chart is drawn."
    )
    fig = premature_figure(data, "disputed")
    assert len(fig.data) == 0 and fig.layout.annotations[0].text == note
    page = render_report(data, plotlyjs="cdn")
    assert 'aria-label="Disputed claims"' not in page  # no two 100 % bars
    assert f'<p class="outcome-note" id="disputed-note">{note}</p>' in page
    none = dict(DISPUTED, n_premature=0, share_in=0.0, share_out=0.0)
    assert outcome_note({"tests": {"disputed": none}}, "disputed").startswith(
        "None of the 12 claims of known status"
    )
    outside = dict(DISPUTED, n_premature=4, n_in_window=0, share_in=None, share_out=0.33)
    assert "fall outside the windows" in outcome_note({"tests": {"disputed": outside}}, "disputed")


def test_not_applicable_outcome_gives_the_analysis_reason(
    bundled: dict[str, Any], page: str
) -> None:
    entry = bundled["tests"]["premature"]
    assert entry["applicable"] is False  # the bundled data: every known claim is premature
    assert 'aria-label="Premature claims"' not in page
    reason = entry["reason"]
    assert f"{reason[:1].upper()}{reason[1:]}. No chart is drawn." in page
    # the disputed outcome varies there: drawn, with its full caption
    assert 'aria-label="Disputed claims"' in page
    caption = premature_figure(bundled, "disputed").layout.xaxis.title.text
    assert caption.startswith(f"{bundled['tests']['disputed']['n_used']} claims of known status")


# --- 2. scan --------------------------------------------------------------------------------


def _cell(window: int | None, actor: str, q: float, p: float, rr: float = 1.2) -> dict:
    return {
        "window": window,
        "actor": actor,
        "claim_kind": "all",
        "event_kind": "all",
        "rate_ratio": rr,
        "pvalue": p,
        "q_bh": q,
        "p_fwer": min(1.0, 20 * p),
        "n_claims": 10,
        "n_events": 3,
    }


def _scan(cells: list[dict], found: int = 0) -> dict[str, Any]:
    return {
        "scan": {
            "cells": cells,
            "n_tested": len(cells),
            "n_cells": len(cells) + 1,
            "n_skipped": 1,
            "n_discoveries_bh": found,
            "n_fwer": 0,
            "alpha": 0.05,
        }
    }


def test_scan_rows_and_top_cells_are_sorted_by_evidence() -> None:
    cells = [
        _cell(1, "A", 0.9, 0.5),
        _cell(2, "A", 0.8, 0.3),
        _cell(1, "B", 0.6, 0.04),
        _cell(2, "B", 0.6, 0.02, rr=2.0),
        _cell(None, "C", 0.7, 0.001),  # smallest p, but a larger q than B's
        _cell(1, "D", 0.6, 0.02, rr=3.0),
    ]
    data = _scan(cells)
    rows = list(scan_heatmap_figure(data).data[0].y)
    assert rows == ["D / all / all", "B / all / all", "C / all / all", "A / all / all"]
    top = scan_top_cells(data, 4)
    assert [(c["actor"], c["window"]) for c in top] == [("D", 1), ("B", 2), ("B", 1), ("C", None)]
    # brute force: the order is (q, p, -rate ratio) over every cell
    order = sorted(cells, key=lambda c: (c["q_bh"], c["pvalue"], -c["rate_ratio"]))
    assert [c["actor"] for c in scan_top_cells(data, 99)] == [c["actor"] for c in order]


def test_scan_sentence_says_whether_anything_survives() -> None:
    cells = [_cell(w, "A", 0.3 + w / 100, 0.01 * w) for w in range(1, 7)]
    assert scan_sentence(_scan(cells)).startswith(
        "None of the 6 cells survives the false discovery rate at 5 % "
        "(Benjamini-Hochberg q-value below 0.05; the smallest is 0.31)"
    )
    assert scan_sentence(_scan(cells, found=2)) == (
        "2 of the 6 cells survive the false discovery rate at 5 % (Benjamini-Hochberg q-value "
        "below 0.05); 0 of them also pass the stricter family-wise correction."
    )
    assert scan_sentence(_scan(cells[:1], found=1)).startswith("1 of the 1 cell survives")
    assert scan_sentence({}) is None and scan_top_cells({}) == []


def test_page_cell_count_equals_the_scan_json(bundled: dict[str, Any], page: str) -> None:
    scan = json.loads(json.dumps(bundled))["scan"]
    n = scan["n_tested"]
    assert n == len(scan["cells"])
    counts = {int(m.replace(",", "")) for m in re.findall(r"([\d,]+) cells tested", page)}
    assert counts == {n}
    verdict = re.search(r'<p class="verdict" id="scan-verdict">(.*?)</p>', page)
    assert verdict is not None
    if scan["n_discoveries_bh"] == 0:
        assert verdict.group(1).startswith(f"None of the {n:,} cells survives")
    else:
        assert verdict.group(1).startswith(f"{scan['n_discoveries_bh']:,} of the {n:,} cells")
    table = rows_of(page, "scan-top")
    assert len(table) == 10
    inf = float("inf")

    def evidence(c: dict[str, Any]) -> tuple[float, float, float]:  # None sorts last
        rr = c["rate_ratio"]
        return (c["q_bh"], c["pvalue"], inf if rr is None else -rr)

    best = sorted(scan["cells"], key=evidence)[:10]
    assert [r["cells"][6] for r in table] == [f"{c['q_bh']:.3f}" for c in best]
    assert [r["cells"][5] for r in table] == [f"{c['pvalue']:.3f}" for c in best]


def test_timing_scan_counts_the_same_cells(bundled: dict[str, Any]) -> None:
    """`timing scan` over the analysis's windows reports the page's count (issue 14)."""
    from typer.testing import CliRunner

    from timing.cli import app

    max_window = bundled["params"]["scan_max_window"]
    run = CliRunner().invoke(app, ["scan", "--windows", f"1:{max_window}", "--json"])
    assert run.exit_code == 0, run.output
    cli = json.loads(run.stdout)
    assert cli["n_tested"] == bundled["scan"]["n_tested"] == len(cli["cells"])


# --- 3. event windows on table rows ----------------------------------------------------------


def test_rows_carry_their_event_window(bundled: dict[str, Any], page: str) -> None:
    rows = [r for r in rows_of(page, "per-event") if "data-event" in r["attrs"]]
    assert len(rows) == len(bundled["per_event"]) == len(bundled["events"])
    seed = next(r["attrs"] for r in rows if r["attrs"]["data-date"] == "2025-12-02")
    assert (seed["data-x0"], seed["data-x1"]) == ("2025-11-29", "2025-12-02")  # days -3..-1
    assert (seed["data-e0"], seed["data-e1"]) == ("2025-12-02", "2025-12-03")
    assert seed["data-label"].endswith("(2025-12-02): window 2025-11-29 to 2025-12-01")
    assert seed["tabindex"] == "0"
    # the page's controls: a hidden bar with a clear button until something is highlighted
    assert re.search(r'<p class="highlight-bar" id="timeline-highlight" hidden>', page)
    assert '<button type="button" id="timeline-clear">Clear highlight</button>' in page


def test_event_windows_follow_offsets_anticipation_and_hours() -> None:
    events = [
        {"event_id": "a", "date": "2025-03-10", "announced_date": "2025-03-01", "title": "T"},
        {"event_id": "b", "date": "2025-03-10", "end_date": "2025-03-12"},
        {"event_id": "c", "date": None},
    ]
    w = event_windows({"events": events, "params": {"offsets": [-7, -2]}})
    assert set(w) == {"a", "b"}
    assert (w["a"]["x0"], w["a"]["x1"]) == ("2025-03-03", "2025-03-09")
    assert (w["b"]["e0"], w["b"]["e1"]) == ("2025-03-10", "2025-03-13")
    w = event_windows({"events": events, "params": {"anticipation": True}})
    assert (w["a"]["x0"], w["a"]["x1"]) == ("2025-03-01", "2025-03-10")
    assert w["b"]["x0"] == "" and "no window" in w["b"]["label"]
    hourly = {"events": [{"event_id": "h", "date": "2025-03-10T12:00"}]}
    hourly["params"] = {"offsets": [-1, -1], "resolution": "hour"}
    w = event_windows(hourly)["h"]
    assert (w["x0"], w["x1"]) == ("2025-03-09 12:00", "2025-03-10 12:00")


def test_event_labels_are_escaped(xss_data: dict[str, Any]) -> None:
    from tests.report.conftest import PAYLOADS

    page = render_report(copy.deepcopy(xss_data), plotlyjs="cdn")
    labels = re.findall(r'data-label="([^"]*)"', page)
    assert labels and all("<" not in label and ">" not in label for label in labels)
    assert any("&lt;img src=x onerror=" in label for label in labels)
    for payload in PAYLOADS:
        assert payload not in page


def test_influence_rows_are_clickable_too(bundled: dict[str, Any]) -> None:
    seed = next(e for e in bundled["events"] if e["date"] == "2025-12-02")
    left_out = {"event_id": seed["event_id"], "date": seed["date"], "title": seed["title"]}
    data = dict(bundled, robustness={"curve": {}, "influence": {"events": [left_out]}})
    rows = rows_of(render_report(data, plotlyjs="cdn"), "robustness")
    marked = [r["attrs"] for r in rows if "data-event" in r["attrs"]]
    assert len(marked) == 1 and marked[0]["data-event"] == seed["event_id"]
    assert (marked[0]["data-x0"], marked[0]["data-x1"]) == ("2025-11-29", "2025-12-02")


def test_no_folder_of_the_analysts_machine_in_the_page(bundled: dict[str, Any], page) -> None:
    from pathlib import Path

    for name in ("claims", "events"):
        path = Path(bundled["inputs"][name])
        assert path.is_absolute() and str(path.parent) not in page
        assert path.name in page  # the footer names the file, beside its SHA-256
    assert bundled["inputs"]["sha256"]["claims"] in page
