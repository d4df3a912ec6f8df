"""Run the configured set of methods on one claims/events pair -> :class:`AnalysisResult`.

:class:`~timing.result.AnalysisConfig` and :class:`~timing.result.AnalysisResult` live in
:mod:`timing.result` and are re-exported here.

This is the library function behind ``timing analyze``: load and validate both tables
(or take frames already loaded), bin them onto a timeline, run each method, and keep
everything a report or a paper needs in one frozen result whose ``to_dict()`` is the JSON
contract of ``design.md`` section 7.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from timing.datasets import dataset_path
from timing.errors import TimingInputError
from timing.io import file_sha256, load_claims, load_events
from timing.result import AnalysisConfig, AnalysisResult
from timing.schema import ValidatedTable, ValidationError
from timing.stats.base import NotApplicable
from timing.timeline import Timeline, build_timeline

__all__ = [
    "AnalysisConfig",
    "AnalysisResult",
    "analyze",
    "analyze_tables",
    "declared_period",
    "default_period",
    "load_inputs",
    "split_mapping",
]

Progress = Callable[[str], None]


def analyze_tables(
    claims: ValidatedTable,
    events: ValidatedTable,
    config: AnalysisConfig | None = None,
    *,
    dataset: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Run every method on validated tables.

    Parameters
    ----------
    claims, events : ValidatedTable
        From :func:`timing.io.load_claims` / :func:`timing.io.load_events`.
    config : AnalysisConfig, optional
        Defaults to ``AnalysisConfig()`` (3 days before, daily, seed 0).
    dataset : str, optional
        Name shown in the report.
    inputs : mapping, optional
        Paths and hashes for the reproducibility footer.
    progress : callable, optional
        Called with a short label before each method.

    Returns
    -------
    AnalysisResult
    """
    cfg = config or AnalysisConfig()
    say = progress or (lambda _label: None)
    for table in (claims, events):
        acc = table.accounting
        if acc.used == 0:
            skipped = f" ({acc.skipped_text()})" if acc.skipped else ""
            raise TimingInputError(
                f"{acc.file}: all {acc.rejected} rows were rejected{skipped}; "
                f"run 'timing validate {acc.file} --kind {table.spec.kind}' to see why"
            )
    timeline = build_timeline(
        claims.frame,
        events.frame,
        start=cfg.start,
        end=cfg.end,
        declared=declared_period(dataset),
        lead_days=max(-cfg.offsets[0], 0),
        period="overlap",
        resolution=cfg.resolution,
        actors=cfg.actors,
        claim_kinds=cfg.claim_kinds,
        event_kinds=cfg.event_kinds,
        weight=cfg.weight,
    )
    tests, extras = _run_methods(timeline, cfg, say)
    robust = _run_robustness(timeline, cfg, extras["skipped"], say) if cfg.robustness else None
    return AnalysisResult(
        config=cfg,
        dataset=dataset,
        inputs=dict(inputs or {}),
        claims_table=claims,
        events_table=events,
        timeline=timeline,
        tests=tests,
        per_event=extras["per_event"],
        scan=extras["scan"],
        skipped=extras["skipped"],
        robustness=robust,
    )


def _run_robustness(
    timeline: Timeline, cfg: AnalysisConfig, skipped: dict[str, str], say: Progress
) -> Any:
    """The robustness analysis of the primary test, or ``None`` (reason in ``skipped``)."""
    from timing.stats.robustness import robustness

    say("robustness: specification curve, influence, tipping point")
    try:
        return robustness(
            timeline,
            cfg.offsets,
            anticipation=cfg.anticipation,
            detrend=cfg.detrend,
            min_shift=cfg.min_shift,
            max_shift=cfg.max_shift,
            weight=cfg.weight,
        )
    except TimingInputError as exc:
        skipped["robustness"] = str(exc).splitlines()[0]
        return None


def _run_methods(
    timeline: Timeline, cfg: AnalysisConfig, say: Progress
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the primary test, then every method of :data:`timing.methods.METHODS`."""
    from timing.methods import METHODS, MethodContext, run_method
    from timing.primary import run_primary
    from timing.stats.lags import per_event_table
    from timing.stats.per_event import event_claims
    from timing.stats.scan import scan

    ctx = MethodContext(timeline, cfg)
    offsets = ctx.offsets
    tests: dict[str, Any] = {}

    skipped: dict[str, str] = {}
    span = cfg.detrend * timeline.bins_per_day if cfg.detrend else None
    if span is not None and timeline.n_bins < 2 * span:
        skipped["detrend"] = (
            f"period of {timeline.n_bins} bins is shorter than twice the {span}-bin "
            "detrending span; the primary test is not detrended"
        )
        span = None

    _check_shifts(timeline, cfg)
    tests.update(run_primary(ctx, span, say))

    for method in METHODS:
        say(method.label.lower())
        tests[method.name] = run_method(method, ctx)
    skipped.update({name: r.reason for name, r in tests.items() if isinstance(r, NotApplicable)})

    say("scan over windows, actors and kinds")
    try:
        scanned = scan(timeline, windows=range(1, 15))
    except TimingInputError as exc:
        skipped["scan"] = str(exc).splitlines()[0]
        scanned = None
    per_event = per_event_table(timeline, offsets).hstack(
        event_claims(timeline, None if cfg.anticipation else offsets)
    )
    return tests, {"per_event": per_event, "scan": scanned, "skipped": skipped}


def _check_shifts(timeline: Timeline, cfg: AnalysisConfig) -> None:
    """Refuse, in the user's terms, a window or shift range the period cannot hold."""
    from timing._shifts import admissible_shifts

    lo, hi = cfg.bin_offsets()
    window = 7 * timeline.bins_per_day if cfg.anticipation else hi - lo + 1
    min_shift = cfg.min_shift or window
    if admissible_shifts(timeline.n_bins, min_shift, cfg.max_shift).size:
        return
    unit = "days" if timeline.resolution == "day" else "hours"
    if cfg.min_shift is None and cfg.max_shift is None:
        raise TimingInputError(
            f"the window ({window} {unit}) is too long for the {timeline.n_bins}-{unit[:-1]} "
            "study period: the test moves the event calendar by at least one window length, "
            f"and a period under twice that leaves no room; use a shorter --window or a "
            "longer period"
        )
    given = ", ".join(
        f"--{name.replace('_', '-')} {value}"
        for name, value in (("min_shift", cfg.min_shift), ("max_shift", cfg.max_shift))
        if value is not None
    )
    raise TimingInputError(
        f"{given}: no shift of the event calendar fits the {timeline.n_bins}-{unit[:-1]} study "
        f"period (shifts must move it by {min_shift} to {cfg.max_shift or timeline.n_bins // 2} "
        f"{unit}); loosen these options"
    )


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
    resolution: Literal["day", "hour"] = "day",
    claims_format: str | None = None,
    events_format: str | None = None,
    adapter_options: Mapping[str, str] | None = None,
    read_options: Mapping[str, Mapping[str, Any]] | None = None,
    engine: Any = None,
    progress: Progress | None = None,
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
        fmt = formats[table]
        if fmt is None:
            loader = load_claims if table == "claims" else load_events
            try:
                return loader(
                    path,
                    mapping=per_table[table],
                    optional_mapping=shared,
                    lenient=lenient,
                    resolution=resolution,
                    **reading[table],
                )
            except TimingInputError as exc:
                if isinstance(exc, ValidationError):
                    raise
                # The readers suggest --encoding/--separator/--sheet; here each file has its own.
                raise TimingInputError(
                    re.sub(r"--(encoding|separator|sheet)\b", rf"--{table}-\1", str(exc))
                ) from None
        from timing.adapters import get_adapter, load_with_adapter

        adapter = get_adapter(fmt)
        if adapter.table != table:
            raise TimingInputError(f"--{table}-format {fmt}: that adapter reads {adapter.table}")
        wanted = set(adapter.options())
        options = {k: v for k, v in (adapter_options or {}).items() if k in wanted}
        try:
            return load_with_adapter(
                fmt, path, options=options, lenient=lenient, resolution=resolution, engine=engine
            )
        except TimingInputError as exc:
            if isinstance(exc, ValidationError):
                raise
            # An adapter takes its encoding as an adapter option.
            raise TimingInputError(
                re.sub(r"--encoding (\S+)", r"--option encoding=\1", str(exc))
            ) from None

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


def analyze(
    claims: str | Path | None = None,
    events: str | Path | None = None,
    config: AnalysisConfig | None = None,
    *,
    dataset: str | None = None,
    mapping: Mapping[str, str] | None = None,
    claims_mapping: Mapping[str, str] | None = None,
    events_mapping: Mapping[str, str] | None = None,
    lenient: bool = False,
    claims_format: str | None = None,
    events_format: str | None = None,
    adapter_options: Mapping[str, str] | None = None,
    read_options: Mapping[str, Mapping[str, Any]] | None = None,
    engine: Any = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Load two files (or a bundled dataset) and run :func:`analyze_tables`.

    Parameters
    ----------
    claims, events : path, optional
        Claims and events files. Give both, or neither to use ``dataset``.
    config : AnalysisConfig, optional
    dataset : str, optional
        Bundled dataset name; default ``"ru-ua-2025"`` when no files are given.
    mapping : mapping of str to str, optional
        Column mapping ``{canonical: column_in_file}``: a plain key applies to whichever
        file has the column, ``claims.date``/``events.date`` to one file.
    claims_mapping, events_mapping : mapping of str to str, optional
        Column mappings for one file each.
    lenient : bool
        Quarantine bad rows instead of failing.
    claims_format, events_format : str, optional
        Adapter names for files in public formats (see ``timing.adapters.ADAPTERS``).
    adapter_options : mapping of str to str, optional
        Options for those adapters, e.g. ``{"categories": "personnel,tank"}``.
    read_options : mapping, optional
        ``{"claims": {...}, "events": {...}}`` with ``separator``, ``encoding``, ``sheet``
        for canonical-format files (see :func:`load_inputs`).
    engine : timing.engine.Engine, optional
        Where many-file inputs are read (see :mod:`timing.engine`); the result is the same.
    progress : callable, optional
        Called with a short label as each step starts.

    Returns
    -------
    AnalysisResult

    Examples
    --------
    >>> result = analyze()                    # the bundled dataset, 3 days before events
    >>> result.tests["circular_shift"].pvalue <= 1
    True
    """
    cfg = config or AnalysisConfig()
    claims_table, events_table, dataset, inputs = load_inputs(
        claims,
        events,
        dataset=dataset,
        mapping=mapping,
        claims_mapping=claims_mapping,
        events_mapping=events_mapping,
        lenient=lenient,
        resolution=cfg.resolution,
        claims_format=claims_format,
        events_format=events_format,
        adapter_options=adapter_options,
        read_options=read_options,
        engine=engine,
        progress=progress,
    )
    return analyze_tables(
        claims_table, events_table, cfg, dataset=dataset, inputs=inputs, progress=progress
    )
