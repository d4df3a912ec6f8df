"""How an analysis holds large claims tables, and that it changes no result.

Above :data:`timing.inputs.KEEP_ALL_COLUMNS_UP_TO` rows an analysis keeps only the claims
columns it reads (categorical actor, kind and status), loads them in date order, and the
timeline takes the rows of its period as a slice. These tests force that path on a small
generated table (``keep_columns="analysis"``) and compare every number with the path that
keeps every column as text.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.generated_tables import write_inputs
from timing.analysis import AnalysisConfig, analyze
from timing.inputs import ANALYSIS_CLAIM_COLUMNS, claims_columns_for
from timing.io import load_claims
from timing.timeline import build_timeline

KINDS = ["capture", "encirclement", "strike", "casualties", "other"]
STATUSES = [None, "confirmed", "contested", "refuted", "unverified", "Refuted"]


def _write_inputs(folder: Path, n: int = 3_000, seed: int = 3) -> tuple[Path, Path, Path]:
    """Claims in random order (a few outside the events' span, a few with a bad kind) as
    Parquet and CSV, and 40 events over two years."""
    rng = np.random.default_rng(seed)
    start = dt.date(2023, 1, 1)
    days = rng.integers(-20, 750, n)
    kinds = rng.choice(KINDS, n).astype(object)
    kinds[rng.choice(n, 5, replace=False)] = "victory"  # not a claim kind: rejected
    verified = [
        start + dt.timedelta(days=int(d + k)) if k >= 0 else None
        for d, k in zip(days, rng.integers(-3, 30, n), strict=True)
    ]
    claims = pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(n)],
            "date": [start + dt.timedelta(days=int(d)) for d in days],
            "actor": rng.choice(["RU MoD", "UA GS", "Wagner"], n),
            "kind": kinds.astype(str),
            "target": [f"Place {i % 97}" if i % 3 else None for i in range(n)],
            "status": rng.choice(np.array(STATUSES, dtype=object), n),
            "verified_date": verified,
            "source": [f"https://example.org/{i}" for i in range(n)],
            "text": "claimed",
        }
    )
    return write_inputs(folder, claims, rng, start)


def _numbers(result: object) -> dict:
    """The result's JSON without what only says how the files were read."""
    out = json.loads(json.dumps(result.to_dict(full=True), default=str))  # type: ignore[attr-defined]
    for key in ("read_notes", "inputs", "claims", "rows"):
        out.pop(key)
    for test in out["tests"].values():  # per-claim records: the columns both paths keep
        for record in test.get("per_claim", []) if isinstance(test, dict) else []:
            for column in ("source", "text", "region"):
                record.pop(column, None)
    return out


@pytest.mark.parametrize(
    ("suffix", "resolution"), [("parquet", "day"), ("csv", "day"), ("parquet", "hour")]
)
def test_analysis_columns_give_the_same_result(
    tmp_path: Path, suffix: str, resolution: str
) -> None:
    parquet, csv, events = _write_inputs(tmp_path)
    claims = parquet if suffix == "parquet" else csv
    # hourly: four months of the two years (claims before and after are left out)
    period = (
        {"start": dt.date(2023, 6, 1), "end": dt.date(2023, 9, 30)} if resolution == "hour" else {}
    )
    cfg = AnalysisConfig(resolution=resolution, n_boot=199, lag_density_shifts=49, **period)  # type: ignore[arg-type]
    every = analyze(claims, events, cfg, lenient=True, keep_columns="all")
    slim = analyze(claims, events, cfg, lenient=True, keep_columns="analysis")
    assert slim.claims_table.frame.schema["kind"] == pl.Categorical
    assert set(slim.timeline.claims_frame.columns) == {*ANALYSIS_CLAIM_COLUMNS, "row", "bin"}
    assert "source" in every.timeline.claims_frame.columns
    assert _numbers(slim) == _numbers(every)
    assert slim.to_dict()["rows"] == every.to_dict()["rows"]  # same rejects, same reasons
    # the claim rows agree on the columns both kept, in the same order
    shared = [c for c in slim.timeline.claims_frame.columns]
    assert slim.timeline.claims_frame.with_columns(
        pl.col("actor", "kind", "status").cast(pl.String)
    ).equals(every.timeline.claims_frame.select(shared))
    notes = slim.read_notes()
    assert any("source, text were checked but not kept" in n for n in notes), notes
    assert not any("not kept" in n for n in every.read_notes())


def test_auto_keeps_every_column_of_a_small_file(tmp_path: Path) -> None:
    parquet, _, events = _write_inputs(tmp_path, n=500)
    result = analyze(parquet, events, lenient=True)  # keep_columns="auto"
    assert "source" in result.timeline.claims_frame.columns
    assert result.timeline.claims_frame.schema["kind"] == pl.String
    assert claims_columns_for("auto") == (ANALYSIS_CLAIM_COLUMNS, 100_000, 20_000_000)


def test_validate_does_not_call_its_own_choice_of_columns_news(tmp_path: Path) -> None:
    parquet, csv, _ = _write_inputs(tmp_path, n=200)
    for path in (parquet, csv):
        table = load_claims(path, lenient=True, columns=["date"])
        assert table.frame.columns == ["date", "row"]
        assert table.info is not None and not table.info.left_out
        assert not any("not kept" in m for m in table.info.messages())


def test_an_unknown_policy_is_refused() -> None:
    from timing.errors import TimingInputError

    with pytest.raises(TimingInputError, match="--keep-columns most: expected auto, all"):
        claims_columns_for("most")


def test_the_report_of_a_cut_table_draws(tmp_path: Path) -> None:
    from timing.report import write_report

    parquet, _, events = _write_inputs(tmp_path)
    result = analyze(parquet, events, lenient=True, keep_columns="analysis")
    page = tmp_path / "r.html"
    write_report(result, page, plotlyjs="cdn")
    text = page.read_text(encoding="utf-8")
    n = result.timeline.claims_frame.height
    assert f"shows {n:,} claims as counts per day" in text
    assert '"timeline":"aggregated"' in text


@pytest.mark.parametrize("streaming", [None, False])
def test_load_in_date_order_keeps_row_numbers(tmp_path: Path, streaming: bool | None) -> None:
    parquet, _, _ = _write_inputs(tmp_path)
    as_read = load_claims(parquet, lenient=True, streaming=streaming)
    ordered = load_claims(parquet, lenient=True, streaming=streaming, sort_by_date=True)
    assert ordered.frame["date"].is_sorted()
    assert not as_read.frame["date"].is_sorted()
    # the same rows; ties keep the file's order
    assert ordered.frame.equals(as_read.frame.sort("date", "row"))
    assert ordered.accounting == as_read.accounting


def test_timeline_slices_date_ordered_claims_like_it_sorts_shuffled_ones(tmp_path: Path) -> None:
    parquet, _, events_csv = _write_inputs(tmp_path)
    claims = load_claims(parquet, lenient=True).frame
    events = pl.read_csv(events_csv, try_parse_dates=True)
    shuffled = build_timeline(claims, events, period="overlap")
    ordered = build_timeline(claims.sort("date", maintain_order=True), events, period="overlap")
    assert shuffled.excluded == ordered.excluded
    assert shuffled.excluded["claims"]["outside study period"] > 0
    assert shuffled.claims_frame.equals(ordered.claims_frame)
    assert np.array_equal(shuffled.claims, ordered.claims)
