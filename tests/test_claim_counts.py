"""Claims held as counts (``keep_columns="counts"``) give the results of one row per claim.

Above :data:`timing.inputs.COUNT_CLAIMS_ABOVE` rows an analysis holds the claims as counts
per date, actor, kind, status and verified date (:mod:`timing.claim_counts`). These tests
force that path on small generated tables, with every kind of row the loader treats apart
(rows rescued by the careful checks, repeated ids, rejected kinds, a far-off date, rows
outside the period), and compare every number with one row per claim.
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
from timing.claim_counts import COUNT_COLUMN, count_claims, n_claims
from timing.io import load_claims
from timing.period import _repeated_quartiles, far_dates

KINDS = ["capture", "encirclement", "strike", "casualties", "other"]
STATUSES = [None, "confirmed", "contested", "refuted", "unverified", "Refuted"]
#: What only counted claims lack: ids and targets (per-event labels, per-claim records).
LABELS = ("window_targets", "nearest_target", "last_before_target")


def _write_inputs(folder: Path, n: int = 4_000, seed: int = 5) -> tuple[Path, Path, Path]:
    """Claims in random order with few actors and kinds (so rows share a count), values,
    verified dates, a far-off date, a repeated id, rejected kinds and cells only the
    careful checks accept; 40 events over two years."""
    rng = np.random.default_rng(seed)
    start = dt.date(2023, 1, 1)
    days = rng.choice(rng.integers(-20, 750, 150), n)  # 150 days: rows share a count
    dates = [(start + dt.timedelta(days=int(d))).isoformat() for d in days]
    dates[7] = "1923-05-04"  # a typo for 2023: far outside the rest of the table
    dates[11] = dates[12] = f" {dates[11]} "  # padded: rescued by the careful checks
    kinds = rng.choice(KINDS, n).astype(object)
    kinds[rng.choice(np.arange(20, n), 5, replace=False)] = "victory"  # rejected
    ids = [f"c{i}" for i in range(n)]
    ids[30] = ids[31]  # a repeated id: the second is rejected
    verified = [
        (start + dt.timedelta(days=int(d + k))).isoformat() if k >= 0 else None
        for d, k in zip(days, rng.integers(-30, 6, n), strict=True)
    ]
    claims = pl.DataFrame(
        {
            "claim_id": ids,
            "date": dates,
            "actor": rng.choice(["RU MoD", "UA GS", "Wagner"], n),
            "kind": kinds.astype(str),
            "target": [f"Place {i % 97}" if i % 3 else None for i in range(n)],
            "status": rng.choice(np.array(STATUSES, dtype=object), n),
            "verified_date": verified,
            "value": rng.integers(0, 40, n).astype(float),
            "source": [f"https://example.org/{i}" for i in range(n)],
        }
    )
    return write_inputs(folder, claims, rng, start)


def _numbers(result: object) -> dict:
    """The result's JSON without the claim rows and labels, which counted claims lack."""
    out = json.loads(json.dumps(result.to_dict(full=True), default=str))  # type: ignore[attr-defined]
    for key in ("read_notes", "inputs", "claims"):
        out.pop(key)
    out["period"].pop("far_dates")  # per counted row: compared in its own test
    for test in out["tests"].values():
        if isinstance(test, dict):
            test.pop("per_claim", None)
    for row in out.get("per_event", []):
        for key in LABELS:
            row.pop(key)
    return out


@pytest.mark.parametrize(
    ("suffix", "resolution", "weight", "streaming"),
    [
        ("parquet", "day", "count", True),
        ("csv", "day", "count", True),
        ("csv", "day", "value", False),
        ("parquet", "hour", "count", True),
    ],
)
def test_counted_claims_give_the_same_result(
    tmp_path: Path, suffix: str, resolution: str, weight: str, streaming: bool
) -> None:
    parquet, csv, events = _write_inputs(tmp_path)
    claims = parquet if suffix == "parquet" else csv
    period = (
        {"start": dt.date(2023, 6, 1), "end": dt.date(2023, 9, 30)} if resolution == "hour" else {}
    )
    cfg = AnalysisConfig(
        resolution=resolution,  # type: ignore[arg-type]
        weight=weight,  # type: ignore[arg-type]
        n_boot=199,
        lag_density_shifts=49,
        **period,
    )
    # a separator given by hand sends the CSV through the eager readers
    reading = {} if streaming else {"read_options": {"claims": {"separator": ","}}}
    rows = analyze(claims, events, cfg, lenient=True, keep_columns="analysis", **reading)
    counts = analyze(claims, events, cfg, lenient=True, keep_columns="counts", **reading)
    frame = counts.timeline.claims_frame
    assert COUNT_COLUMN in frame.columns and "claim_id" not in frame.columns
    assert frame.height < rows.timeline.claims_frame.height  # rows do share counts
    assert n_claims(frame) == rows.timeline.claims_frame.height
    assert _numbers(counts) == _numbers(rows)
    assert counts.to_dict()["rows"] == rows.to_dict()["rows"]  # same rejects and reasons
    reasons = {p.expected for p in counts.claims_table.accounting.reasons}
    assert any(r.startswith("a unique id") for r in reasons)
    assert counts.claims_table.accounting.rejected == 6  # five kinds and one repeated id
    (note,) = [n for n in counts.read_notes() if "held as counts" in n]
    assert "claim_id, target" in note and "--keep-columns analysis" in note
    events_listed = [row["window_targets"] for row in counts.to_dict(full=True)["per_event"]]
    assert all(listed == [] for listed in events_listed)


def test_far_dates_of_counted_claims_name_their_first_row(tmp_path: Path) -> None:
    parquet, _, events = _write_inputs(tmp_path)
    far = pl.int_range(pl.len()).is_in([7, 40, 41])  # three claims on the far-off date
    claims = pl.read_parquet(parquet).with_columns(
        pl.when(far).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        for column, value in (
            ("date", "1923-05-04"),
            ("actor", "RU MoD"),
            ("kind", "capture"),
            ("status", "contested"),
            ("verified_date", None),
        )
    )
    path = tmp_path / "far.parquet"
    claims.write_parquet(path)
    rows = analyze(path, events, lenient=True, keep_columns="analysis")
    counts = analyze(path, events, lenient=True, keep_columns="counts")
    reason = "date far outside the rest of the table"
    assert counts.timeline.excluded == rows.timeline.excluded
    assert rows.timeline.excluded["claims"][reason] == 3
    (far,) = [f for f in counts.timeline.period.far if f.table == "claims"]
    assert (far.row, far.claims) == (8, 3)  # row 8 of the file (header is not a row)
    assert far.to_dict()["claims"] == 3
    assert sorted(f.row for f in rows.timeline.period.far) == [8, 41, 42]
    assert "Caution: 3 dates far outside" in (counts.timeline.period.caution() or "")
    assert (
        counts.timeline.period.caution().split(" (")[0]
        == (rows.timeline.period.caution().split(" (")[0])
    )


@pytest.mark.parametrize("seed", range(40))
def test_quartiles_of_repeated_dates_are_numpys_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 30))
    days = rng.integers(-400, 40_000, size).astype(np.float64)
    counts = rng.integers(1, 9, size)
    repeated = np.repeat(days, counts)
    q = _repeated_quartiles(days, counts)
    if repeated.size < 8:
        assert np.isnan(q[0])
        assert not far_dates(days, counts).any()
    else:
        assert q == tuple(np.quantile(repeated, [0.25, 0.75]))
        last_of_each = np.cumsum(counts) - 1
        assert np.array_equal(far_dates(days, counts), far_dates(repeated)[last_of_each])


def test_counts_of_parts_add_up_to_the_counts_of_the_whole() -> None:
    rng = np.random.default_rng(2)
    n = 500
    rows = pl.DataFrame(
        {
            "date": rng.integers(0, 30, n),
            "actor": rng.choice(["a", "b"], n),
            "kind": rng.choice(["capture", "strike"], n),
            "status": rng.choice(["confirmed", None], n),
            "value": rng.integers(0, 5, n).astype(float),
            "row": rng.permutation(n) + 1,
            "target": "not kept",
        }
    )
    whole = count_claims(rows.lazy()).collect()
    parts = pl.concat(
        [count_claims(rows[:200].lazy()).collect(), count_claims(rows[200:].lazy()).collect()]
    )
    merged = count_claims(parts.lazy()).collect()
    assert merged.equals(whole)
    assert "target" not in whole.columns
    assert int(whole[COUNT_COLUMN].sum()) == n
    assert whole["value"].sum() == rows["value"].sum()
    assert whole["date"].is_sorted()
    first = rows.group_by("date", "actor", "kind", "status").agg(pl.col("row").min())
    assert sorted(first["row"].to_list()) == sorted(whole["row"].to_list())


def test_loading_counts_accounts_for_every_row(tmp_path: Path) -> None:
    parquet, csv, _ = _write_inputs(tmp_path)
    for path, streaming in ((parquet, None), (csv, None), (csv, False)):
        rows = load_claims(path, lenient=True, streaming=streaming)
        counts = load_claims(path, lenient=True, streaming=streaming, count_above=0)
        assert counts.accounting == rows.accounting
        assert n_claims(counts.frame) == rows.frame.height
        assert counts.info is not None and counts.info.counted
        small = load_claims(path, lenient=True, streaming=streaming, count_above=10**6)
        assert COUNT_COLUMN not in small.frame.columns


def test_the_cli_takes_counts_and_the_report_draws_them(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from timing.cli import app

    parquet, _, events = _write_inputs(tmp_path, n=1_500)
    page = tmp_path / "r.html"
    args = ["analyze", "--claims", str(parquet), "--events", str(events), "--lenient"]
    done = CliRunner().invoke(
        app, [*args, "--keep-columns", "counts", "--out", str(page), "--plotlyjs", "cdn"]
    )
    assert done.exit_code == 0, done.output
    text = page.read_text(encoding="utf-8")
    result = analyze(parquet, events, lenient=True, keep_columns="counts")
    claims = result.timeline.claims_frame
    assert claims.height < n_claims(claims)
    assert f"shows {n_claims(claims):,} claims as counts per" in text  # claims, not rows
    # a report redrawn from the saved JSON (claim rows with their counts) says the same
    from timing.report import write_report

    saved = json.loads(json.dumps(result.to_dict(full=True), default=str))
    assert saved["claims"][0]["claims"] >= 1
    again = write_report(saved, tmp_path / "again.html", plotlyjs="cdn")
    assert f"shows {n_claims(claims):,} claims as counts per" in again.read_text(encoding="utf-8")
    refused = CliRunner().invoke(app, [*args, "--keep-columns", "some", "--no-report"])
    assert refused.exit_code == 2
    assert "expected auto, all, analysis or counts" in refused.output


@pytest.mark.parametrize("per_pass", [300, 1_000])
def test_counting_in_passes_of_dates_gives_the_counts_of_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_pass: int
) -> None:
    from timing._readers import counted

    parquet, csv, _ = _write_inputs(tmp_path)
    for path in (parquet, csv):
        once = load_claims(path, lenient=True, count_above=0)
        monkeypatch.setattr(counted, "ROWS_COUNTED_AT_ONCE", per_pass)
        passes = load_claims(path, lenient=True, count_above=0)
        monkeypatch.undo()
        assert passes.frame.equals(once.frame)
        assert passes.accounting == once.accounting
        assert passes.frame["date"].is_sorted()


def test_cutting_dates_into_passes_balances_them() -> None:
    from timing._readers.counted import _date_edges

    days = pl.DataFrame({"day": [0, 1, 2, 3, 10], "n": [5, 5, 5, 5, 80]})
    assert _date_edges(days, 2) == [None, 10, None]  # the heavy day is a pass of its own
    assert _date_edges(days, 1) == [None, None]
    edges = _date_edges(pl.DataFrame({"day": list(range(100)), "n": [1] * 100}), 4)
    assert edges == [None, 25, 50, 75, None]


@pytest.mark.parametrize("keep", ["analysis", "counts"])
def test_value_weight_without_values_is_refused_either_way(tmp_path: Path, keep: str) -> None:
    from timing.errors import TimingInputError

    parquet, _, events = _write_inputs(tmp_path)
    blank = tmp_path / "no-values.parquet"
    pl.read_parquet(parquet).with_columns(pl.lit(None, pl.Float64).alias("value")).write_parquet(
        blank
    )
    cfg = AnalysisConfig(weight="value")
    for path in (blank, tmp_path / "no-column.parquet"):
        if path.name == "no-column.parquet":
            pl.read_parquet(parquet).drop("value").write_parquet(path)
        with pytest.raises(TimingInputError, match=r"--weight value: none of the .* has a value"):
            analyze(path, events, cfg, lenient=True, keep_columns=keep)


def test_bin_counts_count_claims_of_counted_rows() -> None:
    from timing.bins import bin_counts

    rows = pl.DataFrame(
        {
            "date": [dt.date(2025, 1, d) for d in (1, 1, 1, 2, 3, 3)],
            "actor": ["a", "a", "b", "a", "b", "b"],
            "row": range(1, 7),
        }
    )
    counted = count_claims(rows.lazy()).collect()
    start = dt.date(2025, 1, 1)
    for by in ([], ["actor"]):
        expected = bin_counts(rows, start, 3, by=by)
        assert bin_counts(counted, start, 3, by=by).equals(expected)


def test_claims_read_by_an_adapter_are_kept_as_any_claims_file(tmp_path: Path) -> None:
    """An ACLED export read by its adapter: the same columns cut, counts and date order."""
    sample = Path(__file__).parent / "data" / "adapters" / "acled_sample.csv"
    events = tmp_path / "events.csv"
    pl.DataFrame(
        {
            "event_id": ["e1", "e2"],
            "date": ["2025-01-13", "2025-01-15"],
            "kind": ["talks", "call"],
            "parties": "US-RU",
            "title": "talks",
            "source": "https://example.org/e",
        }
    ).write_csv(events)
    cfg = AnalysisConfig(start=dt.date(2025, 1, 10), end=dt.date(2025, 1, 20), n_boot=99)
    results = {
        keep: analyze(sample, events, cfg, claims_format="acled", lenient=True, keep_columns=keep)
        for keep in ("all", "analysis", "counts")
    }
    every, cut, counted = results["all"], results["analysis"], results["counts"]
    assert "event_type" in every.timeline.claims_frame.columns
    assert "event_type" not in cut.timeline.claims_frame.columns
    assert COUNT_COLUMN in counted.timeline.claims_frame.columns
    assert cut.claims_table.frame["date"].is_sorted()
    (note,) = [n for n in counted.read_notes() if "held as counts" in n]
    assert "acled_sample.csv" in note and "event_type" in note
    assert _numbers(counted) == _numbers(cut)
    assert every.headline() == cut.headline() == counted.headline()
