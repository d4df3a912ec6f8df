"""Benchmark: size and render time of the HTML report, and Chromium load-to-render time.

On the bundled dataset (``analyze().to_dict(full=True)``): (a) time to build each figure
(as the report does, a plain dict written as JSON, and as a validated plotly figure),
(b) ``render_report`` with plotly.js inline and from the CDN, and the page sizes, (c) the
time headless Chromium (networking disabled) takes from launch to a DOM in which every
figure is drawn (``--dump-dom`` after plotly ran), minus the launch time of an empty page.

Then the scale table (issue 12, goal 3): report size, write time and Chromium time to a
page with every figure drawn, at 1e4 ... 1e7 claims and 10,000 events over ten years. Those
result dicts are generated directly (``tests/report/scale_data.py``), not analysed: the bundled
analysis supplies the tests (their figures do not grow with claims), and the claims, events,
per-event rows and binned series are replaced by generated ones.

Run: ``python3 benchmarks/bench_report.py [--quick] [--sizes 1e4,1e5,1e6,1e7] [--no-bundled]``
(prints tables; no assertions).
"""

from __future__ import annotations

import re
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
#: Appended to a page: stamps the time (ms since navigation) once the report's own script,
#: which draws every figure synchronously, has run.
STAMP = '<script>document.body.setAttribute("data-drawn-ms", String(performance.now()))</script>'


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds over ``repeats`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _chromium_args(page: Path, folder: Path) -> list[str]:
    """Headless Chromium dumping the DOM of ``page``, offline, with its own profile."""
    return [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={folder / 'profile'}",
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri(),
    ]  # fmt: skip


def chromium_seconds(page: Path, folder: Path) -> tuple[float, str]:
    args = _chromium_args(page, folder)
    start = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    return time.perf_counter() - start, run.stdout


def report(name: str, data: dict[str, Any], folder: Path, repeats: int) -> None:
    from timing.report import extras, figures, timeline_plot
    from timing.report.page import render_report, write_report

    print(f"\n== {name}: {data['counts']['claims']:.0f} claims, {data['counts']['events']} events")
    print("  figure: as the report builds it (plain dict and its JSON) | as a plotly go.Figure")
    for spec, fn in (
        (timeline_plot.timeline_spec, figures.timeline_figure),
        (figures.lag_histogram_spec, figures.lag_histogram_figure),
        (figures.event_study_spec, figures.event_study_figure),
        (figures.null_distribution_spec, figures.null_distribution_figure),
        (extras.scan_heatmap_spec, extras.scan_heatmap_figure),
    ):
        seconds, _ = timed(lambda spec=spec: spec(data).json(), repeats)
        plotly_seconds, _ = timed(lambda fn=fn: fn(data), repeats)
        print(f"  {fn.__name__:<26} {1000 * seconds:8.1f} ms | {1000 * plotly_seconds:8.1f} ms")
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


def chromium_peak(page: Path, folder: Path) -> tuple[float, str, int]:
    """(seconds, DOM, peak RSS in MiB of the largest Chromium process) for one run."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600); "
        "sys.stderr.write(f'{time.perf_counter() - t} "
        "{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); sys.stdout.write(r.stdout)"
    )
    args = _chromium_args(page, folder)
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    seconds, rss = run.stderr.split()[-2:]
    return float(seconds), run.stdout, int(rss) // 1024


def scale_table(base: dict[str, Any], sizes: list[int], folder: Path) -> None:
    from tests.report.scale_data import scaled
    from timing.report.page import write_report

    empty = folder / "empty.html"
    empty.write_text("<!DOCTYPE html><title>x</title>")
    launch = chromium_peak(empty, folder)[0] if CHROMIUM.exists() else float("nan")
    print(f"\n== scale: 10,000 events, ten years of days (empty page in Chromium {launch:.1f} s)")
    print(f"{'claims':>10} {'generate':>9} {'write':>8} {'size':>10} {'chromium':>9} "
          f"{'drawn at':>9} {'peak RSS':>9} {'drawn':>9}")  # fmt: skip
    for n in sizes:
        t0 = time.perf_counter()
        data = scaled(base, n)
        t1 = time.perf_counter()
        path = write_report(data, folder / f"scale-{n}.html")
        t2 = time.perf_counter()
        size = path.stat().st_size
        html = path.read_text(encoding="utf-8")
        expected = html.count('class="plot"')
        shown, drawn_ms = "skipped", float("nan")
        seconds, rss = float("nan"), 0
        if CHROMIUM.exists():
            timed_page = folder / f"timed-{n}.html"  # the same page, stamping when it is drawn
            timed_page.write_text(html.replace("</body>", f"{STAMP}</body>"), encoding="utf-8")
            seconds, dom, rss = chromium_peak(timed_page, folder)
            drawn = len(re.findall(r'class="[^"]*\bjs-plotly-plot\b', dom))
            stamp = re.search(r'data-drawn-ms="([\d.]+)"', dom)
            drawn_ms = float(stamp.group(1)) if stamp else float("nan")
            shown = f"{drawn}/{expected}"
        print(
            f"{n:>10,} {t1 - t0:>8.1f}s {t2 - t1:>7.1f}s {size / 1e6:>8.2f}MB {seconds:>8.1f}s "
            f"{drawn_ms / 1000:>8.1f}s {rss:>7,}MB {shown:>9}"
        )
        del data, html


def main() -> None:
    from timing.analysis import analyze

    repeats = 1 if "--quick" in sys.argv else 3
    sizes = [10_000, 100_000, 1_000_000]
    if "--sizes" in sys.argv:
        sizes = [int(float(s)) for s in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seconds, data = timed(lambda: analyze().to_dict(full=True), 1)
        print(f"analyze() on the bundled dataset: {seconds:.2f} s")
        if "--no-bundled" not in sys.argv:
            report("bundled", data, folder, repeats)
        scale_table(data, sizes, folder)


if __name__ == "__main__":
    main()
