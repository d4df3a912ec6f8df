"""Records/s and peak memory of the GDELT adapters on zipped GDELT 2.0 exports (figures).

Run: python benchmarks/bench_gdelt.py [--sizes 1e5,1e6] [--files 10] [--before DIR]

Writes N GDELT 2.0-shaped records (61 tab-separated fields, no header, ``DATEADDED``
``YYYYMMDDHHMMSS``) into K files ``YYYYMMDD000000.export.CSV.zip`` under ``--folder``
(default ``/tmp/timing-bench-gdelt``), each file a stretch of two years, then runs in a
fresh process under ``/usr/bin/time``:

- ``timing validate FOLDER --format gdelt-claims`` (CAMEO fight codes as claims);
- ``timing validate FOLDER --format gdelt-events`` (diplomacy codes as events);
- ``timing analyze --claims FOLDER --claims-format gdelt-claims --events events.csv
  --no-report`` (500 one-day events over the same two years),

and prints wall time, CPU time (user + sys), records/s and peak resident memory.
``--before DIR`` runs the same commands on another copy of the code (e.g.
``git archive main | tar -x -C DIR``). Not a test.

The records are synthetic: the mix of CAMEO codes below is illustrative (talk and
statement codes common, fight codes about 9 %), a fifth of the records repeat an earlier
story's URL (GDELT codes one article many times), 2 % carry a SQLDATE a year before
their DATEADDED, and actors are country codes with or without role codes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import zipfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing.adapters._gdelt_io import COLUMNS  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_load import measure  # noqa: E402
from bench_load import write_events as load_events  # noqa: E402

#: CAMEO code -> share (per mille) of the generated records.
CODES = {
    "010": 200, "020": 50, "036": 40, "040": 80, "041": 10, "042": 50, "043": 50,
    "044": 10, "045": 5, "046": 30, "051": 80, "057": 30, "0841": 10, "110": 50,
    "112": 50, "120": 20, "130": 30, "141": 20, "173": 30, "180": 20, "190": 40,
    "191": 5, "192": 5, "193": 15, "194": 10, "195": 10, "1951": 5, "196": 5,
}  # fmt: skip
ACTORS = ["USA", "RUS", "UKR", "CHN", "GBR", "FRA", "DEU", "TUR", "IRN", "ISR", "POL", "BLR"]
ROLES = ["", "", "GOV", "MIL", "COP", "BUS"]
START = dt.date(2024, 1, 1)
DAYS = 730


def _pick(values: list[str], key: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(key)


def records(n: int, first: int, day0: int, days: int, seed: int) -> pl.DataFrame:
    """``n`` GDELT 2.0 records (61 text columns) added over ``days`` days from ``day0``."""
    codes = [c for c, share in CODES.items() for _ in range(share)]
    i = pl.int_range(first, first + n, dtype=pl.Int64)
    h = i.hash(seed)
    added_day = pl.lit(START) + pl.duration(days=day0 + (h % days))
    lag = pl.when((h // 7) % 50 == 0).then(365).otherwise((h // 11) % 4)
    sql_day = added_day - pl.duration(days=lag)
    quarter = (h // 13) % 96  # 15-minute stamps HHMMSS
    clock = ((quarter // 4) * 10000 + (quarter % 4) * 1500).cast(pl.String).str.zfill(6)
    code = _pick(codes, (h // 17) % len(codes))
    a1 = _pick(ACTORS, (h // 19) % len(ACTORS))
    a2 = _pick(ACTORS, (h // 23) % len(ACTORS))
    r1 = _pick(ROLES, (h // 29) % len(ROLES))
    story = pl.when((h // 31) % 5 == 0).then(i - 1 - (h // 37) % 50).otherwise(i)
    cols: dict[str, pl.Expr] = dict.fromkeys(COLUMNS, pl.lit(""))
    cols |= {
        "GLOBALEVENTID": (1_200_000_000 + i).cast(pl.String),
        "SQLDATE": sql_day.dt.strftime("%Y%m%d"),
        "MonthYear": sql_day.dt.strftime("%Y%m"),
        "Year": sql_day.dt.strftime("%Y"),
        "Actor1Code": a1 + r1,
        "Actor1Name": a1,
        "Actor1CountryCode": a1,
        "Actor2Code": a2,
        "Actor2Name": a2,
        "Actor2CountryCode": a2,
        "IsRootEvent": pl.lit("1"),
        "EventCode": code,
        "EventBaseCode": code.str.slice(0, 3),
        "EventRootCode": code.str.slice(0, 2),
        "QuadClass": pl.lit("4"),
        "GoldsteinScale": pl.lit("-10.0"),
        "NumMentions": pl.lit("2"),
        "NumSources": pl.lit("1"),
        "NumArticles": pl.lit("2"),
        "AvgTone": pl.lit("-3.2"),
        "ActionGeo_Type": pl.lit("4"),
        "ActionGeo_FullName": pl.lit("Kharkiv, Kharkivs'ka Oblast', Ukraine"),
        "ActionGeo_CountryCode": pl.lit("UP"),
        "ActionGeo_ADM1Code": pl.lit("UP07"),
        "ActionGeo_Lat": pl.lit("50"),
        "ActionGeo_Long": pl.lit("36.25"),
        "DATEADDED": added_day.dt.strftime("%Y%m%d") + clock,
        "SOURCEURL": "https://news.example.org/" + story.cast(pl.String),
    }
    return pl.select(**cols)


def write_exports(n: int, files: int, folder: Path, seed: int = 0) -> None:
    """``n`` records in ``files`` zipped exports, each a consecutive stretch of days."""
    folder.mkdir(parents=True, exist_ok=True)
    per, span = -(-n // files), max(1, DAYS // files)
    for k in range(files):
        size = min(per, n - k * per)
        if size <= 0:
            break
        frame = records(size, k * per, k * span, span, seed)
        buffer = io.BytesIO()
        frame.write_csv(buffer, separator="\t", include_header=False, quote_style="never")
        day = START + dt.timedelta(k * span)
        name = f"{day:%Y%m%d}000000.export.CSV"
        with zipfile.ZipFile(folder / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name, buffer.getvalue())


def write_events(path: Path, n: int = 500, seed: int = 1) -> None:
    """``n`` one-day events over the records' two years."""
    load_events(path, n, seed, start=START.isoformat(), days=DAYS, parties="USA-RUS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e5,1e6", help="records, e.g. 1e5,1e6,1e7")
    parser.add_argument("--files", type=int, default=10, help="zipped export files")
    parser.add_argument("--before", type=Path, help="another copy of the code to compare")
    parser.add_argument("--after", type=Path, default=ROOT, help="the code to measure")
    parser.add_argument("--before-up-to", type=float, default=1e6)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/timing-bench-gdelt"))
    opts = parser.parse_args()
    opts.folder.mkdir(parents=True, exist_ok=True)
    events = opts.folder / "events.csv"
    write_events(events)
    codes = {"after": opts.after, **({"before": opts.before} if opts.before else {})}
    print(f"cores: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f}, files: {opts.files}")
    print("| records | command | code | wall | CPU | records/s | peak RSS | exit |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for n in (int(float(s)) for s in opts.sizes.split(",") if s):
        folder = opts.folder / f"exports-{n:.0e}"
        if not folder.exists():
            write_exports(n, opts.files, folder)
        commands = {
            "validate gdelt-claims": ["validate", str(folder), "--format", "gdelt-claims"],
            "validate gdelt-events": ["validate", str(folder), "--format", "gdelt-events"],
            "analyze --no-report": [
                "analyze", "--claims", str(folder), "--claims-format", "gdelt-claims",
                "--events", str(events), "--lenient", "--no-report", "--quiet",
            ],
        }  # fmt: skip
        for name, args in commands.items():
            for label, code in codes.items():
                if label == "before" and n > opts.before_up_to:
                    continue
                wall, cpu, peak, rc = measure(code, args)
                print(
                    f"| {n:.0e} | {name} | {label} | {wall:.1f} s | {cpu:.1f} s | "
                    f"{n / wall:,.0f} | {peak:,.0f} MB | {rc} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
