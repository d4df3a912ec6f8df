"""Write the README recipes' example files from the bundled dataset ``ru-ua-2025``.

Each file holds the bundled claims or events re-shaped into another layout, so that every
recipe in the README runs on files of a realistic size and gives a result that can be
compared with the bundled analysis. They are **not** records from ACLED, GDELT or Telegram:
the layouts follow the real formats (see ``examples/README.md`` for where each shape comes
from), the values are the bundled dataset's. Run from the repository root::

    python examples/make_examples.py

The output is deterministic (no clock, no randomness), so re-running it changes nothing
unless the bundled dataset changed.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "datasets" / "ru-ua-2025"
OUT = ROOT / "examples"

#: Parties of the bundled events -> GDELT actor codes (CAMEO country codes).
_ACTORS = {"US": ("USA", "UNITED STATES"), "RU": ("RUS", "RUSSIA"), "UA": ("UKR", "UKRAINE")}
#: Event kinds -> CAMEO codes the gdelt adapter maps back (041 call, 042 visit, 046 talks).
_CODES = {"call": "041", "visit": "042", "talks": "046", "summit": "046"}
#: Kinds of the bundled claims -> ACLED (event_type, sub_event_type).
_ACLED_TYPES = {
    "capture": ("Battles", "Non-state actor overtakes territory"),
    "encirclement": ("Battles", "Armed clash"),
    "other": ("Battles", "Armed clash"),
}
#: The 31 columns of an ACLED export (2023+ layout), as in tests/data/adapters.
_ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
).split(",")


def _read(name: str) -> list[dict[str, str]]:
    with open(DATASET / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, header: list[str], rows: list[list[str]], **kwargs: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n", **kwargs)  # type: ignore[arg-type]
        writer.writerow(header)
        writer.writerows(rows)


def _stamp(day: str, hour: int = 12) -> int:
    d = date.fromisoformat(day)
    return int(datetime(d.year, d.month, d.day, hour, tzinfo=UTC).timestamp())


def my_csv(claims: list[dict[str, str]], events: list[dict[str, str]], out: Path) -> None:
    """An analyst's own spreadsheet: other column names, semicolons, only a few columns."""
    claim_cols = {
        "ref": "claim_id",
        "claim_date": "date",
        "claimed_by": "actor",
        "claim_type": "kind",
        "place": "target",
        "oblast": "region",
        "assessment": "status",
        "link": "source",
    }
    event_cols = {
        "event_id": "event_id",
        "start": "date",
        "end_date": "end_date",
        "type": "kind",
        "parties": "parties",
        "location": "location",
        "title": "title",
        "source": "source",
    }
    for name, table, cols in (("my_claims", claims, claim_cols), ("my_events", events, event_cols)):
        rows = [[row[c] for c in cols.values()] for row in table]
        _write_csv(out / f"{name}.csv", list(cols), rows, delimiter=";")


def _acled_row(**values: str) -> list[str]:
    row = dict.fromkeys(_ACLED_HEADER, "")
    row.update(region="Europe", country="Ukraine", iso="804", time_precision="1")
    row.update(geo_precision="1", source_scale="National", **values)
    return [row[c] for c in _ACLED_HEADER]


def acled(claims: list[dict[str, str]], out: Path) -> None:
    """The claims as an ACLED export, plus rows of types the adapter skips (protests)."""
    rows = []
    for i, c in enumerate(claims, start=1):
        event_type, sub_type = _ACLED_TYPES.get(c["kind"], ("Battles", "Armed clash"))
        d = date.fromisoformat(c["date"])
        when = f"{d.day} {d:%B %Y}"
        rows.append(
            _acled_row(
                event_id_cnty=f"UKR{300000 + i}",
                event_date=when,
                year=str(d.year),
                disorder_type="Political violence",
                event_type=event_type,
                sub_event_type=sub_type,
                actor1="Military Forces of Russia (2000-)",
                inter1="8",
                actor2="Military Forces of Ukraine (2019-)",
                inter2="8",
                interaction="88",
                admin1=c["region"],
                location=c["target"],
                source="Ministry of Defence of Russia",
                notes=f"On {when}, the Russian MoD claimed {c['kind']} of {c['target']}.",
                timestamp=str(_stamp(c["date"])),
            )
        )
    for j, day in enumerate(("2025-03-08", "2025-05-09", "2025-08-24", "2025-10-14"), start=1):
        d = date.fromisoformat(day)
        rows.append(
            _acled_row(
                event_id_cnty=f"UKR{390000 + j}",
                event_date=f"{d.day} {d:%B %Y}",
                year=str(d.year),
                disorder_type="Demonstrations",
                event_type="Protests",
                sub_event_type="Peaceful protest",
                actor1="Protesters (Ukraine)",
                inter1="6",
                interaction="60",
                admin1="Kyiv City",
                location="Kyiv",
                latitude="50.4501",
                longitude="30.5234",
                source="Ukrainska Pravda",
                notes=f"On {d.day} {d:%B %Y}, residents gathered in Kyiv.",
                fatalities="0",
                timestamp=str(_stamp(day)),
            )
        )
    _write_csv(out / "acled_export.csv", _ACLED_HEADER, rows)


def _gdelt_record(n: int, e: dict[str, str], a1: str, a2: str, url: str) -> list[str]:
    day = e["date"]
    d = date.fromisoformat(day)
    code = _CODES.get(e["kind"], "036")
    (c1, name1), (c2, name2) = _ACTORS[a1], _ACTORS[a2]
    fraction = f"{d.year + (d.timetuple().tm_yday - 1) / 365:.4f}"
    fields = [""] * 61
    fields[0:5] = [str(1_300_000_000 + n), day.replace("-", ""), day[:7].replace("-", "")]
    fields[3:5] = [str(d.year), fraction]
    fields[5:8] = [c1, name1, c1]  # Actor1Code, Actor1Name, Actor1CountryCode
    fields[15:18] = [c2, name2, c2]  # Actor2Code, Actor2Name, Actor2CountryCode
    fields[25:30] = ["1", code, code, code[:2], "1"]  # IsRootEvent .. QuadClass
    fields[30:35] = ["4.0", "4", "1", "4", "1.5"]  # Goldstein, mentions, sources, articles, tone
    fields[35:37] = ["4", e["location"]]  # Actor1Geo_Type, Actor1Geo_FullName
    fields[43] = "0"  # Actor2Geo_Type: no geography
    fields[51:53] = ["4", e["location"]]  # ActionGeo_Type, ActionGeo_FullName
    fields[59:61] = [f"{day.replace('-', '')}150000", url]  # DATEADDED, SOURCEURL
    assert len(fields) == 61
    return fields


def gdelt(events: list[dict[str, str]], out: Path) -> None:
    """The events as GDELT 2.0 records, one file a month, each story told twice (dedupe)."""
    by_month: dict[str, list[list[str]]] = {}
    n = 0
    for e in events:
        sides = [p for p in e["parties"].replace("->", "-").split(" ")[0].split("-") if p]
        if len(sides) != 2 or not all(p in _ACTORS for p in sides) or e["kind"] not in _CODES:
            continue  # deadlines and multi-party rows have no single CAMEO dyad
        url = e["source"]
        month = by_month.setdefault(e["date"][:7].replace("-", ""), [])
        for a1, a2 in (sides, sides[::-1]):  # the same story coded in both actor orders
            n += 1
            month.append(_gdelt_record(n, e, a1, a2, url))
    folder = out / "gdelt"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.export.CSV"):
        old.unlink()
    for month, rows in sorted(by_month.items()):
        with open(folder / f"{month}.export.CSV", "w", encoding="utf-8", newline="") as fh:
            fh.writelines("\t".join(r) + "\n" for r in rows)


def telegram(claims: list[dict[str, str]], out: Path) -> None:
    """The capture claims as an English-language Telegram channel export (result.json)."""
    messages: list[dict[str, object]] = [
        {
            "id": 1,
            "type": "service",
            "date": "2025-01-01T09:00:00",
            "date_unixtime": str(_stamp("2025-01-01", 9)),
            "actor": "Russian MoD",
            "action": "pin_message",
            "message_id": 0,
            "text": "",
        }
    ]
    by_day: dict[str, list[str]] = {}
    for c in claims:
        if c["kind"] == "capture" and c["target"]:
            by_day.setdefault(c["date"], []).append(c["target"])
    for day, targets in sorted(by_day.items()):
        for k, target in enumerate(targets):
            text = (
                f"Units of the group of forces have liberated the settlement of {target}."
                if k % 2 == 0
                else f"As a result of decisive actions, the troops took control of {target}."
            )
            messages.append(
                {
                    "id": len(messages) + 100,
                    "type": "message",
                    "date": f"{day}T{10 + k % 10}:00:00",
                    "date_unixtime": str(_stamp(day, 10 + k % 10)),
                    "from": "Russian MoD",
                    "from_id": "channel1234567890",
                    "text": text,
                }
            )
        messages.append(
            {
                "id": len(messages) + 100,
                "type": "message",
                "date": f"{day}T21:00:00",
                "date_unixtime": str(_stamp(day, 21)),
                "from": "Russian MoD",
                "from_id": "channel1234567890",
                "text": [
                    "Air defence systems shot down ",
                    {"type": "bold", "text": "drones"},
                    " over the Belgorod region overnight.",
                ],
            }
        )
    export = {
        "name": "Russian MoD",
        "type": "public_channel",
        "id": 1234567890,
        "messages": messages,
    }
    folder = out / "telegram"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(
        json.dumps(export, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )


def write_examples(out: Path = OUT) -> None:
    """Write every example file under ``out`` (default: this folder).

    Parameters
    ----------
    out : pathlib.Path
        Folder to write ``my_claims.csv``, ``my_events.csv``, ``acled_export.csv``,
        ``gdelt/`` and ``telegram/`` into.
    """
    claims, events = _read("claims.csv"), _read("events.csv")
    my_csv(claims, events, out)
    acled(claims, out)
    gdelt(events, out)
    telegram(claims, out)


if __name__ == "__main__":
    write_examples()
