"""Parquet files and spreadsheets (.xlsx, .xls, .ods) into text cells.

Workbooks are read with ``fastexcel`` (the calamine engine behind ``polars.read_excel``),
which keeps blank rows so that every row keeps its spreadsheet row number (the header is
row 1, or for .xlsx the first filled row, found in the sheet's XML). Date cells arrive as
``YYYY-MM-DD`` text (with the time when it is not midnight); a date typed as text stays
the text it is.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

import polars as pl

from timing._readers.delimited import check_header, resolve_unnamed
from timing._readers.raw import RawTable, ReadInfo, select_columns
from timing.errors import TimingInputError

__all__ = ["read_excel", "read_parquet"]

_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_REL = re.compile(rb"<Relationship\b[^>]*>")
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"[^>]*?(/?)>")
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")


def _xlsx_first_row(data: bytes, index: int) -> int | None:
    """Spreadsheet row of the first cell with a value in sheet ``index`` of an .xlsx file.

    The reader starts a sheet at its first filled row; this finds that row's number so that
    messages name the row a person sees. None when it cannot be told (then row 1).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            ids = _SHEET.findall(book.read("xl/workbook.xml"))
            targets = {}
            for rel in _REL.findall(book.read("xl/_rels/workbook.xml.rels")):
                rid = re.search(rb'\bId="([^"]+)"', rel)
                found = re.search(rb'\bTarget="([^"]+)"', rel)
                if rid and found:
                    targets[rid.group(1)] = found.group(1).decode()
            target = targets[ids[index]]
            member = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            with book.open(posixpath.normpath(member)) as fh:
                head = fh.read(1 << 20)
    except (KeyError, IndexError, zipfile.BadZipFile, OSError):
        return None
    rows = list(_ROW.finditer(head))
    for this, following in zip(rows, [*rows[1:], None], strict=True):
        if this.group(2):  # <row .../> holds no cells
            continue
        end = following.start() if following else len(head)
        if _VALUE.search(head, this.end(), end):
            return int(this.group(1))
    return None


def read_parquet(data: bytes, file: str, *, keep: frozenset[str] | None = None) -> RawTable:
    """Read a Parquet file's wanted columns, every cell cast to text."""
    try:
        names = list(pl.read_parquet_schema(io.BytesIO(data)))
        chosen, not_loaded = select_columns(names, keep)
        frame = pl.read_parquet(io.BytesIO(data), columns=[names[i] for i in chosen])
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TimingInputError(f"{file}: could not read as Parquet: {first}") from exc
    frame = frame.select([pl.col(c).cast(pl.String) for c in frame.columns])
    info = ReadInfo(file, "parquet", columns=len(names), not_loaded=not_loaded)
    return RawTable(frame=frame, info=info, first_row=1)


def _pick_sheet(names: list[str], sheet: str | int | None, file: str) -> tuple[int, list[str]]:
    """Index of the sheet to read (``sheet``: a name, or a 1-based number) and notes."""
    listed = ", ".join(repr(n) for n in names)
    if sheet is None:
        notes = []
        if len(names) > 1:
            notes.append(
                f"{file}: read the first of {len(names)} sheets, {names[0]!r} (sheets: "
                f"{listed}); choose another with --sheet NAME or --sheet NUMBER"
            )
        return 0, notes
    if isinstance(sheet, str) and sheet in names:
        return names.index(sheet), []
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.strip().isdigit()):
        number = int(sheet)
        if 1 <= number <= len(names):
            return number - 1, []
    raise TimingInputError(
        f"{file}: no sheet {sheet!r}; the workbook has {listed} (give a name, or a number from 1)"
    )


def read_excel(
    data: bytes, file: str, *, sheet: str | int | None = None, keep: frozenset[str] | None = None
) -> RawTable:
    """Read one worksheet: the first row is the header, every cell arrives as text."""
    try:
        import fastexcel
    except ImportError:  # pragma: no cover - fastexcel is a runtime dependency
        raise TimingInputError(
            f"{file}: reading workbooks needs the fastexcel package: pip install fastexcel"
        ) from None
    try:
        reader = fastexcel.read_excel(data)
        index, notes = _pick_sheet(list(reader.sheet_names), sheet, file)
        head = reader.load_sheet(index, header_row=None, n_rows=1, dtypes="string").to_polars()
    except TimingInputError:
        raise
    except Exception as exc:  # fastexcel raises its own error types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TimingInputError(f"{file}: could not read as a workbook: {first}") from exc
    name = reader.sheet_names[index]
    if head.height == 0:
        raise TimingInputError(f"{file}: sheet {name!r} is empty")
    names = [("" if v is None else str(v)).strip() for v in head.row(0)]
    check_header(names, file)
    chosen, not_loaded = select_columns(names, keep)
    wanted = set(chosen)
    try:
        sheet_data = reader.load_sheet(
            index,
            header_row=0,
            use_columns=lambda column: column.index in wanted,  # relative to the table
            dtypes="string",
        ).to_polars()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TimingInputError(f"{file}: could not read sheet {name!r}: {first}") from exc
    load_names = [names[i] or f"\x00unnamed{i + 1}" for i in chosen]
    frame = sheet_data.select(
        pl.col(c).cast(pl.String).str.replace(_MIDNIGHT, "${1}").alias(n)
        for c, n in zip(sheet_data.columns, load_names, strict=True)
    )
    placeholders = {f"\x00unnamed{i + 1}": i + 1 for i in chosen if not names[i]}
    frame, more = resolve_unnamed(frame, file, placeholders)
    info = ReadInfo(
        file,
        "excel",
        sheet=name,
        columns=len(names),
        not_loaded=not_loaded,
        notes=tuple(notes + more),
    )
    header_row = _xlsx_first_row(data, index) if data.startswith(b"PK") else None
    return RawTable(frame=frame, info=info, first_row=(header_row or 1) + 1)
