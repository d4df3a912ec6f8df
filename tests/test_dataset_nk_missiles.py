"""Checks on the bundled dataset datasets/nk-missiles (launches, events, datapackage.json)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from tests.datapackage_checks import check_cells, csv_rows
from timing.datasets import dataset_info, list_datasets
from timing.io import load_claims, load_events
from timing.schema import CLAIM_KINDS, CLAIMS, EVENT_KINDS, EVENTS

HERE = Path(__file__).resolve().parents[1] / "datasets" / "nk-missiles"
URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")
CNS_URL = "https://www.nti.org/analysis/articles/cns-north-korea-missile-test-database/"
CLAIM_EXTRAS = (
    "missile_name",
    "missile_type",
    "facility",
    "n_missiles",
    "outcome",
    "cns_ids",
    "cns_date",
    "launch_time_utc",
    "cns_file",
    "date_source",
    "confidence",
    "notes",
)
EVENT_EXTRAS = ("confidence", "notes")


def _rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    return csv_rows(HERE / name)


@pytest.fixture(scope="module")
def package() -> dict:
    return json.loads((HERE / "datapackage.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "loader", "spec", "extras"),
    [
        ("claims.csv", load_claims, CLAIMS, CLAIM_EXTRAS),
        ("events.csv", load_events, EVENTS, EVENT_EXTRAS),
    ],
)
def test_loads_without_rejects_and_header_is_canonical(name, loader, spec, extras):
    header, rows = _rows(name)
    assert header == [*spec.names, *extras]
    acc = loader(HERE / name).accounting
    assert (acc.read, acc.used, acc.rejected) == (len(rows), len(rows), 0)


@pytest.mark.parametrize(("name", "key"), [("claims.csv", "claim_id"), ("events.csv", "event_id")])
def test_ids_unique_sorted_by_date_and_sourced(name, key):
    _, rows = _rows(name)
    ids = [r[key] for r in rows]
    assert len(ids) == len(set(ids))
    assert [(r["date"], r[key]) for r in rows] == sorted((r["date"], r[key]) for r in rows)
    assert ids == sorted(ids), "ids follow date order"
    for r in rows:
        assert URL.match(r["source"]), (r[key], r["source"])
        dt.date.fromisoformat(r["date"])
        assert r["confidence"] in ("high", "medium", "low"), r[key]


def test_launch_rows_cite_cns_and_a_dated_page_and_add_up():
    _, rows = _rows("claims.csv")
    cns_ids: list[int] = []
    for r in rows:
        assert r["source"] == CNS_URL
        assert URL.match(r["cns_file"]) and URL.match(r["date_source"]), r["claim_id"]
        assert (r["actor"], r["kind"]) == ("DPRK", "other")
        assert r["kind"] in CLAIM_KINDS
        ids = [int(x) for x in r["cns_ids"].split(";")]
        assert int(r["value"]) == int(r["n_missiles"]) == len(ids), r["claim_id"]
        counts = [int(part.split()[0]) for part in r["outcome"].split("; ")]
        assert sum(counts) == len(ids), r["claim_id"]
        cns_ids += ids
    assert len(cns_ids) == len(set(cns_ids)), "each CNS row is used once"
    # CNS rows 98-136 are every launch from 2017 to the version's last entry (2019-10-01 UTC)
    assert sorted(cns_ids) == list(range(98, 137))


def test_korean_day_is_cns_utc_time_plus_nine_hours_unless_a_note_says_why():
    _, rows = _rows("claims.csv")
    for r in rows:
        first_time = r["launch_time_utc"].split(";")[0]
        cns_day = dt.date.fromisoformat(r["cns_date"].split(";")[0])
        if first_time:
            hour = int(first_time.split(":")[0])
            derived = cns_day + dt.timedelta(days=1 if hour >= 15 else 0)
            if derived.isoformat() != r["date"]:
                assert "KST day" in r["notes"], r["claim_id"]
        if r["date"] != r["cns_date"].split(";")[0]:
            assert r["notes"], r["claim_id"]


def test_event_enums_and_dates():
    _, rows = _rows("events.csv")
    for r in rows:
        assert r["kind"] in EVENT_KINDS, r["event_id"]
        assert r["end_date"] >= r["date"], r["event_id"]
        if r["announced_date"]:
            assert r["announced_date"] <= r["date"], r["event_id"]
        for url in re.findall(r"https?://[^\s)]+", r["notes"]):
            assert URL.match(url), (r["event_id"], url)
    named = {(r["date"], r["location"]) for r in rows}
    for seed in (
        ("2018-04-27", "Panmunjom"),
        ("2018-06-12", "Singapore"),
        ("2019-02-27", "Hanoi"),
        ("2019-06-30", "Panmunjom"),
        ("2019-10-05", "Stockholm"),
    ):
        assert seed in named, seed


def test_datapackage_matches_csvs_and_coverage_lies_in_the_data_span(package):
    assert package["name"] == "nk-missiles"
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"][0]["path"] == CNS_URL
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"claims", "events"}
    all_dates: list[str] = []
    for name, key in (("claims", "claim_id"), ("events", "event_id")):
        res = resources[name]
        assert res["licenses"], name
        header, rows = _rows(res["path"])
        fields = res["schema"]["fields"]
        assert [f["name"] for f in fields] == header
        assert res["schema"]["primaryKey"] == key
        assert package["timing"]["rows"][name] == len(rows)
        check_cells(name, key, fields, rows)
        all_dates += [r["date"] for r in rows] + [r["end_date"] for r in rows if r.get("end_date")]
    _, claims = _rows("claims.csv")
    assert package["timing"]["missiles"] == sum(int(r["value"]) for r in claims)
    period = package["timing"]["period"]
    assert (period["start"], period["end"]) == (min(all_dates), max(all_dates))
    cov = package["timing"]["coverage"]
    assert period["start"] <= cov["start"] <= cov["end"] <= period["end"]
    assert all(cov["start"] <= d <= cov["end"] for d in all_dates)


def test_listed_with_its_coverage():
    assert "nk-missiles" in [d.name for d in list_datasets()]
    info = dataset_info("nk-missiles")
    assert info.coverage == ("2017-02-12", "2019-10-05")
    assert info.rows == {"claims": 24, "events": 42}
    assert info.caveat and "CNS" in info.caveat
