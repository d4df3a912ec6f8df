"""Typed adapter options: parsing, errors for every option of every adapter, no collisions."""

from __future__ import annotations

import datetime as dt
import inspect
import re

import pytest

from timing.adapters import ADAPTERS, OptionSpec, load_with_adapter, parse_option, parse_options
from timing.errors import TimingInputError

#: One invalid value per option type (as a command line would give it).
INVALID = {
    "bool": "maybe",
    "int": "3.5",
    "float": "many",
    "str": "   ",
    "date": "2025-13-01",
    "choice": "neither",
    "list": " {sep} ",  # no item between the separators
    "mapping": "no-colon-here",
}


def test_every_option_of_every_adapter_refuses_an_invalid_value(data):
    checked = 0
    for name, adapter in ADAPTERS.items():
        assert adapter.option_specs, name
        for spec in adapter.option_specs:
            bad = INVALID[spec.type].format(sep=spec.sep)
            with pytest.raises(TimingInputError) as info:
                load_with_adapter(name, data / "acled_sample.csv", options={spec.name: bad})
            message = str(info.value)
            assert f"'{name}'" in message and f"'{spec.name}'" in message
            assert repr(bad) in message and "expected" in message
            checked += 1
    assert checked == sum(len(a.option_specs) for a in ADAPTERS.values()) >= 20


def test_specs_match_the_reader_signatures():
    for name, adapter in ADAPTERS.items():
        for func in filter(None, (adapter.read, adapter.parse)):
            params = list(inspect.signature(func).parameters)[1:]
            if adapter.parallel and func is adapter.parse:
                assert params[-1] == "engine", name  # where its files are read, not an option
                params = params[:-1]
            assert params == [s.name for s in adapter.option_specs], name
        assert adapter.options() == tuple(s.name for s in adapter.option_specs)


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("FALSE", False), ("Yes", True), ("no", False), ("1", True), ("0", False)],
)
def test_bool_words(text, value):
    assert parse_option("ua-losses", OptionSpec("allow_negative", "bool"), text) is value


def test_types_from_text_and_from_python():
    lst = OptionSpec("event_types", "list")
    assert parse_option("acled", lst, "Battles, Explosions/Remote violence ,") == (
        "Battles",
        "Explosions/Remote violence",
    )
    assert parse_option("acled", lst, ["Battles"]) == ("Battles",)
    semi = OptionSpec("actors", "list", sep=";")
    assert parse_option("acled", semi, "Police Forces of X (2000-), a; B") == (
        "Police Forces of X (2000-), a",
        "B",
    )
    assert parse_option("acled", OptionSpec("kinds", "mapping"), "Armed clash: strike") == {
        "Armed clash": "strike"
    }
    assert parse_option("x", OptionSpec("n", "int", min=0), "30") == 30
    assert parse_option("x", OptionSpec("d", "date"), "2025-01-02") == dt.date(2025, 1, 2)
    assert (
        parse_option("x", OptionSpec("c", "choice", choices=("sqldate", "dateadded")), "SQLDATE")
        == "sqldate"
    )
    for spec, bad in [
        (OptionSpec("n", "int", min=0), "-1"),
        (OptionSpec("b", "bool"), 1),
        (OptionSpec("l", "list"), 5),
        (OptionSpec("m", "mapping"), ["a"]),
    ]:
        with pytest.raises(TimingInputError, match=re.escape(f"option {spec.name!r}: got {bad!r}")):
            parse_option("x", spec, bad)
    assert parse_options("x", [OptionSpec("n", "int")], None) == {}


def test_options_that_used_to_crash_now_work(data):
    # --option kinds=... (acled) raised AttributeError, --option codes=... (gdelt) ValueError
    acled = load_with_adapter(
        "acled", data / "acled_sample.csv", options={"kinds": "Armed clash:strike"}
    )
    assert acled.frame["kind"].to_list()[2] == "strike"
    gdelt = load_with_adapter(
        "gdelt-events", data / "gdelt_sample.export.CSV", options={"codes": "010:other"}
    )
    assert gdelt.frame["event_id"].to_list() == ["GDELT-1200000007"]
    with pytest.raises(TimingInputError, match="'010' maps to 'press'"):
        load_with_adapter(
            "gdelt-events", data / "gdelt_sample.export.CSV", options={"codes": "010:press"}
        )


def test_options_cannot_collide_with_the_loader_keywords(data):
    with pytest.raises(TimingInputError, match="unknown option 'resolution'"):
        load_with_adapter("acled", data / "acled_sample.csv", options={"resolution": "hour"})
    table = load_with_adapter("acled", data / "acled_sample.csv", resolution="hour")
    assert table.frame["date"].dtype.time_zone == "UTC"


def test_keyword_options_still_work_with_a_warning(data):
    with pytest.warns(DeprecationWarning, match="options="):
        table = load_with_adapter("acled", data / "acled_sample.csv", event_types="Battles")
    assert table.accounting.used == 3
    with pytest.raises(TimingInputError, match="given twice"), pytest.warns(DeprecationWarning):
        load_with_adapter(
            "acled", data / "acled_sample.csv", options={"kinds": "a:other"}, kinds="a:other"
        )


def test_a_gazetteer_mapping_from_python_is_passed_on(data):
    spec = OptionSpec("gazetteer", "list")
    assert parse_option("telegram", spec, {"Купянська": "Kharkiv"}) == {"Купянська": "Kharkiv"}
    with pytest.raises(TimingInputError, match="every key and value must be text"):
        parse_option("telegram", spec, {"Купянська": 3})
