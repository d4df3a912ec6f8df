"""Benchmark of timing.stats.scan: 30 windows x 20 cells on 5 years of daily data.

Run ``python3 benchmarks/bench_scan.py``; it prints the wall time of a full scan (timeline
build, all FFTs, p-values, BH/BY q-values, max-statistic FWER) as the median of repeats.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing.stats.scan import scan


def make_data(seed: int = 0, years: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Claims of 4 kinds by one actor and events of 3 kinds over ``years`` years of days."""
    rng = np.random.default_rng(seed)
    n_days = 365 * years + 1
    origin = dt.date(2020, 1, 1)
    per_day = rng.negative_binomial(1, 0.4, n_days)
    bins = np.repeat(np.arange(n_days), per_day)
    claims = pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(bins.size)],
            "date": [origin + dt.timedelta(days=int(b)) for b in bins],
            "actor": "RU MoD",
            "kind": rng.choice(["capture", "strike", "casualties", "other"], bins.size),
        }
    )
    ev = np.sort(rng.choice(n_days, 60 * years // 5 * 5, replace=False))
    ann = ev - rng.integers(0, 15, ev.size)
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(ev.size)],
            "date": [origin + dt.timedelta(days=int(b)) for b in ev],
            "kind": rng.choice(["talks", "call", "visit"], ev.size),
            "announced_date": [origin + dt.timedelta(days=int(max(a, 0))) for a in ann],
        }
    )
    return claims, events


def main() -> None:
    claims, events = make_data()
    kwargs = {"windows": range(1, 31), "by_actor": True, "anticipation": True}
    scan(claims, events, **kwargs)  # warm up imports
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        res = scan(claims, events, **kwargs)
        times.append(time.perf_counter() - t0)
    claim_series = res.cells.select("actor", "claim_kind").unique().height
    event_cals = res.cells.select("event_kind").unique().height
    print(
        f"scan: {res.n_bins} daily bins, {claims.height} claims, {events.height} events, "
        f"{claim_series} claim series x {event_cals} event calendars = "
        f"{claim_series * event_cals} cells x 30 windows (+ anticipation) = {res.n_tested} tests, "
        f"{res.n_shifts} shifts"
    )
    print(f"median {np.median(times) * 1e3:.1f} ms, min {min(times) * 1e3:.1f} ms over 7 runs")


if __name__ == "__main__":
    main()
