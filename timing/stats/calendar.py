"""Calendar-aware circular shifts: which rotations of the event calendar are fair null draws.

The circular-shift test (:mod:`timing.stats.circular`) treats every rotation of the event
calendar as equally likely under the null. Two kinds of calendar structure break that:

- **Weekdays.** Diplomacy happens on working days, so events concentrate on some weekdays,
  and claims often have a weekly rhythm of their own (a ministry that publishes less on
  Sundays). A shift by 3 days moves a Tuesday window onto Fridays: the null then compares
  the observed windows with windows on other weekdays, and a weekday rhythm in the claims
  reads as clustering. Shifting only by multiples of 7 days keeps every window on its
  weekdays.
- **A periodic calendar.** Events every 14 days, on a period that is not a whole number of
  14-day cycles, wrap some shifted windows off-phase. Trimming the period to whole cycles
  and shifting by multiples of the cycle keeps the phase.

:func:`detect_structure` looks for both, :func:`plan_shifts` turns what it found (or the
scheme a user forces) into the allowed shifts of a period trimmed to whole cycles, and
:func:`calendar_shift_test` runs the circular-shift test over them. Restricting the shifts
to a subgroup of the rotations keeps the test exact: under the null the observed calendar is
one of the ``n_arrangements`` equally likely positions, so the smallest attainable p-value is
``1 / n_arrangements``, which the plan reports.

Detection rules (documented so that a reader can check them):

- events are **weekday-concentrated** when a chi-square statistic of the events' start
  weekdays against a uniform spread has a Monte Carlo p-value below
  :data:`WEEKDAY_ALPHA` (exact for any number of events; a fixed internal seed makes it
  deterministic), with at least :data:`MIN_EVENTS_WEEKDAY` events;
- the calendar is **periodic** with period ``P >= 2`` bins when at least
  :data:`MIN_EVENTS_PERIOD` distinct event starts are spaced by multiples of ``P`` in at
  least :data:`PERIOD_SHARE` of their gaps, ``P`` being the greatest common divisor of the
  gaps or, failing that, their most common gap; a period longer than a quarter of the study
  period is ignored;
- the claims' weekday rhythm (claims per weekday, and a Friedman test over whole weeks,
  which is robust to bursts that span weeks) is reported but does not choose the scheme: a
  rhythm test on bursty daily counts is unreliable, and the weekly scheme stays exact and
  costs little when the claims have no rhythm.

The schemes:

- ``"all"``: every shift of the whole period (the original test);
- ``"weekly"``: shifts by whole weeks only, on a period trimmed to whole weeks (to whole
  cycles of ``lcm(7 days, P)`` when the calendar also has a period ``P``);
- ``"periodic"``: shifts of any length on a period trimmed to whole cycles of the calendar's
  period ``P``. A calendar that repeats over the whole period has only ``P`` distinct
  positions, so its smallest attainable p-value is ``1 / P``.

``"auto"`` chooses ``"weekly"`` for a weekday-concentrated calendar, else ``"periodic"`` for
a periodic one, else ``"all"``. In every scheme, shifts that reproduce the observed calendar
(a calendar repeating every ``P`` bins, shifted by a multiple of ``P``) are not counted as
null draws, and shifts giving the same calendar are counted once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from timing._shifts import admissible_shifts, circular_cross_correlation
from timing.errors import TimingInputError
from timing.stats._common import Alternative, plain
from timing.stats.base import ResultDisplay
from timing.stats.calendar_structure import (
    MIN_EVENTS_PERIOD,
    MIN_EVENTS_WEEKDAY,
    PERIOD_SHARE,
    WEEKDAY_ALPHA,
    CalendarStructure,
    detect_structure,
    event_weekdays,
)
from timing.stats.circular import CircularShiftResult, circular_shift_test

__all__ = [
    "MIN_EVENTS_PERIOD",
    "MIN_EVENTS_WEEKDAY",
    "PERIOD_SHARE",
    "SHIFT_SCHEMES",
    "WEEKDAY_ALPHA",
    "CalendarStructure",
    "ShiftPlan",
    "ShiftScheme",
    "calendar_shift_test",
    "detect_structure",
    "event_weekdays",
    "plan_shifts",
]

ShiftScheme = Literal["auto", "all", "weekly", "periodic"]
SHIFT_SCHEMES: tuple[str, ...] = ("auto", "all", "weekly", "periodic")


@dataclass(frozen=True, slots=True)
class ShiftPlan(ResultDisplay):
    """Which shifts of the event calendar the test uses, on which part of the period, and why.

    Attributes
    ----------
    scheme : {"all", "weekly", "periodic"}
        The scheme used.
    requested : {"auto", "all", "weekly", "periodic"}
        The scheme asked for.
    reason : str
        Why this scheme, in words.
    step : int
        Shifts are multiples of this many bins (1, or a week).
    cycle : int
        The period was trimmed to a whole number of cycles of this many bins.
    keep_start, keep_stop : int
        The bins used: ``keep_start <= t < keep_stop``.
    n_bins_dropped : int
        Bins left out by the trimming.
    n_arrangements : int
        Distinct positions of the calendar compared: the observed one and the null's.
    min_pvalue : float
        Smallest p-value attainable, ``1 / n_arrangements``.
    structure : CalendarStructure
    shifts : numpy.ndarray
        The shifts of the trimmed period, one per distinct arrangement.
    """

    scheme: str
    requested: str
    reason: str
    step: int
    cycle: int
    keep_start: int
    keep_stop: int
    n_bins_dropped: int
    n_arrangements: int
    min_pvalue: float
    structure: CalendarStructure
    shifts: np.ndarray = field(repr=False)
    method: str = "Calendar of admissible shifts"

    def summary(self) -> str:
        """One line for people."""
        return (
            f"Shift scheme {self.scheme}: {self.reason}; {self.n_arrangements} distinct "
            f"arrangements, smallest attainable p = {self.min_pvalue:.3g}"
        )

    def label(self) -> str:
        """Short name of the scheme for the method column."""
        return {
            "all": "all shifts",
            "weekly": "shifts by whole weeks",
            "periodic": f"all shifts, period trimmed to whole {self.cycle}-bin cycles",
        }[self.scheme]

    def slice(self, values: np.ndarray) -> np.ndarray:
        """``values`` restricted to the bins the plan keeps."""
        return np.asarray(values)[..., self.keep_start : self.keep_stop]

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON (the shifts only with ``full=True``)."""
        out = {
            name: plain(getattr(self, name))
            for name in ShiftPlan.__slots__
            if name not in ("shifts", "structure")
        }
        out["structure"] = plain(self.structure)
        out["structure"]["description"] = self.structure.describe()
        if full:
            out["shifts"] = self.shifts.tolist()
        return out


def _choose(scheme: str, s: CalendarStructure, week: int, n_bins: int) -> tuple[str, int, int, str]:
    """(scheme, step, cycle, reason) for a requested scheme and a detected structure."""
    if scheme not in SHIFT_SCHEMES:
        raise TimingInputError(
            f"shift scheme {scheme!r}: expected one of {', '.join(SHIFT_SCHEMES)}"
        )
    forced = "" if scheme == "auto" else "chosen with --shift-scheme; "
    if scheme == "auto":
        scheme = "weekly" if s.weekday_concentrated else "periodic" if s.period else "all"
    if scheme == "all":
        why = "no weekday concentration or period in the event calendar"
        return "all", 1, 1, forced + (why if not forced else "every shift")
    if scheme == "weekly":
        cycle = week
        if s.period and math.lcm(week, s.period) <= n_bins // 4:
            cycle = math.lcm(week, s.period)
        why = f"the events concentrate on some weekdays: {s.describe()}"
        return "weekly", week, cycle, forced + (why if not forced else s.describe())
    if not s.period:
        raise TimingInputError(
            "shift scheme 'periodic': the event calendar has no period (fewer than "
            f"{PERIOD_SHARE:.0%} of the gaps between event starts share a common step); use "
            "--shift-scheme weekly or all"
        )
    why = f"the event calendar is periodic: {s.describe()}"
    return "periodic", 1, s.period, forced + (why if not forced else s.describe())


def _trim(weights: np.ndarray, cycle: int) -> tuple[int, int]:
    """The window of whole cycles that keeps the most event-window weight (earliest on ties)."""
    n = weights.shape[-1]
    keep = n - n % cycle
    if keep == n:
        return 0, n
    totals = np.array([weights[o : o + keep].sum() for o in range(n - keep + 1)])
    start = int(np.argmax(totals >= totals.max() - 1e-9))
    return start, start + keep


def _distinct_shifts(
    weights: np.ndarray, step: int, min_shift: int, max_shift: int | None
) -> np.ndarray:
    """Shifts by multiples of ``step``, one per distinct rotated calendar, not the observed."""
    n = weights.shape[0]
    auto = circular_cross_correlation(weights, weights)
    same = np.isclose(auto, auto[0], rtol=1e-12, atol=1e-9)
    self_period = int(np.flatnonzero(same[1:])[0] + 1) if same[1:].any() else n
    shifts = admissible_shifts(n, 1)
    shifts = shifts[shifts % step == 0]
    residue = shifts % self_period
    distance = np.minimum(residue, self_period - residue)
    ok = (residue != 0) & (distance >= max(min_shift, 1))
    if max_shift is not None:
        ok &= distance <= max_shift
    shifts = shifts[ok]
    _, first = np.unique(shifts % self_period, return_index=True)
    return np.sort(shifts[first])


def plan_shifts(
    counts: np.ndarray,
    weights: np.ndarray,
    event_bins: np.ndarray,
    *,
    scheme: ShiftScheme = "auto",
    start_weekday: int = 0,
    bins_per_day: int = 1,
    min_shift: int = 1,
    max_shift: int | None = None,
) -> ShiftPlan:
    """Choose the shift scheme, trim the period to whole cycles and list the shifts.

    Parameters
    ----------
    counts, weights : numpy.ndarray
        Claims per bin and the observed window weights, length ``T``.
    event_bins : numpy.ndarray
        Start bin of each event.
    scheme : {"auto", "all", "weekly", "periodic"}
        ``"auto"`` decides from :func:`detect_structure`; the others force a scheme.
    start_weekday, bins_per_day : int
        Weekday of bin 0 (0 = Monday) and bins per day.
    min_shift, max_shift : int
        Range of circular shift distances, in bins.

    Returns
    -------
    ShiftPlan

    Raises
    ------
    TimingInputError
        For an unknown scheme, ``"periodic"`` on a calendar without a period, or a plan
        that leaves no shift.
    """
    weights = np.asarray(weights, dtype=np.float64)
    n_bins = weights.shape[0]
    structure = detect_structure(
        counts, event_bins, start_weekday=start_weekday, bins_per_day=bins_per_day
    )
    chosen, step, cycle, reason = _choose(scheme, structure, 7 * bins_per_day, n_bins)
    lo, hi = _trim(weights, cycle)
    shifts = _distinct_shifts(weights[lo:hi], step, min_shift, max_shift)
    if shifts.size == 0:
        raise TimingInputError(
            f"shift scheme {chosen!r} leaves no admissible shift of the event calendar on "
            f"the {hi - lo}-bin period (shifts by multiples of {step} bins, at least "
            f"{min_shift} apart); use a longer period or --shift-scheme all"
        )
    n_arr = int(shifts.size) + 1
    return ShiftPlan(
        scheme=chosen,
        requested=scheme,
        reason=reason,
        step=step,
        cycle=cycle,
        keep_start=lo,
        keep_stop=hi,
        n_bins_dropped=n_bins - (hi - lo),
        n_arrangements=n_arr,
        min_pvalue=1.0 / n_arr,
        structure=structure,
        shifts=shifts,
    )


def calendar_shift_test(
    counts: np.ndarray,
    weights: np.ndarray,
    event_bins: np.ndarray,
    *,
    scheme: ShiftScheme = "auto",
    start_weekday: int = 0,
    bins_per_day: int = 1,
    offsets: tuple[int, int] = (-3, -1),
    anticipation: bool = False,
    min_shift: int | None = None,
    max_shift: int | None = None,
    detrend: int | None = None,
    alternative: Alternative = "greater",
) -> tuple[CircularShiftResult, ShiftPlan]:
    """The circular-shift test over the shifts a :class:`ShiftPlan` allows.

    Parameters are those of :func:`plan_shifts` and
    :func:`timing.stats.circular.circular_shift_test`.

    Returns
    -------
    tuple
        ``(result, plan)``: the test on the trimmed period (its ``rate_ratio`` too) and the
        plan behind it. With ``scheme="all"`` on an aperiodic calendar the result equals
        :func:`~timing.stats.circular.circular_shift_test` exactly.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> from timing.timeline import window_weights
    >>> ev = np.arange(8, 728, 28)                     # every fourth Tuesday
    >>> w = window_weights(ev, 730, (-3, -1))
    >>> res, plan = calendar_shift_test(rng.poisson(1.0, 730), w, ev)
    >>> plan.scheme, plan.step, plan.cycle, plan.n_bins_dropped, plan.n_arrangements
    ('weekly', 7, 28, 2, 4)
    """
    if anticipation:
        default_min = 7 * bins_per_day
    else:
        default_min = int(offsets[1]) - int(offsets[0]) + 1
    min_used = default_min if min_shift is None else int(min_shift)
    plan = plan_shifts(
        counts,
        weights,
        event_bins,
        scheme=scheme,
        start_weekday=start_weekday,
        bins_per_day=bins_per_day,
        min_shift=min_used,
        max_shift=max_shift,
    )
    result = circular_shift_test(
        counts=plan.slice(np.asarray(counts, dtype=np.float64)),
        weights=plan.slice(np.asarray(weights, dtype=np.float64)),
        offsets=offsets,
        anticipation=anticipation,
        min_shift=min_used,
        max_shift=max_shift,
        detrend=detrend,
        alternative=alternative,
        shifts=plan.shifts,
    )
    return replace(result, method=f"Circular-shift randomization (exact, {plan.label()})"), plan
