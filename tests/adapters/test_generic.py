"""Tests of timing.adapters.generic (column map + date format)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from timing.adapters import load_with_adapter
from timing.adapters.generic import convert_dates, read_generic
from timing.errors import TimingInputError

CLAIM_MAP = {
    "claim_id": "id",
    "date": "day",
    "actor": "who",
    "kind": "what",
    "target": "place",
    "region": "oblast",
    "verified_date": "confirmed_on",
    "source": "url",
}
EVENT_MAP = {
    "event_id": "id",
    "date": "start",
    "end_date": "end",
    "kind": "type",
    "parties": "who",
    "location": "where",
    "title": "title",
    "source": "url",
}


def test_claims_round_trip(data):
    f = read_generic(data / "generic_claims.csv", CLAIM_MAP, date_format="%d.%m.%Y")
    assert f.height == 3
    assert f["date"].to_list() == ["2025-01-06", "2025-01-07", "2025-01-08"]
    assert f["verified_date"].to_list() == ["2025-01-10", None, None]
    assert f["kind"].to_list() == ["capture", "encirclement", "strike"]
    assert f["input_row"].to_list() == ["2", "3", "4"]


def test_events_validate_with_no_rejects(data):
    table = load_with_adapter(
        "generic-events",
        data / "generic_events.csv",
        options={"mapping": EVENT_MAP, "date_format": "%d.%m.%Y"},
    )
    assert (table.accounting.used, table.accounting.rejected) == (2, 0)
    assert table.frame["date"].to_list() == [dt.date(2025, 2, 18), dt.date(2025, 3, 11)]
    assert table.frame["end_date"].to_list() == [dt.date(2025, 2, 18), None]


def test_bad_date_names_file_row_and_column(data):
    m = {"claim_id": "id", "date": "day", "actor": "who", "kind": "what", "source": "url"}
    with pytest.raises(
        TimingInputError, match=r"generic_bad_date.csv: row 3, column 'date': got '2025-01-07'"
    ):
        read_generic(data / "generic_bad_date.csv", m, date_format="%d.%m.%Y")
    with pytest.raises(TimingInputError, match="no column 'nope'"):
        read_generic(data / "generic_claims.csv", {"date": "nope"})


def test_time_formats_keep_the_time():
    f = pl.DataFrame({"date": ["01.12.2025 14:03"]})
    out = convert_dates(f, ("date",), "%d.%m.%Y %H:%M", file="x")
    assert out["date"].to_list() == ["2025-12-01T14:03:00"]


@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.sampled_from(["%d.%m.%Y", "%m/%d/%Y", "%Y%m%d", "%d %B %Y"]),
)
def test_date_format_round_trip(day, fmt):
    f = pl.DataFrame({"date": [day.strftime(fmt)]})
    assert convert_dates(f, ("date",), fmt, file="x")["date"].item() == day.isoformat()
