"""Wall and CPU time of a default `timing analyze` (with its report) and `timing --help`,
this working tree against an earlier commit, in fresh processes (prints a table; not a test).

Run: python benchmarks/bench_startup.py [--before REV] [--runs N] [--rounds R] [--steps]

The earlier commit (default ``b6cabd8``, where the work on issue 12 goal 5 started) is
unpacked with ``git archive`` into a temporary folder and run from there with the same
Python, so both versions import the same installed libraries. Each round runs the before
and the after commands ``N`` times each, alternating, after one unmeasured warm-up run
each (file cache); a round prints the median, min and max wall time, the median CPU time
(user + sys of the child) and the load average around it. The machine is shared: compare
CPU times, and wall times only of rounds run at a low load.

``--steps`` times the phases of one default analysis with its report in each version
instead: interpreter start, importing the command line, each step of the analysis (the
imports a step triggers fall in that step), the report with the console output, and the
interpreter's exit; the median of ``N`` fresh processes per phase.
"""

from __future__ import annotations

import argparse
import itertools
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


#: Run in each child of ``--steps`` (``-c``): the console script's ``main`` with a listener
#: on the analysis' steps; the marks (time.time, CPU) go to stderr as JSON at exit.
CHILD = """
import time
T = [("import timing.cli (typer)", time.time(), time.process_time())]
import atexit, json, sys
atexit.register(lambda: print(json.dumps(T), file=sys.stderr))
import timing.cli
import timing.cli.analyze as command
T.append(("options; numpy, polars, scipy.fft imported; setup", time.time(), time.process_time()))

class Marks:
    def step(self, label, total=None):
        T.append((label, time.time(), time.process_time()))
    def advance(self, done, total=None):
        pass
    def __call__(self, label):
        self.step(label)

command.progress_reporter = lambda **kwargs: (Marks(), None)
sys.argv = ["timing", "analyze", "--out", sys.argv[1]]
try:
    timing.cli.main()
finally:
    T.append(("exit (exit handlers, interpreter shutdown)", time.time(), time.process_time()))
"""


def _steps_once(tree: Path, report: str) -> list[tuple[str, float, float]]:
    """(phase, wall s, CPU s) of one fresh process; the phase named by where it starts."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    spawned = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, report],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    ended = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_total = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    import json

    marks = json.loads(proc.stderr.strip().splitlines()[-1])
    phases = [("interpreter start", marks[0][1] - spawned, marks[0][2])]
    for (label, at, cpu), (_, next_at, next_cpu) in itertools.pairwise(marks):
        phases.append((label, next_at - at, next_cpu - cpu))
    label, at, cpu = marks[-1]
    phases.append((label, ended - at, cpu_total - cpu))
    return phases


def steps(trees: dict[str, Path], runs: int, report: str) -> None:
    """Median wall and CPU per phase of ``runs`` fresh processes of each version."""
    table: dict[str, dict[str, list[tuple[float, float]]]] = {}
    order: list[str] = []
    for _ in range(runs):
        for name, tree in trees.items():
            for label, wall, cpu in _steps_once(tree, report):
                if label not in order:
                    order.append(label)
                table.setdefault(label, {}).setdefault(name, []).append((wall, cpu))
    names = list(trees)
    print(
        f"phases, median of {runs} fresh processes (wall / CPU, ms); load {os.getloadavg()[0]:.2f}"
    )
    print(f"| phase | {' | '.join(names)} |")
    print("| --- |" + " ---: |" * len(names))
    totals = {name: [0.0, 0.0] for name in names}
    for label in order:
        cells = []
        for name in names:
            got = table[label].get(name)
            if not got:
                cells.append("")
                continue
            wall = statistics.median(w for w, _ in got)
            cpu = statistics.median(c for _, c in got)
            totals[name][0] += wall
            totals[name][1] += cpu
            cells.append(f"{wall * 1000:.0f} / {cpu * 1000:.0f}")
        print(f"| {label} | {' | '.join(cells)} |")
    print(
        "| sum of the medians | "
        + " | ".join(f"{w * 1000:.0f} / {c * 1000:.0f}" for w, c in totals.values())
        + " |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="earlier commit (default %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command per round")
    parser.add_argument("--rounds", type=int, default=1, help="rounds")
    parser.add_argument("--steps", action="store_true", help="time the phases of one run")
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
        if args.steps:
            steps(trees, args.runs, report)
            return
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
