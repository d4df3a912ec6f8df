"""The randomization core every circular-shift method shares: windows, shifts, detrending.

One private module holds what the tests, the timeline and the statistics all build on, so
there is one implementation of each:

- :func:`interval_cover`: how many of a set of bin intervals ``[start, stop)`` cover each
  bin (a difference array and a cumulative sum), in one row or many; event windows,
  anticipation windows, post-event spans and placebo calendars are all built by it;
- :func:`circular_cross_correlation` and :class:`Correlator`: the statistic at every
  circular shift of the event calendar, by FFT (at a fast length when ``T`` has a large
  prime factor, still exact);
- :func:`admissible_shifts`: which shifts a test compares with;
- :func:`detrended`: a claim series less its centred moving average.

:mod:`timing.stats.circular` re-exports the shift functions under their old names.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
import scipy.fft as sp_fft

from timing.errors import TimingInputError

__all__ = [
    "LARGE_PRIME",
    "Correlator",
    "admissible_shifts",
    "circular_cross_correlation",
    "detrended",
    "fast_length",
    "interval_cover",
]


def interval_cover(
    starts: np.ndarray,
    stops: np.ndarray,
    n_bins: int,
    *,
    form: Literal["union", "per_event"] = "per_event",
) -> np.ndarray:
    """How many intervals ``[start, stop)`` cover each bin of a grid of ``n_bins``.

    Parameters
    ----------
    starts, stops : numpy.ndarray
        Interval bounds in bins, of the same shape: 1-D (one set of intervals) or 2-D
        (one set per row, e.g. placebo calendars). Bounds are clipped to ``0..n_bins``, so
        intervals are truncated at the edges of the grid, never wrapped; empty or reversed
        intervals cover nothing.
    n_bins : int
        Length of the grid.
    form : {"per_event", "union"}
        ``"per_event"``: the count of intervals covering each bin; ``"union"``: 1 where
        any does, else 0.

    Returns
    -------
    numpy.ndarray
        ``int64``, shape ``(n_bins,)`` or ``(rows, n_bins)``.

    Examples
    --------
    >>> interval_cover(np.array([3, 4]), np.array([5, 6]), 8).tolist()
    [0, 0, 0, 1, 2, 1, 0, 0]
    >>> interval_cover(np.array([[0], [6]]), np.array([[2], [9]]), 8, form="union").tolist()
    [[1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 1]]
    """
    lo = np.clip(np.asarray(starts, dtype=np.int64), 0, n_bins)
    hi = np.clip(np.asarray(stops, dtype=np.int64), 0, n_bins)
    hi = np.maximum(hi, lo)  # a reversed interval covers nothing
    if lo.ndim == 1:
        diff = np.zeros(n_bins + 1, dtype=np.int64)
        np.add.at(diff, lo, 1)
        np.add.at(diff, hi, -1)
        cover = np.cumsum(diff[:-1])
    else:
        rows = np.broadcast_to(np.arange(lo.shape[0])[:, None], lo.shape)
        diff = np.zeros((lo.shape[0], n_bins + 1), dtype=np.int64)
        np.add.at(diff, (rows, lo), 1)
        np.add.at(diff, (rows, hi), -1)
        cover = np.cumsum(diff[:, :-1], axis=1)
    return (cover > 0).astype(np.int64) if form == "union" else cover


def circular_cross_correlation(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return ``S[..., s] = sum_t counts[t] * weights[..., (t - s) % T]`` for every ``s``.

    Parameters
    ----------
    counts : numpy.ndarray
        Shape ``(T,)``.
    weights : numpy.ndarray
        Shape ``(T,)`` or ``(k, T)``: one or several window-weight vectors.

    Returns
    -------
    numpy.ndarray
        Shape of ``weights``. When both inputs hold integers the result is rounded to the
        exact integers (the FFT's error is far below 0.5 for any realistic ``T``).

    Notes
    -----
    When ``T`` has a large prime factor (e.g. ``3653 = 13 x 281`` days), a length-``T`` FFT
    is several times slower than one of a 5-smooth length; the correlation is then computed
    exactly as a linear one at a fast length ``L >= 2T - 1`` (see :func:`fast_length`).

    Examples
    --------
    >>> c = np.array([0, 2, 0, 1]); m = np.array([1, 0, 0, 0])
    >>> circular_cross_correlation(c, m).tolist()
    [0.0, 2.0, 0.0, 1.0]
    """
    return Correlator(weights)(counts)


#: A length-``T`` FFT whose largest prime factor exceeds this is computed at a 5-smooth
#: length ``L >= 2T - 1`` instead. Measured on pocketfft (numpy 2.4, scipy 1.17): one extra
#: generic pass of a prime ``p`` costs about ``p`` operations per element, so doubling the
#: length pays off from ``p`` of about 150-200 (``T = 3653 = 13 x 281``: 2-3x faster) but not
#: at ``p = 83`` (``T = 3652``), where the plain length stays faster.
LARGE_PRIME = 200


def _largest_prime_factor(n: int) -> int:
    largest, rest, f = 1, n, 2
    while f * f <= rest:
        while rest % f == 0:
            largest, rest = f, rest // f
        f += 1
    return max(largest, rest)


@functools.lru_cache(maxsize=256)
def fast_length(n_bins: int) -> int:
    """FFT length used for a circular correlation of length ``n_bins``.

    ``n_bins`` itself unless it has a prime factor above :data:`LARGE_PRIME`; then the
    5-smooth ``L = next_fast_len(2 * n_bins - 1)`` at which the circular correlation is
    computed exactly as a linear correlation (see :class:`Correlator`).

    Examples
    --------
    >>> fast_length(3652), fast_length(3653)
    (3652, 7500)
    """
    if n_bins < 2 or _largest_prime_factor(n_bins) <= LARGE_PRIME:
        return n_bins
    return sp_fft.next_fast_len(2 * n_bins - 1, real=True)


class Correlator:
    """Circular cross-correlation with fixed window weights, their FFT computed once.

    ``Correlator(weights)(counts)`` equals :func:`circular_cross_correlation`; the
    weights' spectrum is kept, so correlating many claim series with the same calendar
    (as :func:`timing.stats.scan.scan` does) costs one forward FFT per series.

    Parameters
    ----------
    weights : numpy.ndarray
        Shape ``(T,)`` or ``(k, T)``.

    Notes
    -----
    At the plain length ``T``: ``S = irfft(rfft(c) * conj(rfft(m)))``. At a fast length
    ``L >= 2T - 1``: with ``m2 = [m, m[:T-1]]`` (length ``2T - 1``) both zero-padded to
    ``L``, the linear correlation ``R[k] = sum_t c[t] m2[t + k]`` never wraps (``t + k <=
    2T - 2 < L``) and ``m2[t + k] = m[(t + k) mod T]``, so ``S[0] = R[0]`` and
    ``S[s] = R[T - s]`` for ``s = 1..T-1``: the same circular correlation, exactly.
    """

    def __init__(self, weights: np.ndarray) -> None:
        w = np.asarray(weights, dtype=np.float64)
        self.n = n = w.shape[-1]
        self.length = fast_length(n)
        self.integral = _is_integral(w)
        if self.length == n:
            self._spectrum = np.conj(np.fft.rfft(w, axis=-1))
        else:
            doubled = np.concatenate([w, w[..., : n - 1]], axis=-1)
            self._spectrum = sp_fft.rfft(doubled, n=self.length, axis=-1)

    @property
    def n_rows(self) -> int:
        """Number of weight vectors (1 for 1-D weights)."""
        return 1 if self._spectrum.ndim == 1 else int(self._spectrum.shape[0])

    def transform(self, counts: np.ndarray) -> tuple[np.ndarray, bool]:
        """The spectrum of a claim series for :meth:`correlate`, and whether it is integral."""
        c = np.asarray(counts, dtype=np.float64)
        if c.shape[-1] != self.n:
            raise TimingInputError(f"counts have {c.shape[-1]} bins, the weights {self.n}")
        if self.length == self.n:
            return np.fft.rfft(c), _is_integral(c)
        return np.conj(sp_fft.rfft(c, n=self.length)), _is_integral(c)

    def correlate(
        self, transformed: tuple[np.ndarray, bool], rows: slice | None = None
    ) -> np.ndarray:
        """Correlation of a :meth:`transform`-ed series with all weight rows, or ``rows``.

        Working through the rows in slices keeps the arrays small (the scan's cells give
        hundreds of rows of ``2T`` values each); every row is the same as in one call.
        """
        spectrum, integral = transformed
        weights = self._spectrum if rows is None else self._spectrum[rows]
        n = self.n
        if self.length == n:
            out = np.fft.irfft(spectrum * weights, n=n, axis=-1)
        else:
            # conj(C) * M2 is the spectrum of R[k] = sum_t c[t] m2[(t + k) mod L].
            lin = sp_fft.irfft(spectrum * weights, n=self.length, axis=-1)
            out = np.empty((*lin.shape[:-1], n))
            out[..., 0] = lin[..., 0]
            out[..., 1:] = lin[..., n - 1 : 0 : -1]
        if self.integral and integral:
            out = np.rint(out)
        return out

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        """Correlate the claim series ``counts`` (shape ``(T,)``) with the weights."""
        return self.correlate(self.transform(counts))


def _is_integral(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a))) and bool(np.all(a == np.rint(a)))


def admissible_shifts(n_bins: int, min_shift: int, max_shift: int | None = None) -> np.ndarray:
    """Shifts ``s`` in ``1..T-1`` whose circular distance ``min(s, T - s)`` is in range.

    Parameters
    ----------
    n_bins : int
        Length ``T`` of the series.
    min_shift : int
        Smallest circular distance allowed (shifts that barely move the calendar overlap
        the observed windows and are excluded).
    max_shift : int, optional
        Largest circular distance allowed: shifts then stay within a block of the calendar
        around each event, which guards against slow trends.
    """
    s = np.arange(1, n_bins, dtype=np.int64)
    distance = np.minimum(s, n_bins - s)
    ok = distance >= max(min_shift, 1)
    if max_shift is not None:
        ok &= distance <= max_shift
    return s[ok]


def detrended(counts: np.ndarray, span: int) -> np.ndarray:
    """Subtract a centred moving average of ``span`` bins (edges reflected) from ``counts``."""
    if span < 3:
        raise TimingInputError(f"detrend span must be at least 3 bins, got {span}")
    counts = np.asarray(counts, dtype=np.float64)
    half = span // 2
    padded = np.pad(counts, (half, span - 1 - half), mode="reflect")
    trend = np.convolve(padded, np.ones(span) / span, mode="valid")
    return counts - trend
