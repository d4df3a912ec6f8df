"""Generated analysis dicts of any size, for the report's scale test and benchmark.

``benchmarks/bench_report.py`` and ``tests/report/test_report_scale.py`` draw reports of
1e4 to 1e7 claims from these without running the analysis (which is not what they time).
"""

from __future__ import annotations

from typing import Any


def scaled(base: dict[str, Any], n_claims: int, n_events: int = 10_000) -> dict[str, Any]:
    """``base`` with ``n_claims`` generated claims (a polars frame) and ``n_events`` events.

    Ten years of days; kinds, statuses and targets drawn at random (seed 0); per-event rows
    with the true count of claims in the 3-day window and up to 200 of their targets (the
    report lists 20). Its tests (and so the lag, null and scan figures) stay the base's.
    """
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(0)
    n_days, start = 3653, np.datetime64("2015-01-01")
    days = np.sort(rng.integers(0, n_days, n_claims)).astype(np.int32)
    kinds = np.array(["capture", "encirclement", "casualties", "strike", "other"])
    statuses = np.array(["confirmed", "contested", "refuted", "unverified"])
    claims = pl.DataFrame(
        {
            "date": (start + days.astype("timedelta64[D]")),
            "kind": kinds[rng.integers(0, 5, n_claims)],
            "status": statuses[rng.integers(0, 4, n_claims)],
            "target": pl.Series(rng.integers(0, 5000, n_claims)).cast(pl.String),
        }
    )
    per_day = np.bincount(days, minlength=n_days)
    ev_days = np.sort(rng.integers(0, n_days, n_events))
    events, per_event = [], []
    cum = np.concatenate([[0], np.cumsum(per_day)])
    for j, d in enumerate(ev_days):
        date = str(start + int(d))
        title = f"Talks {j} between delegations of two parties"
        src = f"https://example.org/news/2025/{j}/talks-between-delegations"
        events.append({"event_id": f"E{j}", "date": date, "end_date": date, "kind": "talks",
                       "parties": "US-RU", "location": "Geneva", "title": title, "source": src,
                       "bin": int(d)})  # fmt: skip
        lo, hi = cum[max(d - 3, 0)], cum[max(d, 0)]
        per_event.append({"event_id": f"E{j}", "date": date, "kind": "talks", "title": title,
                          "parties": "US-RU", "source": src, "window_claims": int(hi - lo),
                          "window_targets": [f"Place {k}" for k in range(min(hi - lo, 200))],
                          "nearest_lag": -1.0, "nearest_target": "Place 0",
                          "last_before_lag": -1.0, "last_before_target": "Place 0"})  # fmt: skip
    event_bins = np.bincount(ev_days, minlength=n_days)
    return {
        **base,
        "claims": claims,
        "events": events,
        "per_event": per_event,
        "counts": {"claims": float(n_claims), "events": n_events, "bins": n_days},
        "period": {"start": "2015-01-01", "end": str(start + n_days - 1)},
        "timeline": {
            "start": "2015-01-01",
            "resolution": "day",
            "claims": per_day.tolist(),
            "event_bins": event_bins.tolist(),
        },
    }
