"""The HTML page: section order, escaping of every data string, atomic writes, file names."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.report.conftest import JS_URL, PAYLOADS
from timing.errors import TimingInputError
from timing.report.page import (
    default_report_path,
    export_static,
    render_report,
    safe_url,
    write_report,
)

STAMP = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
SECTIONS = (
    "headline",
    "timeline",
    "lags",
    "event-study",
    "tests",
    "per-event",
    "accounting",
    "methods",
    "reproducibility",
)


def _json_scripts(page: str) -> list[Any]:
    blocks = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S)
    return [json.loads(b) for b in blocks]


def _attributes(page: str) -> list[str]:
    """Every attribute name of every tag, as a browser's tokenizer reads them."""
    from html.parser import HTMLParser

    names: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            names.extend(name.lower() for name, _ in attrs)

    Collect(convert_charrefs=True).feed(page)
    return names


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_sections_in_order_with_headline_and_seed_case(bundled: dict[str, Any]) -> None:
    page = render_report(bundled, plotlyjs="cdn", generated=STAMP)
    positions = [page.index(f'id="{name}"') for name in SECTIONS]
    assert positions == sorted(positions)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert bundled["headline"] in page
    row = re.search(
        r"<tr[^>]*>\s*<td[^>]*>2025-12-02</td>\s*<td>Witkoff and Kushner.*?</tr>", page, re.S
    )
    assert row is not None and "Pokrovsk" in row.group(0)
    for digest in bundled["inputs"]["sha256"].values():
        assert digest in page
    assert (
        "Generated 2026-01-02 03:04 UTC" in page and f"timing {bundled['timing_version']}" in page
    )
    figures = _json_scripts(page)
    assert len(figures) == page.count('class="plot"') >= 4
    assert all("data" in f and "layout" in f for f in figures)


def test_inline_report_needs_no_network(bundled: dict[str, Any]) -> None:
    from plotly.offline import get_plotlyjs

    page = render_report(bundled, generated=STAMP)
    assert get_plotlyjs()[:200] in page
    assert re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page) is None
    assert "@import" not in page and "fonts.googleapis" not in page


def test_cdn_and_directory_modes(bundled: dict[str, Any], tmp_path: Path) -> None:
    page = render_report(bundled, plotlyjs="cdn")
    assert re.search(
        r'<script charset="utf-8" src="https://cdn\.plot\.ly/plotly-[\d.]+\.min\.js" '
        r'integrity="sha384-',
        page,
    )
    path = write_report(bundled, tmp_path / "out" / "r.html", plotlyjs="directory")
    assert (path.parent / "plotly.min.js").stat().st_size > 1_000_000
    assert '<script charset="utf-8" src="plotly.min.js"></script>' in path.read_text()
    with pytest.raises(TimingInputError, match="plotlyjs"):
        render_report(bundled, plotlyjs="nowhere")  # type: ignore[arg-type]


def test_payloads_are_escaped_everywhere(xss_data: dict[str, Any]) -> None:
    data = dict(xss_data, dataset=PAYLOADS[1], caution=PAYLOADS[0])
    page = render_report(data, plotlyjs="cdn", generated=STAMP)
    for payload in PAYLOADS:
        assert payload not in page
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in page  # the caution
    assert "&lt;img src=x onerror=" in page  # title and dataset name
    # only our own script tags: plotly loader, one JSON block per figure, the bootstrap
    assert page.lower().count("<script") == 2 + page.count('class="plot"')
    assert not [a for a in _attributes(page) if a.startswith("on")]  # no event-handler attribute
    assert 'href="javascript' not in page.lower()
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    # Plotly text in the embedded figures is escaped too
    for text in (s for fig in _json_scripts(page) for s in _strings(fig)):
        assert "<script" not in text and "<img" not in text
    # the rejected row's bad value is listed, escaped
    assert xss_data["rows"]["claims"]["rejected"] == 1
    assert "&lt;script&gt;document.title" in page.split('id="accounting"')[1]


def test_safe_url() -> None:
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url("HTTP://example.org") == "HTTP://example.org"
    for bad in (
        JS_URL,
        " javascript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "ftp://x",
        "https://exa mple.org",
        "https://x\ny",
        None,
        3,
    ):
        assert safe_url(bad) is None


def test_json_roundtrip_renders_the_same(bundled: dict[str, Any]) -> None:
    """``timing report RESULT.json`` re-renders from saved output."""
    again = json.loads(json.dumps(bundled))
    assert render_report(again, plotlyjs="cdn", generated=STAMP) == render_report(
        bundled, plotlyjs="cdn", generated=STAMP
    )


def test_render_tolerates_missing_keys(bundled: dict[str, Any]) -> None:
    from timing.analysis import analyze

    for data in ({}, {"tests": {}, "params": {"anticipation": True}}, analyze().to_dict()):
        page = render_report(data, plotlyjs="cdn", generated=STAMP)
        assert "</html>" in page
    assert "No event rows in this result" in render_report({}, plotlyjs="cdn")
    with pytest.raises(TimingInputError, match="expected an AnalysisResult or its to_dict"):
        render_report([])  # type: ignore[arg-type]


def test_write_is_atomic_and_leaves_no_temp_file(
    bundled: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a" / "b" / "report.html"
    path = write_report(bundled, target, plotlyjs="cdn")
    assert path == target and sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)
    before = target.read_text()

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_report({}, target, plotlyjs="cdn")
    assert target.read_text() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_default_report_path(bundled: dict[str, Any]) -> None:
    assert default_report_path(bundled) == Path("reports/ru-ua-2025-w3.html")
    assert default_report_path({"params": {"anticipation": True}}, root="x") == Path(
        "x/custom-anticipation.html"
    )
    assert default_report_path({"dataset": "../a b", "params": {"offsets": [-7, -1]}}) == Path(
        "reports/a-b-w7.html"
    )
    assert default_report_path({"params": {"offsets": [-5, 2]}}).name == "custom-o-5to2.html"


@pytest.mark.skipif(importlib.util.find_spec("kaleido") is not None, reason="kaleido installed")
def test_export_static_without_kaleido(tmp_path: Path) -> None:
    from timing.report.figures import timeline_figure

    with pytest.raises(TimingInputError, match="kaleido"):
        export_static(timeline_figure({}), tmp_path / "x.png")
    with pytest.raises(TimingInputError, match=r"\.png"):
        export_static(timeline_figure({}), tmp_path / "x.txt")


def test_shared_report_shows_file_names_not_folders(tmp_path) -> None:
    """A report sent to someone names the input files and their SHA-256, never the folders
    of the analyst's machine."""
    from timing.analysis import analyze
    from timing.datasets import dataset_path
    from timing.report import write_report

    folder = dataset_path("ru-ua-2025").resolve()
    result = analyze(folder / "claims.csv", folder / "events.csv")
    page = write_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    assert str(folder) not in page
    assert "claims.csv" in page and result.inputs["sha256"]["claims"] in page
    assert "--claims claims.csv --events events.csv" in page


def test_source_links_show_the_site_and_keep_the_url_in_the_title(tmp_path) -> None:
    from timing.analysis import analyze
    from timing.report import write_report

    page = write_report(analyze(), tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'title="https://www.rferl.org/a/russia-putin-pokrovsk-witkoff-kremlin-ukraine/' in page
    assert ">rferl.org</a>" in page
    assert ">https://www.rferl.org" not in page  # the long URL is no longer the link text


def test_scan_sentence_gives_the_count_and_its_definition(tmp_path) -> None:
    from timing.analysis import AnalysisConfig, analyze
    from timing.report import write_report

    result = analyze(config=AnalysisConfig(n_boot=50, scan_max_window=7))
    page = write_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    n = result.scan.n_tested
    assert f"{n:,} cells tested (windows of 1 to 7 days and the anticipation window" in page
