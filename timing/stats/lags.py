"""Lag distribution: how long from each claim to the next event, against a circular-shift null.

For each claim at bin ``t`` the *lag* is ``e - t`` for the first event ``e >= t`` (0 when
the claim falls on an event's first bin) and the *time since* is ``t - e`` for the last event
``e <= t``. If claims are timed before events, lags ``1..w`` are over-represented. The null
is the distribution the same claims give when the whole event calendar is rotated by every
admissible shift (both series keep their burstiness and spacing, as in
:mod:`timing.stats.circular`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from timing._shifts import admissible_shifts
from timing.errors import TimingInputError
from timing.progress import advance
from timing.stats._common import monte_carlo_pvalue, result_dict
from timing.stats.base import ResultDisplay

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["LagResult", "lag_distribution", "lag_histograms", "per_event_table"]

#: Above this many (shift, claim bin) pairs the null uses a seeded sample of ``n_null`` shifts.
MAX_PAIRS = 20_000_000
#: Above this many cells (shifts x lag categories) of the null histograms, 8 bytes each per
#: direction, the null also uses a sample of shifts, as many as fit (at most 2000). Minute
#: bins make 43,200 lag categories (30 days): all the shifts of 20 days took 2 x 4.3 GB.
MAX_CELLS = 25_000_000
_CHUNK = 4_000_000


@dataclass(frozen=True, slots=True)
class LagResult(ResultDisplay):
    """Result of :func:`lag_distribution`.

    Histograms count claims (weighted by the claim series) at lags ``0..max_lag``; the last two
    categories, ``beyond`` (lag > max_lag) and ``no_next`` (after the last event; ``no_last``:
    before the first), are reported separately and take part in the distance.

    Attributes
    ----------
    method : str
        Human name of the test.
    statistic : float
        Kolmogorov-Smirnov distance between the observed lag distribution and the reference
        (mean over all calendars, observed included).
    pvalue : float
        ``(1 + #{shifted KS >= observed KS}) / (1 + n_shifts)``.
    effect : float
        Share of claims with lag in ``1..window`` over its mean under the shifts.
    ci_low, ci_high : None
        No interval for this test.
    lags : numpy.ndarray
        ``0..max_lag``.
    observed, null_mean, null_low, null_high : numpy.ndarray
        Claims per lag: observed, mean over shifts and pointwise 2.5 / 97.5 % quantiles.
    beyond, no_next : float
        Claims with lag beyond ``max_lag`` and claims with no next event.
    since_observed, since_null_mean, since_null_low, since_null_high : numpy.ndarray
        The same for the bins since the last event.
    since_beyond, no_last : float
        Claims more than ``max_lag`` after their last event; claims before the first event.
    share, share_null_mean, share_pvalue : float
        Share of claims with lag in ``1..window``, its null mean and circular-shift p-value.
    window, max_lag, min_shift, n_shifts : int
        Parameters; ``n_shifts`` calendars make the null.
    n_claims : float
        Total claims (weight) counted.
    sampled : bool
        True when the null uses a seeded sample of the admissible shifts.
    shifts, null_histograms, null_distribution : numpy.ndarray
        The shifts used, their lag histograms ``(n_shifts, max_lag + 3)`` and KS distances.
    """

    method: str
    statistic: float
    pvalue: float
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    lags: np.ndarray
    observed: np.ndarray
    null_mean: np.ndarray
    null_low: np.ndarray
    null_high: np.ndarray
    beyond: float
    no_next: float
    since_observed: np.ndarray
    since_null_mean: np.ndarray
    since_null_low: np.ndarray
    since_null_high: np.ndarray
    since_beyond: float
    no_last: float
    share: float
    share_null_mean: float
    share_pvalue: float
    window: int
    max_lag: int
    min_shift: int
    n_shifts: int
    n_claims: float
    sampled: bool
    shifts: np.ndarray = field(repr=False)
    null_histograms: np.ndarray = field(repr=False)
    null_distribution: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """One paragraph for people."""
        how = "sampled" if self.sampled else "all admissible"
        return (
            f"Lag distribution ({self.n_claims:g} claims, lags 0..{self.max_lag}): KS distance "
            f"{self.statistic:.3f} from the circular-shift null, p = {self.pvalue:.4g} "
            f"({self.n_shifts} {how} shifts); {100 * self.share:.1f} % of claims come "
            f"1..{self.window} bins before the next event vs {100 * self.share_null_mean:.1f} % "
            f"expected ({self.effect:.2f}x, p = {self.share_pvalue:.4g}); {self.no_next:g} "
            "after the last event."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON; the per-shift arrays only with ``full=True``."""
        bulky = ("shifts", "null_histograms", "null_distribution")
        return result_dict(self, exclude=() if full else bulky)


def _circular_distances(event_bins: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bins from each bin to the next event and since the last one, around the circle."""
    ev = np.unique(np.asarray(event_bins, dtype=np.int64))
    t = np.arange(n)
    i = np.searchsorted(ev, t, side="left")
    nxt = np.where(i < ev.size, ev[np.minimum(i, ev.size - 1)], ev[0] + n)
    j = np.searchsorted(ev, t, side="right") - 1
    prev = np.where(j >= 0, ev[np.maximum(j, 0)], ev[-1] - n)
    return nxt - t, t - prev


def lag_histograms(
    counts: np.ndarray, event_bins: np.ndarray, shifts: np.ndarray, max_lag: int
) -> tuple[np.ndarray, np.ndarray]:
    """Lag histograms of the claims for the event calendar rotated by each shift.

    Parameters
    ----------
    counts : numpy.ndarray
        Claims per bin, shape ``(T,)``.
    event_bins : numpy.ndarray
        Event start bins.
    shifts : numpy.ndarray
        Shifts ``s`` (events move to ``(e + s) mod T``); include 0 for the observed calendar.
    max_lag : int
        Largest lag with its own category.

    Returns
    -------
    next_hist, since_hist : numpy.ndarray
        Shape ``(len(shifts), max_lag + 3)``: claims at lags ``0..max_lag``, beyond
        ``max_lag``, and with no next (no last) event in the period.

    Notes
    -----
    The circular distance to the next event of the rotated calendar at bin ``t`` is the
    observed circular distance array rolled: ``d_s[t] = d[(t - s) mod T]``. A claim has a
    next event inside the period iff ``t + d_s[t] < T`` (the circular next event did not wrap
    past the end), otherwise it counts as "no next event"; likewise ``t - d_s[t] >= 0`` for
    the last event. So each histogram is a weighted ``bincount`` over the claim bins of a
    gathered array, done for all shifts at once (in chunks of shifts to bound memory).

    Examples
    --------
    >>> nh, sh = lag_histograms(np.array([1.0, 0, 1, 0, 0, 1]), np.array([3]), np.array([0]), 2)
    >>> nh.tolist(), sh.tolist()
    ([[0.0, 1.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 1.0, 0.0, 2.0]])
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    d_next, d_since = _circular_distances(event_bins, n)
    tb = np.flatnonzero(counts)
    wb = counts[tb]
    n_cat = max_lag + 3
    shifts = np.asarray(shifts, dtype=np.int64)
    out_next = np.empty((shifts.size, n_cat))
    out_since = np.empty((shifts.size, n_cat))
    step = max(1, _CHUNK // max(1, tb.size))
    for lo in range(0, shifts.size, step):  # chunks of shifts, never a loop over bins
        sh = shifts[lo : lo + step]
        rows = (np.arange(sh.size) * n_cat)[:, None]
        src = (tb[None, :] - sh[:, None]) % n
        for d, ok_fn, out in (
            (d_next[src], lambda d: tb + d < n, out_next),
            (d_since[src], lambda d: tb - d >= 0, out_since),
        ):
            cat = np.where(ok_fn(d), np.minimum(d, max_lag + 1), max_lag + 2)
            hist = np.bincount(
                (rows + cat).ravel(),
                weights=np.broadcast_to(wb, cat.shape).ravel(),
                minlength=sh.size * n_cat,
            )
            out[lo : lo + sh.size] = hist.reshape(sh.size, n_cat)
        advance(lo + sh.size, shifts.size)
    return out_next, out_since


def _iv(timeline: Timeline, max_lag: int, window: int, min_shift: int) -> None:
    if timeline.n_events == 0:
        raise TimingInputError("the timeline has no events")
    if not np.any(timeline.claims > 0):
        raise TimingInputError("the timeline has no claims")
    if max_lag < 1:
        raise TimingInputError(f"max_lag must be at least 1 bin, got {max_lag}")
    if not 1 <= window <= max_lag:
        raise TimingInputError(f"window must be between 1 and max_lag ({max_lag}), got {window}")
    if min_shift < 1:
        raise TimingInputError(f"min_shift must be at least 1, got {min_shift}")


def lag_distribution(
    timeline: Timeline,
    *,
    max_lag: int | None = None,
    window: int = 3,
    min_shift: int | None = None,
    n_null: int | None = None,
    seed: int | np.random.Generator | None = 0,
) -> LagResult:
    """Distribution of claim-to-next-event lags against its circular-shift null.

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid.
    max_lag : int, optional
        Largest lag with its own histogram bar; default 30 days in bins.
    window : int
        The pre-event window ``-window..-1``: the share of claims with lag ``1..window`` is
        tested as well. A claim on an event's first bin has lag 0 and is not in the window.
    min_shift : int, optional
        Smallest circular shift distance; default ``window``.
    n_null : int, optional
        Use a seeded random sample of this many admissible shifts (without replacement).
        Default: all admissible shifts, unless shifts x claim bins exceeds ``MAX_PAIRS``
        (2e7; e.g. hourly data over years), then a sample of 2000, or shifts x lag
        categories exceeds ``MAX_CELLS`` (2.5e7; minute bins over weeks), then a sample of
        as many as fit (at most 2000).
    seed : int, numpy.random.Generator or None
        Seed for sampling shifts (unused when all shifts are used).

    Returns
    -------
    LagResult

    Notes
    -----
    Let ``h_s`` be the lag histogram (categories ``0..M``, ``> M``, none) for the calendar
    rotated by ``s`` (``s = 0`` observed) and ``hbar`` the mean over the observed and the
    ``S`` shifted calendars (a symmetric reference keeps the ranks exchangeable). With ``F``
    the cumulative share, ``KS(s) = max_j |F_s(j) - Fbar(j)|`` and
    ``p = (1 + #{KS(s) >= KS(0)}) / (1 + S)``. Claims after the last event stay in the
    total, in the last category. Null bands are pointwise 2.5 / 97.5 % quantiles over the
    shifts. The window share uses the same shifts: ``share(s) = sum_{j=1..w} h_s(j) / N``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import build_timeline
    >>> days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(0, 300, 4)]
    >>> claims = pl.DataFrame({"date": days, "actor": "RU MoD", "kind": "capture"})
    >>> events = pl.DataFrame({"date": [dt.date(2025, 3, 1), dt.date(2025, 7, 2)],
    ...                        "kind": "talks"})
    >>> res = lag_distribution(build_timeline(claims, events))
    >>> res.lags[-1], 0 < res.pvalue <= 1
    (np.int64(30), True)
    """
    n = timeline.n_bins
    max_lag = min(30 * timeline.bins_per_day if max_lag is None else int(max_lag), n - 1)
    min_shift = int(window) if min_shift is None else int(min_shift)
    _iv(timeline, max_lag, int(window), min_shift)
    counts = np.asarray(timeline.claims, dtype=np.float64)
    shifts = admissible_shifts(n, min_shift)
    if shifts.size == 0:
        raise TimingInputError(f"no admissible shift: period of {n} bins, min_shift={min_shift}")
    pairs = shifts.size * np.count_nonzero(counts)
    n_cat = max_lag + 3  # lags 0..max_lag, beyond, no next event (lag_histograms)
    if n_null is None and (pairs > MAX_PAIRS or (shifts.size + 1) * n_cat > MAX_CELLS):
        n_null = max(19, min(2000, MAX_CELLS // n_cat - 1))
    sampled = n_null is not None and n_null < shifts.size
    if n_null is not None and sampled:
        rng = np.random.default_rng(seed)
        shifts = np.sort(rng.choice(shifts, size=int(n_null), replace=False))
    all_shifts = np.concatenate([[0], shifts])
    nh, sh = lag_histograms(counts, timeline.event_bins, all_shifts, max_lag)

    total = counts.sum()
    cdf = np.cumsum(nh, axis=1) / total
    ks = np.abs(cdf - cdf.mean(axis=0)).max(axis=1)
    share = nh[:, 1 : window + 1].sum(axis=1) / total
    null_share = float(share[1:].mean())
    k = max_lag + 1
    return LagResult(
        method="Lag distribution KS distance (circular shifts)",
        statistic=float(ks[0]),
        pvalue=monte_carlo_pvalue(ks[0], ks[1:]),
        effect=float(share[0] / null_share) if null_share > 0 else float("nan"),
        ci_low=None,
        ci_high=None,
        lags=np.arange(k),
        observed=nh[0, :k],
        null_mean=nh[1:, :k].mean(axis=0),
        null_low=np.quantile(nh[1:, :k], 0.025, axis=0),
        null_high=np.quantile(nh[1:, :k], 0.975, axis=0),
        beyond=float(nh[0, k]),
        no_next=float(nh[0, k + 1]),
        since_observed=sh[0, :k],
        since_null_mean=sh[1:, :k].mean(axis=0),
        since_null_low=np.quantile(sh[1:, :k], 0.025, axis=0),
        since_null_high=np.quantile(sh[1:, :k], 0.975, axis=0),
        since_beyond=float(sh[0, k]),
        no_last=float(sh[0, k + 1]),
        share=float(share[0]),
        share_null_mean=null_share,
        share_pvalue=monte_carlo_pvalue(share[0], share[1:]),
        window=int(window),
        max_lag=int(max_lag),
        min_shift=min_shift,
        n_shifts=int(shifts.size),
        n_claims=float(total),
        sampled=bool(sampled),
        shifts=shifts,
        null_histograms=nh[1:],
        null_distribution=ks[1:],
    )


def per_event_table(timeline: Timeline, offsets: tuple[int, int] = (-3, -1)) -> pl.DataFrame:
    """One row per event: claims in its window and the lag from the nearest claim before it.

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid.
    offsets : tuple of int
        Inclusive window offsets relative to the event bin (truncated at the period's edges).

    Returns
    -------
    polars.DataFrame
        Columns ``event_id, date, kind, title, bin, claims_in_window, nearest_claim_lag``
        (``nearest_claim_lag``: bins from the last claim strictly before the event to the
        event, null if there is none). Missing descriptive columns are null.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import build_timeline
    >>> claims = pl.DataFrame({"date": [dt.date(2025, 12, 1)], "actor": "RU MoD",
    ...                        "kind": "capture"})
    >>> events = pl.DataFrame({"event_id": ["D1"], "date": [dt.date(2025, 12, 2)],
    ...                        "kind": "visit", "title": ["Witkoff in Moscow"]})
    >>> per_event_table(build_timeline(claims, events)).row(0)[-2:]
    (1, 1)
    """
    lo, hi = offsets
    if lo > hi:
        raise TimingInputError(f"offsets {offsets}: the first must not exceed the second")
    counts = np.asarray(timeline.claims, dtype=np.float64)
    n = counts.shape[0]
    frame = timeline.events_frame
    ev = frame["bin"].to_numpy().astype(np.int64)
    cs = np.concatenate([[0.0], np.cumsum(counts)])
    in_window = cs[np.clip(ev + hi + 1, 0, n)] - cs[np.clip(ev + lo, 0, n)]
    claim_bins = np.flatnonzero(counts > 0)
    i = np.searchsorted(claim_bins, ev, side="left") - 1
    lag = ev - claim_bins[np.maximum(i, 0)] if claim_bins.size else np.zeros_like(ev)
    nearest = [int(x) if j >= 0 else None for x, j in zip(lag, i, strict=True)]
    integral = bool(np.all(counts == np.rint(counts)))
    cols = {
        c: frame[c] if c in frame.columns else pl.Series(c, [None] * frame.height, dtype=pl.String)
        for c in ("event_id", "date", "kind", "title")
    }
    return pl.DataFrame(
        {
            **cols,
            "bin": ev,
            "claims_in_window": np.rint(in_window).astype(np.int64) if integral else in_window,
            "nearest_claim_lag": pl.Series(nearest, dtype=pl.Int64),
        }
    )
