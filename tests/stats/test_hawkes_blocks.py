"""The self-exciting recursion run in blocks gives the same counts as the plain loop.

``_column_loop`` is the simulation as it was written before the blocks (one column of the
``(datasets, T)`` array per step); same seed, same counts, bit for bit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from timing.stats._hawkes import hawkes_series_blocks
from timing.stats.simulate import _baseline, simulate_batch
from timing.stats.simulated_null import ClaimsModelFit, simulated_null_test
from timing.timeline import Timeline


def _column_loop(n: int, n_bins: int, *, seed: int, **kw: Any) -> np.ndarray:
    rate, trend = kw.get("rate", 0.6), kw.get("trend", 0.0)
    b, d = kw.get("branching", 0.5), kw.get("decay", 0.7)
    events, uplift, offsets = kw.get("events"), kw.get("uplift", 1.0), (-3, -1)
    rng = np.random.default_rng(seed)
    base = _baseline(n, n_bins, rate, trend, events, uplift, offsets)
    factor = np.ones((1, n_bins))
    if kw.get("uplift_on") == "intensity":
        factor = _baseline(n, n_bins, 1.0, 0.0, events, uplift, offsets)
        base = _baseline(n, n_bins, rate, trend, None, 1.0, offsets)
    factor = np.broadcast_to(factor, (n, n_bins))
    mu = (1.0 - b) * np.broadcast_to(base, (n, n_bins))
    excite = np.full(n, rate * np.exp(-trend / 2.0))
    out = np.empty((n, n_bins), dtype=np.int64)
    for t in range(n_bins):
        out[:, t] = rng.poisson((mu[:, t] + b * excite) * factor[:, t])
        excite = d * excite + (1.0 - d) * out[:, t]
    return out


_EVENTS = np.array([40, 300, 555, 700])
_PER_DATASET = np.array([[40, 300, 555, 700], [10, 200, 400, 690], [90, 91, 500, 600]])


@pytest.mark.parametrize(
    "kw",
    [
        {"rate": 1.3, "branching": 0.6, "decay": 0.7},
        {"rate": 12.0, "branching": 0.95, "decay": 0.8, "trend": -0.4},
        {"rate": 0.4, "events": _EVENTS, "uplift": 2.5},
        {"rate": 0.4, "events": _PER_DATASET, "uplift": 2.5, "trend": 0.3},
        {"rate": 0.8, "events": _EVENTS, "uplift": 2.0, "uplift_on": "intensity"},
        {"rate": 0.8, "events": _PER_DATASET, "uplift": 1.5, "uplift_on": "intensity"},
    ],
)
def test_blocks_give_the_column_loops_counts(kw: dict[str, Any]) -> None:
    # 730 bins: two whole blocks of 256 and a partial one
    fast = simulate_batch(3, 730, model="hawkes", seed=9, **kw)
    assert fast.flags.c_contiguous and fast.dtype == np.int64
    np.testing.assert_array_equal(fast, _column_loop(3, 730, seed=9, **kw))


def test_series_blocks_are_simulate_batch_cut_in_pieces() -> None:
    kw: dict[str, Any] = {"rate": 3.0, "trend": 0.5, "branching": 0.8, "decay": 0.6, "seed": 4}
    pieces = list(hawkes_series_blocks(5, 1000, block=128, **kw))
    assert [t0 for t0, _ in pieces] == list(range(0, 1000, 128))
    joined = np.vstack([c.copy() for _, c in hawkes_series_blocks(5, 1000, block=128, **kw)])
    np.testing.assert_array_equal(joined.T, simulate_batch(5, 1000, model="hawkes", **kw))


@pytest.mark.parametrize("model", ["hawkes", "negbin"])
def test_window_shares_equal_the_stored_series_shares(model: str) -> None:
    fit = ClaimsModelFit(model, 2.0, 0.3, 0.7, 0.6, 0.8)
    inside = np.zeros(900, dtype=bool)
    inside[np.r_[5:20, 300:372, 880:900]] = True
    sims = fit.simulate(50, 900, 12)
    stored = (sims @ inside.astype(np.float64)) / np.maximum(sims.sum(axis=1), 1)
    np.testing.assert_array_equal(fit.window_shares(50, inside, 12), stored)


def test_hourly_simulated_null_is_unchanged() -> None:
    rng = np.random.default_rng(2)
    n = 24 * 40
    hours = np.arange(n) % 24
    counts = rng.poisson(1.5 * np.exp(0.5 * np.sin(2 * np.pi * hours / 24)))
    events = np.sort(rng.choice(np.arange(80, n), 9, replace=False))
    start = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    t = Timeline.from_arrays(counts, events, start=start, resolution="hour")
    res = simulated_null_test(t, (-72, -1), n_sim=99, seed=7)
    weights = (t.weights((-72, -1)) > 0).astype(np.float64)
    sims = res.fit.simulate(99, n, 7)
    expected = (sims @ weights) / np.maximum(sims.sum(axis=1), 1)
    np.testing.assert_array_equal(res.null_distribution, expected)
    assert res.pvalue == (1 + np.sum(expected >= res.statistic)) / 100
