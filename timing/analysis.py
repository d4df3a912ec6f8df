"""Run the configured set of methods on one claims/events pair -> :class:`AnalysisResult`.

This is the library function behind ``timing analyze``: load and validate both tables
(or take frames already loaded), bin them onto a timeline, run each method, and keep
everything a report or a paper needs in one frozen result whose ``to_dict()`` is the JSON
contract of ``design.md`` section 7.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from timing import __version__
from timing.datasets import dataset_path
from timing.errors import TimingInputError
from timing.io import file_sha256, load_claims, load_events
from timing.schema import RowAccounting, ValidatedTable
from timing.stats._common import plain
from timing.stats.circular import circular_shift_test
from timing.timeline import Timeline, build_timeline

__all__ = ["AnalysisConfig", "AnalysisResult", "analyze", "analyze_tables", "load_inputs"]

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class AnalysisConfig:
    """Parameters of one analysis; every field has the CLI's default.

    Attributes
    ----------
    offsets : tuple of int
        Inclusive window offsets in days relative to each event (``(-3, -1)``: the three
        days before). ``--window N`` sets ``(-N, -1)``.
    anticipation : bool
        Use each event's anticipation window ``[announced, start)`` instead of ``offsets``.
    resolution : {"day", "hour"}
        Bin width. Offsets are always given in days and converted to bins.
    seed : int
        Seed of every Monte Carlo step (bootstrap, placebo); same seed, same result.
    min_shift, max_shift : int or None
        Circular-shift distances allowed, in bins (default: window length, none).
    detrend : int or None
        Span in days of the centred moving average removed from the claims before the
        primary circular-shift test (default 91, a quarter), so that a slow trend shared
        by claims and events does not count as clustering; ``None`` or 0 turns it off. The
        test on the raw series is reported beside it. Not applied when the period is
        shorter than twice the span.
    start, end : datetime.date or None
        Study period; default the span of the data.
    actors, claim_kinds, event_kinds : tuple of str or None
        Filters.
    n_boot : int
        Bootstrap and placebo replicates.
    weight : {"count", "value"}
        Count claims, or sum their ``value`` column (e.g. announced casualties per day).
    """

    offsets: tuple[int, int] = (-3, -1)
    anticipation: bool = False
    resolution: Literal["day", "hour"] = "day"
    seed: int = 0
    min_shift: int | None = None
    max_shift: int | None = None
    detrend: int | None = 91
    start: dt.date | None = None
    end: dt.date | None = None
    actors: tuple[str, ...] | None = None
    claim_kinds: tuple[str, ...] | None = None
    event_kinds: tuple[str, ...] | None = None
    n_boot: int = 2000
    weight: Literal["count", "value"] = "count"

    def bin_offsets(self) -> tuple[int, int]:
        """Offsets in bins (days times 24 at hour resolution)."""
        scale = 1 if self.resolution == "day" else 24
        lo, hi = self.offsets
        return lo * scale, (hi + 1) * scale - 1

    def window_label(self) -> str:
        """E.g. ``"3 days before"`` or ``"anticipation window"``."""
        if self.anticipation:
            return "anticipation window (announcement to start)"
        lo, hi = self.offsets
        if hi == -1:
            return f"{-lo} day{'s' if lo != -1 else ''} before"
        return f"days {lo}..{hi} around"

    def to_dict(self) -> dict[str, Any]:
        """The ``params`` block of the JSON output."""
        return {
            "offsets": list(self.offsets),
            "anticipation": self.anticipation,
            "resolution": self.resolution,
            "seed": self.seed,
            "min_shift": self.min_shift,
            "max_shift": self.max_shift,
            "detrend": self.detrend,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "actors": None if self.actors is None else list(self.actors),
            "claim_kinds": None if self.claim_kinds is None else list(self.claim_kinds),
            "event_kinds": None if self.event_kinds is None else list(self.event_kinds),
            "n_boot": self.n_boot,
            "weight": self.weight,
        }


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """Everything one analysis produced.

    Attributes
    ----------
    config : AnalysisConfig
    dataset : str or None
        Name of the bundled dataset, when one was used.
    inputs : dict
        Paths and SHA-256 of the input files (``None`` for frames passed in code).
    claims_table, events_table : ValidatedTable
        The validated inputs with their rejects and row accounting.
    timeline : Timeline
    tests : dict
        Result object of each method by name (``"circular_shift"`` always).
    per_event : polars.DataFrame or None
        One row per event: claims in its window and the lag of the nearest claim before it.
    scan : timing.stats.scan.ScanResult or None
        Every window x actor x claim kind x event kind cell with FDR-adjusted q-values.
    skipped : dict
        Methods that could not run on these data, with the reason (e.g. too short a period).
    report_path : str or None
        Where the HTML report was written.
    """

    config: AnalysisConfig
    dataset: str | None
    inputs: dict[str, Any]
    claims_table: ValidatedTable
    events_table: ValidatedTable
    timeline: Timeline
    tests: dict[str, Any] = field(default_factory=dict)
    per_event: pl.DataFrame | None = None
    scan: Any = None
    skipped: dict[str, str] = field(default_factory=dict)
    report_path: str | None = None

    @property
    def accounting(self) -> dict[str, RowAccounting]:
        """Rows read, used and rejected per table."""
        return {"claims": self.claims_table.accounting, "events": self.events_table.accounting}

    def with_report(self, path: str | Path) -> AnalysisResult:
        """A copy that records where its HTML report was written."""
        return replace(self, report_path=str(path))

    def headline(self) -> str:
        """One plain sentence with the effect, its interval, the robust p and the counts."""
        circ = self.tests["circular_shift"]
        t = self.timeline
        effect = circ.rate_ratio
        interval = ""
        boot = self.tests.get("rate_ratio_interval")
        if boot is not None and np.isfinite(boot.ci_low) and np.isfinite(boot.ci_high):
            interval = f"95 % CI {boot.ci_low:.1f}-{boot.ci_high:.1f}, "
        direction = "more" if effect >= 1 else "less"
        size = (
            f"{effect:.1f}x {direction} frequent" if effect >= 1 else f"{effect:.2f}x as frequent"
        )
        if not np.isfinite(effect):
            size = "not comparable (no claims outside the windows)"
        detrended = f", {self.config.detrend}-day trend removed" if circ.detrend else ""
        if self.config.weight == "value":
            subject = "The claimed figures per day (value column) were"
            amount = f"{t.claims_frame.height} claims totalling {float(t.claims.sum()):,.0f}"
        else:
            subject = "Claims were"
            amount = f"{round(float(t.claims.sum()))} claims"
        return (
            f"{subject} {size} in the {self.config.window_label()} events "
            f"({interval}circular-shift p = {_fmt_p(circ.pvalue)}{detrended}; {amount}, "
            f"{t.n_events} events, {t.start:%Y-%m-%d} to {t.end:%Y-%m-%d})."
        )

    def caution(self) -> str | None:
        """Plain warnings: too few data for power, and the bundled dataset's own caveat."""
        notes = []
        n_events = self.timeline.n_events
        n_claims = self.timeline.claims_frame.height
        if n_events < 20 or n_claims < 50:
            notes.append(
                f"Caution: with {n_events} events and {n_claims} claims the test has little "
                "power; a non-significant result is weak evidence of no effect."
            )
        if self.dataset is not None:
            from timing.datasets import dataset_info

            caveat = dataset_info(self.dataset).caveat
            if caveat:
                notes.append(caveat)
        return " ".join(notes) or None

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """The JSON contract of design.md section 7.

        Parameters
        ----------
        full : bool
            Also include what a report needs to be redrawn (``timing report``): the binned
            series, the claim and event rows, null distributions and rejects.
        """
        t = self.timeline
        out: dict[str, Any] = {
            "timing_version": __version__,
            "dataset": self.dataset,
            "inputs": self.inputs,
            "rows": {name: acc.to_dict() for name, acc in self.accounting.items()},
            "excluded": t.excluded,
            "params": self.config.to_dict(),
            "period": {"start": f"{t.start:%Y-%m-%d}", "end": f"{t.end:%Y-%m-%d}"},
            "counts": {"claims": float(t.claims.sum()), "events": t.n_events, "bins": t.n_bins},
            "headline": self.headline(),
            "caution": self.caution(),
            "tests": _tests_dict(self.tests, full=full),
            "skipped": dict(self.skipped),
            "report": self.report_path,
        }
        if full:
            out["timeline"] = {
                "start": f"{t.start:%Y-%m-%d}" if t.resolution == "day" else t.start.isoformat(),
                "resolution": t.resolution,
                "claims": t.claims.tolist(),
                "event_bins": t.event_bins.tolist(),
            }
            out["claims"] = _records(t.claims_frame)
            out["events"] = _records(t.events_frame)
            out["rejects"] = {
                "claims": _records(self.claims_table.rejects),
                "events": _records(self.events_table.rejects),
            }
        if self.per_event is not None:
            out["per_event"] = _records(self.per_event)
        if self.scan is not None:
            out["scan"] = self.scan.to_dict(full=full)
        return out


def _fmt_p(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


#: Arrays no figure is drawn from: left out of the full JSON to keep it small.
_NOT_REDRAWN = ("null_histograms", "y_true", "y_score", "shifts", "replicates")


def _tests_dict(tests: Mapping[str, Any], *, full: bool) -> dict[str, Any]:
    """Each result's ``to_dict``, plus the JSON contract's own keys (design.md section 7)."""
    out: dict[str, Any] = {}
    for name, result in tests.items():
        out[name] = result.to_dict(full=full)
        for bulky in _NOT_REDRAWN:
            out[name].pop(bulky, None)
        if name == "negbin_glm":
            out[name].update(result.negbin_dict())
            out["poisson_naive"] = {
                "method": "Poisson GLM, naive standard errors (diagnostic only)",
                **result.poisson_naive_dict(),
                "effect": result.poisson_naive_dict()["irr"],
            }
        elif name == "coincidence":
            out[name].update(result.coincidence_dict())
    return out


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in frame.columns if c not in ("row",)]
    converted = frame.select(
        [
            pl.col(c).dt.to_string("%Y-%m-%d") if frame.schema[c] == pl.Date else pl.col(c)
            for c in cols
        ]
    )
    converted = converted.select(
        [
            pl.col(c).cast(pl.String) if converted.schema[c] == pl.Datetime else pl.col(c)
            for c in cols
        ]
    )
    return [plain(r) for r in converted.to_dicts()]


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


def _premature(timeline: Timeline, window: int, seed: int) -> Any:
    from timing.stats.premature import premature_claims

    if not _has_status(timeline):
        raise TimingInputError("no claim has an independent status (confirmed/contested/refuted)")
    return premature_claims(timeline, window=window, seed=seed)


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
        return load_with_adapter(fmt, path, lenient=lenient, resolution=resolution, **options)

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
    inputs = {
        "claims": str(claims),
        "events": str(events),
        "sha256": {"claims": file_sha256(claims), "events": file_sha256(events)},
    }
    return claims_table, events_table, dataset, inputs


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
