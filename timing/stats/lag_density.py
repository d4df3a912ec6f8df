"""Kernel density of the claim-to-next-event lag, against its circular-shift null.

For each claim, the lag is the time (in days) from the claim to the start of the next event
on or after it. Lags are bounded at 0, so the Gaussian kernel density is reflected at 0;
the same density under every admissible circular shift of the event calendar gives the
null mean and a pointwise band for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from timing._shifts import admissible_shifts
from timing.errors import TimingInputError
from timing.progress import advance
from timing.stats._common import monte_carlo_pvalue, plain, result_dict
from timing.stats.base import ResultDisplay
from timing.timeline import bins_to_next_event

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["LagDensityResult", "claim_lags", "lag_density", "reflected_kde", "select_bandwidth"]

_SQRT_2PI = np.sqrt(2.0 * np.pi)
#: ``to_dict(full=True)`` lists one lag per claim up to this many claims.
LAGS_LISTED_UP_TO = 1_000_000


@dataclass(frozen=True, slots=True)
class LagDensityResult(ResultDisplay):
    """Result of :func:`lag_density`.

    Attributes
    ----------
    method : str
        Human name.
    grid : numpy.ndarray
        Lags in days where the densities are evaluated (from 0).
    density : numpy.ndarray
        Reflected kernel density of the observed lags on ``grid``.
    null_mean, null_low, null_high : numpy.ndarray
        Mean and pointwise 2.5 % / 97.5 % quantiles of the density over the shifts (empty
        when ``null=False``).
    bandwidth : float
        Kernel standard deviation in days; ``bw_method`` says how it was chosen.
    statistic : float
        Mean observed lag in days.
    null_mean_lag : float
        Mean lag averaged over the shifts.
    pvalue : float
        ``(1 + #{mean lag under a shift <= observed}) / (1 + n_shifts)``: claims closer
        before events than the shifted calendars give (nan when ``null=False``).
    n_lags, n_censored : int
        Claims with a next event; claims after the last event (no lag).
    n_shifts : int
        Shifts in the null.
    lag_values, lag_counts : numpy.ndarray
        The observed lags in days, one per bin with claims followed by an event (in bin
        order), and the claims in each: the lags of every claim without one entry per
        claim (``lags`` repeats them).
    """

    method: str
    grid: np.ndarray
    density: np.ndarray
    null_mean: np.ndarray
    null_low: np.ndarray
    null_high: np.ndarray
    bandwidth: float
    bw_method: str
    statistic: float
    null_mean_lag: float
    pvalue: float
    n_lags: int
    n_censored: int
    n_shifts: int
    lag_values: np.ndarray = field(repr=False)
    lag_counts: np.ndarray = field(repr=False)

    @property
    def lags(self) -> np.ndarray:
        """The observed lag of every claim followed by an event, in days (in claim order).

        One entry per claim: at 1e8 claims, 800 MB. The statistics use ``lag_values``
        and ``lag_counts`` instead.
        """
        return np.repeat(self.lag_values, self.lag_counts.astype(np.int64))

    def summary(self) -> str:
        """One paragraph for people."""
        peak = float(self.grid[int(np.argmax(self.density))])
        null = (
            f"; under {self.n_shifts} shifted calendars the mean lag is "
            f"{self.null_mean_lag:.1f} days (p = {self.pvalue:.3g} for lags this short)"
            if self.n_shifts
            else ""
        )
        return (
            f"{self.method}: {self.n_lags} claims ({self.n_censored} after the last event "
            f"left out), mean lag to the next event {self.statistic:.1f} days, density peak at "
            f"{peak:.1f} days (bandwidth {self.bandwidth:.2f} days, {self.bw_method}){null}."
        )

    def to_dict(self, *, full: bool = False, per_claim: bool = True) -> dict[str, Any]:
        """Plain data for JSON, with the grid and densities; ``full=True`` adds the lags.

        The lags are one per claim: ``per_claim=False`` leaves them out even when ``full``.
        Above :data:`LAGS_LISTED_UP_TO` claims they are given as ``lag_values`` and
        ``lag_counts`` (the distinct lags of the bins and their claims) instead.
        """
        out = result_dict(self, exclude=("lag_values", "lag_counts"))
        if full and per_claim:
            if self.n_lags <= LAGS_LISTED_UP_TO:
                out["lags"] = plain(self.lags)
            else:
                out["lag_values"] = plain(self.lag_values)
                out["lag_counts"] = plain(self.lag_counts)
        return out


def select_bandwidth(
    x: np.ndarray, method: str | float = "scott", counts: np.ndarray | None = None
) -> float:
    """Kernel bandwidth (standard deviation) by Scott's or Silverman's rule, or as given.

    ``"scott"``: ``1.059 A n^(-1/5)``; ``"silverman"``: ``0.9 A n^(-1/5)``, with
    ``A = min(sd, IQR / 1.349)`` (statsmodels' ``bw_scott``/``bw_silverman``, which
    ``KDEUnivariate`` uses). The rules assume unbounded data; with reflection at 0 they are
    a reasonable, slightly oversmoothing choice near the boundary.

    With ``counts``, ``x`` holds distinct values and ``counts`` how often each occurs: the
    rule is applied to the repeated data without repeating it (the same quartiles and,
    to rounding, the same standard deviation as statsmodels on the repeat; tested).
    """
    if not isinstance(method, str):
        if not float(method) > 0:
            raise TimingInputError(f"bandwidth must be positive, got {method}")
        return float(method)
    from statsmodels.nonparametric.bandwidths import bw_scott, bw_silverman

    rules = {"scott": bw_scott, "silverman": bw_silverman}
    if method not in rules:
        raise TimingInputError(
            f"bandwidth must be 'scott', 'silverman' or a number, got {method!r}"
        )
    if counts is None:
        h = float(rules[method](np.asarray(x, dtype=np.float64)))
    else:
        factor = {"scott": 1.059, "silverman": 0.9}[method]
        h = _repeated_rule(np.asarray(x, dtype=np.float64), np.asarray(counts), factor)
    return h if h > 0 else 1.0


def _repeated_rule(values: np.ndarray, counts: np.ndarray, factor: float) -> float:
    """``factor * min(sd, IQR / 1.349) * n^(-1/5)`` of ``values`` repeated ``counts`` times.

    statsmodels' ``_select_sigma`` on the repeat: scipy's ``scoreatpercentile`` quartiles
    (``a + (b - a) f`` between the neighbouring order statistics), ``np.std(ddof=1)``.
    """
    weights = counts.astype(np.float64)
    n = float(weights.sum())
    if n < 2:
        return float("nan")
    mean = float(weights @ values) / n
    sd = float(np.sqrt(float(weights @ (values - mean) ** 2) / (n - 1)))
    order = np.argsort(values, kind="stable")
    sorted_values, ends = values[order], np.cumsum(counts[order].astype(np.int64))

    def score(percent: float) -> float:
        position = percent / 100.0 * (n - 1)
        low = int(np.floor(position))
        a = float(sorted_values[np.searchsorted(ends, low, side="right")])
        if position == low:
            return a
        b = float(sorted_values[np.searchsorted(ends, low + 1, side="right")])
        return a + (b - a) * (position - low)

    iqr = (score(75) - score(25)) / 1.349
    spread = min(sd, iqr) if iqr > 0 else sd
    return factor * spread * n ** (-0.2)


def reflected_kde(
    values: np.ndarray, grid: np.ndarray, bandwidth: float, weights: np.ndarray | None = None
) -> np.ndarray:
    """Gaussian kernel density of ``values >= 0`` reflected at 0, on ``grid``.

    ``f(x) = sum_i w_i [phi((x - x_i) / h) + phi((x + x_i) / h)] / (h sum_i w_i)`` for
    ``x >= 0``: the mass the plain kernel puts below 0 is folded back, so ``f`` integrates
    to 1 over ``[0, inf)``.

    Examples
    --------
    >>> g = np.linspace(0, 60, 6001)
    >>> round(float(np.trapezoid(reflected_kde(np.array([0.0, 1, 2]), g, 1.0), g)), 6)
    1.0
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64)
    g = np.asarray(grid, dtype=np.float64)[:, None]
    kern = np.exp(-0.5 * ((g - v) / bandwidth) ** 2) + np.exp(-0.5 * ((g + v) / bandwidth) ** 2)
    return (kern @ w) / (w.sum() * bandwidth * _SQRT_2PI)


def claim_lags(claim_bins: np.ndarray, event_bins: np.ndarray) -> np.ndarray:
    """Bins from each claim to the next event starting on or after it (-1 when none).

    Examples
    --------
    >>> claim_lags(np.array([0, 3, 4, 9]), np.array([3, 6])).tolist()
    [3, 0, 2, -1]
    """
    return bins_to_next_event(claim_bins, event_bins)


def lag_density(
    timeline: Timeline,
    *,
    bandwidth: str | float = "scott",
    grid: np.ndarray | None = None,
    n_grid: int = 256,
    null: bool = True,
    n_shifts: int | None = None,
    min_shift: int = 1,
    seed: int | np.random.Generator | None = None,
) -> LagDensityResult:
    """Reflected kernel density of claim-to-next-event lags, with its circular-shift null.

    Parameters
    ----------
    timeline : Timeline
        A count timeline (whole claims per bin).
    bandwidth : {"scott", "silverman"} or float
        Rule for the kernel standard deviation, or the value in days
        (see :func:`select_bandwidth`). The null densities use the observed bandwidth.
    grid : numpy.ndarray, optional
        Lags in days to evaluate at; default ``n_grid`` points from 0 to the largest lag
        plus three bandwidths.
    null : bool
        Also compute the density under the shifted calendars.
    n_shifts : int, optional
        Draw this many admissible shifts (seeded); default all of them.
    min_shift : int
        Smallest circular shift distance.
    seed : int or numpy.random.Generator, optional
        For the shift sample.

    Returns
    -------
    LagDensityResult

    Notes
    -----
    Lags are ``e - t`` bins for a claim in bin ``t`` and the first event start ``e >= t``,
    in days; claims after the last event have no lag and are counted as censored. The
    density is :func:`reflected_kde`. Under a shift ``s`` the events start at
    ``(e + s) mod T`` and the lags are recomputed the same way; because the density is
    linear in the lag histogram, every shift's density is one row of a histogram-by-kernel
    matrix product. The null mean is the average of the per-shift densities.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import Timeline
    >>> ev = np.arange(10, 365, 30); c = np.ones(365)
    >>> tl = Timeline(dt.date(2024, 1, 1), "day", c, ev, ev, np.full(ev.size, -1),
    ...     pl.DataFrame(), pl.DataFrame(), {})
    >>> res = lag_density(tl, n_grid=64)
    >>> res.n_lags + res.n_censored == 365
    True
    """
    if n_shifts is not None and n_shifts < 1:
        raise TimingInputError(f"n_shifts must be at least 1 (or None for all), got {n_shifts}")
    counts = np.asarray(timeline.claims, dtype=np.float64)
    if not np.all(counts == np.rint(counts)) or np.any(counts < 0):
        raise TimingInputError("lag density needs whole claim counts per bin (weight='count')")
    n_bins, per_day = counts.shape[0], timeline.bins_per_day
    # Every claim of a bin has the bin's lag: the lags are the bins' lags with the bins'
    # counts as weights (memory and time grow with bins, not claims).
    lag_bins = claim_lags(np.arange(n_bins), timeline.event_bins)
    ok = (counts > 0) & (lag_bins >= 0)
    if not ok.any():
        raise TimingInputError("no claim is followed by an event: no lag to estimate")
    lag_values, lag_counts = lag_bins[ok] / per_day, counts[ok]
    n_lags = int(lag_counts.sum())
    n_censored = int(counts[lag_bins < 0].sum())
    observed_mean = float(lag_values @ lag_counts) / n_lags
    h = select_bandwidth(lag_values, bandwidth, counts=lag_counts)
    if grid is None:
        grid = np.linspace(0.0, float(lag_values.max()) + 3.0 * h, int(n_grid))
    grid = np.asarray(grid, dtype=np.float64)
    values, where = np.unique(lag_values, return_inverse=True)
    freq = np.bincount(where, weights=lag_counts, minlength=values.size)
    density = reflected_kde(values, grid, h, freq)

    empty = np.zeros(0)
    null_mean, null_low, null_high, null_lag, pvalue = empty, empty, empty, np.nan, np.nan
    shifts = empty.astype(np.int64)
    if null:
        shifts = admissible_shifts(n_bins, int(min_shift))
        if n_shifts is not None and n_shifts < shifts.size:
            rng = np.random.default_rng(seed)
            shifts = np.sort(rng.choice(shifts, size=int(n_shifts), replace=False))
        hist = np.zeros((shifts.size, n_bins), dtype=np.float64)
        for i, s in enumerate(shifts):
            lag_s = claim_lags(np.arange(n_bins), (timeline.event_bins + s) % n_bins)
            keep = lag_s >= 0
            hist[i] = np.bincount(lag_s[keep], weights=counts[keep], minlength=n_bins)
            advance(i + 1, shifts.size)
        totals = hist.sum(axis=1)
        valid = totals > 0
        hist, shifts = hist[valid] / totals[valid, None], shifts[valid]
        if not shifts.size:
            raise TimingInputError(
                "no shifted event calendar leaves a claim followed by an event "
                f"({int(valid.size)} admissible shifts): the null band cannot be drawn"
            )
        support = np.flatnonzero(hist.any(axis=0))
        dens = hist[:, support] @ _basis(support / per_day, grid, h)
        null_mean = dens.mean(axis=0)
        null_low, null_high = np.quantile(dens, [0.025, 0.975], axis=0)
        mean_lags = hist[:, support] @ (support / per_day)
        null_lag = float(mean_lags.mean())
        pvalue = monte_carlo_pvalue(observed_mean, mean_lags, "less")
    return LagDensityResult(
        method="Claim-to-next-event lag density (Gaussian KDE reflected at 0)",
        grid=grid,
        density=density,
        null_mean=null_mean,
        null_low=null_low,
        null_high=null_high,
        bandwidth=h,
        bw_method=bandwidth if isinstance(bandwidth, str) else "given",
        statistic=observed_mean,
        null_mean_lag=null_lag,
        pvalue=float(pvalue),
        n_lags=n_lags,
        n_censored=n_censored,
        n_shifts=int(shifts.size),
        lag_values=lag_values,
        lag_counts=lag_counts,
    )


def _basis(values: np.ndarray, grid: np.ndarray, h: float) -> np.ndarray:
    """Row ``j``: the reflected kernel of one observation at ``values[j]`` on ``grid``."""
    v = values[:, None]
    g = grid[None, :]
    kern = np.exp(-0.5 * ((g - v) / h) ** 2) + np.exp(-0.5 * ((g + v) / h) ** 2)
    return kern / (h * _SQRT_2PI)
