"""Counted claims give the results of one row per claim under every analysis option.

:mod:`tests.test_claim_counts` compares the two forms (``keep_columns="analysis"`` and
``"counts"``) for four reader/option pairs; here every option that changes what is computed
gets its own run on one small generated table (and the bundled dataset, a table without the
optional columns, minute bins, fractional values, the eager CSV reader).
:mod:`tests.test_claim_counts_functions` does the same for the functions that take a
claims frame directly.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.test_claim_counts import _numbers
from timing.analysis import AnalysisConfig, analyze
from timing.claim_counts import COUNT_COLUMN, n_claims
from timing.errors import TimingInputError

KINDS = ["capture", "encirclement", "strike", "casualties", "other"]
STATUSES = [None, "confirmed", "contested", "refuted", "unverified", "Refuted", "CONFIRMED"]
START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
MARCH = dt.date(2023, 3, 1)
#: Replicates cut to the fewest each option allows: the numbers only need to agree.
FAST = {
    "n_boot": 19,
    "n_monte_carlo": 19,
    "lag_density_shifts": 19,
    "predictive_shifts": 9,
    "event_study_bins": 5,
    "scan_max_window": 4,
}


def _claims(n: int, seed: int, *, times: bool, fractions: bool) -> pl.DataFrame:
    """Claims on 60 days of 2023 (so rows share a count) with a far-off date, rejected
    kinds, mixed-case statuses, verified dates before and after the claim, null and
    (optionally) fractional values, and (optionally) times of day on a few minutes."""
    rng = np.random.default_rng(seed)
    days = rng.choice(rng.integers(-10, 370, 60), n)
    minutes = rng.choice(rng.integers(0, 24 * 60, 6), n) if times else np.zeros(n, int)
    moments = [
        START + dt.timedelta(days=int(d), minutes=int(m))
        for d, m in zip(days, minutes, strict=True)
    ]
    dates = [f"{m:%Y-%m-%dT%H:%MZ}" if times else f"{m:%Y-%m-%d}" for m in moments]
    dates[7] = "1923-05-04"  # far outside the rest of the table
    kinds = rng.choice(KINDS, n).astype(object)
    kinds[rng.choice(np.arange(20, n), 3, replace=False)] = "victory"  # rejected
    lags, known = rng.integers(-3, 4, n), rng.random(n) < 0.3
    verified = [
        f"{m + dt.timedelta(days=int(k)):%Y-%m-%d}" if ok else None
        for m, k, ok in zip(moments, lags, known, strict=True)
    ]
    values = rng.integers(0, 40, n) * (0.1 if fractions else 1.0) + (0.05 if fractions else 0)
    return pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(n)],
            "date": dates,
            "actor": rng.choice(["RU MoD", "UA GS", "Wagner"], n, p=[0.6, 0.3, 0.1]),
            "kind": kinds.astype(str),
            "target": [f"Place {i % 97}" for i in range(n)],
            "status": pl.Series(rng.choice(np.array(STATUSES, dtype=object), n).tolist()),
            "verified_date": verified,
            "value": [
                None if r < 0.2 else float(v) for r, v in zip(rng.random(n), values, strict=True)
            ],
            "source": [f"https://example.org/{i}" for i in range(n)],
        },
        schema_overrides={"status": pl.String, "value": pl.Float64},
    )


def _events(seed: int, *, periodic: bool = False) -> pl.DataFrame:
    """30 events over 2023, some lasting days, most announced days before they start
    (the first before the claims begin); or, ``periodic``, one every 14 days."""
    rng = np.random.default_rng(seed)
    if periodic:
        days = np.arange(5, 365, 14)
    else:
        days = np.sort(rng.choice(np.arange(0, 360), 30, replace=False))
    n = days.size
    starts = [START.date() + dt.timedelta(days=int(d)) for d in days]
    return pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "date": starts,
            "end_date": [
                d + dt.timedelta(days=int(k)) if k < 3 else None
                for d, k in zip(starts, rng.integers(0, 6, n), strict=True)
            ],
            "announced_date": [
                d - dt.timedelta(days=int(k)) if k else None
                for d, k in zip(starts, rng.integers(0, 25, n), strict=True)
            ],
            "kind": rng.choice(["talks", "visit", "call"], n),
            "parties": "US-RU",
            "title": "talks",
            "source": "https://example.org/e",
        }
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generated files, written once: claims by dates only, with times of day and with
    fractional values (parquet and CSV), events irregular and periodic."""
    folder = tmp_path_factory.mktemp("counted-options")
    paths = {
        "dates": _claims(2_000, 3, times=False, fractions=False),
        "times": _claims(2_000, 3, times=True, fractions=False),
        "fractions": _claims(2_000, 3, times=False, fractions=True),
    }
    out: dict[str, Path] = {}
    for name, frame in paths.items():
        out[name] = folder / f"{name}.parquet"
        frame.write_parquet(out[name])
    out["csv"] = folder / "dates.csv"
    paths["dates"].write_csv(out["csv"])
    out["events"] = folder / "events.csv"
    _events(4).write_csv(out["events"])
    out["periodic"] = folder / "periodic.csv"
    _events(4, periodic=True).write_csv(out["periodic"])
    return out


def _close(a: Any, b: Any, rel: float, where: str = "") -> list[str]:
    """Where two JSON values differ: exactly, or floats beyond ``rel`` (relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [d for k in keys for d in _close(a.get(k, "-"), b.get(k, "-"), rel, f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _close(x, y, rel, f"{where}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        if (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rel, abs_tol=rel):
            return []
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


#: Every option that changes what is computed: (id, claims file, events file, config).
OPTIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("defaults", "dates", "events", {}),
    ("one actor", "dates", "events", {"actors": ("RU MoD",)}),
    ("two actors", "dates", "events", {"actors": ("RU MoD", "Wagner")}),
    ("claim kinds", "dates", "events", {"claim_kinds": ("capture", "strike")}),
    ("event kind", "dates", "events", {"event_kinds": ("talks",)}),
    ("weight value (nulls)", "dates", "events", {"weight": "value"}),
    ("weight value, one actor", "dates", "events", {"weight": "value", "actors": ("UA GS",)}),
    ("window 7", "dates", "events", {"offsets": (-7, -1)}),
    ("offsets -5:-2", "dates", "events", {"offsets": (-5, -2)}),
    ("offsets 0:2", "dates", "events", {"offsets": (0, 2)}),
    ("anticipation", "dates", "events", {"anticipation": True}),
    ("no detrending", "dates", "events", {"detrend": None}),
    ("detrend 30", "dates", "events", {"detrend": 30}),
    ("weekly shifts", "dates", "events", {"shift_scheme": "weekly"}),
    ("all shifts", "dates", "events", {"shift_scheme": "all"}),
    ("periodic shifts", "dates", "periodic", {"shift_scheme": "periodic"}),
    ("min and max shift", "dates", "events", {"min_shift": 10, "max_shift": 60}),
    ("period cuts claims", "dates", "events", {"start": MARCH, "end": dt.date(2023, 11, 30)}),
    ("robustness", "dates", "events", {"robustness": True}),
    ("robustness, value", "dates", "events", {"robustness": True, "weight": "value"}),
    (
        "robustness, anticipation, actors",
        "dates",
        "events",
        {"robustness": True, "anticipation": True, "actors": ("RU MoD", "UA GS")},
    ),
    ("times of day, day bins", "times", "events", {}),
    (
        "hour bins, value, robustness",
        "times",
        "events",
        {"resolution": "hour", "weight": "value", "robustness": True,
         "start": dt.date(2023, 5, 1), "end": dt.date(2023, 6, 30)},
    ),
    ("csv, streamed", "csv", "events", {"weight": "value", "anticipation": True}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("claims", "events", "options"), [o[1:] for o in OPTIONS], ids=[o[0] for o in OPTIONS]
)
def test_counted_claims_agree_under_each_option(
    inputs: dict[str, Path], claims: str, events: str, options: dict[str, Any]
) -> None:
    cfg = AnalysisConfig(**{**FAST, **options})
    run = {"config": cfg, "lenient": True}
    rows = analyze(inputs[claims], inputs[events], keep_columns="analysis", **run)
    counts = analyze(inputs[claims], inputs[events], keep_columns="counts", **run)
    frame = counts.timeline.claims_frame
    assert COUNT_COLUMN in frame.columns
    assert frame.height < rows.timeline.claims_frame.height  # rows do share counts
    assert n_claims(frame) == rows.timeline.claims_frame.height
    assert _close(_numbers(counts), _numbers(rows), 0.0) == []
    if cfg.robustness:
        assert counts.robustness is not None and counts.robustness.curve.n_specs > 1
    if cfg.shift_scheme != "auto":
        assert counts.tests["shift_scheme"].scheme == cfg.shift_scheme


def test_counted_claims_agree_through_the_eager_reader(inputs: dict[str, Path]) -> None:
    """A separator given by hand sends the CSV through the eager readers, counted after."""
    cfg = AnalysisConfig(**FAST, anticipation=True, claim_kinds=("capture", "other"))
    reading = {"read_options": {"claims": {"separator": ","}}, "lenient": True, "config": cfg}
    rows = analyze(inputs["csv"], inputs["events"], keep_columns="analysis", **reading)
    counts = analyze(inputs["csv"], inputs["events"], keep_columns="counts", **reading)
    assert COUNT_COLUMN in counts.timeline.claims_frame.columns
    assert _close(_numbers(counts), _numbers(rows), 0.0) == []


def test_fractional_values_agree_to_rounding(inputs: dict[str, Path]) -> None:
    """Counted rows sum their values before binning, so sums of fractions may differ in the
    last bits; the p-values' tie tolerance absorbs that and every number agrees to 1e-9."""
    cfg = AnalysisConfig(**FAST, weight="value", robustness=True)
    rows = analyze(
        inputs["fractions"], inputs["events"], cfg, lenient=True, keep_columns="analysis"
    )
    counts = analyze(
        inputs["fractions"], inputs["events"], cfg, lenient=True, keep_columns="counts"
    )
    assert _close(_numbers(counts), _numbers(rows), 1e-9) == []
    for name, test in rows.tests.items():
        pvalue = getattr(test, "pvalue", None)
        assert getattr(counts.tests[name], "pvalue", None) == pvalue, name


def test_minute_bins_agree(tmp_path: Path) -> None:
    """Minute bins on three days (the lag distribution's null grows with bins squared)."""
    rng = np.random.default_rng(8)
    minutes = rng.choice(np.arange(0, 3 * 1440, 7), 300)
    stamps = [f"{START + dt.timedelta(days=30, minutes=int(m)):%Y-%m-%dT%H:%MZ}" for m in minutes]
    claims = pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(300)],
            "date": stamps,
            "actor": rng.choice(["RU MoD", "UA GS"], 300),
            "kind": rng.choice(["capture", "strike"], 300),
            "status": rng.choice(["confirmed", "contested"], 300),
            "source": "https://example.org/c",
        }
    )
    events = _events(4).with_columns(
        date=pl.Series([dt.date(2023, 2, 1), dt.date(2023, 2, 2)] * 15),
        end_date=None,
        announced_date=pl.Series([dt.date(2023, 1, 31), None] * 15),
    )
    paths = tmp_path / "m.csv", tmp_path / "e.csv"
    claims.write_csv(paths[0])
    events.unique("date").write_csv(paths[1])
    cfg = AnalysisConfig(
        **{**FAST, "event_study_bins": 30},
        resolution="minute",
        offsets=(-1, -1),
        start=dt.date(2023, 1, 31),
        end=dt.date(2023, 2, 2),
    )
    rows = analyze(*paths, cfg, keep_columns="analysis")
    counts = analyze(*paths, cfg, keep_columns="counts")
    assert counts.timeline.claims_frame.height < 300
    assert _close(_numbers(counts), _numbers(rows), 0.0) == []


def test_bundled_dataset_agrees(tmp_path: Path) -> None:
    """The bundled Russian MoD claims (377 claims, 255 counted rows) with its declared period."""
    cfg = AnalysisConfig(**FAST, robustness=True)
    rows = analyze(dataset="ru-ua-2025", config=cfg, keep_columns="analysis")
    counts = analyze(dataset="ru-ua-2025", config=cfg, keep_columns="counts")
    assert n_claims(counts.timeline.claims_frame) == 377
    assert counts.timeline.claims_frame.height < 377
    assert _close(_numbers(counts), _numbers(rows), 0.0) == []


def test_claims_with_only_the_required_columns_agree(tmp_path: Path) -> None:
    """No status, verified date or value in the file: the same results either way; the
    value weight is refused either way, with the same message (no claim has a value)."""
    frame = _claims(600, 9, times=False, fractions=False)
    path, events = tmp_path / "bare.csv", tmp_path / "e.csv"
    frame.select("claim_id", "date", "actor", "kind", "source").write_csv(path)
    _events(4).write_csv(events)
    refusals = []
    for keep in ("analysis", "counts"):
        with pytest.raises(TimingInputError, match="--weight value: none of the") as refused:
            analyze(
                path,
                events,
                AnalysisConfig(**FAST, weight="value"),
                lenient=True,
                keep_columns=keep,
            )
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1]
    cfg = AnalysisConfig(**FAST)
    rows, counts = (
        analyze(path, events, cfg, lenient=True, keep_columns=keep)
        for keep in ("analysis", "counts")
    )
    assert counts.timeline.claims_frame.height < rows.timeline.claims_frame.height
    assert _close(_numbers(counts), _numbers(rows), 0.0) == []
    assert "no claim has an independent status" in counts.skipped["premature"]
