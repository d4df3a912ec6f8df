"""Figures and tables of the report: structure on the bundled data, answers checked against
brute force and against the stats modules, and tolerance of missing keys."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

from timing.report import _derive
from timing.report import figures as figs
from timing.report.extras import premature_figure, scan_heatmap_figure
from timing.report.figures import (
    event_study_figure,
    lag_histogram_figure,
    null_distribution_figure,
    per_event_rows,
    timeline_figure,
)

table_rows = figs.tests_table  # not imported by name: pytest would collect it as a test

FIGURES = (timeline_figure, lag_histogram_figure, event_study_figure, null_distribution_figure)


def _texts(fig: go.Figure) -> list[str]:
    out: list[str] = []
    for trace in fig.data:
        for attr in ("hovertext", "text", "name", "x", "y"):
            value = getattr(trace, attr, None)
            if isinstance(value, str):
                out.append(value)
            elif value is not None and not isinstance(value, int | float):
                out.extend(str(v) for v in np.ravel(np.asarray(value, dtype=object)))
    return out


def test_timeline_has_every_claim_and_event(bundled: dict[str, Any]) -> None:
    fig = timeline_figure(bundled)
    claims = [t for t in fig.data if t.name != "events"]
    assert sum(len(t.x) for t in claims) == len(bundled["claims"])
    events = [t for t in fig.data if t.name == "events"]
    assert len(events) == 1 and len(events[0].x) == len(bundled["events"])
    assert fig.layout.xaxis.rangeslider.visible is True
    # event bands plus lighter window bands, merged where they overlap
    opacities = {round(s.opacity, 2) for s in fig.layout.shapes}
    assert opacities == {0.12, 0.35}
    # claims on one day are stacked 1, 2, ...: the highest marker equals the busiest day
    assert max(max(t.y) for t in claims) == max(bundled["timeline"]["claims"])


def test_timeline_hover_holds_target_date_source(bundled: dict[str, Any]) -> None:
    fig = timeline_figure(bundled)
    hover = " ".join(h for t in fig.data if t.name != "events" for h in t.hovertext)
    pokrovsk = next(c for c in bundled["claims"] if c["target"] == "Pokrovsk")
    assert "Pokrovsk" in hover and pokrovsk["date"] in hover
    assert _derive.esc(pokrovsk["source"][:60]) in hover


def test_lag_figure_draws_the_stored_lags_test(bundled: dict[str, Any]) -> None:
    lags = bundled["tests"]["lags"]
    fig = lag_histogram_figure(bundled)
    assert list(fig.data[0].y) == lags["observed"] and list(fig.data[0].x) == lags["lags"]
    assert list(fig.data[1].y) == lags["null_high"] and list(fig.data[2].y) == lags["null_low"]
    assert list(fig.data[3].y) == lags["null_mean"]


def test_per_event_rows_are_the_stored_rows(bundled: dict[str, Any]) -> None:
    from timing.analysis import analyze
    from timing.stats.lags import per_event_table

    table = per_event_table(analyze().timeline, (-3, -1))
    rows = per_event_rows(bundled)
    assert [r["window_claims"] for r in rows] == table["claims_in_window"].to_list()
    lags = [None if v is None else -float(v) for v in table["nearest_claim_lag"].to_list()]
    assert [r["last_before_lag"] for r in rows] == lags
    assert rows == [{k: r[k] for k in _derive.PER_EVENT_KEYS} for r in bundled["per_event"]]


def test_lag_figure_prefers_stored_lags_test(bundled: dict[str, Any]) -> None:
    data = copy.deepcopy(bundled)
    data["tests"]["lags"] = {
        "lags": [0, 1, 2],
        "observed": [5, 1, 0],
        "null_low": [0, 0, 0],
        "null_high": [3, 3, 3],
        "null_mean": [1, 1, 1],
    }
    fig = lag_histogram_figure(data)
    assert list(fig.data[0].y) == [5, 1, 0] and len(fig.data) == 4


def test_per_event_seed_case(bundled: dict[str, Any]) -> None:
    rows = {r["event_id"]: r for r in per_event_rows(bundled)}
    witkoff = next(
        r for r in rows.values() if r["date"] == "2025-12-02" and "Witkoff" in r["title"]
    )
    assert "Pokrovsk" in witkoff["window_targets"]
    assert witkoff["window_claims"] >= 1 and witkoff["last_before_lag"] == -1.0


def test_per_event_brute_force_on_small_case() -> None:
    from timing.stats.per_event import event_claims
    from timing.timeline import Timeline

    def timeline(claim_bins: list[int], events: list[dict[str, Any]]) -> Timeline:
        start = dt.date(2025, 1, 1)
        claims = pl.DataFrame(
            {"bin": claim_bins, "target": [f"t{b}" for b in claim_bins]},
            schema={"bin": pl.Int64, "target": pl.String},
        )
        frame = pl.DataFrame(events).with_columns(
            pl.col("bin").cast(pl.Int64),
            date=pl.col("bin").map_elements(
                lambda b: start + dt.timedelta(days=b), return_dtype=pl.Date
            ),
        )
        counts = np.bincount(claim_bins, minlength=12).astype(float)
        base = Timeline.from_arrays(counts, event_bins=frame["bin"].to_numpy())
        return dataclasses.replace(base, claims_frame=claims, events_frame=frame)

    rows = event_claims(timeline([1, 3, 4, 9], [{"bin": 5}, {"bin": 9}]), (-2, -1)).to_dicts()
    assert [r["window_claims"] for r in rows] == [2, 0]
    assert rows[0]["window_targets"] == ["t3", "t4"]
    assert [r["nearest_lag"] for r in rows] == [-1.0, 0.0]
    assert [r["last_before_lag"] for r in rows] == [-1.0, -5.0]
    assert [r["last_before_target"] for r in rows] == ["t4", "t4"]
    # anticipation windows: from the announcement to the day before
    events = [{"bin": 5, "announced_date": dt.date(2025, 1, 2)}]
    rows = event_claims(timeline([1, 3, 4], events), None).to_dicts()
    assert rows[0]["window_claims"] == 3  # announced 4 days before: bins 1..4


def test_tests_table_orders_naive_last_and_splits_pvalues(bundled: dict[str, Any]) -> None:
    circ = bundled["tests"]["circular_shift"]
    rows = table_rows(bundled)
    assert rows[0]["effect"] == pytest.approx(circ["rate_ratio"])
    assert rows[0]["pvalue"] == pytest.approx(circ["pvalue"])
    data = {
        "tests": {
            "poisson_naive": {"irr": 1.5, "pvalue": 0.001},
            "negbin_glm": {"irr": 1.4, "ci_low": 0.9, "ci_high": 2.1, "pvalue": 0.2},
            "coincidence": {
                "precursor_rate": 0.5,
                "pvalue_analytic": 0.01,
                "pvalue_surrogate": 0.3,
            },
            "no_p": {"statistic": 3},
        }
    }
    rows = table_rows(data)
    assert [r["name"] for r in rows] == [
        "negbin_glm",
        "coincidence",
        "coincidence",
        "poisson_naive",
    ]
    assert rows[-1]["naive"] and not rows[0]["naive"]
    assert (rows[0]["ci_low"], rows[0]["ci_high"]) == (0.9, 2.1)
    assert {r["method"] for r in rows[1:3]} == {
        "Event coincidence analysis (analytic)",
        "Event coincidence analysis (surrogate)",
    }


def test_event_study_uses_stored_band_or_brute_force_profile(bundled: dict[str, Any]) -> None:
    fig = event_study_figure(bundled)
    if "event_study" not in bundled["tests"]:
        counts = np.asarray(bundled["timeline"]["claims"])
        ev = np.asarray(bundled["timeline"]["event_bins"])
        main = next(t for t in fig.data if t.name == "mean claims per day")
        for r, y in zip(main.x, main.y, strict=True):
            idx = ev + r
            idx = idx[(idx >= 0) & (idx < counts.size)]
            assert y == pytest.approx(counts[idx].mean())
    from timing.analysis import analyze
    from timing.stats.event_study import event_study

    data = copy.deepcopy(bundled)
    res = event_study(analyze().timeline, k=7, n_boot=50, seed=0)
    data["tests"]["event_study"] = res.to_dict(full=True)
    fig = event_study_figure(data)
    band = [t for t in fig.data if t.fill == "tonexty"]
    assert len(band) == 1 and list(band[0].y) == pytest.approx(res.lower.tolist())
    assert "no interval" not in fig.layout.title.text


def test_null_distribution_figure(bundled: dict[str, Any]) -> None:
    fig = null_distribution_figure(bundled)
    circ = bundled["tests"]["circular_shift"]
    assert list(fig.data[0].x) == circ["null_distribution"]
    assert fig.layout.shapes[0].x0 == circ["statistic"]


def test_figures_tolerate_missing_keys(bundled: dict[str, Any]) -> None:
    from timing.analysis import analyze

    slim = analyze().to_dict(full=False)
    partial = {k: v for k, v in bundled.items() if k not in ("claims", "events")}
    for data in ({}, {"tests": {}}, {"tests": {"circular_shift": {}}}, slim, partial):
        for make in (*FIGURES, scan_heatmap_figure, premature_figure):
            assert isinstance(make(data), go.Figure)
        assert isinstance(table_rows(data), list)
        assert isinstance(per_event_rows(data), list)
    missing = lag_histogram_figure({})
    assert "No lag distribution in this result" in missing.layout.annotations[0].text
    entry = {"method": "x", "applicable": False, "reason": "too <b>few</b>"}
    na = {"tests": {"event_study": entry}}
    text = event_study_figure(na).layout.annotations[0].text
    assert text == "Event-study profile not available: too &lt;b&gt;few&lt;/b&gt;."


def test_scan_and_premature_figures(bundled: dict[str, Any]) -> None:
    from timing.analysis import analyze
    from timing.stats.premature import premature_claims
    from timing.stats.scan import scan

    timeline = analyze().timeline
    res = scan(timeline.claims_frame, timeline.events_frame, windows=range(1, 4))
    data = {**bundled, "scan": res.to_dict()}
    fig = scan_heatmap_figure(data)
    assert list(fig.data[0].x)[:3] == ["1", "2", "3"]
    pooled = fig.data[0].y.index("all / all / all")
    q = res.cells.filter(
        (res.cells["actor"] == "all")
        & (res.cells["claim_kind"] == "all")
        & (res.cells["event_kind"] == "all")
        & (res.cells["window"] == 1)
    )["q_bh"][0]
    assert fig.data[0].z[pooled][0] == pytest.approx(-np.log10(q))
    prem = premature_claims(timeline, seed=0)
    data = {"tests": {"premature": prem.to_dict(full=True)}}
    fig = premature_figure(data)
    assert prem.n_premature == prem.n_used  # on these data every known claim is premature
    assert len(fig.data) == 0  # so no bars: the figure says it in words
    assert fig.layout.annotations[0].text.startswith(f"All {prem.n_used} claims of known status")
    disputed = premature_claims(timeline, seed=0, outcome="disputed")
    fig = premature_figure({"tests": {"disputed": disputed.to_dict()}}, "disputed")
    assert list(fig.data[0].y) == pytest.approx([disputed.share_in, disputed.share_out])
    assert "Disputed" in fig.layout.title.text and "share disputed" in fig.layout.yaxis.title.text


def test_plotly_strings_are_escaped(xss_data: dict[str, Any]) -> None:
    for make in (timeline_figure, lag_histogram_figure, event_study_figure):
        for text in _texts(make(xss_data)):
            assert "<script" not in text and "<img" not in text
    hover = " ".join(_texts(timeline_figure(xss_data)))
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in hover
    assert "&lt;img src=x onerror=" in hover


def test_to_datetime_parses_dates_and_timestamps() -> None:
    assert _derive.to_datetime("2025-12-01") == dt.datetime(2025, 12, 1)
    assert _derive.to_datetime("2025-12-01 10:00:00+03:00") == dt.datetime(2025, 12, 1, 7)
    assert _derive.to_datetime("yesterday") is None and _derive.to_datetime(None) is None
