"""Benchmark: size and render time of the HTML report, and Chromium load-to-render time.

On the bundled dataset (``analyze().to_dict(full=True)``): (a) time to build each figure,
(b) ``render_report`` with plotly.js inline and from the CDN, and the page sizes, (c) the
time headless Chromium (networking disabled) takes from launch to a DOM in which every
figure is drawn (``--dump-dom`` after plotly ran), minus the launch time of an empty page,
and (d) the same on a larger synthetic dataset (5 years, 2,000 claims, 200 events).

Run: ``python3 benchmarks/bench_report.py [--quick]`` (prints a table; no assertions).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

CHROMIUM = Path("/usr/bin/chromium")


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds over ``repeats`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def chromium_seconds(page: Path, folder: Path) -> tuple[float, str]:
    args = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={folder / 'profile'}",
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri(),
    ]  # fmt: skip
    start = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    return time.perf_counter() - start, run.stdout


def synthetic(folder: Path) -> dict[str, Any]:
    """Five years, 200 events, about 2,000 claims, written as CSV and analysed."""
    import numpy as np

    from timing.analysis import analyze

    rng = np.random.default_rng(0)
    start = np.datetime64("2020-01-01")
    days = np.sort(rng.integers(0, 1826, 2000))
    ev = np.sort(rng.choice(1826, 200, replace=False))
    kinds = ["capture", "encirclement", "strike", "other"]
    statuses = ["confirmed", "contested", "refuted", "unverified"]
    lines = ["claim_id,date,actor,kind,target,status,source"]
    lines += [
        f"c{i},{start + d},RU MoD,{kinds[i % 4]},Place {i % 97},{statuses[i % 4]},"
        f"https://example.org/c{i}"
        for i, d in enumerate(days)
    ]
    (folder / "claims.csv").write_text("\n".join(lines) + "\n")
    lines = ["event_id,date,kind,parties,title,source"]
    lines += [
        f"e{j},{start + d},talks,US-RU,Talks {j},https://example.org/e{j}" for j, d in enumerate(ev)
    ]
    (folder / "events.csv").write_text("\n".join(lines) + "\n")
    return analyze(folder / "claims.csv", folder / "events.csv").to_dict(full=True)


def report(name: str, data: dict[str, Any], folder: Path, repeats: int) -> None:
    from timing.report import extras, figures
    from timing.report.page import render_report, write_report

    print(f"\n== {name}: {data['counts']['claims']:.0f} claims, {data['counts']['events']} events")
    for fn in (figures.timeline_figure, figures.lag_histogram_figure, figures.event_study_figure,
               figures.null_distribution_figure, extras.scan_heatmap_figure):  # fmt: skip
        seconds, _ = timed(lambda fn=fn: fn(data), repeats)
        print(f"  figure {fn.__name__:<26} {1000 * seconds:8.1f} ms")
    for mode in ("inline", "cdn"):
        seconds, page = timed(lambda mode=mode: render_report(data, plotlyjs=mode), repeats)
        size = len(page.encode("utf-8"))
        print(f"  render_report({mode:<6})          {1000 * seconds:8.1f} ms  {size:>12,} bytes")
    path = write_report(data, folder / f"{name}.html")
    if not CHROMIUM.exists():
        print("  chromium: not installed, skipped")
        return
    empty = folder / "empty.html"
    empty.write_text("<!DOCTYPE html><title>x</title>")
    base = statistics.median(chromium_seconds(empty, folder)[0] for _ in range(repeats))
    runs = [chromium_seconds(path, folder) for _ in range(repeats)]
    load = statistics.median(r[0] for r in runs)
    drawn = runs[-1][1].count('class="plot js-plotly-plot"')
    print(
        f"  chromium load-to-render           {1000 * load:8.1f} ms  (empty page "
        f"{1000 * base:.0f} ms; difference {1000 * (load - base):.0f} ms; {drawn} figures drawn)"
    )


def main() -> None:
    from timing.analysis import analyze

    repeats = 1 if "--quick" in sys.argv else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seconds, data = timed(lambda: analyze().to_dict(full=True), 1)
        print(f"analyze() on the bundled dataset: {seconds:.2f} s")
        report("bundled", data, folder, repeats)
        seconds, data = timed(lambda: synthetic(folder), 1)
        print(f"\nanalyze() on the synthetic dataset: {seconds:.2f} s")
        report("synthetic", data, folder, repeats)


if __name__ == "__main__":
    main()
