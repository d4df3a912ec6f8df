"""Time and memory of reading and validating a large claims file (prints figures; not a test).

Run: python benchmarks/bench_load.py [ROWS]

Writes a synthetic claims CSV (default 1,000,000 rows, dates as YYYY-MM-DD plus 1 % ISO
timestamps with offsets, 0.1 % bad rows), then times `timing.io.load_claims` strict (which
must fail, listing the bad rows) and lenient (which quarantines them), and reports the peak
resident memory of the process.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from timing.io import load_claims
from timing.schema import ValidationError


def synthetic_claims(n: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    days = (np.datetime64("2021-01-01") + rng.integers(0, 1800, n)).astype(str)
    dates = days.astype(object)
    stamped = rng.random(n) < 0.01
    dates[stamped] = [f"{d}T14:30:00+03:00" for d in days[stamped]]
    kinds = rng.choice(["capture", "encirclement", "strike", "casualties", "other"], n)
    bad = rng.random(n) < 0.001
    kinds = kinds.astype(object)
    kinds[bad] = "victory"
    return pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(n)],
            "date": dates.tolist(),
            "actor": "RU MoD",
            "kind": kinds.tolist(),
            "target": "somewhere",
            "source": "https://example.org",
        }
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.csv"
        synthetic_claims(n).write_csv(path)
        size = path.stat().st_size / 2**20
        start = time.perf_counter()
        try:
            load_claims(path)
        except ValidationError as exc:
            strict = time.perf_counter() - start
            n_problems = len(exc.problems)
        start = time.perf_counter()
        table = load_claims(path, lenient=True)
        lenient = time.perf_counter() - start
    acc = table.accounting
    print(f"{n:,} rows ({size:.0f} MiB CSV)")
    print(f"  strict load: {strict:.2f} s, raised with {n_problems:,} problems listed")
    print(f"  lenient load: {lenient:.2f} s ({acc.used:,} used, {acc.rejected:,} rejected)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
