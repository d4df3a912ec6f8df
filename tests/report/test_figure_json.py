"""The report's figures, built as plain dicts, are exactly the figures plotly would write."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import plotly.io as pio
import pytest

from timing.report import page
from timing.report._spec import FigureSpec, figure_json, template_dict


def _plotly_json(spec: FigureSpec) -> object:
    """The spec through plotly: validated into a ``go.Figure`` and written by plotly.io."""
    return json.loads(pio.to_json(spec.figure(), validate=False))


def test_every_report_figure_is_what_plotly_writes_after_validation(bundled) -> None:
    from timing.report import extras
    from timing.report import figures as f
    from timing.report.timeline_plot import timeline_spec

    specs = [
        timeline_spec(bundled),
        f.lag_histogram_spec(bundled),
        f.event_study_spec(bundled),
        f.null_distribution_spec(bundled),
        extras.scan_heatmap_spec(bundled),
        extras.premature_spec(bundled, "disputed"),
        extras.premature_spec(bundled),  # the outcome does not vary: a sentence, no bars
        f.null_distribution_spec({}),  # nothing stored: the missing-figure path
    ]
    for spec in specs:
        assert json.loads(spec.json()) == _plotly_json(spec)
    embedded = [json.loads(str(fig["json"])) for fig in page._figures(bundled)]
    assert len(embedded) >= 10 and all(e["layout"]["template"] == template_dict() for e in embedded)


def test_specification_curve_grid_matches_plotly_subplots() -> None:
    from timing.report.robustness_figures import specification_curve_spec

    specs = [
        {"rate_ratio": 0.9 + 0.1 * i, "pvalue": 0.2 / (i + 1), "window": w, "detrend": 91,
         "primary": i == 2, "n_claims": 10, "n_events": 3}
        for i, w in enumerate([1, 3, 3, 7])
    ]  # fmt: skip
    data = {"robustness": {"curve": {"specs": specs, "alpha": 0.05, "joint_pvalue": 0.1}}}
    spec = specification_curve_spec(data)
    assert json.loads(spec.json()) == _plotly_json(spec)
    assert spec.layout["xaxis"]["matches"] == "x2" and spec.data[0]["yaxis"] == "y"


def test_figure_json_escapes_markup_and_writes_arrays_as_typed_arrays() -> None:
    spec = FigureSpec(template="plotly_white", title={"text": "t"})
    spec.add_scatter(x=np.arange(5), y=np.linspace(0, 1, 5), name="<b>&</script>")
    spec.add_bar(x=["a", "b"], y=[float("nan"), np.float32(2.5)], name="x")
    safe = spec.json()
    assert "<" not in safe and ">" not in safe and "\\u003cb\\u003e\\u0026" in safe
    assert json.loads(safe)["data"][0]["name"] == "<b>&</script>"
    assert json.loads(safe)["data"][1]["y"] == [None, 2.5]  # NaN written as null
    assert json.loads(safe) == _plotly_json(spec)  # typed arrays (bdata) as plotly writes them
    assert '"bdata"' in safe


@pytest.mark.parametrize("position", ["bottom left", "middle"])
def test_an_unsupported_annotation_position_is_an_error(position: str) -> None:
    with pytest.raises(ValueError, match="annotation_position"):
        FigureSpec().add_vline(x=1, line={}, annotation_text="t", annotation_position=position)


def test_the_template_name_is_replaced_by_its_json_only_in_the_output() -> None:
    fig: dict[str, Any] = {"data": [], "layout": {"template": "plotly_white"}}
    assert json.loads(figure_json(fig))["layout"]["template"] == template_dict()
    assert fig["layout"]["template"] == "plotly_white"
