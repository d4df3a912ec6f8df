"""What every bundled dataset's tests check of its CSVs against its ``datapackage.json``."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path


def csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows (as text) of a UTF-8 CSV file."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def check_cells(name: str, key: str, fields: list[dict], rows: list[dict[str, str]]) -> None:
    """Every cell keeps its field's constraints: required, enum, date and integer types."""
    for f in fields:
        cons = f.get("constraints", {})
        for r in rows:
            cell = r[f["name"]]
            if cons.get("required"):
                assert cell, (name, f["name"], r[key])
            if cell and "enum" in cons:
                assert cell in cons["enum"], (name, f["name"], cell)
            if cell and f["type"] == "date":
                dt.date.fromisoformat(cell)
            if cell and f["type"] == "integer":
                int(cell)
