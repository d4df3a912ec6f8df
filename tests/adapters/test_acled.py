"""Tests of timing.adapters.acled on a hand-made ACLED export."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adapters.conftest import DATA
from timing.adapters import load_with_adapter
from timing.adapters.acled import parse_acled, parse_acled_date, read_acled
from timing.errors import TimingInputError
from timing.schema import CLAIMS


def test_sample_round_trip(data):
    result = parse_acled(
        data / "acled_sample.csv",
        event_types=("Battles", "Explosions/Remote violence", "Strategic developments"),
    )
    f = result.frame
    assert f.columns[: len(CLAIMS.names)] == list(CLAIMS.names)
    assert f.height == result.read == 6
    assert f["claim_id"].to_list() == [f"UKR20000{i}" for i in range(1, 7)]
    # both date forms: "12 January 2025", "2025-01-13", "14 Jan 2025"
    assert f["date"].to_list() == [
        "2025-01-12",
        "2025-01-13",
        "2025-01-13",
        "2025-01-14",
        "2025-01-15",
        "2025-01-15",
    ]
    assert f["kind"].to_list() == ["strike", "capture", "other", "strike", "other", "capture"]
    assert f["target"][0] == "Kupiansk" and f["region"][0] == "Kharkiv"
    assert f["actor"][0] == "Military Forces of Russia (2000-)"
    assert f["text"][0].startswith("On 12 January 2025, Russian forces struck Kupiansk")
    assert f["source"][2] == "ACLED UKR200003"  # blank source falls back to the id
    assert f["value"].to_list() == ["0", None, "3", "1", "0", "0"]
    assert f["input_row"].to_list() == [str(i) for i in range(2, 8)]


def test_default_keeps_military_action_only(data):
    result = parse_acled(data / "acled_sample.csv")
    assert result.frame["claim_id"].to_list() == [f"UKR20000{i}" for i in (1, 2, 3, 4, 6)]
    assert result.skipped == {"event type not selected: Strategic developments": 1}


def test_filters_are_counted(data):
    result = parse_acled(
        data / "acled_sample.csv",
        actors={"Military Forces of Russia (2000-)"},
        event_types={"explosions/remote violence", "Government regains territory"},
    )
    assert result.frame["claim_id"].to_list() == ["UKR200001", "UKR200002", "UKR200004"]
    assert result.skipped == {
        "actor not selected": 2,
        "event type not selected: Strategic developments": 1,
    }
    assert result.used == 3


def test_kind_overrides(data):
    f = read_acled(data / "acled_sample.csv", kinds={"Armed clash": "strike"})
    assert f["kind"][2] == "strike"
    with pytest.raises(TimingInputError, match="unknown claim kinds"):
        read_acled(data / "acled_sample.csv", kinds={"Armed clash": "battle"})


def test_missing_columns_are_named(data, tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("event_id_cnty,event_date,actor1,sub_event_type\nU1,2025-01-01,A,B\n")
    with pytest.raises(TimingInputError, match=r"missing column\(s\) 'event_type', 'location'"):
        read_acled(p)
    # no sub_event_type is the layout before 2019, not an error
    assert read_acled(data / "acled_missing_column.csv")["kind"].to_list() == ["other"]


def test_year_disagreement_is_an_anomaly(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(
        "event_id_cnty,event_date,year,actor1,event_type,sub_event_type,location\n"
        "U1,12 January 2025,2024,A,Battles,Armed clash,X\n"
    )
    result = parse_acled(p)
    assert result.frame["date"].to_list() == ["2025-01-12"]
    assert [(a.row, a.field) for a in result.anomalies] == [(2, "year")]


def test_validates_with_no_rejects(data):
    table = load_with_adapter("acled", data / "acled_sample.csv")
    assert table.accounting.read == 6 and table.accounting.rejected == 0
    assert table.accounting.skipped == {"event type not selected: Strategic developments": 1}
    assert table.frame["date"][0] == dt.date(2025, 1, 12)


@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    st.sampled_from(["%d %B %Y", "%Y-%m-%d", "%d %b %Y", "%-d %B %Y"]),
)
def test_date_parsing_round_trip(day, fmt):
    text = day.strftime(fmt)
    assert parse_acled_date(text) == day
    assert parse_acled_date(text.upper()) == day


@given(st.text(max_size=30))
def test_date_parser_never_crashes(text):
    parsed = parse_acled_date(text)
    assert parsed is None or isinstance(parsed, dt.date)


def test_excel_saved_export_in_cp1252_is_refused_then_read_with_its_encoding(tmp_path):
    from typer.testing import CliRunner

    from timing.cli import app
    from timing.errors import TimingInputError

    text = (DATA / "acled_export_2023.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    lines[2] = lines[2].replace("Pokrovsk", "Pokrovsk (Donetsk région)", 1)
    path = tmp_path / "acled_excel_cp1252.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    with pytest.raises(TimingInputError, match=r"line 3, column '\w+': bytes b'\\xe9'"):
        load_with_adapter("acled", path)
    table = load_with_adapter("acled", path, options={"encoding": "cp1252"})
    assert table.accounting.read == 9
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "--claims",
            str(path),
            "--claims-format",
            "acled",
            "--no-report",
            "--events",
            str(DATA / "generic_events.csv"),
        ],
    )
    assert result.exit_code == 2 and "--option encoding=cp1252" in result.stderr
