"""Reading the two tables of an analysis: files or a bundled dataset, column maps, formats.

:func:`load_inputs` reads and validates a claims and an events table (canonical files,
public formats through :mod:`timing.adapters`, or a bundled dataset) and returns them with
everything a re-run needs: paths, SHA-256 digests, column maps, reading and adapter
options. :func:`split_mapping` tells per-file column maps from maps for both files, and
:func:`declared_period` gives a bundled dataset's compiled span (its default study period).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from timing._readers.raw import ReadInfo
from timing.datasets import dataset_path
from timing.errors import TimingInputError
from timing.io import LoadedTable, file_sha256, load_claims, load_events, shape_table
from timing.result import AnalysisConfig
from timing.schema import ValidatedTable, ValidationError

__all__ = [
    "ANALYSIS_CLAIM_COLUMNS",
    "COUNT_CLAIMS_ABOVE",
    "KEEP_ALL_COLUMNS_UP_TO",
    "claims_columns_for",
    "declared_period",
    "default_period",
    "formats_given",
    "load_inputs",
    "split_mapping",
]

Progress = Callable[[str], None]

#: Claims columns the analysis and its report read (plus the row number). The others
#: (region, text, source and extra columns) are shown only for a few thousand claims.
ANALYSIS_CLAIM_COLUMNS = (
    "claim_id",
    "date",
    "actor",
    "kind",
    "target",
    "status",
    "verified_date",
    "value",
)
#: Claims files up to this many rows keep every column with ``keep_columns="auto"``;
#: larger ones keep :data:`ANALYSIS_CLAIM_COLUMNS` (at 1e7 claims the text columns alone
#: would take gigabytes).
KEEP_ALL_COLUMNS_UP_TO = 100_000
#: Claims files of more rows are held as counts with ``keep_columns="auto"``
#: (:mod:`timing.claim_counts`): one row per claim of the analysis columns takes about
#: 1.2 GB per 1e7 claims.
COUNT_CLAIMS_ABOVE = 20_000_000


def claims_columns_for(keep_columns: str) -> tuple[tuple[str, ...] | None, int | None, int | None]:
    """``(claims_columns, keep_all_up_to, count_above)`` for :func:`load_inputs`.

    Parameters
    ----------
    keep_columns : {"auto", "all", "analysis", "counts"}
        ``"all"``: every column; ``"analysis"``: only :data:`ANALYSIS_CLAIM_COLUMNS`;
        ``"counts"``: claims held as counts per date, actor, kind, status and verified
        date (:mod:`timing.claim_counts`: no ids or targets); ``"auto"``: every column up
        to :data:`KEEP_ALL_COLUMNS_UP_TO` rows, the analysis columns up to
        :data:`COUNT_CLAIMS_ABOVE`, counts above. Every column is validated whichever is
        chosen, and the results are the same (apart from the claim rows shown).

    Examples
    --------
    >>> claims_columns_for("all")
    (None, None, None)
    >>> claims_columns_for("auto")[1:]
    (100000, 20000000)
    """
    if keep_columns == "all":
        return None, None, None
    if keep_columns == "analysis":
        return ANALYSIS_CLAIM_COLUMNS, 0, None
    if keep_columns == "counts":
        return ANALYSIS_CLAIM_COLUMNS, 0, 0
    if keep_columns == "auto":
        return ANALYSIS_CLAIM_COLUMNS, KEEP_ALL_COLUMNS_UP_TO, COUNT_CLAIMS_ABOVE
    raise TimingInputError(f"--keep-columns {keep_columns}: expected auto, all, analysis or counts")


@contextlib.contextmanager
def _flags_renamed(pattern: str, replacement: str) -> Iterator[None]:
    """Re-raise a reader's one-line error with the flags it names rewritten."""
    try:
        yield
    except TimingInputError as exc:
        if isinstance(exc, ValidationError):
            raise
        raise TimingInputError(re.sub(pattern, replacement, str(exc))) from None


def formats_given(claims_format: str | None, events_format: str | None) -> dict[str, bool]:
    """Which tables are read through an adapter."""
    return {"claims": claims_format is not None, "events": events_format is not None}


def split_mapping(
    mapping: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Split a column map into entries for both tables and entries for one table.

    Keys may name a table: ``claims.date`` maps the claims file's column only,
    ``events.date`` the events file's; a plain ``date`` applies to whichever file has the
    source column (both, if both do).

    Returns
    -------
    tuple
        ``(shared, {"claims": {...}, "events": {...}})``.

    Raises
    ------
    TimingInputError
        For a key that is no canonical column of the table(s) it names.

    Examples
    --------
    >>> split_mapping({"date": "day", "events.title": "name"})
    ({'date': 'day'}, {'claims': {}, 'events': {'title': 'name'}})
    """
    from timing.schema import CLAIMS, EVENTS

    specs = {"claims": CLAIMS, "events": EVENTS}
    shared: dict[str, str] = {}
    per_table: dict[str, dict[str, str]] = {"claims": {}, "events": {}}
    for key, source in (mapping or {}).items():
        table, dot, canonical = key.partition(".")
        if dot and table in specs:
            if canonical not in specs[table].names:
                raise TimingInputError(
                    f"--map {key}={source}: {table} have no column {canonical!r}; expected one "
                    f"of {', '.join(specs[table].names)}"
                )
            per_table[table][canonical] = source
        elif key in CLAIMS.names or key in EVENTS.names:
            shared[key] = source
        else:
            raise TimingInputError(
                f"--map {key}={source}: {key!r} is not a column of claims or events; name a "
                "canonical column, optionally with its table (e.g. claims.date=claim_date)"
            )
    return shared, per_table


def load_inputs(
    claims: str | Path | None = None,
    events: str | Path | None = None,
    *,
    dataset: str | None = None,
    mapping: Mapping[str, str] | None = None,
    claims_mapping: Mapping[str, str] | None = None,
    events_mapping: Mapping[str, str] | None = None,
    lenient: bool = False,
    resolution: Literal["day", "hour", "minute"] = "day",
    claims_format: str | None = None,
    events_format: str | None = None,
    adapter_options: Mapping[str, str] | None = None,
    read_options: Mapping[str, Mapping[str, Any]] | None = None,
    engine: Any = None,
    progress: Progress | None = None,
    claims_columns: Sequence[str] | None = None,
    keep_all_up_to: int | None = None,
    sort_claims: bool = False,
    count_claims_above: int | None = None,
) -> tuple[ValidatedTable, ValidatedTable, str | None, dict[str, Any]]:
    """Load and validate claims and events files, or a bundled dataset.

    ``claims_format``/``events_format`` name an adapter of :mod:`timing.adapters` (e.g.
    ``"ua-losses"``, ``"acled"``, ``"telegram"``) for a file in a public format; the
    ``adapter_options`` go to it. Without one, the file is read in the canonical format.

    Parameters
    ----------
    mapping : mapping of str to str, optional
        Column map ``{canonical: source}`` (see :func:`split_mapping`): plain keys apply
        to whichever file has the source column, ``claims.``/``events.`` keys to one file.
        A plain entry that neither file can use is an error.
    claims_mapping, events_mapping : mapping of str to str, optional
        Column maps for one file each (the CLI's ``--claims-map`` and ``--events-map``).
    read_options : mapping, optional
        Per file, ``{"claims": {...}, "events": {...}}``: ``separator``, ``encoding`` and
        ``sheet`` for files in the canonical format (see :func:`timing.io.read_raw`); by
        default the separator and a byte-order mark are detected and text must be UTF-8.
        Each file gets its own: an encoding forced on the wrong file would garble it.
    engine : timing.engine.Engine, optional
        Where adapters that read many files (GDELT folders and globs) read them.
    claims_columns : sequence of str, optional
        Canonical columns to keep in the claims frame of a canonical-format file (every
        column is still validated; see :func:`timing.io.load_table`). At 1e8 claims the
        text columns (ids, sources, wording) take gigabytes that binning never needs.
    keep_all_up_to : int, optional
        With ``claims_columns``: keep every column of a claims file of at most this many
        rows (see :func:`timing.io.load_table`).
    sort_claims : bool
        Return the claims of a canonical-format file in date order (``sort_by_date`` of
        :func:`timing.io.load_table`), as an analysis bins them.
    count_claims_above : int, optional
        Hold the claims of a canonical-format file of more rows as counts
        (``count_above`` of :func:`timing.io.load_table`).

    Returns
    -------
    tuple
        ``(claims_table, events_table, dataset_name_or_None, inputs)`` where ``inputs``
        holds the paths, SHA-256 digests and reading options (everything a re-run needs).
    """
    if (claims is None) != (events is None):
        raise TimingInputError("give both --claims and --events, or neither (bundled dataset)")
    if claims is None:
        from timing.datasets import DEFAULT_DATASET

        dataset = dataset or DEFAULT_DATASET
        folder = dataset_path(dataset)
        claims, events = folder / "claims.csv", folder / "events.csv"
    elif dataset is not None:
        raise TimingInputError("give --dataset or --claims/--events, not both")
    assert events is not None
    say = progress or (lambda _label: None)
    shared, per_table = split_mapping(mapping)
    reading = {
        table: {k: v for k, v in (read_options or {}).get(table, {}).items() if v is not None}
        for table in ("claims", "events")
    }
    for table, given in reading.items():
        unknown = set(given) - {"separator", "encoding", "sheet"}
        if unknown:
            raise TimingInputError(
                f"read option {table}.{sorted(unknown)[0]}: expected separator, encoding or sheet"
            )
        if given and formats_given(claims_format, events_format)[table]:
            raise TimingInputError(
                f"--{table}-{sorted(given)[0]}: the {table} file is read by an adapter; "
                "this option is for files in the canonical format"
            )
    per_table["claims"].update(claims_mapping or {})
    per_table["events"].update(events_mapping or {})
    formats = {"claims": claims_format, "events": events_format}
    for table, fmt in formats.items():
        if fmt is not None and per_table[table]:
            raise TimingInputError(
                f"--{table}-map: the {table} file is read by the {fmt!r} adapter, which names "
                "its columns itself; drop the map (the generic adapters take a column map)"
            )
    unused = set(adapter_options or {}) - {
        name for fmt in formats.values() if fmt is not None for name in _adapter_option_names(fmt)
    }
    if unused:
        chosen = ", ".join(f for f in formats.values() if f) or "none"
        raise TimingInputError(
            f"--option {sorted(unused)[0]}: no chosen adapter takes it (adapters: {chosen})"
        )

    def read(path: str | Path, table: str) -> ValidatedTable:
        say(f"reading {table}")
        # The readers suggest --encoding/--separator/--sheet: name the flag this command
        # takes instead (one per file here; an adapter takes its encoding as an option).
        flags = (
            (r"--(encoding|separator|sheet)\b", rf"--{table}-\1")
            if formats[table] is None
            else (r"--encoding (\S+)", r"--option encoding=\1")
        )
        with _flags_renamed(*flags):
            return _read_one(path, table)

    def _read_one(path: str | Path, table: str) -> ValidatedTable:
        fmt = formats[table]
        if fmt is None:
            loader = load_claims if table == "claims" else load_events
            return loader(
                path,
                mapping=per_table[table],
                optional_mapping=shared,
                lenient=lenient,
                resolution=resolution,
                **(
                    {
                        "columns": claims_columns,
                        "keep_all_up_to": keep_all_up_to,
                        "sort_by_date": sort_claims,
                        "count_above": count_claims_above,
                    }
                    if table == "claims"
                    else {}
                ),
                **reading[table],
            )
        from timing.adapters import get_adapter, load_with_adapter

        adapter = get_adapter(fmt)
        if adapter.table != table:
            raise TimingInputError(f"--{table}-format {fmt}: that adapter reads {adapter.table}")
        wanted = set(adapter.options())
        options = {k: v for k, v in (adapter_options or {}).items() if k in wanted}
        adapted = load_with_adapter(
            fmt, path, options=options, lenient=lenient, resolution=resolution, engine=engine
        )
        if adapted.spec.kind != "claims" or claims_columns is None:
            return adapted
        # The adapter read the file whole; what the analysis keeps of it is as for any
        # claims file: the columns it reads above a size, counts above another, date order.
        return shape_table(
            LoadedTable.of(adapted, ReadInfo(str(path), fmt)),
            rows=adapted.accounting.read,
            present=adapted.frame.columns,
            columns=claims_columns,
            keep_all_up_to=keep_all_up_to,
            count_above=count_claims_above,
            sort_by_date=sort_claims,
        )

    claims_table = read(claims, "claims")
    events_table = read(events, "events")
    for canonical, source in shared.items():
        if canonical not in claims_table.mapped and canonical not in events_table.mapped:
            raise TimingInputError(
                f"--map {canonical}={source}: neither the claims file ({claims}) nor the events "
                f"file ({events}) has a column {source!r}"
            )
    inputs: dict[str, Any] = {
        "claims": str(claims),
        "events": str(events),
        "sha256": {"claims": file_sha256(claims), "events": file_sha256(events)},
    }
    extras = {
        "claims_format": claims_format,
        "events_format": events_format,
        "adapter_options": dict(adapter_options or {}),
        "mapping": shared,
        "claims_mapping": per_table["claims"],
        "events_mapping": per_table["events"],
        "lenient": lenient,
        "read_options": {table: given for table, given in reading.items() if given},
    }
    inputs.update({key: value for key, value in extras.items() if value})
    return claims_table, events_table, dataset, inputs


def declared_period(dataset: str | None) -> tuple[dt.date, dt.date] | None:
    """The span a bundled dataset was compiled over (its default study period), if any."""
    if dataset is None:
        return None
    from timing.datasets import dataset_info

    coverage = dataset_info(dataset).coverage
    if coverage is None:
        return None
    start, end = (dt.date.fromisoformat(d) for d in coverage)
    return start, end


def default_period(dataset: str | None, cfg: AnalysisConfig) -> AnalysisConfig:
    """Set a config's unset period bounds to the span a bundled dataset was compiled over.

    Returns ``cfg`` with ``start``/``end`` set from the dataset's ``coverage`` (see
    :class:`timing.datasets.DatasetInfo`), or unchanged when it states none.
    """
    from timing.datasets import DEFAULT_DATASET

    declared = declared_period(dataset or DEFAULT_DATASET)
    if declared is None:
        return cfg
    return replace(cfg, start=cfg.start or declared[0], end=cfg.end or declared[1])


def _adapter_option_names(fmt: str) -> tuple[str, ...]:
    from timing.adapters import get_adapter

    return get_adapter(fmt).options()
