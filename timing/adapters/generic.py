"""Any CSV/Parquet/JSON/NDJSON table with a column map and an optional date format.

Source format
-------------
A table readable by :func:`timing.io.read_raw` (format by extension) whose columns are
renamed to canonical names by ``mapping`` (``{canonical: column_in_file}``, as
``--map date=claim_date``). Dates written other than ISO 8601 (e.g. ``01.12.2025``) are
converted with ``date_format``, a :func:`datetime.datetime.strptime` pattern such as
``"%d.%m.%Y"``, applied to every date column of the canonical table that is present
(claims: ``date``, ``verified_date``; events: ``date``, ``end_date``, ``announced_date``).
Blank cells stay blank; a cell that does not fit the format is an error naming the file,
row, column and value. Everything else is left to :func:`timing.schema.validate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import polars as pl

from timing.errors import TimingInputError
from timing.io import apply_mapping, read_raw
from timing.schema import CLAIMS, EVENTS

__all__ = ["convert_dates", "read_generic"]


def convert_dates(
    frame: pl.DataFrame,
    columns: tuple[str, ...],
    date_format: str,
    *,
    file: str,
    first_row: int = 1,
) -> pl.DataFrame:
    """Rewrite the given columns from ``date_format`` to ISO 8601 text.

    A format with a time part (``%H``, ``%M``, ``%S``) gives ``YYYY-MM-DDTHH:MM:SS``
    (with offset when the format has ``%z``); otherwise ``YYYY-MM-DD``.

    Raises
    ------
    TimingInputError
        On the first cell that does not match, naming file, row, column and value.

    Examples
    --------
    >>> f = pl.DataFrame({"date": ["01.12.2025", None]})
    >>> convert_dates(f, ("date",), "%d.%m.%Y", file="x.csv")["date"].to_list()
    ['2025-12-01', None]
    """
    timed = any(code in date_format for code in ("%H", "%I", "%M", "%S", "%z", "%X", "%c"))
    out = []
    for name in columns:
        if name not in frame.columns:
            continue
        values: list[str | None] = []
        for i, cell in enumerate(frame[name].cast(pl.String).to_list()):
            if cell is None or not cell.strip():
                values.append(None)
                continue
            try:
                parsed = dt.datetime.strptime(cell.strip(), date_format)
            except ValueError:
                raise TimingInputError(
                    f"{file}: row {first_row + i}, column {name!r}: got {cell!r}, "
                    f"expected a date in the format {date_format!r}"
                ) from None
            values.append(parsed.isoformat() if timed else parsed.date().isoformat())
        out.append(pl.Series(name, values, dtype=pl.String))
    return frame.with_columns(out) if out else frame


def read_generic(
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    *,
    table: Literal["claims", "events"] = "claims",
    date_format: str | None = None,
) -> pl.DataFrame:
    """Read a table, rename its columns to canonical names and convert its dates.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv``, ``.parquet``, ``.json`` or ``.ndjson``/``.jsonl``.
    mapping : mapping of str to str, optional
        ``{canonical_name: column_in_file}``.
    table : {"claims", "events"}
        Which canonical table the file holds.
    date_format : str, optional
        ``strptime`` pattern of the date columns, e.g. ``"%d.%m.%Y"``; ``None`` leaves
        them as they are (they must then be ISO 8601).

    Returns
    -------
    polars.DataFrame
        All columns as strings, canonical names where mapped, plus ``input_row`` (the
        CSV line, header = 1, or the 1-based record).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("id,day,who,what,src\\n1,06.01.2025,RU MoD,capture,t.me/x/1\\n")
    >>> m = {"claim_id": "id", "date": "day", "actor": "who", "kind": "what", "source": "src"}
    >>> read_generic(p, m, date_format="%d.%m.%Y")["date"].to_list()
    ['2025-01-06']
    """
    if table not in ("claims", "events"):
        raise TimingInputError(f"table: got {table!r}, expected 'claims' or 'events'")
    spec = CLAIMS if table == "claims" else EVENTS
    file = str(path)
    frame = apply_mapping(read_raw(path), mapping or {}, spec, file=file)
    first_row = 2 if Path(path).suffix.lower() == ".csv" else 1
    if date_format is not None:
        dates = tuple(c.name for c in spec.columns if c.type == "date")
        frame = convert_dates(frame, dates, date_format, file=file, first_row=first_row)
    if "input_row" not in frame.columns:
        rows = [str(first_row + i) for i in range(frame.height)]
        frame = frame.with_columns(pl.Series("input_row", rows, dtype=pl.String))
    return frame
