"""timing: test whether battlefield announcements are timed around diplomacy.

The public API is imported lazily so that ``import timing`` stays fast: statsmodels,
scikit-learn and plotly load only when a function that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "TimingInputError": "timing.errors",
    "ValidationError": "timing.schema",
    "CLAIMS": "timing.schema",
    "EVENTS": "timing.schema",
    "load_claims": "timing.io",
    "load_events": "timing.io",
    "Timeline": "timing.timeline",
    "build_timeline": "timing.timeline",
    "window_weights": "timing.timeline",
    "circular_shift_test": "timing.stats.circular",
    "CircularShiftResult": "timing.stats.circular",
    "AnalysisConfig": "timing.result",
    "AnalysisResult": "timing.result",
    "analyze": "timing.analysis",
    "load_inputs": "timing.analysis",
    "list_datasets": "timing.datasets",
    "write_report": "timing.report",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'timing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
