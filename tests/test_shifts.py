"""The shared randomization core: one interval builder behind every window (brute force)."""

from __future__ import annotations

import numpy as np
import pytest

from timing._shifts import interval_cover
from timing.analysis import AnalysisConfig, analyze
from timing.stats.scan import scan


def _brute(starts, stops, n):
    out = np.zeros(n, dtype=np.int64)
    for a, b in zip(starts, stops, strict=True):
        for t in range(max(a, 0), min(b, n)):
            out[t] += 1
    return out


@pytest.mark.parametrize("seed", range(20))
def test_interval_cover_equals_a_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    starts = rng.integers(-10, n + 10, size=int(rng.integers(0, 8)))
    stops = starts + rng.integers(-3, 12, size=starts.size)
    expected = _brute(starts, stops, n)
    np.testing.assert_array_equal(interval_cover(starts, stops, n), expected)
    np.testing.assert_array_equal(
        interval_cover(starts, stops, n, form="union"), (expected > 0).astype(np.int64)
    )
    rows = np.stack([starts, starts + 1])
    stacked = interval_cover(rows, np.stack([stops, stops + 1]), n)
    np.testing.assert_array_equal(stacked[0], expected)
    np.testing.assert_array_equal(stacked[1], _brute(starts + 1, stops + 1, n))


def test_scan_takes_the_analysis_timeline() -> None:
    result = analyze(config=AnalysisConfig(n_boot=50))
    t = result.timeline
    from_timeline = scan(t, windows=range(1, 15))
    from_frames = scan(
        t.claims_frame.drop("bin"),
        t.events_frame.drop("bin"),
        windows=range(1, 15),
        start=t.start,
        end=t.end,
    )
    assert from_timeline.cells.equals(from_frames.cells)
    assert result.scan.cells.equals(from_timeline.cells)
