"""The bad-input catalogue: damaged or mismatched inputs give a right answer or a named refusal.

Every case runs the real CLI in-process. The rule for each: exit 0 with numbers that are
right (checked), or exit 2 (3 for a failed write) with a one-line message that names what
is wrong; never exit 1, never a traceback. Files are built from the bundled dataset, the
shape users' own tables have.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timing.cli import app
from timing.datasets import dataset_path

runner = CliRunner()
BUNDLED = dataset_path("ru-ua-2025")
FAST = ["--n-boot", "50", "--no-report"]


def _rows(name: str) -> list[list[str]]:
    with (BUNDLED / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(rows: list[list[str]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _set_dates(rows: list[list[str]], changes: dict[int, str]) -> list[list[str]]:
    out = [list(r) for r in rows]
    for index, value in changes.items():
        out[index][1] = value
    return out


def _shift_years(rows: list[list[str]], years: int, columns: tuple[int, ...]) -> list[list[str]]:
    out = [rows[0]]
    for r in rows[1:]:
        r = list(r)
        for c in columns:
            if r[c]:
                r[c] = f"{int(r[c][:4]) + years}{r[c][4:]}"
        out.append(r)
    return out


def _run(args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.exit_code != 1, result.stderr
    return result.exit_code, result.stdout, result.stderr


def _analyze_json(claims: Path, events: Path, *extra: str) -> dict:
    code, out, err = _run(
        ["analyze", "--claims", str(claims), "--events", str(events), "--json", *FAST, *extra]
    )
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("ref")
    claims = _write(_rows("claims.csv"), folder / "claims.csv")
    return _analyze_json(claims, BUNDLED / "events.csv")


def _primary(payload: dict) -> dict:
    return payload["tests"]["circular_shift"]


def test_one_stray_year_does_not_invent_a_finding(tmp_path: Path, reference: dict) -> None:
    # One claim typed 2052 instead of 2025 once turned 1.7x into 42.5x, p = 0.002.
    rows = _set_dates(_rows("claims.csv"), {6: "2052-03-04"})
    payload = _analyze_json(_write(rows, tmp_path / "c.csv"), BUNDLED / "events.csv")
    same = ("start", "end", "source")
    assert [payload["period"][k] for k in same] == [reference["period"][k] for k in same]
    assert payload["excluded"]["claims"]["date far outside the rest of the table"] == 1
    assert payload["period"]["far_dates"] == [{"table": "claims", "row": 7, "date": "2052-03-04"}]
    assert abs(_primary(payload)["rate_ratio"] - _primary(reference)["rate_ratio"]) < 0.05
    assert "far outside" in payload["caution"]


def test_dates_in_1900_and_2200_are_set_aside(tmp_path: Path, reference: dict) -> None:
    rows = _set_dates(_rows("claims.csv"), {3: "1900-01-01", 40: "2200-12-31"})
    payload = _analyze_json(_write(rows, tmp_path / "c.csv"), BUNDLED / "events.csv")
    assert payload["excluded"]["claims"]["date far outside the rest of the table"] == 2
    assert payload["period"] == {**reference["period"], "far_dates": payload["period"]["far_dates"]}
    assert _primary(payload)["rate_ratio"] < 3


def test_validate_names_far_off_dates(tmp_path: Path) -> None:
    path = _write(_set_dates(_rows("claims.csv"), {6: "2052-03-04"}), tmp_path / "c.csv")
    code, out, _ = _run(["validate", str(path)])
    assert code == 0
    assert "row 7, column 'date': 2052-03-04 lies far outside" in out


def test_tables_that_do_not_overlap_are_refused(tmp_path: Path) -> None:
    claims = _write(_shift_years(_rows("claims.csv"), -10, (1, 7)), tmp_path / "c.csv")
    code, _, err = _run(
        ["analyze", "--claims", str(claims), "--events", str(BUNDLED / "events.csv"), *FAST]
    )
    assert code == 2
    assert "do not overlap in time" in err and "claims run 2015" in err and "events 2025" in err


def test_partial_overlap_carries_a_caution(tmp_path: Path) -> None:
    events = _rows("events.csv")
    late = [events[0], *[r for r in events[1:] if r[1] >= "2025-09-01"]]
    payload = _analyze_json(
        _write(_rows("claims.csv"), tmp_path / "c.csv"), _write(late, tmp_path / "e.csv")
    )
    assert payload["period"]["source"] == "overlap"
    assert payload["period"]["start"] >= "2025-08-29"
    assert "only the" in payload["caution"] and "leaves out" in payload["caution"]


def test_a_single_claim_gives_no_absurd_estimate(tmp_path: Path) -> None:
    rows = _rows("claims.csv")
    claims = _write([rows[0], rows[150]], tmp_path / "c.csv")
    payload = _analyze_json(
        claims, BUNDLED / "events.csv", "--start", "2025-01-01", "--end", "2025-12-31"
    )
    glm = payload["tests"]["negbin_glm"]
    assert glm["applicable"] is False and "fitted model needs at least" in glm["reason"]
    assert payload["tests"]["poisson_naive"]["applicable"] is False


def test_the_first_claims_of_a_file_run_cleanly(tmp_path: Path) -> None:
    # The first 19 claims once crashed statsmodels ("NaN ... in weights").
    claims = _write(_rows("claims.csv")[:20], tmp_path / "c.csv")
    payload = _analyze_json(
        claims, BUNDLED / "events.csv", "--start", "2025-01-01", "--end", "2025-03-31"
    )
    for name, test in payload["tests"].items():
        if test.get("applicable") is False:
            assert test["reason"], name
        elif "pvalue" in test:
            assert test["pvalue"] is not None and 0 <= test["pvalue"] <= 1, name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "seed"),
        (["--window", "300"], "too long for the"),
        (
            ["--min-shift", "400"],
            "--min-shift 400: no shift",
        ),
        (["--map", "date=nowhere"], "neither the claims file"),
        (["--map", "events.colour=x"], "events have no column 'colour'"),
        (["--map", "colour=x"], "'colour' is not a column"),
    ],
)
def test_bad_options_are_named(args: list[str], message: str) -> None:
    claims, events = str(BUNDLED / "claims.csv"), str(BUNDLED / "events.csv")
    code, _, err = _run(["analyze", "--claims", claims, "--events", events, *FAST, *args])
    assert code == 2 and message in err, err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp, "is a directory"),
        (
            lambda tmp: (tmp / "file.txt").write_text("x") and tmp / "file.txt" / "r.html",
            "is a file",
        ),
    ],
)
def test_unwritable_report_is_refused_before_the_work(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    code, out, err = _run(["analyze", "--out", str(make(tmp_path)), "--n-boot", "50"])
    assert code == 2 and message in err
    assert out == ""  # refused before any analysis ran


def test_a_write_that_fails_after_the_work_keeps_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import timing.report

    def fail(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "r.html"))

    monkeypatch.setattr(timing.report, "write_report", fail)
    code, out, err = _run(
        ["analyze", "--out", str(tmp_path / "r.html"), "--json", "--n-boot", "50"]
    )
    assert code == 3
    assert json.loads(out)["tests"]["circular_shift"]["pvalue"] > 0
    assert "results are printed" in err and "Permission denied" in err


def test_an_internal_error_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import timing.analysis

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(timing.analysis, "analyze", broken)
    result = runner.invoke(app, ["analyze", "--no-report"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("internal error: RuntimeError: boom")
    assert len(result.stderr.strip().splitlines()) == 1


def test_readme_map_example_works_on_one_file(tmp_path: Path) -> None:
    rows = _rows("claims.csv")
    rows[0] = ["claim_date" if c == "date" else c for c in rows[0]]
    claims = _write(rows, tmp_path / "c.csv")
    payload = _analyze_json(claims, BUNDLED / "events.csv", "--map", "date=claim_date")
    assert payload["inputs"]["mapping"] == {"date": "claim_date"}
    per_table = _analyze_json(claims, BUNDLED / "events.csv", "--claims-map", "date=claim_date")
    assert _primary(per_table) == _primary(payload)


def test_validate_tells_events_from_claims() -> None:
    code, out, _ = _run(["validate", str(BUNDLED / "events.csv")])
    assert code == 0 and "(events)" in out
    code, out, _ = _run(["validate", str(BUNDLED / "claims.csv")])
    assert code == 0 and "(claims)" in out


def test_duplicate_ids_and_bad_kinds_name_row_and_column(tmp_path: Path) -> None:
    rows = _rows("claims.csv")
    rows[5][0] = rows[4][0]
    rows[9][3] = "conquest"
    claims = _write(rows, tmp_path / "c.csv")
    code, _, err = _run(
        ["analyze", "--claims", str(claims), "--events", str(BUNDLED / "events.csv"), *FAST]
    )
    assert code == 2
    assert "row 6, column 'claim_id'" in err and "(and 1 more" in err
    payload = _analyze_json(claims, BUNDLED / "events.csv", "--lenient")
    assert payload["rows"]["claims"]["rejected"] == 2
    assert payload["rows"]["claims"]["read"] == len(rows) - 1


ADAPTERS = Path(__file__).parent / "data" / "adapters"
READERS = Path(__file__).parent / "data" / "readers"

#: Real-shaped files of other tools against the bundled tables: each must give exit 0 with
#: finite, plausible numbers, or exit 2 with a message; never exit 1 or a traceback.
FOREIGN = [
    ["--claims", ADAPTERS / "acled_export_2023.csv", "--claims-format", "acled"],
    ["--claims", ADAPTERS / "acled_pre2019.csv", "--claims-format", "acled"],
    ["--claims", ADAPTERS / "acled_excel_resave.csv", "--claims-format", "acled", "--lenient"],
    ["--claims", ADAPTERS / "gdelt_v2_15min.export.CSV", "--claims-format", "gdelt-claims"],
    ["--events", ADAPTERS / "gdelt_v2_15min.export.CSV", "--events-format", "gdelt-events"],
    ["--events", ADAPTERS / "gdelt_v1_daily.export.CSV", "--events-format", "gdelt-events"],
    ["--claims", ADAPTERS / "telegram_result.json", "--claims-format", "telegram"],
    ["--claims", ADAPTERS / "ua_losses_personnel.json", "--claims-format", "ua-losses"],
    ["--claims", READERS / "excel_semicolon_cp1252.csv"],
    ["--claims", READERS / "excel_semicolon_cp1252.csv", "--claims-encoding", "cp1252"],
    ["--claims", READERS / "excel_unicode_text.txt", "--lenient"],
    ["--claims", READERS / "pandas_to_csv_index.csv"],
    ["--claims", READERS / "ndjson_broken_lines.ndjson"],
    ["--claims", READERS / "ndjson_broken_lines.ndjson", "--lenient"],
    ["--claims", READERS / "telegram_multiline.csv"],
]


@pytest.mark.parametrize("args", FOREIGN, ids=lambda a: " ".join(str(x).split("/")[-1] for x in a))
@pytest.mark.parametrize("period", [[], ["--start", "2025-01-01", "--end", "2025-12-31"]])
def test_foreign_files_against_bundled_tables(args: list, period: list[str]) -> None:
    given = [str(a) for a in args]
    if "--claims" not in given:
        given += ["--claims", str(BUNDLED / "claims.csv")]
    if "--events" not in given:
        given += ["--events", str(BUNDLED / "events.csv")]
    code, out, err = _run(["analyze", *given, *period, "--json", *FAST])
    if code == 2:
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
        return
    assert code == 0, err
    payload = json.loads(out)
    for name, test in payload["tests"].items():
        if test.get("applicable") is False:
            assert test["reason"], name
            continue
        if test.get("pvalue") is not None:
            assert 0 <= test["pvalue"] <= 1, name
        if name in ("negbin_glm", "premature", "disputed") and test.get("effect") is not None:
            assert 1e-3 <= test["effect"] <= 1e3, (name, test["effect"])
