"""Loading and validation: every format, every validation case, row accounting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CLAIMS_ROWS, EVENTS_ROWS, write_table
from timing.errors import TimingInputError
from timing.io import load_claims, load_events, parse_mapping, read_raw
from timing.schema import ValidationError, parse_date


@pytest.mark.parametrize("suffix", [".csv", ".json", ".ndjson", ".jsonl", ".parquet"])
def test_every_format_loads_the_same_rows(tmp_path: Path, suffix: str) -> None:
    table = load_claims(write_table(CLAIMS_ROWS, tmp_path / f"claims{suffix}"))
    assert table.accounting.read == 3 and table.accounting.used == 3
    assert table.frame["claim_id"].to_list() == ["c1", "c2", "c3"]
    # The ISO timestamp at +03:00 is normalised to UTC, then binned to its day.
    assert table.frame["date"].to_list() == [
        dt.date(2025, 1, 2),
        dt.date(2025, 1, 9),
        dt.date(2025, 1, 20),
    ]
    assert table.frame.schema["date"] == pl.Date


def test_hour_resolution_keeps_utc_hour(tmp_path: Path) -> None:
    table = load_claims(write_table(CLAIMS_ROWS, tmp_path / "c.csv"), resolution="hour")
    assert table.frame["date"][1] == dt.datetime(2025, 1, 9, 7, tzinfo=dt.UTC)


def test_parse_date_forms() -> None:
    assert parse_date("2025-12-01") == dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    assert parse_date("2025-12-01T23:30:00Z") == dt.datetime(2025, 12, 1, 23, 30, tzinfo=dt.UTC)
    assert parse_date("2025-12-01T01:30:00+03:00") == dt.datetime(
        2025, 11, 30, 22, 30, tzinfo=dt.UTC
    )
    for bad in ("01/12/2025", "2025-13-01", "yesterday", "", "2025-02-30"):
        assert parse_date(bad) is None


def test_column_mapping(tmp_path: Path) -> None:
    rows = [{("claim_date" if k == "date" else k): v for k, v in r.items()} for r in CLAIMS_ROWS]
    path = write_table(rows, tmp_path / "c.csv")
    with pytest.raises(ValidationError, match="column 'date'"):
        load_claims(path)
    table = load_claims(path, mapping=parse_mapping(["date=claim_date"]))
    assert table.accounting.used == 3
    with pytest.raises(TimingInputError, match="no column 'nope'"):
        load_claims(path, mapping={"date": "nope"})
    with pytest.raises(TimingInputError, match=r"NAME=VALUE"):
        parse_mapping(["date"])


def _bad(tmp_path: Path, rows: list[dict[str, str]], kind: str = "claims") -> ValidationError:
    path = write_table(rows, tmp_path / f"{kind}.csv")
    loader = load_claims if kind == "claims" else load_events
    with pytest.raises(ValidationError) as info:
        loader(path)
    return info.value


def test_bad_date_names_file_row_column_value(tmp_path: Path) -> None:
    rows = [dict(CLAIMS_ROWS[0]), dict(CLAIMS_ROWS[1], date="12/01/2025")]
    err = _bad(tmp_path, rows)
    (problem,) = err.problems
    # CSV rows are numbered as lines of the file: the header is line 1.
    assert (problem.row, problem.column, problem.value) == (3, "date", "12/01/2025")
    assert "claims.csv: row 3, column 'date'" in str(err) and "YYYY-MM-DD" in str(err)


def test_all_problems_are_collected(tmp_path: Path) -> None:
    rows = [
        dict(CLAIMS_ROWS[0], kind="victory"),
        dict(CLAIMS_ROWS[1], claim_id="c1"),
        dict(CLAIMS_ROWS[2], source="", date="soon"),
    ]
    err = _bad(tmp_path, rows)
    found = {(p.row, p.column) for p in err.problems}
    assert found == {(2, "kind"), (3, "claim_id"), (4, "source"), (4, "date")}
    assert "unique id (also on row 2)" in str(err)


def test_missing_required_column(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "actor"} for r in CLAIMS_ROWS]
    err = _bad(tmp_path, rows)
    assert err.problems[0].column == "actor" and "--map actor=" in str(err)


def test_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,date,actor,kind,source\n")
    with pytest.raises(TimingInputError, match="has a header but no data rows"):
        load_claims(path)


def test_value_must_be_a_finite_number(tmp_path: Path) -> None:
    rows = [
        dict(CLAIMS_ROWS[0], value="12"),
        dict(CLAIMS_ROWS[1], value="nan"),
        dict(CLAIMS_ROWS[2], value="many"),
    ]
    err = _bad(tmp_path, rows)
    assert [(p.row, p.column) for p in err.problems] == [(3, "value"), (4, "value")]
    assert "a finite number" in str(err)


def test_unknown_status_and_event_kind(tmp_path: Path) -> None:
    err = _bad(tmp_path, [dict(CLAIMS_ROWS[0], status="probably")])
    assert "one of confirmed, contested, refuted, unverified" in str(err)
    err = _bad(tmp_path, [dict(EVENTS_ROWS[0], kind="party")], kind="events")
    assert err.problems[0].column == "kind"


def test_end_before_start_and_announced_after_event(tmp_path: Path) -> None:
    rows = [
        dict(EVENTS_ROWS[0], end_date="2025-01-09"),
        dict(EVENTS_ROWS[1], announced_date="2025-01-26"),
    ]
    err = _bad(tmp_path, rows, kind="events")
    assert {(p.row, p.column) for p in err.problems} == {(2, "end_date"), (3, "announced_date")}
    assert "on or after date (2025-01-10)" in str(err)


def test_lenient_quarantines_and_accounts(tmp_path: Path) -> None:
    rows = [
        dict(CLAIMS_ROWS[0]),
        dict(CLAIMS_ROWS[1], kind="victory"),
        dict(CLAIMS_ROWS[2], date="x"),
    ]
    table = load_claims(write_table(rows, tmp_path / "c.csv"), lenient=True)
    acc = table.accounting
    assert (acc.read, acc.used, acc.rejected) == (3, 1, 2)
    assert acc.read == acc.used + acc.rejected
    assert table.rejects["row"].to_list() == [3, 4]
    assert table.frame["row"].to_list() == [2]


def test_read_errors_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(TimingInputError, match="no such file"):
        read_raw(tmp_path / "missing.csv")
    odd = tmp_path / "data.docx"
    odd.write_text("x")
    with pytest.raises(TimingInputError, match="unsupported file type"):
        read_raw(odd)
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    with pytest.raises(TimingInputError, match="not valid JSON at line 1"):
        read_raw(broken)
    lines = tmp_path / "broken.ndjson"
    lines.write_text('{"a": 1}\nnot json\n')
    with pytest.raises(TimingInputError, match="line 2"):
        read_raw(lines)


def test_extra_columns_are_kept_as_text(tmp_path: Path) -> None:
    rows = [dict(r, confidence="high") for r in CLAIMS_ROWS]
    table = load_claims(write_table(rows, tmp_path / "c.csv"))
    assert table.frame["confidence"].to_list() == ["high"] * 3


text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() != "")


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
            text,
            st.sampled_from(["capture", "encirclement", "strike"]),
        ),
        min_size=1,
        max_size=8,
    ),
    suffix=st.sampled_from([".csv", ".json", ".ndjson", ".parquet"]),
)
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory, rows, suffix: str) -> None:
    records = [
        {"claim_id": f"id{i}", "date": d.isoformat(), "actor": actor, "kind": kind, "source": "s"}
        for i, (d, actor, kind) in enumerate(rows)
    ]
    path = write_table(records, tmp_path_factory.mktemp("rt") / f"claims{suffix}")
    table = load_claims(path)
    assert table.accounting.used == len(rows)
    assert table.frame["date"].to_list() == [d for d, _, _ in rows]
    assert table.frame["actor"].to_list() == [a.strip() for _, a, _ in rows]


CELLS = {
    "date": [
        "2025-01-01",
        " 2025-01-01 ",
        "2025-02-30",
        "2025-01-01T10:00:00+03:00",
        "2025-01-01T23:00:00Z",
        "2025-1-1",
        "",
        "yesterday",
    ],
    "kind": ["capture", "CAPTURE ", "strike", "victory", "", "other"],
    "value": ["12", " 3.5", "nan", "inf", "x", ""],
    "claim_id": ["a", "b", "a", "", "c"],
}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CELLS.items()}),
        min_size=1,
        max_size=12,
    )
)
def test_vectorised_validation_matches_a_cell_by_cell_reference(rows) -> None:
    from timing.schema import CLAIMS, parse_date, validate

    frame = pl.DataFrame(
        [dict(r, actor="RU MoD", source="s") for r in rows],
        schema=dict.fromkeys([*CELLS, "actor", "source"], pl.String),
    )
    table = validate(frame, CLAIMS, file="f", lenient=True)
    expected: set[tuple[int, str]] = set()
    seen: set[str] = set()
    for i, r in enumerate(rows, start=1):
        if parse_date(r["date"]) is None:
            expected.add((i, "date"))
        if r["kind"].strip().lower() not in CLAIMS.column("kind").allowed:
            expected.add((i, "kind"))
        if r["value"].strip() and r["value"].strip() not in ("12", "3.5"):
            expected.add((i, "value"))
        key = r["claim_id"].strip()
        if not key:
            expected.add((i, "claim_id"))
        elif key in seen:
            expected.add((i, "claim_id"))
        seen.add(key)
    assert {(p.row, p.column) for p in table.accounting.reasons} == expected
    used = [i for i in range(1, len(rows) + 1) if not any(r == i for r, _ in expected)]
    assert table.frame["row"].to_list() == used
    parsed = [parse_date(rows[i - 1]["date"]).date() for i in used]
    assert table.frame["date"].to_list() == parsed
