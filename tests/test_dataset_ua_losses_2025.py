"""Checks on the bundled dataset datasets/ua-losses-2025 (outlier loss days, events, package).

The claims are derived by ``datasets/ua-losses-2025/build.py`` from the raw General Staff file
(read in place from the shared folder beside the checkout; the reproduction test is skipped
when it is absent). The events are a copy of ``datasets/ru-ua-2025/events.csv``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.datapackage_checks import check_cells, csv_rows
from timing.cli import app
from timing.datasets import dataset_info, list_datasets
from timing.errors import TimingInputError
from timing.io import load_claims, load_events
from timing.schema import CLAIMS, EVENTS

ROOT = Path(__file__).resolve().parents[1] / "datasets"
HERE = ROOT / "ua-losses-2025"
RU = ROOT / "ru-ua-2025"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw" / "ua-gs-losses"
REBUILD = "run `PYTHONPATH=$PWD python datasets/ua-losses-2025/build.py`"


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ua_losses_2025_build", HERE / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()


@pytest.fixture(scope="module")
def package() -> dict:
    return json.loads((HERE / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def claims() -> list[dict[str, str]]:
    return csv_rows(HERE / "claims.csv")[1]


def test_claims_load_without_rejects_and_header_is_canonical():
    header, rows = csv_rows(HERE / "claims.csv")
    assert header[: len(CLAIMS.names)] == list(CLAIMS.names)
    assert tuple(header) == build.CLAIM_COLUMNS
    acc = load_claims(HERE / "claims.csv").accounting
    assert (acc.read, acc.used, acc.rejected) == (len(rows), len(rows), 0)
    acc = load_events(HERE / "events.csv").accounting
    assert acc.rejected == 0 and acc.used == acc.read
    assert csv_rows(HERE / "events.csv")[0][: len(EVENTS.names)] == list(EVENTS.names)


def test_every_row_follows_the_rule_and_cites_its_record(claims):
    assert claims, "the rule selects some days"
    ids = [r["claim_id"] for r in claims]
    assert len(ids) == len(set(ids))
    assert [r["date"] for r in claims] == sorted(r["date"] for r in claims)
    for r in claims:
        day = dt.date.fromisoformat(r["date"])
        assert r["claim_id"] == f"UAGS-personnel-{r['date']}"
        assert (r["actor"], r["kind"], r["status"]) == (
            "UA General Staff",
            "casualties",
            "unverified",
        )
        assert r["source"] == f"{build.RAW_URL}#L{r['raw_line']}", r["claim_id"]
        assert float(r["value"]) > float(r["threshold"]) >= float(r["window_median"]) > 0
        assert r["window_end"] == (day - dt.timedelta(days=1)).isoformat()
        assert r["window_start"] == (day - dt.timedelta(days=build.WINDOW)).isoformat()
        assert r["rule"] == build.rule_text()
        assert r["date"] in r["text"] and r["value"] in r["text"]
        assert int(r["cumulative"]) > int(r["value"])


def test_package_schema_rows_and_month_table_match_the_csvs(package, claims):
    assert package["name"] == "ua-losses-2025"
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert "MIT" in package["licenses"][0]["title"]
    assert package["sources"][1]["path"] == build.RAW_URL
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"claims", "events"}
    for name, key in (("claims", "claim_id"), ("events", "event_id")):
        res = resources[name]
        header, rows = csv_rows(HERE / res["path"])
        assert [f["name"] for f in res["schema"]["fields"]] == header
        assert res["schema"]["primaryKey"] == key
        assert package["timing"]["rows"][name] == len(rows)
        check_cells(name, key, res["schema"]["fields"], rows)
    tim = package["timing"]
    cov = tim["coverage"]
    months = cov["months"]
    span = (dt.date.fromisoformat(cov["end"]) - dt.date.fromisoformat(cov["start"])).days + 1
    assert sum(m["days_in_span"] for m in months) == span
    assert all(m["days_announced"] == m["days_in_span"] for m in months), "complete by rule"
    assert sum(m["days_selected"] for m in months) == len(claims)
    by_month = {m["month"]: m for m in months}
    for r in claims:
        assert cov["start"] <= r["date"] <= cov["end"]
        assert int(r["value"]) <= by_month[r["date"][:7]]["max_daily"]
    assert tim["rule"]["window_days"] == build.WINDOW and tim["rule"]["quantile"] == build.QUANTILE
    assert tim["raw"]["commit"] == build.RAW_COMMIT


def test_events_are_ru_ua_2025_unchanged(package):
    ru = json.loads((RU / "datapackage.json").read_text(encoding="utf-8"))
    same = (HERE / "events.csv").read_bytes() == (RU / "events.csv").read_bytes()
    assert same, f"events.csv differs from ru-ua-2025's: {REBUILD}"
    ours = next(r for r in package["resources"] if r["name"] == "events")
    theirs = next(r for r in ru["resources"] if r["name"] == "events")
    assert ours["schema"] == theirs["schema"], REBUILD
    assert package["timing"]["coverage"]["start"] == ru["timing"]["coverage"]["start"], REBUILD
    assert package["timing"]["coverage"]["end"] == ru["timing"]["coverage"]["end"], REBUILD


def _synthetic(tmp_path: Path, figures: list[int]) -> Path:
    day0 = dt.date(2025, 1, 1)
    total, records = 0, []
    for i, figure in enumerate(figures):
        total += figure
        records.append({"date": (day0 + dt.timedelta(days=i)).isoformat(), "personnel": total})
    (tmp_path / build.RAW_FILE).write_text(json.dumps(records, indent=4), encoding="utf-8")
    return tmp_path


def test_rule_on_a_small_file_is_strict_and_uses_only_earlier_days(tmp_path):
    # 31 records: the first is the cumulative start, then 30 days of 100 with one 120, so the
    # 95th percentile of each 30-day window is 100 or between 100 and 120.
    figures = [5000] + [100] * 20 + [120] + [100] * 9 + [100, 130, 110]
    raw = _synthetic(tmp_path, figures)
    start, end = dt.date(2025, 2, 1), dt.date(2025, 2, 3)
    rows, months = build.derive(raw, start, end, sha256=None)
    # day 32 (2025-02-01, figure 100) equals the window's ceiling of 100s: not selected;
    # day 33 (130) beats it; day 34 (110) stays under the threshold the 130 raised to 111.
    assert [(r["date"], r["value"]) for r in rows] == [("2025-02-02", 130)]
    window = figures[2:32]
    assert rows[0]["threshold"] == pytest.approx(float(np.percentile(window, 95))) == 100.0
    assert rows[0]["raw_line"] == 1 + 4 * 32 + 2  # '[', then 4 lines per object
    assert months == [
        {
            "month": "2025-02",
            "days_in_span": 3,
            "days_announced": 3,
            "days_selected": 1,
            "median_daily": 110.0,
            "max_daily": 130,
        }
    ]


def test_rule_refuses_a_short_history_and_a_foreign_file(tmp_path):
    raw = _synthetic(tmp_path, [100] * 10)
    with pytest.raises(TimingInputError, match="need 30 days before"):
        build.derive(raw, dt.date(2025, 1, 5), dt.date(2025, 1, 10), sha256=None)
    with pytest.raises(TimingInputError, match="not the pinned copy"):
        build.derive(raw, dt.date(2025, 1, 5), dt.date(2025, 1, 10))


@pytest.mark.skipif(not (REAL / build.RAW_FILE).is_file(), reason="raw file absent")
def test_derivation_reproduces_the_bundled_files_from_the_raw_file():
    files = build.build(REAL)
    for name, text in files.items():
        assert (HERE / name).read_text(encoding="utf-8") == text, f"{name} is stale: {REBUILD}"
    lines = (REAL / build.RAW_FILE).read_text(encoding="utf-8").splitlines()
    for r in csv_rows(HERE / "claims.csv")[1]:
        assert f'"date": "{r["date"]}"' in lines[int(r["raw_line"]) - 1]


def test_listed_and_analysed_from_the_command_line():
    assert "ua-losses-2025" in [d.name for d in list_datasets()]
    info = dataset_info("ua-losses-2025")
    assert info.coverage == dataset_info("ru-ua-2025").coverage
    assert info.caveat and "not verified" in info.caveat
    fast = ["--n-boot", "10", "--n-monte-carlo", "19", "--lag-density-shifts", "19"]
    fast += ["--predictive-shifts", "9", "--scan-max-window", "3"]
    result = CliRunner().invoke(
        app, ["analyze", "--dataset", "ua-losses-2025", "--no-report", "--json", *fast]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dataset"] == "ua-losses-2025"
    rows = dataset_info("ua-losses-2025").rows
    assert f"{rows['claims']} claims, {rows['events']} events" in payload["headline"]


def test_readme_month_table_is_the_package_s(package):
    text = (HERE / "README.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| (\d{4}-\d{2}) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", text, re.M)
    months = package["timing"]["coverage"]["months"]
    expected = [
        (m["month"], str(m["days_in_span"]), str(m["days_selected"]), f"{m['median_daily']:g}",
         str(m["max_daily"]))
        for m in months
    ]  # fmt: skip
    assert table == expected, f"README.md's month table is stale: {REBUILD} and update it"
