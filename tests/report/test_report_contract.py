"""The report draws only what the result holds: no statistics are computed in timing.report,
the stored per-event rows equal a brute-force count over the claim and event rows, and the
page drawn from the result equals the page drawn from its saved JSON."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import timing.report
from timing.report._derive import to_datetime
from timing.report.page import render_report

REPORT_DIR = Path(timing.report.__file__).parent


def test_report_modules_import_no_statistics() -> None:
    for path in REPORT_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                assert not name.startswith(("timing.stats", "timing.analysis")), (path, name)


def brute_force_per_event(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-event table as the report used to compute it: loops over the JSON rows."""
    k = 24 if data["params"]["resolution"] == "hour" else 1
    claims = sorted(data["claims"], key=lambda c: c["bin"])  # stable: ties keep row order
    rows = []
    for ev in data["events"]:
        e = ev["bin"]
        if data["params"]["anticipation"]:
            start, said = to_datetime(ev["date"]), to_datetime(ev.get("announced_date"))
            first = None
            if start is not None and said is not None:
                first = e - round((start - said).total_seconds() / (86400 / k))
            lo, hi = (first, e - 1) if first is not None and first < e else (1, 0)
        else:
            a, b = data["params"]["offsets"]
            lo, hi = e + a * k, e + (b + 1) * k - 1
        inside = [c for c in claims if lo <= c["bin"] <= hi]
        dist = [abs(c["bin"] - e) for c in claims]
        near = claims[int(np.argmin(dist))] if claims else None
        before = [c for c in claims if c["bin"] < e]
        rows.append(
            {
                "window_claims": len(inside),
                "window_targets": [str(c.get("target") or c["claim_id"]) for c in inside],
                "nearest_lag": None if near is None else round((near["bin"] - e) / k, 2),
                "nearest_target": None if near is None else near.get("target") or near["claim_id"],
                "last_before_lag": round((before[-1]["bin"] - e) / k, 2) if before else None,
            }
        )
    return rows


@pytest.mark.parametrize("anticipation", [False, True])
def test_stored_per_event_rows_equal_brute_force(
    bundled: dict[str, Any], anticipation: bool
) -> None:
    data = bundled
    if anticipation:
        from timing.analysis import analyze
        from timing.result import AnalysisConfig

        data = analyze(config=AnalysisConfig(anticipation=True, n_boot=100)).to_dict(full=True)
    expected = brute_force_per_event(data)
    stored = [{key: r[key] for key in expected[0]} for r in data["per_event"]]
    assert stored == expected
    assert sum(r["window_claims"] for r in stored) > 0


def test_report_from_result_equals_report_from_saved_json(bundled: dict[str, Any]) -> None:
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    saved = json.loads(json.dumps(bundled, allow_nan=False))
    assert render_report(bundled, plotlyjs="cdn", generated=when) == render_report(
        saved, plotlyjs="cdn", generated=when
    )
