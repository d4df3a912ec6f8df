"""The re-run line printed with every result reproduces that result, for every kind of option."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timing.cli import app
from timing.datasets import dataset_path

runner = CliRunner()
BUNDLED = dataset_path("ru-ua-2025")
ADAPTER_DATA = Path(__file__).parent / "data" / "adapters"
OUTPUT = ["--json", "--no-report"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A renamed-column copy of the bundled claims and one with a bad row."""
    folder = tmp_path_factory.mktemp("rerun")
    with (BUNDLED / "claims.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    renamed = [["announced_on" if c == "date" else c for c in rows[0]], *rows[1:]]
    bad = [list(r) for r in rows]
    bad[4][3] = "conquest"
    events = [
        ["event_id", "date", "kind", "parties", "title", "source"],
        ["e1", "2025-01-05", "talks", "US-RU", "Talks", "https://example.org/e1"],
    ]
    out = {}
    for name, table in (("renamed", renamed), ("bad", bad), ("january_events", events)):
        out[name] = folder / f"{name}.csv"
        with out[name].open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(table)
    return out


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _comparable(payload: dict) -> dict:
    keep = ("rows", "excluded", "params", "period", "counts", "headline", "tests")
    return {k: payload[k] for k in keep}


CASES = {
    "dataset, window and seed": ["--dataset", "ru-ua-2025", "--window", "5", "--seed", "3"],
    "offsets and no detrending": ["--dataset", "ru-ua-2025", "--offsets=-6:-2", "--detrend", "0"],
    "anticipation and filters": [
        "--dataset",
        "ru-ua-2025",
        "--anticipation",
        "--event-kind",
        "talks",
        "--event-kind",
        "visit",
        "--claim-kind",
        "capture",
    ],
    "period and actor": [
        "--dataset",
        "ru-ua-2025",
        "--start",
        "2025-03-01",
        "--end",
        "2025-12-31",
        "--actor",
        "RU MoD",
    ],
    "shared map": ["--events", str(BUNDLED / "events.csv"), "--map", "date=announced_on"],
    "per-table map": ["--events", str(BUNDLED / "events.csv"), "--claims-map", "date=announced_on"],
    "prefixed map": ["--events", str(BUNDLED / "events.csv"), "--map", "claims.date=announced_on"],
    "lenient": ["--events", str(BUNDLED / "events.csv"), "--lenient"],
    "separator and encoding": [
        "--claims",
        str(Path(__file__).parent / "data" / "readers" / "excel_semicolon_cp1252.csv"),
        "--events",
        str(BUNDLED / "events.csv"),
        "--claims-encoding",
        "cp1252",
        "--claims-separator",
        ";",
        "--lenient",
        "--start",
        "2025-02-01",
        "--end",
        "2025-04-30",
    ],
    "adapter with options": [
        "--claims",
        str(ADAPTER_DATA / "ua_losses_personnel.json"),
        "--claims-format",
        "ua-losses",
        "--option",
        "categories=personnel",
        "--weight",
        "value",
        "--start",
        "2025-01-01",
        "--end",
        "2025-01-08",
        "--window",
        "1",
        "--detrend",
        "0",
    ],
}


@pytest.mark.parametrize("name", list(CASES))
def test_rerun_line_reproduces_the_result(name: str, files: dict[str, Path]) -> None:
    args = list(CASES[name])
    if "--claims-format" in args:
        args = [*args, "--events", str(files["january_events"])]
    if "--lenient" in args and "--claims" not in args:
        args = ["--claims", str(files["bad"]), *args]
    elif any(a.startswith(("--map", "--claims-map")) for a in args):
        args = ["--claims", str(files["renamed"]), *args]
    first = _json(["analyze", *args, "--n-boot", "100", *OUTPUT])
    rerun = shlex.split(first["rerun"])
    assert rerun[:2] == ["timing", "analyze"]
    second = _json([*rerun[1:], *OUTPUT])
    assert _comparable(second) == _comparable(first)
    assert second["rerun"] == first["rerun"]
    if "--lenient" in args:
        assert "--lenient" in rerun and second["rows"]["claims"]["rejected"] >= 1
