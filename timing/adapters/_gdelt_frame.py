"""GDELT records to canonical rows, as Polars expressions over one file's raw frame.

:func:`timing.adapters._gdelt_io.iter_raw` gives, per file or zip member, a frame of the
fields the adapter needs as text. :func:`convert` turns it into the canonical text frame
of :mod:`timing.adapters.gdelt`, with the skip counts in the adapter's order (code not
mapped, actors not selected, SQLDATE far from DATEADDED). Whatever needs a rule written
in Python (restoring a code's leading zeros, the actor filter, countries of actor codes,
reading a date) is computed once per distinct value, not once per record, and joined
back: a file of 200,000 records holds a few hundred codes and dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from timing.adapters._countries import country_of
from timing.adapters._gdelt_io import NEEDED
from timing.schema import CLAIMS, EVENTS

__all__ = ["EXTRAS", "MemberPart", "convert", "parse_sqldate"]

#: Columns the adapter adds after the canonical ones.
EXTRAS = ("input_row", "input_file", "cameo_code")


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


def _sides(code: str, country: str) -> set[str]:
    """The codes a side of a record answers to: its actor code and its country."""
    code = code.strip()
    return {t for t in (code, country_of(country, code)) if t}


@dataclass
class MemberPart:
    """One file's (or zip member's) converted rows and counts."""

    frame: pl.DataFrame
    read: int
    bad_widths: dict[int, int]
    skipped: dict[str, int]
    first_far: tuple[int, str, str] | None


def _lookup(
    frame: pl.DataFrame,
    keys: Sequence[str],
    func: Callable[..., tuple[object, ...]],
    schema: Mapping[str, pl.DataType | type[pl.DataType]],
) -> pl.DataFrame:
    """Add ``func(*keys)`` as the ``schema`` columns, computing it once per distinct key."""
    distinct = frame.select(keys).unique()
    values = [func(*row) for row in distinct.iter_rows()]
    table = pl.DataFrame(values, schema=dict(schema), orient="row")
    return frame.join(
        pl.concat([distinct, table], how="horizontal"), on=list(keys), how="left",
        maintain_order="left",
    )  # fmt: skip


def _strip_or_null(expr: pl.Expr) -> pl.Expr:
    """Text as the canonical frame holds it: stripped, blank as null."""
    s = expr.cast(pl.String).str.strip_chars()
    return pl.when(s != "").then(s)


def convert(
    raw: pl.DataFrame,
    label: str,
    *,
    kind: str,
    table: Mapping[str, tuple[str, str]],
    wanted: set[str] | None,
    date_field: str,
    max_gap: int,
) -> MemberPart:
    """Convert one raw frame (see :func:`~timing.adapters._gdelt_io.iter_raw`).

    Returns the kept rows as the adapter's text frame (canonical columns, then
    :data:`EXTRAS` and ``_url``) with the counts of the records skipped.
    """
    bad = raw.filter(~pl.col("ok"))["width"].value_counts(sort=True)
    bad_widths = dict(zip(bad["width"].to_list(), bad["count"].to_list(), strict=True))
    good = raw.filter(pl.col("ok")).with_columns(pl.col(NEEDED).fill_null(""))
    skipped = {"wrong number of fields": raw.height - good.height}

    def entry(code: str, root: str) -> tuple[str, str | None, str | None]:
        fixed = _code(code, root)
        found = table.get(fixed) or table.get(fixed[:3])
        return (fixed, None, None) if found is None else (fixed, found[0], found[1])

    good = _lookup(
        good,
        ["EventCode", "EventRootCode"],
        entry,
        {"cameo_code": pl.String, "_kind": pl.String, "_verb": pl.String},
    )
    mapped = good.filter(pl.col("_kind").is_not_null())
    skipped["code not mapped"] = good.height - mapped.height
    if wanted is not None:
        pair = ["Actor1Code", "Actor1CountryCode", "Actor2Code", "Actor2CountryCode"]

        def chosen(c1: str, k1: str, c2: str, k2: str) -> tuple[bool]:
            one, two = _sides(c1, k1), _sides(c2, k2)
            return (all(a in one or a in two for a in wanted),)

        selected = _lookup(mapped, pair, chosen, {"_chosen": pl.Boolean}).filter("_chosen")
        skipped["actors not selected"] = mapped.height - selected.height
        mapped = selected
    for name, out in (("SQLDATE", "_sql"), ("DATEADDED", "_added")):
        mapped = _lookup(mapped, [name], lambda text: (_day(text),), {out: pl.Date})
    gap = (pl.col("_added") - pl.col("_sql")).dt.total_days().abs()
    mapped = mapped.with_columns((gap > max_gap).fill_null(False).alias("_far"))
    far = mapped.filter("_far")
    first_far = far.select("line", "SQLDATE", "DATEADDED").row(0) if far.height else None
    kept = mapped.filter(~pl.col("_far"))
    skipped["SQLDATE far from DATEADDED"] = far.height
    return MemberPart(
        _rows(kept, label, kind, date_field),
        raw.height,
        bad_widths,
        skipped,
        first_far,
    )


def _rows(kept: pl.DataFrame, label: str, kind: str, date_field: str) -> pl.DataFrame:
    """The kept records in the adapter's columns (all text, stripped, blank as null)."""
    s = {name: pl.col(name).str.strip_chars() for name in NEEDED}
    gid = s["GLOBALEVENTID"]
    url = s["SOURCEURL"]

    def name(n: int) -> pl.Expr:
        raw = pl.col(f"Actor{n}Name")
        return pl.when(raw != "").then(raw).otherwise(pl.col(f"Actor{n}Code")).str.strip_chars()

    def known(expr: pl.Expr) -> pl.Expr:
        return pl.when(expr != "").then(expr).otherwise(pl.lit("(unknown)"))

    raw_day, parsed = (
        (pl.col("SQLDATE"), pl.col("_sql"))
        if date_field == "sqldate"
        else (pl.col("DATEADDED"), pl.col("_added"))
    )
    title = pl.concat_str([known(name(1)), pl.col("_verb"), known(name(2))], separator=" ")
    values: dict[str, pl.Expr] = {
        ("event_id" if kind == "events" else "claim_id"): pl.when(gid != "").then("GDELT-" + gid),
        "date": pl.when(parsed.is_not_null()).then(parsed.cast(pl.String)).otherwise(raw_day),
        "kind": pl.col("_kind"),
        "source": pl.when(url != "")
        .then(url)
        .when(gid != "")
        .then("GDELT " + gid)
        .otherwise(pl.lit("GDELT")),
        "input_row": pl.col("line"),
        "input_file": pl.lit(label),
        "cameo_code": pl.col("cameo_code"),
        "_url": url,
    }
    place = s["ActionGeo_FullName"]
    if kind == "events":
        kept = _lookup(
            kept,
            ["Actor1CountryCode", "Actor1Code"],
            lambda k, c: (country_of(k, c),),
            {"_c1": pl.String},
        )
        kept = _lookup(
            kept,
            ["Actor2CountryCode", "Actor2Code"],
            lambda k, c: (country_of(k, c),),
            {"_c2": pl.String},
        )
        sides = [pl.when(pl.col(c) != "").then(pl.col(c)) for c in ("_c1", "_c2")]
        parties = pl.concat_str(sides, separator="-", ignore_nulls=True)
        values |= {"parties": known(parties), "location": place, "title": title}
        spec = EVENTS
    else:
        values |= {
            "actor": known(name(1)),
            "target": pl.when(place != "").then(place).otherwise(name(2)),
            "region": pl.col("ActionGeo_ADM1Code"),
            "text": title,
        }
        spec = CLAIMS
    columns = (*spec.names, *EXTRAS, "_url")
    return kept.select(
        [
            _strip_or_null(values[c]).alias(c) if c in values else pl.lit(None, pl.String).alias(c)
            for c in columns
        ]
    )
