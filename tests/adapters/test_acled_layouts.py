"""ACLED files shaped like real exports: 2023+ and pre-2019 layouts, spreadsheet re-saves.

The files under tests/data/adapters/ are described in that folder's README.md.
"""

from __future__ import annotations

import datetime as dt

import pytest

from timing.adapters import load_with_adapter
from timing.adapters.acled import parse_acled
from timing.errors import TimingInputError
from timing.schema import ValidationError


def _balanced(table) -> bool:
    acc = table.accounting
    return acc.read == acc.used + acc.rejected + sum(acc.skipped.values())


def test_export_2023_layout_keeps_military_action(data):
    result = parse_acled(data / "acled_export_2023.csv")  # starts with a byte-order mark
    f = result.frame
    assert f["claim_id"].to_list() == [
        "UKR210001",
        "UKR210002",
        "UKR210003",
        "UKR210008",
        "RUS30001",
    ]
    assert f["kind"].to_list() == ["strike", "capture", "other", "strike", "capture"]
    assert f["date"][0] == "2025-01-12" and f["date"][-1] == "2025-01-15"
    assert result.skipped == {
        "event type not selected: Protests": 1,
        "event type not selected: Strategic developments": 1,
        "event type not selected: Violence against civilians": 1,
        "event type not selected: Riots": 1,
    }
    table = load_with_adapter("acled", data / "acled_export_2023.csv")
    assert (table.accounting.read, table.accounting.used) == (9, 5) and _balanced(table)


def test_event_types_option_replaces_the_selection(data):
    table = load_with_adapter(
        "acled", data / "acled_export_2023.csv", options={"event_types": "Protests, riots"}
    )
    assert table.frame["claim_id"].to_list() == ["UKR210004", "UKR210007"]
    assert table.accounting.skipped == {
        "event type not selected: Explosions/Remote violence": 2,
        "event type not selected: Battles": 3,
        "event type not selected: Strategic developments": 1,
        "event type not selected: Violence against civilians": 1,
    }
    assert _balanced(table)


def test_pre_2019_layout(data):
    table = load_with_adapter("acled", data / "acled_pre2019.csv")
    f = table.frame
    assert f["claim_id"].to_list() == ["DRC11776", "MLI1808", "SOM24720", "SOM24721"]
    assert f["kind"].to_list() == ["other", "strike", "capture", "capture"]
    assert table.accounting.skipped == {
        "event type not selected: Riots/Protests": 1,
        "event type not selected: Violence against civilians": 1,
        "event type not selected: Strategic development": 1,
    }
    assert _balanced(table) and table.accounting.read == 7


def test_excel_resave_with_two_digit_years(data):
    table = load_with_adapter("acled", data / "acled_excel_resave.csv")
    assert table.frame["date"].to_list() == [
        dt.date(2019, 2, 16),
        dt.date(2019, 2, 16),
        dt.date(2019, 2, 9),
        dt.date(2018, 12, 31),
    ]
    assert table.frame["kind"].to_list() == ["other", "strike", "other", "strike"]
    assert table.accounting.skipped == {"event type not selected: Riots/Protests": 1}
    assert _balanced(table)


def test_month_first_dates_settled_by_the_column(data):
    f = parse_acled(data / "acled_excel_us_dates.csv").frame
    assert f["date"].to_list() == ["2025-01-12", "2025-01-12", "2025-01-13", "2025-01-15"]


def _numeric_file(tmp_path, dates):
    p = tmp_path / "a.csv"
    lines = [f"U{i},{d},Battles,Armed clash,A,X" for i, d in enumerate(dates)]
    p.write_text(
        "event_id_cnty,event_date,event_type,sub_event_type,actor1,location\n"
        + "\n".join(lines)
        + "\n"
    )
    return p


def test_ambiguous_day_month_order_is_refused_unless_forced(tmp_path):
    p = _numeric_file(tmp_path, ["05/09/2020", "06/09/2020"])
    with pytest.raises(TimingInputError, match=r"a.csv: column 'event_date'.*date_format"):
        parse_acled(p)
    table = load_with_adapter("acled", p, options={"date_format": "%d/%m/%Y"})
    assert table.frame["date"].to_list() == [dt.date(2020, 9, 5), dt.date(2020, 9, 6)]
    mixed = _numeric_file(tmp_path, ["13/05/2020", "05/14/2020"])
    with pytest.raises(TimingInputError, match="mixes day-first"):
        parse_acled(mixed)
    settled = _numeric_file(tmp_path, ["05/09/2020", "13/09/2020", "9/9/20"])
    assert parse_acled(settled).frame["date"].to_list() == [
        "2020-09-05",
        "2020-09-13",
        "2020-09-09",
    ]


def test_excel_serial_numbers(tmp_path):
    p = _numeric_file(tmp_path, ["45658", "45659.0"])
    assert parse_acled(p).frame["date"].to_list() == ["2025-01-01", "2025-01-02"]


def test_bad_rows_reach_validation_and_do_not_abort(data, tmp_path):
    lines = (data / "acled_export_2023.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("UKR210001", "", 1)  # blank event_id_cnty, line 2
    lines[3] = lines[3].replace("13 January 2025", "13 Januray 2025", 1)  # line 4
    p = tmp_path / "acled.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_with_adapter("acled", p)
    assert [(x.row, x.column) for x in info.value.problems] == [(2, "claim_id"), (4, "date")]
    table = load_with_adapter("acled", p, lenient=True)
    assert (table.accounting.used, table.accounting.rejected) == (3, 2)
    assert table.rejects["row"].to_list() == [2, 4] and _balanced(table)
    assert table.accounting.reasons[1].value == "13 Januray 2025"
