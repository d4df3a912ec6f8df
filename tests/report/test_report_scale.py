"""A report whose size does not grow with claims (issue 12, goal 3).

Above ``TIMELINE_AGGREGATE_ABOVE`` claims the timeline draws counts per period, kind and
status; the per-event table lists at most ``MAX_EVENT_ROWS`` events and ``MAX_TARGETS``
targets each. Small hand-made dicts check the counts against a brute-force count; one
generated million-claim report is opened in headless Chromium.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from timing.report import _derive
from timing.report.page import MAX_EVENT_ROWS, MAX_TARGETS, render_report, write_report
from timing.report.timeline_plot import timeline_figure

KINDS = ("capture", "strike", None)
STATUSES = ("confirmed", "contested", None)


def claim_rows(n: int, days: int, *, hourly: bool = False, seed: int = 0) -> list[dict]:
    """``n`` claim dicts over ``days`` days (kinds/statuses with nulls), as to_dict gives."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1)
    rows = []
    for i in range(n):
        when = start + dt.timedelta(hours=int(rng.integers(0, 24 * days)))
        rows.append(
            {
                "claim_id": f"c{i}",
                "date": f"{when:%Y-%m-%d %H:%M:%S}.000000" if hourly else f"{when:%Y-%m-%d}",
                "kind": KINDS[int(rng.integers(0, 3))],
                "status": STATUSES[int(rng.integers(0, 3))],
                "target": f"Place {i}",
            }
        )
    return rows


def brute_counts(rows: list[dict], key) -> collections.Counter:
    return collections.Counter(
        (key(r["date"]), r["kind"] or "other", r["status"] or "unknown") for r in rows
    )


def test_counts_equal_a_brute_force_count_per_day_kind_and_status() -> None:
    rows = claim_rows(3000, 60)
    rows.append({"claim_id": "bad", "date": "not a date", "kind": "capture", "status": None})
    agg = _derive.timeline_counts({"claims": rows})
    assert agg is not None and agg.unit == "day"
    assert (agg.n_claims, agg.n_undated) == (3000, 1)
    got = {
        (f"{p:%Y-%m-%d}", k, s): n
        for p, k, s, n in agg.counts.select("period", "kind", "status", "claims").iter_rows()
    }
    assert got == dict(brute_counts(rows[:-1], lambda d: d))
    per_kind = collections.Counter((d, k) for (d, k, _), n in got.items() for _ in range(n))
    for p, k, total in agg.counts.select("period", "kind", "kind_claims").iter_rows():
        assert total == per_kind[(f"{p:%Y-%m-%d}", k)]


def test_at_or_below_the_threshold_nothing_is_aggregated() -> None:
    rows = claim_rows(_derive.TIMELINE_AGGREGATE_ABOVE, 30)
    assert _derive.timeline_counts({"claims": rows}) is None
    fig = timeline_figure({"claims": rows, "events": []})
    assert fig.layout.meta["timeline"] == "claims"
    assert sum(len(t.x) for t in fig.data) == len(rows)  # one marker per claim


def test_hourly_timelines_count_per_hour_and_long_periods_per_week() -> None:
    rows = claim_rows(2500, 20, hourly=True)
    hourly = {"claims": rows, "timeline": {"resolution": "hour"}}
    agg = _derive.timeline_counts(hourly)
    assert agg is not None and agg.unit == "hour"
    got = {(f"{p:%Y-%m-%d %H}", k, s): n for p, k, s, n, _ in agg.counts.iter_rows()}
    assert got == dict(brute_counts(rows, lambda d: d[:13]))
    # 30 years of days is more than MAX_TIMELINE_PERIODS days: weeks starting on Monday
    long = claim_rows(2500, 365 * 30, seed=1)
    agg = _derive.timeline_counts({"claims": long})
    assert agg is not None and agg.unit == "week"
    assert {p.weekday() for p in agg.counts["period"]} == {0}
    assert agg.counts["claims"].sum() == 2500


def test_a_polars_frame_of_claims_gives_the_same_counts() -> None:
    rows = claim_rows(2500, 40, seed=2)
    frame = pl.DataFrame(rows).with_columns(pl.col("date").str.to_date())
    a = _derive.timeline_counts({"claims": rows})
    b = _derive.timeline_counts({"claims": frame})
    assert a is not None and b is not None
    assert a.counts.equals(b.counts)


def test_aggregated_timeline_draws_counts_not_claims() -> None:
    rows = claim_rows(5000, 90, seed=3)
    events = [
        {"event_id": f"e{j}", "date": f"2024-02-{j + 1:02d}", "title": f"T{j}"} for j in range(9)
    ]
    fig = timeline_figure({"claims": rows, "events": events})
    assert fig.layout.meta["timeline"] == "aggregated" and fig.layout.meta["unit"] == "day"
    areas = [t for t in fig.data if t.stackgroup == "claims"]
    # one trace per kind x status present, one point per day of the period, stacked
    assert len(areas) == len({(r["kind"], r["status"]) for r in rows})
    n_days = len({r["date"] for r in rows})
    assert {len(t.y) for t in areas} == {n_days + 1}  # and a zero closing the last day
    assert {t.x0 for t in areas} == {min(r["date"] for r in rows)}
    assert sum(int(np.sum(t.y)) for t in areas) == len(rows)
    assert all(t.hovertext is None and "%{customdata:,}" in t.hovertemplate for t in areas)
    assert "5,000 claims" in fig.layout.title.text
    # the day of most captures: hover for that day shows the total and this status' count
    cap = [t for t in areas if t.name.startswith("capture")]
    total = np.sum([np.asarray(t.y) for t in cap], axis=0)
    assert all(np.array_equal(np.asarray(t.customdata), total) for t in cap)
    assert len(fig.data) == len(areas) + 1  # and one marker per event


def test_many_events_are_one_marker_per_day(monkeypatch: pytest.MonkeyPatch) -> None:
    from timing.report import timeline_plot as module

    monkeypatch.setattr(module, "TIMELINE_AGGREGATE_ABOVE", 5)
    events = [
        {"event_id": f"e{j}", "date": f"2024-03-0{1 + j % 2}", "title": f"T{j}"} for j in range(7)
    ]
    x, text = module._event_markers({}, events)
    assert x == ["2024-03-01", "2024-03-02"]
    assert text[0].startswith("<b>2024-03-01: 4 events</b>") and "… and 1 more" in text[0]


def test_page_caps_the_per_event_table_and_says_what_the_timeline_shows() -> None:
    n_events = MAX_EVENT_ROWS + 7
    per_event = [
        {"event_id": f"e{j}", "date": "2024-01-05", "title": f"Event {j}", "window_claims": 50,
         "window_targets": [f"Target{j}-{k}" for k in range(MAX_TARGETS + 30)]}
        for j in range(n_events)
    ]  # fmt: skip
    data = {"claims": claim_rows(2500, 30), "events": [], "per_event": per_event}
    html = render_report(data, plotlyjs="cdn")
    assert html.count('<tr class="hit">') == MAX_EVENT_ROWS
    assert "and 30 more" in html and f"Target0-{MAX_TARGETS - 1}" in html
    assert f"Target0-{MAX_TARGETS}<" not in html and f"Target0-{MAX_TARGETS};" not in html
    assert "… and 7 more events" in html and f"Event {MAX_EVENT_ROWS}<" not in html
    assert "This timeline shows 2,500 claims as counts per day" in html


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_million_claims_report_is_small_and_every_figure_draws(
    bundled: dict[str, Any], tmp_path: Path
) -> None:
    from tests.report.scale_data import scaled
    from tests.report.test_report_browser import chromium, rendered

    data = scaled(bundled, 1_000_000)
    path = write_report(data, tmp_path / "million.html")
    size = path.stat().st_size
    assert size < 10_000_000
    html = path.read_text(encoding="utf-8")
    assert "This timeline shows 1,000,000 claims as counts per day" in html
    run = chromium(path, tmp_path / "profile", "--dump-dom")
    expected = html.count('class="plot"')
    assert expected >= 10
    assert rendered(run.stdout) == expected
    assert run.stdout.count('class="main-svg"') >= expected
    assert re.search(r'class="[^"]*\bplot-failed\b', run.stdout) is None


def test_long_null_distributions_are_drawn_from_bin_counts() -> None:
    from timing.report.figures import MAX_NULL_VALUES, null_distribution_figure

    rng = np.random.default_rng(4)
    for values in (rng.integers(0, 150, 87_000), rng.normal(0, 1, 87_000)):
        data = {"tests": {"t": {"statistic": 3.0, "null_distribution": values.tolist()}}}
        (bars,) = null_distribution_figure(data, "t").data
        assert bars.type == "bar" and len(bars.y) <= 151  # bins, not one value per shift
        assert int(np.sum(bars.y)) == values.size
        edges = np.asarray(bars.customdata)
        inside = (values >= edges[0, 0]) & (values <= edges[-1, 1])
        assert inside.all()
        k = int(np.argmax(bars.y))  # the tallest bar holds exactly the values in its bin
        lo, hi = edges[k]
        assert bars.y[k] == np.count_nonzero((values >= lo) & (values < hi))
    short = {"tests": {"t": {"null_distribution": list(range(MAX_NULL_VALUES))}}}
    assert null_distribution_figure(short, "t").data[0].type == "histogram"


def test_typed_datetime_frame_counts_per_hour() -> None:
    rows = claim_rows(2500, 10, hourly=True, seed=5)
    frame = pl.DataFrame(rows).with_columns(pl.col("date").str.to_datetime())
    data = {"timeline": {"resolution": "hour"}}
    a = _derive.timeline_counts({**data, "claims": rows})
    b = _derive.timeline_counts({**data, "claims": frame})
    assert a is not None and b is not None and a.unit == "hour"
    assert a.counts.equals(b.counts)


def test_a_large_result_hands_the_report_its_claim_frame_not_a_dict_per_claim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from timing.analysis import AnalysisConfig, analyze

    result = analyze(config=AnalysisConfig(seed=0, n_monte_carlo=99))
    n = result.timeline.claims_frame.height
    small = _derive.as_data(result)
    assert isinstance(small["claims"], list) and len(small["claims"]) == n > 100
    monkeypatch.setattr(_derive, "TIMELINE_AGGREGATE_ABOVE", 100)
    large = _derive.as_data(result)
    assert isinstance(large["claims"], pl.DataFrame) and large["claims"].height == n
    counts = _derive.timeline_counts(large, force=True)
    assert counts is not None and int(counts.counts["claims"].sum()) == n
    assert result.to_dict(full=True)["claims"] == small["claims"]  # the JSON contract keeps rows
    # Nor per-claim records of the tests, which the report draws nothing from.
    assert "per_claim" in small["tests"]["disputed"] and "lags" in small["tests"]["lag_density"]
    assert "per_claim" not in large["tests"]["disputed"]
    assert "lags" not in large["tests"]["lag_density"]
    assert large["tests"]["disputed"]["pvalue"] == small["tests"]["disputed"]["pvalue"]
