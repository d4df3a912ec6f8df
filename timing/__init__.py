"""timing: test whether battlefield announcements are timed around diplomacy.

The public API is imported lazily so that ``import timing`` stays fast: statsmodels,
scikit-learn and plotly load only when a function that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # the same names as _EXPORTS, for type checkers and IDEs
    from timing.analysis import analyze as analyze
    from timing.analysis import load_inputs as load_inputs
    from timing.datasets import list_datasets as list_datasets
    from timing.errors import TimingInputError as TimingInputError
    from timing.io import load_claims as load_claims
    from timing.io import load_events as load_events
    from timing.report import write_report as write_report
    from timing.result import AnalysisConfig as AnalysisConfig
    from timing.result import AnalysisResult as AnalysisResult
    from timing.schema import CLAIMS as CLAIMS
    from timing.schema import EVENTS as EVENTS
    from timing.schema import ValidationError as ValidationError
    from timing.stats.circular import (
        CircularShiftResult as CircularShiftResult,
    )
    from timing.stats.circular import (
        circular_shift_test as circular_shift_test,
    )
    from timing.timeline import (
        Timeline as Timeline,
    )
    from timing.timeline import (
        build_timeline as build_timeline,
    )
    from timing.timeline import (
        window_weights as window_weights,
    )

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
