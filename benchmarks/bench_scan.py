"""Benchmark of timing.stats.scan: 30 windows x 20 cells on 5 years of daily data.

Run ``python3 benchmarks/bench_scan.py``; it prints the wall time of a full scan (timeline
build, all FFTs, p-values, BH/BY q-values, max-statistic FWER) as the median of repeats.

``python3 benchmarks/bench_scan.py --hourly [--before REV]`` times the large case instead: 10
years of hours (2015-01-01..2024-12-31, T = 87,672 = 2^3 x 3 x 13 x 281 bins), 1e6 claims by
50 actors of 5 kinds, 500 events of 3 kinds with announcement dates; windows 1..30 hours plus
anticipation: 51 x 6 claim series x 4 calendars x 31 rows = 37,944 cells. The scan of this
tree on 1 and on 2 threads, and the scan of commit ``REV`` (default 29b1447, one FFT per
window row; e1ebb1b is the string-compare loop before that), each in a fresh process (BLAS
on one thread), with CPU time and peak RSS; every cell of the tables is checked equal.

``python3 benchmarks/bench_scan.py --million`` scans 992,496 cells (10 years of days, 2e6
claims by 2,000 actors of 3 kinds, 400 events of 3 kinds) here on one thread and on a local
Dask cluster of 2 workers, and checks the tables equal.

``python3 benchmarks/bench_scan.py --engine [N_CLAIMS]`` times the scan on a local Dask
cluster of 1 and of 2 worker processes (started beforehand; startup timed apart) against
the in-process scan on one thread, at 10 years hourly with ``N_CLAIMS`` (default 2e5)
claims, and checks the tables equal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
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


def make_hourly(n_claims: int = 1_000_000, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """10 years of hours: bursty claims by 50 actors of 5 kinds, 500 events of 3 kinds."""
    rng = np.random.default_rng(seed)
    origin = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    n_hours = ((dt.date(2024, 12, 31) - dt.date(2015, 1, 1)).days + 1) * 24
    rate = np.exp(np.convolve(rng.normal(0, 1, n_hours), np.ones(240) / 24, "same"))
    hours = np.sort(rng.choice(n_hours, n_claims, p=rate / rate.sum()))
    epoch_us = int(origin.timestamp()) * 1_000_000

    def stamp(h: np.ndarray) -> pl.Series:
        us = pl.Series(epoch_us + h.astype(np.int64) * 3_600_000_000)
        return us.cast(pl.Datetime("us", "UTC"))

    def labels(levels: list[str], n: int) -> pl.Series:
        return pl.Series(levels).gather(rng.integers(0, len(levels), n).astype(np.uint32))

    claims = pl.DataFrame(
        {
            "claim_id": pl.int_range(n_claims, eager=True).cast(pl.String),
            "date": stamp(hours),
            "actor": labels([f"actor-{i:02d}" for i in range(50)], n_claims),
            "kind": labels(["capture", "strike", "casualties", "encirclement", "other"], n_claims),
        }
    )
    ev = np.sort(rng.choice(np.arange(24 * 30, n_hours), 500, replace=False))
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(ev.size)],
            "date": stamp(ev),
            "kind": labels(["talks", "call", "visit"], ev.size),
            "announced_date": stamp(ev - rng.integers(0, 24 * 14, ev.size)),
        }
    )
    return claims, events


def hourly_one(impl: str) -> dict[str, float]:
    """One hourly scan with ``impl`` ("1", "2": threads of this tree; else a commit)."""
    kwargs: dict = {}
    if impl in ("1", "2"):
        import timing.stats.scan as module

        kwargs["threads"] = int(impl)
    else:
        from _before import load_revision

        using = {}
        if impl == "e1ebb1b":
            using["timing.stats.circular"] = load_revision("timing/stats/circular.py", impl)
        module = load_revision("timing/stats/scan.py", impl, using=using)
    claims, events = make_hourly()
    start, cpu = time.perf_counter(), time.process_time()
    res = module.scan(claims, events, resolution="hour", **kwargs)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    cells = res.cells
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "n_tested": res.n_tested,
        "n_bins": res.n_bins,
        "n_shifts": res.n_shifts,
        # every value of every cell (polars' row hash is stable within one version)
        "checksum": int(cells.hash_rows(seed=1).sum()),
        "first": cells.head(3).select("statistic", "expected", "pvalue").rows(),
    }


def hourly(before: str) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    out = {}
    for impl in ("1", "2", before):
        proc = subprocess.run(
            [sys.executable, __file__, "--hourly-one", impl],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        out[impl] = r = json.loads(proc.stdout.strip().splitlines()[-1])
        name = f"{impl} thread{'s' * (impl == '2')}" if impl in ("1", "2") else impl
        print(
            f"{name:>9}: {r['seconds']:8.1f} s wall, {r['cpu']:8.1f} s CPU, "
            f"peak RSS {r['peak_mb']:6.0f} MB "
            f"({r['n_tested']} cells, T = {r['n_bins']}, {r['n_shifts']} shifts)"
        )
    new, old = out["1"], out[before]
    same = all(
        out[k]["checksum"] == old["checksum"] and out[k]["first"] == old["first"]
        for k in ("1", "2")
    )
    print(
        f"speed-up (1 thread) {old['seconds'] / new['seconds']:.1f}x wall, "
        f"{old['cpu'] / new['cpu']:.1f}x CPU; cells identical: {same}"
    )


def engine(n_claims: int) -> None:
    """The scan on a local Dask cluster of 1 and 2 workers against the scan here."""
    from timing.engine import Engine, local_cluster
    from timing.timeline import build_timeline

    claims, events = make_hourly(n_claims)
    tl = build_timeline(claims, events, resolution="hour")
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; T = {tl.n_bins}, "
        f"{n_claims} claims"
    )
    start = time.perf_counter()
    here = scan(tl, threads=1)
    base = time.perf_counter() - start
    print(f"in process, 1 thread: {base:6.1f} s ({here.n_tested} cells)")
    for workers in (1, 2):
        start = time.perf_counter()
        with local_cluster(workers) as cluster:
            up = time.perf_counter() - start
            start = time.perf_counter()
            there = scan(tl, engine=Engine("dask", scheduler=cluster.scheduler_address))
            seconds = time.perf_counter() - start
        print(
            f"dask, {workers} worker{'s' * (workers > 1)}: {seconds:6.1f} s "
            f"(cluster start {up:.1f} s), speed-up {base / seconds:.2f}x; "
            f"cells identical: {there.cells.equals(here.cells)}"
        )


def million(n_actors: int = 2000, n_claims: int = 2_000_000, seed: int = 0) -> None:
    """About a million cells at day resolution: here on one thread, then on 2 workers."""
    from timing.engine import Engine, local_cluster
    from timing.timeline import build_timeline

    rng = np.random.default_rng(seed)
    origin, n_days = dt.date(2015, 1, 1), 3653
    days = pl.Series(rng.integers(0, n_days, n_claims)).cast(pl.Int32)
    claims = pl.DataFrame(
        {
            "claim_id": pl.int_range(n_claims, eager=True).cast(pl.String),
            "date": pl.select(pl.lit(origin) + pl.duration(days=days)).to_series(),
            "actor": pl.Series([f"a{i:04d}" for i in range(n_actors)]).gather(
                rng.integers(0, n_actors, n_claims).astype(np.uint32)
            ),
            "kind": pl.Series(["capture", "strike", "other"]).gather(
                rng.integers(0, 3, n_claims).astype(np.uint32)
            ),
        }
    )
    ev = np.sort(rng.choice(np.arange(60, n_days), 400, replace=False))
    ann = ev - rng.integers(0, 14, ev.size)
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(ev.size)],
            "date": [origin + dt.timedelta(days=int(d)) for d in ev],
            "kind": rng.choice(["talks", "call", "visit"], ev.size).tolist(),
            "announced_date": [origin + dt.timedelta(days=int(d)) for d in ann],
        }
    )
    tl = build_timeline(claims, events)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    start, cpu = time.perf_counter(), time.process_time()
    here = scan(tl, threads=1)
    print(
        f"{here.n_tested} cells, T = {tl.n_bins}: {time.perf_counter() - start:.1f} s wall, "
        f"{time.process_time() - cpu:.1f} s CPU in process (1 thread)"
    )
    with local_cluster(2) as cluster:
        start = time.perf_counter()
        there = scan(tl, engine=Engine("dask", scheduler=cluster.scheduler_address))
        print(
            f"dask, 2 workers: {time.perf_counter() - start:.1f} s wall; "
            f"cells identical: {there.cells.equals(here.cells)}"
        )


if __name__ == "__main__":
    if "--hourly-one" in sys.argv:
        print(json.dumps(hourly_one(sys.argv[sys.argv.index("--hourly-one") + 1])))
    elif "--hourly" in sys.argv:
        args = sys.argv[sys.argv.index("--before") + 1 :] if "--before" in sys.argv else []
        hourly(args[0] if args else "29b1447")
    elif "--million" in sys.argv:
        million()
    elif "--engine" in sys.argv:
        rest = sys.argv[sys.argv.index("--engine") + 1 :]
        engine(int(float(rest[0])) if rest else 200_000)
    else:
        main()
