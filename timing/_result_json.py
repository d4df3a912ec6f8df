"""Plain JSON data of an analysis: the ``tests`` block and table rows of ``to_dict()``.

Split from :mod:`timing.result`, whose :meth:`~timing.result.AnalysisResult.to_dict` uses
these to build the document described by ``timing/schemas/result.schema.json``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import polars as pl

from timing.stats._common import plain
from timing.stats.base import NotApplicable

__all__ = ["json_records", "json_tests"]

#: Arrays no figure is drawn from: left out of the full JSON to keep it small.
_NOT_REDRAWN = ("null_histograms", "y_true", "y_score", "shifts", "replicates")


def json_tests(tests: Mapping[str, Any], *, full: bool, per_claim: bool = True) -> dict[str, Any]:
    """Each result's ``to_dict``, plus the JSON contract's own keys (design.md section 7).

    Every entry goes through :func:`~timing.stats._common.plain`, so a NaN or infinite
    number a method left in its dict becomes ``null`` (strict JSON, as the schema says).
    ``per_claim=False`` leaves out what results hold one entry per claim of (premature and
    disputed claims' records, the lag density's lags): nothing in the report is drawn from
    them.
    """
    out: dict[str, Any] = {}
    for name, result in tests.items():
        if not per_claim and "per_claim" in inspect.signature(result.to_dict).parameters:
            out[name] = result.to_dict(full=full, per_claim=False)
        else:
            out[name] = result.to_dict(full=full)
        if isinstance(result, NotApplicable):
            if name == "negbin_glm":
                out["poisson_naive"] = {
                    "method": "Poisson GLM, naive standard errors (diagnostic only)",
                    "applicable": False,
                    "reason": result.reason,
                }
            continue
        for bulky in _NOT_REDRAWN:
            out[name].pop(bulky, None)
        if name == "negbin_glm":
            out[name].update(result.negbin_dict())
            out["poisson_naive"] = {
                "method": "Poisson GLM, naive standard errors (diagnostic only)",
                **result.poisson_naive_dict(),
                "effect": result.poisson_naive_dict()["irr"],
            }
        elif name == "coincidence":
            out[name].update(result.coincidence_dict())
    return {name: plain(entry) for name, entry in out.items()}


def json_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in frame.columns if c not in ("row",)]
    converted = frame.select(
        [
            pl.col(c).dt.to_string("%Y-%m-%d") if frame.schema[c] == pl.Date else pl.col(c)
            for c in cols
        ]
    )
    converted = converted.select(
        [
            pl.col(c).cast(pl.String) if converted.schema[c] == pl.Datetime else pl.col(c)
            for c in cols
        ]
    )
    return [plain(r) for r in converted.to_dicts()]
