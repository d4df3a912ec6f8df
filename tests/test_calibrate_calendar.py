"""Calibration on structured calendars: the table, and ``timing simulate --calendar``."""

from __future__ import annotations

from typer.testing import CliRunner

from timing.calibrate_calendar import MODEL_METHODS, calibrate_calendar
from timing.cli import app


def test_table_has_every_method_with_intervals_and_coverage() -> None:
    res = calibrate_calendar(("weekday",), n_primary=120, n_other=2, n_boot=50, seed=1)
    rows = {r["test"]: r for r in res.table.iter_rows(named=True)}
    assert set(MODEL_METHODS) <= set(rows)
    assert rows["circular_shift_auto"]["fpr"] < rows["circular_shift_all"]["fpr"]
    assert rows["circular_shift_auto"]["fpr_low"] <= 0.05 <= rows["circular_shift_auto"]["fpr_high"]
    assert rows["circular_shift_auto"]["power"] > 0.3
    assert rows["interval_inverted"]["coverage"] >= 0.93
    assert rows["negbin_glm"]["n_datasets"] == 2 and rows["negbin_glm"]["power"] is None
    assert "coverage" in res.summary() and "weekday" in res.summary()


def test_cli_calibrates_structured_calendars() -> None:
    out = CliRunner().invoke(
        app,
        ["simulate", "--calibrate", "--calendar", "--datasets", "10", "--model-datasets", "0"],
    )
    assert out.exit_code == 0, out.output
    assert "circular_shift_auto" in out.output and "biweekly_weekday" in out.output
    bad = CliRunner().invoke(app, ["simulate", "--calendar", "--out-dir", "x"])
    assert bad.exit_code == 2 and "--calendar is an option of --calibrate" in bad.output
