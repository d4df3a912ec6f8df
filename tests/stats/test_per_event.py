"""Per-event rows: binary-search windows and nearest claims equal a brute-force scan."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from timing.stats.per_event import event_claims
from timing.timeline import build_timeline


@pytest.mark.parametrize("seed", range(15))
def test_windows_and_nearest_claims_equal_a_brute_force_scan(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, days = int(rng.integers(1, 200)), int(rng.integers(20, 120))
    d0 = dt.date(2025, 1, 1)
    claims = pl.DataFrame(
        {
            "date": [d0 + dt.timedelta(days=int(x)) for x in rng.integers(0, days, n)],
            "actor": "A",
            "kind": "capture",
            "target": [f"t{i}" for i in range(n)],
        }
    )
    events = pl.DataFrame(
        {
            "event_id": ["e1", "e2", "e3"],
            "date": [d0 + dt.timedelta(days=int(x)) for x in rng.integers(0, days, 3)],
            "kind": "talks",
            "title": "t",
        }
    )
    timeline = build_timeline(claims, events, start=d0, end=d0 + dt.timedelta(days=days))
    rows = event_claims(timeline, (-3, -1)).to_dicts()
    bins = timeline.claims_frame["bin"].to_list()
    names = timeline.claims_frame["target"].to_list()
    order = sorted(range(len(bins)), key=lambda i: (bins[i], i))
    for ebin, row in zip(timeline.events_frame["bin"].to_list(), rows, strict=True):
        inside = [names[i] for i in order if ebin - 3 <= bins[i] <= ebin - 1]
        assert row["window_targets"] == inside
        best = min(order, key=lambda i: (abs(bins[i] - ebin), bins[i], i))
        assert row["nearest_lag"] == bins[best] - ebin and row["nearest_target"] == names[best]


def test_a_crowded_window_lists_the_first_targets_and_counts_them_all() -> None:
    from timing.stats.per_event import TARGETS_KEPT

    d0 = dt.date(2025, 3, 1)
    n = TARGETS_KEPT + 57
    claims = pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(n)],
            "date": [d0 + dt.timedelta(days=i % 3) for i in range(n)],  # all in the window
            "actor": "A",
            "kind": "capture",
            "target": [None if i % 4 == 0 else f"t{i}" for i in range(n)],
        }
    )
    events = pl.DataFrame({"event_id": ["e1"], "date": [d0 + dt.timedelta(days=3)]})
    row = event_claims(build_timeline(claims, events), (-3, -1)).row(0, named=True)
    assert row["window_claims"] == n
    in_time_order = sorted(range(n), key=lambda i: (i % 3, i))  # stable within a day
    expected = [f"c{i}" if i % 4 == 0 else f"t{i}" for i in in_time_order]
    assert row["window_targets"] == expected[:TARGETS_KEPT]
    assert row["last_before_target"] == expected[-1]
