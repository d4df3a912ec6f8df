"""Wall and CPU time of a default `timing analyze` (with its report) and `timing --help`,
this working tree against an earlier commit, in fresh processes (prints a table; not a test).

Run: python benchmarks/bench_startup.py [--before REV] [--runs N] [--rounds R]

The earlier commit (default ``b6cabd8``, where the work on issue 12 goal 5 started) is
unpacked with ``git archive`` into a temporary folder and run from there with the same
Python, so both versions import the same installed libraries. Each round runs the before
and the after commands ``N`` times each, alternating, after one unmeasured warm-up run
each (file cache); a round prints the median, min and max wall time, the median CPU time
(user + sys of the child) and the load average around it. The machine is shared: compare
CPU times, and wall times only of rounds run at a low load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "b6cabd8"


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys) and peak RSS (KiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, int(after.ru_maxrss)


def _line(name: str, samples: list[tuple[float, float, int]]) -> str:
    walls = [w for w, _, _ in samples]
    cpus = [c for _, c, _ in samples]
    return (
        f"  {name:<34} wall median {statistics.median(walls):5.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f}); CPU median {statistics.median(cpus):5.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="earlier commit (default %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command per round")
    parser.add_argument("--rounds", type=int, default=1, help="rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / "before"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        trees = {f"before ({args.before})": old, "after (working tree)": ROOT}
        report = str(Path(folder) / "r.html")
        commands = {
            "timing analyze --out r.html": ["analyze", "-q", "--out", report],
            "timing --help": ["--help"],
        }
        print(f"{os.cpu_count()} cores; {args.runs} runs of each command per round, alternating")
        for round_no in range(args.rounds):
            load = os.getloadavg()[0]
            samples: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
            for command, argv in commands.items():
                for tree in trees.values():  # warm-up, not counted
                    _run(
                        [sys.executable, "-m", "timing", *argv],
                        {**os.environ, "PYTHONPATH": str(tree)},
                    )
                for _ in range(args.runs):
                    for name, tree in trees.items():
                        env = {**os.environ, "PYTHONPATH": str(tree)}
                        run = _run([sys.executable, "-m", "timing", *argv], env)
                        samples.setdefault((command, name), []).append(run)
            print(
                f"round {round_no + 1}: load average {load:.2f} before, "
                f"{os.getloadavg()[0]:.2f} after"
            )
            for (command, name), runs in samples.items():
                print(_line(f"{command} [{name.split()[0]}]", runs))
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak resident memory of a child: {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
