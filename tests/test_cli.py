"""The command line: exit codes, one-line errors, JSON contract, and a real subprocess run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import CLAIMS_ROWS, write_table
from timing.cli import app

runner = CliRunner()


def test_analyze_json_contract_on_bundled_data() -> None:
    result = runner.invoke(app, ["analyze", "--json", "--no-report"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dataset"] == "ru-ua-2025"
    assert payload["params"]["offsets"] == [-3, -1] and payload["params"]["seed"] == 0
    for table in ("claims", "events"):
        rows = payload["rows"][table]
        assert rows["read"] == rows["used"] + rows["rejected"] and rows["read"] > 0
    circ = payload["tests"]["circular_shift"]
    assert 0 < circ["pvalue"] <= 1 and circ["n_shifts"] > 100
    assert "null_distribution" not in circ
    # The keys design.md section 7 promises, with values in range.
    glm, naive, eca = (payload["tests"][k] for k in ("negbin_glm", "poisson_naive", "coincidence"))
    assert glm["ci_low"] <= glm["irr"] <= glm["ci_high"] and 0 < glm["pvalue"] <= 1
    assert naive["irr"] > 0 and 0 <= naive["pvalue"] <= 1
    assert 0 <= eca["precursor_rate"] <= 1 and 0 <= eca["trigger_rate"] <= 1
    assert 0 < eca["pvalue_surrogate"] <= 1 and 0 <= eca["pvalue_analytic"] <= 1
    assert payload["caution"] and "news coverage" in payload["caution"]
    assert len(payload["inputs"]["sha256"]["claims"]) == 64


def test_window_option_and_offsets(small_files: tuple[Path, Path]) -> None:
    claims, events = small_files
    args = ["analyze", "--claims", str(claims), "--events", str(events), "--json", "--no-report"]
    payload = json.loads(runner.invoke(app, [*args, "--window", "5"]).stdout)
    assert payload["params"]["offsets"] == [-5, -1]
    payload = json.loads(runner.invoke(app, [*args, "--offsets", "-2:0"]).stdout)
    assert payload["params"]["offsets"] == [-2, 0]


def test_bad_input_exits_2_with_one_line(tmp_path: Path, small_files: tuple[Path, Path]) -> None:
    _, events = small_files
    bad = write_table([dict(CLAIMS_ROWS[0], date="31/12/2025")], tmp_path / "bad.csv")
    result = runner.invoke(
        app, ["analyze", "--claims", str(bad), "--events", str(events), "--no-report"]
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "bad.csv: row 2, column 'date'" in lines[0] and "Traceback" not in result.output


def test_bad_option_exits_2(small_files: tuple[Path, Path]) -> None:
    claims, events = small_files
    base = ["analyze", "--claims", str(claims), "--events", str(events), "--no-report"]
    for extra in (
        ["--offsets", "x"],
        ["--resolution", "week"],
        ["--start", "soon"],
        ["--window", "0"],
        ["--plotlyjs", "nope"],
        ["--weight", "heavy"],
        ["--claim-kind", "victory"],
    ):
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 2, extra
        assert "Traceback" not in result.output
    assert runner.invoke(app, ["analyze", "--claims", str(claims)]).exit_code == 2


def test_lenient_reports_rejects(tmp_path: Path, small_files: tuple[Path, Path]) -> None:
    _, events = small_files
    rows = [*CLAIMS_ROWS, dict(CLAIMS_ROWS[0], claim_id="c9", kind="victory")]
    mixed = write_table(rows, tmp_path / "mixed.csv")
    args = ["analyze", "--claims", str(mixed), "--events", str(events), "--json", "--no-report"]
    assert runner.invoke(app, args).exit_code == 2
    payload = json.loads(runner.invoke(app, [*args, "--lenient"]).stdout)
    assert payload["rows"]["claims"] | {"reasons": None} == {
        "file": str(mixed),
        "read": 4,
        "used": 3,
        "rejected": 1,
        "skipped": {},
        "reasons": None,
    }
    assert payload["rows"]["claims"]["reasons"][0]["column"] == "kind"


def test_validate_command(tmp_path: Path, small_files: tuple[Path, Path]) -> None:
    claims, _ = small_files
    assert runner.invoke(app, ["validate", str(claims), "--kind", "claims"]).exit_code == 0
    bad = write_table(
        [dict(CLAIMS_ROWS[0], kind="x"), dict(CLAIMS_ROWS[1], date="y")], tmp_path / "b.csv"
    )
    result = runner.invoke(app, ["validate", str(bad), "--kind", "claims"])
    assert result.exit_code == 2
    assert "row 2, column 'kind'" in result.stdout and "row 3, column 'date'" in result.stdout
    assert runner.invoke(app, ["validate", str(bad), "--kind", "people"]).exit_code == 2


def test_datasets_commands() -> None:
    listed = json.loads(runner.invoke(app, ["datasets", "list", "--json"]).stdout)
    assert "ru-ua-2025" in [d["name"] for d in listed]
    shown = runner.invoke(app, ["datasets", "show", "ru-ua-2025"])
    assert shown.exit_code == 0 and "licence" in shown.stdout
    assert runner.invoke(app, ["datasets", "show", "nope"]).exit_code == 2


def test_console_script_subprocess(small_files: tuple[Path, Path]) -> None:
    claims, events = small_files
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "timing",
            "analyze",
            "--claims",
            str(claims),
            "--events",
            str(events),
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-31",
            "--json",
            "--no-report",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["counts"]["events"] == 2
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "timing",
            "analyze",
            "--claims",
            "missing.csv",
            "--events",
            str(events),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and proc.stderr.strip() == "error: missing.csv: no such file"


def test_import_is_light() -> None:
    code = (
        "import sys, timing, timing.cli, timing.analysis; "
        "heavy = [m for m in ('statsmodels', 'sklearn', 'plotly') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


ADAPTER_DATA = Path(__file__).parent / "data" / "adapters"


def test_adapter_formats_and_value_weight(tmp_path: Path) -> None:
    losses = ADAPTER_DATA / "ua_losses_personnel.json"
    daily = json.loads(losses.read_text())
    events = write_table(
        [
            {
                "event_id": "e1",
                "date": daily[5]["date"],
                "kind": "talks",
                "parties": "US-RU",
                "title": "Talks",
                "source": "s",
            },
        ],
        tmp_path / "events.csv",
    )
    args = [
        "analyze",
        "--claims",
        str(losses),
        "--claims-format",
        "ua-losses",
        "--events",
        str(events),
        "--weight",
        "value",
        "--start",
        daily[0]["date"],
        "--end",
        daily[-1]["date"],
        "--json",
        "--no-report",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    # The adapter turns cumulative totals into daily announcements: their sum over the
    # period is the last cumulative figure (the first day counts its whole total).
    assert payload["counts"]["claims"] == daily[-1]["personnel"]
    assert payload["params"]["weight"] == "value"
    assert payload["rows"]["claims"]["read"] == len(daily)
    assert payload["rows"]["claims"]["skipped"] == {}
    start = f"start={daily[1]['date']}"
    window = runner.invoke(app, [*args[:-2], "--no-report", "--option", start])
    assert window.exit_code == 0, window.stderr
    assert "1 skipped (outside start/end: 1)" in window.stdout
    flag = runner.invoke(app, [*args, "--option", "allow_negative=perhaps"])
    assert flag.exit_code == 2 and "option 'allow_negative': got 'perhaps'" in flag.stderr
    bad = runner.invoke(app, [*args[:4], "nope", *args[5:]])
    assert bad.exit_code == 2 and "unknown adapter" in bad.stderr
    wrong_table = runner.invoke(app, [*args, "--events-format", "ua-losses"])
    assert wrong_table.exit_code == 2 and "reads claims" in wrong_table.stderr
    unused = runner.invoke(app, [*args, "--option", "colour=red"])
    assert unused.exit_code == 2 and "--option colour" in unused.stderr


def test_scan_command_json_and_table() -> None:
    result = runner.invoke(app, ["scan", "--windows", "1:5", "--json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    cells = payload["cells"]
    assert payload["n_cells"] == payload["n_tested"] + payload["n_skipped"]
    # Fixed windows 1..5 days, and the anticipation variant (no fixed window).
    assert {c["window"] for c in cells} == {1, 2, 3, 4, 5, None}
    assert all(c["pvalue"] <= c["q_bh"] + 1e-12 <= 1 + 1e-12 for c in cells)
    table = runner.invoke(app, ["scan", "--windows", "1:3", "--top", "3"])
    assert table.exit_code == 0 and "Strongest cells" in table.stdout
    assert runner.invoke(app, ["scan", "--windows", "0:3"]).exit_code == 2


def test_simulate_writes_tables_that_analyze_reads(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--out-dir",
            str(out),
            "--days",
            "400",
            "--events",
            "20",
            "--uplift",
            "3",
            "--seed",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    made = json.loads(result.stdout)
    assert made["n_events"] == 20
    analysed = runner.invoke(
        app,
        [
            "analyze",
            "--claims",
            made["claims"],
            "--events",
            made["events"],
            "--json",
            "--no-report",
        ],
    )
    payload = json.loads(analysed.stdout)
    # The period is where both tables have data: claims before the first event's window
    # are left out and counted, never dropped.
    left_out = payload["excluded"]["claims"].get("outside study period", 0)
    assert payload["counts"]["claims"] + left_out == made["n_claims"]
    assert payload["tests"]["circular_shift"]["pvalue"] < 0.05  # a planted 3x uplift
    assert runner.invoke(app, ["simulate"]).exit_code == 2  # nowhere to write


def test_simulate_calibrate_reports_rates() -> None:
    result = runner.invoke(app, ["simulate", "--calibrate", "--datasets", "20", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert {r["test"] for r in rows} >= {"circular_shift_detrend", "poisson_naive"}
    assert all(0 <= r["fpr"] <= 1 and 0 <= r["power"] <= 1 for r in rows)


def test_validate_through_an_adapter() -> None:
    sample = ADAPTER_DATA / "acled_sample.csv"
    ok = runner.invoke(app, ["validate", str(sample), "--kind", "claims", "--format", "acled"])
    assert ok.exit_code == 0 and "0 with problems" in ok.stdout
    bad = runner.invoke(
        app, ["validate", str(ADAPTER_DATA / "acled_bad_date.csv"), "--format", "acled"]
    )
    assert bad.exit_code == 2 and "row 3, column 'date': got '13 Januray 2025'" in bad.stdout
    assert "2 rows read, 1 valid, 1 with problems" in bad.stdout
    gdelt = runner.invoke(
        app,
        [
            "validate",
            str(ADAPTER_DATA / "gdelt_v2_15min.export.CSV"),
            "--kind",
            "events",
            "--format",
            "gdelt-events",
            "--option",
            "dedupe=false",
        ],
    )
    assert gdelt.exit_code == 0, gdelt.stderr
    assert "11 rows read, 5 valid, 0 with problems, 6 skipped (code not mapped: 6)" in gdelt.stdout
    typed = runner.invoke(
        app,
        [
            "validate",
            str(sample),
            "--format",
            "acled",
            "--option",
            "event_types=Battles,Explosions/Remote violence",
        ],
    )
    assert typed.exit_code == 0 and "1 skipped (event type not selected" in typed.stdout
    wrong = runner.invoke(app, ["validate", str(sample), "--kind", "events", "--format", "acled"])
    assert wrong.exit_code == 2 and "reads claims" in wrong.stderr


def test_every_row_rejected_says_so(tmp_path: Path, small_files: tuple[Path, Path]) -> None:
    _, events = small_files
    bad = write_table(
        [dict(CLAIMS_ROWS[0], kind="x"), dict(CLAIMS_ROWS[1], kind="y")], tmp_path / "allbad.csv"
    )
    result = runner.invoke(
        app, ["analyze", "--claims", str(bad), "--events", str(events), "--lenient", "--no-report"]
    )
    assert result.exit_code == 2
    assert "all 2 rows were rejected" in result.stderr and "timing validate" in result.stderr


def test_rerun_command_reproduces_the_result(tmp_path: Path) -> None:
    import shlex

    for extra in (
        [],
        ["--window", "7", "--detrend", "0", "--seed", "3", "--n-boot", "300"],
        ["--anticipation", "--actor", "RU MoD", "--start", "2025-03-01", "--n-boot", "300"],
        ["--offsets=-5:-2", "--max-shift", "120", "--n-boot", "300"],
    ):
        first = json.loads(runner.invoke(app, ["analyze", *extra, "--json", "--no-report"]).stdout)
        argv = shlex.split(first["rerun"])
        assert argv[:2] == ["timing", "analyze"]
        again = runner.invoke(app, [*argv[1:], "--json", "--no-report"])
        second = json.loads(again.stdout)
        assert second["params"] == first["params"], extra
        assert second["tests"] == first["tests"], extra


def test_progress_lines_on_stderr_when_not_a_terminal(monkeypatch) -> None:
    monkeypatch.setenv("TIMING_PROGRESS_AFTER", "0")
    result = runner.invoke(app, ["analyze", "--no-report", "--n-boot", "50"])
    assert result.exit_code == 0
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("timing: [")]
    assert any("circular-shift test" in ln for ln in lines)
    quiet = runner.invoke(app, ["analyze", "--no-report", "--n-boot", "50", "--quiet"])
    assert "timing: [" not in quiet.stderr


def test_json_writes_no_report_unless_asked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["analyze", "--json", "--n-boot", "50"])
    assert result.exit_code == 0 and json.loads(result.stdout)["report"] is None
    assert not (tmp_path / "reports").exists()
    out = tmp_path / "r.html"
    asked = runner.invoke(app, ["analyze", "--json", "--n-boot", "50", "--out", str(out)])
    assert json.loads(asked.stdout)["report"] == str(out) and out.is_file()


def test_help_fits_80_columns_without_cutting_names(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for command in (["analyze", "--help"], ["scan", "--help"], ["validate", "--help"]):
        text = runner.invoke(app, command).stdout
        assert "…" not in text
        assert all(len(line) <= 80 for line in text.splitlines()), command
    assert "--claims-separator" in runner.invoke(app, ["analyze", "--help"]).stdout
    assert "--no-by-claim-kind" in runner.invoke(app, ["scan", "--help"]).stdout
