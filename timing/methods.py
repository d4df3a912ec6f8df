"""The secondary methods of an analysis: what each needs, how it runs, what it returns.

:data:`METHODS` lists every method :func:`timing.analysis.analyze_tables` runs after the
primary circular-shift test, in the order the report reads them. Each :class:`Method`
declares

- ``needs``: what the data must offer (events, claims inside and outside the windows, a
  status column...), as a function returning the reason it is not met, or ``None``;
- ``run``: the call itself, from a :class:`MethodContext`;
- ``effect``: what kind of number its ``effect`` is, so that :func:`run_method` can
  withhold a fitted ratio of 1e23 (see :func:`timing.stats.base.implausible`).

:func:`run_method` returns the method's result, or a
:class:`~timing.stats.base.NotApplicable` that says why not: a method never reports a number
it cannot stand behind, and a degenerate input never turns into a traceback. Adding a
method is one module under :mod:`timing.stats` plus one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

from timing._running import run_method, start_method
from timing.claim_counts import n_claims
from timing.errors import TimingInputError
from timing.stats.base import EffectKind

if TYPE_CHECKING:
    from timing.result import AnalysisConfig
    from timing.timeline import Timeline

__all__ = [
    "METHODS",
    "Method",
    "MethodContext",
    "needs_window_split",
    "run_method",
    "start_method",
]

# Sizes of the Monte Carlo and shifted-calendar nulls are settings of AnalysisConfig
# (n_monte_carlo, event_study_bins, lag_density_shifts, predictive_shifts, scan_max_window).
#: Fewest claims for a fitted claims model (count regression, simulated null).
MIN_CLAIMS_MODEL = 10
#: Fewest events for a regression with event indicators.
MIN_EVENTS_MODEL = 3

_KNOWN_STATUSES = ("confirmed", "contested", "refuted")


@dataclass(frozen=True)
class MethodContext:
    """What every method is run from: the timeline, the configuration and the windows."""

    timeline: Timeline
    config: AnalysisConfig

    @cached_property
    def offsets(self) -> tuple[int, int]:
        """Window offsets in bins."""
        return self.config.bin_offsets()

    @cached_property
    def weights(self) -> np.ndarray:
        """Per-bin window weights of the observed calendar."""
        return self.timeline.weights(self.offsets, anticipation=self.config.anticipation)

    @cached_property
    def plan(self) -> Any:
        """The shifts of the event calendar the randomization references use.

        The same :class:`~timing.stats.calendar.ShiftPlan` as the primary test's.
        """
        from timing.stats.calendar import plan_shifts

        lo, hi = self.offsets
        default_min = 7 * self.timeline.bins_per_day if self.config.anticipation else hi - lo + 1
        return plan_shifts(
            self.timeline.claims,
            self.weights,
            self.timeline.event_bins,
            scheme=self.config.shift_scheme,
            start_weekday=self.timeline.start.weekday(),
            bins_per_day=self.timeline.bins_per_day,
            min_shift=self.config.min_shift or default_min,
            max_shift=self.config.max_shift,
        )

    @property
    def window_bins(self) -> int:
        """Length of the pre-event window in bins (at least 1)."""
        return max(-self.offsets[0], 1)

    @property
    def n_monte_carlo(self) -> int:
        """Replicates of the Monte Carlo tests."""
        return min(self.config.n_boot, self.config.n_monte_carlo)

    @property
    def half_width(self) -> int:
        """Half-width ``K`` of the event-study profile."""
        return min(self.config.event_study_bins, (self.timeline.n_bins - 1) // 2)

    @cached_property
    def claims_inside(self) -> float:
        """Claims (or summed values) in bins covered by a window."""
        return float(self.timeline.claims[self.weights > 0].sum())

    @cached_property
    def claims_outside(self) -> float:
        """Claims (or summed values) in bins covered by no window."""
        return float(self.timeline.claims[self.weights == 0].sum())

    @cached_property
    def classified(self) -> pl.DataFrame:
        """Each claim as premature and disputed, or neither when its status is unknown
        (:func:`timing.stats.premature.classify_claims`; shared by both methods' needs)."""
        from timing.stats.premature import classify_claims

        return classify_claims(self.timeline)

    @property
    def n_claims(self) -> int:
        """Claim rows in the period."""
        return n_claims(self.timeline.claims_frame) or round(self.timeline.claims.sum())


@dataclass(frozen=True)
class Method:
    """One secondary method: key, name, what it needs, how it runs, what its effect is."""

    name: str
    label: str
    run: Callable[[MethodContext], Any]
    needs: Callable[[MethodContext], str | None]
    effect: EffectKind = "empirical"
    #: The run in two parts, for :func:`start_method`: the first (in the calling thread)
    #: returns the second, which calls no BLAS and may run on another thread.
    start: Callable[[MethodContext], Callable[[], Any]] | None = None
    #: The whole run may go to another thread (:func:`start_method`): it holds no lock of
    #: its own on shared state and does not change BLAS threads.
    background: bool = False
    #: The run holds BLAS to one thread (process-wide) for a while: no method that calls
    #: BLAS may run on another thread meanwhile, or its sums could be split differently.
    limits_blas: bool = False


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def needs_window_split(ctx: MethodContext) -> str | None:
    """Why a method that compares inside with outside the windows cannot run, or None."""
    if ctx.claims_inside <= 0:
        return "no claim falls inside the event windows"
    if ctx.claims_outside <= 0:
        return "no claim falls outside the event windows"
    return None


def _needs_model(ctx: MethodContext) -> str | None:
    if ctx.n_claims < MIN_CLAIMS_MODEL:
        return (
            f"only {_count(ctx.n_claims, 'claim')}; a fitted model needs at least "
            f"{MIN_CLAIMS_MODEL}"
        )
    if ctx.timeline.n_events < MIN_EVENTS_MODEL:
        return (
            f"only {_count(ctx.timeline.n_events, 'event')}; a regression with event "
            "indicators needs "
            f"at least {MIN_EVENTS_MODEL}"
        )
    return needs_window_split(ctx)


def _needs_claims(ctx: MethodContext) -> str | None:
    return None if ctx.timeline.claims.sum() > 0 else "no claims in the study period"


def _needs_two_claims(ctx: MethodContext) -> str | None:
    if ctx.n_claims < 2:
        return f"only {ctx.n_claims} claim; a density needs at least 2"
    return None


def _needs_status(outcome: str) -> Callable[[MethodContext], str | None]:
    def needs(ctx: MethodContext) -> str | None:
        frame = ctx.timeline.claims_frame
        if "status" not in frame.columns:
            return "the claims have no status column (confirmed/contested/refuted)"
        known = frame["status"].drop_nulls().is_in(list(_KNOWN_STATUSES))
        if not known.any():
            return "no claim has an independent status (confirmed/contested/refuted)"
        per_claim = ctx.classified.filter(pl.col(outcome).is_not_null())
        values = per_claim[outcome].unique().to_list()
        if len(values) < 2:
            every = "every" if values and values[0] else "no"
            return (
                f"{every} claim of known status is {outcome}: the outcome does not vary, "
                f"so there is nothing to compare ({n_claims(per_claim)} claims of known status)"
            )
        inside = ctx.weights[per_claim["bin"].to_numpy()] > 0
        if inside.all() or not inside.any():
            where = "inside" if inside.all() else "outside"
            return f"every claim of known status falls {where} the event windows"
        return None

    return needs


def _needs_events_for_prediction(ctx: MethodContext) -> str | None:
    if ctx.timeline.n_events < 5:
        return (
            f"only {_count(ctx.timeline.n_events, 'event')}; out-of-sample prediction needs "
            "at least 5"
        )
    return _needs_claims(ctx)


#: Suffix of the methods whose p-value is shown for description only: their nulls draw
#: placebo dates per event (losing the calendar's spacing), permute blocks of claims, or
#: simulate a fitted claims model without weekday rhythm, spikes or parameter uncertainty,
#: and they rejected 7-40 % of null datasets on structured calendars (issue 11). The
#: circular-shift test over the calendar's admissible shifts is the reference.
DESCRIPTIVE = " (descriptive)"


def _descriptive(result: Any) -> Any:
    return replace(result, descriptive=True, method=result.method + DESCRIPTIVE)


def _run_placebo(ctx: MethodContext) -> Any:
    from timing.stats.placebo import weekday_placebo_test

    return _descriptive(
        weekday_placebo_test(
            ctx.timeline, ctx.offsets, n_placebo=ctx.n_monte_carlo, seed=ctx.config.seed
        )
    )


def _run_permutation(ctx: MethodContext) -> Any:
    from timing.stats.placebo import block_permutation_test

    return _descriptive(
        block_permutation_test(
            ctx.timeline, ctx.offsets, n_perm=ctx.n_monte_carlo, seed=ctx.config.seed
        )
    )


def _start_simulated_null(ctx: MethodContext) -> Callable[[], Any]:
    from timing.stats.simulated_null import simulated_null_start

    draw = simulated_null_start(
        ctx.timeline,
        ctx.offsets,
        anticipation=ctx.config.anticipation,
        n_sim=ctx.n_monte_carlo,
        seed=ctx.config.seed,
    )
    return lambda: _descriptive(draw())


def _run_simulated_null(ctx: MethodContext) -> Any:
    return _start_simulated_null(ctx)()


def _run_glm(ctx: MethodContext) -> Any:
    from timing.stats.glm import count_design, count_regression
    from timing.stats.glm_shift import glm_shift_reference

    result = count_regression(ctx.timeline, ctx.offsets, anticipation=ctx.config.anticipation)
    if not result.converged:
        raise TimingInputError("the model did not converge on these data")
    design, columns = count_design(ctx.timeline, ctx.offsets, anticipation=ctx.config.anticipation)
    plan = ctx.plan
    _, pvalue, null = glm_shift_reference(
        plan.slice(ctx.timeline.claims),
        design[plan.keep_start : plan.keep_stop],
        plan.shifts,
        dispersion=result.dispersion,
        maxlags=result.maxlags,
        event_columns=(1, 2) if "post" in columns else (1,),
        seed=ctx.config.seed,
    )
    return replace(
        result,
        pvalue=pvalue,
        pvalue_normal=result.pvalue,
        n_reference=int(null.size),
        method=f"{result.method}, p from {null.size} shifted calendars",
    )


def _run_coincidence(ctx: MethodContext) -> Any:
    from timing.stats.coincidence import event_coincidence

    return event_coincidence(ctx.timeline, ctx.offsets, min_shift=ctx.config.min_shift)


def _run_event_study(ctx: MethodContext) -> Any:
    from timing.stats.event_study import event_study

    k = ctx.half_width
    # The profile is compared with bins outside every -K..K window; when events are so
    # dense that those bins are a minority, the overall mean is the fairer baseline.
    near = ctx.timeline.weights((-k, k)).mean()
    baseline: Literal["outside", "all"] = "outside" if near <= 0.5 else "all"
    return event_study(ctx.timeline, k=k, baseline=baseline, seed=ctx.config.seed)


def _run_lags(ctx: MethodContext) -> Any:
    from timing.stats.lags import lag_distribution

    return lag_distribution(
        ctx.timeline, window=ctx.window_bins, seed=ctx.config.seed, min_shift=ctx.config.min_shift
    )


def _run_lag_density(ctx: MethodContext) -> Any:
    from timing.stats.lag_density import lag_density

    return lag_density(ctx.timeline, n_shifts=ctx.config.lag_density_shifts, seed=ctx.config.seed)


def _run_premature(outcome: str) -> Callable[[MethodContext], Any]:
    def run(ctx: MethodContext) -> Any:
        from timing.stats.premature import premature_claims

        return premature_claims(
            ctx.timeline,
            window=ctx.window_bins,
            seed=ctx.config.seed,
            outcome=outcome,  # type: ignore[arg-type]
            classified=ctx.classified,
        )

    return run


def _run_predictive(ctx: MethodContext) -> Any:
    from timing.stats.predictive import predictive_check

    return predictive_check(
        ctx.timeline, k=ctx.window_bins, n_null=ctx.config.predictive_shifts, seed=ctx.config.seed
    )


METHODS: tuple[Method, ...] = (
    Method("weekday_placebo", "Weekday-matched placebo test", _run_placebo, _needs_claims),
    Method("block_permutation", "Block permutation test", _run_permutation, _needs_claims),
    Method(
        "simulated_null",
        "Simulated null: fitted self-exciting (Hawkes) claims model",
        _run_simulated_null,
        _needs_model,
        start=_start_simulated_null,
    ),
    Method(
        "negbin_glm",
        "Negative binomial GLM (HAC)",
        _run_glm,
        _needs_model,
        "model",
        limits_blas=True,
    ),
    Method("coincidence", "Event coincidence analysis", _run_coincidence, _needs_claims),
    Method("event_study", "Event-study profile", _run_event_study, _needs_claims, background=True),
    Method("lags", "Lag distribution", _run_lags, _needs_claims, background=True),
    Method("lag_density", "Lag density", _run_lag_density, _needs_two_claims, "none"),
    Method(
        "premature",
        "Premature claims",
        _run_premature("premature"),
        _needs_status("premature"),
        "model_or_missing",
    ),
    Method(
        "disputed",
        "Disputed claims",
        _run_premature("disputed"),
        _needs_status("disputed"),
        "model_or_missing",
    ),
    Method(
        "predictive",
        "Predictive check",
        _run_predictive,
        _needs_events_for_prediction,
        "none",
    ),
)
