"""Time and memory of a default `timing analyze`, step by step (prints a table; not a test).

Run: python benchmarks/bench_analyze.py

Two inputs: the bundled ru-ua-2025 dataset, and a simulated five-year daily dataset with
bursty (negative binomial) claims and 60 events. Each step's time is taken from the
analysis' progress callback; peak memory is the process' maximum resident set size.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from timing.analysis import AnalysisConfig, analyze
from timing.report import write_report
from timing.stats.simulate import simulate_dataset


def timed_analysis(claims: Path | None, events: Path | None) -> list[tuple[str, float]]:
    marks: list[tuple[str, float]] = []

    def progress(label: str) -> None:
        marks.append((label, time.perf_counter()))

    start = time.perf_counter()
    result = analyze(claims, events, AnalysisConfig(), progress=progress)
    marks.append(("writing report", time.perf_counter()))
    with tempfile.TemporaryDirectory() as folder:
        write_report(result.to_dict(full=True), Path(folder) / "r.html")
    marks.append(("end", time.perf_counter()))
    steps, previous = [], ("import and setup", start)
    for label, at in marks:
        steps.append((previous[0], at - previous[1]))
        previous = (label, at)
    return steps


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        claims_df, events_df = simulate_dataset(1826, 60, model="negbin", rate=1.2, seed=0)
        claims, events = Path(folder) / "claims.csv", Path(folder) / "events.csv"
        claims_df.write_csv(claims)
        events_df.write_csv(events)
        runs = {
            "bundled ru-ua-2025": (None, None),
            f"simulated 5 years ({claims_df.height} claims)": (claims, events),
        }
        timed_analysis(None, None)  # warm-up: imports, caches
        for name, (c, e) in runs.items():
            steps = timed_analysis(c, e)
            total = sum(t for _, t in steps)
            print(f"\n{name}: {total:.2f} s in all")
            for label, seconds in steps:
                print(f"  {label:<40} {seconds * 1000:8.1f} ms")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\npeak resident memory: {peak_kib / 1024:.0f} MiB (python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
