"""CPU time of `timing analyze --resolution hour` step by step, and of its two model steps.

Run: ``python3 benchmarks/bench_hourly_analyze.py --steps [REV ...]`` (prints tables; no
assertions). Ten years of hours (87,672 bins), 1e6 bursty claims by 50 actors of 5 kinds
and 500 events (``bench_scan.make_hourly``), written once to Parquet under the temporary
folder. Each analysis runs in a fresh process, this tree's first, then each ``REV`` (a
commit, exported with ``git archive``: the before figures). Per step: wall and CPU seconds
(user + system of the process, all threads) between the analysis' progress callbacks.
Steps handed to the analysis' worker thread (the simulated null's draws, the event study,
the lag distribution) show about 0: their time lands in the steps run meanwhile.
``--daily`` times the default analysis of the bundled dataset instead. ``--blas1`` runs
them with ``OPENBLAS_NUM_THREADS=1`` (and OMP, MKL).

``--parts [REV]`` times the two steps this benchmark was written for on the same timeline,
old and new code in one process (``_before.load_revision``): the negative binomial GLM's
199 shifted-calendar refits (``glm_shift_reference``; the null ``z`` must agree within
1e-8 relative) and the Hawkes simulated null with 999 series (the null distribution must
be identical). BLAS is left as the analysis leaves it. The machine is shared: the load
average is printed, and CPU seconds are the figure to compare.

``--scan [REV]`` times the scan's kernel alone (``scan_block`` on one thread) on the first
40 of the scan's 306 claim series, old and new in turn, three times each (median CPU
seconds per series), and checks that every summary is identical.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "benchmarks"))

#: The commit before this benchmark's changes to the GLM reference and the Hawkes null.
BEFORE = "22c8575"
DATA = Path(tempfile.gettempdir()) / "timing_bench_hourly_analyze"


def _inputs() -> tuple[Path, Path]:
    claims, events = DATA / "claims.parquet", DATA / "events.parquet"
    if not claims.exists():
        from bench_scan import make_hourly

        DATA.mkdir(exist_ok=True)
        import polars as pl

        c, e = make_hourly(1_000_000)
        c.with_columns(source=pl.lit("https://example.org/c")).write_parquet(claims)
        e.with_columns(
            parties=pl.lit("US-RU"), title=pl.lit("talks"), source=pl.lit("https://example.org/e")
        ).write_parquet(events)
    return claims, events


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def steps_one(claims: Path | None, events: Path | None) -> None:
    """One hourly analysis in this process; prints its steps as JSON on the last line.

    Without files: the default daily analysis of the bundled dataset.
    """
    from timing.analysis import AnalysisConfig, analyze

    marks: list[tuple[str, float, float]] = [("setup", time.perf_counter(), _cpu())]

    def progress(label: str) -> None:
        marks.append((label, time.perf_counter(), _cpu()))

    config = AnalysisConfig(resolution="hour" if claims else "day")
    analyze(claims, events, config, progress=progress)
    import timing

    print(f"timing from {Path(timing.__file__).parent}", file=sys.stderr)
    marks.append(("end", time.perf_counter(), _cpu()))
    rows = [(a[0], b[1] - a[1], b[2] - a[2]) for a, b in itertools.pairwise(marks)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"steps": rows, "peak_mb": peak}))


def _run_tree(tree: Path, claims: Path | None, events: Path | None) -> dict:
    # The benchmark module puts this tree on the path when imported: put ``tree`` before it.
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
        "from bench_hourly_analyze import steps_one; from pathlib import Path; "
        f"sys.path.insert(0, {str(tree)!r}); "
        + (f"steps_one(Path({str(claims)!r}), Path({str(events)!r}))" if claims else "")
        + ("" if claims else "steps_one(None, None)")
    )
    env = dict(os.environ)
    if "--blas1" in sys.argv:
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tree, env=env
    )
    print(out.stderr.strip().splitlines()[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def steps(revisions: list[str]) -> None:
    claims, events = (None, None) if "--daily" in sys.argv else _inputs()
    runs: dict[str, dict] = {}
    for name in ["this tree", *revisions]:
        load = os.getloadavg()[0]
        if name == "this tree":
            runs[name] = _run_tree(ROOT, claims, events)
        else:
            with tempfile.TemporaryDirectory() as folder:
                archive = subprocess.run(
                    ["git", "-C", str(ROOT), "archive", name], capture_output=True, check=True
                ).stdout
                subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
                runs[name] = _run_tree(Path(folder), claims, events)
        runs[name]["load"] = load
    data = "bundled dataset, daily" if claims is None else "1e6 claims, 10 years hourly"
    print(f"{os.cpu_count()} cores; {data}; seconds (wall / CPU)")
    names = list(runs)
    print(f"{'step':<58}" + "".join(f"{n:>22}" for n in names))
    labels = [label for label, _, _ in runs[names[0]]["steps"]]
    for i, label in enumerate(labels):
        cells = []
        for n in names:
            rows = runs[n]["steps"]
            cells.append(f"{rows[i][1]:9.2f} / {rows[i][2]:7.2f}" if i < len(rows) else "")
        print(f"{label[:57]:<58}" + "".join(f"{c:>22}" for c in cells))
    totals = [
        f"{sum(r[1] for r in runs[n]['steps']):9.2f} / {sum(r[2] for r in runs[n]['steps']):7.2f}"
        for n in names
    ]
    print(f"{'total':<58}" + "".join(f"{c:>22}" for c in totals))
    print(f"{'peak RSS (MB)':<58}" + "".join(f"{runs[n]['peak_mb']:>22.0f}" for n in names))
    print(f"{'load average at start':<58}" + "".join(f"{runs[n]['load']:>22.1f}" for n in names))


def _timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), _cpu()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - start, _cpu() - cpu


def parts(rev: str) -> None:
    import numpy as np
    from _before import load_revision

    from timing.analysis import AnalysisConfig
    from timing.inputs import load_inputs
    from timing.methods import MethodContext
    from timing.stats import glm_shift, simulated_null
    from timing.stats.glm import count_design, count_regression
    from timing.timeline import build_timeline

    claims, events = _inputs()
    c, e, _, _ = load_inputs(claims, events, resolution="hour")
    timeline = build_timeline(c.frame, e.frame, lead_days=3, resolution="hour")
    ctx = MethodContext(timeline, AnalysisConfig(resolution="hour"))
    plan = ctx.plan
    fit = count_regression(timeline, ctx.offsets)
    design, _ = count_design(timeline, ctx.offsets)
    args = (plan.slice(timeline.claims), design[plan.keep_start : plan.keep_stop], plan.shifts)
    kwargs = {"dispersion": fit.dispersion, "maxlags": fit.maxlags, "seed": 0}
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; T = {timeline.n_bins}, "
        f"{int(timeline.claims.sum())} claims, {timeline.n_events} events"
    )
    old_glm = load_revision("timing/stats/glm_shift.py", rev)
    (obs_new, p_new, z_new), wall_new, cpu_new = _timed(
        glm_shift.glm_shift_reference, *args, **kwargs
    )
    (obs_old, p_old, z_old), wall_old, cpu_old = _timed(
        old_glm.glm_shift_reference, *args, **kwargs
    )
    worst = float(
        np.max(np.abs(np.r_[z_new - z_old, obs_new - obs_old]) / np.abs(np.r_[z_old, obs_old]))
    )
    print(
        f"GLM reference, {z_new.size} refits: {rev} {wall_old:.1f} s wall / {cpu_old:.1f} s CPU, "
        f"now {wall_new:.1f} / {cpu_new:.1f}; p {p_old} -> {p_new}, largest relative "
        f"difference of a z {worst:.1e}"
    )
    old_sim = load_revision("timing/stats/simulate.py", rev)
    old_null = load_revision(
        "timing/stats/simulated_null.py", rev, using={"timing.stats.simulate": old_sim}
    )
    new, wall_new, cpu_new = _timed(simulated_null.simulated_null_test, timeline, ctx.offsets)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the old one
    old, wall_old, cpu_old = _timed(old_null.simulated_null_test, timeline, ctx.offsets)
    same = np.array_equal(new.null_distribution, old.null_distribution)
    old_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Hawkes simulated null, {new.n_sim} series: {rev} {wall_old:.1f} s wall / "
        f"{cpu_old:.1f} s CPU, now {wall_new:.1f} / {cpu_new:.1f}; null distribution "
        f"identical: {same}; peak RSS {peak:.0f} MB after the new one, "
        f"{old_peak:.0f} MB after the old"
    )


def scan_kernel(rev: str, n_series: int = 40) -> None:
    import numpy as np
    from _before import load_revision

    import timing.stats.scan as scan_module
    from timing.inputs import load_inputs
    from timing.stats import _scan_kernel as new
    from timing.timeline import build_timeline

    claims, events = _inputs()
    c, e, _, _ = load_inputs(claims, events, resolution="hour")
    timeline = build_timeline(c.frame, e.frame, lead_days=3, resolution="hour")
    captured: dict = {}

    class _Stop(Exception):
        pass

    def capture(plan, counts, **_kwargs):  # type: ignore[no-untyped-def]
        captured.update(plan=plan, counts=counts)
        raise _Stop

    original, scan_module.run_blocks = scan_module.run_blocks, capture
    try:
        scan_module.scan(timeline, windows=[24 * d for d in range(1, 15)])
    except _Stop:
        pass
    finally:
        scan_module.run_blocks = original
    plan, counts = captured["plan"], captured["counts"]
    old = load_revision("timing/stats/_scan_kernel.py", rev)
    old_plan = old.ScanPlan(
        plan.n_bins,
        tuple(old.Calendar(k.starts, k.windows, k.anticipation) for k in plan.calendars),
        plan.null,
        plan.n_shifts,
    )
    block = np.stack(counts[:n_series]).astype(np.float64)
    cpu: dict[str, list[float]] = {rev: [], "now": []}
    out = {}
    for _ in range(3):
        for name, module, p in ((rev, old, old_plan), ("now", new, plan)):
            out[name], _, seconds = _timed(module.scan_block, p, block, threads=1)
            cpu[name].append(seconds / n_series)
    fields = ("obs", "mean", "sd", "n_ge", "in_sum", "max_null")
    same = all(np.array_equal(getattr(out[rev], f), getattr(out["now"], f)) for f in fields)
    med = {k: sorted(v)[1] * 1000 for k, v in cpu.items()}
    print(
        f"load average {os.getloadavg()[0]:.1f}; {len(counts)} series x {plan.n_rows} rows, "
        f"T = {plan.n_bins}: CPU ms per series {rev} {med[rev]:.1f}, now {med['now']:.1f} "
        f"(x{med[rev] / med['now']:.2f}); identical: {same}"
    )


if __name__ == "__main__":
    if "--scan" in sys.argv:
        rest = sys.argv[sys.argv.index("--scan") + 1 :]
        scan_kernel(rest[0] if rest else "b6cabd8")
    elif "--parts" in sys.argv:
        rest = sys.argv[sys.argv.index("--parts") + 1 :]
        parts(rest[0] if rest else BEFORE)
    else:
        rest = sys.argv[sys.argv.index("--steps") + 1 :] if "--steps" in sys.argv else []
        steps([r for r in rest if not r.startswith("--")])
