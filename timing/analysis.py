"""Run the configured set of methods on one claims/events pair -> :class:`AnalysisResult`.

:class:`~timing.result.AnalysisConfig` and :class:`~timing.result.AnalysisResult` live in
:mod:`timing.result` and are re-exported here.

This is the library function behind ``timing analyze``: load and validate both tables
(or take frames already loaded), bin them onto a timeline, run each method, and keep
everything a report or a paper needs in one frozen result whose ``to_dict()`` is the JSON
contract of ``design.md`` section 7.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timing.errors import TimingInputError
from timing.inputs import (
    claims_columns_for,
    declared_period,
    default_period,
    load_inputs,
    split_mapping,
)
from timing.progress import ProgressLike, advance, reporting, step
from timing.result import AnalysisConfig, AnalysisResult
from timing.schema import ValidatedTable
from timing.stats.base import NotApplicable
from timing.timeline import Timeline, build_timeline

if TYPE_CHECKING:
    from timing.methods import Method, MethodContext

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


def analyze_tables(
    claims: ValidatedTable,
    events: ValidatedTable,
    config: AnalysisConfig | None = None,
    *,
    dataset: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    progress: ProgressLike = None,
    engine: Any = None,
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
    progress : timing.progress.Progress or callable, optional
        Told as each method starts, and how far its long loops have come (see
        :mod:`timing.progress`); a plain ``callable(label)`` hears the labels only.
    engine : timing.engine.Engine, optional
        Where the scan's blocks of cells run (see :mod:`timing.engine`); the result is the
        same.

    Returns
    -------
    AnalysisResult
    """
    with reporting(progress):
        return _analyze_tables(claims, events, config or AnalysisConfig(), dataset, inputs, engine)


def _analyze_tables(
    claims: ValidatedTable,
    events: ValidatedTable,
    cfg: AnalysisConfig,
    dataset: str | None,
    inputs: Mapping[str, Any] | None,
    engine: Any = None,
) -> AnalysisResult:
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
    tests, extras = _run_methods(timeline, cfg, engine)
    robust = _run_robustness(timeline, cfg, extras["skipped"]) if cfg.robustness else None
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


def _run_robustness(timeline: Timeline, cfg: AnalysisConfig, skipped: dict[str, str]) -> Any:
    """The robustness analysis of the primary test, or ``None`` (reason in ``skipped``)."""
    from timing.stats.robustness import robustness

    step("robustness: specification curve, influence, tipping point")
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
    timeline: Timeline, cfg: AnalysisConfig, engine: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the primary test, then every method of :data:`timing.methods.METHODS`."""
    from timing.methods import METHODS, MethodContext
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
    tests.update(run_primary(ctx, span, step))

    tests.update(_run_secondary(METHODS, ctx))
    skipped.update({name: r.reason for name, r in tests.items() if isinstance(r, NotApplicable)})

    step("scan over windows, actors and kinds")
    try:
        days = range(1, cfg.scan_max_window + 1)  # whole days at any resolution, in bins
        scanned = scan(
            timeline,
            windows=[d * timeline.bins_per_day for d in days],
            progress=advance,
            engine=engine,
        )
    except TimingInputError as exc:
        skipped["scan"] = str(exc).splitlines()[0]
        scanned = None
    per_event = per_event_table(timeline, offsets).hstack(
        event_claims(timeline, None if cfg.anticipation else offsets)
    )
    return tests, {"per_event": per_event, "scan": scanned, "skipped": skipped}


def _run_secondary(methods: Sequence[Method], ctx: MethodContext) -> dict[str, Any]:
    """Every method of ``methods``, by name, in order; on two threads where that is safe.

    The parts of methods that may run elsewhere (:func:`timing.methods.start_method`: the
    simulated null's draws, and the event study and the lag distribution once no method
    that holds BLAS to one thread is left) go to one worker thread, the rest run here: on
    two cores the draws overlap the count regression, the other two the lag density and
    the predictive check. What runs on the worker reports its step but not its progress
    within it (:mod:`timing.progress`: another thread reports nothing). Each method draws
    from its own seeded generator, so the results are those of one method after the other.
    """
    from timing.methods import start_method

    done: dict[str, Callable[[], Any]] = {}
    # a whole method goes to the worker only once no method that limits BLAS is left
    last_limit = max((i for i, m in enumerate(methods) if m.limits_blas), default=-1)
    with ThreadPoolExecutor(1, thread_name_prefix="timing-method") as pool:
        # Python's warnings are process-wide: quiet for as long as the worker may run.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i, method in enumerate(methods):
                step(method.label.lower())
                here = replace(method, background=False) if i <= last_limit else method
                done[method.name] = start_method(here, ctx, pool.submit)
            return {name: result() for name, result in done.items()}


def _check_shifts(timeline: Timeline, cfg: AnalysisConfig) -> None:
    """Refuse, in the user's terms, a window or shift range the period cannot hold."""
    from timing._shifts import admissible_shifts

    lo, hi = cfg.bin_offsets()
    window = 7 * timeline.bins_per_day if cfg.anticipation else hi - lo + 1
    min_shift = cfg.min_shift or window
    if admissible_shifts(timeline.n_bins, min_shift, cfg.max_shift).size:
        return
    unit = f"{timeline.resolution}s"
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
    progress: ProgressLike = None,
    keep_columns: str = "auto",
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
        Where many-file inputs are read and the scan runs (see :mod:`timing.engine`); the
        result is the same.
    progress : timing.progress.Progress or callable, optional
        Told as each step starts and how far long loops have come (see
        :mod:`timing.progress`); a plain ``callable(label)`` hears the labels only.
    keep_columns : {"auto", "all", "analysis", "counts"}
        Which claims columns to keep after validating them all (see
        :func:`timing.inputs.claims_columns_for`): by default every column up to 100,000
        claims, only those the analysis reads up to 2e7, and above that the claims are
        held as counts per date, actor, kind and status (:mod:`timing.claim_counts`: the
        same results, without ids or targets); the read notes name the columns left out.

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
    claims_columns, keep_all_up_to, count_above = claims_columns_for(keep_columns)
    with reporting(progress) as listener:
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
            progress=listener.step,
            claims_columns=claims_columns,
            keep_all_up_to=keep_all_up_to,
            sort_claims=True,
            count_claims_above=count_above,
        )
        return analyze_tables(
            claims_table, events_table, cfg, dataset=dataset, inputs=inputs, engine=engine
        )
