"""Ukraine General Staff daily announced Russian losses (cumulative JSON) as claims.

Source format
-------------
The public dataset ``PetroIvaniuk/2022-Ukraine-Russia-War-Dataset`` (folder ``data/``,
MIT licence) structures the daily announcements of Ukraine's General Staff. Two files
are used, both a JSON array with one object per day, sorted by date:

``russia_losses_personnel.json``
    ``date`` (``YYYY-MM-DD``), ``day`` (day of the invasion; 2022-02-25 is day 2),
    ``personnel`` (cumulative count), ``personnel*`` (the wording of the figure:
    ``"about"`` or ``"more"``), ``POW`` (early days only).
``russia_losses_equipment.json``
    ``date``, ``day`` and one cumulative integer per category: ``tank``, ``APC``,
    ``field artillery``, ``MRL``, ``aircraft``, ``helicopter``, ``drone``,
    ``naval ship``, ``anti-aircraft warfare``, ``cruise missiles``, ``submarines``,
    ``special equipment``, ``vehicles and fuel tanks`` (which replaced ``military auto``
    and ``fuel tank`` on 2022-05-01), ``ground robotic systems`` (from 2026), ... and the
    text field ``greatest losses direction``. Categories appear and are renamed over time.

A path may name one of these files or a directory holding them (then both are read and a
category is looked up in whichever file has it). Category names are matched exactly or,
failing that, case-insensitively.

Mapping to claims
-----------------
One claim per day and per category: ``claim_id`` ``UAGS-<category slug>-<date>``,
``actor`` "UA General Staff", ``kind`` "casualties", ``target``
"Russian forces (<category>)", ``value`` the *daily announced figure*, i.e. the first
difference of the cumulative series, ``text`` a sentence with the daily and cumulative
figures, ``source`` a citation of the dataset.

Decisions (each one visible in the output):

* The first record of a category has no previous day. Its value is the cumulative total
  itself (for ``personnel`` that is the first announcement, covering 24-25 February 2022).
  When a category starts after the file's first date (a new or renamed category) that
  total is not a daily figure, so the row is listed as an anomaly of kind ``start``.
* A missing day (between records, or a category absent inside its span) makes the next
  difference cover several days; the row is kept and listed as a ``gap`` anomaly.
* A negative difference is a downward revision of the cumulative count (the real
  equipment file has one: tanks 3799 -> 3797). It never stops the load and is always
  listed as a ``negative`` anomaly. By default the day's value is set to 0 (nothing new
  was announced; the correction is counted in the anomaly); the next day's figure is
  taken from the corrected total, so the daily values of a series with corrections add
  up to more than its net growth, by the sum of the corrections listed. With
  ``allow_negative=true`` the negative figure itself is kept as the day's value.
  (The dataset's ``russia_losses_equipment_correction.json`` is not applied.)
* ``start``/``end`` filter the output after the differences are taken, so the first row
  in the window still carries a one-day figure.
* Days with a zero difference are kept (value 0): the announcement was made.

The ``anomaly`` column of the frame holds each row's anomaly text (blank when none) and
``input_row`` the 1-based position of the day in the JSON array.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from timing.adapters._common import AdapterResult, Anomaly, canonical_frame
from timing.adapters._options import OptionSpec
from timing.errors import TimingInputError
from timing.schema import CLAIMS

__all__ = ["ACTOR", "CITATION", "FILES", "OPTIONS", "parse_ua_losses", "read_ua_losses"]

ACTOR = "UA General Staff"
CITATION = (
    "Ukraine General Staff daily announcements, via PetroIvaniuk/2022-Ukraine-Russia-War-Dataset "
    "(https://github.com/PetroIvaniuk/2022-Ukraine-Russia-War-Dataset)"
)
FILES = ("russia_losses_personnel.json", "russia_losses_equipment.json")
#: Options of the ``ua-losses`` adapter.
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("categories", "list", ("personnel",), "count fields, e.g. personnel,tank"),
    OptionSpec("start", "date", None, "first day kept (after differencing)"),
    OptionSpec("end", "date", None, "last day kept"),
    OptionSpec("allow_negative", "bool", False, "keep negative daily figures (revisions)"),
)
_NOT_COUNTS = frozenset({"date", "day", "personnel*", "greatest losses direction"})


def _load(path: Path) -> list[dict[str, object]]:
    try:
        with path.open(encoding="utf-8") as fh:
            payload = json.load(fh)
    except json.JSONDecodeError as exc:
        raise TimingInputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    except OSError as exc:
        raise TimingInputError(f"{path}: cannot read ({exc.strerror})") from exc
    if not isinstance(payload, list) or not payload:
        raise TimingInputError(f"{path}: expected a non-empty JSON array of daily objects")
    for i, rec in enumerate(payload, start=1):
        if not isinstance(rec, dict):
            raise TimingInputError(f"{path}: item {i} is not a JSON object")
    return payload


def _sources(path: str | Path) -> list[Path]:
    p = Path(path)
    if p.is_dir():
        found = [p / name for name in FILES if (p / name).is_file()]
        if not found:
            raise TimingInputError(f"{p}: directory holds none of {', '.join(FILES)}")
        return found
    if not p.is_file():
        raise TimingInputError(f"{p}: no such file or directory")
    return [p]


def _dates(records: list[dict[str, object]], path: Path) -> list[dt.date]:
    out: list[dt.date] = []
    for i, rec in enumerate(records, start=1):
        raw = rec.get("date")
        try:
            day = dt.date.fromisoformat(str(raw))
        except ValueError:
            raise TimingInputError(
                f"{path}: item {i}, field 'date': got {raw!r}, expected YYYY-MM-DD"
            ) from None
        if out and day <= out[-1]:
            raise TimingInputError(
                f"{path}: item {i}, field 'date': {day} is not after the previous item's "
                f"{out[-1]} (expected one object per day in increasing order)"
            )
        out.append(day)
    return out


def _resolve(category: str, files: dict[Path, list[dict[str, object]]]) -> tuple[Path, str]:
    available: dict[str, Path] = {}
    for path, records in files.items():
        for rec in records:
            for key in rec:
                if key not in _NOT_COUNTS:
                    available.setdefault(key, path)
    if category in available:
        return available[category], category
    folded = {k.lower(): k for k in available}
    if category.lower() in folded:
        key = folded[category.lower()]
        return available[key], key
    names = ", ".join(sorted(available, key=str.lower))
    raise TimingInputError(f"categories: no count category {category!r} (available: {names})")


def _slug(category: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", category).strip("-").lower() or "x"


def parse_ua_losses(
    path: str | Path,
    categories: Sequence[str] = ("personnel",),
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    allow_negative: bool = False,
) -> AdapterResult:
    """Turn the cumulative daily losses into daily claims, with anomalies listed.

    Parameters
    ----------
    path : str or pathlib.Path
        ``russia_losses_personnel.json``, ``russia_losses_equipment.json`` or a directory
        holding either or both.
    categories : sequence of str
        Count fields to convert, e.g. ``("personnel", "tank")``; a string is split at
        commas.
    start, end : str or datetime.date, optional
        Inclusive date window applied after differencing.
    allow_negative : bool
        Keep negative daily figures (downward revisions) as they are; by default such a
        day's figure is 0. Either way the revision is listed as an anomaly.

    Returns
    -------
    AdapterResult
        ``frame`` in canonical claims columns plus ``input_row`` and ``anomaly``;
        ``read`` counts day records of the chosen categories, ``skipped`` the days outside
        ``start``/``end``.

    Raises
    ------
    TimingInputError
        Missing file, bad JSON, a date out of order, an unknown category or a
        non-integer count.

    Notes
    -----
    With cumulative counts :math:`C_1, \\dots, C_n` on consecutive records, the daily
    figures are :math:`v_1 = C_1` and :math:`v_i = C_i - C_{i-1}`, so
    :math:`\\sum_{i \\ge 2} v_i = C_n - C_1`.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> days = [{"date": "2025-01-05", "day": 1048, "personnel": 100},
    ...         {"date": "2025-01-06", "day": 1049, "personnel": 130}]
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "losses.json"
    >>> _ = p.write_text(json.dumps(days))
    >>> parse_ua_losses(p).frame["value"].to_list()
    ['100', '30']
    """
    if isinstance(categories, str):  # "personnel,tank" from a command line
        categories = tuple(c.strip() for c in categories.split(",") if c.strip())
    if not categories:
        raise TimingInputError("categories: expected at least one category, e.g. ('personnel',)")
    lo, hi = (_as_date(v, name) for v, name in ((start, "start"), (end, "end")))
    files = {p: _load(p) for p in _sources(path)}
    dates = {p: _dates(recs, p) for p, recs in files.items()}
    rows: dict[str, list[object]] = {k: [] for k in (*CLAIMS.names, "input_row", "anomaly")}
    anomalies: list[Anomaly] = []
    read = outside = 0
    for wanted in categories:
        src, cat = _resolve(wanted, files)
        records, days = files[src], dates[src]
        prev: tuple[dt.date, int] | None = None
        for i, (rec, day) in enumerate(zip(records, days, strict=True), start=1):
            if cat not in rec:
                continue
            raw = rec[cat]
            whole = isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())
            if isinstance(raw, bool) or not whole or not isinstance(raw, int | float):
                raise TimingInputError(
                    f"{src}: item {i} ({day}), field {cat!r}: got {raw!r}, expected an integer"
                )
            total = int(raw)
            note = ""
            if prev is None:
                value = total
                if day != days[0]:
                    note = (
                        f"category starts on {day}, after the file's first date "
                        f"{days[0]}: value is the cumulative total, not a daily figure"
                    )
                    anomalies.append(Anomaly(str(src), i, cat, "start", note))
            else:
                value = total - prev[1]
                gap = (day - prev[0]).days
                if gap > 1:
                    note = f"{gap - 1} day(s) missing before {day}: value covers {gap} days"
                    anomalies.append(Anomaly(str(src), i, cat, "gap", note))
                if value < 0:
                    msg = f"cumulative count fell from {prev[1]} to {total} ({value})" + (
                        "; negative daily figure kept (allow_negative)"
                        if allow_negative
                        else "; daily figure set to 0 (allow_negative=true keeps it)"
                    )
                    value = value if allow_negative else 0
                    note = f"{note}; {msg}" if note else msg
                    anomalies.append(Anomaly(str(src), i, cat, "negative", msg))
            prev = (day, total)
            read += 1
            if (lo is not None and day < lo) or (hi is not None and day > hi):
                outside += 1
                continue
            wording = rec.get("personnel*") if cat == "personnel" else None
            about = f"{wording} " if isinstance(wording, str) and wording else ""
            _append(
                rows,
                {
                    "claim_id": f"UAGS-{_slug(cat)}-{day.isoformat()}",
                    "date": day,
                    "actor": ACTOR,
                    "kind": "casualties",
                    "target": f"Russian forces ({cat})",
                    "value": str(value),
                    "text": (
                        f"Russian losses ({cat}) announced for {day}: {value}; "
                        f"cumulative {about}{total}"
                    ),
                    "source": f"{CITATION}, {src.name}",
                    "input_row": i,
                    "anomaly": note,
                },
            )
    frame = canonical_frame(rows, CLAIMS, extras=("input_row", "anomaly"))
    return AdapterResult(frame, "claims", read, {"outside start/end": outside}, tuple(anomalies))


def read_ua_losses(
    path: str | Path,
    categories: Sequence[str] = ("personnel",),
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    allow_negative: bool = False,
) -> pl.DataFrame:
    """Return only the claims frame of :func:`parse_ua_losses` (anomalies in its column).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "losses.json"
    >>> _ = p.write_text(json.dumps([{"date": "2025-01-06", "day": 1049, "tank": 3}]))
    >>> read_ua_losses(p, categories=("tank",))["claim_id"].to_list()
    ['UAGS-tank-2025-01-06']
    """
    return parse_ua_losses(path, categories, start, end, allow_negative=allow_negative).frame


def _as_date(value: str | dt.date | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise TimingInputError(f"{name}: got {value!r}, expected YYYY-MM-DD") from None


def _append(rows: dict[str, list[object]], row: dict[str, object]) -> None:
    for key, column in rows.items():
        column.append(row.get(key))
