"""The analysis runner end to end: planted effects found, nulls not, seeds reproducible."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from timing.analysis import AnalysisConfig, analyze
from timing.cli import app
from timing.errors import TimingInputError
from timing.stats.base import NotApplicable
from timing.stats.circular import circular_shift_test
from timing.stats.simulate import simulate_dataset
from timing.timeline import build_timeline


def _simulated(tmp_path: Path, uplift: float, seed: int) -> tuple[Path, Path]:
    claims, events = simulate_dataset(
        730, 40, model="negbin", rate=0.6, uplift=uplift, offsets=(-3, -1), seed=seed
    )
    claims.write_csv(tmp_path / "claims.csv")
    events.write_csv(tmp_path / "events.csv")
    return tmp_path / "claims.csv", tmp_path / "events.csv"


def test_planted_uplift_is_found_and_its_size_recovered(tmp_path: Path) -> None:
    claims, events = _simulated(tmp_path, uplift=2.0, seed=3)
    result = analyze(claims, events, AnalysisConfig(n_boot=500))
    circ = result.tests["circular_shift"]
    assert circ.pvalue < 0.01
    assert circ.ci_low < 2.0 < circ.ci_high
    glm = result.tests["negbin_glm"]
    assert glm.ci_low < 2.0 < glm.ci_high and glm.pvalue < 0.01


def test_null_data_is_not_flagged(tmp_path: Path) -> None:
    claims, events = _simulated(tmp_path, uplift=1.0, seed=4)
    result = analyze(claims, events, AnalysisConfig(n_boot=500))
    assert result.tests["circular_shift"].pvalue > 0.05
    assert result.tests["circular_shift"].ci_low < 1.0 < result.tests["circular_shift"].ci_high


def test_primary_test_is_the_library_function_on_detrended_claims() -> None:
    result = analyze()
    t = result.timeline
    direct = circular_shift_test(t, (-3, -1), detrend=91)
    assert result.tests["circular_shift"].pvalue == direct.pvalue
    assert result.tests["circular_shift"].statistic == pytest.approx(direct.statistic)
    raw = circular_shift_test(t, (-3, -1))
    assert result.tests["circular_shift_raw"].pvalue == raw.pvalue
    counts = result.to_dict()["rows"]["claims"]
    assert counts["read"] == counts["used"] + counts["rejected"]


def test_same_seed_same_result() -> None:
    one = analyze(config=AnalysisConfig(seed=7, n_boot=300)).to_dict()
    two = analyze(config=AnalysisConfig(seed=7, n_boot=300)).to_dict()
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_seed_case_is_in_the_per_event_table() -> None:
    per_event = analyze().per_event
    row = per_event.filter(per_event["date"].cast(str) == "2025-12-02")
    assert row.height >= 1 and 1 in row["nearest_claim_lag"].to_list()


def test_short_period_skips_what_cannot_run(tmp_path: Path, small_files) -> None:
    claims, events = small_files
    result = analyze(claims, events)
    assert "detrending span" in result.skipped["detrend"]
    assert result.tests["circular_shift"].detrend is None
    assert np.isfinite(result.tests["circular_shift"].pvalue)
    assert result.to_dict()["skipped"] == result.skipped


def test_hour_resolution_and_anticipation_run(tmp_path: Path) -> None:
    claims, events = _simulated(tmp_path, uplift=1.0, seed=5)
    hourly = analyze(claims, events, AnalysisConfig(resolution="hour", n_boot=200))
    daily = build_timeline(
        hourly.claims_table.frame.with_columns(pl.col("date").dt.date()),
        hourly.events_table.frame.with_columns(pl.col("date").dt.date()),
        lead_days=3,
        period="overlap",
    )
    # The same days, each day cut into 24 hours (the last day is whole too).
    assert hourly.timeline.n_bins == 24 * daily.n_bins
    assert hourly.timeline.claims.sum() == daily.claims.sum()
    assert hourly.tests["circular_shift"].offsets == (-72, -1)
    # The analysis scans windows of whole days at any resolution (stored in bins); the
    # report shows them in days, as its text says.
    windows = hourly.scan.cells["window"].drop_nulls().unique().sort().to_list()
    assert windows == [24 * d for d in range(1, hourly.config.scan_max_window + 1)]
    from timing.report.extras import scan_top_cells

    shown = {c["window"] for c in scan_top_cells(hourly.to_dict(full=True), 500)}
    assert shown - {None} <= set(range(1, hourly.config.scan_max_window + 1))
    # Hour-of-day terms in the count regression (not a rank-deficient design).
    assert not isinstance(hourly.tests["negbin_glm"], NotApplicable)
    bundled = analyze(config=AnalysisConfig(anticipation=True, n_boot=200))
    assert bundled.tests["circular_shift"].offsets is None


def test_cli_writes_report_and_report_command_redraws_it(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["analyze", "--out", str(out), "--json", "--full"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["report"] == str(out) and out.stat().st_size > 100_000
    html = out.read_text(encoding="utf-8")
    assert "Pokrovsk" in html and payload["headline"].split(" (")[0] in html
    saved = tmp_path / "result.json"
    saved.write_text(result.stdout, encoding="utf-8")
    again = runner.invoke(app, ["report", str(saved), "--out", str(tmp_path / "again.html")])
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / "again.html").stat().st_size > 100_000
    not_full = tmp_path / "short.json"
    not_full.write_text(json.dumps({"tests": {}}), encoding="utf-8")
    assert runner.invoke(app, ["report", str(not_full)]).exit_code == 2


def test_bundled_dataset_defaults_to_its_coverage_period() -> None:

    from timing.datasets import dataset_info

    start, end = dataset_info("ru-ua-2025").coverage
    result = analyze(config=AnalysisConfig(n_boot=200))
    assert (f"{result.timeline.start}", f"{result.timeline.end}") == (start, end)
    assert result.timeline.period.source == "declared"
    assert "compiled over" in result.to_dict()["period"]["reason"]
    # Claims outside the compiled span are left out and counted, never dropped silently.
    narrower = analyze(config=AnalysisConfig(n_boot=200, end=dt.date(2026, 1, 31)))
    outside = narrower.timeline.excluded["claims"]["outside study period"]
    assert outside >= 1
    assert narrower.timeline.claims_frame.height + outside == result.claims_table.accounting.used
    wider = analyze(config=AnalysisConfig(n_boot=200, end=dt.date(2026, 7, 31)))
    assert wider.timeline.excluded["claims"] == {}


def test_degenerate_inputs_give_plain_sentences(tmp_path: Path) -> None:
    from tests.conftest import write_table

    claims = write_table(
        [
            {
                "claim_id": "a",
                "date": "2025-03-01",
                "actor": "RU MoD",
                "kind": "strike",
                "source": "s",
            }
        ],
        tmp_path / "c.csv",
    )
    events = write_table(
        [
            {
                "event_id": e,
                "date": d,
                "kind": "talks",
                "parties": "US-RU",
                "title": "T",
                "source": "s",
            }
            for e, d in (("x", "2025-03-07"), ("y", "2025-04-07"))
        ],
        tmp_path / "e.csv",
    )
    # One claim and two events have no span in common: say so rather than guess a period.
    with pytest.raises(TimingInputError, match="do not overlap in time"):
        analyze(claims, events, AnalysisConfig(n_boot=100))
    period = {"start": dt.date(2025, 3, 1), "end": dt.date(2025, 4, 7)}
    result = analyze(claims, events, AnalysisConfig(n_boot=100, **period))
    assert result.headline().startswith("No claim fell in the 3 days before events")
    assert "little power" in result.caution()
