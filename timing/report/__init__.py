"""HTML report and Plotly figures of an analysis (plotly and Jinja2 load on first use).

The report builds its figures as the plain dicts plotly.js reads (``*_spec`` functions,
:mod:`timing.report._spec`) and never imports plotly's Python figures; the public
``*_figure`` functions return the same figures as ``plotly.graph_objects.Figure``.

Build everything from ``AnalysisResult.to_dict(full=True)``::

    from timing.analysis import analyze
    from timing.report import write_report, timeline_figure
    data = analyze().to_dict(full=True)
    write_report(data, "reports/ru-ua-2025-w3.html")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names as _EXPORTS, for type checkers and IDEs
    from timing.report.extras import (
        premature_figure as premature_figure,
    )
    from timing.report.extras import (
        scan_heatmap_figure as scan_heatmap_figure,
    )
    from timing.report.figures import (
        event_study_figure as event_study_figure,
    )
    from timing.report.figures import (
        lag_histogram_figure as lag_histogram_figure,
    )
    from timing.report.figures import (
        null_distribution_figure as null_distribution_figure,
    )
    from timing.report.figures import (
        per_event_rows as per_event_rows,
    )
    from timing.report.figures import (
        tests_table as tests_table,
    )
    from timing.report.figures import (
        timeline_figure as timeline_figure,
    )
    from timing.report.page import (
        default_report_path as default_report_path,
    )
    from timing.report.page import (
        export_static as export_static,
    )
    from timing.report.page import (
        render_report as render_report,
    )
    from timing.report.page import (
        write_report as write_report,
    )
    from timing.report.snapshot import (
        find_browser as find_browser,
    )
    from timing.report.snapshot import (
        snapshot_report as snapshot_report,
    )

_EXPORTS = {
    "timeline_figure": "timing.report.figures",
    "lag_histogram_figure": "timing.report.figures",
    "event_study_figure": "timing.report.figures",
    "null_distribution_figure": "timing.report.figures",
    "tests_table": "timing.report.figures",
    "per_event_rows": "timing.report.figures",
    "scan_heatmap_figure": "timing.report.extras",
    "premature_figure": "timing.report.extras",
    "render_report": "timing.report.page",
    "write_report": "timing.report.page",
    "default_report_path": "timing.report.page",
    "export_static": "timing.report.page",
    "snapshot_report": "timing.report.snapshot",
    "find_browser": "timing.report.snapshot",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'timing.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
