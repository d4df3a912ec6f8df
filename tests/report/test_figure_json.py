"""The report serialises figures exactly as plotly's own ``to_json`` does, without its copies."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from timing.report import figures as f
from timing.report.page import _figure_dict, _figure_json


def test_figure_json_equals_plotlys(bundled) -> None:
    built = [
        f.timeline_figure(bundled),
        f.lag_histogram_figure(bundled),
        f.event_study_figure(bundled),
        f.null_distribution_figure(bundled),
    ]
    arrays = go.Figure(go.Scatter(x=np.arange(5), y=np.linspace(0, 1, 5), name="<b>&"))
    arrays.update_layout(template="plotly_white", title={"text": "t"})
    for fig in [*built, arrays]:
        before = pio.to_json(fig, validate=False)
        assert pio.to_json(_figure_dict(fig), validate=False) == before
        assert pio.to_json(fig, validate=False) == before  # the figure itself is untouched
    safe = _figure_json(arrays)
    assert "<" not in safe and ">" not in safe and "\\u003cb\\u003e\\u0026" in safe
    assert '"bdata"' in safe  # numpy arrays as typed arrays, as plotly writes them
