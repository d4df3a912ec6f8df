"""Figures and tables of the report: structure on the bundled data, answers checked against
brute force and against the stats modules, and tolerance of missing keys."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
from typing import Any

import numpy as np
import plotly.graph_objects as go
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


def test_lag_histogram_matches_brute_force() -> None:
    # 3 events on a 40-day circle; claims placed by hand
    claims = [0, 5, 5, 9, 10, 21, 35, 39]
    events = [10, 20, 30]
    data = {
        "timeline": {"claims": np.bincount(claims, minlength=40).tolist(), "event_bins": events},
        "params": {"offsets": [-3, -1]},
    }
    hist = _derive.lag_histogram(data, max_lag=12)
    expected = np.zeros(13, int)
    for c in claims:
        nxt = [e - c for e in events if e >= c]
        if nxt and min(nxt) <= 12:
            expected[min(nxt)] += 1
    assert hist["observed"] == expected.tolist()
    assert hist["no_next"] == 2 and hist["beyond"] == 0
    # null: every shift with circular distance >= 3 (window length), recomputed by hand
    null = []
    for s in range(1, 40):
        if min(s, 40 - s) < 3:
            continue
        moved = sorted((e + s) % 40 for e in events)
        h = np.zeros(13, int)
        for c in claims:
            nxt = [e - c for e in moved if e >= c]
            if nxt and min(nxt) <= 12:
                h[min(nxt)] += 1
        null.append(h)
    null = np.array(null)
    assert hist["n_shifts"] == len(null)
    np.testing.assert_allclose(hist["null_mean"], null.mean(axis=0))
    np.testing.assert_allclose(hist["null_high"], np.percentile(null, 97.5, axis=0))


@pytest.mark.skipif(importlib.util.find_spec("timing.stats.lags") is None, reason="no lags module")
def test_lag_histogram_agrees_with_stats_lags(bundled: dict[str, Any]) -> None:
    from timing.analysis import analyze
    from timing.stats.lags import lag_distribution, per_event_table

    timeline = analyze().timeline
    peer = lag_distribution(timeline, max_lag=30)
    ours = _derive.lag_histogram(bundled, max_lag=30)
    assert ours["observed"] == peer.observed.tolist()
    assert (ours["beyond"], ours["no_next"]) == (peer.beyond, peer.no_next)
    if not peer.sampled:
        np.testing.assert_allclose(ours["null_mean"], peer.null_mean)
        np.testing.assert_allclose(ours["null_low"], peer.null_low)
    table = per_event_table(timeline, (-3, -1))
    rows = per_event_rows(bundled)
    assert [r["window_claims"] for r in rows] == table["claims_in_window"].to_list()
    lags = [None if v is None else -float(v) for v in table["nearest_claim_lag"].to_list()]
    assert [r["last_before_lag"] for r in rows] == lags


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
    data = {
        "params": {"offsets": [-2, -1]},
        "claims": [{"bin": b, "target": f"t{b}"} for b in (1, 3, 4, 9)],
        "events": [{"event_id": "a", "bin": 5}, {"event_id": "b", "bin": 9}, {"event_id": "c"}],
    }
    rows = per_event_rows(data)
    assert [r["window_claims"] for r in rows] == [2, 0, 0]
    assert rows[0]["window_targets"] == ["t3", "t4"]
    assert [r["nearest_lag"] for r in rows[:2]] == [-1.0, 0.0]
    assert [r["last_before_lag"] for r in rows[:2]] == [-1.0, -5.0]
    # anticipation windows: from the announcement to the day before
    data = {
        "params": {"anticipation": True},
        "claims": [{"bin": b} for b in (1, 3, 4)],
        "events": [{"bin": 5, "date": "2025-01-06", "announced_date": "2025-01-02"}],
    }
    assert per_event_rows(data)[0]["window_claims"] == 3  # announced 4 days before: bins 1..4


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
    assert "No claims or events" in missing.layout.annotations[0].text


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
    assert list(fig.data[0].y) == pytest.approx([prem.share_in, prem.share_out], nan_ok=True)
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
