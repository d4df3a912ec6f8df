"""Tests of the adapter registry and load_with_adapter in timing.adapters."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from timing.adapters import ADAPTERS, adapter_names, get_adapter, load_with_adapter
from timing.errors import TimingInputError
from timing.schema import ValidationError


def test_registry_entries():
    assert set(ADAPTERS) == {
        "ua-losses",
        "acled",
        "gdelt-events",
        "gdelt-claims",
        "telegram",
        "generic-claims",
        "generic-events",
    }
    assert adapter_names("events") == ("gdelt-events", "generic-events")
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name and adapter.table in ("claims", "events")
        assert adapter.description
    with pytest.raises(dataclasses.FrozenInstanceError):
        ADAPTERS["acled"].name = "x"  # type: ignore[misc]
    assert get_adapter("gdelt-claims").options() == (
        "actors",
        "codes",
        "dedupe",
        "date_field",
        "max_date_gap",
    )


def test_string_options_from_a_command_line(data):
    claims = load_with_adapter(
        "ua-losses",
        data / "ua_losses_equipment.json",
        options={"categories": "tank, field artillery"},
    )
    assert claims.accounting.used == 8
    events = load_with_adapter(
        "gdelt-events", data / "gdelt_sample.export.CSV", options={"actors": "USA,UKR"}
    )
    assert events.frame["event_id"].to_list() == ["GDELT-1200000003"]
    tg = load_with_adapter(
        "telegram", data / "telegram_result.json", options={"gazetteer": "Купянска"}
    )
    assert "Купянска" in tg.frame["target"].to_list()
    acled = load_with_adapter(
        "acled", data / "acled_sample.csv", options={"event_types": "Battles"}
    )
    assert acled.accounting.used == 3


def test_unknown_adapter_and_option(data):
    with pytest.raises(TimingInputError, match="unknown adapter; expected one of ua-losses"):
        load_with_adapter("excel", data / "acled_sample.csv")
    with pytest.raises(
        TimingInputError,
        match=r"'ua-losses': unknown option 'category'; expected one of categories",
    ):
        load_with_adapter(
            "ua-losses", data / "ua_losses_personnel.json", options={"category": "tank"}
        )


def test_validation_problems_name_the_source_row(data, tmp_path):
    # A fatalities cell that is not a number fails validation of `value`; the message
    # points at the CSV line of the ACLED file, not at the adapter's output row.
    text = (
        (data / "acled_sample.csv")
        .read_text()
        .replace(',Suspilne,"Shelling of Kherson city.",1', ',Suspilne,"x",many')
    )
    p = tmp_path / "acled.csv"
    p.write_text(text)
    with pytest.raises(ValidationError, match=r"acled.csv \[acled\]: row 5, column 'value'"):
        load_with_adapter("acled", p)
    table = load_with_adapter(
        "acled", p, lenient=True, options={"event_types": {"Battles", "Explosions/Remote violence"}}
    )
    acc = table.accounting
    assert (acc.read, acc.used, acc.rejected) == (6, 4, 1)
    assert acc.skipped == {"event type not selected: Strategic developments": 1}
    assert table.rejects["row"].to_list() == [5]
    assert table.accounting.reasons[0].row == 5


REAL_UA = Path(__file__).resolve().parents[3] / "shared" / "data" / "raw" / "ua-gs-losses"
CASES = [
    ("ua-losses", "ua_losses_equipment.json", {"categories": "tank,APC", "start": "2025-01-02"}),
    ("acled", "acled_export_2023.csv", {}),
    ("acled", "acled_pre2019.csv", {}),
    ("acled", "acled_excel_resave.csv", {}),
    ("gdelt-events", "gdelt_v2_15min.export.CSV", {}),
    ("gdelt-claims", "gdelt_v2_15min.export.CSV", {}),
    ("gdelt-events", "gdelt_v1_daily.export.CSV", {}),
    ("gdelt-claims", "gdelt_v1_backfile.CSV", {}),
    ("telegram", "telegram_result.json", {"gazetteer": "Купянска"}),
    (
        "generic-claims",
        "generic_claims.csv",
        {
            "mapping": "claim_id:id,date:day,actor:who,kind:what,target:place,region:oblast,"
            "verified_date:confirmed_on,source:url",
            "date_format": "%d.%m.%Y",
        },
    ),
]


@pytest.mark.parametrize(("name", "file", "options"), CASES)
def test_every_record_is_used_rejected_or_skipped(data, name, file, options):
    table = load_with_adapter(name, data / file, options=options, lenient=True)
    acc = table.accounting
    assert acc.read == acc.used + acc.rejected + sum(acc.skipped.values())
    assert acc.read > acc.used or name in ("generic-claims", "telegram") or acc.rejected
    assert acc.to_dict()["skipped"] == acc.skipped


@pytest.mark.skipif(not REAL_UA.is_dir(), reason="real UA General Staff data not present")
def test_accounting_on_the_real_losses_files():
    table = load_with_adapter(
        "ua-losses",
        REAL_UA,
        options={"categories": "personnel,tank,APC", "start": "2025-01-01", "end": "2025-12-31"},
    )
    acc = table.accounting
    assert acc.read == acc.used + acc.rejected + sum(acc.skipped.values())
    assert acc.used == 3 * 365 and acc.skipped["outside start/end"] == acc.read - 3 * 365
