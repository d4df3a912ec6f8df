"""Structured Monte Carlo nulls for the window statistic, one clearly named function each.

Both tests use the statistic of :func:`timing.stats.circular.circular_shift_test`: the
claims inside the (union) pre-event windows, ``S = sum_t c_t m_t``. They differ in what they
randomise:

- :func:`weekday_placebo_test` keeps the claims and draws *placebo event calendars*: each
  real event day is replaced by a day with the same weekday (and the same hour at hour
  resolution), within the same calendar quarter when ``same_period``.
- :func:`block_permutation_test` keeps the event calendar and permutes *blocks of the claim
  series*, so the autocorrelation within a block survives.

When the number of distinct randomisations is at most the requested number they are all
enumerated and the p-value is exact.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from timing._shifts import interval_cover
from timing.errors import TimingInputError
from timing.progress import advance
from timing.stats._common import TIE_RTOL, monte_carlo_pvalue, result_dict
from timing.stats.base import ResultDisplay

if TYPE_CHECKING:
    from timing.timeline import Timeline, WindowForm

__all__ = ["PlaceboResult", "block_permutation_test", "weekday_placebo_test"]

_CHUNK = 4_000_000  # elements per (rows, T) work array


@dataclass(frozen=True, slots=True)
class PlaceboResult(ResultDisplay):
    """Result of :func:`weekday_placebo_test` and :func:`block_permutation_test`.

    Attributes
    ----------
    method : str
        Human name of the test.
    statistic : float
        Claims in the observed event windows.
    pvalue : float
        ``(1 + #{null >= statistic}) / (1 + n)`` (Monte Carlo or placebo enumeration), or
        ``#{null >= statistic} / n`` for an enumeration that includes the observed order.
    effect : float
        Observed claims per window bin over the mean of the same rate under the null.
    ci_low, ci_high : None
        No interval (see :mod:`timing.stats.bootstrap`).
    expected : float
        Mean of the null distribution.
    n : int
        Number of null draws (or enumerated arrangements).
    exact : bool
        True when every arrangement was enumerated.
    offsets : tuple of int
        Window offsets.
    form : str
        ``"union"`` or ``"per_event"``.
    block : int or None
        Block length (block permutation only).
    same_period : bool or None
        Placebo dates restricted to the event's quarter (weekday placebo only).
    n_fallback : int
        Events whose quarter held no admissible placebo day and which drew from the whole
        period instead.
    null_distribution : numpy.ndarray
        The statistic under each null draw (left out of ``to_dict`` unless ``full=True``).
    descriptive : bool
        True when the analysis reports the p-value for description only: its null
        ignores the event calendar's weekdays and spacing (see :mod:`timing.methods`).
    """

    method: str
    statistic: float
    pvalue: float
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    expected: float
    n: int
    exact: bool
    offsets: tuple[int, int]
    form: str
    block: int | None
    same_period: bool | None
    n_fallback: int
    null_distribution: np.ndarray = field(repr=False)
    descriptive: bool = False

    def summary(self) -> str:
        """One paragraph for people."""
        how = "all arrangements" if self.exact else f"{self.n} Monte Carlo draws"
        return (
            f"{self.method} (windows {self.offsets[0]}..{self.offsets[1]}): {self.statistic:g} "
            f"claims vs {self.expected:.2f} expected ({how}); rate ratio {self.effect:.2f}; "
            f"p = {self.pvalue:.4g}."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON; the null distribution only with ``full=True``."""
        return result_dict(self, exclude=() if full else ("null_distribution",))


def _window_matrix(bins: np.ndarray, n: int, offsets: tuple[int, int], form: str) -> np.ndarray:
    """Window weights for each row of event ``bins`` (shape ``(rows, events)``) -> ``(rows, T)``."""
    lo, hi = offsets
    return interval_cover(bins + lo, bins + hi + 1, n, form=form)  # type: ignore[arg-type]


def _common_iv(timeline: Timeline, offsets: tuple[int, int], n: int, name: str, form: str) -> None:
    if offsets[0] > offsets[1]:
        raise TimingInputError(f"offsets {offsets}: the first must not exceed the second")
    if n < 1:
        raise TimingInputError(f"{name} must be at least 1, got {n}")
    if form not in ("union", "per_event"):
        raise TimingInputError(f"form must be 'union' or 'per_event', got {form!r}")
    if timeline.n_events == 0:
        raise TimingInputError("the timeline has no events")


def _placebo_pools(
    timeline: Timeline, same_period: bool, exclude_event_days: bool
) -> tuple[list[np.ndarray], int]:
    """Admissible placebo bins for each distinct event bin, and how many fell back."""
    times = timeline.times()
    days = times.astype("datetime64[D]")
    key = (days.astype(np.int64) + 3) % 7  # Monday = 0 (1970-01-01 was a Thursday)
    if timeline.resolution == "hour":
        key = key * 24 + (times - days).astype("timedelta64[h]").astype(np.int64)
    quarter = times.astype("datetime64[M]").astype(np.int64) // 3
    free = np.ones(timeline.n_bins, dtype=bool)
    if exclude_event_days:
        free[timeline.event_bins] = False
    pools, fallback = [], 0
    for e in np.unique(timeline.event_bins):  # one pool per event day (events, not bins)
        ok = free & (key == key[e])
        pool = np.flatnonzero(ok & (quarter == quarter[e])) if same_period else np.flatnonzero(ok)
        if pool.size == 0 and same_period:
            fallback += 1
            pool = np.flatnonzero(ok)
        if pool.size == 0:
            raise TimingInputError(
                f"no non-event bin shares the weekday of the event at bin {e}; lengthen the period"
            )
        pools.append(pool)
    return pools, fallback


def _draw_placebos(pools: list[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, len(pools))`` placebo bins; events sharing a pool get distinct bins when possible.

    Real event days are distinct, so placebo days drawn from a common pool are drawn without
    replacement (by ranking uniform keys); if a pool is smaller than the events that share
    it, those events draw with replacement.
    """
    out = np.empty((n, len(pools)), dtype=np.int64)
    groups: dict[bytes, list[int]] = {}
    for i, pool in enumerate(pools):
        groups.setdefault(pool.tobytes(), []).append(i)
    for members in groups.values():  # loop over distinct pools, never over bins
        pool = pools[members[0]]
        if len(members) <= pool.size:
            if len(members) == 1:
                pick = rng.integers(0, pool.size, (n, 1))
            else:
                pick = np.argsort(rng.random((n, pool.size)), axis=1)[:, : len(members)]
        else:
            pick = rng.integers(0, pool.size, (n, len(members)))
        out[:, members] = pool[pick]
    return out


def _enumerate_placebos(pools: list[np.ndarray]) -> np.ndarray:
    """Every placebo calendar (distinct days within a shared pool, as when drawing)."""
    combos = np.array(list(itertools.product(*pools)), dtype=np.int64).reshape(-1, len(pools))
    shared: dict[bytes, list[int]] = {}
    for i, pool in enumerate(pools):
        shared.setdefault(pool.tobytes(), []).append(i)
    keep = np.ones(combos.shape[0], dtype=bool)
    for members in shared.values():
        if 1 < len(members) <= pools[members[0]].size:
            sub = np.sort(combos[:, members], axis=1)
            keep &= np.all(np.diff(sub, axis=1) > 0, axis=1)
    return combos[keep]


def weekday_placebo_test(
    timeline: Timeline,
    offsets: tuple[int, int] = (-3, -1),
    *,
    n_placebo: int = 2000,
    seed: int | np.random.Generator | None = 0,
    same_period: bool = True,
    exclude_event_days: bool = False,
    form: WindowForm = "union",
) -> PlaceboResult:
    """Calendar-matched placebo test: real events against same-weekday placebo calendars.

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid.
    offsets : tuple of int
        Inclusive window offsets relative to each event bin.
    n_placebo : int
        Placebo calendars to draw. If the number of distinct placebo calendars is at most
        ``n_placebo`` they are all enumerated instead.
    seed : int, numpy.random.Generator or None
        Seed; same seed, same p-value.
    same_period : bool
        Draw each placebo date from the event's calendar quarter (e.g. 2025-Q3).
    exclude_event_days : bool
        Draw placebo dates only from days on which no real event starts. Off by default: it
        leaves the observed calendar out of its own reference set and makes the test liberal
        (measured below). With it, an event whose quarter holds no admissible day draws from
        the whole period (``n_fallback``).
    form : {"union", "per_event"}
        Window form of the statistic (as in the circular-shift test).

    Returns
    -------
    PlaceboResult

    Notes
    -----
    Each distinct real event bin ``e_i`` (events on the same day move together) is replaced
    by a uniform draw from its stratum ``P_i``: the bins on the same weekday (and hour) as
    ``e_i`` and, if ``same_period``, in the same quarter. Events sharing a stratum draw
    distinct bins (without replacement), so a placebo calendar is a random choice of as many
    days per stratum as the real calendar has there, and the real calendar is one of the
    equally likely choices: a stratified randomization test, exact under the null that the
    real dates are as good as random within their strata. The statistic
    ``S = sum_t c_t m_t`` is recomputed on every placebo calendar and
    ``p = (1 + #{S_j >= S_obs}) / (1 + n)``; when all choices are enumerated,
    ``p = #{S_j >= S_obs} / N`` (the observed choice is among them).

    Measured false-positive rates at 5 % (simulated years, 16 events, n_placebo = 199):
    default, i.i.d. claims 3.95 % (2,000 datasets; conservative through ties of the integer
    statistic), bursty claims with clustered events 5.7 % (300). With
    ``exclude_event_days=True`` the observed calendar is not in its own reference set:
    i.i.d. claims 5.9 % (7.1 % if placebo days could also coincide), bursty claims 7.4 %
    (uniform events) and 8.0 % (clustered events). A placebo calendar does not keep the
    spacing of real events across strata (talks a few days apart): with i.i.d. claims and
    clustered events the test is conservative (1.3 %), as overlapping real windows cover
    fewer bins than scattered placebo windows; the
    circular-shift test keeps the clustering. ``effect`` is the
    observed claims per window bin over the mean claims per window bin of the placebos.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import build_timeline
    >>> days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(0, 300, 2)]
    >>> claims = pl.DataFrame({"date": days, "actor": "RU MoD", "kind": "capture"})
    >>> events = pl.DataFrame({"date": [dt.date(2025, 3, 5), dt.date(2025, 7, 9)],
    ...                        "kind": "talks"})
    >>> res = weekday_placebo_test(build_timeline(claims, events), n_placebo=500)
    >>> 0 < res.pvalue <= 1
    True
    """
    _common_iv(timeline, offsets, n_placebo, "n_placebo", form)
    counts = np.asarray(timeline.claims, dtype=np.float64)
    n_bins = counts.shape[0]
    pools, fallback = _placebo_pools(timeline, same_period, exclude_event_days)
    exact = math.prod(p.size for p in pools) <= n_placebo
    if exact:
        draws = _enumerate_placebos(pools)
    else:
        draws = _draw_placebos(pools, n_placebo, np.random.default_rng(seed))
    _, inverse = np.unique(timeline.event_bins, return_inverse=True)
    draws = draws[:, inverse]  # events on the same bin share their placebo bin
    observed_w = _window_matrix(timeline.event_bins[None, :], n_bins, offsets, form)[0]
    stat = float(counts @ observed_w)
    null = np.empty(draws.shape[0])
    null_bins = np.empty(draws.shape[0])
    step = max(1, _CHUNK // n_bins)
    for lo in range(0, draws.shape[0], step):  # chunks of placebo calendars
        w = _window_matrix(draws[lo : lo + step], n_bins, offsets, form)
        null[lo : lo + step] = w @ counts
        null_bins[lo : lo + step] = w.sum(axis=1)
        advance(min(lo + step, draws.shape[0]), draws.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        null_rate = float(np.mean(null / null_bins))
        effect = (stat / observed_w.sum()) / null_rate
    return PlaceboResult(
        method="Weekday-matched placebo test",
        statistic=stat,
        pvalue=_enumerated_pvalue(stat, null)
        if exact and not exclude_event_days
        else monte_carlo_pvalue(stat, null),
        effect=float(effect),
        ci_low=None,
        ci_high=None,
        expected=float(null.mean()),
        n=int(draws.shape[0]),
        exact=bool(exact),
        offsets=(int(offsets[0]), int(offsets[1])),
        form=form,
        block=None,
        same_period=bool(same_period),
        n_fallback=fallback,
        null_distribution=null,
    )


def _enumerated_pvalue(stat: float, null: np.ndarray) -> float:
    """``#{null >= stat} / n`` for a complete enumeration that contains the observed case."""
    return float(np.count_nonzero(null >= stat - TIE_RTOL * max(1.0, abs(stat))) / null.size)


def _block_orders(n_blocks: int, n_perm: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    if math.factorial(n_blocks) <= n_perm:
        perms = itertools.permutations(range(n_blocks))
        return np.array(list(perms), dtype=np.int64).reshape(-1, n_blocks), True
    orders = np.tile(np.arange(n_blocks, dtype=np.int64), (n_perm, 1))
    return rng.permuted(orders, axis=1), False


def block_permutation_test(
    timeline: Timeline,
    offsets: tuple[int, int] = (-3, -1),
    *,
    block: int = 28,
    n_perm: int = 2000,
    seed: int | np.random.Generator | None = 0,
    form: WindowForm = "union",
) -> PlaceboResult:
    """Permute blocks of the claim series, keep the events, recompute the window statistic.

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid.
    offsets : tuple of int
        Inclusive window offsets relative to each event bin.
    block : int
        Block length in bins; the last block holds the remainder ``T mod block`` if any.
    n_perm : int
        Random block orders to draw; if ``n_blocks!`` is at most ``n_perm`` every order is
        enumerated instead.
    seed : int, numpy.random.Generator or None
        Seed; same seed, same p-value.
    form : {"union", "per_event"}
        Window form of the statistic.

    Returns
    -------
    PlaceboResult

    Notes
    -----
    The series is cut into ``B = ceil(T / L)`` consecutive blocks. A permutation ``pi``
    lays the blocks out in the order ``pi`` and gives the series ``c^pi``; the statistic is
    ``S(pi) = sum_t c^pi_t m_t`` with the observed window weights ``m``. Monte Carlo:
    ``p = (1 + #{S(pi_j) >= S_obs}) / (1 + n)``; enumeration: ``p = #{S(pi) >= S_obs} / B!``
    (the identity is one of the ``B!`` orders). Dependence shorter than ``L`` bins is kept;
    longer memory and trends are broken, which makes the null too narrow on long-memory
    series. ``effect`` is ``S_obs`` over the mean of ``S(pi)`` (the windows do not move, so
    this is the ratio of window rates).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import build_timeline
    >>> days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(0, 300, 2)]
    >>> claims = pl.DataFrame({"date": days, "actor": "RU MoD", "kind": "capture"})
    >>> events = pl.DataFrame({"date": [dt.date(2025, 3, 5), dt.date(2025, 7, 9)],
    ...                        "kind": "talks"})
    >>> res = block_permutation_test(build_timeline(claims, events), n_perm=500)
    >>> 0 < res.pvalue <= 1
    True
    """
    _common_iv(timeline, offsets, n_perm, "n_perm", form)
    counts = np.asarray(timeline.claims, dtype=np.float64)
    n_bins = counts.shape[0]
    if not 1 <= block <= n_bins:
        raise TimingInputError(f"block must be between 1 and {n_bins} bins, got {block}")
    weights = _window_matrix(timeline.event_bins[None, :], n_bins, offsets, form)[0]
    if not weights.any():
        raise TimingInputError("no bin lies inside an event window; widen the window or period")
    n_blocks = math.ceil(n_bins / block)
    starts = np.arange(n_blocks, dtype=np.int64) * block
    lengths = np.minimum(starts + block, n_bins) - starts
    orders, exact = _block_orders(n_blocks, n_perm, np.random.default_rng(seed))
    null = np.empty(orders.shape[0])
    step = max(1, _CHUNK // n_bins)
    for lo in range(0, orders.shape[0], step):  # chunks of permutations
        od = orders[lo : lo + step]
        lens = lengths[od]
        offset = starts[od] - (np.cumsum(lens, axis=1) - lens)  # source start - target start
        idx = np.repeat(offset.ravel(), lens.ravel()).reshape(od.shape[0], n_bins)
        null[lo : lo + step] = counts[idx + np.arange(n_bins)] @ weights
        advance(min(lo + step, orders.shape[0]), orders.shape[0])
    stat = float(counts @ weights)
    if exact:
        pvalue = _enumerated_pvalue(stat, null)
    else:
        pvalue = monte_carlo_pvalue(stat, null)
    mean_null = float(null.mean())
    return PlaceboResult(
        method="Block permutation test",
        statistic=stat,
        pvalue=pvalue,
        effect=stat / mean_null if mean_null > 0 else float("nan"),
        ci_low=None,
        ci_high=None,
        expected=mean_null,
        n=int(orders.shape[0]),
        exact=bool(exact),
        offsets=(int(offsets[0]), int(offsets[1])),
        form=form,
        block=int(block),
        same_period=None,
        n_fallback=0,
        null_distribution=null,
    )
