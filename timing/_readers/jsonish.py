"""JSON (an array of objects) and NDJSON (one object per line) into text cells.

A broken NDJSON line stops a strict read with its line number and the JSON problem; a
lenient read sets it aside as a rejected record with the same reason.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from timing._readers.raw import RawTable, ReadInfo, select_columns
from timing._readers.text import decode
from timing.errors import TimingInputError
from timing.schema import Problem

__all__ = ["read_json", "read_ndjson"]

_OBJECT = "one JSON object per line"


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object with keys stripped of spaces; a key given twice is an error."""
    out: dict[str, object] = {}
    for key, value in pairs:
        name = key.strip()
        if name in out:
            raise _DuplicateKey(name)
        out[name] = value
    return out


def _duplicate(file: str, where: str, key: str) -> TimingInputError:
    return TimingInputError(
        f"{file}: {where} gives the key {key!r} twice; JSON keeps only the last one, so "
        "remove or rename the other"
    )


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _frame(records: list[dict], keep: frozenset[str] | None) -> tuple[pl.DataFrame, int, tuple]:
    columns: dict[str, None] = {}
    for rec in records:
        for key in rec:
            columns.setdefault(str(key), None)
    names = list(columns)
    chosen, not_loaded = select_columns(names, keep)
    wanted = [names[i] for i in chosen]
    data = {c: [_cell(r.get(c)) for r in records] for c in wanted}
    return pl.DataFrame(data, schema=dict.fromkeys(wanted, pl.String)), len(names), not_loaded


def _shown(line: str) -> str:
    line = line.strip()
    return line if len(line) <= 60 else line[:57] + "..."


def read_json(
    data: bytes, file: str, *, encoding: str | None = None, keep: frozenset[str] | None = None
) -> RawTable:
    """Read a JSON array of objects (or ``{"key": [...]}`` with one list) into text cells."""
    decoded = decode(data, file, encoding=encoding)
    try:
        payload = json.loads(decoded.utf8, object_pairs_hook=_object)
    except _DuplicateKey as exc:
        raise _duplicate(file, "an object", exc.key) from None
    except json.JSONDecodeError as exc:
        raise TimingInputError(
            f"{file}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; "
            "expected an array of objects, one per row"
        ) from None
    if isinstance(payload, dict):
        lists = [v for v in payload.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise TimingInputError(
                f"{file}: expected a JSON array of objects (or an object with exactly one "
                f"list of them); found an object with {len(lists)} lists"
            )
        payload = lists[0]
    if not isinstance(payload, list):
        raise TimingInputError(f"{file}: expected a JSON array of objects, one per row")
    for i, rec in enumerate(payload, start=1):
        if not isinstance(rec, dict):
            raise TimingInputError(
                f"{file}: item {i} of the array is {type(rec).__name__} {_shown(json.dumps(rec))}"
                ", not a JSON object; every item must be an object of column: value"
            )
    frame, width, not_loaded = _frame(payload, keep)
    info = ReadInfo(file, "json", encoding=decoded.encoding, columns=width, not_loaded=not_loaded)
    return RawTable(frame=frame, info=info, first_row=1)


def read_ndjson(
    data: bytes,
    file: str,
    *,
    encoding: str | None = None,
    keep: frozenset[str] | None = None,
    lenient: bool = False,
) -> RawTable:
    """Read one JSON object per line; rows are numbered by their line in the file.

    With ``lenient`` a line that is not a JSON object is set aside (returned in
    ``RawTable.broken`` with its line and reason) instead of stopping the read.
    """
    decoded = decode(data, file, encoding=encoding)
    records: list[dict] = []
    lines: list[int] = []
    broken: list[Problem] = []
    for lineno, line in enumerate(decoded.utf8.decode("utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line, object_pairs_hook=_object)
        except _DuplicateKey as exc:
            raise _duplicate(file, f"line {lineno}", exc.key) from None
        except json.JSONDecodeError as exc:
            at = "" if exc.msg.endswith(" at") else " at"
            reason = f"{_OBJECT} (not valid JSON: {exc.msg}{at} column {exc.colno})"
        else:
            if isinstance(rec, dict):
                records.append(rec)
                lines.append(lineno)
                continue
            reason = f"{_OBJECT} (found a JSON {type(rec).__name__})"
        if not lenient:
            raise TimingInputError(
                f"{file}: line {lineno} is not {reason}: {_shown(line)!r}; fix the line, or "
                "pass --lenient to set it aside and count it as rejected"
            )
        broken.append(Problem(file, lineno, "*", _shown(line), reason))
    frame, width, not_loaded = _frame(records, keep)
    info = ReadInfo(file, "ndjson", encoding=decoded.encoding, columns=width, not_loaded=not_loaded)
    return RawTable(frame=frame, info=info, rows=np.asarray(lines, dtype=np.int64), broken=broken)
