"""ACLED event exports (CSV) as a claims-like intensity series.

Source format
-------------
An export from the Armed Conflict Location & Event Data project (ACLED, acleddata.com),
one row per event, comma-separated with a header. Columns used (others are ignored):

``event_id_cnty``   unique event id, e.g. ``UKR123456`` -> ``claim_id``
``event_date``      ``"12 January 2025"`` (the Data Export Tool) or ``2025-01-12`` (the API);
                    both are accepted, anything else is an error naming the row
``actor1``          the actor of the event -> ``actor``
``event_type``      e.g. ``Battles``, ``Explosions/Remote violence`` -> ``kind`` (fallback)
``sub_event_type``  e.g. ``Air/drone strike`` -> ``kind`` (first choice;
                    :data:`SUB_EVENT_KINDS`)
``location``        place name -> ``target``
``admin1``          first-level region (oblast) -> ``region``
``notes``           ACLED's description -> ``text``
``source``          outlets ACLED coded from -> ``source`` (``"ACLED <event_id_cnty>"`` if blank)
``fatalities``      optional; reported fatalities -> ``value``
``year``            optional; checked against ``event_date`` when present

ACLED records *events* (what happened, as coded from reports), not announcements by one
side. Mapped into the claims table they serve as a claims-like intensity of fighting: the
same tests then ask whether fighting itself, not its announcement, clusters before
diplomacy. The ``kind`` is set from the tables below; rows whose types are in neither
table get ``other``, so no row is dropped by the mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from pathlib import Path

import polars as pl

from timing.adapters._common import AdapterResult, canonical_frame, read_csv_text, require_columns
from timing.errors import TimingInputError
from timing.schema import CLAIMS

__all__ = [
    "EVENT_TYPE_KINDS",
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
#: ACLED ``event_type`` -> claim kind (when the sub-event type is not in the table above).
EVENT_TYPE_KINDS: dict[str, str] = {
    "Battles": "other",
    "Explosions/Remote violence": "strike",
    "Violence against civilians": "other",
    "Strategic developments": "other",
    "Protests": "other",
    "Riots": "other",
}
REQUIRED = ("event_id_cnty", "event_date", "actor1", "event_type", "sub_event_type", "location")
_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


def parse_acled_date(text: str) -> dt.date | None:
    """Parse an ACLED ``event_date``: ``"12 January 2025"`` or ``"2025-01-12"``.

    Month names are English, full or three-letter, any case. Returns ``None`` if the
    text is neither form.

    Examples
    --------
    >>> parse_acled_date("12 January 2025"), parse_acled_date("2025-01-12")
    (datetime.date(2025, 1, 12), datetime.date(2025, 1, 12))
    >>> parse_acled_date("01/12/2025") is None
    True
    """
    s = text.strip()
    try:
        if len(s) == 10 and s[4] == "-" and s[7] == "-":
            return dt.date.fromisoformat(s)
        parts = s.split()
        if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
            return None
        name = parts[1].lower().rstrip(".")
        month = _MONTHS.get(name) or next(
            (i for full, i in _MONTHS.items() if len(name) == 3 and full.startswith(name)), None
        )
        if month is None or len(parts[2]) != 4:
            return None
        return dt.date(int(parts[2]), month, int(parts[0]))
    except ValueError:
        return None


def _kind(
    event_type: str | None, sub_event_type: str | None, overrides: Mapping[str, str] | None
) -> str:
    for table in (overrides or {}, SUB_EVENT_KINDS):
        if sub_event_type and sub_event_type.strip() in table:
            return table[sub_event_type.strip()]
    for table in (overrides or {}, EVENT_TYPE_KINDS):
        if event_type and event_type.strip() in table:
            return table[event_type.strip()]
    return "other"


def parse_acled(
    path: str | Path,
    *,
    actors: Collection[str] | None = None,
    event_types: Collection[str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> AdapterResult:
    """Read an ACLED export CSV into canonical claims, counting filtered rows.

    Parameters
    ----------
    path : str or pathlib.Path
        The export (comma-separated, header row).
    actors : collection of str, optional
        Keep only rows whose ``actor1`` is one of these (exact match).
    event_types : collection of str, optional
        Keep only rows whose ``event_type`` or ``sub_event_type`` is one of these.
    kinds : mapping of str to str, optional
        Extra or overriding ``{event_type or sub_event_type: claim kind}`` entries,
        consulted before :data:`SUB_EVENT_KINDS` and :data:`EVENT_TYPE_KINDS`.

    Returns
    -------
    AdapterResult
        ``frame`` in canonical claims columns plus ``input_row`` (the CSV line, header = 1)
        and ``event_type``/``sub_event_type``; ``skipped`` counts filtered rows.

    Raises
    ------
    TimingInputError
        Missing file or columns, an unreadable ``event_date``, a ``year`` that disagrees
        with it, or a blank ``event_id_cnty``, naming the file, line and field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "acled.csv"
    >>> _ = p.write_text(
    ...     "event_id_cnty,event_date,actor1,event_type,sub_event_type,location\\n"
    ...     "UKR1,12 January 2025,Military Forces of Russia (2000-),"
    ...     "Explosions/Remote violence,Air/drone strike,Kupiansk\\n")
    >>> parse_acled(p).frame.select("claim_id", "date", "kind").row(0)
    ('UKR1', '2025-01-12', 'strike')
    """
    file = str(path)
    raw = read_csv_text(path)
    require_columns(raw, REQUIRED, file=file, what="an ACLED export")
    if kinds:
        bad = {k: v for k, v in kinds.items() if v not in CLAIMS.column("kind").allowed}
        if bad:
            raise TimingInputError(
                f"kinds: {bad} map to unknown claim kinds; expected one of "
                + ", ".join(CLAIMS.column("kind").allowed)
            )
    if isinstance(actors, str):  # one actor name (ACLED names may contain commas)
        actors = {actors}
    if isinstance(event_types, str):
        event_types = {event_types}
    data = raw.to_dict(as_series=False)
    rows: dict[str, list[object]] = {
        k: [] for k in (*CLAIMS.names, "input_row", "event_type", "sub_event_type")
    }
    by_actor = by_type = 0
    for i in range(raw.height):
        line = i + 2

        def cell(name: str, i: int = i) -> str:
            col = data.get(name)
            value = None if col is None else col[i]
            return "" if value is None else value.strip()

        if actors is not None and cell("actor1") not in actors:
            by_actor += 1
            continue
        etype, sub = cell("event_type"), cell("sub_event_type")
        if event_types is not None and etype not in event_types and sub not in event_types:
            by_type += 1
            continue
        event_id = cell("event_id_cnty")
        if not event_id:
            raise TimingInputError(f"{file}: line {line}, field 'event_id_cnty': blank")
        day = parse_acled_date(cell("event_date"))
        if day is None:
            raise TimingInputError(
                f"{file}: line {line}, field 'event_date': got {cell('event_date')!r}, "
                "expected e.g. '12 January 2025' or '2025-01-12'"
            )
        year = cell("year")
        if year and year != str(day.year):
            raise TimingInputError(
                f"{file}: line {line}, field 'year': got {year!r}, but event_date is {day}"
            )
        values = {
            "claim_id": event_id,
            "date": day,
            "actor": cell("actor1"),
            "kind": _kind(etype, sub, kinds),
            "target": cell("location"),
            "region": cell("admin1"),
            "value": cell("fatalities"),
            "text": cell("notes"),
            "source": cell("source") or f"ACLED {event_id}",
            "input_row": line,
            "event_type": etype,
            "sub_event_type": sub,
        }
        for key, column in rows.items():
            column.append(values.get(key))
    frame = canonical_frame(rows, CLAIMS, extras=("input_row", "event_type", "sub_event_type"))
    skipped = {"actor not selected": by_actor, "event type not selected": by_type}
    return AdapterResult(frame, "claims", raw.height, skipped)


def read_acled(
    path: str | Path,
    *,
    actors: Collection[str] | None = None,
    event_types: Collection[str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Return only the claims frame of :func:`parse_acled`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "acled.csv"
    >>> _ = p.write_text("event_id_cnty,event_date,actor1,event_type,sub_event_type,location\\n"
    ...                  "UKR2,2025-01-13,X,Battles,Government regains territory,Y\\n")
    >>> read_acled(p)["kind"].to_list()
    ['capture']
    """
    return parse_acled(path, actors=actors, event_types=event_types, kinds=kinds).frame
