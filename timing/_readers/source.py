"""Getting a table's bytes: from a file or from standard input (path ``-``).

The format comes from the extension; for standard input, and for a workbook saved under a
text extension, it comes from the first bytes.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from timing.errors import TimingInputError

__all__ = [
    "DELIMITED_SUFFIXES",
    "STDIN",
    "SUPPORTED_SUFFIXES",
    "Source",
    "expand_files",
    "open_source",
    "sha256_of",
]

STDIN = "-"
DELIMITED_SUFFIXES = (".csv", ".tsv", ".txt")
_FORMATS = {
    **dict.fromkeys(DELIMITED_SUFFIXES, "csv"),
    ".parquet": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".ods": "excel",
}
SUPPORTED_SUFFIXES = tuple(_FORMATS)

_ZIP = b"PK\x03\x04"  # .xlsx and .ods are zip archives
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_PARQUET = b"PAR1"

_stdin_bytes: bytes | None = None
_stdin_tables = 0  # tables read from standard input in this process


@dataclass(frozen=True, slots=True)
class Source:
    """The bytes of one input, the name used in messages and the format to read it as."""

    label: str
    format: str
    data: bytes
    suffix: str


def _read_stdin() -> bytes:
    """Standard input's bytes, read once and kept (so they can be hashed afterwards)."""
    global _stdin_bytes
    if _stdin_bytes is None:
        _stdin_bytes = sys.stdin.buffer.read()
    return _stdin_bytes


def _forget_stdin() -> None:
    """Drop the kept standard-input bytes (tests feed several inputs in one process)."""
    global _stdin_bytes, _stdin_tables
    _stdin_bytes = None
    _stdin_tables = 0


def _text_start(data: bytes) -> bytes:
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            return b"" if bom != codecs.BOM_UTF8 else data[3:].lstrip()[:1]
    return data.lstrip()[:1]


def sniff_format(data: bytes) -> str:
    """Guess the format of unnamed bytes (standard input) from how they start."""
    if data.startswith((_ZIP, _OLE)):
        return "excel"
    if data.startswith(_PARQUET):
        return "parquet"
    first = _text_start(data)
    if first == b"[":
        return "json"
    if first == b"{":
        # One JSON document ({"claims": [...]}) or one object per line?
        try:
            payload = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return "ndjson"
        if isinstance(payload, dict) and any(isinstance(v, list) for v in payload.values()):
            return "json"
        return "ndjson"
    return "csv"


def open_source(path: str | Path) -> Source:
    """Read the bytes of ``path`` (``-`` for standard input) and decide how to parse them.

    Raises
    ------
    TimingInputError
        If the path is missing, a directory, an empty file or of an unsupported type.
    """
    global _stdin_tables
    if str(path) == STDIN:
        label = "<stdin>"
        if _stdin_tables:
            raise TimingInputError(
                f"{label}: standard input (-) can feed only one table; give the other as a file"
            )
        _stdin_tables += 1
        data = _read_stdin()
        if not data:
            raise TimingInputError(f"{label}: nothing was read from standard input")
        return Source(label, sniff_format(data), data, "")
    p = Path(path)
    label = str(p)
    if p.is_dir():
        raise TimingInputError(f"{label}: is a directory, not a file; give the path of a table")
    if not p.exists():
        raise TimingInputError(f"{label}: no such file")
    suffix = p.suffix.lower()
    if suffix not in _FORMATS:
        raise TimingInputError(
            f"{label}: unsupported file type {suffix or '(no extension)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)} (or - for standard input)"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TimingInputError(f"{label}: cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise TimingInputError(f"{label}: the file is empty (0 bytes)")
    fmt = _FORMATS[suffix]
    if fmt == "csv" and data.startswith((_ZIP, _OLE)):
        raise TimingInputError(
            f"{label}: this is an Excel workbook saved under a {suffix} name; "
            "rename it to .xlsx (or .xls), or save it from Excel as CSV UTF-8"
        )
    return Source(label, fmt, data, suffix)


def expand_files(
    path: str | Path, *, suffixes: tuple[str, ...] | None = None, recursive: bool = True
) -> list[Path] | None:
    """The files a folder or a glob pattern stands for, sorted; ``None`` for anything else.

    ``suffixes`` (lower case, with the dot) keeps only files of those types (compared in
    lower case); ``recursive`` searches a folder's subfolders and lets ``**`` in a pattern
    cross folders. ``-`` (standard input) and a plain path give ``None``; a folder or
    pattern with nothing in it gives an empty list (the caller says what is wrong).

    Examples
    --------
    >>> expand_files("claims.csv") is None
    True
    """
    import glob

    text = str(path)
    if text == STDIN:
        return None
    if Path(text).is_dir():
        entries = Path(text).rglob("*") if recursive else Path(text).iterdir()
        found = sorted(p for p in entries if p.is_file())
    elif any(c in text for c in "*?["):
        found = sorted(Path(p) for p in glob.glob(text, recursive=recursive) if Path(p).is_file())
    else:
        return None
    if suffixes is not None:
        found = [p for p in found if p.suffix.lower() in suffixes]
    return found


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, or of the bytes read from standard input (``-``)."""
    digest = hashlib.sha256()
    if str(path) == STDIN:
        digest.update(_read_stdin())
        return digest.hexdigest()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
