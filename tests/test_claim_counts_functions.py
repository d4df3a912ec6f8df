"""Functions that take a claims frame count claims the same in rows and in counted rows.

The counterpart of :mod:`tests.test_claim_counts_options` (whole analyses) one level down:
:func:`timing.timeline.build_timeline`, :func:`timing.stats.scan.scan`,
:func:`timing.stats.robustness_curve.specification_curve`,
:func:`timing.stats.premature.premature_claims` and :func:`timing.stats.per_event.event_claims`
get validated claim rows and the same rows counted by :func:`timing.claim_counts.count_claims`.
Messages that count claims must count claims, not counted rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.test_claim_counts_options import FAST, _claims, _close, _events
from timing.analysis import AnalysisConfig, analyze
from timing.claim_counts import count_claims, n_claims
from timing.errors import TimingInputError
from timing.io import load_claims, load_events
from timing.timeline import Timeline, build_timeline


@pytest.fixture(scope="module")
def frames(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Validated claim rows (those of the option tests), the same counted by
    ``count_claims``, and the events."""
    folder = tmp_path_factory.mktemp("counted-functions")
    claims, events = folder / "claims.parquet", folder / "events.csv"
    _claims(2_000, 3, times=False, fractions=False).write_parquet(claims)
    _events(4).write_csv(events)
    rows = load_claims(claims, lenient=True).frame
    counted = count_claims(rows.lazy()).collect()
    assert counted.height < rows.height and n_claims(counted) == rows.height
    return rows, counted, load_events(events).frame


def _timelines(
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame], **options: Any
) -> tuple[Timeline, Timeline]:
    rows, counted, events = frames
    return build_timeline(rows, events, **options), build_timeline(counted, events, **options)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"actors": ["UA GS", "Wagner"], "claim_kinds": ["capture"], "weight": "value"},
        {"start": dt.date(2023, 4, 1), "end": dt.date(2023, 9, 30), "event_kinds": ["visit"]},
    ],
)
def test_build_timeline_counts_claims_either_way(
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame], options: dict[str, Any]
) -> None:
    rows, counts = _timelines(frames, **options)
    assert np.array_equal(counts.claims, rows.claims)
    assert counts.excluded == rows.excluded
    assert rows.excluded["claims"]["date far outside the rest of the table"] == 1
    assert (counts.start, counts.n_bins) == (rows.start, rows.n_bins)
    assert counts.period.describe() == rows.period.describe()
    assert n_claims(counts.claims_frame) == rows.claims_frame.height


def test_scan_of_a_counted_frame(frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    from timing.stats.scan import scan

    rows, counted, events = frames
    runs = [
        scan(claims, events, windows=[1, 3, 7], anticipation=True, start=dt.date(2023, 1, 1))
        for claims in (rows, counted)
    ]
    assert runs[1].cells.equals(runs[0].cells)
    assert runs[1].to_dict(full=False) == runs[0].to_dict(full=False)
    assert runs[1].cells.filter(pl.col("actor") == "all", pl.col("claim_kind") == "all")[
        "n_claims"
    ].unique().to_list() == [n_claims(counted.filter(pl.col("date") >= dt.date(2023, 1, 1)))]


def test_specification_curve_of_a_counted_frame(
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    from timing.stats.robustness_curve import specification_curve

    for weight in ("count", "value"):
        rows, counts = _timelines(frames, weight=weight)
        curves = [
            specification_curve(t, windows=(3, 7), detrends=(0, 30), weight=weight)  # type: ignore[arg-type]
            for t in (rows, counts)
        ]
        assert curves[1].specs.equals(curves[0].specs)
        assert curves[1].to_dict() == curves[0].to_dict()
        assert set(curves[1].specs["actor"]) > {"all"}  # subsets counted from counted rows


@pytest.mark.parametrize("outcome", ["premature", "disputed"])
def test_premature_claims_of_a_counted_frame(
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame], outcome: str
) -> None:
    from timing.stats.premature import premature_claims

    rows, counts = _timelines(frames)
    found = [
        premature_claims(t, window=3, outcome=outcome, n_shifts=60, seed=1)  # type: ignore[arg-type]
        for t in (rows, counts)
    ]
    assert _close(found[1].to_dict(per_claim=False), found[0].to_dict(per_claim=False), 0) == []
    assert found[1].n_total == rows.claims_frame.height
    assert found[1].n_unknown > 0 and found[1].n_used > 0


@pytest.mark.parametrize("window", [(-3, -1), (0, 2), None])
def test_event_claims_of_a_counted_frame(
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame], window: tuple[int, int] | None
) -> None:
    from timing.stats.per_event import event_claims

    rows, counts = _timelines(frames)
    same = ["window_claims", "nearest_lag", "last_before_lag", "parties", "source"]
    tables = [event_claims(t, window).select(same) for t in (rows, counts)]
    assert tables[1].equals(tables[0])
    assert tables[1]["window_claims"].sum() > 0


# --- messages that count claims count claims, not counted rows ---------------------------


def test_minute_refusal_counts_claims() -> None:
    day = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    rows = pl.DataFrame(
        {
            "date": [day, day, day + dt.timedelta(days=1)] * 3,
            "actor": "RU MoD",
            "kind": "capture",
            "row": range(1, 10),
        }
    )
    counted = count_claims(rows.lazy()).collect()
    assert counted.height == 2
    events = pl.DataFrame({"date": [day + dt.timedelta(days=1)], "kind": ["talks"]})
    with pytest.raises(TimingInputError, match="minute: all 9 claims are at 00:00"):
        build_timeline(counted, events, resolution="minute")


def test_no_claims_left_after_filtering_either_way(
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    refusals = []
    for claims in frames[:2]:
        with pytest.raises(TimingInputError) as refused:
            build_timeline(claims, frames[2], actors=["nobody"])
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1]
    assert "no claims left after filtering" in refusals[0]


def test_few_claims_are_counted_in_skips_and_cautions(tmp_path: Path) -> None:
    """Eight claims on three days held as three counted rows: "only 8 claims"."""
    claims = pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(8)],
            "date": ["2023-03-01"] * 4 + ["2023-05-02"] * 3 + ["2023-08-03"],
            "actor": "RU MoD",
            "kind": "capture",
            "source": "https://example.org/c",
        }
    )
    paths = tmp_path / "c.csv", tmp_path / "e.csv"
    claims.write_csv(paths[0])
    _events(4).write_csv(paths[1])
    result = analyze(*paths, AnalysisConfig(**FAST), keep_columns="counts")
    assert result.timeline.claims_frame.height == 3
    assert result.skipped["negbin_glm"].startswith("only 8 claims;")
    assert "11 events and 8 claims the test has little power" in result.to_dict()["caution"]
    assert "8 claims" in result.to_dict()["headline"]


def test_influence_keeps_the_event_order_of_changes_equal_but_for_rounding() -> None:
    """Counted values are summed in another order: leave-one-out ratios that are equal but
    for the last bits must not reorder the events (they did with fractional values)."""
    from timing.stats.robustness_influence import _influence_frame

    ratio = 0.859234
    ratios = np.array([0.7, ratio * (1 - 4e-16), ratio, ratio * (1 + 4e-16), 0.9])
    cols = {"event_id": pl.Series("event_id", ["a", "b", "c", "d", "e"])}
    table = _influence_frame(cols, ratios, np.full(5, 0.5), 0.85, False, 0.05)
    assert table["event_id"].to_list() == ["a", "e", "b", "c", "d"]
