"""Build the bundled dataset ``ua-losses-2025`` from the raw General Staff losses file.

Ukraine's General Staff announces Russian losses every morning, so "an announcement" is
every day and cannot be the claim. A *claim* here is an **outlier announcement**: a day on
which the announced daily personnel figure is above the 95th percentile of the figures
announced on the previous 30 days (a conspicuously high figure by the standard of the past
month, judged with nothing a reader of that morning could not know). The rule, its window
and its quantile are fixed in this file and written into ``datapackage.json``.

Inputs (read in place, never copied into the repository):

* ``russia_losses_personnel.json`` of the public dataset
  ``PetroIvaniuk/2022-Ukraine-Russia-War-Dataset`` (MIT), pinned commit :data:`RAW_COMMIT`,
  as held in ``shared/data/raw/ua-gs-losses/`` (see its ``PROVENANCE.md``). Daily figures are
  the first differences of its cumulative counts, taken by :func:`timing.adapters.ua_losses.
  parse_ua_losses`.
* ``datasets/ru-ua-2025``: its ``events.csv`` is copied unchanged (the same events, so that
  the two actors can be compared), its events schema is reused, and its ``timing.coverage``
  span is this dataset's study period.

Usage::

    PYTHONPATH=$PWD python datasets/ua-losses-2025/build.py            # rewrite the files
    PYTHONPATH=$PWD python datasets/ua-losses-2025/build.py --check    # compare, exit 1 if stale
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from timing.adapters.ua_losses import ACTOR, parse_ua_losses
from timing.errors import TimingInputError

HERE = Path(__file__).resolve().parent
EVENTS_FROM = HERE.parent / "ru-ua-2025"
NAME = "ua-losses-2025"
RAW_REPO = "https://github.com/PetroIvaniuk/2022-Ukraine-Russia-War-Dataset"
RAW_COMMIT = "37655f8bbdd6806d2f94416253116b02a750c97b"
RAW_FILE = "russia_losses_personnel.json"
RAW_URL = f"{RAW_REPO}/blob/{RAW_COMMIT}/data/{RAW_FILE}"
RAW_SHA256 = "8a11a5e9d7016ac45079f9a7fc82713003549676737597a72c23b6b13b3463b2"
WINDOW = 30
QUANTILE = 95.0
CLAIM_COLUMNS = (
    "claim_id", "date", "actor", "kind", "target", "region", "status", "verified_date",
    "value", "text", "source", "cumulative", "threshold", "window_median", "window_start",
    "window_end", "rule", "raw_line", "input_row",
)  # fmt: skip


def rule_text(window: int = WINDOW, quantile: float = QUANTILE) -> str:
    """The selection rule in one sentence (the ``rule`` column of every row)."""
    return (
        f"daily personnel figure > {quantile:g}th percentile (linear interpolation) of the "
        f"figures announced on the previous {window} days"
    )


def default_raw() -> Path | None:
    """``shared/data/raw/ua-gs-losses`` beside the checkout (searched upwards), if present."""
    for parent in HERE.parents:
        candidate = parent / "shared" / "data" / "raw" / "ua-gs-losses"
        if (candidate / RAW_FILE).is_file():
            return candidate
    return None


def _raw_lines(path: Path) -> dict[str, int]:
    """The 1-based line of each day's ``"date"`` key in the raw file (a GitHub line anchor)."""
    found: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            m = re.search(r'"date":\s*"(\d{4}-\d{2}-\d{2})"', line)
            if m:
                found[m.group(1)] = number
    return found


def coverage_span(events_from: Path = EVENTS_FROM) -> tuple[dt.date, dt.date]:
    """The study period of the dataset the events come from (its ``timing.coverage``)."""
    meta = json.loads((events_from / "datapackage.json").read_text(encoding="utf-8"))
    span = meta["timing"]["coverage"]
    return dt.date.fromisoformat(span["start"]), dt.date.fromisoformat(span["end"])


def derive(
    raw_dir: Path,
    start: dt.date,
    end: dt.date,
    window: int = WINDOW,
    quantile: float = QUANTILE,
    *,
    sha256: str | None = RAW_SHA256,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Select the outlier announcement days in ``start..end``.

    Parameters
    ----------
    raw_dir : pathlib.Path
        Folder holding ``russia_losses_personnel.json``.
    start, end : datetime.date
        Inclusive span of days that may be selected (the study period).
    window : int
        Number of previous announcement days the day's figure is compared with.
    quantile : float
        Percentile (0-100) of those figures that the day's figure must exceed.
    sha256 : str or None
        Digest the raw file must have (the pinned copy, so that the line anchors of
        ``source`` point at the right record); ``None`` skips the check (tests on small
        files).

    Returns
    -------
    tuple of list
        ``(claims, months)``: one dict per selected day with the columns of
        :data:`CLAIM_COLUMNS`, and one dict per calendar month of the span counting the
        days announced, the days selected and the month's median and largest figure.

    Raises
    ------
    TimingInputError
        If the raw file is not the pinned copy, or a day of the span or of a comparison
        window is missing from it or carries an anomaly (a gap or a downward revision),
        which the rule does not cover.
    """
    path = raw_dir / RAW_FILE
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if sha256 is not None and digest != sha256:
        raise TimingInputError(
            f"{path}: SHA-256 {digest} is not the pinned copy's {sha256} (commit "
            f"{RAW_COMMIT}); the line anchors in 'source' would not match it"
        )
    result = parse_ua_losses(path, categories=("personnel",))
    frame = result.frame
    days = [dt.date.fromisoformat(d) for d in frame["date"].to_list()]
    values = np.array([int(v) for v in frame["value"].to_list()], dtype=np.int64)
    said = [re.search(r"cumulative (\D*?)\s*(\d+)$", t) for t in frame["text"].to_list()]
    if not all(said):
        raise TimingInputError(
            f"{path}: the ua-losses adapter's text no longer ends 'cumulative N'"
        )
    cumul = [(m.group(1) + " " if m.group(1) else "") + m.group(2) for m in said if m]
    inputs = [int(r) for r in frame["input_row"].to_list()]
    anomalous = {a.row for a in result.anomalies}
    lines = _raw_lines(path)
    first = days.index(start) if start in days else -1
    if first < window or end not in days:
        raise TimingInputError(f"{path}: need {window} days before {start} and every day to {end}")
    last = days.index(end)
    if (days[last] - days[first - window]).days != last - first + window:
        raise TimingInputError(f"{path}: days missing between {days[first - window]} and {end}")
    if anomalous & set(inputs[first - window : last + 1]):
        raise TimingInputError(
            f"{path}: an anomaly (gap or revision) falls in the span or a window"
        )
    claims: list[dict[str, Any]] = []
    per_month: dict[str, list[int]] = {}
    selected: Counter[str] = Counter()
    for i in range(first, last + 1):
        month = days[i].strftime("%Y-%m")
        per_month.setdefault(month, []).append(int(values[i]))
        previous = values[i - window : i]
        threshold = float(np.percentile(previous, quantile))
        if values[i] <= threshold:
            continue
        selected[month] += 1
        day = days[i].isoformat()
        claims.append(
            {
                "claim_id": f"UAGS-personnel-{day}",
                "date": day,
                "actor": ACTOR,
                "kind": "casualties",
                "target": "Russian forces (personnel)",
                "region": "",
                "status": "unverified",
                "verified_date": "",
                "value": int(values[i]),
                "text": (
                    f"General Staff morning statement of {day}: {int(values[i])} Russian "
                    f"personnel losses over the past day (cumulative {cumul[i]}); "
                    f"previous {window} days' {quantile:g}th percentile {threshold:g}"
                ),
                "source": f"{RAW_URL}#L{lines[day]}",
                "cumulative": int(cumul[i].rsplit(" ", 1)[-1]),
                "threshold": round(threshold, 2),
                "window_median": float(np.median(previous)),
                "window_start": days[i - window].isoformat(),
                "window_end": days[i - 1].isoformat(),
                "rule": rule_text(window, quantile),
                "raw_line": lines[day],
                "input_row": inputs[i],
            }
        )
    months = [
        {
            "month": month,
            "days_in_span": _days_in_span(month, start, end),
            "days_announced": len(figures),
            "days_selected": selected[month],
            "median_daily": float(statistics.median(figures)),
            "max_daily": max(figures),
        }
        for month, figures in per_month.items()
    ]
    return claims, months


def _days_in_span(month: str, start: dt.date, end: dt.date) -> int:
    """Calendar days of ``month`` (``YYYY-MM``) that fall inside ``start..end``."""
    first = dt.date.fromisoformat(f"{month}-01")
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return max((min(after - dt.timedelta(days=1), end) - max(first, start)).days + 1, 0)


def _csv_text(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in columns})
    return buf.getvalue()


def _domains(events_csv: Path) -> list[str]:
    with events_csv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    urls = [r.get(k) or "" for r in rows for k in ("source", "announced_source")]
    hosts = {re.sub(r"^www\.", "", u.split("/")[2]) for u in urls if u.startswith("http")}
    return sorted(hosts)


def package(
    claims: list[dict[str, Any]],
    months: list[dict[str, Any]],
    span: tuple[dt.date, dt.date],
    events_from: Path = EVENTS_FROM,
    window: int = WINDOW,
    quantile: float = QUANTILE,
    current: Path = HERE / "datapackage.json",
) -> dict[str, Any]:
    """The ``datapackage.json`` content for the derived claims and the copied events.

    The hand-written parts of ``current`` (title, description, licences, the claims
    resource and its schema, the sources that are not event sites, the caveat) are kept;
    the events resource is taken from ``events_from``, the event sites are listed from its
    ``events.csv`` and the ``timing`` block (rows, period, coverage by month, rule, raw
    file, events digest) is recomputed.
    """
    meta = json.loads(current.read_text(encoding="utf-8"))
    base = json.loads((events_from / "datapackage.json").read_text(encoding="utf-8"))
    events_res = next(r for r in base["resources"] if r["name"] == "events")
    with (events_from / "events.csv").open(newline="", encoding="utf-8") as fh:
        events = list(csv.DictReader(fh))
    dates = [c["date"] for c in claims] + [e["date"] for e in events]
    dates += [e["end_date"] for e in events if e.get("end_date")]
    fixed = [s for s in meta["sources"] if s["path"] != f"https://{s['title']}/"]
    sites = [{"title": h, "path": f"https://{h}/"} for h in _domains(events_from / "events.csv")]
    meta["sources"] = fixed + sites
    claims_res = next(r for r in meta["resources"] if r["name"] == "claims")
    names = [f["name"] for f in claims_res["schema"]["fields"]]
    if names != list(CLAIM_COLUMNS):
        raise TimingInputError(f"{current}: claims schema fields {names} != {list(CLAIM_COLUMNS)}")
    note = "copied unchanged from ru-ua-2025 by build.py (same events for both actors)"
    meta["resources"] = [claims_res, {**events_res, "description": note}]
    old = meta.get("timing") or {}
    events_sha = hashlib.sha256((events_from / "events.csv").read_bytes()).hexdigest()
    meta["timing"] = {
        "period": {"start": min(dates), "end": max(dates)},
        "rows": {"claims": len(claims), "events": len(events)},
        "caveat": old.get("caveat", ""),
        "coverage": {
            "start": span[0].isoformat(),
            "end": span[1].isoformat(),
            "note": (
                "the study period of ru-ua-2025, whose events are used; every day of it is in "
                "the raw file, so the claims table is complete for its rule by construction"
            ),
            "months": months,
            "months_note": (
                "days_announced = days of the month inside the span with a General Staff "
                "figure in the raw file; days_selected = rows of claims.csv; median_daily and "
                "max_daily over the announced days"
            ),
        },
        "rule": {
            "text": rule_text(window, quantile),
            "window_days": window,
            "quantile": quantile,
            "interpolation": "linear (numpy.percentile default)",
            "comparison": "strictly greater",
            "series": "first differences of the cumulative personnel count",
        },
        "raw": {
            "repository": RAW_REPO,
            "commit": RAW_COMMIT,
            "file": f"data/{RAW_FILE}",
            "sha256": RAW_SHA256,
        },
        "events": {"copied_from": "ru-ua-2025/events.csv", "sha256": events_sha},
    }
    return meta


def build(
    raw_dir: Path,
    out_dir: Path = HERE,
    events_from: Path = EVENTS_FROM,
    window: int = WINDOW,
    quantile: float = QUANTILE,
) -> dict[str, str]:
    """Derive the tables and return ``{file name: text}`` for ``out_dir`` (nothing written)."""
    span = coverage_span(events_from)
    claims, months = derive(raw_dir, *span, window=window, quantile=quantile)
    meta = package(claims, months, span, events_from, window, quantile)
    return {
        "claims.csv": _csv_text(claims, CLAIM_COLUMNS),
        "events.csv": (events_from / "events.csv").read_text(encoding="utf-8"),
        "datapackage.json": json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: rewrite the dataset's files, or ``--check`` that they are current."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=None, help="folder of the raw JSON files")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the files")
    parser.add_argument("--window", type=int, default=WINDOW)
    parser.add_argument("--quantile", type=float, default=QUANTILE)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)
    raw = args.raw or default_raw()
    if raw is None:
        print(f"no raw folder holding {RAW_FILE} found; give --raw", file=sys.stderr)
        return 2
    files = build(raw, args.out, window=args.window, quantile=args.quantile)
    stale = [n for n, t in files.items() if not (args.out / n).is_file()
             or (args.out / n).read_text(encoding="utf-8") != t]  # fmt: skip
    if args.check:
        print("stale: " + ", ".join(stale) if stale else "up to date")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    n_claims = len(files["claims.csv"].splitlines()) - 1
    print(f"wrote {', '.join(files)} to {args.out} ({n_claims} claims)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
