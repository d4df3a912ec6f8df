"""Tests of timing.adapters.telegram on a hand-made Telegram Desktop export."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timing.adapters import load_with_adapter
from timing.adapters.telegram import (
    NO_CLAIM_CAPTURE_WORDING,
    extract_claims,
    message_text,
    parse_telegram,
    read_telegram,
)
from timing.errors import TimingInputError
from timing.schema import CLAIM_KINDS, CLAIMS

GAZ = {"Купянска": "Kharkiv"}


def test_sample_round_trip(data):
    result = parse_telegram(data / "telegram_result.json", actor="RU MoD", gazetteer=GAZ)
    f = result.frame
    assert f.columns[: len(CLAIMS.names)] == list(CLAIMS.names)
    assert result.read == 8
    assert result.skipped == {
        "service entry": 1,
        "no text": 1,
        "no rule matched": 1,
        NO_CLAIM_CAPTURE_WORDING: 0,
    }
    assert result.used == 5
    assert f["claim_id"].to_list() == [
        "TG-1234567890-101-1",
        "TG-1234567890-101-2",
        "TG-1234567890-102-1",
        "TG-1234567890-102-2",
        "TG-1234567890-105-1",
        "TG-1234567890-105-2",
        "TG-1234567890-105-3",
        "TG-1234567890-106-1",
        "TG-1234567890-107-1",
    ]
    assert f["kind"].to_list() == [
        "capture",
        "casualties",
        "capture",
        "capture",
        "capture",
        "capture",
        "strike",
        "encirclement",
        "strike",
    ]
    assert f["target"].to_list() == [
        "Новоселовка",
        None,
        "Андреевка",
        "Красный Лиман",
        "Dachnoye",
        "Ivano-Daryevka",
        None,
        "Купянска",
        "Краматорск",
    ]
    assert f["region"].to_list()[7] == "Kharkiv"
    assert set(f["actor"]) == {"RU MoD"}
    # date_unixtime (UTC) wins over the exporter's local "date" (21:40 in Moscow)
    assert f["date"][7] == "2025-12-03T18:40:00+00:00"
    assert f["date"][8] == "2025-12-04T11:00:00"  # no unixtime: local time kept
    assert f["source"][0] == (
        "Telegram export of Минобороны России (chat id 1234567890), message 101"
    )
    assert f["text"][0].startswith("Подразделения группировки войск «Центр» освободили")


def test_channel_gives_links_and_actor_defaults_to_chat_name(data):
    f = read_telegram(data / "telegram_result.json", channel="@mod_russia")
    assert f["source"][0] == "https://t.me/mod_russia/101"
    assert set(f["actor"]) == {"Минобороны России"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Освобождён населённый пункт Новоселовка Донецкой Народной Республики.",
            [("capture", "Новоселовка")],
        ),
        (
            "Units liberated the settlement of Dachnoye, Donetsk People's Republic.",
            [("capture", "Dachnoye")],
        ),
        (
            "Ukrainian units encircled near the village of Sudzha and Gogolevka.",
            [("encirclement", "Sudzha"), ("encirclement", "Gogolevka")],
        ),
        (
            "Нанесён удар по н.п. Краматорск. Потери противника до 300 человек.",
            [("strike", "Краматорск"), ("casualties", None)],
        ),
        ("The enemy's losses amounted to 200 servicemen.", [("casualties", None)]),
        ("Министр провёл совещание.", []),
    ],
)
def test_rules(text, expected):
    assert [(c.kind, c.target) for c in extract_claims(text)] == expected


def test_one_claim_per_settlement_per_message():
    text = "Освобождён населённый пункт Дачное. Населённый пункт Дачное освобождён полностью."
    assert [(c.kind, c.target) for c in extract_claims(text)] == [("capture", "Дачное")]


def test_message_text_flattens_entities():
    assert message_text(["a ", {"type": "bold", "text": "b"}, {"type": "x"}, 3]) == "a b"
    assert message_text(None) == ""


def test_bad_input_names_file_message_and_field(tmp_path):
    p = tmp_path / "result.json"
    p.write_text(
        json.dumps(
            {
                "name": "MoD",
                "id": 1,
                "messages": [
                    {"id": 1, "type": "message", "date": "yesterday", "text": "Удар по н.п. Изюм."}
                ],
            }
        )
    )
    with pytest.raises(TimingInputError, match=r"result.json: message 1 \(id 1\), field 'date'"):
        read_telegram(p)
    p.write_text(json.dumps([{"id": 1}]))
    with pytest.raises(TimingInputError, match="expected a Telegram Desktop export"):
        read_telegram(p)
    p.write_text("{not json")
    with pytest.raises(TimingInputError, match="not JSON"):
        read_telegram(p)


def test_validates_with_no_rejects(data):
    table = load_with_adapter(
        "telegram", data / "telegram_result.json", options={"actor": "RU MoD"}
    )
    assert (table.accounting.used, table.accounting.rejected) == (9, 0)
    assert table.frame["date"][7] == dt.date(2025, 12, 3)


_WORDS = st.sampled_from(
    [
        "освобождён",
        "населённый пункт",
        "Дачное",
        "удар",
        "потери",
        "the settlement of",
        "Kupiansk",
        "liberated",
        "окружены",
        "н.п.",
        ".",
        ",",
        " и ",
        " and ",
        "\n",
        "Донецкой",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(_WORDS, max_size=25).map(" ".join)))
def test_extractor_never_crashes_and_targets_come_from_the_text(text):
    for claim in extract_claims(text, gazetteer=["Kupiansk"]):
        assert claim.kind in CLAIM_KINDS
        assert claim.sentence and claim.sentence in text
        assert (claim.target is None) == (claim.surface is None)
        assert claim.surface is None or claim.surface in claim.sentence
