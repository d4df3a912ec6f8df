"""Peak memory and time of loading a very wide claims file (prints figures; not a test).

Run: python benchmarks/bench_wide.py [COLUMNS]

Writes a claims CSV whose header has 200,000 columns by default (the five required ones,
then x5, x6, ...) and one data row (about 1.6 MB), then loads it with
`timing.io.load_claims` in a fresh child process and prints the child's wall time and
peak resident memory next to those of a child that only imports `timing.io`. Run it with
an older checkout on PYTHONPATH to compare versions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import resource, sys, time
from timing.io import load_claims
start = time.perf_counter()
if sys.argv[1] != "-":
    table = load_claims(sys.argv[1])
    shape = table.frame.shape
else:
    shape = None
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{elapsed:.2f} {peak:.0f} {shape}")
"""


def write_wide(path: Path, n_columns: int) -> None:
    required = ["claim_id", "date", "actor", "kind", "source"]
    names = required + [f"x{i}" for i in range(len(required), n_columns)]
    row = ["c1", "2025-12-01", "RU MoD", "capture", "https://example.org/1"]
    row += [""] * (n_columns - len(required))
    path.write_text(",".join(names) + "\n" + ",".join(row) + "\n", encoding="utf-8")


def child(arg: str) -> tuple[float, float, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, arg],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
        cwd=tempfile.gettempdir(),  # import timing from PYTHONPATH or the install
    ).stdout.split(maxsplit=2)
    return float(out[0]), float(out[1]), out[2].strip()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wide.csv"
        write_wide(path, n)
        size = path.stat().st_size / 1e6
        _, base, _ = child("-")
        seconds, peak, shape = child(str(path))
    print(f"{n:,} columns, 1 data row ({size:.1f} MB CSV)")
    print(f"  import timing.io only: peak resident memory {base:.0f} MiB")
    print(f"  load_claims: {seconds:.2f} s, peak resident memory {peak:.0f} MiB, frame {shape}")


if __name__ == "__main__":
    main()
