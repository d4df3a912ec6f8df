"""GDELT files shaped like real ones: 1.0 (57/58 columns), 2.0 (61), zips, headers, folders.

The files under tests/data/adapters/ are described in that folder's README.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import zipfile

import pytest

from timing.adapters import load_with_adapter
from timing.adapters._countries import country_of
from timing.adapters._gdelt_io import COLUMNS
from timing.adapters.gdelt import parse_gdelt
from timing.errors import TimingInputError

V2 = "gdelt_v2_15min.export.CSV"


def _nonzero(skipped):
    return {k: v for k, v in skipped.items() if v}


def _balanced(table) -> bool:
    acc = table.accounting
    return acc.read == acc.used + acc.rejected + sum(acc.skipped.values())


def test_v2_events_dedupe_and_role_codes(data):
    table = load_with_adapter("gdelt-events", data / V2)
    f = table.frame
    assert f["event_id"].to_list() == [
        "GDELT-1226339001",
        "GDELT-1226339003",
        "GDELT-1226339004",
        "GDELT-1226339005",
    ]
    # GOV and EDU (role codes without a country) never become parties
    assert f["parties"].to_list() == ["RUS-USA", "USA-RUS", "RUS", "UKR"]
    assert table.accounting.skipped == {"code not mapped": 6, "duplicate record of one story": 1}
    assert (table.accounting.read, table.accounting.used) == (11, 4) and _balanced(table)
    kept = load_with_adapter("gdelt-events", data / V2, options={"dedupe": "false"})
    assert kept.accounting.used == 5
    assert "duplicate record of one story" not in kept.accounting.skipped


def test_v2_claims_far_dates_are_skipped_and_reported(data):
    table = load_with_adapter("gdelt-claims", data / V2)
    assert table.frame["claim_id"].to_list() == [
        "GDELT-1226339006",
        "GDELT-1226339007",
        "GDELT-1226339010",
        "GDELT-1226339011",
    ]
    assert table.accounting.skipped == {"code not mapped": 6, "SQLDATE far from DATEADDED": 1}
    assert [(a.kind, a.row) for a in table.anomalies] == [("date gap", 8)]
    assert "1 record(s)" in table.anomalies[0].message and _balanced(table)
    wide = load_with_adapter("gdelt-claims", data / V2, options={"max_date_gap": "400"})
    assert "GDELT-1226339008" in wide.frame["claim_id"].to_list()
    added = load_with_adapter(
        "gdelt-claims", data / V2, options={"date_field": "DATEADDED", "max_date_gap": 400}
    )
    assert set(added.frame["date"].to_list()) == {dt.date(2025, 2, 18)}


def test_v1_daily_58_and_backfile_57_columns(data):
    daily = load_with_adapter("gdelt-events", data / "gdelt_v1_daily.export.CSV")
    assert daily.frame["parties"].to_list() == ["RUS-UKR", "UKR", "USA-RUS"]
    assert daily.accounting.skipped == {"code not mapped": 4, "duplicate record of one story": 1}
    back = load_with_adapter("gdelt-events", data / "gdelt_v1_backfile.CSV")
    assert back.frame["event_id"].to_list() == ["GDELT-101", "GDELT-102"]
    assert back.frame["source"].to_list() == ["GDELT 101", "GDELT 102"]  # no SOURCEURL in 57
    assert back.frame["parties"].to_list() == ["RUS-UKR", "USA"]  # BUS is a role, not a party
    assert _balanced(daily) and _balanced(back)


def test_v1_record_a_decade_older_than_its_dateadded(data):
    # the two records shaped like loum/geoutils' samples: SQLDATE 2004, DATEADDED 2014
    result = parse_gdelt(data / "gdelt_v1_daily.export.CSV", codes={"014": "other", "051": "other"})
    assert _nonzero(result.skipped) == {"SQLDATE far from DATEADDED": 2, "code not mapped": 6}
    with pytest.raises(
        TimingInputError,
        match=r"no events row left: 8 records read, all "
        r"skipped \(code not mapped: 6, SQLDATE far from DATEADDED: 2\)",
    ):
        load_with_adapter(
            "gdelt-events",
            data / "gdelt_v1_daily.export.CSV",
            options={"codes": "014:other,051:other"},
        )
    kept = parse_gdelt(
        data / "gdelt_v1_daily.export.CSV", codes={"051": "other"}, max_date_gap=4000
    )
    assert kept.frame["parties"].to_list() == ["USA"]  # BUS -> MNCUSA: only USA is a country


def test_zip_as_published(data, tmp_path):
    archive = tmp_path / "20250218153000.export.CSV.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(data / V2, "20250218153000.export.CSV")
    result = parse_gdelt(archive)
    assert result.frame["event_id"].to_list() == parse_gdelt(data / V2).frame["event_id"].to_list()
    assert result.files == {f"{archive}!20250218153000.export.CSV": 11}


@pytest.mark.parametrize("sep", [",", "\t"])
def test_resaved_with_a_header(data, tmp_path, sep):
    rows = [line.split("\t") for line in (data / V2).read_text().splitlines()]
    p = tmp_path / "resaved.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow(["", *COLUMNS])  # pandas writes its index as a nameless first column
        w.writerows([str(i), *r] for i, r in enumerate(rows))
    got = parse_gdelt(p)
    assert got.frame["event_id"].to_list() == parse_gdelt(data / V2).frame["event_id"].to_list()
    assert got.read == 11 and got.frame["input_row"].to_list()[0] == "2"


def test_directory_and_glob_count_per_file(data, tmp_path):
    for name in (V2, "gdelt_v1_daily.export.CSV", "gdelt_v1_backfile.CSV"):
        shutil.copy(data / name, tmp_path / name)
    (tmp_path / "notes.md").write_text("not read")
    whole = load_with_adapter("gdelt-events", tmp_path)
    assert whole.accounting.read == 22 and _balanced(whole)
    result = parse_gdelt(tmp_path / "*.export.CSV")
    assert result.files == {str(tmp_path / "gdelt_v1_daily.export.CSV"): 8, str(tmp_path / V2): 11}
    assert set(result.frame["input_file"].to_list()) == set(result.files)
    with pytest.raises(TimingInputError, match="no file matches"):
        parse_gdelt(tmp_path / "*.zip")


def test_bad_line_among_good_ones_is_skipped_and_a_bad_row_names_its_file(data, tmp_path):
    shutil.copy(data / V2, tmp_path / "a.export.CSV")
    lines = (data / "gdelt_sample.export.CSV").read_text().splitlines()
    lines[0] = "\t".join(lines[0].split("\t")[:30])  # truncated line
    lines[1] = "\t".join(["", *lines[1].split("\t")[1:]])  # blank GLOBALEVENTID
    (tmp_path / "b.export.CSV").write_text("\n".join(lines) + "\n")
    table = load_with_adapter("gdelt-events", tmp_path, lenient=True)
    assert table.accounting.skipped["wrong number of fields"] == 1
    assert any(a.kind == "fields" for a in table.anomalies)
    (reason,) = table.accounting.reasons
    assert reason.file == f"{tmp_path / 'b.export.CSV'} [gdelt-events]" and reason.row == 2
    assert _balanced(table)


def test_country_of():
    assert country_of("", "UKRMIL") == "UKR" and country_of(None, "EDU") == ""
    assert country_of("", "MNCUSA") == "" and country_of(" ", "BUS") == ""
