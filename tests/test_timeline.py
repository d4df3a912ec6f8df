"""Binning onto the grid, windows and filters, checked against hand-computed answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CLAIMS_ROWS, EVENTS_ROWS, write_table
from timing.errors import TimingInputError
from timing.io import load_claims, load_events
from timing.timeline import (
    anticipation_weights,
    build_timeline,
    check_resolution,
    days_to_bins,
    parse_offsets,
    window_weights,
)


def _tables(tmp_path: Path, resolution: str = "day"):
    claims = load_claims(write_table(CLAIMS_ROWS, tmp_path / "c.csv"), resolution=resolution)
    events = load_events(write_table(EVENTS_ROWS, tmp_path / "e.csv"), resolution=resolution)
    return claims.frame, events.frame


def test_default_period_is_where_both_tables_have_data(tmp_path: Path) -> None:
    # Claims 01-02..01-20, events 01-10 and 01-25: the events table is taken to cover the
    # 3-day window before its first event, and the claims end on 01-20.
    t = build_timeline(*_tables(tmp_path), lead_days=3, period="overlap")
    assert (t.start, t.end) == (dt.date(2025, 1, 7), dt.date(2025, 1, 20))
    assert t.period is not None and t.period.source == "overlap"
    assert t.excluded == {
        "claims": {"outside study period": 1},
        "events": {"outside study period": 1},
    }
    np.testing.assert_array_equal(t.event_bins, [3])


def test_bins_span_of_data(tmp_path: Path) -> None:
    t = build_timeline(*_tables(tmp_path), start=dt.date(2025, 1, 2), end=dt.date(2025, 1, 25))
    assert t.start == dt.date(2025, 1, 2) and t.end == dt.date(2025, 1, 25)
    assert t.n_bins == 24
    expected = np.zeros(24)
    expected[[0, 7, 18]] = 1
    np.testing.assert_array_equal(t.claims, expected)
    np.testing.assert_array_equal(t.event_bins, [8, 23])
    np.testing.assert_array_equal(t.announced_bins, [5, -1])
    assert t.times()[7] == np.datetime64("2025-01-09")


def test_period_and_filters_count_what_they_leave_out(tmp_path: Path) -> None:
    t = build_timeline(
        *_tables(tmp_path), start=dt.date(2025, 1, 5), end=dt.date(2025, 1, 25), actors=["RU MoD"]
    )
    assert t.claims.sum() == 1
    assert t.excluded["claims"] == {"actor not in ['RU MoD']": 1, "outside study period": 1}
    with pytest.raises(TimingInputError, match="no claims left"):
        build_timeline(*_tables(tmp_path), claim_kinds=["strike"])
    with pytest.raises(TimingInputError, match="empty"):
        build_timeline(*_tables(tmp_path), start=dt.date(2025, 2, 1), end=dt.date(2025, 1, 1))


def test_hour_resolution(tmp_path: Path) -> None:
    t = build_timeline(
        *_tables(tmp_path, "hour"),
        resolution="hour",
        start=dt.date(2025, 1, 2),
        end=dt.date(2025, 1, 25),
    )
    assert t.n_bins == 24 * 24  # whole days, the last one included
    assert t.claims[7 * 24 + 7] == 1  # 2025-01-09 10:00+03:00 is 07:00 UTC


def test_minute_resolution(tmp_path: Path) -> None:
    rows = [
        {**CLAIMS_ROWS[0], "claim_id": "m1", "date": "2025-01-02T00:00:30Z"},
        {**CLAIMS_ROWS[0], "claim_id": "m2", "date": "2025-01-02T10:17+03:00"},
        {**CLAIMS_ROWS[0], "claim_id": "m3", "date": "2025-01-10T23:59:59Z"},
    ]
    claims = load_claims(write_table(rows, tmp_path / "m.csv"), resolution="minute").frame
    events = load_events(write_table(EVENTS_ROWS, tmp_path / "e.csv"), resolution="minute").frame
    t = build_timeline(
        claims, events, resolution="minute", start=dt.date(2025, 1, 2), end=dt.date(2025, 1, 10)
    )
    assert t.n_bins == 9 * 1440 and t.bins_per_day == 1440  # the end day included
    assert np.flatnonzero(t.claims).tolist() == [0, 7 * 60 + 17, 9 * 1440 - 1]
    assert t.event_bins.tolist() == [8 * 1440]  # a date alone: 00:00 UTC
    assert t.bin_to_time(437) == dt.datetime(2025, 1, 2, 7, 17, tzinfo=dt.UTC)
    assert t.times()[437] == np.datetime64("2025-01-02T07:17")
    assert days_to_bins(3, "minute") == 4320 and days_to_bins(3, "hour") == 72


def test_minute_resolution_needs_times(tmp_path: Path) -> None:
    # Dates alone (the fixture's claims) would all land on 00:00: refused, not binned.
    dates = [r for r in CLAIMS_ROWS if "T" not in r["date"]]
    claims = load_claims(write_table(dates, tmp_path / "d.csv"), resolution="minute").frame
    events = load_events(write_table(EVENTS_ROWS, tmp_path / "e.csv"), resolution="minute").frame
    with pytest.raises(TimingInputError, match=rf"minute: all {len(dates)} claims are at 00:00"):
        build_timeline(claims, events, resolution="minute")
    with pytest.raises(TimingInputError, match="dates without times"):
        build_timeline(*_tables(tmp_path, "day"), resolution="minute")
    with pytest.raises(TimingInputError, match="expected one of day, hour, minute"):
        check_resolution("second")


def test_window_weights_against_brute_force() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(5, 60))
        events = np.sort(rng.integers(0, n, size=int(rng.integers(1, 6))))
        lo = int(rng.integers(-6, 2))
        hi = lo + int(rng.integers(0, 5))
        per_event = np.zeros(n, dtype=int)
        for e in events:
            for t in range(e + lo, e + hi + 1):
                if 0 <= t < n:
                    per_event[t] += 1
        np.testing.assert_array_equal(
            window_weights(events, n, (lo, hi), form="per_event"), per_event
        )
        np.testing.assert_array_equal(window_weights(events, n, (lo, hi)), per_event > 0)


def test_anticipation_weights() -> None:
    w = anticipation_weights(np.array([5, 9, 12]), np.array([2, -1, 12]), 15, form="per_event")
    assert w.tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]


def test_parse_offsets() -> None:
    assert parse_offsets("-3:-1") == (-3, -1)
    for bad in ("-1:-3", "3", "a:b"):
        with pytest.raises(TimingInputError):
            parse_offsets(bad)
