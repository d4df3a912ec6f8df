"""What one analysis was asked to do and what it found: :class:`AnalysisConfig` and
:class:`AnalysisResult`, whose ``to_dict()`` is the JSON contract of ``design.md`` section 7
(and, with ``full=True``, everything ``timing report`` needs to redraw the report).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from timing import __version__
from timing._result_json import json_records, json_tests
from timing.claim_counts import n_claims
from timing.constraints import (
    Constraint,
    Dates,
    Flag,
    Interval,
    Options,
    Pair,
    ParameterError,
    Strings,
    check_fields,
)
from timing.schema import RowAccounting, ValidatedTable
from timing.schemas import SCHEMA_VERSION
from timing.stats._common import plain
from timing.stats.base import NotApplicable
from timing.timeline import Timeline

__all__ = ["CONFIG_CONSTRAINTS", "CONFIG_OPTIONS", "AnalysisConfig", "AnalysisResult"]

#: What each :class:`AnalysisConfig` field accepts: checked on construction, by the CLI
#: (:data:`CONFIG_OPTIONS` names the option of each field) and listed in its help text.
CONFIG_CONSTRAINTS: dict[str, Constraint] = {
    "offsets": Pair(),
    "anticipation": Flag(),
    "resolution": Options(("day", "hour", "minute")),
    "seed": Interval(0),
    "min_shift": Interval(1, none=True),
    "max_shift": Interval(1, none=True),
    "detrend": Interval(0, none=True),
    "start": Dates(),
    "end": Dates(),
    "actors": Strings(),
    "claim_kinds": Strings(),
    "event_kinds": Strings(),
    "n_boot": Interval(10),
    "weight": Options(("count", "value")),
    "robustness": Flag(),
    "shift_scheme": Options(("auto", "all", "weekly", "periodic")),
    "n_monte_carlo": Interval(19),
    "event_study_bins": Interval(1),
    "lag_density_shifts": Interval(19),
    "predictive_shifts": Interval(9),
    "scan_max_window": Interval(1),
}
#: The ``timing analyze`` option that sets each field.
CONFIG_OPTIONS: dict[str, str] = {
    "offsets": "--offsets",
    "anticipation": "--anticipation",
    "actors": "--actor",
    "claim_kinds": "--claim-kind",
    "event_kinds": "--event-kind",
    **{
        name: "--" + name.replace("_", "-")
        for name in ("resolution", "seed", "min_shift", "max_shift", "detrend", "start", "end")
    },
    "n_boot": "--n-boot",
    "weight": "--weight",
    "robustness": "--robustness",
    "shift_scheme": "--shift-scheme",
    "n_monte_carlo": "--n-monte-carlo",
    "event_study_bins": "--event-study-bins",
    "lag_density_shifts": "--lag-density-shifts",
    "predictive_shifts": "--predictive-shifts",
    "scan_max_window": "--scan-max-window",
}


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
    resolution : {"day", "hour", "minute"}
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
    robustness : bool
        Also run the robustness analysis (:mod:`timing.stats.robustness`: specification
        curve with a joint test, leave-one-out influence, tipping point); ``--robustness``.
    shift_scheme : {"auto", "all", "weekly", "periodic"}
        Which shifts of the event calendar the primary test compares with (see
        :mod:`timing.stats.calendar`): ``"auto"`` shifts by whole weeks when the events
        concentrate on some weekdays, trims the period to whole cycles when the calendar is
        periodic, and uses every shift otherwise.
    n_monte_carlo : int
        Replicates of the placebo, block-permutation and simulated-null tests, at most
        ``n_boot`` (their p-values need no finer resolution than 1/1000). Default 999.
    event_study_bins : int
        Half-width ``K`` of the event-study profile -K..K, in bins (days, or hours at hour
        resolution). Default 14.
    lag_density_shifts : int
        Shifted calendars behind the lag density's null band. Default 199.
    predictive_shifts : int
        Shifted calendars behind the predictive check's AUC null (each refits the model).
        Default 49.
    scan_max_window : int
        Longest window, in days, of the scan the analysis runs (windows 1..N). Default 14.
    """

    offsets: tuple[int, int] = (-3, -1)
    anticipation: bool = False
    resolution: Literal["day", "hour", "minute"] = "day"
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
    robustness: bool = False
    shift_scheme: Literal["auto", "all", "weekly", "periodic"] = "auto"
    n_monte_carlo: int = 999
    event_study_bins: int = 14
    lag_density_shifts: int = 199
    predictive_shifts: int = 49
    scan_max_window: int = 14

    def __post_init__(self) -> None:
        """Check every field against :data:`CONFIG_CONSTRAINTS`, then the fields together.

        Raises
        ------
        timing.constraints.ParameterError
            Naming the field, the value and what is expected, e.g.
            ``AnalysisConfig(weight='sum'): expected one of count, value``.
        """
        check_fields(self, CONFIG_CONSTRAINTS, owner="AnalysisConfig")
        if self.min_shift is not None and self.max_shift is not None:
            if self.max_shift < self.min_shift:
                raise ParameterError(
                    "AnalysisConfig",
                    "max_shift",
                    self.max_shift,
                    f"an integer >= min_shift ({self.min_shift})",
                )
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ParameterError(
                "AnalysisConfig", "end", self.end, f"a date not before start ({self.start})"
            )

    def bin_offsets(self) -> tuple[int, int]:
        """Offsets in bins (days times 24 at hour resolution, 1440 at minute resolution)."""
        from timing.resolution import BINS_PER_DAY

        scale = BINS_PER_DAY[self.resolution]
        lo, hi = self.offsets
        return lo * scale, (hi + 1) * scale - 1

    def window_label(self) -> str:
        """Where the claims were counted, e.g. ``"the 3 days before events"``."""
        if self.anticipation:
            return "the days between each event's announcement and its start"
        lo, hi = self.offsets
        if hi == -1:
            return f"the {-lo} day{'s' if lo != -1 else ''} before events"
        return f"days {lo} to {hi} relative to events"

    def cli_args(self) -> list[str]:
        """The ``timing analyze`` options that give this configuration (defaults left out).

        Examples
        --------
        >>> AnalysisConfig(offsets=(-7, -1), detrend=None).cli_args()
        ['--window', '7', '--detrend', '0']
        """
        default = AnalysisConfig()
        args: list[str] = []
        if self.anticipation:
            args.append("--anticipation")
        elif self.offsets != default.offsets:
            lo, hi = self.offsets
            args += ["--window", str(-lo)] if hi == -1 else [f"--offsets={lo}:{hi}"]
        for flag, value in (
            ("--resolution", self.resolution),
            ("--weight", self.weight),
            ("--min-shift", self.min_shift),
            ("--max-shift", self.max_shift),
            ("--detrend", self.detrend or 0),
            ("--n-boot", self.n_boot),
            ("--shift-scheme", self.shift_scheme),
            ("--n-monte-carlo", self.n_monte_carlo),
            ("--event-study-bins", self.event_study_bins),
            ("--lag-density-shifts", self.lag_density_shifts),
            ("--predictive-shifts", self.predictive_shifts),
            ("--scan-max-window", self.scan_max_window),
        ):
            name = flag[2:].replace("-", "_")
            if value != (getattr(default, name) or (0 if name == "detrend" else None)):
                args += [flag, str(value)]
        for flag, dates in (("--start", self.start), ("--end", self.end)):
            if dates is not None:
                args += [flag, dates.isoformat()]
        for flag, values in (
            ("--actor", self.actors),
            ("--claim-kind", self.claim_kinds),
            ("--event-kind", self.event_kinds),
        ):
            for item in values or ():
                args += [flag, item]
        if self.seed != default.seed:
            args += ["--seed", str(self.seed)]
        if self.robustness:
            args.append("--robustness")
        return args

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
            "robustness": self.robustness,
            "shift_scheme": self.shift_scheme,
            "n_monte_carlo": self.n_monte_carlo,
            "event_study_bins": self.event_study_bins,
            "lag_density_shifts": self.lag_density_shifts,
            "predictive_shifts": self.predictive_shifts,
            "scan_max_window": self.scan_max_window,
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
        Result object of each method by name (``"circular_shift"`` always), or a
        :class:`~timing.stats.base.NotApplicable` saying why a method was not run or its
        result was withheld.
    per_event : polars.DataFrame or None
        One row per event: claims in its window (``claims_in_window`` from the series,
        ``window_claims`` and ``window_targets`` from the rows), the lag of the nearest
        claim before it, and the nearest claims with their targets
        (:func:`timing.stats.per_event.event_claims`); the report's per-event table.
    scan : timing.stats.scan.ScanResult or None
        Every window x actor x claim kind x event kind cell with FDR-adjusted q-values.
    skipped : dict
        Methods that could not run on these data, with the reason (e.g. too short a period).
    report_path : str or None
        Where the HTML report was written.
    robustness : timing.stats.robustness.RobustnessResult or None
        Specification curve, influence and tipping point, when the config asked for them.
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
    robustness: Any = None

    @property
    def accounting(self) -> dict[str, RowAccounting]:
        """Rows read, used and rejected per table."""
        return {"claims": self.claims_table.accounting, "events": self.events_table.accounting}

    def read_notes(self) -> list[str]:
        """What reading the files noticed: sheet chosen, columns not loaded, adapter oddities."""
        notes: list[str] = []
        for table in (self.claims_table, self.events_table):
            info = getattr(table, "info", None)
            if info is not None:
                notes += info.messages()
            notes += [str(a) for a in getattr(table, "anomalies", ())[:20]]
            extra = len(getattr(table, "anomalies", ())) - 20
            if extra > 0:
                notes.append(f"{table.accounting.file}: {extra} more anomalies (see the JSON)")
        return notes

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
        if isinstance(boot, NotApplicable):
            boot = None
        if boot is not None and np.isfinite(boot.ci_low) and np.isfinite(boot.ci_high):
            interval = f"95 % CI {_fmt_interval(boot.ci_low, boot.ci_high)}, "
        elif boot is not None and np.isfinite(boot.ci_low):
            interval = f"95 % CI {_fmt_interval(boot.ci_low)} or more, "
        direction = "more" if effect >= 1 else "less"
        size = (
            f"{effect:.1f}x {direction} frequent" if effect >= 1 else f"{effect:.2f}x as frequent"
        )
        if not np.isfinite(effect):
            size = "not comparable (no claims outside the windows)"
        detrended = f", {self.config.detrend}-day trend removed" if circ.detrend else ""
        plan = self.tests.get("shift_scheme")
        if plan is not None and plan.scheme == "weekly":
            detrended = f" over whole-week shifts{detrended}"
        elif plan is not None and plan.scheme == "periodic":
            unit = t.resolution  # day, hour or minute
            detrended = f" on whole {plan.cycle}-{unit} cycles{detrended}"
        if self.config.weight == "value":
            subject = "The claimed figures per day (value column) were"
            amount = f"{n_claims(t.claims_frame)} claims totalling {float(t.claims.sum()):,.0f}"
        else:
            subject = "Claims were"
            total = round(float(t.claims.sum()))
            amount = f"{total} claim{'' if total == 1 else 's'}"
        lead = f"{subject} {size} in {self.config.window_label()}"
        if effect == 0:
            lead, interval = f"No claim fell in {self.config.window_label()}", ""
        return (
            f"{lead} ({interval}circular-shift p = {_fmt_p(circ.pvalue)}{detrended}; "
            f"{amount}, {t.n_events} events, {t.start:%Y-%m-%d} to {t.end:%Y-%m-%d})."
        )

    def summary(self) -> str:
        """Plain text: headline, cautions, every test, methods not applied, rows, re-run."""
        from timing._display import analysis_text

        return analysis_text(self)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from timing._display import analysis_html

        return analysis_html(self)

    def rerun_command(self) -> str:
        """A ``timing analyze`` command line that reproduces this result."""
        import shlex

        args = ["timing", "analyze"]
        if self.dataset is not None:
            args += ["--dataset", self.dataset]
        elif self.inputs:
            args += [
                "--claims",
                str(self.inputs.get("claims")),
                "--events",
                str(self.inputs.get("events")),
            ]
            for key in ("claims_format", "events_format"):
                if self.inputs.get(key):
                    args += [f"--{key.replace('_', '-')}", str(self.inputs[key])]
            for flag, key in (
                ("--option", "adapter_options"),
                ("--map", "mapping"),
                ("--claims-map", "claims_mapping"),
                ("--events-map", "events_mapping"),
            ):
                for name, value in (self.inputs.get(key) or {}).items():
                    args += [flag, f"{name}={value}"]
        for table, given in (self.inputs.get("read_options") or {}).items():
            for name, value in given.items():
                args += [f"--{table}-{name}", str(value)]
        if self.inputs.get("lenient"):
            args.append("--lenient")
        # A bundled dataset's coverage period is its default: leave it implicit.
        config = self.config
        if self.dataset is not None:
            from timing.datasets import dataset_info

            coverage = dataset_info(self.dataset).coverage
            if coverage and (f"{config.start}", f"{config.end}") == coverage:
                config = replace(config, start=None, end=None)
        return shlex.join(args + config.cli_args())

    def caution(self) -> str | None:
        """Plain warnings: too few data for power, and the bundled dataset's own caveat."""
        notes: list[str] = []
        period = self.timeline.period
        coverage = None if period is None else period.caution()
        if coverage:
            notes.append(coverage)
        plan = self.tests.get("shift_scheme")
        if plan is not None and plan.scheme != "all":
            unit = f"{self.timeline.resolution}s"
            dropped = (
                f" {plan.n_bins_dropped} {unit} at the edges of the period were left out to "
                "keep whole cycles."
                if plan.n_bins_dropped
                else ""
            )
            notes.append(
                f"Shift scheme: {plan.label()}. Why: {plan.reason}.{dropped} Shifting the "
                "events onto other weekdays or phases would read a rhythm of the claims as "
                f"clustering; {plan.n_arrangements} distinct arrangements remain, so the "
                f"smallest attainable p is {plan.min_pvalue:.3g} (--shift-scheme all "
                "overrides)."
            )
        n_shifts = getattr(self.tests.get("circular_shift"), "n_shifts", None)
        if n_shifts is not None and n_shifts < 39:
            notes.append(
                f"Caution: the period leaves only {n_shifts} admissible shifts of the event "
                f"calendar, so the smallest p-value possible is {1 / (n_shifts + 1):.3g}."
            )
        n_events = self.timeline.n_events
        claims = n_claims(self.timeline.claims_frame)
        if n_events < 20 or claims < 50:
            notes.append(
                f"Caution: with {n_events} event{'s' if n_events != 1 else ''} and {claims} "
                f"claim{'s' if claims != 1 else ''} the test has little "
                "power; a non-significant result is weak evidence of no effect."
            )
        if self.dataset is not None:
            from timing.datasets import dataset_info

            caveat = dataset_info(self.dataset).caveat
            if caveat:
                notes.append(caveat)
        return " ".join(notes) or None

    def to_dict(self, *, full: bool = False, claim_rows: bool = True) -> dict[str, Any]:
        """The JSON contract: ``timing/schemas/result.schema.json`` (see docs/json-schema.md).

        Parameters
        ----------
        full : bool
            Also include what a report needs to be redrawn (``timing report``): the binned
            series, the claim and event rows, null distributions and rejects.
        claim_rows : bool
            With ``full``, write one dict per claim under ``"claims"`` (the JSON contract).
            ``False`` puts the claim frame itself there (``Timeline.claims_frame``, typed
            columns, no dict per claim) and leaves out the tests' per-claim records: for the
            report of millions of claims, not for JSON.
        """
        t = self.timeline
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "timing_version": __version__,
            "dataset": self.dataset,
            "inputs": self.inputs,
            "rows": {name: acc.to_dict() for name, acc in self.accounting.items()},
            "excluded": t.excluded,
            "params": self.config.to_dict(),
            "period": {
                "start": f"{t.start:%Y-%m-%d}",
                "end": f"{t.end:%Y-%m-%d}",
                **(
                    {}
                    if t.period is None
                    else {
                        "source": t.period.source,
                        "reason": t.period.describe(),
                        "spans": t.period.to_dict()["spans"],
                        "far_dates": t.period.to_dict()["far_dates"],
                    }
                ),
            },
            "counts": {"claims": float(t.claims.sum()), "events": t.n_events, "bins": t.n_bins},
            "headline": self.headline(),
            "rerun": self.rerun_command(),
            "caution": self.caution(),
            "tests": json_tests(self.tests, full=full, per_claim=claim_rows),
            "skipped": dict(self.skipped),
            "read_notes": self.read_notes(),
            "anomalies": {
                name: [plain(getattr(a, "to_dict", lambda a=a: str(a))()) for a in table.anomalies]
                for name, table in (("claims", self.claims_table), ("events", self.events_table))
            },
            "report": self.report_path,
        }
        if full:
            out["timeline"] = {
                "start": f"{t.start:%Y-%m-%d}" if t.resolution == "day" else t.start.isoformat(),
                "resolution": t.resolution,
                "claims": t.claims.tolist(),
                "event_bins": t.event_bins.tolist(),
            }
            out["claims"] = json_records(t.claims_frame) if claim_rows else t.claims_frame
            out["events"] = json_records(t.events_frame)
            out["rejects"] = {
                "claims": json_records(self.claims_table.rejects),
                "events": json_records(self.events_table.rejects),
            }
        if self.per_event is not None:
            out["per_event"] = json_records(self.per_event)
        if self.scan is not None:
            out["scan"] = self.scan.to_dict(full=full)
        if self.robustness is not None:
            out["robustness"] = self.robustness.to_dict(full=full)
        return out


def _fmt_interval(low: float, high: float | None = None) -> str:
    """Interval ends to one decimal, or both to two where one would read as exactly 1.

    An end of 0.96 shown as "1.0" reads as an interval that excludes 1 (no effect).

    >>> _fmt_interval(0.96, 1.63), _fmt_interval(1.2, 1.7), _fmt_interval(1.04)
    ('0.96-1.63', '1.2-1.7', '1.04')
    """
    ends = [v for v in (low, high) if v is not None]
    close = any(f"{v:.1f}" == "1.0" and v != 1.0 for v in ends)
    return "-".join(f"{v:.2f}" if close else f"{v:.1f}" for v in ends)


def _fmt_p(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"
