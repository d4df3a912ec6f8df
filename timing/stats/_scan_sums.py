"""The scan's statistic at every shift from one claim series' running total, in integers.

:mod:`timing.stats._scan_kernel` computes, for each claim series and each event calendar,
the sums ``Z(x) = sum_e Q(e + x)`` of the series' periodically extended running total
``Q`` (``Q(x + T) = Q(x) + total``), updates two copies of it as events join the
"overlapping" set and subtracts them into one row per window (its module docstring has the
algebra). This module does that part:

- every such sum is exact integer arithmetic, in ``int32`` when no partial sum can reach
  ``2**31`` (half the memory traffic of ``float64``: the scan's inner loop is memory-bound),
  else in ``int64``; the rows then become ``float64``, the same integers as before;
- a sum of ``m`` shifted copies of ``Q`` is computed either directly (``m`` additions of
  ``T`` values) or by one FFT correlation, rounded and checked, whichever is cheaper for
  ``m``; both give the same integers, so the choice never changes a result;
- the anticipation row, the union of ``[announced, e)`` intervals, is the same kind of sum:
  ``Q(b + s) - Q(a + s)`` over its runs ``[a, b)`` of window bins.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import scipy.fft as sp_fft

if TYPE_CHECKING:
    from timing.stats._scan_kernel import ScanPlan

__all__ = ["Prepared", "SeriesSums", "union_window_sizes"]

#: Largest distance from an integer tolerated in a rounded FFT correlation before the
#: exact direct sum is used instead (the error is ~1e-6 at 1e9; 0.05 is a wide margin).
ROUNDING_SLACK = 0.05

#: Cost of one FFT correlation of length about ``2T``, in additions of ``T`` integers
#: (measured on this project's 2-core EPYC, T = 87,672, pocketfft: an FFT of 177,147 values
#: 2.5-2.8 ms, an ``int32`` addition of 87,672 values 8 us). Only speed depends on it.
FFT_COST = 300

#: Partial sums below this run in ``int32``, larger ones in ``int64``.
INT32_LIMIT = 2**31 - 1


def union_window_sizes(starts: np.ndarray, n_bins: int, windows: np.ndarray) -> np.ndarray:
    """Bins in the union of the windows ``[e - w, e - 1]`` for each length ``w``.

    ``starts`` are distinct sorted event bins in ``0..n_bins-1``; the windows are truncated
    at bin 0. Equal to ``(next_event_distance(starts, n_bins) <= w).sum()``.

    Examples
    --------
    >>> union_window_sizes(np.array([3, 5]), 7, np.array([1, 2, 4])).tolist()
    [2, 4, 5]
    """
    starts = np.asarray(starts, dtype=np.int64)
    gap = starts - np.concatenate([[0], starts[:-1]])
    w = np.asarray(windows, dtype=np.int64)
    return np.minimum(gap[None, :], w[:, None]).sum(axis=1)


def _runs(inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and stops ``[a, b)`` of the runs of ``True`` in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


class _Sum:
    """``sum_i Q(plus_i + x) - sum_j Q(minus_j + x)`` for ``x`` in ``start..start+size-1``.

    With ``spectrum`` (the conjugate spectrum of the +1/-1 indicator) it is computed by FFT
    from the series' spectrum, otherwise by direct additions of slices of ``q``.
    """

    def __init__(
        self, plus: np.ndarray, minus: np.ndarray, start: int, size: int, length: int | None
    ) -> None:
        self.plus = plus.astype(np.int64)
        self.minus = minus.astype(np.int64)
        self.start, self.size = start, size
        self.spectrum: np.ndarray | None = None
        if length is not None:
            kernel = np.zeros(int(max(self.plus.max(initial=0), self.minus.max(initial=0))) + 1)
            np.add.at(kernel, self.plus, 1.0)
            np.add.at(kernel, self.minus, -1.0)
            self.spectrum = np.conj(sp_fft.rfft(kernel, n=length))


class Prepared:
    """The plan's sums and window bookkeeping, computed once per block (not pickled).

    Parameters
    ----------
    plan : ScanPlan
        Calendars and shifts of the scan. A sum of more terms than :data:`FFT_COST` (the
        cost of one FFT correlation in additions of ``T`` values) is computed by FFT; the
        results do not depend on it.
    """

    def __init__(self, plan: ScanPlan) -> None:
        n = plan.n_bins
        fft_cost = FFT_COST
        self.plan = plan
        longest = max((int(c.windows.max()) for c in plan.calendars if c.windows.size), default=0)
        self.reach = min(longest, n - 1)  # windows longer than T - 1 equal T - 1
        # q holds Q(x) for x = -reach..2T-1; a correlation of it never wraps at this length
        self.length = sp_fft.next_fast_len(2 * n + self.reach, real=True)
        wanted = [
            (c.starts, _runs(c.anticipation) if c.anticipation is not None else None)
            for c in plan.calendars
        ]
        sizes = [s.size for s, _ in wanted] + [r[0].size * 2 for _, r in wanted if r is not None]
        excess = sum(max(0, m - fft_cost) for m in sizes)
        use_fft = excess > fft_cost  # the series' own FFT must pay off too
        self.needs_spectrum = use_fft
        #: Most terms of any running sum: own = Z less one term per joined event.
        self.max_terms = 2 * max(sizes, default=0)
        self.events: list[_Sum] = []
        self.anticipation: list[_Sum | None] = []
        self.entering: list[dict[int, tuple[np.ndarray, np.ndarray]]] = []
        self.n_in: list[np.ndarray] = []
        empty = np.zeros(0, dtype=np.int64)
        for starts, runs in wanted:
            fft = self.length if use_fft and starts.size > fft_cost else None
            self.events.append(_Sum(starts, empty, -self.reach, n + self.reach, fft))
            if runs is None:
                self.anticipation.append(None)
            else:
                fft = self.length if use_fft and 2 * runs[0].size > fft_cost else None
                self.anticipation.append(_Sum(runs[1], runs[0], 0, n, fft))
            prev = np.concatenate([[0], starts[:-1]])
            gap = starts - prev
            # event e joins the "overlapping" set at w = gap + 1 (its window reaches p_e)
            joins = {
                int(w): (starts[gap + 1 == w], prev[gap + 1 == w])
                for w in np.unique(gap + 1)
                if w <= self.reach
            }
            self.entering.append(joins)
            self.n_in.append(union_window_sizes(starts, n, np.arange(self.reach + 1)))
        self.parts = _partitions([c.starts for c in plan.calendars])
        #: Calendars that are a part of another's: their sum is kept for reuse.
        self.shared = {j for p in self.parts if p is not None for j in p}
        antis = [c.anticipation for c in plan.calendars if c.anticipation is not None]
        self.anti_inside = np.stack([a.astype(np.float64) for a in antis]) if antis else None


def _partitions(calendars: list[np.ndarray]) -> list[tuple[int, ...] | None]:
    """For each calendar, other calendars whose events split its events (or None).

    The scan's pooled calendar ("all" event kinds) is usually the disjoint union of the
    calendars of its kinds; its ``Z`` is then the sum of theirs (a few additions instead of
    one per event). Two kinds on the same bin break the split and the pooled ``Z`` is
    summed on its own.
    """
    out: list[tuple[int, ...] | None] = []
    for k, starts in enumerate(calendars):
        parts = tuple(
            j
            for j, other in enumerate(calendars)
            if j != k and 0 < other.size < starts.size and np.isin(other, starts).all()
        )
        joined = np.sort(np.concatenate([calendars[j] for j in parts])) if parts else None
        split = joined is not None and np.array_equal(joined, starts)  # disjoint, covering
        out.append(parts if split and len(parts) < starts.size else None)
    return out


class SeriesSums:
    """One claim series' running total ``q`` and the exact sums of the scan over it."""

    def __init__(self, prep: Prepared, counts: np.ndarray) -> None:
        n, reach = prep.plan.n_bins, prep.reach
        self.prep = prep
        self.total = total = float(counts.sum())
        # |Q| <= 2 total on -reach..2T-1; every partial sum has at most max_terms terms
        small = 2.0 * total * max(prep.max_terms, 1) < INT32_LIMIT
        self.dtype = np.int32 if small else np.int64
        prefix = np.empty(n, dtype=np.int64)  # claims before bin x (integers)
        prefix[0] = 0
        np.cumsum(counts[:-1].astype(np.int64), out=prefix[1:])
        t = int(total)
        q = np.concatenate([prefix[n - reach :] - t, prefix, prefix + t])
        self.q = q.astype(self.dtype)
        self._z: dict[int, np.ndarray] = {}  # Z of calendars that are parts of another
        self.q_hat = None
        if prep.needs_spectrum:
            self.q_hat = sp_fft.rfft(q.astype(np.float64), n=prep.length)

    def sum(self, item: _Sum) -> np.ndarray:
        """The integer values of ``item`` (a new array of ``item.size``)."""
        lo, size = item.start + self.prep.reach, item.size  # q[i] is Q(i - reach)
        if item.spectrum is not None and self.q_hat is not None:
            z = sp_fft.irfft(self.q_hat * item.spectrum, n=self.prep.length)[lo : lo + size]
            exact = np.rint(z)
            if np.max(np.abs(z - exact), initial=0.0) <= ROUNDING_SLACK:
                return exact.astype(self.dtype)
        out: np.ndarray = np.zeros(size, dtype=self.dtype)  # huge sums, or few terms
        q = self.q
        for p in item.plus.tolist():
            np.add(out, q[p + lo : p + lo + size], out=out)
        for m in item.minus.tolist():
            np.subtract(out, q[m + lo : m + lo + size], out=out)
        return out

    def event_sum(self, k: int) -> np.ndarray:
        """``Z(x) = sum_e Q(e + x)`` of calendar ``k`` for ``x = -reach..T-1`` (a new array):
        the sum of its parts' when other calendars split its events."""
        parts = self.prep.parts[k]
        if parts is None:
            if k in self.prep.shared:
                if k not in self._z:
                    self._z[k] = self.sum(self.prep.events[k])
                return self._z[k].copy()
            return self.sum(self.prep.events[k])
        z = self.event_sum(parts[0])
        for j in parts[1:]:
            np.add(z, self.event_sum(j), out=z)
        return z

    def window_rows(self, k: int, out: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(row, S)``: the statistic at every shift of calendar ``k``'s window rows
        (``S`` is ``out``, float64, overwritten at the next row)."""
        prep = self.prep
        n, reach, q = prep.plan.n_bins, prep.reach, self.q
        cal = prep.plan.calendars[k]
        if not cal.windows.size:
            return
        lead = self.event_sum(k)  # Z(x) less the overlapping events' Q(e + x)
        own = lead[reach : reach + n].copy()  # Z(s) less the overlapping events' Q(p_e + s)
        joins = prep.entering[k]
        todo = iter(enumerate(cal.windows.tolist()))
        nxt = next(todo, None)
        for w in range(1, reach + 1):
            if nxt is None:
                break
            if w in joins:
                for e, p in zip(*joins[w], strict=True):
                    lead -= q[e : e + n + reach]
                    own -= q[p + reach : p + reach + n]
            while nxt is not None and min(nxt[1], reach) == w:
                np.subtract(own, lead[reach - w : reach - w + n], out=out, dtype=np.float64)
                yield nxt[0], out
                nxt = next(todo, None)

    def anticipation_row(self, k: int, out: np.ndarray) -> np.ndarray:
        """The anticipation row of calendar ``k`` at every shift, in ``out`` (float64)."""
        item = self.prep.anticipation[k]
        assert item is not None
        np.copyto(out, self.sum(item), casting="safe")
        return out
