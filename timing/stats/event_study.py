"""Event-study profile: claims by relative bin around events, against a baseline.

For events at bins ``e_1..e_n`` and relative bins ``r = -K..K`` the profile is the mean of
``c[e_i + r]`` over the events, the baseline is the claims per bin away from all events, and
the abnormal claims are profile minus baseline. The cumulative abnormal claims over the
pre-event bins ``-K..-1`` is the test statistic; its null is every admissible circular shift
of the event calendar, all computed by one FFT cross-correlation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from timing._shifts import admissible_shifts, circular_cross_correlation
from timing.errors import TimingInputError
from timing.stats._common import result_dict
from timing.stats.base import ResultDisplay
from timing.stats.bootstrap import (
    default_block,
    draw_block_starts,
    percentile_interval,
    resampled_totals,
)
from timing.timeline import window_weights

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["EventStudyResult", "event_study", "lag_profile"]

Baseline = Literal["outside", "all"]

#: Ties between float statistics of different shifts: values closer than this (relative to
#: the largest absolute value) count as equal, so FFT round-off cannot break a tie.
_TIE = 1e-9


def lag_profile(counts: np.ndarray, event_series: np.ndarray) -> np.ndarray:
    """Claims at every relative lag of every event at once: ``L[j] = sum_t e[t] c[(t+j) % T]``.

    Parameters
    ----------
    counts : numpy.ndarray
        Claims per bin, shape ``(T,)``.
    event_series : numpy.ndarray
        Events starting in each bin (:meth:`Timeline.event_series`), shape ``(T,)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(T,)``. ``L[j]`` sums the claims ``j`` bins after each event (circularly);
        a negative lag ``-r`` is ``L[T - r]``, i.e. ``L[-r]`` in NumPy indexing.

    Notes
    -----
    ``L`` is the circular cross-correlation of the claims with the event series, computed by
    :func:`timing.stats.circular.circular_cross_correlation` in ``O(T log T)``. Divided by
    the number of events it is the event-study profile of a calendar that wraps around the
    period; ``L[s + r]`` is the profile at lag ``r`` of the calendar shifted by ``s``.

    Examples
    --------
    >>> c = np.array([0.0, 1, 0, 2, 0]); ev = np.array([0, 0, 1, 0, 0])
    >>> lag_profile(c, ev).tolist()
    [0.0, 2.0, 0.0, 0.0, 1.0]
    """
    counts = np.asarray(counts, dtype=np.float64)
    event_series = np.asarray(event_series, dtype=np.float64)
    if counts.ndim != 1 or event_series.shape != counts.shape:
        raise TimingInputError(
            "counts and event_series must be 1-D of the same length, "
            f"got {counts.shape} and {event_series.shape}"
        )
    return circular_cross_correlation(counts, event_series) + 0.0  # no -0.0 from rounding


@dataclass(frozen=True, slots=True)
class EventStudyResult(ResultDisplay):
    """Result of :func:`event_study`.

    Attributes
    ----------
    method : str
        Human name of the test.
    statistic : float
        Cumulative abnormal claims over the pre-event bins ``-K..-1``.
    pvalue : float
        Circular-shift p-value of ``statistic`` (alternative: more claims before events).
    effect : float or None
        Mean claims per bin over ``-K..-1`` divided by the baseline (a rate ratio).
    ci_low, ci_high : float or None
        Bootstrap percentile interval of ``effect``.
    k : int
        Half-width ``K`` of the profile.
    relative : numpy.ndarray
        Relative bins ``-K..K``.
    mean, lower, upper : numpy.ndarray
        Mean claims per event at each relative bin and its bootstrap band.
    baseline : float
        Expected claims per bin (see ``baseline_kind``).
    abnormal : numpy.ndarray
        ``mean - baseline``.
    cumulative_abnormal : float
        ``sum(abnormal[-K..-1])``, the same as ``statistic``.
    n_available : numpy.ndarray
        Events whose relative bin lies inside the period, per relative bin.
    n_events : int
        Events in the period.
    baseline_kind : str
        ``"outside"`` or ``"all"``.
    block, n_boot : int
        Bootstrap block length (bins) and replicates.
    alpha : float
        Bands and interval have nominal level ``1 - alpha``.
    n_shifts, min_shift : int
        Admissible circular shifts used for the p-value.
    null_distribution : numpy.ndarray
        The statistic at each admissible shift (left out of ``to_dict``).
    """

    method: str
    statistic: float
    pvalue: float
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    k: int
    relative: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    baseline: float
    abnormal: np.ndarray
    cumulative_abnormal: float
    n_available: np.ndarray
    n_events: int
    baseline_kind: str
    block: int
    n_boot: int
    alpha: float
    n_shifts: int
    min_shift: int
    null_distribution: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """One paragraph for people."""
        level = round(100 * (1 - self.alpha))
        return (
            f"Event study (K = {self.k}, {self.n_events} events, baseline {self.baseline_kind} "
            f"{self.baseline:.3f}/bin): cumulative abnormal claims over -{self.k}..-1 = "
            f"{self.statistic:+.2f}, p = {self.pvalue:.4g} over {self.n_shifts} circular shifts; "
            f"pre-event rate {self.effect:.2f}x baseline ({level} % CI {self.ci_low:.2f}-"
            f"{self.ci_high:.2f}, event-block bootstrap, block {self.block})."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON (the profile arrays are short and included)."""
        return result_dict(self, exclude=() if full else ("null_distribution",))


def _iv(timeline: Timeline, k: int, baseline: str, n_boot: int, alpha: float) -> None:
    if k < 1:
        raise TimingInputError(f"k must be at least 1 bin, got {k}")
    if 2 * k + 1 > timeline.n_bins:
        raise TimingInputError(f"k = {k}: the profile -k..k is longer than the period")
    if baseline not in ("outside", "all"):
        raise TimingInputError(f"baseline must be 'outside' or 'all', got {baseline!r}")
    if n_boot < 1:
        raise TimingInputError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < alpha < 1:
        raise TimingInputError(f"alpha must be in (0, 1), got {alpha}")
    if timeline.n_events == 0:
        raise TimingInputError("the timeline has no events")


def event_study(
    timeline: Timeline,
    k: int = 14,
    *,
    baseline: Baseline = "outside",
    n_boot: int = 1000,
    block: int | None = None,
    alpha: float = 0.05,
    min_shift: int | None = None,
    seed: int | np.random.Generator | None = 0,
) -> EventStudyResult:
    """Claims at relative bins ``-K..K`` around events, abnormal claims and bootstrap bands.

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid.
    k : int
        Half-width ``K`` of the profile in bins.
    baseline : {"outside", "all"}
        ``"outside"``: mean claims per bin over the bins outside every ``[e-K, e+K]``;
        ``"all"``: mean claims per bin over the whole period.
    n_boot : int
        Bootstrap replicates for the bands.
    block : int, optional
        Bootstrap block length; default ``max(2 (2K+1), round(T^(1/3)))``.
    alpha : float
        Bands are pointwise ``1 - alpha`` percentile bands.
    min_shift : int, optional
        Smallest circular shift for the p-value; default ``2K + 1``, so that no shifted
        ``-K..K`` window overlaps its own observed window.
    seed : int, numpy.random.Generator or None
        Seed for the bootstrap; same seed, same bands.

    Returns
    -------
    EventStudyResult

    Notes
    -----
    *Profile.* ``mean[r] = (1 / n_r) sum_{i: 0 <= e_i + r < T} c[e_i + r]`` where ``n_r`` is
    the number of events whose bin ``e_i + r`` lies in the period: an event too close to an
    edge contributes only the bins that exist (``n_available`` shows how many). ``abnormal
    = mean - b`` with ``b`` the baseline, and the statistic is
    ``CA = sum_{r=-K}^{-1} abnormal[r]``.

    *p-value.* ``CA`` is linear in the claims: ``CA = sum_t c_t v_t`` with
    ``v = sum_{r<0} (1/n_r) #{i: e_i + r = t} - K o_t / sum(o)`` (``o`` the indicator of
    bins outside all ``-K..K`` windows; ``o = 1`` for ``baseline="all"``). Rotating ``v`` by
    ``s`` gives ``CA`` for the calendar shifted ``s`` bins, so all shifts are one circular
    cross-correlation (when no window is cut by an edge this is
    ``sum_r L[s + r] / n - K b(s)`` with ``L`` from :func:`lag_profile`). The p-value is
    ``(1 + #{CA(s) >= CA(0)}) / (1 + S)`` over the admissible shifts, exact as in
    :func:`timing.stats.circular.circular_shift_test`.

    *Bands.* A moving-block bootstrap of the event calendar: each replicate draws
    ``ceil(T / L)`` circular blocks of ``L`` bins and keeps the events that start inside them,
    each with its whole profile read from the observed series; the baseline is recomputed on
    the drawn bins. Events close in time (talks on consecutive days) share claim bursts and are
    drawn together, so the bands reflect burstiness and event clustering, which resampling
    events one by one would ignore; cutting the series itself into blocks would chop profiles
    at block edges. Bands are pointwise percentiles of the replicate means.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import build_timeline
    >>> days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(0, 300, 3)]
    >>> claims = pl.DataFrame({"date": days, "actor": "RU MoD", "kind": "capture"})
    >>> events = pl.DataFrame({"date": [dt.date(2025, 3, 1), dt.date(2025, 7, 1)],
    ...                        "kind": "talks"})
    >>> res = event_study(build_timeline(claims, events), k=7, n_boot=200)
    >>> res.relative.tolist()[:3], res.n_events
    ([-7, -6, -5], 2)
    """
    k = int(k)
    _iv(timeline, k, baseline, n_boot, alpha)
    counts = np.asarray(timeline.claims, dtype=np.float64)
    n = counts.shape[0]
    ev = np.asarray(timeline.event_bins, dtype=np.int64)
    rel = np.arange(-k, k + 1)
    pos = ev[:, None] + rel[None, :]
    avail = (pos >= 0) & (pos < n)
    values = np.where(avail, counts[np.clip(pos, 0, n - 1)], 0.0)
    n_avail = avail.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(axis=0) / n_avail

    if baseline == "outside":
        outside = (window_weights(ev, n, (-k, k), form="union") == 0).astype(np.float64)
        if not outside.any():
            raise TimingInputError(f"k = {k}: no bin lies outside every event window")
    else:
        outside = np.ones(n)
    base = float(counts @ outside / outside.sum())
    abnormal = mean - base
    pre = rel < 0
    if np.any(n_avail[pre] == 0):
        raise TimingInputError("no event has bins before it inside the period")
    cumulative = float(abnormal[pre].sum())
    effect = float(mean[pre].mean() / base) if base > 0 else float("nan")

    # p-value over all circular shifts: CA(s) = sum_t c_t v_{(t - s) mod T}
    v = np.zeros(n)
    ok = avail[:, pre]
    np.add.at(v, pos[:, pre][ok], np.broadcast_to(1.0 / n_avail[pre], ok.shape)[ok])
    v -= k * outside / outside.sum()
    all_shifts = circular_cross_correlation(counts, v)
    min_shift = 2 * k + 1 if min_shift is None else int(min_shift)
    shifts = admissible_shifts(n, min_shift)
    if shifts.size == 0:
        raise TimingInputError(f"no admissible shift: period of {n} bins, min_shift={min_shift}")
    null = all_shifts[shifts]
    tol = _TIE * max(1.0, float(np.abs(all_shifts).max()))
    pvalue = (1.0 + np.count_nonzero(null >= all_shifts[0] - tol)) / (1.0 + null.size)

    block = default_block(n, 2 * k + 1) if block is None else int(block)
    if not 1 <= block <= n:
        raise TimingInputError(f"block must be between 1 and {n} bins, got {block}")
    per_bin = np.zeros((n, 2 * rel.size + 2))
    np.add.at(per_bin[:, : rel.size], ev, values)
    np.add.at(per_bin[:, rel.size : 2 * rel.size], ev, avail.astype(np.float64))
    per_bin[:, -2] = counts * outside
    per_bin[:, -1] = outside
    tot = resampled_totals(per_bin, draw_block_starts(n, block, n_boot, seed), block)
    with np.errstate(invalid="ignore", divide="ignore"):
        rep_mean = tot[:, : rel.size] / tot[:, rel.size : 2 * rel.size]
        rep_base = tot[:, -2] / tot[:, -1]
        rep_effect = rep_mean[:, pre].mean(axis=1) / rep_base
    lower, upper = np.full(rel.size, np.nan), np.full(rel.size, np.nan)
    for j in range(rel.size):  # 2K + 1 quantiles; replicates without the bin are skipped
        lower[j], upper[j] = percentile_interval(rep_mean[:, j], alpha)
    ci_low, ci_high = percentile_interval(rep_effect, alpha)

    return EventStudyResult(
        method="Event-study cumulative abnormal claims (circular shifts)",
        statistic=cumulative,
        pvalue=float(pvalue),
        effect=effect,
        ci_low=ci_low,
        ci_high=ci_high,
        k=k,
        relative=rel,
        mean=mean,
        lower=lower,
        upper=upper,
        baseline=base,
        abnormal=abnormal,
        cumulative_abnormal=cumulative,
        n_available=n_avail,
        n_events=int(ev.size),
        baseline_kind=baseline,
        block=int(block),
        n_boot=int(n_boot),
        alpha=float(alpha),
        n_shifts=int(shifts.size),
        min_shift=min_shift,
        null_distribution=null,
    )
