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

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.fft as sp_fft

from timing.errors import TimingInputError
from timing.stats._common import Alternative, monte_carlo_pvalue, rate_ratio, result_dict
from timing.stats.base import ResultDisplay

if TYPE_CHECKING:
    from timing.timeline import Timeline, WindowForm

__all__ = [
    "CircularShiftResult",
    "Correlator",
    "admissible_shifts",
    "circular_cross_correlation",
    "circular_shift_test",
    "detrended",
    "fast_length",
]


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
