"""The primary test of an analysis: the calendar-aware circular shift and its interval.

:func:`run_primary` is what :func:`timing.analysis.analyze_tables` runs first. It returns

- ``circular_shift``: the circular-shift test over the shifts the calendar allows
  (:mod:`timing.stats.calendar`), on the detrended claims when the period allows it, with
  the interval below attached as ``ci_low``/``ci_high``;
- ``shift_scheme``: the :class:`~timing.stats.calendar.ShiftPlan` behind it (scheme, reason,
  distinct arrangements, smallest attainable p);
- ``rate_ratio_interval``: the interval from inverting the same test
  (:mod:`timing.stats.shift_interval`), or why it was withheld;
- ``rate_ratio_bootstrap``: the moving-block bootstrap interval, kept as a descriptive
  figure (it under-covers on spiky claims and structured calendars);
- ``circular_shift_raw``: the same test without detrending, with its own interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from timing.stats.base import NotApplicable

if TYPE_CHECKING:
    from timing.methods import MethodContext

__all__ = ["PRIMARY_LABEL", "run_primary"]

PRIMARY_LABEL = "Circular-shift randomization (exact, all shifts)"


def run_primary(ctx: MethodContext, span: int | None, say: Callable[[str], None]) -> dict[str, Any]:
    """Run the primary test, its plan and intervals.

    Parameters
    ----------
    ctx : MethodContext
        Timeline, configuration and window weights.
    span : int or None
        Detrending span in bins (``None``: no detrending).
    say : callable
        Progress callback.

    Returns
    -------
    dict
        Results by key, in the order the report lists them (see the module docstring).
    """
    from timing.methods import Method, needs_window_split, run_method
    from timing.stats.bootstrap import block_bootstrap_rate_ratio
    from timing.stats.calendar import calendar_shift_test
    from timing.stats.shift_interval import shift_interval

    timeline, cfg, weights = ctx.timeline, ctx.config, ctx.weights

    def circular(detrend: int | None, method: str) -> tuple[Any, Any]:
        result, plan = calendar_shift_test(
            timeline.claims,
            weights,
            timeline.event_bins,
            scheme=cfg.shift_scheme,
            start_weekday=timeline.start.weekday(),
            bins_per_day=timeline.bins_per_day,
            offsets=ctx.offsets,
            anticipation=cfg.anticipation,
            min_shift=cfg.min_shift,
            max_shift=cfg.max_shift,
            detrend=detrend,
        )
        if plan.scheme != "all":
            method = f"{method.removesuffix(' (exact, all shifts)')} ({plan.label()})"
        return replace(result, method=method), plan

    def interval(plan: Any, detrend: int | None) -> Any:
        return run_method(
            Method(
                "rate_ratio_interval",
                "Interval from inverting the circular-shift test",
                lambda c: shift_interval(
                    plan.slice(timeline.claims), plan.slice(weights), plan.shifts, detrend=detrend
                ),
                needs_window_split,
            ),
            ctx,
        )

    def bounds(result: Any) -> dict[str, Any]:
        if isinstance(result, NotApplicable):
            return {}
        return {"ci_low": result.ci_low, "ci_high": result.ci_high}

    say("circular-shift test")
    primary, plan = circular(span, PRIMARY_LABEL)
    say("interval of the rate ratio")
    inverted = interval(plan, span)
    boot = run_method(
        Method(
            "rate_ratio_bootstrap",
            "Moving-block bootstrap interval of the rate ratio (descriptive)",
            lambda c: block_bootstrap_rate_ratio(
                timeline.claims, weights, n_boot=cfg.n_boot, seed=cfg.seed
            ),
            needs_window_split,
        ),
        ctx,
    )
    tests: dict[str, Any] = {
        "circular_shift": replace(primary, **bounds(inverted)),
        "shift_scheme": plan,
        "rate_ratio_interval": inverted,
        "rate_ratio_bootstrap": boot,
    }
    if span is not None:
        raw, raw_plan = circular(None, "Circular-shift randomization, no detrending")
        tests["circular_shift_raw"] = replace(raw, **bounds(interval(raw_plan, None)))
    return tests
