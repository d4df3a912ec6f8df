"""Influence on the primary finding: which events and months carry it.

Part of the robustness analysis (:mod:`timing.stats.robustness`). Everything here is the
exact circular-shift test of :func:`timing.stats.circular.circular_shift_test`, run on a
modified input:

* **leave one event out**: the event calendar minus one event (its window removed);
* **leave one month out**: one calendar month masked out of the claim series. The calendar
  is shifted over the whole period as usual, but the statistic only counts claims outside
  the masked month, ``S(s) = sum_t keep_t x_t m_{(t - s) mod T}``, and the rate ratio only
  compares bins outside it (the same construction as the sub-periods of the specification
  curve);
:func:`shift_tests` is the batched core shared with the specification curve
(:mod:`timing.stats.robustness_curve`) and the tipping point
(:mod:`timing.stats.robustness_tipping`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from timing._shifts import admissible_shifts, detrended
from timing.errors import TimingInputError
from timing.stats._common import TIE_RTOL, plain, rate_ratio
from timing.timeline import anticipation_weights, window_weights

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = [
    "Influence",
    "influence",
    "p_greater",
    "primary_shifts",
    "primary_weights",
    "shift_tests",
    "xcorr",
]

#: Events and months listed by name in summaries (the tables hold all of them).
N_NAMED = 3
#: Decimals of the size of a change (log rate ratio) its rows are ordered by: sizes that
#: differ only by rounding are ties, kept in the order of the events (or months).
CHANGE_DECIMALS = 12


def xcorr(series: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``S[..., s] = sum_t series[..., t] weights[..., (t - s) % T]``, broadcast over rows.

    Like :func:`timing.stats.circular.circular_cross_correlation`, but both arguments may
    be stacks; integral inputs give exactly rounded integers.
    """
    series = np.asarray(series, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    n = series.shape[-1]
    spectrum = np.fft.rfft(series, axis=-1) * np.conj(np.fft.rfft(weights, axis=-1))
    out = np.fft.irfft(spectrum, n=n, axis=-1)
    if np.array_equal(series, np.rint(series)) and np.array_equal(weights, np.rint(weights)):
        out = np.rint(out)
    return out


def p_greater(stats: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Exact one-sided p of ``stats[..., 0]`` among ``stats[..., shifts]`` (ties tolerated)."""
    obs = stats[..., 0]
    null = stats[..., shifts]
    tol = TIE_RTOL * np.maximum(1.0, np.abs(obs))
    n_ge = np.count_nonzero(null >= (obs - tol)[..., None], axis=-1)
    return (1.0 + n_ge) / (1.0 + shifts.size)


def shift_tests(
    counts: np.ndarray,
    weights: np.ndarray,
    *,
    keep: np.ndarray | None = None,
    detrend: int | None = None,
    shifts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate ratios, exact p-values and statistics of a stack of circular-shift tests.

    Parameters
    ----------
    counts : numpy.ndarray
        Claims per bin, shape ``(T,)`` or ``(k, T)``.
    weights : numpy.ndarray
        Window weights, shape ``(T,)`` or ``(k, T)`` (broadcast against ``counts``).
    keep : numpy.ndarray, optional
        Boolean mask(s) of the bins that count, broadcast likewise (default: all).
    detrend : int, optional
        Moving-average span (bins) removed from ``counts`` before masking.
    shifts : numpy.ndarray
        Admissible shifts (:func:`timing.stats.circular.admissible_shifts`).

    Returns
    -------
    rate_ratio, pvalue, statistic : numpy.ndarray
        One value per row. Without ``keep`` each equals
        :func:`~timing.stats.circular.circular_shift_test` with the same ``detrend`` and
        shifts.
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    n = counts.shape[-1]
    mask = np.ones((1, n), dtype=bool) if keep is None else np.atleast_2d(keep).astype(bool)
    series = np.stack([detrended(c, detrend) for c in counts]) if detrend else counts
    stats = xcorr(series * mask, weights)
    pvals = p_greater(stats, shifts)
    rows = np.broadcast_shapes(counts.shape, weights.shape, mask.shape)[0]
    c = np.broadcast_to(counts, (rows, n))
    w = np.broadcast_to(weights, (rows, n))
    m = np.broadcast_to(mask, (rows, n))
    ratios = np.array([rate_ratio(c[i][m[i]], w[i][m[i]]) for i in range(rows)])
    return ratios, pvals, stats[..., 0]


def primary_weights(timeline: Timeline, offsets: tuple[int, int], anticipation: bool) -> np.ndarray:
    """Union window weights of the timeline's events (``offsets`` in bins)."""
    return timeline.weights(offsets, anticipation=anticipation)


def primary_shifts(
    n_bins: int, offsets: tuple[int, int], anticipation: bool, lo: int | None, hi: int | None
) -> np.ndarray:
    """Admissible shifts of the primary test (``lo``/``hi``: its min and max shift, bins)."""
    default = 7 if anticipation else offsets[1] - offsets[0] + 1
    shifts = admissible_shifts(n_bins, lo or default, hi)
    if shifts.size == 0:
        raise TimingInputError(f"no admissible shift of the event calendar in {n_bins} bins")
    return shifts


@dataclass(frozen=True, slots=True)
class Influence:
    """Leave-one-event-out and leave-one-month-out estimates of the primary test.

    Attributes
    ----------
    rate_ratio, pvalue : float
        The primary test on all data.
    alpha : float
        Level at which a removal "crosses" (changes significant to not, or back).
    events : polars.DataFrame
        One row per event: ``event_id``, ``date``, ``title``, ``kind``, ``rate_ratio`` and
        ``pvalue`` without it, ``change`` (log rate ratio without it minus with it),
        ``crosses``; sorted by the size of ``change``.
    months : polars.DataFrame
        One row per calendar month in the period: ``month``, ``n_bins``, ``n_claims`` (in
        it), ``rate_ratio``, ``pvalue``, ``change``, ``crosses``; same order.
    """

    rate_ratio: float
    pvalue: float
    alpha: float
    events: pl.DataFrame = field(repr=False)
    months: pl.DataFrame = field(repr=False)
    method: str = "Influence: leave one event out, leave one month out"

    @property
    def pivotal_events(self) -> list[str]:
        """Events whose removal alone moves p across ``alpha``."""
        return [_label(r) for r in self.events.filter(pl.col("crosses")).iter_rows(named=True)]

    @property
    def pivotal_months(self) -> list[str]:
        """Months whose masking alone moves p across ``alpha``."""
        return self.months.filter(pl.col("crosses"))["month"].to_list()

    def summary(self) -> str:
        """A few lines for people."""
        lines = [
            f"{self.method} (all data: rate ratio {self.rate_ratio:.2f}, p = {self.pvalue:.3g})."
        ]
        for name, frame, what in (("event", self.events, _label), ("month", self.months, None)):
            crossing = frame.filter(pl.col("crosses"))
            lines.append(
                f"  {crossing.height} {name}{'' if crossing.height == 1 else 's'} of "
                f"{frame.height} move p across {self.alpha:g} when left out."
            )
            for row in frame.head(N_NAMED).iter_rows(named=True):
                label = what(row) if what else row["month"]
                lines.append(
                    f"    without {label}: rate ratio {row['rate_ratio']:.2f}, "
                    f"p = {row['pvalue']:.3g}"
                )
        return "\n".join(lines)

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON: both tables as records."""
        return {
            "method": self.method,
            "rate_ratio": plain(self.rate_ratio),
            "pvalue": self.pvalue,
            "alpha": self.alpha,
            "pivotal_events": self.pivotal_events,
            "pivotal_months": self.pivotal_months,
            "events": [plain(r) for r in self.events.to_dicts()],
            "months": [plain(r) for r in self.months.to_dicts()],
        }


def _label(row: dict[str, Any]) -> str:
    title = row.get("title") or row.get("event_id") or "event"
    return f"{title} ({row['date']})" if row.get("date") else str(title)


def _log_change(new: np.ndarray, base: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = np.log(new) - np.log(base)
    return np.where(np.isfinite(out), out, np.nan)


def influence(
    timeline: Timeline,
    offsets: tuple[int, int] = (-3, -1),
    *,
    anticipation: bool = False,
    detrend: int | None = None,
    min_shift: int | None = None,
    max_shift: int | None = None,
    alpha: float = 0.05,
) -> Influence:
    """Leave-one-event-out and leave-one-month-out rate ratios and exact p-values.

    Parameters
    ----------
    timeline : Timeline
    offsets : tuple of int
        Window offsets in bins, as for :func:`~timing.stats.circular.circular_shift_test`.
    anticipation : bool
        Use the anticipation windows instead.
    detrend : int, optional
        Moving-average span in bins removed from the claims (as in the primary test).
    min_shift, max_shift : int, optional
        Shift distances, as for the primary test.
    alpha : float
        Level of "significant".

    Returns
    -------
    Influence

    Notes
    -----
    All events (or months) are done in one batched FFT. A masked month keeps the whole
    calendar and the whole shift set: only the bins of that month stop counting, in the
    statistic and in the rate ratio alike.
    """
    n = timeline.n_bins
    shifts = primary_shifts(n, offsets, anticipation, min_shift, max_shift)
    ev, ann = timeline.event_bins, timeline.announced_bins
    base_w = primary_weights(timeline, offsets, anticipation)
    (rr0,), (p0,), _ = shift_tests(timeline.claims, base_w, detrend=detrend, shifts=shifts)
    significant = p0 < alpha

    drop = ~np.eye(ev.size, dtype=bool)
    stack = (
        np.stack(
            [
                anticipation_weights(ev[d], ann[d], n)
                if anticipation
                else window_weights(ev[d], n, offsets)
                for d in drop
            ]
        )
        if ev.size
        else np.zeros((0, n))
    )
    rr_e, p_e, _ = (
        shift_tests(timeline.claims, stack, detrend=detrend, shifts=shifts)
        if ev.size
        else (np.zeros(0), np.zeros(0), None)
    )
    frame = timeline.events_frame
    cols = {
        c: (
            _text(frame[c])
            if c in frame.columns
            else pl.Series(c, [None] * ev.size, dtype=pl.String)
        )
        for c in ("event_id", "date", "title", "kind")
    }
    if frame.height != ev.size:  # a timeline from arrays: no event rows
        cols = {c: pl.Series(c, [None] * ev.size, dtype=pl.String) for c in cols}
        cols["event_id"] = pl.Series("event_id", [f"bin {b}" for b in ev])
    events = _influence_frame(cols, rr_e, p_e, rr0, significant, alpha)

    times = timeline.times().astype("datetime64[M]")
    months, index = np.unique(times, return_inverse=True)
    keep = index[None, :] != np.arange(months.size)[:, None]
    rr_m, p_m, _ = shift_tests(timeline.claims, base_w, keep=keep, detrend=detrend, shifts=shifts)
    month_cols = {
        "month": pl.Series("month", [str(m) for m in months]),
        "n_bins": pl.Series("n_bins", np.bincount(index, minlength=months.size)),
        "n_claims": pl.Series(
            "n_claims", np.bincount(index, weights=timeline.claims, minlength=months.size)
        ),
    }
    return Influence(
        rate_ratio=float(rr0),
        pvalue=float(p0),
        alpha=float(alpha),
        events=events,
        months=_influence_frame(month_cols, rr_m, p_m, rr0, significant, alpha),
    )


def _text(column: pl.Series) -> pl.Series:
    """A column as text; timestamps as ``YYYY-MM-DD HH:MM`` (UTC)."""
    if isinstance(column.dtype, pl.Datetime):
        return column.dt.strftime("%Y-%m-%d %H:%M")
    return column.cast(pl.String)


def _influence_frame(
    cols: dict[str, pl.Series],
    ratios: np.ndarray,
    pvals: np.ndarray,
    base: float,
    significant: bool,
    alpha: float,
) -> pl.DataFrame:
    change = _log_change(ratios, base)
    out = pl.DataFrame(
        {
            **{k: pl.Series(k, v) for k, v in cols.items()},
            "rate_ratio": pl.Series("rate_ratio", ratios, dtype=pl.Float64),
            "pvalue": pl.Series("pvalue", pvals, dtype=pl.Float64),
            "change": pl.Series("change", change, dtype=pl.Float64),
            "crosses": pl.Series("crosses", (pvals < alpha) != significant, dtype=pl.Boolean),
        }
    )
    # Sizes equal but for rounding (events whose windows hold the same claims; sums of
    # fractional values added in another order) keep the events' order.
    size = np.round(np.nan_to_num(np.abs(change), nan=-1.0), CHANGE_DECIMALS)
    order = np.lexsort((np.arange(out.height), -size, ~out["crosses"].to_numpy()))
    return out[order.tolist()]
