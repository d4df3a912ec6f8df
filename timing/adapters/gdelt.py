"""GDELT event records (1.0 and 2.0, tab-separated, no header) as events or claims.

Source format
-------------
The GDELT Event Database export files: GDELT 1.0 (57 or 58 columns) and GDELT 2.0 (61
columns), told apart by the number of fields; zipped as published, unzipped, re-saved
with a header, or many at once (a directory or a glob pattern): see
:mod:`timing.adapters._gdelt_io`. Records are counted per file. Fields used:

``GLOBALEVENTID``        record id -> ``GDELT-<id>`` (``event_id`` / ``claim_id``)
``SQLDATE``              ``YYYYMMDD``, the day of the event -> ``date`` (by default)
``DATEADDED``            when GDELT added the record (``YYYYMMDD`` in 1.0,
                         ``YYYYMMDDHHMMSS`` in 2.0) -> ``date`` with ``date_field=dateadded``
``Actor1Code``, ``Actor1Name``, ``Actor1CountryCode`` (and the same for Actor2)
                         the party of a side is its country code or, when blank, the first
                         three letters of its actor code only when they are a country code
                         (``RUSGOV`` -> ``RUS``); role codes (``GOV``, ``BUS``, ``EDU``)
                         never become parties
``EventCode``            CAMEO event code (text with leading zeros: ``"042"``, ``"0841"``)
``EventRootCode``        two-digit root (``"04"`` CONSULT, ``"19"`` FIGHT); used to restore
                         leading zeros a spreadsheet may have removed
``ActionGeo_FullName``   place -> ``location`` (events) / ``target`` (claims)
``ActionGeo_ADM1Code``   region code -> ``region`` (claims)
``SOURCEURL``            the article -> ``source`` (``"GDELT <id>"`` when blank or absent)

Records are machine-coded from news: one real meeting appears as many records. Every
record read is used, rejected by validation or skipped under one of these reasons, in this
order:

``code not mapped``                      its CAMEO code is not in the table below
``actors not selected``                  ``actors=`` given and a side does not match
``SQLDATE far from DATEADDED``           the two dates are more than ``max_date_gap``
                                         days apart (default 30): an old event or a
                                         mis-dated one; counted in an anomaly per file
``duplicate record of one story``        ``dedupe`` (on by default): same ``SOURCEURL``,
                                         same ``EventCode`` and same date as a record
                                         kept before it (records without a URL are never
                                         duplicates); ``dedupe=false`` keeps them all
``wrong number of fields``               a line that is not 57, 58 or 61 fields

A blank ``GLOBALEVENTID`` or an unreadable date does not stop the file: the row goes on to
validation, which rejects it with its line number.

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

A four-digit code falls back to its three-digit base (``1951`` -> ``195``). ``codes=``
replaces the table (``046:talks,042:visit``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from timing.adapters._common import AdapterResult, Anomaly, canonical_frame
from timing.adapters._countries import country_of
from timing.adapters._gdelt_io import COLUMNS, LAYOUTS, iter_records, source_files
from timing.adapters._options import OptionSpec
from timing.engine import Engine
from timing.errors import TimingInputError
from timing.schema import CLAIMS, EVENTS

__all__ = [
    "CLAIM_CODES",
    "COLUMNS",
    "EVENT_CODES",
    "OPTIONS",
    "parse_gdelt",
    "parse_sqldate",
    "read_gdelt_events",
]

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
#: Options of the ``gdelt-events`` and ``gdelt-claims`` adapters.
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("actors", "list", None, "CAMEO actor or country codes that must all take part"),
    OptionSpec("codes", "mapping", None, "CAMEO:KIND table replacing the default codes"),
    OptionSpec("dedupe", "bool", True, "drop repeated records of one story"),
    OptionSpec("date_field", "choice", "sqldate", "date of a row", ("sqldate", "dateadded")),
    OptionSpec(
        "max_date_gap",
        "int",
        30,
        "skip records whose SQLDATE and DATEADDED are more than this many days apart",
        min=0,
    ),
)
SKIP_REASONS = (
    "code not mapped",
    "actors not selected",
    "SQLDATE far from DATEADDED",
    "duplicate record of one story",
    "wrong number of fields",
)


def parse_sqldate(text: str) -> dt.date | None:
    """Parse a GDELT ``SQLDATE`` (``YYYYMMDD``) or the day of a ``DATEADDED``.

    ``YYYYMMDDHHMMSS`` (2.0 ``DATEADDED``) gives its day. ``None`` if neither.

    Examples
    --------
    >>> parse_sqldate("20250112"), parse_sqldate("20250112093000")
    (datetime.date(2025, 1, 12), datetime.date(2025, 1, 12))
    >>> parse_sqldate("2025-01-12") is None
    True
    """
    s = text.strip()
    if len(s) not in (8, 14) or not (s.isascii() and s.isdigit()):
        return None
    try:
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


def _day(text: str) -> dt.date | None:
    """A GDELT date, also when a spreadsheet re-save wrote it ``YYYY-MM-DD``."""
    day = parse_sqldate(text)
    if day is None and len(text.strip()) >= 10:
        try:
            day = dt.date.fromisoformat(text.strip()[:10])
        except ValueError:
            return None
    return day


def _code(code: str, root: str) -> str:
    """Restore leading zeros: the code must start with its two-digit root."""
    code, root = code.strip(), root.strip().zfill(2)
    if not root.strip("0"):
        return code
    for width in range(len(code), 5):
        candidate = code.zfill(width)
        if candidate.startswith(root):
            return candidate
    return code


def _sides(rec: Mapping[str, str], n: int) -> set[str]:
    code = (rec.get(f"Actor{n}Code") or "").strip()
    country = country_of(rec.get(f"Actor{n}CountryCode"), code)
    return {t for t in (code, country) if t}


def _table(
    kind: str, codes: Mapping[str, str | tuple[str, str]] | None
) -> dict[str, tuple[str, str]]:
    spec = EVENTS if kind == "events" else CLAIMS
    if codes is None:
        return EVENT_CODES if kind == "events" else CLAIM_CODES
    known = EVENT_CODES | CLAIM_CODES
    table: dict[str, tuple[str, str]] = {}
    for code, entry in codes.items():
        k, verb = (entry, "") if isinstance(entry, str) else entry
        if k not in spec.column("kind").allowed:
            raise TimingInputError(
                f"option codes: {code!r} maps to {k!r}, expected one of "
                + ", ".join(spec.column("kind").allowed)
            )
        table[code] = (k, verb or known.get(code, ("", f"(CAMEO {code})"))[1])
    return table


def parse_gdelt(
    path: str | Path,
    actors: Collection[str] | None = None,
    kind: Literal["events", "claims"] = "events",
    *,
    codes: Mapping[str, str | tuple[str, str]] | None = None,
    dedupe: bool = True,
    date_field: Literal["sqldate", "dateadded"] = "sqldate",
    max_date_gap: int = 30,
    engine: Engine | None = None,
) -> AdapterResult:
    """Read GDELT event records into canonical events (or claims), with accounting.

    Parameters
    ----------
    path : str or pathlib.Path
        An export file (``.export.CSV`` or ``.export.CSV.zip``), a directory of them or a
        glob pattern such as ``"data/2025*.export.CSV.zip"``.
    actors : collection of str, optional
        CAMEO actor or country codes, e.g. ``("USA", "RUS")``. A record is kept when each
        of them is on one of its two sides (the full actor code or its country), so
        ``("USA", "RUS")`` keeps US-Russia records in either order. A string is split at
        commas.
    kind : {"events", "claims"}
        ``events`` maps diplomacy codes (:data:`EVENT_CODES`); ``claims`` maps fight codes
        (:data:`CLAIM_CODES`) with ``actor`` = ``Actor1Name``.
    codes : mapping, optional
        Replace the code table: ``{cameo_code: kind}`` or ``{cameo_code: (kind, verb)}``.
    dedupe : bool
        Skip a record with the same ``SOURCEURL``, ``EventCode`` and date as one kept.
    date_field : {"sqldate", "dateadded"}
        Which GDELT date becomes ``date``.
    max_date_gap : int
        Skip records whose ``SQLDATE`` and ``DATEADDED`` are more than this many days apart.
    engine : Engine, optional
        Where the files are read (:class:`timing.engine.Engine`): by default one after
        another here; ``Engine("dask")`` reads them on a Dask cluster. The result is the
        same either way.

    Returns
    -------
    AdapterResult
        ``frame`` in canonical columns plus ``input_row`` (line in its file),
        ``input_file`` and ``cameo_code``; ``skipped`` counts by reason
        (:data:`SKIP_REASONS`); ``files`` the records read per file.

    Raises
    ------
    TimingInputError
        Nothing to read, a file none of whose lines has 57, 58 or 61 fields, or a bad
        ``codes`` table.

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
    if date_field not in ("sqldate", "dateadded"):
        raise TimingInputError(f"date_field: got {date_field!r}, expected sqldate or dateadded")
    spec = EVENTS if kind == "events" else CLAIMS
    table = _table(kind, codes)
    if isinstance(actors, str):  # "USA,RUS" from a command line
        actors = actors.split(",")
    wanted = None if actors is None else {a.strip() for a in actors if a.strip()}
    skipped: Counter[str] = Counter()
    per_file: Counter[str] = Counter()
    anomalies: list[Anomaly] = []
    # Each file is read on its own (on an engine's workers when one is given); the parts
    # are merged in file order, so deduplication across files keeps the same record as a
    # reading of one file after another would.
    jobs = [
        _FileJob(source, kind, table, wanted, date_field, max_date_gap)
        for source in source_files(path)
    ]
    parts = (engine or Engine()).map(_parse_file, jobs)
    for part in parts:
        per_file.update(part.per_file)
        skipped.update(part.skipped)
        anomalies += part.anomalies
    frame = (
        pl.concat([p.frame for p in parts], how="vertical")
        if parts
        else canonical_frame({}, spec, extras=(*_EXTRAS, "_url"))
    )
    if dedupe:
        # A later record of the same story (same URL, code and date) is a duplicate;
        # records without a URL never are.
        first = pl.struct("_url", "cameo_code", "date").is_first_distinct()
        keep = frame.select(pl.col("_url").is_null() | first).to_series()
        skipped["duplicate record of one story"] += int((~keep).sum())
        frame = frame.filter(keep)
    frame = frame.drop("_url")
    counts = {r: skipped[r] for r in SKIP_REASONS}
    return AdapterResult(
        frame, kind, sum(per_file.values()), counts, tuple(anomalies), files=dict(per_file)
    )


@dataclass(frozen=True)
class _FileJob:
    """What one worker needs to read one export file."""

    source: Path
    kind: str
    table: Any
    wanted: set[str] | None
    date_field: str
    max_date_gap: int


#: Columns the adapter adds after the canonical ones.
_EXTRAS = ("input_row", "input_file", "cameo_code")


@dataclass
class _FilePart:
    """One file's records as a text frame (before deduplication), counts and anomalies."""

    frame: pl.DataFrame = field(default_factory=pl.DataFrame)
    skipped: Counter[str] = field(default_factory=Counter)
    per_file: Counter[str] = field(default_factory=Counter)
    anomalies: list[Anomaly] = field(default_factory=list)


def _parse_file(job: _FileJob) -> _FilePart:
    """Read one export file into converted records; a module-level function, so picklable."""
    part = _FilePart()
    records: list[dict[str, object]] = []
    widths: Counter[int] = Counter()
    far: list[tuple[int, str, str]] = []
    for rec in iter_records(job.source):
        part.per_file[rec.file] += 1
        if rec.fields is None:
            widths[rec.width] += 1
            part.skipped["wrong number of fields"] += 1
            continue
        widths[0] += 1
        values = _convert(
            rec.fields,
            job.kind,
            job.table,
            job.wanted,
            job.date_field,
            job.max_date_gap,
        )
        if isinstance(values, str):
            part.skipped[values] += 1
            if values == "SQLDATE far from DATEADDED":
                far.append((rec.line, rec.fields["SQLDATE"], rec.fields["DATEADDED"]))
            continue
        url = (rec.fields.get("SOURCEURL") or "").strip()
        records.append(values | {"input_row": rec.line, "input_file": rec.file, "_url": url})
    bad = {w: n for w, n in widths.items() if w}
    if bad and not widths[0]:
        found = ", ".join(str(w) for w in sorted(bad))
        raise TimingInputError(
            f"{job.source}: not a GDELT event file: expected 57, 58 or 61 tab-separated "
            f"fields per line (GDELT 1.0 or 2.0), found {found}"
        )
    if bad:
        n = sum(bad.values())
        part.anomalies.append(
            Anomaly(
                str(job.source),
                0,
                "(line)",
                "fields",
                (
                    f"{n} line(s) with {', '.join(map(str, sorted(bad)))} fields skipped "
                    f"(expected {' or '.join(map(str, LAYOUTS))})"
                ),
            )
        )
    if far:
        line, sql, added = far[0]
        part.anomalies.append(
            Anomaly(
                str(job.source),
                line,
                "SQLDATE",
                "date gap",
                (
                    f"{len(far)} record(s) with SQLDATE more than {job.max_date_gap} days from "
                    f"DATEADDED skipped (first: line {line}, SQLDATE {sql}, DATEADDED {added})"
                ),
            )
        )
    spec = EVENTS if job.kind == "events" else CLAIMS
    columns = (*spec.names, *_EXTRAS, "_url")
    rows = {name: [r.get(name) for r in records] for name in columns}
    part.frame = canonical_frame(rows, spec, extras=(*_EXTRAS, "_url"))
    return part


def _convert(
    rec: Mapping[str, str],
    kind: str,
    table: Mapping[str, tuple[str, str]],
    wanted: set[str] | None,
    date_field: str,
    max_gap: int,
) -> dict[str, object] | str:
    """One record's canonical values, or the reason it is skipped."""
    code = _code(rec.get("EventCode") or "", rec.get("EventRootCode") or "")
    entry = table.get(code) or table.get(code[:3])
    if entry is None:
        return "code not mapped"
    if wanted is not None:
        one, two = _sides(rec, 1), _sides(rec, 2)
        if not all(a in one or a in two for a in wanted):
            return "actors not selected"
    sql_text, added_text = rec.get("SQLDATE") or "", rec.get("DATEADDED") or ""
    sql, added = _day(sql_text), _day(added_text)
    if sql is not None and added is not None and abs((added - sql).days) > max_gap:
        return "SQLDATE far from DATEADDED"
    day: object = sql if date_field == "sqldate" else added
    if day is None:  # passed on as found: validation rejects it with its line
        day = sql_text if date_field == "sqldate" else added_text
    gid = (rec.get("GLOBALEVENTID") or "").strip()
    name1 = (rec.get("Actor1Name") or rec.get("Actor1Code") or "").strip()
    name2 = (rec.get("Actor2Name") or rec.get("Actor2Code") or "").strip()
    place = (rec.get("ActionGeo_FullName") or "").strip()
    title = " ".join((name1 or "(unknown)", entry[1], name2 or "(unknown)"))
    values: dict[str, object] = {
        ("event_id" if kind == "events" else "claim_id"): f"GDELT-{gid}" if gid else None,
        "date": day,
        "kind": entry[0],
        "source": (rec.get("SOURCEURL") or "").strip() or (f"GDELT {gid}" if gid else "GDELT"),
        "cameo_code": code,
    }
    if kind == "events":
        c1 = country_of(rec.get("Actor1CountryCode"), rec.get("Actor1Code"))
        c2 = country_of(rec.get("Actor2CountryCode"), rec.get("Actor2Code"))
        parties = "-".join(c for c in (c1, c2) if c) or "(unknown)"
        return values | {"parties": parties, "location": place, "title": title}
    return values | {
        "actor": name1 or "(unknown)",
        "target": place or name2,
        "region": rec.get("ActionGeo_ADM1Code"),
        "text": title,
    }


def read_gdelt_events(
    path: str | Path,
    actors: Collection[str] | None = None,
    kind: Literal["events", "claims"] = "events",
    *,
    codes: Mapping[str, str | tuple[str, str]] | None = None,
    dedupe: bool = True,
    date_field: Literal["sqldate", "dateadded"] = "sqldate",
    max_date_gap: int = 30,
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
    return parse_gdelt(
        path,
        actors,
        kind,
        codes=codes,
        dedupe=dedupe,
        date_field=date_field,
        max_date_gap=max_date_gap,
    ).frame
