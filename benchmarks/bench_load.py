"""Rows/s and peak memory of `timing validate` and `timing analyze --no-report` (figures).

Run: python benchmarks/bench_load.py [--sizes 1e6,1e7] [--csv-sizes 1e6] [--ndjson-sizes 1e6]
[--before DIR]

Writes synthetic claims (10 years of days, 50 actors, 5 kinds, a status column, 0.1 % rows
with an unknown kind; Parquet with a typed ``Date`` column, CSV and NDJSON with dates as
text and 1 % ISO timestamps with offsets) and 500 events into ``--folder`` (default
``/tmp/timing-bench``; 1e8 rows take about 1.3 GB of Parquet: check ``df`` first), then runs
each command in a fresh process under ``/usr/bin/time`` and prints wall time, rows/s and
the peak resident memory. ``--before DIR`` runs the same commands on another copy of the
code (e.g. ``git archive 29b1447 | tar -x -C DIR``) for before/after figures. Not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
KINDS = ["capture", "encirclement", "strike", "casualties", "other", "victory"]
STATUSES = [None, None, "confirmed", "contested", "refuted", "unverified"]


def _pick(values: list[str | None], key: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(key)


def write_claims(n: int, path: Path, *, as_text: bool, seed: int = 0) -> None:
    """Stream ``n`` synthetic claims to ``path`` (.parquet, .csv or .ndjson), not held."""
    i = pl.col("i")
    h = i.hash(seed)
    kind = pl.when(h % 1000 == 0).then(5).otherwise((h // 1000) % 5)
    day = pl.date(2016, 1, 1) + pl.duration(days=(h // 7) % 3653)
    if as_text:  # dates as text, 1 % as timestamps with an offset
        text = day.cast(pl.String)
        day = pl.when(h % 100 == 1).then(text + "T14:30:00+03:00").otherwise(text)
    lf = pl.LazyFrame().select(pl.int_range(0, n, dtype=pl.Int64).alias("i"))
    lf = lf.select(
        ("c" + i.cast(pl.String)).alias("claim_id"),
        day.alias("date"),
        ("actor-" + ((h // 11) % 50).cast(pl.String)).alias("actor"),
        _pick(KINDS, kind).alias("kind"),
        _pick(STATUSES, (h // 13) % 6).alias("status"),
        ("https://example.org/" + (i % 1000).cast(pl.String)).alias("source"),
    )
    if path.suffix == ".ndjson":
        sink = lf.sink_ndjson(path, lazy=True)
    else:
        sink = lf.sink_csv(path, lazy=True) if as_text else lf.sink_parquet(path, lazy=True)
    sink.collect(engine="streaming")  # type: ignore[union-attr]


def write_events(
    path: Path,
    n: int = 500,
    seed: int = 1,
    *,
    start: str = "2016-01-01",
    days: int = 3653,
    parties: str = "US-RU",
) -> None:
    """``n`` one-day events spread over ``days`` days from ``start`` (default: the same 10
    years as the claims)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    when = np.sort(np.datetime64(start) + rng.integers(0, days, n))
    pl.DataFrame(
        {
            "event_id": [f"e{k}" for k in range(n)],
            "date": when.astype(str),
            "kind": rng.choice(["talks", "visit", "call"], n),
            "parties": parties,
            "title": "event",
            "source": "https://example.org",
        }
    ).write_csv(path)


def measure(code: Path, args: list[str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MB, exit code) of ``python -m timing ARGS`` on ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        timed = ["/usr/bin/time", "-o", out.name, "-f", "%e %U %S %M"]
        done = subprocess.run(
            [*timed, sys.executable, "-m", "timing", *args],
            env=env,
            cwd=code,  # python -m puts the working folder first on the path
            capture_output=True,
            text=True,
            check=False,
        )
        wall, user, system, kb = out.read().split()[-4:]
    if done.returncode not in (0, 2):
        print(done.stderr.strip().splitlines()[-1:], file=sys.stderr)
    return float(wall), float(user) + float(system), int(kb) / 1024, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,1e7", help="Parquet rows, e.g. 1e6,1e7,1e8")
    parser.add_argument("--csv-sizes", default="1e6", help="CSV rows ('' for none)")
    parser.add_argument("--ndjson-sizes", default="", help="NDJSON rows, e.g. 1e6,1e7")
    parser.add_argument("--before", type=Path, help="another copy of the code to compare")
    parser.add_argument("--after", type=Path, default=ROOT, help="the code to measure")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/timing-bench"))
    parser.add_argument("--skip-analyze-above", type=float, default=1e9)
    parser.add_argument(
        "--before-up-to", type=float, default=1e7, help="run --before only up to this size"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    opts = parser.parse_args()
    opts.folder.mkdir(parents=True, exist_ok=True)
    events = opts.folder / "events.csv"
    write_events(events)
    runs = [(int(float(s)), ".parquet") for s in opts.sizes.split(",") if s]
    runs += [(int(float(s)), ".csv") for s in opts.csv_sizes.split(",") if s]
    runs += [(int(float(s)), ".ndjson") for s in opts.ndjson_sizes.split(",") if s]
    codes = {"after": opts.after, **({"before": opts.before} if opts.before else {})}
    print(f"cores: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f}")
    print("(CPU = user + sys of the command; the machine is shared, so wall time is noisy)")
    print("| rows | format | command | code | wall | CPU | rows/s | peak RSS | exit |")
    print("| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for n, suffix in runs:
        path = opts.folder / f"claims-{n:.0e}{suffix}"
        if not path.exists():
            write_claims(n, path, as_text=suffix != ".parquet")
        commands = {"validate": ["validate", str(path), "--kind", "claims"]}
        if n <= opts.skip_analyze_above:
            commands["analyze --no-report"] = [
                "analyze", "--claims", str(path), "--events", str(events),
                "--lenient", "--no-report", "--quiet",
            ]  # fmt: skip
        for name, args in commands.items():
            for label, code in codes.items():
                if label == "before" and n > opts.before_up_to:
                    continue  # before: 5.9 GB at 1e7 rows, so about 60 GB at 1e8
                wall, cpu, peak, rc = measure(code, args)
                print(
                    f"| {n:.0e} | {suffix[1:]} | {name} | {label} | {wall:.1f} s | {cpu:.1f} s | "
                    f"{n / wall:,.0f} | {peak:,.0f} MB | {rc} |",
                    flush=True,
                )
        if not opts.keep:
            path.unlink()


if __name__ == "__main__":
    main()
