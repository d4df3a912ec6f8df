"""docs/notebook.md runs as written, and results show as escaped HTML and as text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from timing.stats.base import NotApplicable, ResultDisplay

DOC = Path(__file__).parents[1] / "docs" / "notebook.md"


def code_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


@pytest.fixture(scope="module")
def namespace() -> dict[str, Any]:
    blocks = code_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    ns: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), ns)
    return ns


def test_notebook_example_runs_and_builds_its_figures(namespace: dict[str, Any]) -> None:
    result = namespace["result"]
    assert result.tests["circular_shift"].pvalue <= 1
    for name in ("fig", "profile", "null", "lags"):
        assert isinstance(namespace[name], go.Figure) and len(namespace[name].data) > 0
    assert namespace["saved"]["schema_version"] == "1.0"


def test_analysis_result_reads_as_text_and_html(namespace: dict[str, Any]) -> None:
    result = namespace["result"]
    text = str(result)
    assert text == result.summary() and text.startswith(result.headline())
    assert "re-run: timing analyze" in text and "claims: " in text
    page = result._repr_html_()
    assert page.startswith('<div class="timing-analysis">') and "<table>" in page
    assert "Circular-shift randomization (exact, all shifts)" in page


def test_every_method_result_has_summary_str_and_html(namespace: dict[str, Any]) -> None:
    for name, test in namespace["result"].tests.items():
        assert isinstance(test, ResultDisplay), name
        assert str(test) == test.summary(), name
        page = test._repr_html_()
        assert page.startswith(("<div>", "<p>")), name
        assert (test.reason if isinstance(test, NotApplicable) else "<table") in page


def test_html_escapes_text_from_the_data() -> None:
    na = NotApplicable("x", "<script>alert(1)</script>", "only <b>1</b> claim")
    page = na._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;1" in page
    assert str(na) == na.summary()


def test_figures_accept_the_result_or_its_dict(namespace: dict[str, Any]) -> None:
    from timing.errors import TimingInputError
    from timing.report import premature_figure, scan_heatmap_figure, timeline_figure

    result, saved = namespace["result"], namespace["saved"]
    assert timeline_figure(result).to_dict() == timeline_figure(saved).to_dict()
    assert scan_heatmap_figure(result).to_dict() == scan_heatmap_figure(saved).to_dict()
    assert premature_figure(result, "disputed").to_dict()["data"]
    with pytest.raises(TimingInputError, match="expected an AnalysisResult"):
        timeline_figure("result.json")  # type: ignore[arg-type]
