"""Full calibration: false-positive rate and power of every registered test under every null.

Each null model (iid Poisson, negative binomial, Hawkes, AR log-normal, shared trend) gets
``--n`` (default 10,000) simulated 5-year daily datasets without an effect and as many with
a 1.5x planted pre-event uplift (window -3..-1, 60 events at least 7 days apart, mean
0.6 claims per day).

Run: ``python3 benchmarks/calibration.py [--n 10000] [--seed 0] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from timing.stats.calibrate import NULLS, TESTS, calibrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="datasets per null (and uplift)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = parser.parse_args()

    start = time.perf_counter()

    def progress(done: int, total: int, label: str) -> None:
        print(f"  [{done}/{total}] {label} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)

    result = calibrate(
        tests=tuple(TESTS),
        nulls=tuple(NULLS),
        n_datasets=args.n,
        seed=args.seed,
        progress=progress,
    )
    print(result.summary())
    print("null models: " + "; ".join(f"{k}: {v}" for k, v in NULLS.items()))
    print(f"total time {time.perf_counter() - start:.0f} s")
    if args.json is not None:
        args.json.write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
