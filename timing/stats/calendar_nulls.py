"""Null models with calendar structure, and the calendar-aware test vectorised over datasets.

These are the adversarial calendars of issue 11: a diplomatic calendar on fixed weekdays
or on a fixed two-week cycle, against claims with a weekly rhythm or a cycle of their own.
No claim depends on the events, so a calibrated test rejects ``alpha`` of the datasets.

=====================  =======================================  ===============================
null                   events                                   claims (negative binomial)
=====================  =======================================  ===============================
``weekday``            on Tuesdays and Wednesdays only          weekly rhythm, Monday 2x Sunday
``biweekly_cycle``     every 14 days from a Tue or Wed          a 14-day cycle, random phase
``biweekly_weekday``   every 14 days from a Tue or Wed          weekly rhythm, Monday 2x Sunday
=====================  =======================================  ===============================

Bin 0 falls on a random weekday in every dataset, so the weekly rhythm's phase relative to
the grid varies, but its phase relative to the events does not: that is what fools a test
that shifts events onto other weekdays.
"""

from __future__ import annotations

import numpy as np

from timing._shifts import circular_cross_correlation, detrended
from timing.errors import TimingInputError
from timing.stats._common import TIE_RTOL
from timing.stats.calendar import ShiftScheme, plan_shifts
from timing.timeline import window_weights

__all__ = [
    "CALENDAR_NULLS",
    "WEEKLY_RHYTHM",
    "calendar_shift_pvalues",
    "simulate_calendar_null",
]

#: Claims per weekday relative to the mean, Monday first: Monday twice Sunday, and the days
#: before Tuesday/Wednesday events (Saturday to Tuesday) busier than the rest, so that
#: shifting a window onto other weekdays lowers its count (the adversarial case).
WEEKLY_RHYTHM = np.array([2.0, 1.5, 1.0, 1.0, 1.0, 1.5, 1.0]) / (9.0 / 7)
#: Names of the structured null models.
CALENDAR_NULLS: tuple[str, ...] = ("weekday", "biweekly_cycle", "biweekly_weekday")


def _weekday_events(
    n_bins: int, n_events: int, start_weekday: int, lead: int, rng: np.random.Generator
) -> np.ndarray:
    first_tue = (1 - start_weekday) % 7
    tuesdays = np.arange(first_tue, n_bins - 1, 7)
    tuesdays = tuesdays[tuesdays >= lead]
    if tuesdays.size < n_events:
        raise TimingInputError(f"{n_bins} days hold fewer than {n_events} Tuesday/Wednesday weeks")
    weeks = np.sort(rng.choice(tuesdays, n_events, replace=False))
    return weeks + rng.integers(0, 2, n_events)


def simulate_calendar_null(
    null: str,
    n_datasets: int,
    *,
    n_bins: int = 730,
    n_events: int = 24,
    rate: float = 0.6,
    dispersion: float = 1.0,
    cycle_amplitude: float = 0.8,
    uplift: float = 1.0,
    offsets: tuple[int, int] = (-3, -1),
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate claims, events and the weekday of bin 0 under a structured null.

    Parameters
    ----------
    null : str
        One of :data:`CALENDAR_NULLS`.
    n_datasets, n_bins, n_events : int
        Datasets, days per dataset and events per calendar.
    rate, dispersion : float
        Mean claims per day and the negative binomial ``alpha`` (``Var = mu + alpha mu^2``).
    cycle_amplitude : float
        ``biweekly_cycle``: the rate is ``1 + a cos(2 pi (t - phase) / 14)`` times its mean.
    uplift : float
        Planted multiplier of the rate in the union of the windows (1: the null).
    offsets : tuple of int
        Window offsets of the uplift.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    tuple of numpy.ndarray
        ``counts`` ``(n, T)``, ``events`` ``(n, k)`` and ``start_weekdays`` ``(n,)``.

    Examples
    --------
    >>> c, e, w = simulate_calendar_null("weekday", 2, seed=0)
    >>> c.shape, e.shape, sorted(set(((w[:, None] + e) % 7).ravel().tolist()))
    ((2, 730), (2, 24), [1, 2])
    """
    if null not in CALENDAR_NULLS:
        raise TimingInputError(f"unknown null {null!r}; choose from {', '.join(CALENDAR_NULLS)}")
    rng = np.random.default_rng(seed)
    lead = max(-offsets[0], 0)
    starts = rng.integers(0, 7, n_datasets)
    days = np.arange(n_bins)
    events = np.empty((n_datasets, n_events), dtype=np.int64)
    shape = np.empty((n_datasets, n_bins))
    for i, first in enumerate(starts):
        if null == "weekday":
            events[i] = _weekday_events(n_bins, n_events, int(first), lead, rng)
        else:
            span = 14 * (n_events - 1)
            if span + lead >= n_bins:
                raise TimingInputError(f"{n_events} events 14 days apart do not fit {n_bins} days")
            first_event = _weekday_events(n_bins - span, 1, int(first), lead, rng)
            events[i] = first_event + 14 * np.arange(n_events)
        if null == "biweekly_cycle":
            phase = rng.uniform(0, 14)
            shape[i] = 1 + cycle_amplitude * np.cos(2 * np.pi * (days - phase) / 14)
        else:
            shape[i] = WEEKLY_RHYTHM[(first + days) % 7]
        if uplift != 1.0:
            shape[i] *= np.where(window_weights(events[i], n_bins, offsets) > 0, uplift, 1.0)
    k = 1.0 / dispersion
    lam = rng.gamma(k, rate * shape / k)
    return rng.poisson(lam).astype(np.int64), events, starts


def calendar_shift_pvalues(
    counts: np.ndarray,
    event_bins: np.ndarray,
    offsets: tuple[int, int] = (-3, -1),
    *,
    start_weekdays: np.ndarray | None = None,
    scheme: ShiftScheme = "auto",
    detrend: int | None = None,
) -> np.ndarray:
    """The calendar-aware circular-shift p-value of every dataset (one plan per dataset).

    Parameters
    ----------
    counts : numpy.ndarray
        ``(n, T)`` claims per day.
    event_bins : numpy.ndarray
        ``(n, k)`` event days (or ``(k,)`` shared).
    offsets : tuple of int
        Window offsets.
    start_weekdays : numpy.ndarray, optional
        Weekday of day 0 in each dataset (default Monday).
    scheme : {"auto", "all", "weekly", "periodic"}
    detrend : int, optional
        Moving-average span removed from the claims first.

    Returns
    -------
    numpy.ndarray
        ``n`` p-values, equal to those of
        :func:`timing.stats.calendar.calendar_shift_test` on each dataset.
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    n, n_bins = counts.shape
    ev = np.asarray(event_bins, dtype=np.int64)
    ev = np.broadcast_to(ev, (n, ev.shape[-1])) if ev.ndim == 1 else ev
    weekdays = np.zeros(n, dtype=np.int64) if start_weekdays is None else start_weekdays
    min_shift = offsets[1] - offsets[0] + 1
    out = np.empty(n)
    for i in range(n):
        w = window_weights(ev[i], n_bins, offsets).astype(np.float64)
        plan = plan_shifts(
            counts[i],
            w,
            ev[i],
            scheme=scheme,
            start_weekday=int(weekdays[i]),
            min_shift=min_shift,
        )
        c = plan.slice(counts[i])
        if detrend is not None and c.size >= 2 * detrend:
            c = detrended(c, detrend)
        stats = circular_cross_correlation(c, plan.slice(w))
        tol = TIE_RTOL * max(1.0, abs(stats[0]))
        out[i] = (1 + np.count_nonzero(stats[plan.shifts] >= stats[0] - tol)) / (
            1 + plan.shifts.size
        )
    return out
