"""The scan's kernel (one FFT per calendar, windows by running totals) against the FFTs.

The reference is the scan as it was before the kernel: every window row's statistic by
its own FFT (:class:`timing._shifts.Correlator`), the null summaries on the stacked rows.
The kernel must give the same cells to the bit: statistic, expected, p-value, q-values and
family-wise p.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import timing.stats._scan_sums as sums
from timing._shifts import Correlator, admissible_shifts
from timing.stats._common import TIE_RTOL
from timing.stats._scan_kernel import Calendar, ScanPlan, scan_block, union_window_sizes
from timing.stats.scan import _adjust, _null_index, next_event_distance, scan
from timing.timeline import anticipation_weights, build_timeline


def _random_calendar(rng: np.random.Generator, n_bins: int) -> np.ndarray:
    """Distinct event bins, often clustered (gaps shorter than the windows), maybe at 0."""
    ev = rng.integers(0, n_bins, int(rng.integers(1, 12)))
    if rng.random() < 0.4:
        ev = np.concatenate([ev, ev[:3] + rng.integers(1, 4, ev[:3].size)])
    if rng.random() < 0.2:
        ev = np.concatenate([ev, [0]])
    return np.unique(ev[ev < n_bins])


def test_union_window_sizes_equal_next_event_distance() -> None:
    rng = np.random.default_rng(11)
    for _ in range(100):
        n = int(rng.integers(5, 300))
        ev, ws = _random_calendar(rng, n), np.arange(1, n + 1)
        block = next_event_distance(ev, n)[None, :] <= ws[:, None]
        assert np.array_equal(union_window_sizes(ev, n, ws), block.sum(axis=1))


_MODES = ["direct", "fft", "fft-fallback", "int64"]


def _force_path(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Send the sums down one path (``direct`` is what small calendars take anyway)."""
    if mode in ("fft", "fft-fallback"):
        monkeypatch.setattr(sums, "FFT_COST", 0)
    if mode == "fft-fallback":
        monkeypatch.setattr(sums, "ROUNDING_SLACK", -1.0)
    if mode == "int64":
        monkeypatch.setattr(sums, "INT32_LIMIT", 0)


@pytest.mark.parametrize(
    ("threads", "mode"),
    [(1, "direct"), (2, "direct"), (1, "fft"), (2, "fft-fallback"), (1, "int64")],
)
def test_block_equals_one_fft_per_row(threads: int, mode: str, monkeypatch) -> None:
    """Statistic, null mean and sd, tail count and max null as from the per-row FFTs, by
    every path of the sums: ``direct`` (few events: additions of the running total),
    ``fft`` (every sum by FFT), ``fft-fallback`` (FFT rounding refused: the direct sums, as
    for huge totals) and ``int64`` (partial sums too large for ``int32``)."""
    _force_path(mode, monkeypatch)
    rng = np.random.default_rng(threads + 10 * _MODES.index(mode))
    for _ in range(120):
        n = int(rng.integers(20, 400))
        ev = _random_calendar(rng, n)
        ws = np.unique(rng.integers(1, min(n, 40), int(rng.integers(1, 6))))
        sizes = union_window_sizes(ev, n, ws)
        aw = anticipation_weights(ev, ev - rng.integers(0, 6, ev.size), n)
        shifts = admissible_shifts(n, int(rng.integers(1, n // 3)))
        if shifts.size == 0 or (not sizes.any() and not aw.any()):
            continue
        cal = Calendar(ev, ws[sizes > 0], aw if aw.any() else None)
        plan = ScanPlan(n, (cal,), _null_index(shifts), int(shifts.size))
        counts = rng.poisson(rng.uniform(0.1, 5), (3, n)).astype(np.float64)
        got = scan_block(plan, counts, threads=threads)
        rows = [r for r in (next_event_distance(ev, n)[None, :] <= cal.windows[:, None])]
        corr = Correlator(np.stack([*rows, *([] if cal.anticipation is None else [aw])]))
        max_null = np.full(shifts.size, -np.inf)
        for j in range(3):
            stats = corr(counts[j])
            null = stats[:, plan.null]
            obs, mu, sd = stats[:, 0], null.mean(axis=1), null.std(axis=1)
            tol = TIE_RTOL * np.maximum(1.0, np.abs(obs))
            n_ge = np.count_nonzero(null >= (obs - tol)[:, None], axis=1)
            spread = np.where(sd > 0, sd, 1.0)
            np.maximum(max_null, ((null - mu[:, None]) / spread[:, None]).max(axis=0), out=max_null)
            for name, ref in [("obs", obs), ("mean", mu), ("sd", sd), ("n_ge", n_ge)]:
                assert np.array_equal(getattr(got, name)[j], ref), (name, n, ev, ws)
        assert np.array_equal(got.max_null, max_null)


def make_hourly(seed: int, days: int = 281) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Bursty hourly claims (3 actors, 3 kinds) and clustered events of 2 kinds.

    281 days: ``T = 6744 = 24 x 281`` hours, the padded-FFT path of the reference.
    """
    rng = np.random.default_rng(seed)
    origin = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    n = days * 24
    rate = np.exp(np.convolve(rng.normal(0, 1, n), np.ones(48) / 8, "same"))
    hours = np.sort(rng.choice(n, 6000, p=rate / rate.sum()))
    first = rng.choice(np.arange(100, n - 50), 25, replace=False)
    ev = np.unique(np.concatenate([first, first[:8] + rng.integers(2, 20, 8)]))

    def stamp(h: np.ndarray) -> list[dt.datetime]:
        return [origin + dt.timedelta(hours=int(x)) for x in h]

    claims = pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(hours.size)],
            "date": stamp(hours),
            "actor": rng.choice(["A", "B", "C"], hours.size).tolist(),
            "kind": rng.choice(["capture", "strike", "other"], hours.size).tolist(),
        }
    )
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(ev.size)],
            "date": stamp(ev),
            "kind": rng.choice(["talks", "call"], ev.size).tolist(),
            "announced_date": stamp(ev - rng.integers(0, 200, ev.size)),
        }
    )
    return claims, events


def _fft_scan_cells(tl, windows: list[int], min_shift: int) -> tuple[list, np.ndarray]:
    """(statistic, expected, n_ge) per cell and the max null, one FFT per window row."""
    n = tl.n_bins
    shifts = admissible_shifts(n, min_shift)
    null_at = _null_index(shifts)
    ef, cf = tl.events_frame, tl.claims_frame
    rows = []
    for ek in ["all", "call", "talks"]:
        sel = np.ones(ef.height, bool) if ek == "all" else ef["kind"].to_numpy() == ek
        d = next_event_distance(tl.event_bins[sel], n)
        rows += [(d <= w).astype(np.int64) for w in windows]
        rows.append(anticipation_weights(tl.event_bins[sel], tl.announced_bins[sel], n))
    corr = Correlator(np.stack(rows))
    out, max_null = [], np.full(shifts.size, -np.inf)
    for actor in ["all", "A", "B", "C"]:
        for kind in ["all", "capture", "other", "strike"]:
            sel = np.ones(cf.height, bool)
            if actor != "all":
                sel &= cf["actor"].to_numpy() == actor
            if kind != "all":
                sel &= cf["kind"].to_numpy() == kind
            stats = corr(np.bincount(cf["bin"].to_numpy()[sel], minlength=n).astype(float))
            null = stats[:, null_at]
            obs, mu, sd = stats[:, 0], null.mean(axis=1), null.std(axis=1)
            spread = np.where(sd > 0, sd, 1.0)
            np.maximum(max_null, ((null - mu[:, None]) / spread[:, None]).max(axis=0), out=max_null)
            n_ge = np.count_nonzero(null >= obs[:, None], axis=1)
            out += list(zip(obs, mu, (obs - mu) / spread, n_ge, strict=True))
    return out, max_null


def test_hourly_scan_identical_to_one_fft_per_window() -> None:
    claims, events = make_hourly(3)
    tl = build_timeline(claims, events, resolution="hour")
    windows = [1, 2, 5, 12, 24]
    res = scan(tl, windows=windows)
    assert res.n_tested == 4 * 4 * 3 * 6 and res.n_bins == 6744
    cells, max_null = _fft_scan_cells(tl, windows, res.min_shift)
    obs, mu, z, n_ge = (np.array(col) for col in zip(*cells, strict=True))
    assert np.array_equal(res.cells["statistic"].to_numpy(), obs)
    assert np.array_equal(res.cells["expected"].to_numpy(), mu)
    pvalue = (1.0 + n_ge) / (1.0 + res.n_shifts)
    assert np.array_equal(res.cells["pvalue"].to_numpy(), pvalue)
    q_bh, q_by, p_fwer = _adjust(pvalue, [z], max_null)
    assert np.array_equal(res.cells["q_bh"].to_numpy(), q_bh)
    assert np.array_equal(res.cells["q_by"].to_numpy(), q_by)
    assert np.array_equal(res.cells["p_fwer"].to_numpy(), p_fwer)
    # one thread or two, the same table
    assert_frame_equal(scan(tl, windows=windows, threads=1).cells, res.cells, check_exact=True)


@pytest.mark.parametrize("mode", _MODES)
def test_series_sums_paths(mode: str, monkeypatch) -> None:
    """Each path of :class:`SeriesSums` gives the exact sums of shifted running totals, in
    ``int32`` unless the partial sums could overflow it."""
    _force_path(mode, monkeypatch)
    rng = np.random.default_rng(5 + _MODES.index(mode))
    n = 500
    ev = _random_calendar(rng, n)
    aw = anticipation_weights(ev, ev - rng.integers(0, 30, ev.size), n)
    cal = Calendar(ev, np.array([3, 7, 40]), aw if aw.any() else None)
    plan = ScanPlan(n, (cal,), _null_index(admissible_shifts(n, 40)), n - 81)
    prep = sums.Prepared(plan)
    counts = rng.poisson(2.0, n).astype(np.float64)
    series = sums.SeriesSums(prep, counts)
    assert series.dtype == (np.int64 if mode == "int64" else np.int32)
    assert (prep.events[0].spectrum is None) == (mode in ("direct", "int64"))
    # Z(x) = sum_e Q(e + x), Q the periodically extended running total, x = -reach..T-1
    x = np.arange(-prep.reach, n)
    total = counts.sum()
    running = np.concatenate([[0.0], np.cumsum(counts)])

    def big_q(y: np.ndarray) -> np.ndarray:
        return running[y % n] + total * (y // n)

    z = series.sum(prep.events[0])
    assert z.dtype == series.dtype
    assert np.array_equal(z, sum(big_q(e + x) for e in ev))
    if cal.anticipation is not None:
        row = series.anticipation_row(0, np.empty(n))
        ref = Correlator(aw.astype(np.float64))(counts)
        assert np.array_equal(row, ref)


def test_pooled_calendar_sums_its_kinds() -> None:
    """Z of a calendar split by others is the sum of theirs, exactly; a shared bin (two
    kinds on one bin) leaves it summed on its own."""
    rng = np.random.default_rng(8)
    n = 300
    a, b = np.array([10, 50, 51, 200]), np.array([5, 52, 120])
    shared = np.array([50, 90])
    pooled = np.unique(np.concatenate([a, b]))
    calendars = [pooled, a, b, np.unique(np.concatenate([a, shared]))]
    plan = ScanPlan(
        n,
        tuple(Calendar(c, np.array([2, 9]), None) for c in calendars),
        _null_index(admissible_shifts(n, 9)),
        n - 17,
    )
    prep = sums.Prepared(plan)
    assert prep.parts == [(1, 2), None, None, None]
    series = sums.SeriesSums(prep, rng.poisson(1.5, n).astype(np.float64))
    for k in range(len(calendars)):
        assert np.array_equal(series.event_sum(k), series.sum(prep.events[k]))
    # the cached parts are not changed by the rows that consume them
    rows = [s.copy() for _, s in series.window_rows(1, np.empty(n))]
    assert np.array_equal(series.event_sum(1), series.sum(prep.events[1])) and rows
