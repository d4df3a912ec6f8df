"""Exact circular-shift randomization test of claims clustering in event windows.

The test keeps both series as they are (the claims' burstiness, the events' spacing)
and asks where the observed alignment ranks among all rigid shifts of the event calendar
around the study period. For a claim series ``c`` of length ``T`` and the window weights
``m`` of the events, the statistic for shift ``s`` is

.. math:: S(s) = \\sum_t c_t \\, m_{(t - s) \\bmod T},

the claims that fall in the windows of the events moved ``s`` bins later. All ``T`` values
are one circular cross-correlation, computed by FFT in ``O(T log T)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from timing._shifts import (
    LARGE_PRIME,
    Correlator,
    admissible_shifts,
    circular_cross_correlation,
    detrended,
    fast_length,
)
from timing.errors import TimingInputError
from timing.stats._common import Alternative, monte_carlo_pvalue, rate_ratio, result_dict
from timing.stats.base import ResultDisplay

if TYPE_CHECKING:
    from timing.timeline import Timeline, WindowForm

__all__ = [
    "LARGE_PRIME",
    "CircularShiftResult",
    "Correlator",
    "admissible_shifts",
    "circular_cross_correlation",
    "circular_shift_test",
    "detrended",
    "fast_length",
]


@dataclass(frozen=True, slots=True)
class CircularShiftResult(ResultDisplay):
    """Result of :func:`circular_shift_test`.

    Attributes
    ----------
    statistic : float
        Claims in the event windows (weighted by the window form) at the observed alignment.
    expected : float
        Mean of the statistic over the admissible shifts.
    rate_ratio : float
        Claims per bin inside the (union) windows over claims per bin outside.
    pvalue : float
        ``(1 + #{S(s) at least as extreme as S(0)}) / (1 + n_shifts)``.
    alternative : str
        ``"greater"`` (claims cluster in windows), ``"less"`` or ``"two-sided"``.
    n_shifts : int
        Number of admissible shifts ``S``.
    min_shift, max_shift : int or None
        Range of circular shift distances used.
    offsets : tuple of int
        Window offsets relative to the event bin (``None`` for anticipation windows).
    form : str
        ``"union"`` or ``"per_event"``.
    detrend : int or None
        Moving-average span subtracted from the claims before computing the statistic.
    window_bins : int
        Bins covered by the union of the observed windows.
    shifts : numpy.ndarray
        The admissible shifts.
    null_distribution : numpy.ndarray
        The statistic at each admissible shift.
    ci_low, ci_high : float or None
        An interval for ``rate_ratio`` when one was attached (e.g. by
        :func:`timing.stats.bootstrap.block_bootstrap_rate_ratio` in :mod:`timing.analysis`);
        the test itself gives none.
    method : str
        Name shown in tables.
    """

    statistic: float
    expected: float
    rate_ratio: float
    pvalue: float
    alternative: str
    n_shifts: int
    min_shift: int
    max_shift: int | None
    offsets: tuple[int, int] | None
    form: str
    detrend: int | None
    window_bins: int
    shifts: np.ndarray = field(repr=False)
    null_distribution: np.ndarray = field(repr=False)
    ci_low: float | None = None
    ci_high: float | None = None
    method: str = "Circular-shift randomization (exact, all shifts)"

    @property
    def effect(self) -> float:
        """The rate ratio, under the name every primary result uses."""
        return self.rate_ratio

    def summary(self) -> str:
        """One paragraph for people."""
        where = (
            "anticipation windows"
            if self.offsets is None
            else f"windows {self.offsets[0]}..{self.offsets[1]}"
        )
        return (
            f"Circular-shift test ({where}, {self.form}): statistic {self.statistic:g} vs "
            f"{self.expected:.2f} expected over {self.n_shifts} shifts; rate ratio "
            f"{self.rate_ratio:.2f}; p = {self.pvalue:.4g} ({self.alternative})."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON; the shifts and null distribution only when ``full``."""
        out = result_dict(self, exclude=("null_distribution", "shifts"))
        out["effect"] = self.rate_ratio
        if full:
            out["shifts"] = self.shifts.tolist()
            out["null_distribution"] = self.null_distribution.tolist()
        return out


def _test_iv(
    counts: np.ndarray, weights: np.ndarray, min_shift: int, max_shift: int | None
) -> None:
    if counts.ndim != 1 or weights.shape != counts.shape:
        raise TimingInputError(
            "counts and weights must be 1-D of the same length, "
            f"got {counts.shape} and {weights.shape}"
        )
    if min_shift < 1:
        raise TimingInputError(f"min_shift must be at least 1, got {min_shift}")
    if max_shift is not None and max_shift < min_shift:
        raise TimingInputError(f"max_shift ({max_shift}) must be at least min_shift ({min_shift})")
    if not np.any(weights):
        raise TimingInputError("no bin lies inside an event window; widen the window or the period")


def circular_shift_test(
    timeline: Timeline | None = None,
    offsets: tuple[int, int] = (-3, -1),
    *,
    counts: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    form: WindowForm = "union",
    anticipation: bool = False,
    min_shift: int | None = None,
    max_shift: int | None = None,
    detrend: int | None = None,
    alternative: Alternative = "greater",
    shifts: np.ndarray | None = None,
) -> CircularShiftResult:
    """Exact randomization test over every admissible circular shift of the events.

    Parameters
    ----------
    timeline : Timeline, optional
        Claims and events on a grid. Alternatively pass ``counts`` and ``weights``.
    offsets : tuple of int
        Inclusive window offsets relative to each event bin; ``(-3, -1)`` = 3 bins before.
    counts, weights : numpy.ndarray, optional
        The claim series and the window weights directly (overrides ``timeline``).
    form : {"union", "per_event"}
        Union of windows (each bin once) or per-event windows (overlaps count per event).
    anticipation : bool
        Use each event's anticipation window ``[announced, e - 1]`` instead of ``offsets``.
    min_shift : int, optional
        Smallest circular shift distance; default the window length, so that no shifted
        window overlaps its own observed window.
    max_shift : int, optional
        Largest shift distance (block-local shifts, a guard against trend); default none.
    detrend : int, optional
        Subtract a centred moving average of this many bins from the claims first, so that
        a slow trend shared with the event calendar does not count as clustering.
    alternative : {"greater", "less", "two-sided"}
        ``"greater"`` tests for more claims in windows than the shifts give.
    shifts : numpy.ndarray, optional
        The shifts to compare with (in ``1..T-1``), e.g. whole weeks only from
        :func:`timing.stats.calendar.plan_shifts`; default every admissible shift.

    Returns
    -------
    CircularShiftResult

    Notes
    -----
    Under the null hypothesis that the event calendar's phase is unrelated to the claims,
    every admissible shift is as likely as the observed one, so the rank of ``S(0)`` among
    ``{S(s)}`` is uniform and ``p = (1 + #{S(s) >= S(0)}) / (1 + n_shifts)`` is exact (up to
    ties). Because the whole claim series and the whole calendar move rigidly, their
    autocorrelation and burstiness are preserved: a day-shuffle surrogate destroys them and
    rejects far too often on bursty claims. Windows are truncated at the period's edges in
    the observed calendar and rotated with it, so ``S(0)`` is the observed statistic.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> counts = rng.poisson(1.0, 365).astype(float)
    >>> from timing.timeline import window_weights
    >>> w = window_weights(np.arange(20, 365, 30), 365, (-3, -1))
    >>> res = circular_shift_test(counts=counts, weights=w)
    >>> 0 < res.pvalue <= 1
    True
    """
    if counts is None or weights is None:
        if timeline is None:
            raise TimingInputError("pass a timeline, or counts and weights")
        counts = timeline.claims
        weights = timeline.weights(offsets, form=form, anticipation=anticipation)
    counts = np.asarray(counts, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if anticipation:
        offsets_used: tuple[int, int] | None = None
        default_min = 7
    else:
        offsets_used = (int(offsets[0]), int(offsets[1]))
        default_min = offsets_used[1] - offsets_used[0] + 1
    min_shift = default_min if min_shift is None else int(min_shift)
    _test_iv(counts, weights, min_shift, max_shift)

    series = detrended(counts, detrend) if detrend is not None else counts
    all_shifts = circular_cross_correlation(series, weights)
    if shifts is None:
        shifts = admissible_shifts(counts.shape[0], min_shift, max_shift)
    else:
        shifts = np.asarray(shifts, dtype=np.int64)
        if shifts.size and (shifts.min() < 1 or shifts.max() >= counts.shape[0]):
            raise TimingInputError(f"shifts must lie in 1..{counts.shape[0] - 1}")
    if shifts.size == 0:
        raise TimingInputError(
            f"no admissible shift: the period ({counts.shape[0]} bins) is too short for "
            f"min_shift={min_shift}" + (f", max_shift={max_shift}" if max_shift else "")
        )
    observed = float(all_shifts[0])
    null = all_shifts[shifts]
    return CircularShiftResult(
        statistic=observed,
        expected=float(null.mean()),
        rate_ratio=rate_ratio(counts, weights),
        pvalue=monte_carlo_pvalue(observed, null, alternative),
        alternative=alternative,
        n_shifts=int(shifts.size),
        min_shift=min_shift,
        max_shift=max_shift,
        offsets=offsets_used,
        form=form,
        detrend=detrend,
        window_bins=int(np.count_nonzero(weights)),
        shifts=shifts,
        null_distribution=null,
    )
