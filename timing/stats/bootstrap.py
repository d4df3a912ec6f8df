"""Moving-block bootstrap for effect sizes on autocorrelated, bursty count series.

The circular-shift and placebo tests answer "is there an association?"; this module answers
"how large is it, give or take?". A moving-block bootstrap resamples the study period as a
concatenation of randomly placed blocks of ``L`` consecutive bins (circular: a block that runs
past the end wraps to the start, so every bin is equally likely to be drawn, Politis & Romano
1992). Inside a block the claims keep their bursts and the windows their shape; the claims and
the window mask of a bin travel *together*, so the association between them is kept.

Everything is vectorised: all block starts are one ``(n_boot, n_blocks)`` integer array, and
totals over a resampled series are sums of precomputed circular block sums, so no
``(n_boot, T)`` array is ever built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from timing.errors import TimingInputError
from timing.stats._common import rate_ratio, result_dict
from timing.stats.base import ResultDisplay

__all__ = [
    "RateRatioInterval",
    "block_bootstrap_indices",
    "block_bootstrap_rate_ratio",
    "circular_block_sums",
    "default_block",
    "draw_block_starts",
    "resampled_totals",
]


def default_block(n_bins: int, window: int) -> int:
    """Default block length: ``max(2 * window, round(T ** (1/3)))``, at most ``T``.

    Parameters
    ----------
    n_bins : int
        Length ``T`` of the series.
    window : int
        Length of the windows the statistic looks at (bins).

    Returns
    -------
    int

    Notes
    -----
    ``T^(1/3)`` is the rate-optimal order of the block length for variances and
    distribution functions (Hall, Horowitz & Jing 1995); twice the window keeps a whole window
    and as much context in a typical block, so windows are rarely cut.

    Examples
    --------
    >>> default_block(1800, 3)
    12
    """
    return int(min(max(2 * int(window), round(n_bins ** (1.0 / 3.0)), 1), n_bins))


def draw_block_starts(
    n_bins: int, block: int, n_boot: int, seed: int | np.random.Generator | None = 0
) -> np.ndarray:
    """Draw the start bins of every block of every replicate at once.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(n_boot, ceil(T / block))``, uniform on ``0..T-1``.

    Examples
    --------
    >>> draw_block_starts(10, 4, 2, seed=0).shape
    (2, 3)
    """
    rng = np.random.default_rng(seed)
    n_blocks = math.ceil(n_bins / block)
    return rng.integers(0, n_bins, size=(n_boot, n_blocks), dtype=np.int64)


def block_bootstrap_indices(n_bins: int, starts: np.ndarray, block: int) -> np.ndarray:
    """The bins of each resampled series: circular blocks from ``starts``, cut to ``T`` bins.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(n_boot, T)``. Meant for tests and small problems; the
        statistics here use :func:`resampled_totals` instead.

    Examples
    --------
    >>> block_bootstrap_indices(5, np.array([[3, 0]]), 3).tolist()
    [[3, 4, 0, 0, 1]]
    """
    idx = (starts[:, :, None] + np.arange(block)) % n_bins
    return idx.reshape(starts.shape[0], -1)[:, :n_bins]


def circular_block_sums(values: np.ndarray, length: int) -> np.ndarray:
    """``out[b] = sum(values[(b + u) % T] for u in range(length))`` along the first axis.

    Examples
    --------
    >>> circular_block_sums(np.array([1.0, 2.0, 3.0]), 2).tolist()
    [3.0, 5.0, 4.0]
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    ext = np.concatenate([values, values[:length]], axis=0)
    zero = np.zeros((1, *values.shape[1:]))
    cs = np.concatenate([zero, np.cumsum(ext, axis=0)], axis=0)
    return cs[length : length + n] - cs[:n]


def resampled_totals(values: np.ndarray, starts: np.ndarray, block: int) -> np.ndarray:
    """Totals of per-bin ``values`` over each block-resampled series of ``T`` bins.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(T,)`` or ``(T, m)``: per-bin quantities to total (several at once).
    starts : numpy.ndarray
        Block starts from :func:`draw_block_starts`, shape ``(n_boot, n_blocks)``.
    block : int
        Block length ``L``. The last block of each replicate is cut to ``T - (n_blocks-1) L``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_boot,)`` or ``(n_boot, m)``; equal to
        ``values[block_bootstrap_indices(T, starts, block)].sum(axis=1)``.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    last_len = n - (starts.shape[1] - 1) * block
    total = circular_block_sums(values, last_len)[starts[:, -1]]
    if starts.shape[1] > 1:
        total = total + circular_block_sums(values, block)[starts[:, :-1]].sum(axis=1)
    return total


def percentile_interval(replicates: np.ndarray, alpha: float) -> tuple[float, float]:
    """Percentile interval from the finite-or-infinite replicates (nan are dropped).

    Order statistics (``method="inverted_cdf"``) are used, so an infinite replicate (no claim
    outside the windows) never turns an interpolated bound into nan.
    """
    ok = replicates[~np.isnan(replicates)]
    if ok.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.quantile(ok, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
    return float(lo), float(hi)


@dataclass(frozen=True, slots=True)
class RateRatioInterval(ResultDisplay):
    """Result of :func:`block_bootstrap_rate_ratio`.

    Attributes
    ----------
    estimate : float
        Rate ratio on the data (:func:`timing.stats._common.rate_ratio`).
    ci_low, ci_high : float
        Percentile interval at level ``1 - alpha``.
    block, n_boot : int
        Block length (bins) and number of bootstrap replicates.
    alpha : float
        One minus the confidence level.
    method : str
        ``"percentile"``.
    n_valid : int
        Replicates where the ratio is defined (some window bin and some other bin drawn).
    replicates : numpy.ndarray
        The bootstrap rate ratios (left out of ``to_dict`` unless ``full=True``).
    """

    estimate: float
    ci_low: float
    ci_high: float
    block: int
    n_boot: int
    alpha: float
    method: str
    n_valid: int
    replicates: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """One line for people, e.g. ``2.10x (95 % CI 1.40-3.00)``."""
        level = round(100 * (1 - self.alpha))
        return (
            f"Rate ratio {self.estimate:.2f}x ({level} % CI {self.ci_low:.2f}-{self.ci_high:.2f}; "
            f"moving-block bootstrap, block {self.block} bins, {self.n_boot} replicates, "
            f"{self.method})."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON; the replicates only with ``full=True``."""
        return result_dict(self, exclude=() if full else ("replicates",))


def _window_length(mask: np.ndarray) -> int:
    """Median length of the runs of consecutive window bins (1 if there is none)."""
    padded = np.concatenate([[0], (mask > 0).astype(np.int8), [0]])
    edges = np.diff(padded)
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return math.ceil(np.median(runs)) if runs.size else 1


def _rr_iv(
    counts: np.ndarray, weights: np.ndarray, block: int | None, n_boot: int, alpha: float
) -> None:
    if counts.ndim != 1 or weights.shape != counts.shape:
        raise TimingInputError(
            "counts and weights must be 1-D of the same length, "
            f"got {counts.shape} and {weights.shape}"
        )
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise TimingInputError("counts must be finite and non-negative")
    inside = weights > 0
    if not inside.any() or inside.all():
        raise TimingInputError("weights must mark some bins inside and some outside the windows")
    if block is not None and not 1 <= block <= counts.shape[0]:
        raise TimingInputError(f"block must be between 1 and {counts.shape[0]} bins, got {block}")
    if n_boot < 1:
        raise TimingInputError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < alpha < 1:
        raise TimingInputError(f"alpha must be in (0, 1), got {alpha}")


def block_bootstrap_rate_ratio(
    counts: np.ndarray,
    weights: np.ndarray,
    *,
    block: int | None = None,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int | np.random.Generator | None = 0,
) -> RateRatioInterval:
    """Moving-block bootstrap percentile interval for the window rate ratio.

    Parameters
    ----------
    counts : numpy.ndarray
        Claims per bin, shape ``(T,)``.
    weights : numpy.ndarray
        Window weights (``> 0`` inside an event window), shape ``(T,)``.
    block : int, optional
        Block length in bins; default :func:`default_block` with the median length of the runs
        of window bins, i.e. ``max(2 * w, round(T ** (1/3)))`` for isolated ``w``-bin windows.
    n_boot : int
        Number of bootstrap replicates.
    alpha : float
        The interval has nominal coverage ``1 - alpha``.
    seed : int, numpy.random.Generator or None
        Seed; same seed, same interval.

    Returns
    -------
    RateRatioInterval

    Notes
    -----
    With ``m_t = 1[weights_t > 0]`` the estimate is
    ``RR = (sum c m / sum m) / (sum c (1 - m) / sum (1 - m))``. Each replicate draws
    ``ceil(T / L)`` circular blocks of ``(c_t, m_t)`` pairs and recomputes ``RR`` on the
    concatenation cut to ``T`` bins; the interval is the ``alpha/2`` and ``1 - alpha/2``
    quantiles of the replicates where ``RR`` is defined.

    This is an interval for the *effect size*, not a test: the pairs are resampled jointly,
    so each replicate keeps whatever association the data have and the spread of the
    replicates estimates the sampling variability of ``RR`` around its population value. No
    null hypothesis is imposed, so "the interval excludes 1" is only a rough check; the
    p-values come from the circular-shift and placebo tests, which simulate the null.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> from timing.timeline import window_weights
    >>> w = window_weights(np.arange(10, 730, 20), 730, (-3, -1))
    >>> c = rng.poisson(1.0 + w).astype(float)
    >>> res = block_bootstrap_rate_ratio(c, w, n_boot=500)
    >>> res.ci_low < res.estimate < res.ci_high
    True
    """
    counts = np.asarray(counts, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    _rr_iv(counts, weights, block, n_boot, alpha)
    n = counts.shape[0]
    inside = (weights > 0).astype(np.float64)
    if block is None:
        block = default_block(n, _window_length(inside))
    starts = draw_block_starts(n, block, n_boot, seed)
    per_bin = np.stack([counts * inside, inside, counts * (1 - inside), 1 - inside], axis=1)
    tot = resampled_totals(per_bin, starts, block)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (tot[:, 0] / tot[:, 1]) / (tot[:, 2] / tot[:, 3])
    ratio[(tot[:, 1] == 0) | (tot[:, 3] == 0)] = np.nan
    low, high = percentile_interval(ratio, alpha)
    return RateRatioInterval(
        estimate=rate_ratio(counts, weights),
        ci_low=low,
        ci_high=high,
        block=int(block),
        n_boot=int(n_boot),
        alpha=float(alpha),
        method="percentile",
        n_valid=int(np.count_nonzero(~np.isnan(ratio))),
        replicates=ratio,
    )
