"""GDELT event records (1.0 and 2.0, tab-separated, no header) as events or claims.

Source format
-------------
The GDELT Event Database export files: GDELT 1.0 (57 or 58 columns) and GDELT 2.0 (61
columns), told apart by the number of fields; zipped as published, unzipped, re-saved
with a header, or many at once (a directory or a glob pattern): see
:mod:`timing.adapters._gdelt_io`. Records are counted per file.

Months of GDELT are hundreds of thousands of records a day, so nothing is held per record
in Python: each file (or zip member, read in memory, never extracted) is split by Polars,
only the fields below are taken out, the CAMEO codes are filtered as expressions, and only
the rows kept stay in memory (:mod:`timing.adapters._gdelt_frame`); memory holds one file
at a time plus the kept rows. Files are read one after another, or on a Dask cluster
(``engine=``). Fields used:

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

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from timing.adapters._common import AdapterResult, Anomaly, canonical_frame
from timing.adapters._gdelt_frame import EXTRAS as _EXTRAS
from timing.adapters._gdelt_frame import convert, parse_sqldate
from timing.adapters._gdelt_io import COLUMNS, LAYOUTS, iter_raw, source_files
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
    frame = pl.concat([p.frame for p in parts], how="vertical")  # one part a file, at least one
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


@dataclass
class _FilePart:
    """One file's records as a text frame (before deduplication), counts and anomalies."""

    frame: pl.DataFrame = field(default_factory=pl.DataFrame)
    skipped: Counter[str] = field(default_factory=Counter)
    per_file: Counter[str] = field(default_factory=Counter)
    anomalies: list[Anomaly] = field(default_factory=list)


def _parse_file(job: _FileJob) -> _FilePart:
    """Read one export file (each zip member in turn); a module-level function, so picklable.

    Memory holds one member's bytes and lines at a time, plus the rows kept.
    """
    part = _FilePart()
    frames: list[pl.DataFrame] = []
    widths: Counter[int] = Counter()
    first_far = None
    for label, raw in iter_raw(job.source):
        got = convert(
            raw,
            label,
            kind=job.kind,
            table=job.table,
            wanted=job.wanted,
            date_field=job.date_field,
            max_gap=job.max_date_gap,
        )
        if got.read:
            part.per_file[label] += got.read
        widths.update(got.bad_widths)
        widths[0] += got.read - sum(got.bad_widths.values())
        part.skipped.update(got.skipped)
        first_far = first_far or got.first_far
        frames.append(got.frame)
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
    if first_far is not None:
        line, sql, added = first_far
        far = part.skipped["SQLDATE far from DATEADDED"]
        part.anomalies.append(
            Anomaly(
                str(job.source),
                line,
                "SQLDATE",
                "date gap",
                (
                    f"{far} record(s) with SQLDATE more than {job.max_date_gap} days from "
                    f"DATEADDED skipped (first: line {line}, SQLDATE {sql}, DATEADDED {added})"
                ),
            )
        )
    spec = EVENTS if job.kind == "events" else CLAIMS
    part.frame = (
        pl.concat(frames, how="vertical")
        if frames
        else canonical_frame({}, spec, extras=(*_EXTRAS, "_url"))
    )
    return part


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
