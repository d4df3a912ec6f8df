"""Work spread by the engine: a GDELT folder and a calibration, here and on a Dask cluster.

Writes ``--files`` generated GDELT 2.0 export files (61 tab-separated fields, a mix of
diplomacy, fighting and other CAMEO codes, some duplicate stories) to a temporary folder,
then reads the folder with the ``gdelt-events`` adapter:

- ``local``: one file after another in this process;
- ``dask, N workers``: on a local cluster of N worker processes (cluster start-up timed
  separately, since a long-lived cluster pays it once).

Then runs a calibration (``--datasets`` per null and effect, five nulls, blocks of 1,000)
the same three ways. Prints wall times, the speed-up over local and checks that every path
gives the same table.

Run: ``python benchmarks/bench_engine.py [--files 64] [--rows 20000] [--datasets 4000]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from timing.adapters import load_with_adapter
from timing.engine import Engine, local_cluster

CODES = ["042", "043", "046", "036", "190", "193", "010", "020", "051", "112"]


def write_exports(folder: Path, n_files: int, n_rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for f in range(n_files):
        day = 20250101 + (f % 28)
        lines = []
        codes = rng.choice(CODES, size=n_rows)
        stories = rng.integers(0, n_rows // 2, size=n_rows)
        for i in range(n_rows):
            rec = [""] * 61
            rec[0] = str(f * n_rows + i + 1)
            rec[1] = str(day)
            rec[5], rec[7], rec[15], rec[17] = "USAGOV", "USA", "RUSGOV", "RUS"
            rec[6], rec[16] = "UNITED STATES", "RUSSIA"
            rec[26], rec[27], rec[28] = codes[i], codes[i][:3], codes[i][:2]
            rec[52] = "Riyadh, Saudi Arabia"
            rec[59] = f"{day}120000"
            rec[60] = f"https://news.example/{f}/{stories[i]}"
            lines.append("\t".join(rec))
        (folder / f"{f:05d}.export.CSV").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=64)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--datasets", type=int, default=4000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_exports(folder, args.files, args.rows)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        print(f"input: {args.files} files x {args.rows:,} records ({size:.0f} MiB)")

        started = time.perf_counter()
        reference = load_with_adapter("gdelt-events", folder, lenient=True)
        local = time.perf_counter() - started
        print(
            f"local: {local:6.2f} s  ({reference.accounting.read:,} read, "
            f"{reference.accounting.used:,} used)"
        )

        for workers in (1, 2):
            started = time.perf_counter()
            with local_cluster(workers) as cluster:
                boot = time.perf_counter() - started
                engine = Engine("dask", scheduler=cluster.scheduler_address)
                started = time.perf_counter()
                table = load_with_adapter("gdelt-events", folder, lenient=True, engine=engine)
                took = time.perf_counter() - started
            same = table.frame.equals(reference.frame) and table.accounting == reference.accounting
            print(
                f"dask, {workers} worker{'s' if workers > 1 else ' '}: {took:6.2f} s "
                f"(cluster start {boot:.1f} s), speed-up {local / took:4.2f}x, "
                f"same table: {same}"
            )

    from timing.stats.calibrate import calibrate

    print(f"calibration: 5 nulls x 2 effects x {args.datasets:,} datasets (5-year series)")
    started = time.perf_counter()
    reference_table = calibrate(n_datasets=args.datasets, seed=0).table
    local = time.perf_counter() - started
    print(f"local: {local:6.2f} s")
    for workers in (1, 2):
        with local_cluster(workers) as cluster:
            engine = Engine("dask", scheduler=cluster.scheduler_address)
            started = time.perf_counter()
            table = calibrate(n_datasets=args.datasets, seed=0, engine=engine).table
            took = time.perf_counter() - started
        print(
            f"dask, {workers} worker{'s' if workers > 1 else ' '}: {took:6.2f} s, "
            f"speed-up {local / took:4.2f}x, same table: {table.equals(reference_table)}"
        )


if __name__ == "__main__":
    main()
