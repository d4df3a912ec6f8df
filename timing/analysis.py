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
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from timing.datasets import dataset_path
from timing.errors import TimingInputError
from timing.io import file_sha256, load_claims, load_events
from timing.result import AnalysisConfig, AnalysisResult
from timing.schema import ValidatedTable
from timing.stats.circular import circular_shift_test
from timing.timeline import Timeline, build_timeline

__all__ = [
    "AnalysisConfig",
    "AnalysisResult",
    "analyze",
    "analyze_tables",
    "default_period",
    "load_inputs",
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
        resolution=cfg.resolution,
        actors=cfg.actors,
        claim_kinds=cfg.claim_kinds,
        event_kinds=cfg.event_kinds,
        weight=cfg.weight,
    )
    tests, extras = _run_methods(timeline, cfg, say)
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
    )


def _run_methods(
    timeline: Timeline, cfg: AnalysisConfig, say: Progress
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run every method in the order the report reads them; heavy imports happen here."""
    from timing.stats.bootstrap import block_bootstrap_rate_ratio
    from timing.stats.coincidence import event_coincidence
    from timing.stats.event_study import event_study
    from timing.stats.glm import count_regression
    from timing.stats.lag_density import lag_density
    from timing.stats.lags import lag_distribution, per_event_table
    from timing.stats.placebo import block_permutation_test, weekday_placebo_test
    from timing.stats.predictive import predictive_check
    from timing.stats.scan import scan
    from timing.stats.simulated_null import simulated_null_test

    offsets = cfg.bin_offsets()
    weights = timeline.weights(offsets, anticipation=cfg.anticipation)
    window_bins = max(-offsets[0], 1)
    tests: dict[str, Any] = {}

    skipped: dict[str, str] = {}
    span = cfg.detrend * timeline.bins_per_day if cfg.detrend else None
    if span is not None and timeline.n_bins < 2 * span:
        skipped["detrend"] = (
            f"period of {timeline.n_bins} bins is shorter than twice the {span}-bin "
            "detrending span; the primary test is not detrended"
        )
        span = None

    def circular(detrend: int | None, method: str) -> Any:
        result = circular_shift_test(
            counts=timeline.claims,
            weights=weights,
            offsets=offsets,
            anticipation=cfg.anticipation,
            min_shift=cfg.min_shift,
            max_shift=cfg.max_shift,
            detrend=detrend,
        )
        return replace(result, method=method)

    say("circular-shift test")
    primary = circular(span, "Circular-shift randomization (exact, all shifts)")
    say("bootstrap interval")
    interval = block_bootstrap_rate_ratio(
        timeline.claims, weights, n_boot=cfg.n_boot, seed=cfg.seed
    )
    tests["circular_shift"] = replace(primary, ci_low=interval.ci_low, ci_high=interval.ci_high)
    tests["rate_ratio_interval"] = interval
    if span is not None:
        tests["circular_shift_raw"] = replace(
            circular(None, "Circular-shift randomization, no detrending"),
            ci_low=interval.ci_low,
            ci_high=interval.ci_high,
        )

    def attempt(name: str, label: str, run: Callable[[], Any]) -> Any:
        """Run a secondary method; data it cannot work on is recorded, not fatal."""
        say(label)
        try:
            # Degenerate data (one claim, no variation) give NaN estimates, reported as
            # "n/a"; numpy's warnings about them would only clutter the output.
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                return run()
        except TimingInputError as exc:
            skipped[name] = str(exc).splitlines()[0]
            return None

    k = min(14, (timeline.n_bins - 1) // 2)
    # The event study compares the profile with days outside every -K..K window; when
    # events are so dense that those days are a minority (a quiet tail of the period, say),
    # the overall mean is the fairer baseline.
    near = timeline.weights((-k, k)).mean()
    baseline = "outside" if near <= 0.5 else "all"
    n_mc = min(cfg.n_boot, 999)
    secondary: list[tuple[str, str, Callable[[], Any]]] = [
        (
            "weekday_placebo",
            "weekday-matched placebo",
            lambda: weekday_placebo_test(timeline, offsets, n_placebo=n_mc, seed=cfg.seed),
        ),
        (
            "block_permutation",
            "block permutation",
            lambda: block_permutation_test(timeline, offsets, n_perm=n_mc, seed=cfg.seed),
        ),
        (
            "simulated_null",
            "simulated self-exciting null",
            lambda: simulated_null_test(
                timeline, offsets, anticipation=cfg.anticipation, n_sim=n_mc, seed=cfg.seed
            ),
        ),
        (
            "negbin_glm",
            "count regression",
            lambda: count_regression(timeline, offsets, anticipation=cfg.anticipation),
        ),
        (
            "coincidence",
            "event coincidence analysis",
            lambda: event_coincidence(timeline, offsets, min_shift=cfg.min_shift),
        ),
        (
            "event_study",
            "event-study profile",
            lambda: event_study(timeline, k=k, baseline=baseline, seed=cfg.seed),
        ),
        (
            "lags",
            "lag distribution",
            lambda: lag_distribution(
                timeline, window=window_bins, seed=cfg.seed, min_shift=cfg.min_shift
            ),
        ),
        ("lag_density", "lag density", lambda: lag_density(timeline, n_shifts=199, seed=cfg.seed)),
        ("premature", "premature claims", lambda: _premature(timeline, window_bins, cfg.seed)),
        (
            "disputed",
            "disputed claims",
            lambda: _premature(timeline, window_bins, cfg.seed, outcome="disputed"),
        ),
        (
            "predictive",
            "predictive check",
            lambda: predictive_check(timeline, k=window_bins, n_null=49, seed=cfg.seed),
        ),
    ]
    for name, label, run in secondary:
        result = attempt(name, label, run)
        if result is not None:
            tests[name] = result

    scanned = attempt(
        "scan",
        "scan over windows, actors and kinds",
        lambda: scan(
            timeline.claims_frame.drop("bin"),
            timeline.events_frame.drop("bin"),
            windows=range(1, 15),
            resolution=cfg.resolution,
            start=timeline.start if cfg.resolution == "day" else None,
            end=timeline.end if cfg.resolution == "day" else None,
        ),
    )
    per_event = per_event_table(timeline, offsets)
    return tests, {"per_event": per_event, "scan": scanned, "skipped": skipped}


def _premature(timeline: Timeline, window: int, seed: int, outcome: str = "premature") -> Any:
    from timing.stats.premature import premature_claims

    if not _has_status(timeline):
        raise TimingInputError("no claim has an independent status (confirmed/contested/refuted)")
    return premature_claims(timeline, window=window, seed=seed, outcome=outcome)  # type: ignore[arg-type]


def _has_status(timeline: Timeline) -> bool:
    frame = timeline.claims_frame
    return (
        "status" in frame.columns
        and frame["status"].drop_nulls().is_in(["confirmed", "contested", "refuted"]).any()
    )


def load_inputs(
    claims: str | Path | None = None,
    events: str | Path | None = None,
    *,
    dataset: str | None = None,
    mapping: Mapping[str, str] | None = None,
    lenient: bool = False,
    resolution: Literal["day", "hour"] = "day",
    claims_format: str | None = None,
    events_format: str | None = None,
    adapter_options: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> tuple[ValidatedTable, ValidatedTable, str | None, dict[str, Any]]:
    """Load and validate claims and events files, or a bundled dataset.

    ``claims_format``/``events_format`` name an adapter of :mod:`timing.adapters` (e.g.
    ``"ua-losses"``, ``"acled"``, ``"telegram"``) for a file in a public format; the
    ``adapter_options`` go to it. Without one, the file is read in the canonical format.

    Returns
    -------
    tuple
        ``(claims_table, events_table, dataset_name_or_None, inputs)`` where ``inputs``
        holds the paths and SHA-256 digests for the reproducibility footer.
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

    def read(path: str | Path, fmt: str | None, table: str) -> ValidatedTable:
        say(f"reading {table}")
        if fmt is None:
            loader = load_claims if table == "claims" else load_events
            return loader(path, mapping=mapping, lenient=lenient, resolution=resolution)
        from timing.adapters import get_adapter, load_with_adapter

        adapter = get_adapter(fmt)
        if adapter.table != table:
            raise TimingInputError(f"--{table}-format {fmt}: that adapter reads {adapter.table}")
        wanted = set(adapter.options())
        options = {k: v for k, v in (adapter_options or {}).items() if k in wanted}
        return load_with_adapter(fmt, path, options=options, lenient=lenient, resolution=resolution)

    claims_table = read(claims, claims_format, "claims")
    events_table = read(events, events_format, "events")
    unused = set(adapter_options or {}) - {
        name
        for fmt in (claims_format, events_format)
        if fmt is not None
        for name in _adapter_option_names(fmt)
    }
    if unused:
        raise TimingInputError(f"--option {sorted(unused)[0]}: no chosen adapter takes it")
    inputs: dict[str, Any] = {
        "claims": str(claims),
        "events": str(events),
        "sha256": {"claims": file_sha256(claims), "events": file_sha256(events)},
    }
    extras = {
        "claims_format": claims_format,
        "events_format": events_format,
        "adapter_options": dict(adapter_options or {}),
        "mapping": dict(mapping or {}),
    }
    inputs.update({key: value for key, value in extras.items() if value})
    return claims_table, events_table, dataset, inputs


def default_period(dataset: str | None, cfg: AnalysisConfig) -> AnalysisConfig:
    """Default a bundled dataset's study period to the span it was compiled over.

    Returns ``cfg`` with ``start``/``end`` set from the dataset's ``coverage`` (see
    :class:`timing.datasets.DatasetInfo`), or unchanged when it states none.
    """
    import datetime as dt

    from timing.datasets import DEFAULT_DATASET, dataset_info

    coverage = dataset_info(dataset or DEFAULT_DATASET).coverage
    if coverage is None:
        return cfg
    start, end = (dt.date.fromisoformat(d) for d in coverage)
    return replace(cfg, start=start, end=end)


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
    lenient: bool = False,
    claims_format: str | None = None,
    events_format: str | None = None,
    adapter_options: Mapping[str, str] | None = None,
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
        Column mapping ``{canonical: column_in_file}`` applied to both files.
    lenient : bool
        Quarantine bad rows instead of failing.
    claims_format, events_format : str, optional
        Adapter names for files in public formats (see ``timing.adapters.ADAPTERS``).
    adapter_options : mapping of str to str, optional
        Options for those adapters, e.g. ``{"categories": "personnel,tank"}``.
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
    if claims is None and cfg.start is None and cfg.end is None:
        cfg = default_period(dataset, cfg)
    claims_table, events_table, dataset, inputs = load_inputs(
        claims,
        events,
        dataset=dataset,
        mapping=mapping,
        lenient=lenient,
        resolution=cfg.resolution,
        claims_format=claims_format,
        events_format=events_format,
        adapter_options=adapter_options,
        progress=progress,
    )
    return analyze_tables(
        claims_table, events_table, cfg, dataset=dataset, inputs=inputs, progress=progress
    )
