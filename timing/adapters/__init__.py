"""Adapters that turn public data formats into canonical claims or events tables.

Each adapter is a function ``read(path, **options) -> polars.DataFrame`` returning the
canonical columns of :data:`timing.schema.CLAIMS` or :data:`timing.schema.EVENTS` as text
(plus ``input_row``, where in the source each row came from); most also have a
``parse(path, **options) -> AdapterResult`` that adds the accounting (records read,
skipped by reason, anomalies). :data:`ADAPTERS` lists them by name and
:func:`load_with_adapter` runs one and validates its output.

==================  ======  ===================================================
name                table   source format
==================  ======  ===================================================
``ua-losses``       claims  UA General Staff cumulative daily losses (JSON)
``acled``           claims  ACLED export CSV (fighting as claims-like intensity)
``gdelt-events``    events  GDELT 2.0 event records, CAMEO diplomacy codes
``gdelt-claims``    claims  GDELT 2.0 event records, CAMEO fight codes
``telegram``        claims  Telegram Desktop ``result.json``, keyword rules
``generic-claims``  claims  any table + column map + date format
``generic-events``  events  any table + column map + date format
==================  ======  ===================================================
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import polars as pl

from timing.adapters._common import AdapterResult, Anomaly
from timing.adapters.acled import parse_acled, read_acled
from timing.adapters.gdelt import parse_gdelt, read_gdelt_events
from timing.adapters.generic import read_generic
from timing.adapters.telegram import parse_telegram, read_telegram
from timing.adapters.ua_losses import parse_ua_losses, read_ua_losses
from timing.errors import TimingInputError
from timing.schema import CLAIMS, EVENTS, Problem, ValidatedTable, ValidationError, validate

__all__ = [
    "ADAPTERS",
    "Adapter",
    "AdapterResult",
    "Anomaly",
    "adapter_names",
    "get_adapter",
    "load_with_adapter",
]


@dataclass(frozen=True, slots=True)
class Adapter:
    """A named reader for one public format.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"ua-losses"`` (what ``--claims-format`` takes).
    table : {"claims", "events"}
        Which canonical table the reader produces.
    description : str
        One line for ``--help`` and the docs.
    read : callable
        ``read(path, **options) -> polars.DataFrame`` in canonical columns.
    parse : callable or None
        ``parse(path, **options) -> AdapterResult`` with accounting, when available.
    """

    name: str
    table: Literal["claims", "events"]
    description: str
    read: Callable[..., pl.DataFrame]
    parse: Callable[..., AdapterResult] | None = None

    def options(self) -> tuple[str, ...]:
        """Names of the keyword options ``read`` accepts."""
        params = list(inspect.signature(self.read).parameters.values())[1:]
        return tuple(p.name for p in params if p.kind is not p.VAR_KEYWORD)


def _fixed(func: Callable[..., Any], **bound: Any) -> Callable[..., Any]:
    wrapped = functools.partial(func, **bound)
    sig = inspect.signature(func)
    wrapped.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[p for name, p in sig.parameters.items() if name not in bound]
    )
    return wrapped


ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        Adapter(
            "ua-losses",
            "claims",
            "Ukraine General Staff daily announced Russian losses (cumulative JSON)",
            read_ua_losses,
            parse_ua_losses,
        ),
        Adapter(
            "acled",
            "claims",
            "ACLED export CSV, fighting events as claims-like intensity",
            read_acled,
            parse_acled,
        ),
        Adapter(
            "gdelt-events",
            "events",
            "GDELT 2.0 event records (TSV), CAMEO diplomacy codes as events",
            _fixed(read_gdelt_events, kind="events"),
            _fixed(parse_gdelt, kind="events"),
        ),
        Adapter(
            "gdelt-claims",
            "claims",
            "GDELT 2.0 event records (TSV), CAMEO fight codes as claims",
            _fixed(read_gdelt_events, kind="claims"),
            _fixed(parse_gdelt, kind="claims"),
        ),
        Adapter(
            "telegram",
            "claims",
            "Telegram Desktop chat export (result.json), claims by keyword rules",
            read_telegram,
            parse_telegram,
        ),
        Adapter(
            "generic-claims",
            "claims",
            "any claims table with a column map and date format",
            _fixed(read_generic, table="claims"),
        ),
        Adapter(
            "generic-events",
            "events",
            "any events table with a column map and date format",
            _fixed(read_generic, table="events"),
        ),
    )
}


def adapter_names(table: str | None = None) -> tuple[str, ...]:
    """Registered adapter names, optionally only those producing ``table``."""
    return tuple(n for n, a in ADAPTERS.items() if table is None or a.table == table)


def get_adapter(name: str) -> Adapter:
    """Look an adapter up by name, or raise a :class:`TimingInputError` listing them."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise TimingInputError(
            f"format {name!r}: unknown adapter; expected one of {', '.join(ADAPTERS)}"
        ) from None


def load_with_adapter(
    name: str,
    path: str | Path,
    *,
    lenient: bool = False,
    resolution: Literal["day", "hour"] = "day",
    **options: Any,
) -> ValidatedTable:
    """Read ``path`` with the adapter ``name`` and validate the result.

    Parameters
    ----------
    name : str
        A key of :data:`ADAPTERS`.
    path : str or pathlib.Path
        The source file (or directory, for ``ua-losses``).
    lenient : bool
        Quarantine rows that fail validation instead of raising.
    resolution : {"day", "hour"}
        Time resolution of the validated dates.
    **options
        Passed to the adapter's ``read`` (see :meth:`Adapter.options`).

    Returns
    -------
    ValidatedTable
        Validated against :data:`~timing.schema.CLAIMS` or :data:`~timing.schema.EVENTS`
        by the adapter's table. Problems name the source position (``input_row``) of the
        bad row, not its position in the adapter's output.

    Raises
    ------
    TimingInputError
        Unknown adapter or option, unreadable input, or (not lenient) invalid rows.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "losses.json"
    >>> _ = p.write_text(json.dumps([{"date": "2025-01-05", "day": 1048, "personnel": 10},
    ...                              {"date": "2025-01-06", "day": 1049, "personnel": 25}]))
    >>> table = load_with_adapter("ua-losses", p)
    >>> table.frame["value"].to_list(), table.accounting.rejected
    ([10.0, 15.0], 0)
    """
    adapter = get_adapter(name)
    accepted = adapter.options()
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TimingInputError(
            f"format {name!r}: unknown option(s) {', '.join(unknown)}; "
            f"expected {', '.join(accepted) or 'none'}"
        )
    frame = adapter.read(path, **options)
    spec = CLAIMS if adapter.table == "claims" else EVENTS
    file = f"{path} [{name}]"
    try:
        table = validate(frame, spec, file=file, lenient=lenient, resolution=resolution)
    except ValidationError as exc:
        raise ValidationError(_source_rows(exc.problems, frame)) from None
    if not table.accounting.reasons:
        return table
    reasons = _source_rows(table.accounting.reasons, frame)
    rows = [p.row for p in reasons]
    return replace(
        table,
        rejects=table.rejects.with_columns(pl.Series("row", rows, dtype=pl.Int64)),
        accounting=replace(table.accounting, reasons=tuple(reasons)),
    )


def _source_rows(problems: tuple[Problem, ...], frame: pl.DataFrame) -> list[Problem]:
    """Replace output row numbers by the source positions in ``input_row``."""
    if "input_row" not in frame.columns:
        return list(problems)
    source = frame["input_row"].to_list()
    out = []
    for p in problems:
        cell = source[p.row - 1] if 1 <= p.row <= len(source) else None
        row = int(cell) if cell is not None and str(cell).isdigit() else p.row
        out.append(replace(p, row=row))
    return out
