"""ACLED event exports (CSV, both layouts) as a claims-like intensity series.

Source format
-------------
An export from the Armed Conflict Location & Event Data project (ACLED, acleddata.com),
one row per event, comma-separated with a header (column names in any case, a leading
byte-order mark is ignored). Two layouts are read:

* **2019 and later**: ``event_type`` plus ``sub_event_type`` (e.g. ``Battles`` /
  ``Armed clash``); from 2023 also ``disorder_type``, ``civilian_targeting``, ``tags``.
* **before 2019**: no ``sub_event_type``; event types such as
  ``Battle-No change of territory``, ``Remote violence``, ``Riots/Protests``,
  ``Strategic development`` (the old ACLED codebook's names).

Columns used (others are ignored):

``event_id_cnty``   unique event id, e.g. ``UKR123456`` -> ``claim_id``
``event_date``      ``12 January 2025`` (Data Export Tool), ``2025-01-12`` (API) or a
                    spreadsheet re-save (``9-May-20``, ``5/9/2020``, serial numbers): see
                    :mod:`timing.adapters._acled_dates`; ``date_format`` forces a pattern
``actor1``          the actor of the event -> ``actor``
``event_type``      -> selection and ``kind`` (fallback)
``sub_event_type``  -> ``kind`` (first choice, :data:`SUB_EVENT_KINDS`); optional
``location``        place name -> ``target``
``admin1``          first-level region (oblast) -> ``region``
``notes``           ACLED's description -> ``text``
``source``          outlets ACLED coded from -> ``source`` (``"ACLED <event_id_cnty>"`` if blank)
``fatalities``      optional; reported fatalities -> ``value``
``year``            optional; gives two-digit years their century and is checked against
                    ``event_date`` (a disagreement is an anomaly; ``event_date`` wins)

Which events become claims
--------------------------
ACLED records *events* (what happened, as coded from reports), not announcements by one
side. Mapped into the claims table they serve as a claims-like intensity of fighting. By
default only event types that stand for military action are kept
(:data:`CLAIM_EVENT_TYPES`):

================================================  ==============  ====================
event type                                        layout          kind
================================================  ==============  ====================
Battles                                           2019+           by sub-event type
Explosions/Remote violence                        2019+           by sub-event type
Battle-No change of territory                     before 2019     other
Battle-Government regains territory               before 2019     capture
Battle-Non-state actor overtakes territory        before 2019     capture
Remote violence                                   before 2019     strike
================================================  ==============  ====================

Sub-event types: territory changes -> ``capture``; air/drone strikes, shelling, remote
explosives, suicide bombs, grenades, chemical weapons -> ``strike``; armed clashes ->
``other`` (:data:`SUB_EVENT_KINDS`). Everything else (protests, riots, strategic
developments, violence against civilians, ...) is skipped and counted under
``"event type not selected: <type>"``. ``event_types=`` replaces the selection (a list of
event or sub-event types, matched without regard to case); ``kinds=`` overrides the kinds.

Rows that cannot be converted (blank ``event_id_cnty``, unreadable ``event_date``) are
passed on with the cell blank or as found, so validation rejects them with their line
number; they never abort the file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping
from pathlib import Path

import polars as pl

from timing.adapters._acled_dates import parse_date_column, parse_named_month
from timing.adapters._common import (
    AdapterResult,
    Anomaly,
    canonical_frame,
    read_csv_text,
    require_columns,
)
from timing.adapters._options import OptionSpec
from timing.errors import TimingInputError
from timing.schema import CLAIMS

__all__ = [
    "CLAIM_EVENT_TYPES",
    "EVENT_TYPE_KINDS",
    "OPTIONS",
    "SUB_EVENT_KINDS",
    "parse_acled",
    "parse_acled_date",
    "read_acled",
]

#: ACLED ``sub_event_type`` -> claim kind (consulted first).
SUB_EVENT_KINDS: dict[str, str] = {
    "Government regains territory": "capture",
    "Non-state actor overtakes territory": "capture",
    "Non-violent transfer of territory": "capture",
    "Armed clash": "other",
    "Air/drone strike": "strike",
    "Shelling/artillery/missile attack": "strike",
    "Remote explosive/landmine/IED": "strike",
    "Suicide bomb": "strike",
    "Grenade": "strike",
    "Chemical weapon": "strike",
}
#: ACLED ``event_type`` (both layouts) -> claim kind (when the sub-event type is not above).
EVENT_TYPE_KINDS: dict[str, str] = {
    "Battles": "other",
    "Explosions/Remote violence": "strike",
    "Violence against civilians": "other",
    "Strategic developments": "other",
    "Protests": "other",
    "Riots": "other",
    "Battle-No change of territory": "other",
    "Battle-Government regains territory": "capture",
    "Battle-Non-state actor overtakes territory": "capture",
    "Battle-Non-state actors overtake territory": "capture",
    "Remote violence": "strike",
    "Non-violent transfer of territory": "capture",
}
#: Event types kept by default: military action, in the 2019+ and the older layout.
CLAIM_EVENT_TYPES: tuple[str, ...] = (
    "Battles",
    "Explosions/Remote violence",
    "Battle-No change of territory",
    "Battle-Government regains territory",
    "Battle-Non-state actor overtakes territory",
    "Battle-Non-state actors overtake territory",
    "Remote violence",
)
REQUIRED = ("event_id_cnty", "event_date", "actor1", "event_type", "location")

#: Options of the ``acled`` adapter.
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "actors",
        "list",
        None,
        "keep only rows whose actor1 is one of these (exact names, separated by ';' "
        "because ACLED names may hold commas)",
        sep=";",
    ),
    OptionSpec(
        "event_types",
        "list",
        None,
        "event or sub-event types to keep (default: military action, CLAIM_EVENT_TYPES)",
    ),
    OptionSpec("kinds", "mapping", None, "TYPE:KIND overrides of the claim kind"),
    OptionSpec(
        "date_format",
        "str",
        "auto",
        "'auto' or a strptime pattern for event_date, e.g. %d/%m/%Y",
    ),
    OptionSpec(
        "encoding",
        "str",
        None,
        "text encoding of an export re-saved by Excel, e.g. cp1252 (default: UTF-8)",
    ),
)


def parse_acled_date(text: str) -> dt.date | None:
    """Parse an ACLED ``event_date``: ``"12 January 2025"``, ``"9-May-20"`` or ISO.

    Month names are English, full or abbreviated, any case. Returns ``None`` for other
    forms (numeric dates such as ``5/9/2020`` need the whole column: see
    :func:`timing.adapters._acled_dates.parse_date_column`).

    Examples
    --------
    >>> parse_acled_date("12 January 2025"), parse_acled_date("2025-01-12")
    (datetime.date(2025, 1, 12), datetime.date(2025, 1, 12))
    >>> parse_acled_date("01/12/2025") is None
    True
    """
    return parse_named_month(text)


def _kind(event_type: str, sub_event_type: str, overrides: Mapping[str, str] | None) -> str:
    for table in (overrides or {}, SUB_EVENT_KINDS):
        if sub_event_type and sub_event_type in table:
            return table[sub_event_type]
    for table in (overrides or {}, EVENT_TYPE_KINDS):
        if event_type and event_type in table:
            return table[event_type]
    return "other"


def _normalise_columns(raw: pl.DataFrame) -> pl.DataFrame:
    names = [c.lstrip("\ufeff").strip().lower() for c in raw.columns]
    if len(set(names)) != len(names):
        return raw  # leave odd headers alone; require_columns reports what is missing
    return raw.rename(dict(zip(raw.columns, names, strict=True)))


def parse_acled(
    path: str | Path,
    *,
    actors: Collection[str] | None = None,
    event_types: Collection[str] | None = None,
    kinds: Mapping[str, str] | None = None,
    date_format: str = "auto",
    encoding: str | None = None,
) -> AdapterResult:
    """Read an ACLED export CSV (either layout) into canonical claims, with accounting.

    Parameters
    ----------
    path : str or pathlib.Path
        The export (comma-separated, header row).
    actors : collection of str, optional
        Keep only rows whose ``actor1`` is one of these (exact match).
    event_types : collection of str, optional
        Keep only rows whose ``event_type`` or ``sub_event_type`` is one of these (case
        ignored). Default: :data:`CLAIM_EVENT_TYPES`.
    kinds : mapping of str to str, optional
        Extra or overriding ``{event_type or sub_event_type: claim kind}`` entries,
        consulted before :data:`SUB_EVENT_KINDS` and :data:`EVENT_TYPE_KINDS`.
    date_format : str
        ``"auto"`` or a :func:`~datetime.datetime.strptime` pattern for ``event_date``.
    encoding : str, optional
        Text encoding (``cp1252`` for an export re-saved by Excel on Windows). Default: a
        byte-order mark's, else UTF-8; other bytes are refused with their line and column.

    Returns
    -------
    AdapterResult
        ``frame`` in canonical claims columns plus ``input_row`` (the CSV line, header = 1)
        and ``event_type``/``sub_event_type``; ``skipped`` counts rows left out by the
        actor filter and by event type (one reason per type); ``anomalies`` list ``year``
        cells that disagree with ``event_date``.

    Raises
    ------
    TimingInputError
        Missing file or columns, unknown kinds, or numeric dates whose day/month order
        cannot be settled. Bad cells do not raise: their rows fail validation.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "acled.csv"
    >>> _ = p.write_text(
    ...     "event_id_cnty,event_date,actor1,event_type,sub_event_type,location\\n"
    ...     "UKR1,12 January 2025,Military Forces of Russia (2000-),"
    ...     "Explosions/Remote violence,Air/drone strike,Kupiansk\\n"
    ...     "UKR2,12 January 2025,Protesters (Ukraine),Protests,Peaceful protest,Kyiv\\n")
    >>> r = parse_acled(p)
    >>> r.frame.select("claim_id", "date", "kind").row(0), dict(r.skipped)
    (('UKR1', '2025-01-12', 'strike'), {'event type not selected: Protests': 1})
    """
    file = str(path)
    raw = _normalise_columns(read_csv_text(path, encoding=encoding))
    require_columns(raw, REQUIRED, file=file, what="an ACLED export")
    if kinds:
        bad = {k: v for k, v in kinds.items() if v not in CLAIMS.column("kind").allowed}
        if bad:
            raise TimingInputError(
                f"{file}: option kinds: {bad} map to unknown claim kinds; expected one of "
                + ", ".join(CLAIMS.column("kind").allowed)
            )
    if isinstance(actors, str):  # one actor name (ACLED names may contain commas)
        actors = {actors}
    if isinstance(event_types, str):
        event_types = {event_types}
    wanted_actors = None if actors is None else {a.strip() for a in actors}
    wanted_types = {t.strip().casefold() for t in (event_types or CLAIM_EVENT_TYPES)}
    data = raw.to_dict(as_series=False)
    years = data.get("year")
    dates = parse_date_column(data["event_date"], years, date_format=date_format, file=file)
    extras = ("input_row", "event_type", "sub_event_type")
    rows: dict[str, list[object]] = {k: [] for k in (*CLAIMS.names, *extras)}
    skipped: Counter[str] = Counter()
    anomalies: list[Anomaly] = []
    for i in range(raw.height):
        line = i + 2

        def cell(name: str, i: int = i) -> str:
            col = data.get(name)
            value = None if col is None else col[i]
            return "" if value is None else value.strip()

        if wanted_actors is not None and cell("actor1") not in wanted_actors:
            skipped["actor not selected"] += 1
            continue
        etype, sub = cell("event_type"), cell("sub_event_type")
        if etype.casefold() not in wanted_types and sub.casefold() not in wanted_types:
            skipped[f"event type not selected: {etype or '(blank)'}"] += 1
            continue
        event_id = cell("event_id_cnty")
        day = dates[i]
        year = cell("year")
        if day is not None and year and year != str(day.year):
            anomalies.append(
                Anomaly(file, line, "year", "year", f"year {year} but event_date is {day}")
            )
        values = {
            "claim_id": event_id,
            "date": day if day is not None else cell("event_date"),
            "actor": cell("actor1"),
            "kind": _kind(etype, sub, kinds),
            "target": cell("location"),
            "region": cell("admin1"),
            "value": cell("fatalities"),
            "text": cell("notes"),
            "source": cell("source") or (f"ACLED {event_id}" if event_id else "ACLED"),
            "input_row": line,
            "event_type": etype,
            "sub_event_type": sub,
        }
        for key, column in rows.items():
            column.append(values.get(key))
    frame = canonical_frame(rows, CLAIMS, extras=extras)
    return AdapterResult(frame, "claims", raw.height, dict(skipped), tuple(anomalies))


def read_acled(
    path: str | Path,
    *,
    actors: Collection[str] | None = None,
    event_types: Collection[str] | None = None,
    kinds: Mapping[str, str] | None = None,
    date_format: str = "auto",
    encoding: str | None = None,
) -> pl.DataFrame:
    """Return only the claims frame of :func:`parse_acled` (same parameters).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "acled.csv"
    >>> _ = p.write_text("event_id_cnty,event_date,actor1,event_type,sub_event_type,location\\n"
    ...                  "UKR2,2025-01-13,X,Battles,Government regains territory,Y\\n")
    >>> read_acled(p)["kind"].to_list()
    ['capture']
    """
    return parse_acled(
        path,
        actors=actors,
        event_types=event_types,
        kinds=kinds,
        date_format=date_format,
        encoding=encoding,
    ).frame
