"""Issue 14 in a real browser: clicking an event highlights its window on the timeline, the
clear control removes it, and the premature/disputed caption is drawn in full.

One headless Chromium run (networking closed) of the bundled report with a probe script
appended: it clicks like a reader would (``element.click()`` dispatches a real click event to
the page's own handlers), then writes what the timeline holds into a ``<pre>`` that the test
reads from ``--dump-dom``. Skipped when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import pytest

from tests.report.test_report_browser import CHROMIUM, chromium
from timing.report.page import write_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

SEED_DATE = "2025-12-02"  # Witkoff and Kushner meet Putin: the seed case of the README

PROBE = """
<script>
(function () {
  var plot = document.querySelector("#timeline div.plot");
  var out = {};
  function state() {
    var all = plot.layout.shapes || [];
    var mine = all.filter(function (s) {
      return String(s.name || "").indexOf("timing-highlight") === 0;
    });
    return {
      shapes: mine.map(function (s) { return {name: s.name, x0: s.x0, x1: s.x1}; }),
      total: all.length,
      drawn: plot.querySelectorAll(".shapelayer path").length,
      range: plot.layout.xaxis.range,
      autorange: plot.layout.xaxis.autorange,
      hidden: document.getElementById("timeline-highlight").hidden,
      text: document.getElementById("timeline-highlight-text").textContent,
      selected: Array.prototype.map.call(document.querySelectorAll("tr.selected"),
                                         function (r) { return r.getAttribute("data-date"); })
    };
  }
  function row() {
    return document.querySelector('#per-event tr[data-date="__SEED__"]');
  }
  var steps = [
    function () { out.before = state(); },
    function () {
      document.addEventListener("click", function (e) {  // keep the browser on the page
        if (e.target.closest("a")) { e.preventDefault(); }
      }, true);
      var link = row().querySelector("a");
      if (link) { link.click(); }
      out.link = state();
    },
    function () { row().click(); },
    function () { out.row = state(); },
    function () { document.getElementById("timeline-clear").click(); },
    function () { out.cleared = state(); },
    // Plotly's own click event: a real click on an SVG marker needs its pixel position
    function () { plot.emit("plotly_click", {points: [{data: {name: "events"}, x: "__SEED__"}]}); },
    function () {
      out.marker = state();
      var title = document.querySelector('[aria-label="Disputed claims"] .xtitle');
      out.caption = title ? title.textContent : null;
      var pre = document.createElement("pre");
      pre.id = "probe";
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
    }
  ];
  var i = 0;
  function next() { steps[i++](); if (i < steps.length) { setTimeout(next, 300); } }
  setTimeout(next, 500);
})();
</script>
"""


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory, bundled: dict[str, Any]) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("highlight")
    html = write_report(bundled, folder / "report.html").read_text(encoding="utf-8")
    page = folder / "probe.html"
    page.write_text(html.replace("</body>", PROBE.replace("__SEED__", SEED_DATE) + "</body>"))
    run = chromium(page, folder / "profile", "--dump-dom")
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found is not None, run.stderr[-2000:]
    assert "Uncaught" not in run.stderr
    return json.loads(html_lib.unescape(found.group(1)))


def test_clicking_a_row_marks_its_window_on_the_timeline(probed: dict[str, Any]) -> None:
    before, row = probed["before"], probed["row"]
    assert before["shapes"] == [] and before["hidden"] is True
    windows = {s["name"]: (s["x0"], s["x1"]) for s in row["shapes"]}
    assert windows == {
        "timing-highlight-window": ("2025-11-29", "2025-12-02"),  # days -3 to -1, end exclusive
        "timing-highlight-event": ("2025-12-02", "2025-12-03"),
    }
    assert row["total"] == before["total"] + 2  # the timeline's own bands are kept
    assert row["drawn"] == row["total"]  # and every shape is drawn in the SVG
    assert row["range"][0] < "2025-11-29" and row["range"][1] > "2025-12-03"  # zoomed to it
    assert row["hidden"] is False and row["selected"] == [SEED_DATE]
    assert "window 2025-11-29 to 2025-12-01" in row["text"] and "Witkoff" in row["text"]


def test_clear_removes_the_highlight_and_a_source_link_does_not_set_one(probed) -> None:
    assert probed["link"]["shapes"] == []  # clicking the row's source link follows the link
    cleared = probed["cleared"]
    assert cleared["shapes"] == [] and cleared["total"] == probed["before"]["total"]
    assert cleared["hidden"] is True and cleared["selected"] == [] and cleared["text"] == ""
    assert cleared["autorange"] is True


def test_clicking_the_event_marker_highlights_it_too(probed: dict[str, Any]) -> None:
    names = {s["name"]: s["x0"] for s in probed["marker"]["shapes"]}
    assert names["timing-highlight-event"] == SEED_DATE
    assert SEED_DATE in probed["marker"]["selected"]


def test_disputed_caption_is_drawn_in_full(probed: dict[str, Any], bundled) -> None:
    disputed = bundled["tests"]["disputed"]
    caption = probed["caption"]
    assert caption is not None and not caption.startswith(";")
    assert caption.startswith(f"{disputed['n_used']} claims of known status")
    assert f"circular-shift p = {disputed['pvalue']:.3g}" in caption
