"""Adapters that turn public data formats into canonical claims or events tables.

Each adapter is a function ``read(path, **options) -> polars.DataFrame`` returning the
canonical columns of :data:`timing.schema.CLAIMS` or :data:`timing.schema.EVENTS` as text
(plus ``input_row``, where in the source each row came from); most also have a
``parse(path, **options) -> AdapterResult`` that adds the accounting (records read,
skipped by reason, anomalies). Every adapter declares its options once as
:class:`OptionSpec` entries (:attr:`Adapter.option_specs`), so text from a command line
and Python values are typed and checked the same way. :data:`ADAPTERS` lists them by name
and :func:`load_with_adapter` runs one and validates its output.

==================  ======  ===================================================
name                table   source format
==================  ======  ===================================================
``ua-losses``       claims  UA General Staff cumulative daily losses (JSON)
``acled``           claims  ACLED export CSV (fighting as claims-like intensity)
``gdelt-events``    events  GDELT 1.0/2.0 event records, CAMEO diplomacy codes
``gdelt-claims``    claims  GDELT 1.0/2.0 event records, CAMEO fight codes
``telegram``        claims  Telegram Desktop ``result.json``, keyword rules
``generic-claims``  claims  any table + column map + date format
``generic-events``  events  any table + column map + date format
==================  ======  ===================================================
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import polars as pl

from timing.adapters import acled, gdelt, ua_losses
from timing.adapters._common import AdapterResult, Anomaly
from timing.adapters._options import OptionSpec, parse_option, parse_options
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
    "OptionSpec",
    "adapter_names",
    "get_adapter",
    "load_with_adapter",
    "parse_option",
    "parse_options",
]

#: Options of ``generic-claims`` / ``generic-events``.
GENERIC_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("mapping", "mapping", None, "CANONICAL:COLUMN_IN_FILE pairs"),
    OptionSpec("date_format", "str", None, "strptime pattern of the dates, e.g. %d.%m.%Y"),
)
#: Options of ``telegram`` (its reader is :func:`timing.adapters.telegram.parse_telegram`).
TELEGRAM_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("actor", "str", None, "who announces (default: the chat's name)"),
    OptionSpec("channel", "str", None, "public username for t.me links"),
    OptionSpec("gazetteer", "list", (), "settlement names to look for"),
)


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
    option_specs : tuple of OptionSpec
        The options ``read`` and ``parse`` take, with types, defaults and help.
    """

    name: str
    table: Literal["claims", "events"]
    description: str
    read: Callable[..., pl.DataFrame]
    parse: Callable[..., AdapterResult] | None = None
    option_specs: tuple[OptionSpec, ...] = ()
    #: Whether ``parse`` takes an ``engine`` (many files read in parallel).
    parallel: bool = False

    def options(self) -> tuple[str, ...]:
        """Names of the options the adapter takes (of :attr:`option_specs`)."""
        if self.option_specs:
            return tuple(s.name for s in self.option_specs)
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
            ua_losses.OPTIONS,
        ),
        Adapter(
            "acled",
            "claims",
            "ACLED export CSV (2019+ and older layouts), military action as claims",
            read_acled,
            parse_acled,
            acled.OPTIONS,
        ),
        Adapter(
            "gdelt-events",
            "events",
            "GDELT 1.0/2.0 event records (TSV, zip, folder), CAMEO diplomacy codes as events",
            _fixed(read_gdelt_events, kind="events"),
            _fixed(parse_gdelt, kind="events"),
            gdelt.OPTIONS,
            parallel=True,
        ),
        Adapter(
            "gdelt-claims",
            "claims",
            "GDELT 1.0/2.0 event records (TSV, zip, folder), CAMEO fight codes as claims",
            _fixed(read_gdelt_events, kind="claims"),
            _fixed(parse_gdelt, kind="claims"),
            gdelt.OPTIONS,
            parallel=True,
        ),
        Adapter(
            "telegram",
            "claims",
            "Telegram Desktop chat export (result.json), claims by keyword rules",
            read_telegram,
            parse_telegram,
            TELEGRAM_OPTIONS,
        ),
        Adapter(
            "generic-claims",
            "claims",
            "any claims table with a column map and date format",
            _fixed(read_generic, table="claims"),
            None,
            GENERIC_OPTIONS,
        ),
        Adapter(
            "generic-events",
            "events",
            "any events table with a column map and date format",
            _fixed(read_generic, table="events"),
            None,
            GENERIC_OPTIONS,
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
    options: Mapping[str, Any] | None = None,
    lenient: bool = False,
    resolution: Literal["day", "hour", "minute"] = "day",
    engine: Any = None,
    **legacy_options: Any,
) -> ValidatedTable:
    """Read ``path`` with the adapter ``name``, validate the result and count everything.

    Parameters
    ----------
    name : str
        A key of :data:`ADAPTERS`.
    path : str or pathlib.Path
        The source file (or directory or glob, for the adapters that take one).
    options : mapping of str to object, optional
        Adapter options by name (see :attr:`Adapter.option_specs`): text as typed on a
        command line (``{"allow_negative": "false"}``) or Python values; both are typed
        and checked by :func:`parse_options`.
    lenient : bool
        Quarantine rows that fail validation instead of raising.
    resolution : {"day", "hour", "minute"}
        Time resolution of the validated dates.
    engine : timing.engine.Engine, optional
        Where an adapter that reads many files (GDELT) reads them; same result anywhere.
    **legacy_options
        Deprecated: options as keywords (the old calling form). Merged into ``options``
        with a :class:`DeprecationWarning`; they cannot be named ``options``,
        ``lenient`` or ``resolution``.

    Returns
    -------
    ValidatedTable
        Validated against :data:`~timing.schema.CLAIMS` or :data:`~timing.schema.EVENTS`
        by the adapter's table. Problems name the source position (``input_row``, and
        ``input_file`` when the adapter read several files) of the bad row.
        ``accounting.skipped`` holds the adapter's skipped records by reason, so that
        ``read == used + rejected + sum(skipped)``: ``read`` counts the rows the adapter
        produced plus the records it skipped (the source records, for every adapter that
        makes at most one row per record). ``anomalies`` holds the adapter's anomalies.

    Raises
    ------
    TimingInputError
        Unknown adapter or option, ill-typed option value, unreadable input, or (not
        lenient) invalid rows.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "losses.json"
    >>> _ = p.write_text(json.dumps([{"date": "2025-01-05", "day": 1048, "personnel": 10},
    ...                              {"date": "2025-01-06", "day": 1049, "personnel": 25}]))
    >>> table = load_with_adapter("ua-losses", p, options={"start": "2025-01-06"})
    >>> table.frame["value"].to_list(), table.accounting.skipped
    ([15.0], {'outside start/end': 1})
    """
    adapter = get_adapter(name)
    raw = dict(options or {})
    if legacy_options:
        warnings.warn(
            "load_with_adapter(name, path, key=value): pass options={'key': value} instead",
            DeprecationWarning,
            stacklevel=2,
        )
        both = sorted(set(raw) & set(legacy_options))
        if both:
            raise TimingInputError(f"format {name!r}: option(s) {', '.join(both)} given twice")
        raw.update(legacy_options)
    typed = parse_options(name, adapter.option_specs, raw)
    if adapter.parse is not None:
        extra = {"engine": engine} if adapter.parallel and engine is not None else {}
        result = adapter.parse(path, **typed, **extra)
    else:
        frame = adapter.read(path, **typed)
        result = AdapterResult(frame, adapter.table, frame.height)
    frame = result.frame
    spec = CLAIMS if adapter.table == "claims" else EVENTS
    label = f"{path} [{name}]"
    if frame.height == 0 and result.read:
        reasons = ", ".join(f"{k}: {v}" for k, v in result.skipped.items() if v) or "none"
        raise TimingInputError(
            f"{label}: no {adapter.table} row left: {result.read} records read, all skipped "
            f"({reasons}); check the options (e.g. event_types, codes, actors)"
        )
    try:
        table = validate(frame, spec, file=label, lenient=lenient, resolution=resolution)
    except ValidationError as exc:
        raise ValidationError(_source_rows(exc.problems, frame, name)) from None
    skipped = {k: int(v) for k, v in result.skipped.items() if v}
    acc = table.accounting
    accounting = replace(acc, read=acc.read + sum(skipped.values()), skipped=skipped)
    table = replace(table, accounting=accounting, anomalies=tuple(result.anomalies))
    if not acc.reasons:
        return table
    problems = _source_rows(acc.reasons, frame, name)
    rows = [p.row for p in problems]
    return replace(
        table,
        rejects=table.rejects.with_columns(pl.Series("row", rows, dtype=pl.Int64)),
        accounting=replace(accounting, reasons=tuple(problems)),
    )


def _source_rows(problems: tuple[Problem, ...], frame: pl.DataFrame, name: str) -> list[Problem]:
    """Replace output row numbers by the source positions in ``input_row``/``input_file``."""
    if "input_row" not in frame.columns:
        return list(problems)
    source = frame["input_row"].to_list()
    files = frame["input_file"].to_list() if "input_file" in frame.columns else None
    out = []
    for p in problems:
        inside = 1 <= p.row <= len(source)
        cell = source[p.row - 1] if inside else None
        row = int(cell) if cell is not None and str(cell).isdigit() else p.row
        where = files[p.row - 1] if files is not None and inside else None
        out.append(replace(p, row=row, file=f"{where} [{name}]" if where else p.file))
    return out
