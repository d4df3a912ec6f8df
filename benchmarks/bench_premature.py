"""Benchmark of timing.stats.premature: time and peak memory against the number of claims.

Generated data, 10 years of days (2015-01-01..2024-12-31, T = 3653 bins), 50 actors, 5 claim
kinds, 500 events; every claim has a status (confirmed / contested / refuted / unverified /
missing) and a verified date. The claims table is built directly as a polars frame (no CSV,
no claim ids) and the Timeline from it, as the tests do, so that the figures are those of
``premature_claims`` (classification, circular-shift null over all admissible shifts, logit
with trend, actor and kind, and the two sensitivity runs).

Each measurement runs in a fresh process (BLAS on one thread), so its peak RSS
(``ru_maxrss``) is its own; "base" is the RSS once the data are built, before the call.
``before`` is the per-claim implementation of commit e1ebb1b (loaded from git by
``_before.py``): it builds a shifts x claims matrix and is only run where it fits in memory.

Run: ``python3 benchmarks/bench_premature.py`` (all sizes; ``--quick`` stops at 1e6), or one
measurement: ``python3 benchmarks/bench_premature.py --one new 1000000``.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from timing.timeline import Timeline  # noqa: E402

ORIGIN = dt.date(2015, 1, 1)
N_BINS = (dt.date(2024, 12, 31) - ORIGIN).days + 1  # 3653 = 13 x 281
N_ACTORS, N_KINDS, N_EVENTS, WINDOW = 50, 5, 500, 7
#: Sizes the per-claim implementation is run at (its shifts x claims matrix needs about
#: 25 bytes per shift and claim at its peak: 1e6 claims x 3646 shifts would need ~90 GB).
BEFORE_SIZES = (10_000, 100_000)
#: BLAS on one thread: on this shared 2-core machine OpenBLAS's threads spin against the other
#: processes and a 10,000 x 55 matrix product takes 0.2 s instead of 3 ms (both versions).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def make_timeline(n_claims: int, seed: int = 0) -> Timeline:
    """``n_claims`` claims with a status over 10 years, as a Timeline (no CSV round trip)."""
    rng = np.random.default_rng(seed)
    bins = np.sort(rng.integers(0, N_BINS, n_claims)).astype(np.int64)
    epoch = (ORIGIN - dt.date(1970, 1, 1)).days
    status_levels = ["confirmed", "contested", "refuted", "unverified"]
    status_code = rng.choice(5, n_claims, p=[0.45, 0.15, 0.1, 0.2, 0.1])
    lag = rng.integers(0, 10, n_claims)
    actors = [f"actor-{i:02d}" for i in range(N_ACTORS)]
    kinds = ["capture", "strike", "casualties", "encirclement", "other"][:N_KINDS]

    def labels(codes: np.ndarray, levels: list[str]) -> pl.Series:
        return pl.Series(levels, dtype=pl.String).gather(codes.astype(np.uint32))

    frame = pl.DataFrame(
        {
            "bin": bins,
            "date": pl.Series(bins + epoch, dtype=pl.Int32).cast(pl.Date),
            "actor": labels(rng.integers(0, N_ACTORS, n_claims), actors),
            "kind": labels(rng.integers(0, N_KINDS, n_claims), kinds),
            "status": labels(np.minimum(status_code, 3), status_levels),
            "verified_date": pl.Series(bins + epoch + lag, dtype=pl.Int32).cast(pl.Date),
        }
    ).with_columns(
        pl.when(pl.Series(status_code == 4)).then(None).otherwise(pl.col("status")).alias("status")
    )
    events = np.sort(rng.choice(N_BINS, N_EVENTS, replace=False)).astype(np.int64)
    return Timeline(
        start=ORIGIN,
        resolution="day",
        claims=np.bincount(bins, minlength=N_BINS).astype(np.float64),
        event_bins=events,
        event_end_bins=events,
        announced_bins=np.full(N_EVENTS, -1, dtype=np.int64),
        claims_frame=frame,
        events_frame=pl.DataFrame({"bin": events, "kind": "talks"}),
        excluded={"claims": {}, "events": {}},
    )


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: ru_maxrss is in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(impl: str, n_claims: int) -> dict[str, float]:
    """Time and memory of one ``premature_claims`` call (run in a fresh process)."""
    if impl == "before":
        from _before import load_revision

        module = load_revision("timing/stats/premature.py")
    else:
        import timing.stats.premature as module
    timeline = make_timeline(n_claims)
    base = rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    res = module.premature_claims(timeline, window=WINDOW, seed=0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "base_mb": base,
        "peak_mb": rss_mb(),
        "effect": res.effect,
        "pvalue": res.pvalue,
        "n_shifts": res.n_shifts,
    }


def run_child(impl: str, n_claims: int) -> dict[str, float] | None:
    out = subprocess.run(
        [sys.executable, __file__, "--one", impl, str(n_claims)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **ONE_THREAD},
    )
    if out.returncode != 0:
        print(f"  {impl} {n_claims:.0e}: failed ({out.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> None:
    sizes = (10_000, 100_000, 1_000_000) if quick else (10_000, 100_000, 1_000_000, 10_000_000)
    print(
        f"premature_claims, window {WINDOW}: {N_BINS} daily bins, {N_ACTORS} actors, "
        f"{N_KINDS} kinds, {N_EVENTS} events"
    )
    print(
        f"{'claims':>10} {'impl':>7} {'wall':>9} {'CPU':>9} {'base RSS':>10} {'peak RSS':>10}"
        "  result"
    )
    for n in sorted({*sizes, *BEFORE_SIZES}):
        for impl in ("before", "new"):
            if impl == "before" and n not in BEFORE_SIZES:
                continue
            if impl == "new" and n not in sizes:
                continue
            r = run_child(impl, n)
            if r is None:
                continue
            print(
                f"{n:>10,} {impl:>7} {r['seconds']:>8.2f}s {r['cpu']:>8.2f}s "
                f"{r['base_mb']:>8.0f}MB "
                f"{r['peak_mb']:>8.0f}MB  OR {r['effect']:.4f}, p {r['pvalue']:.4f}, "
                f"{r['n_shifts']} shifts"
            )


if __name__ == "__main__":
    if "--one" in sys.argv:
        i = sys.argv.index("--one")
        print(json.dumps(measure(sys.argv[i + 1], int(sys.argv[i + 2]))))
    else:
        main(quick="--quick" in sys.argv)
