"""Checks on the bundled dataset datasets/ru-ua-2025 (claims, events, datapackage.json)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from timing.io import load_claims, load_events
from timing.schema import CLAIM_KINDS, CLAIM_STATUSES, CLAIMS, EVENT_KINDS, EVENTS

HERE = Path(__file__).resolve().parents[1] / "datasets" / "ru-ua-2025"
URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")
CLAIM_EXTRAS = ("actor_detail", "status_date", "status_source", "confidence", "notes", "found_by")
EVENT_EXTRAS = ("confidence", "notes")


def _rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (HERE / name).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


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
    table = loader(HERE / name)
    acc = table.accounting
    assert (acc.read, acc.used, acc.rejected) == (len(rows), len(rows), 0)


@pytest.mark.parametrize(("name", "key"), [("claims.csv", "claim_id"), ("events.csv", "event_id")])
def test_ids_unique_sorted_by_date_and_sourced(name, key):
    _, rows = _rows(name)
    ids = [r[key] for r in rows]
    assert len(ids) == len(set(ids))
    order = [(r["date"], r[key]) for r in rows]
    assert order == sorted(order)
    for r in rows:
        assert URL.match(r["source"]), (r[key], r["source"])
        dt.date.fromisoformat(r["date"])
        assert r["confidence"] in ("high", "medium", "low"), r[key]


def test_claim_enums_and_status_dates():
    _, rows = _rows("claims.csv")
    for r in rows:
        assert r["kind"] in CLAIM_KINDS, r["claim_id"]
        assert r["status"] in CLAIM_STATUSES, r["claim_id"]
        assert r["value"] == ""
        if r["verified_date"]:
            assert r["status"] in ("confirmed", "refuted"), r["claim_id"]
            assert r["verified_date"] >= r["date"], r["claim_id"]
        if r["status"] == "contested":
            assert r["verified_date"] == "", r["claim_id"]
        if r["status_source"]:
            assert URL.match(r["status_source"]), r["claim_id"]


def test_event_enums_and_dates():
    _, rows = _rows("events.csv")
    for r in rows:
        assert r["kind"] in EVENT_KINDS, r["event_id"]
        if r["end_date"]:
            assert r["end_date"] >= r["date"], r["event_id"]
        if r["announced_date"]:
            assert r["announced_date"] <= r["date"], r["event_id"]


def test_datapackage_matches_csvs(package):
    assert package["name"] == "ru-ua-2025"
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"]
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"claims", "events"}
    stated = package["timing"]["rows"]
    all_dates: list[str] = []
    for name, key in (("claims", "claim_id"), ("events", "event_id")):
        res = resources[name]
        assert res["path"] == f"{name}.csv" and res["format"] == "csv"
        header, rows = _rows(res["path"])
        fields = res["schema"]["fields"]
        assert [f["name"] for f in fields] == header
        assert res["schema"]["primaryKey"] == key
        assert stated[name] == len(rows)
        for f in fields:
            assert f["type"] in ("string", "date", "number")
            cons = f.get("constraints", {})
            for r in rows:
                cell = r[f["name"]]
                if cons.get("required"):
                    assert cell, (name, f["name"], r[key])
                if cell and "enum" in cons:
                    assert cell in cons["enum"], (name, f["name"], cell)
                if cell and f["type"] == "date":
                    dt.date.fromisoformat(cell)
        all_dates += [r["date"] for r in rows]
        all_dates += [r["end_date"] for r in rows if r.get("end_date")]
    period = package["timing"]["period"]
    assert (period["start"], period["end"]) == (min(all_dates), max(all_dates))


def test_seed_case_present():
    _, claims = _rows("claims.csv")
    _, events = _rows("events.csv")
    assert any(
        r["date"] == "2025-12-01" and r["kind"] == "capture" and r["target"] == "Pokrovsk"
        and r["actor"] == "RU MoD"
        for r in claims
    )
    assert any(
        r["date"] == "2025-12-02" and r["kind"] == "visit" and "Witkoff" in r["title"]
        and "Moscow" in r["location"]
        for r in events
    )
