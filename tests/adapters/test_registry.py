"""Tests of the adapter registry and load_with_adapter in timing.adapters."""

from __future__ import annotations

import dataclasses

import pytest

from timing.adapters import ADAPTERS, adapter_names, get_adapter, load_with_adapter
from timing.errors import TimingInputError
from timing.schema import ValidationError


def test_registry_entries():
    assert set(ADAPTERS) == {"ua-losses", "acled", "gdelt-events", "gdelt-claims", "telegram",
                             "generic-claims", "generic-events"}
    assert adapter_names("events") == ("gdelt-events", "generic-events")
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name and adapter.table in ("claims", "events")
        assert adapter.description
    with pytest.raises(dataclasses.FrozenInstanceError):
        ADAPTERS["acled"].name = "x"  # type: ignore[misc]
    assert get_adapter("gdelt-claims").options() == ("actors", "codes")


def test_string_options_from_a_command_line(data):
    claims = load_with_adapter("ua-losses", data / "ua_losses_equipment.json",
                               categories="tank, field artillery")
    assert claims.accounting.used == 8
    events = load_with_adapter("gdelt-events", data / "gdelt_sample.export.CSV",
                               actors="USA,UKR")
    assert events.frame["event_id"].to_list() == ["GDELT-1200000003"]
    tg = load_with_adapter("telegram", data / "telegram_result.json", gazetteer="Купянска")
    assert "Купянска" in tg.frame["target"].to_list()
    acled = load_with_adapter("acled", data / "acled_sample.csv", event_types="Battles")
    assert acled.accounting.used == 3


def test_unknown_adapter_and_option(data):
    with pytest.raises(TimingInputError, match="unknown adapter; expected one of ua-losses"):
        load_with_adapter("excel", data / "acled_sample.csv")
    with pytest.raises(TimingInputError, match=r"unknown option.*category.*expected categories"):
        load_with_adapter("ua-losses", data / "ua_losses_personnel.json", category="tank")


def test_validation_problems_name_the_source_row(data, tmp_path):
    # A fatalities cell that is not a number fails validation of `value`; the message
    # points at the CSV line of the ACLED file, not at the adapter's output row.
    text = (data / "acled_sample.csv").read_text().replace(",Suspilne,\"Shelling of Kherson "
                                                           "city.\",1", ",Suspilne,\"x\",many")
    p = tmp_path / "acled.csv"
    p.write_text(text)
    with pytest.raises(ValidationError, match=r"acled.csv \[acled\]: row 5, column 'value'"):
        load_with_adapter("acled", p)
    table = load_with_adapter("acled", p, lenient=True, event_types={"Battles",
                              "Explosions/Remote violence"})
    assert (table.accounting.read, table.accounting.used, table.accounting.rejected) == (5, 4, 1)
    assert table.rejects["row"].to_list() == [5]
    assert table.accounting.reasons[0].row == 5
