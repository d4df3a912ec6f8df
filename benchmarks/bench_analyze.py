"""Time and memory of a default `timing analyze`, step by step (prints a table; not a test).

Run: python benchmarks/bench_analyze.py            (warm: steps after a warm-up run)
     python benchmarks/bench_analyze.py --small    (cold: whole processes, as a user waits)

Two inputs: the bundled ru-ua-2025 dataset, and a simulated five-year daily dataset with
bursty (negative binomial) claims and 60 events. Each step's time is taken from the
analysis' progress callback; peak memory is the process' maximum resident set size.

``--small [N]`` times what a user of a small input waits for: ``timing --help`` and the
default ``timing analyze --out r.html`` (the bundled dataset with its HTML report), each as
N fresh processes (default 5; median, min, max of the wall time, and the median CPU time,
user + sys), then one fresh process's steps, imports included.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Before any import of timing (imported inside the functions): --steps counts them.
_STARTED = time.perf_counter()
_CPU_STARTED = time.process_time()


def timed_analysis(
    claims: Path | None, events: Path | None, start: float | None = None
) -> list[tuple[str, float, float]]:
    """(step, wall seconds, CPU seconds of this process) of an analysis and its report."""
    from timing.analysis import AnalysisConfig, analyze
    from timing.report import write_report

    marks: list[tuple[str, float, float]] = []

    def progress(label: str) -> None:
        marks.append((label, time.perf_counter(), time.process_time()))

    start = time.perf_counter() if start is None else start
    result = analyze(claims, events, AnalysisConfig(), progress=progress)
    marks.append(("writing report", time.perf_counter(), time.process_time()))
    with tempfile.TemporaryDirectory() as folder:
        write_report(result.to_dict(full=True), Path(folder) / "r.html")
    marks.append(("end", time.perf_counter(), time.process_time()))
    steps, previous = [], ("import and setup", start, _CPU_STARTED if start == _STARTED else 0.0)
    if start != _STARTED:
        previous = ("import and setup", start, marks[0][2])  # warm: no CPU before the first
    for label, at, cpu in marks:
        steps.append((previous[0], at - previous[1], cpu - previous[2]))
        previous = (label, at, cpu)
    return steps


def _wall(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + sys) seconds of ``runs`` fresh processes, after one warm-up."""
    walls, cpus = [], []
    for _ in range(runs + 1):  # the first run warms the file cache and is not counted
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls[1:], cpus[1:]


def small(runs: int) -> None:
    """Whole-process wall and CPU times of ``timing --help`` and a default analysis with
    report (the median of ``runs`` fresh processes each; CPU beside wall, since a busy
    machine stretches the wall time and not the CPU time)."""
    python = [sys.executable, "-m", "timing"]
    with tempfile.TemporaryDirectory() as folder:
        commands = {
            "timing --help": [*python, "--help"],
            "timing analyze --out r.html": [*python, "analyze", "--out", f"{folder}/r.html"],
        }
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {runs} runs each")
        for name, argv in commands.items():
            walls, cpus = _wall(argv, runs)
            print(
                f"  {name:<30} wall median {statistics.median(walls):5.2f} s "
                f"(min {min(walls):.2f}, max {max(walls):.2f}); "
                f"CPU median {statistics.median(cpus):5.2f} s"
            )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    cold = subprocess.run(
        [sys.executable, __file__, "--steps"], check=True, capture_output=True, text=True
    )
    print("\none fresh process, step by step (imports fall in the first step that needs them):")
    print(cold.stdout, end="")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak resident memory of a run: {peak / 1024:.0f} MiB")


def steps_cold() -> None:
    """The steps of one analysis in this fresh process, imports included."""
    steps = timed_analysis(None, None, start=_STARTED)
    print(f"  {'step':<40} {'wall':>8}    {'CPU':>8}")
    for label, seconds, cpu in steps:
        print(f"  {label:<40} {seconds * 1000:8.1f} ms {cpu * 1000:8.1f} ms")
    wall, cpu = sum(t for _, t, _ in steps), sum(c for _, _, c in steps)
    print(f"  {'in all':<40} {wall * 1000:8.1f} ms {cpu * 1000:8.1f} ms")


def main() -> None:
    from timing.stats.simulate import simulate_dataset

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
            total = sum(t for _, t, _ in steps)
            print(f"\n{name}: {total:.2f} s in all (wall; CPU beside each step)")
            for label, seconds, cpu in steps:
                print(f"  {label:<40} {seconds * 1000:8.1f} ms {cpu * 1000:8.1f} ms")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\npeak resident memory: {peak_kib / 1024:.0f} MiB (python {sys.version.split()[0]})")


if __name__ == "__main__":
    if "--small" in sys.argv:
        given = sys.argv[sys.argv.index("--small") + 1 :]
        small(int(given[0]) if given else 5)
    elif "--steps" in sys.argv:
        steps_cold()
    else:
        main()
