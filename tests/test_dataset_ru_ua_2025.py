"""Checks on the bundled dataset datasets/ru-ua-2025 (claims, events, datapackage.json).

The rules tested here are the ones the dataset README states: the status rule (no status
dated before its claim, unverified rows carry no status date or source), the found_by values,
no duplicate or repeated claim of one place within a week unless marked as a re-claim, and a
per-month coverage table in datapackage.json that matches the rows.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pytest

from tests.datapackage_checks import check_cells, csv_rows
from timing.io import load_claims, load_events
from timing.schema import CLAIM_KINDS, CLAIM_STATUSES, CLAIMS, EVENT_KINDS, EVENTS

HERE = Path(__file__).resolve().parents[1] / "datasets" / "ru-ua-2025"
URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")
CLAIM_EXTRAS = ("actor_detail", "status_date", "status_source", "confidence", "notes", "found_by")
EVENT_EXTRAS = ("confidence", "notes")
# Another part of the project may add this column to events.csv; it is allowed, not required.
OPTIONAL_EVENT_EXTRAS = ("announced_source",)
FOUND_BY = {"bulletin-sweep", "search"}
REPEAT_DAYS = 7


def _rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    return csv_rows(HERE / name)


@pytest.fixture(scope="module")
def package() -> dict:
    return json.loads((HERE / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def claims() -> list[dict[str, str]]:
    return _rows("claims.csv")[1]


def _place(target: str, kind: str = "capture") -> str:
    """A settlement name folded so that transliteration variants compare equal.

    Drops all vowels, apostrophes, spaces and hyphens, so that e.g. "Seredne"/"Serednie" and
    "Neliepivka"/"Nelepivka" give the same key. For captures a parenthetical qualifier is only
    a note ("Kostiantynivka (village)"); for partial-control and encirclement claims it is what
    was claimed ("Pokrovsk (70%)"), so it is kept.
    """
    name = target.lower()
    if kind == "capture":
        name = re.sub(r"\(.*?\)", "", name)
    return re.sub(r"[aeiouy'\s\-]", "", name)


def _claim_key(r: dict[str, str]) -> tuple[str, str, str]:
    return (r["region"], r["kind"], _place(r["target"], r["kind"]))


def test_claims_header_and_load():
    header, rows = _rows("claims.csv")
    assert header == [*CLAIMS.names, *CLAIM_EXTRAS]
    acc = load_claims(HERE / "claims.csv").accounting
    assert (acc.read, acc.used, acc.rejected) == (len(rows), len(rows), 0)


def test_events_header_and_load():
    header, rows = _rows("events.csv")
    base = [*EVENTS.names, *EVENT_EXTRAS]
    assert header[: len(base)] == base
    assert set(header[len(base) :]) <= set(OPTIONAL_EVENT_EXTRAS), header
    acc = load_events(HERE / "events.csv").accounting
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


def test_claim_enums_and_actor(claims):
    for r in claims:
        assert r["kind"] in CLAIM_KINDS, r["claim_id"]
        assert r["status"] in CLAIM_STATUSES, r["claim_id"]
        assert r["actor"] == "RU MoD", r["claim_id"]
        assert r["value"] == "", r["claim_id"]
        assert r["found_by"] in FOUND_BY, (r["claim_id"], r["found_by"])


def test_status_rule(claims):
    """The README's status rule: dates never before the claim; fields that go with each status."""
    for r in claims:
        cid, status = r["claim_id"], r["status"]
        for col in ("status_date", "verified_date"):
            if r[col]:
                assert r[col] >= r["date"], (cid, col, r[col], r["date"])
        if status == "unverified":
            assert (r["status_date"], r["status_source"], r["verified_date"]) == ("", "", ""), cid
            continue
        assert r["status_date"], cid
        assert URL.match(r["status_source"]), cid
        if status == "contested":
            assert r["verified_date"] == "", cid
        else:  # confirmed / refuted: the day the source spoke
            assert r["verified_date"] == r["status_date"], cid


def test_no_duplicate_claim_under_two_spellings(claims):
    seen: dict[tuple[str, str, str], str] = {}
    for r in claims:
        key = (r["date"], *_claim_key(r))
        assert key not in seen, (seen.get(key), r["claim_id"], r["target"])
        seen[key] = r["claim_id"]


def test_no_repeat_within_a_week_unless_reclaim(claims):
    by_place = collections.defaultdict(list)
    for r in claims:
        by_place[_claim_key(r)].append(r)
    for rows in by_place.values():
        rows.sort(key=lambda r: r["date"])
        for earlier, later in itertools.pairwise(rows):
            gap = dt.date.fromisoformat(later["date"]) - dt.date.fromisoformat(earlier["date"])
            if gap.days <= REPEAT_DAYS:
                assert "re-claim" in later["notes"], (earlier["claim_id"], later["claim_id"])


def test_place_key_folds_known_spelling_variants():
    assert _place("Seredne") == _place("Serednie")
    assert _place("Neliepivka") == _place("Nelepivka")
    assert _place("Kostiantynivka (village)") == _place("Kostiantynivka")
    assert _place("Tykhe") != _place("Otradne")
    assert _place("Pokrovsk (70%)", "other") != _place("Pokrovsk (two districts)", "other")


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
        names = [f["name"] for f in fields]
        assert names in (header, [h for h in header if h not in OPTIONAL_EVENT_EXTRAS])
        assert res["schema"]["primaryKey"] == key
        assert stated[name] == len(rows)
        assert all(f["type"] in ("string", "date", "number") for f in fields)
        check_cells(name, key, fields, rows)
        all_dates += [r["date"] for r in rows]
        all_dates += [r["end_date"] for r in rows if r.get("end_date")]
    period = package["timing"]["period"]
    assert (period["start"], period["end"]) == (min(all_dates), max(all_dates))


def test_status_counts_stated(package, claims):
    timing = package["timing"]
    assert timing["claims_with_status"] == sum(r["status"] != "unverified" for r in claims)
    assert timing["claims_with_verified_date"] == sum(bool(r["verified_date"]) for r in claims)


def test_coverage_table_matches_rows(package, claims):
    coverage = package["timing"]["coverage"]
    assert coverage["start"] <= min(r["date"] for r in claims)
    assert coverage["end"] >= max(r["date"] for r in claims)
    per_month = collections.Counter(r["date"][:7] for r in claims)
    captures = collections.Counter(r["date"][:7] for r in claims if r["kind"] == "capture")
    found = collections.Counter((r["date"][:7], r["found_by"]) for r in claims)
    months = coverage["months"]
    assert [m["month"] for m in months] == sorted(per_month)
    assert sum(m["claims"] for m in months) == len(claims)
    for m in months:
        month = m["month"]
        assert m["claims"] == per_month[month], month
        assert m["captures"] == captures[month], month
        assert sum(m["found_by"].values()) == m["claims"], month
        for how, n in m["found_by"].items():
            assert how in FOUND_BY and n == found[(month, how)], (month, how)
        assert m["method"], month
        if m["tally"] is None:
            assert m["tally_source"] is None and m["captures_in_tally_days"] is None, month
            continue
        assert m["tally"] > 0 and URL.match(m["tally_source"]), month
        start, end = m["tally_days"]
        assert start[:7] == end[:7] == month
        in_days = sum(start <= r["date"] <= end and r["kind"] == "capture" for r in claims)
        assert m["captures_in_tally_days"] == in_days, month


def test_period_tallies_compare_capture_rows(package, claims):
    caps = [r for r in claims if r["kind"] == "capture"]
    tallies = package["timing"]["coverage"]["tallies"]
    assert any(t["settlements"] == 334 for t in tallies)  # Gerasimov's figure for 2025
    for t in tallies:
        start, end = t["period"]
        assert URL.match(t["source"]), t
        # A tally with "region" counts one region only (e.g. Gerasimov's Sumy figure).
        rows = [r for r in caps if start <= r["date"] <= end]
        if "region" in t:
            rows = [r for r in rows if r["region"] == t["region"]]
        assert t["captures_in_table"] == len(rows), t["period"]
        outside = sum(r["region"] != "Kursk (RU)" for r in rows)
        assert t["captures_in_table_outside_kursk"] == outside, t["period"]
        assert t["coverage"] == round(len(rows) / t["settlements"], 3), t["period"]


def test_derived_tally_follows_its_published_tally(package, claims):
    """The January-August figure is derived: the published 1 Jan-25 Sep count less the table's
    captures after August in that span. It must move whenever either side changes."""
    tallies = package["timing"]["coverage"]["tallies"]
    derived = [t for t in tallies if "derived_from" in t]
    assert derived, "the January-August 2025 derived tally is missing"
    for t in derived:
        base = next(b for b in tallies if b["period"] == t["derived_from"] and "region" not in b)
        assert base["period"][0] == t["period"][0] and t["period"][1] < base["period"][1]
        after = sum(
            r["kind"] == "capture" and t["period"][1] < r["date"] <= base["period"][1]
            for r in claims
        )
        assert t["settlements"] == base["settlements"] - after
        assert "derived" in t["by"] and t["source"] == base["source"]


def test_every_month_without_tally_says_why(package):
    for m in package["timing"]["coverage"]["months"]:
        if m["tally"] is None:
            assert m.get("tally_note"), m["month"]
        else:
            assert "tally_note" not in m, m["month"]


def test_event_enums_and_dates():
    _, rows = _rows("events.csv")
    for r in rows:
        assert r["kind"] in EVENT_KINDS, r["event_id"]
        if r["end_date"]:
            assert r["end_date"] >= r["date"], r["event_id"]
        if r["announced_date"]:
            assert r["announced_date"] <= r["date"], r["event_id"]


def test_seed_case_present(claims):
    _, events = _rows("events.csv")
    assert any(
        r["date"] == "2025-12-01" and r["kind"] == "capture" and r["target"] == "Pokrovsk"
        for r in claims
    )
    assert any(
        r["date"] == "2025-12-02"
        and r["kind"] == "visit"
        and "Witkoff" in r["title"]
        and "Moscow" in r["location"]
        for r in events
    )
