"""Tests of timing.adapters.ua_losses on a hand-made sample and (if present) the real file."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timing.adapters import load_with_adapter
from timing.adapters.ua_losses import parse_ua_losses, read_ua_losses
from timing.errors import TimingInputError
from timing.schema import CLAIMS

# The public raw copy lives in the project's shared folder beside the repository (read in
# place, never committed); tests using it skip when it is absent.
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "raw" / "ua-gs-losses"


def test_personnel_sample_values_dates_and_gap(data):
    result = parse_ua_losses(data / "ua_losses_personnel.json")
    f = result.frame
    assert f.columns[: len(CLAIMS.names)] == list(CLAIMS.names)
    assert f.height == result.read == 7
    assert f["claim_id"][0] == "UAGS-personnel-2025-01-01"
    assert f["date"].to_list()[-1] == "2025-01-08"
    # first day: the cumulative value itself; then first differences
    assert f["value"].to_list() == ["790000", "1450", "1150", "1000", "2400", "0", "1230"]
    assert set(f["kind"]) == {"casualties"}
    assert set(f["actor"]) == {"UA General Staff"}
    assert set(f["target"]) == {"Russian forces (personnel)"}
    assert "cumulative more 796000" in f["text"][4]
    # 2025-01-05 is missing: reported, and the row that spans it says so
    assert [(a.kind, a.row) for a in result.anomalies] == [("gap", 5)]
    assert "1 day(s) missing" in f["anomaly"][4]
    assert f["anomaly"].null_count() == 6


def test_sum_of_daily_values_is_last_minus_first(data):
    f = read_ua_losses(data / "ua_losses_personnel.json")
    values = [int(v) for v in f["value"]]
    assert sum(values[1:]) == 797230 - 790000


def test_negative_difference_is_zero_unless_allowed(data):
    path = data / "ua_losses_equipment.json"
    default = parse_ua_losses(path, categories=("APC",))
    assert default.frame["value"].to_list() == ["20200", "0", "20", "20"]
    assert "20200 to 20190 (-10)" in default.anomalies[0].message
    result = parse_ua_losses(path, categories=("APC",), allow_negative=True)
    assert result.frame["value"].to_list() == ["20200", "-10", "20", "20"]
    assert [(a.kind, a.field, a.row) for a in result.anomalies] == [("negative", "APC", 2)]


def test_category_starting_late_and_case_folding(data):
    result = parse_ua_losses(
        data / "ua_losses_equipment.json", categories=("Ground Robotic Systems", "tank")
    )
    f = result.frame
    assert f["claim_id"].to_list()[:2] == [
        "UAGS-ground-robotic-systems-2025-01-03",
        "UAGS-ground-robotic-systems-2025-01-04",
    ]
    assert f["value"].to_list() == ["120", "4", "9700", "5", "2", "8"]
    assert [a.kind for a in result.anomalies] == ["start"]
    assert result.read == 6


def test_unknown_or_text_category_lists_the_available_ones(data):
    with pytest.raises(TimingInputError, match=r"no count category 'tanks'.*APC.*tank"):
        parse_ua_losses(data / "ua_losses_equipment.json", categories=("tanks",))
    with pytest.raises(TimingInputError, match="greatest losses direction"):
        parse_ua_losses(
            data / "ua_losses_equipment.json", categories=("greatest losses direction",)
        )


def test_directory_reads_both_files(tmp_path, data):
    shutil.copy(data / "ua_losses_personnel.json", tmp_path / "russia_losses_personnel.json")
    shutil.copy(data / "ua_losses_equipment.json", tmp_path / "russia_losses_equipment.json")
    f = read_ua_losses(tmp_path, categories=("personnel", "tank"))
    assert f.height == 7 + 4
    assert f.filter(f["claim_id"] == "UAGS-tank-2025-01-04")["value"].item() == "8"


def test_start_end_filter_after_differencing(data):
    result = parse_ua_losses(
        data / "ua_losses_personnel.json", start="2025-01-03", end=dt.date(2025, 1, 6)
    )
    assert result.frame["value"].to_list() == ["1150", "1000", "2400"]
    assert result.skipped == {"outside start/end": 4}
    assert result.read == 7 and result.used == 3


def test_bad_input_names_file_item_and_field(data, tmp_path):
    with pytest.raises(TimingInputError, match=r"ua_losses_bad_date.json: item 2, field 'date'"):
        read_ua_losses(data / "ua_losses_bad_date.json")
    p = tmp_path / "x.json"
    p.write_text(json.dumps([{"date": "2025-01-01", "personnel": "many"}]))
    with pytest.raises(TimingInputError, match=r"item 1 \(2025-01-01\), field 'personnel'"):
        read_ua_losses(p)
    p.write_text('[{"date": "2025-01-01", "personnel": NaN}]')
    with pytest.raises(TimingInputError, match="expected an integer"):
        read_ua_losses(p)
    p.write_text(
        json.dumps([{"date": "2025-01-02", "personnel": 1}, {"date": "2025-01-01", "personnel": 2}])
    )
    with pytest.raises(TimingInputError, match="increasing order"):
        read_ua_losses(p)
    with pytest.raises(TimingInputError, match="no such file"):
        read_ua_losses(tmp_path / "absent.json")


def test_validates_with_no_rejects(data):
    table = load_with_adapter("ua-losses", data / "ua_losses_personnel.json")
    assert table.accounting.read == 7 and table.accounting.rejected == 0
    assert table.frame["date"][0] == dt.date(2025, 1, 1)
    assert table.frame["value"].to_list()[1] == 1450.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=1, max_size=30), st.integers(0, 10**6))
def test_differences_rebuild_the_cumulative_series(tmp_path_factory, daily, base):
    cumulative, total = [], base
    for d in daily:
        total += d
        cumulative.append(total)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(len(daily))]
    p = tmp_path_factory.mktemp("ua") / "losses.json"
    p.write_text(
        json.dumps(
            [{"date": d.isoformat(), "personnel": c} for d, c in zip(days, cumulative, strict=True)]
        )
    )
    values = [int(v) for v in read_ua_losses(p)["value"]]
    assert values[0] == cumulative[0]
    assert values[1:] == daily[1:]


@pytest.mark.skipif(
    not (REAL / "russia_losses_personnel.json").is_file(),
    reason="real UA General Staff data not present",
)
def test_real_personnel_file():
    raw = json.loads((REAL / "russia_losses_personnel.json").read_text(encoding="utf-8"))
    result = parse_ua_losses(REAL / "russia_losses_personnel.json")
    f = result.frame
    assert f.height == len(raw)
    assert int(f["value"][0]) == raw[0]["personnel"]
    assert sum(int(v) for v in f["value"][1:]) == raw[-1]["personnel"] - raw[0]["personnel"]
    gaps = sum(
        (dt.date.fromisoformat(b["date"]) - dt.date.fromisoformat(a["date"])).days > 1
        for a, b in itertools.pairwise(raw)
    )
    assert sum(a.kind == "gap" for a in result.anomalies) == gaps
    table = load_with_adapter("ua-losses", REAL / "russia_losses_personnel.json")
    assert table.accounting.rejected == 0 and table.accounting.used == len(raw)


@pytest.mark.skipif(
    not (REAL / "russia_losses_equipment.json").is_file(),
    reason="real UA General Staff data not present",
)
def test_real_equipment_revisions_are_reported():
    raw = json.loads((REAL / "russia_losses_equipment.json").read_text(encoding="utf-8"))
    series = [r["tank"] for r in raw]
    drops = [a - b for a, b in itertools.pairwise(series) if b < a]
    assert drops  # the file has at least one downward revision (3799 -> 3797 tanks)
    # by default a revision is not fatal: the day's figure is 0 and the fall is reported
    table = load_with_adapter("ua-losses", REAL, options={"categories": "tank"})
    negatives = [a for a in table.anomalies if a.kind == "negative"]
    assert len(negatives) == len(drops) and "3799 to 3797" in negatives[0].message
    values = table.frame["value"].to_list()
    assert min(values) == 0 and sum(values[1:]) == series[-1] - series[0] + sum(drops)
    assert table.accounting.rejected == 0 and table.accounting.used == len(raw)
    kept = parse_ua_losses(REAL, categories=("tank",), allow_negative=True)
    assert sum(a.kind == "negative" for a in kept.anomalies) == len(drops)
    assert sum(int(v) for v in kept.frame["value"][1:]) == series[-1] - series[0]


def test_downward_revision_is_zero_unless_allowed(tmp_path):
    p = tmp_path / "russia_losses_equipment.json"
    p.write_text(
        json.dumps(
            [
                {"date": "2023-05-10", "day": 440, "tank": 3790},
                {"date": "2023-05-11", "day": 441, "tank": 3799},
                {"date": "2023-05-12", "day": 442, "tank": 3797},
                {"date": "2023-05-13", "day": 443, "tank": 3801},
            ]
        )
    )
    by_default = load_with_adapter("ua-losses", p, options={"categories": "tank"})
    assert by_default.frame["value"].to_list() == [3790.0, 9.0, 0.0, 4.0]
    (anomaly,) = by_default.anomalies
    assert (anomaly.row, anomaly.kind) == (3, "negative") and "(-2)" in anomaly.message
    allowed = load_with_adapter(
        "ua-losses", p, options={"categories": "tank", "allow_negative": "TRUE"}
    )
    assert allowed.frame["value"].to_list() == [3790.0, 9.0, -2.0, 4.0]
    refused = load_with_adapter(
        "ua-losses", p, options={"categories": "tank", "allow_negative": "false"}
    )
    assert refused.frame["value"].to_list()[2] == 0.0
