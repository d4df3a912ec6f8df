"""GDELT 2.0 event records (tab-separated, no header) as events or claims.

Source format
-------------
The GDELT 2.0 Event Database export (``YYYYMMDDHHMMSS.export.CSV``, despite the name
tab-separated, no header, no quoting) has the 61 columns of :data:`COLUMNS`. Fields used:

``GLOBALEVENTID``        record id -> ``GDELT-<id>`` (``event_id`` / ``claim_id``)
``SQLDATE``              ``YYYYMMDD``, the day of the event -> ``date``
``Actor1Code``, ``Actor1Name``, ``Actor1CountryCode`` (and the same for Actor2)
                         CAMEO actor codes such as ``USAGOV``, ``RUS``; the country is the
                         country code or, when blank, the first three letters of the code
``EventCode``            CAMEO event code (text with leading zeros: ``"042"``, ``"0841"``)
``EventRootCode``        two-digit root (``"04"`` CONSULT, ``"19"`` FIGHT); used to restore
                         leading zeros a spreadsheet may have removed
``ActionGeo_FullName``   place -> ``location`` (events) / ``target`` (claims)
``ActionGeo_ADM1Code``   region code -> ``region`` (claims)
``SOURCEURL``            the article -> ``source`` (``"GDELT <id>"`` when blank)

Records are machine-coded from news: one real meeting appears as many records. They are
a noisy, dense signal of diplomatic (or military) activity; deduplicate or aggregate
before treating each record as an event.

Mappings (CAMEO code -> canonical kind; records with other codes are skipped and counted):

===========  ==============================================  ========
code         CAMEO description                               kind
===========  ==============================================  ========
036          express intent to meet or negotiate             other
040          consult, not specified                          other
041          discuss by telephone                            call
042          make a visit                                    visit
043          host a visit                                    visit
044          meet at a third location                        talks
045          mediate                                         talks
046          engage in negotiation                           talks
190          use conventional military force                 other  (claims)
191          impose blockade, restrict movement              other  (claims)
192          occupy territory                                capture (claims)
193          fight with small arms and light weapons         other  (claims)
194          fight with artillery and tanks                  strike (claims)
195          employ aerial weapons (1951, 1952 sub-codes)    strike (claims)
196          violate ceasefire                               other  (claims)
===========  ==============================================  ========

A four-digit code falls back to its three-digit base (``1951`` -> ``195``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Literal

import polars as pl

from timing.adapters._common import AdapterResult, canonical_frame, read_csv_text
from timing.errors import TimingInputError
from timing.schema import CLAIMS, EVENTS

__all__ = [
    "CLAIM_CODES",
    "COLUMNS",
    "EVENT_CODES",
    "parse_gdelt",
    "parse_sqldate",
    "read_gdelt_events",
]

_ACTOR = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_GEO = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")
#: The 61 columns of a GDELT 2.0 event record, in file order.
COLUMNS: tuple[str, ...] = (
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    *(f"Actor1{f}" for f in _ACTOR),
    *(f"Actor2{f}" for f in _ACTOR),
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    *(f"Actor1Geo_{f}" for f in _GEO),
    *(f"Actor2Geo_{f}" for f in _GEO),
    *(f"ActionGeo_{f}" for f in _GEO),
    "DATEADDED",
    "SOURCEURL",
)
assert len(COLUMNS) == 61

#: CAMEO event code -> (event kind, description) for ``kind="events"``.
EVENT_CODES: dict[str, tuple[str, str]] = {
    "036": ("other", "expressed intent to meet or negotiate with"),
    "040": ("other", "consulted"),
    "041": ("call", "discussed by telephone with"),
    "042": ("visit", "made a visit to"),
    "043": ("visit", "hosted a visit of"),
    "044": ("talks", "met at a third location with"),
    "045": ("talks", "mediated with"),
    "046": ("talks", "engaged in negotiation with"),
}
#: CAMEO event code -> (claim kind, description) for ``kind="claims"``.
CLAIM_CODES: dict[str, tuple[str, str]] = {
    "190": ("other", "used conventional military force against"),
    "191": ("other", "imposed a blockade on"),
    "192": ("capture", "occupied territory of"),
    "193": ("other", "fought with small arms against"),
    "194": ("strike", "fought with artillery and tanks against"),
    "195": ("strike", "employed aerial weapons against"),
    "196": ("other", "violated a ceasefire with"),
}


def parse_sqldate(text: str) -> dt.date | None:
    """Parse a GDELT ``SQLDATE`` (``YYYYMMDD``); ``None`` if it is not one.

    Examples
    --------
    >>> parse_sqldate("20250112")
    datetime.date(2025, 1, 12)
    >>> parse_sqldate("2025-01-12") is None
    True
    """
    s = text.strip()
    if len(s) != 8 or not (s.isascii() and s.isdigit()):
        return None
    try:
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        return None


def _code(code: str, root: str) -> str:
    """Restore leading zeros: the code must start with its two-digit root."""
    code, root = code.strip(), root.strip().zfill(2)
    for width in range(len(code), 5):
        candidate = code.zfill(width)
        if candidate.startswith(root):
            return candidate
    return code


def _sides(rec: Mapping[str, str | None], n: int) -> set[str]:
    code = (rec.get(f"Actor{n}Code") or "").strip()
    country = (rec.get(f"Actor{n}CountryCode") or "").strip() or code[:3]
    return {t for t in (code, country) if t}


def parse_gdelt(
    path: str | Path,
    actors: Collection[str] | None = None,
    kind: Literal["events", "claims"] = "events",
    *,
    codes: Mapping[str, tuple[str, str]] | None = None,
) -> AdapterResult:
    """Read GDELT 2.0 event records into canonical events (or claims), with accounting.

    Parameters
    ----------
    path : str or pathlib.Path
        A GDELT 2.0 ``export.CSV`` file (tab-separated, 61 columns, no header).
    actors : collection of str, optional
        CAMEO actor or country codes, e.g. ``("USA", "RUS")``. A record is kept when each
        of them is on one of its two sides (``Actor1``/``Actor2``, matching the full code
        or the country), so ``("USA", "RUS")`` keeps US-Russia records in either order.
        A string is split at commas.
    kind : {"events", "claims"}
        ``events`` maps diplomacy codes (:data:`EVENT_CODES`); ``claims`` maps fight codes
        (:data:`CLAIM_CODES`) with ``actor`` = ``Actor1Name``.
    codes : mapping, optional
        Replace the code table: ``{cameo_code: (kind, verb phrase)}``.

    Returns
    -------
    AdapterResult
        ``frame`` in canonical columns plus ``input_row`` (the file line) and
        ``cameo_code``; ``skipped`` counts records with an unmapped code or other actors.

    Raises
    ------
    TimingInputError
        Wrong number of columns, an unreadable ``SQLDATE`` or a blank ``GLOBALEVENTID``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rec = [""] * 61
    >>> rec[0], rec[1], rec[5], rec[6], rec[15], rec[16] = "1", "20250218", "USA", "US", "RUS", "RU"
    >>> rec[26], rec[28], rec[52], rec[60] = "046", "04", "Riyadh", "https://ex.org/a"
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.export.CSV"
    >>> _ = p.write_text("\\t".join(rec) + "\\n")
    >>> parse_gdelt(p).frame.select("event_id", "date", "kind", "parties").row(0)
    ('GDELT-1', '2025-02-18', 'talks', 'USA-RUS')
    """
    if kind not in ("events", "claims"):
        raise TimingInputError(f"kind: got {kind!r}, expected 'events' or 'claims'")
    spec = EVENTS if kind == "events" else CLAIMS
    table = dict(codes) if codes is not None else (EVENT_CODES if kind == "events" else CLAIM_CODES)
    for code, (k, _verb) in table.items():
        if k not in spec.column("kind").allowed:
            raise TimingInputError(
                f"codes: {code!r} maps to {k!r}, expected one of "
                + ", ".join(spec.column("kind").allowed)
            )
    file = str(path)
    raw = read_csv_text(path, separator="\t", has_header=False, new_columns=COLUMNS)
    if isinstance(actors, str):  # "USA,RUS" from a command line
        actors = actors.split(",")
    wanted = None if actors is None else {a.strip() for a in actors if a.strip()}
    id_col = spec.id_column
    rows: dict[str, list[object]] = {k: [] for k in (*spec.names, "input_row", "cameo_code")}
    unmapped = other_actors = 0
    for line, rec in enumerate(raw.iter_rows(named=True), start=1):
        code = _code(rec["EventCode"] or "", rec["EventRootCode"] or "")
        entry = table.get(code) or table.get(code[:3])
        if entry is None:
            unmapped += 1
            continue
        one, two = _sides(rec, 1), _sides(rec, 2)
        if wanted is not None and not all(a in one or a in two for a in wanted):
            other_actors += 1
            continue
        gid = (rec["GLOBALEVENTID"] or "").strip()
        if not gid:
            raise TimingInputError(f"{file}: line {line}, field 'GLOBALEVENTID': blank")
        day = parse_sqldate(rec["SQLDATE"] or "")
        if day is None:
            raise TimingInputError(
                f"{file}: line {line}, field 'SQLDATE': got {rec['SQLDATE']!r}, expected YYYYMMDD"
            )
        name1 = (rec["Actor1Name"] or rec["Actor1Code"] or "").strip()
        name2 = (rec["Actor2Name"] or rec["Actor2Code"] or "").strip()
        place = (rec["ActionGeo_FullName"] or "").strip()
        title = " ".join(x for x in (name1 or "(unknown)", entry[1], name2 or "(unknown)"))
        values: dict[str, object] = {
            id_col: f"GDELT-{gid}",
            "date": day,
            "kind": entry[0],
            "source": (rec["SOURCEURL"] or "").strip() or f"GDELT {gid}",
            "input_row": line,
            "cameo_code": code,
        }
        if kind == "events":
            c1 = (rec["Actor1CountryCode"] or "").strip() or (rec["Actor1Code"] or "")[:3]
            c2 = (rec["Actor2CountryCode"] or "").strip() or (rec["Actor2Code"] or "")[:3]
            values |= {
                "parties": "-".join(c for c in (c1, c2) if c) or "(unknown)",
                "location": place,
                "title": title,
            }
        else:
            values |= {
                "actor": name1 or "(unknown)",
                "target": place or name2,
                "region": rec["ActionGeo_ADM1Code"],
                "text": title,
            }
        for key, column in rows.items():
            column.append(values.get(key))
    frame = canonical_frame(rows, spec, extras=("input_row", "cameo_code"))
    skipped = {"code not mapped": unmapped, "actors not selected": other_actors}
    return AdapterResult(frame, kind, raw.height, skipped)


def read_gdelt_events(
    path: str | Path,
    actors: Collection[str] | None = None,
    kind: Literal["events", "claims"] = "events",
    *,
    codes: Mapping[str, tuple[str, str]] | None = None,
) -> pl.DataFrame:
    """Return only the frame of :func:`parse_gdelt` (same parameters).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rec = [""] * 61
    >>> rec[0], rec[1], rec[5], rec[15] = "7", "20250301", "RUS", "UKR"
    >>> rec[26], rec[28] = "195", "19"
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.export.CSV"
    >>> _ = p.write_text("\\t".join(rec) + "\\n")
    >>> read_gdelt_events(p, kind="claims")["kind"].to_list()
    ['strike']
    """
    return parse_gdelt(path, actors, kind, codes=codes).frame
