"""Reading ACLED ``event_date`` cells in every style a real file may hold.

ACLED writes ``09 May 2020`` (Data Export Tool) or ``2020-05-09`` (API). A file opened and
saved again in a spreadsheet may hold ``9-May-20``, ``5/9/2020``, ``09/05/2020`` or a bare
serial number such as ``43960``. :func:`parse_date_column` reads a whole column at once,
because the order of day and month in ``5/9/2020`` can only be settled by the column:

* a first number above 12 anywhere in the column means day first, a second number above
  12 means month first; both at once is refused (the column mixes the two orders);
* when no date settles it and at least one date would read differently, the column is
  refused with a message asking for ``date_format`` (``%d/%m/%Y`` or ``%m/%d/%Y``);
* two-digit years take their century from the row's ``year`` column when it has one,
  otherwise 19xx for 70-99 and 20xx for 00-69 (ACLED starts in 1997);
* serial numbers 20000-80000 are Excel day counts from 1899-12-30 (1954-2119).

A cell that fits none of these is returned as ``None`` so that the row reaches validation
and is rejected there with its line number (or listed with the others), never aborting the
file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from timing.errors import TimingInputError

__all__ = ["MONTHS", "parse_date_column", "parse_named_month"]

MONTHS: dict[str, int] = {
    name: i
    for i, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_NAMED = re.compile(r"^(\d{1,2})[\s\-/]+([A-Za-z]+)\.?[\s\-/,]+(\d{4}|\d{2})$", re.ASCII)
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$", re.ASCII)
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$", re.ASCII)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _month(name: str) -> int | None:
    low = name.lower()
    if low in MONTHS:
        return MONTHS[low]
    if len(low) >= 3:
        hits = [i for full, i in MONTHS.items() if full.startswith(low)]
        if len(hits) == 1:
            return hits[0]
    return None


def _year(text: str, year_hint: str | None) -> int:
    if len(text) == 4:
        return int(text)
    yy = int(text)
    hint = (year_hint or "").strip()
    if hint.isdigit() and len(hint) == 4 and int(hint) % 100 == yy:
        return int(hint)
    return 1900 + yy if yy >= 70 else 2000 + yy


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_named_month(text: str, year_hint: str | None = None) -> dt.date | None:
    """Parse ``09 May 2020``, ``9-May-20`` or ``2020-05-09``; ``None`` otherwise.

    Examples
    --------
    >>> parse_named_month("9-May-20"), parse_named_month("12 January 2025")
    (datetime.date(2020, 5, 9), datetime.date(2025, 1, 12))
    """
    s = text.strip()
    if m := _ISO.match(s):
        return _date(int(m[1]), int(m[2]), int(m[3]))
    if m := _NAMED.match(s):
        month = _month(m[2])
        return None if month is None else _date(_year(m[3], year_hint), month, int(m[1]))
    return None


def _numeric_order(cells: Sequence[str | None], file: str) -> str | None:
    """Return ``"dmy"`` or ``"mdy"`` for the column's numeric dates (``None``: no need)."""
    day_first = month_first = None
    differ = None
    for i, cell in enumerate(cells):
        m = _NUMERIC.match((cell or "").strip())
        if not m:
            continue
        a, b = int(m[1]), int(m[2])
        if a > 12 and day_first is None:
            day_first = (i, cell)
        if b > 12 and month_first is None:
            month_first = (i, cell)
        if a != b and a <= 12 and b <= 12 and differ is None:
            differ = (i, cell)
    if day_first and month_first:
        raise TimingInputError(
            f"{file}: column 'event_date' mixes day-first dates (line {day_first[0] + 2}: "
            f"{day_first[1]!r}) and month-first dates (line {month_first[0] + 2}: "
            f"{month_first[1]!r}); fix the file or force one order with "
            "--option date_format=%d/%m/%Y (or %m/%d/%Y)"
        )
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    if differ:
        raise TimingInputError(
            f"{file}: column 'event_date' holds dates such as {differ[1]!r} (line "
            f"{differ[0] + 2}) that read differently day-first and month-first, and no date "
            "in the column settles the order; pass --option date_format=%d/%m/%Y "
            "(day first) or --option date_format=%m/%d/%Y (month first)"
        )
    return "dmy"  # every numeric date has day == month (or there is none)


def parse_date_column(
    cells: Sequence[str | None],
    years: Sequence[str | None] | None = None,
    *,
    date_format: str = "auto",
    file: str = "",
) -> list[dt.date | None]:
    """Parse every ``event_date`` cell; ``None`` where a cell cannot be read.

    Parameters
    ----------
    cells : sequence of str or None
        The column, in file order (line = index + 2).
    years : sequence of str or None, optional
        The ``year`` column, used for two-digit years.
    date_format : str
        ``"auto"`` (the rules of the module docstring) or a
        :func:`datetime.datetime.strptime` pattern applied to every cell.
    file : str
        For error messages.

    Raises
    ------
    TimingInputError
        When ``auto`` cannot settle the order of day and month of numeric dates.

    Examples
    --------
    >>> parse_date_column(["13/05/2020", "5/9/2020", "x"])
    [datetime.date(2020, 5, 13), datetime.date(2020, 9, 5), None]
    """
    hints = list(years) if years is not None else [None] * len(cells)
    out: list[dt.date | None] = []
    if date_format != "auto":
        for cell in cells:
            try:
                out.append(dt.datetime.strptime((cell or "").strip(), date_format).date())
            except ValueError:
                out.append(None)
        return out
    order = _numeric_order(cells, file)
    for cell, hint in zip(cells, hints, strict=True):
        s = (cell or "").strip()
        day = parse_named_month(s, hint)
        if day is None and (m := _NUMERIC.match(s)):
            a, b = int(m[1]), int(m[2])
            d, mo = (a, b) if order == "dmy" else (b, a)
            day = _date(_year(m[3], hint), mo, d)
        if day is None and (m := _SERIAL.match(s)) and 20000 <= int(m[1]) <= 80000:
            day = _EXCEL_EPOCH + dt.timedelta(days=int(m[1]))
        out.append(day)
    return out
