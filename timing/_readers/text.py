"""Decoding bytes to text: byte-order marks, strict UTF-8, or an encoding the user names.

Nothing is ever replaced silently: bytes that are not valid in the encoding stop the read
with the line, the column and the bytes, and a guess at the encoding that was meant.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from timing.errors import TimingInputError

__all__ = ["Decoded", "decode", "field_index"]

# UTF-32 LE starts with the UTF-16 LE mark, so it is tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


@dataclass(frozen=True, slots=True)
class Decoded:
    """UTF-8 bytes without a byte-order mark, and the encoding they were decoded from."""

    utf8: bytes
    encoding: str
    bom: bool


def field_index(line: str, separator: str) -> int:
    """0-based index of the field that the end of ``line`` falls in (quotes respected)."""
    quoted = False
    index = 0
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            index += 1
    return index


def _codepage_hint(data: bytes) -> str:
    """Name the 8-bit code page the bytes most likely are in, with the option to pass."""
    runs = [m.group() for m in _HIGH_RUN.finditer(data[: 1 << 20])]
    high = sum(len(r) for r in runs)
    upper = sum(1 for r in runs for b in r if b >= 0xC0)
    # Cyrillic words in Windows-1251 are whole runs of bytes C0-FF; West-European text in
    # Windows-1252 has single accented letters between ASCII ones.
    if runs and high / len(runs) >= 2.5 and upper / high >= 0.7:
        return (
            "the file looks like Windows-1251 (Cyrillic; Excel on a Russian or Ukrainian "
            "Windows): pass --encoding cp1251, or save it as CSV UTF-8"
        )
    return (
        "the file looks like Windows-1252 / Latin-1 (Excel on Windows): pass --encoding "
        "cp1252, or save it as CSV UTF-8"
    )


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _where(
    data: bytes, start: int, file: str, separator: str | None, header: list[str] | None
) -> str:
    """``file: line N, column 'name'`` for the byte at ``start`` of undecodable data."""
    line = data.count(b"\n", 0, start) + 1
    where = f"{file}: line {line}"
    if separator is None or header is None:
        return where
    if line == 1:
        return where + " (the header)"
    line_start = data.rfind(b"\n", 0, start) + 1
    before = data[line_start:start].decode("latin-1")
    index = field_index(before, separator)
    if index < len(header):
        return where + f", column {header[index]!r}"
    return where + f", field {index + 1}"


def decode(
    data: bytes,
    file: str,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    header: list[str] | None = None,
    check_utf8: bool = True,
) -> Decoded:
    """Decode ``data`` strictly and return it as UTF-8 bytes without a byte-order mark.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    file : str
        Name used in messages.
    encoding : str, optional
        A Python codec name (``cp1252``, ``latin-1``, ``utf-16``...). Without it a
        byte-order mark decides (UTF-8, UTF-16 or UTF-32), else the text must be UTF-8.
    separator, header : optional
        Field separator and header names of delimited text, to name the column of the
        first bad byte in the message.
    check_utf8 : bool
        Whether to check that text without a byte-order mark is valid UTF-8. A caller
        whose parser checks UTF-8 itself passes False, and calls again with True to get
        the located message when that parser fails.

    Raises
    ------
    TimingInputError
        If the bytes are not valid in the encoding, or the encoding is unknown.
    """
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise TimingInputError(
                f"{file}: unknown encoding {encoding!r}; give a name such as utf-8, cp1252, "
                "cp1251, latin-1 or utf-16"
            ) from None
        bom = data.startswith(codecs.BOM_UTF8) and name == "utf-8"
        try:
            text = data.decode("utf-8-sig" if name == "utf-8" else name)
        except UnicodeDecodeError as exc:
            bad = exc.object[exc.start : exc.end]
            raise TimingInputError(
                f"{_where(data, exc.start, file, separator, header)}: bytes {bad!r} are not "
                f"valid {encoding}; check the encoding the file was saved in"
            ) from None
        if text.startswith("\ufeff"):
            text, bom = text[1:], True
        if name == "utf-8":
            return Decoded(data[3:] if bom else data, name, bom)
        return Decoded(text.encode("utf-8"), name, bom)

    for mark, name in _BOMS:
        if data.startswith(mark):
            body = data[len(mark) :]
            if name == "utf-8":
                return decode(body, file, encoding="utf-8", separator=separator, header=header)
            try:
                return Decoded(body.decode(name).encode("utf-8"), name, True)
            except UnicodeDecodeError as exc:
                raise TimingInputError(
                    f"{file}: starts with a {name.upper()} byte-order mark but byte "
                    f"{exc.start + len(mark)} is not valid {name.upper()}; the file is damaged "
                    "or mislabelled: pass --encoding"
                ) from None
    wide = _utf16_without_bom(data)
    if wide is not None:
        raise TimingInputError(
            f"{file}: every other byte is 0, so the file looks like {wide.upper()} without "
            f"a byte-order mark: pass --encoding {wide}"
        )
    if not check_utf8:
        return Decoded(data, "utf-8", False)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise TimingInputError(
            f"{_where(data, exc.start, file, separator, header)}: bytes {bad!r} are not "
            f"UTF-8; {_codepage_hint(data)}"
        ) from None
    return Decoded(data, "utf-8", False)
