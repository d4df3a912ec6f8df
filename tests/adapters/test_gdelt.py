"""Tests of timing.adapters.gdelt on hand-made GDELT 2.0 event records (the first sample)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timing.adapters import load_with_adapter
from timing.adapters.gdelt import COLUMNS, parse_gdelt, parse_sqldate, read_gdelt_events
from timing.errors import TimingInputError
from timing.schema import CLAIMS, EVENTS


def test_column_list():
    assert len(COLUMNS) == 61 == len(set(COLUMNS))
    assert COLUMNS[:2] == ("GLOBALEVENTID", "SQLDATE")
    assert COLUMNS[26:30] == ("EventCode", "EventBaseCode", "EventRootCode", "QuadClass")
    assert COLUMNS[52] == "ActionGeo_FullName" and COLUMNS[-1] == "SOURCEURL"


def test_events_round_trip(data):
    result = parse_gdelt(data / "gdelt_sample.export.CSV")
    f = result.frame
    assert f.columns[: len(EVENTS.names)] == list(EVENTS.names)
    assert result.read == 11 and f.height == 7
    assert {k: v for k, v in result.skipped.items() if v} == {"code not mapped": 4}
    assert f["event_id"].to_list() == [f"GDELT-12000000{i:02d}" for i in (1, 2, 3, 4, 5, 6, 11)]
    assert f["kind"].to_list() == ["talks", "talks", "visit", "call", "other", "visit", "talks"]
    assert f["date"][0] == "2025-02-18" and f["date"][-1] == "2025-03-25"
    assert f["parties"].to_list()[:2] == ["USA-RUS", "RUS-USA"]
    assert f["location"][0] == "Riyadh, Ar Riyad, Saudi Arabia" and f["location"][3] is None
    assert f["title"][0] == "UNITED STATES engaged in negotiation with RUSSIA"
    assert f["source"][0] == "https://example.org/news/riyadh-talks"
    # "46" with root "4" (leading zeros lost in a spreadsheet) is restored to "046"
    assert f["cameo_code"][-1] == "046"


def test_actor_filter_needs_every_actor_on_a_side(data):
    result = parse_gdelt(data / "gdelt_sample.export.CSV", actors=("USA", "RUS"))
    assert result.frame["event_id"].to_list() == [
        "GDELT-1200000001",
        "GDELT-1200000002",
        "GDELT-1200000004",
        "GDELT-1200000005",
        "GDELT-1200000011",
    ]
    assert result.skipped["actors not selected"] == 2
    only = read_gdelt_events(data / "gdelt_sample.export.CSV", actors=("UKR",))
    assert only["event_id"].to_list() == ["GDELT-1200000003"]


def test_claims_from_fight_codes(data):
    result = parse_gdelt(data / "gdelt_sample.export.CSV", kind="claims")
    f = result.frame
    assert f.columns[: len(CLAIMS.names)] == list(CLAIMS.names)
    assert f["claim_id"].to_list() == ["GDELT-1200000008", "GDELT-1200000009", "GDELT-1200000010"]
    assert f["kind"].to_list() == ["strike", "capture", "strike"]  # 1951 -> 195 -> strike
    assert f["actor"].to_list() == ["RUSSIA", "RUSSIA", "UKRAINE"]
    assert f["target"][1] == "Sudzha, Kursk, Russia" and f["region"][1] == "RS41"
    assert f["source"][2] == "GDELT 1200000010"  # blank SOURCEURL
    assert result.skipped["code not mapped"] == 8


def test_custom_code_table(data):
    f = read_gdelt_events(
        data / "gdelt_sample.export.CSV", codes={"010": ("other", "made a statement about")}
    )
    assert f["event_id"].to_list() == ["GDELT-1200000007"]
    with pytest.raises(TimingInputError, match="codes: '010' maps to 'press'"):
        read_gdelt_events(data / "gdelt_sample.export.CSV", codes={"010": ("press", "x")})


def test_bad_input_names_file_line_and_field(data, tmp_path):
    # a SQLDATE re-saved as 2025-02-18 is still a date; an unreadable one no longer
    # aborts the file: validation rejects the row, naming its line
    table = load_with_adapter("gdelt-events", data / "gdelt_bad_date.export.CSV")
    assert table.frame["date"].to_list() == [dt.date(2025, 2, 18)]
    lines = (data / "gdelt_sample.export.CSV").read_text().splitlines()
    lines[2] = lines[2].replace("\t20250311\t", "\t2025031\t", 1)
    bad = tmp_path / "bad.export.CSV"
    bad.write_text("\n".join(lines) + "\n")
    table = load_with_adapter("gdelt-events", bad, lenient=True)
    assert (table.accounting.read, table.accounting.used, table.accounting.rejected) == (11, 6, 1)
    assert str(table.accounting.reasons[0]).startswith(
        f"{bad} [gdelt-events]: row 3, column 'date': got '2025031'"
    )
    short = tmp_path / "short.export.CSV"
    short.write_text("\t".join(["1"] * 40) + "\n")
    with pytest.raises(
        TimingInputError,
        match=r"expected 57, 58 or 61 tab-separated fields "
        r"per line \(GDELT 1\.0 or 2\.0\), found 40",
    ):
        read_gdelt_events(short)
    with pytest.raises(TimingInputError, match="kind: got 'fights'"):
        read_gdelt_events(data / "gdelt_sample.export.CSV", kind="fights")  # type: ignore[arg-type]


def test_validates_with_no_rejects(data):
    events = load_with_adapter("gdelt-events", data / "gdelt_sample.export.CSV")
    claims = load_with_adapter(
        "gdelt-claims", data / "gdelt_sample.export.CSV", options={"actors": ["RUS"]}
    )
    assert (events.accounting.used, events.accounting.rejected) == (7, 0)
    assert (claims.accounting.used, claims.accounting.rejected) == (3, 0)
    assert events.frame["date"][0] == dt.date(2025, 2, 18)


@given(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)))
def test_sqldate_round_trip(day):
    assert parse_sqldate(day.strftime("%Y%m%d").zfill(8)) == day


@given(st.text(max_size=12))
def test_sqldate_never_crashes(text):
    parsed = parse_sqldate(text)
    assert parsed is None or parsed.strftime("%Y%m%d") == text.strip()
