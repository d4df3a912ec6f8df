"""A confidence interval for the window effect by inverting the circular-shift test.

Model: the claims in the bins covered by an event window are ``theta`` times what they
would have been without the events (``theta = 1``: no effect). For a candidate ``theta``,
divide the claims in the window bins by ``theta`` and run the circular-shift test (same
shifts, same detrending) on the adjusted series; the 95 % interval is every ``theta`` that
neither one-sided test rejects at 2.5 %. It inherits the test's exactness: whatever the
claims' burstiness, weekday rhythm or cycles, the true ``theta`` is excluded with
probability at most 5 % when the shift scheme is right (Rosenbaum 2002, ch. 2, for
inverting randomization tests under a multiplicative effect). The moving-block bootstrap
(:mod:`timing.stats.bootstrap`) makes no such promise and under-covers on spiky claims.

Both the statistic and the moving-average detrending are linear in the claims, so with
``c_w`` the claims inside the windows and ``k = 1 - 1/theta``

.. math:: S_\\theta(s) = A(s) - k B(s), \\quad A = D(c) \\star m, \\quad B = D(c_w) \\star m,

and every ``theta`` costs two cross-correlations computed once: the interval ends are
found by bisection on ``log theta`` to a relative precision of 1e-4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from timing._shifts import circular_cross_correlation, detrended
from timing.errors import TimingInputError
from timing.stats._common import TIE_RTOL, rate_ratio, result_dict
from timing.stats.base import ResultDisplay

__all__ = ["MIN_WINDOW_CLAIMS", "ShiftInterval", "shift_interval"]

#: Fewest claims expected inside the windows (total times window share) for an interval.
MIN_WINDOW_CLAIMS = 5
_SPAN = 1e4  # search theta within estimate / _SPAN .. estimate * _SPAN


@dataclass(frozen=True, slots=True)
class ShiftInterval(ResultDisplay):
    """Result of :func:`shift_interval`.

    Attributes
    ----------
    estimate : float
        Rate ratio on the data (claims per window bin over claims per other bin).
    ci_low, ci_high : float
        Ends of the interval; ``0`` or ``inf`` where the shifts cannot bound the effect.
    level : float
        Confidence level.
    n_arrangements : int
        Positions of the calendar compared (the observed one included).
    window_claims : float
        Claims inside the windows.
    detrend : int or None
        Moving-average span removed before the test.
    method : str
        Name shown in tables.
    """

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    n_arrangements: int
    window_claims: float
    detrend: int | None
    method: str = "Interval from inverting the circular-shift test"

    @property
    def effect(self) -> float:
        """The rate ratio."""
        return self.estimate

    def summary(self) -> str:
        """One line for people."""
        return (
            f"Rate ratio {self.estimate:.2f}x ({round(100 * self.level)} % CI "
            f"{self.ci_low:.2f}-{self.ci_high:.2f}; circular-shift test inverted over "
            f"{self.n_arrangements} arrangements)."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON (an unbounded end becomes ``null``)."""
        out = result_dict(self, exclude=())
        out["effect"] = self.estimate
        return out


def _one_sided(a: np.ndarray, b: np.ndarray, shifts: np.ndarray, k: float) -> tuple[float, float]:
    """p-values (greater, less) of the statistic ``A - k B`` at shift 0 against ``shifts``."""
    stats = a - k * b
    observed = stats[0]
    null = stats[shifts]
    tol = TIE_RTOL * max(1.0, abs(float(observed)))
    n = shifts.size
    return (
        (1 + np.count_nonzero(null >= observed - tol)) / (1 + n),
        (1 + np.count_nonzero(null <= observed + tol)) / (1 + n),
    )


def _bisect(accept: Any, lo: float, hi: float) -> float:
    """Boundary on ``log theta`` between ``lo`` (``accept`` False) and ``hi`` (True)."""
    while hi - lo > 1e-4:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if accept(mid) else (mid, hi)
    return hi


def shift_interval(
    counts: np.ndarray,
    weights: np.ndarray,
    shifts: np.ndarray,
    *,
    detrend: int | None = None,
    level: float = 0.95,
    min_window_claims: int = MIN_WINDOW_CLAIMS,
) -> ShiftInterval:
    """Confidence interval of the multiplicative window effect from the circular-shift test.

    Parameters
    ----------
    counts : numpy.ndarray
        Claims per bin, length ``T`` (the period the shifts refer to, e.g. trimmed by
        :meth:`timing.stats.calendar.ShiftPlan.slice`).
    weights : numpy.ndarray
        Window weights of the observed calendar; bins with weight ``> 0`` are the window.
    shifts : numpy.ndarray
        The null shifts (``CircularShiftResult.shifts`` or ``ShiftPlan.shifts``).
    detrend : int, optional
        Moving-average span removed from the adjusted claims, as in the test.
    level : float
        Confidence level; each one-sided test is run at ``(1 - level) / 2``.
    min_window_claims : int
        Fewer claims than this expected inside the windows without an effect (all claims
        times the share of bins in windows) raise: the interval would be all noise. The rule
        looks at the total and the calendar only, never at where the claims fell, so the
        intervals it lets through keep their coverage (a rule on the claims observed in the
        windows would keep the datasets whose windows happen to be busy, and those under-
        cover: 89 % with 2 events).

    Returns
    -------
    ShiftInterval

    Raises
    ------
    TimingInputError
        Too few claims in the windows, or too few arrangements to reach the level
        (``1 / n_arrangements`` must not exceed ``(1 - level) / 2``).

    Examples
    --------
    >>> from timing.timeline import window_weights
    >>> w = window_weights(np.arange(10, 730, 20), 730, (-3, -1))
    >>> c = np.random.default_rng(1).poisson(1.0 + w).astype(float)
    >>> res = shift_interval(c, w, np.arange(3, 727))
    >>> res.ci_low < 2.0 < res.ci_high
    True
    """
    counts = np.asarray(counts, dtype=np.float64)
    inside = np.asarray(weights, dtype=np.float64) > 0
    shifts = np.asarray(shifts, dtype=np.int64)
    tail = (1.0 - level) / 2
    window_claims = float(counts[inside].sum())
    expected = float(counts.sum()) * float(inside.mean())
    if expected < min_window_claims:
        raise TimingInputError(
            f"only {expected:.1f} claims are expected in the event windows without an effect "
            f"({counts.sum():g} claims, {inside.mean():.1%} of the period in windows); an "
            f"interval needs at least {min_window_claims}"
        )
    if 1.0 / (shifts.size + 1) > tail:
        raise TimingInputError(
            f"only {shifts.size + 1} arrangements of the event calendar: the smallest "
            f"p-value, {1 / (shifts.size + 1):.3g}, cannot reach {tail:g} for a "
            f"{level:.0%} interval"
        )
    series = np.stack([counts, counts * inside])
    if detrend is not None:
        series = np.stack([detrended(row, detrend) for row in series])
    a, b = circular_cross_correlation(series, np.broadcast_to(weights, series.shape))
    estimate = rate_ratio(counts, np.asarray(weights, dtype=np.float64))
    centre = math.log(estimate) if 0 < estimate < math.inf else 0.0
    span = math.log(_SPAN)

    def k(log_theta: float) -> float:
        return 1.0 - math.exp(-log_theta)

    def lower_ok(x: float) -> bool:  # theta = e^x not rejected as too small
        return _one_sided(a, b, shifts, k(x))[0] > tail

    def upper_ok(x: float) -> bool:  # theta = e^x not rejected as too large
        return _one_sided(a, b, shifts, k(x))[1] > tail

    lo_end, hi_end = centre - span, centre + span
    if lower_ok(lo_end):
        low = 0.0
    elif not lower_ok(hi_end):
        low = math.exp(hi_end)
    else:
        low = math.exp(_bisect(lower_ok, lo_end, hi_end))
    if upper_ok(hi_end):
        high = math.inf
    elif not upper_ok(lo_end):
        high = math.exp(lo_end)
    else:
        high = math.exp(-_bisect(lambda x: upper_ok(-x), -hi_end, -lo_end))
    return ShiftInterval(
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        level=level,
        n_arrangements=int(shifts.size) + 1,
        window_claims=window_claims,
        detrend=detrend,
    )
