"""What an event calendar looks like: weekday concentration, period, and the claims' rhythm.

The detection behind :mod:`timing.stats.calendar` (whose docstring states the rules).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from timing.stats._common import midranks

__all__ = [
    "MIN_EVENTS_PERIOD",
    "MIN_EVENTS_WEEKDAY",
    "PERIOD_SHARE",
    "WEEKDAY_ALPHA",
    "CalendarStructure",
    "detect_structure",
    "event_weekdays",
    "weekday_pvalue",
]

#: Monte Carlo p-value below which the events' weekdays count as concentrated.
WEEKDAY_ALPHA = 0.05
#: Fewest events for a weekday concentration to be declared.
MIN_EVENTS_WEEKDAY = 4
#: Fewest distinct event starts for a period to be declared.
MIN_EVENTS_PERIOD = 4
#: Share of gaps between event starts that must be multiples of the period.
PERIOD_SHARE = 0.8
_WEEKDAY_DRAWS = 4999
_WEEKDAY_SEED = 20261129
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def event_weekdays(bins: np.ndarray, start_weekday: int, bins_per_day: int = 1) -> np.ndarray:
    """Weekday (0 = Monday) of each bin, for a grid whose bin 0 starts on ``start_weekday``."""
    return (start_weekday + np.asarray(bins, dtype=np.int64) // bins_per_day) % 7


@lru_cache(maxsize=256)
def _chi2_null(n: int) -> np.ndarray:
    rng = np.random.default_rng(_WEEKDAY_SEED)
    draws = rng.multinomial(n, np.full(7, 1 / 7), size=_WEEKDAY_DRAWS)
    return (((draws - n / 7) ** 2) / (n / 7)).sum(axis=1)


def weekday_pvalue(counts: np.ndarray) -> float:
    """Monte Carlo p-value of the chi-square statistic of 7 weekday counts against uniform."""
    counts = np.asarray(counts, dtype=np.float64)
    n = int(counts.sum())
    if n == 0:
        return 1.0
    stat = float((((counts - n / 7) ** 2) / (n / 7)).sum())
    null = _chi2_null(n)
    return float((1 + np.count_nonzero(null >= stat - 1e-9)) / (1 + null.size))


def _period(starts: np.ndarray, max_period: int) -> tuple[int | None, float | None]:
    starts = np.unique(starts)
    if starts.size < MIN_EVENTS_PERIOD:
        return None, None
    gaps = np.diff(starts)
    candidates = [math.gcd(*gaps.tolist())]
    values, freq = np.unique(gaps, return_counts=True)
    candidates.append(int(values[np.argmax(freq)]))
    for p in candidates:
        if 2 <= p <= max_period:
            share = float(np.mean(gaps % p == 0))
            if share >= PERIOD_SHARE:
                return int(p), share
    return None, None


@dataclass(frozen=True, slots=True)
class CalendarStructure:
    """What :func:`detect_structure` found in the event calendar and the claims.

    Attributes
    ----------
    n_events : int
        Events whose start lies in the period.
    event_weekdays : tuple of int
        Events starting on each weekday, Monday first.
    weekday_pvalue : float
        Monte Carlo chi-square p-value of those counts against a uniform spread.
    weekday_concentrated : bool
        ``weekday_pvalue < WEEKDAY_ALPHA`` with at least ``MIN_EVENTS_WEEKDAY`` events.
    period : int or None
        Period of the event calendar in bins, if it has one.
    period_share : float or None
        Share of the gaps between event starts that are multiples of ``period``.
    claims_weekday_mean : tuple of float
        Mean claims per bin on each weekday, Monday first.
    claims_weekday_pvalue : float or None
        Friedman test of a weekday rhythm in the claims over whole weeks (descriptive).
    """

    n_events: int
    event_weekdays: tuple[int, ...]
    weekday_pvalue: float
    weekday_concentrated: bool
    period: int | None
    period_share: float | None
    claims_weekday_mean: tuple[float, ...]
    claims_weekday_pvalue: float | None

    def describe(self) -> str:
        """The calendar's weekday spread and period, in words."""
        days = ", ".join(
            f"{name} {k}" for name, k in zip(_DAY_NAMES, self.event_weekdays, strict=True) if k
        )
        out = f"event weekdays {days} (chi-square p = {self.weekday_pvalue:.3g})"
        if self.period is not None:
            out += f"; event starts {self.period_share:.0%} on a {self.period}-bin cycle"
        return out


def detect_structure(
    counts: np.ndarray,
    event_bins: np.ndarray,
    *,
    start_weekday: int = 0,
    bins_per_day: int = 1,
) -> CalendarStructure:
    """Weekday concentration and periodicity of the events, weekday rhythm of the claims.

    Parameters
    ----------
    counts : numpy.ndarray
        Claims per bin, length ``T``.
    event_bins : numpy.ndarray
        Start bin of each event.
    start_weekday : int
        Weekday of bin 0 (0 = Monday), e.g. ``Timeline.start.weekday()``.
    bins_per_day : int
        1 at day resolution, 24 at hour resolution.

    Returns
    -------
    CalendarStructure

    Examples
    --------
    >>> s = detect_structure(np.ones(364), np.arange(1, 364, 14))
    >>> s.weekday_concentrated, s.period
    (True, 14)
    """
    counts = np.asarray(counts, dtype=np.float64)
    ev = np.asarray(event_bins, dtype=np.int64)
    n_bins = counts.shape[0]
    days = event_weekdays(ev, start_weekday, bins_per_day)
    per_day = np.bincount(days, minlength=7)
    p_week = weekday_pvalue(per_day)
    period, share = _period(ev, max(n_bins // 4, 1))
    day_of_bin = event_weekdays(np.arange(n_bins), start_weekday, bins_per_day)
    means = tuple(
        float(counts[day_of_bin == d].mean()) if np.any(day_of_bin == d) else 0.0 for d in range(7)
    )
    return CalendarStructure(
        n_events=int(ev.size),
        event_weekdays=tuple(int(k) for k in per_day),
        weekday_pvalue=p_week,
        weekday_concentrated=bool(ev.size >= MIN_EVENTS_WEEKDAY and p_week < WEEKDAY_ALPHA),
        period=period,
        period_share=share,
        claims_weekday_mean=means,
        claims_weekday_pvalue=_friedman(counts, start_weekday, bins_per_day),
    )


def _friedman(counts: np.ndarray, start_weekday: int, bins_per_day: int) -> float | None:
    daily = counts[: counts.size - counts.size % bins_per_day].reshape(-1, bins_per_day).sum(1)
    first = (7 - start_weekday) % 7  # first Monday
    weeks = (daily.size - first) // 7
    if weeks < 4:
        return None
    table = daily[first : first + 7 * weeks].reshape(weeks, 7)
    if np.all(table == table[:, :1]):
        return 1.0
    return friedman_pvalue(table)


def friedman_pvalue(table: np.ndarray) -> float:
    """Friedman test p of a blocks x treatments table (chi-squared approximation, ties).

    The arithmetic of ``scipy.stats.friedmanchisquare(*table.T)`` step for step, so the same
    p to the last bit, without importing ``scipy.stats`` (a third of a second) for it.

    Examples
    --------
    >>> round(friedman_pvalue(np.array([[1.0, 2, 3], [1, 3, 2], [1, 2, 3], [2, 1, 3]])), 4)
    0.1054
    """
    from scipy.special import chdtrc

    data = np.asarray(table, dtype=np.float64)
    n, k = data.shape
    ranks = np.empty_like(data)
    ties = 0.0
    for i, row in enumerate(data):
        ranks[i] = midranks(row)
        _, sizes = np.unique(row, return_counts=True)
        ties += float(np.sum(sizes * (sizes * sizes - 1)))
    c = 1 - ties / (k * (k * k - 1) * n)
    ssbn = np.sum(np.sum(ranks, axis=0) ** 2, axis=-1)
    statistic = (12.0 / (k * n * (k + 1)) * ssbn - 3 * n * (k + 1)) / c
    return float(chdtrc(np.float64(k - 1), statistic))
