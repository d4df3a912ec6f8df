"""Calibration where the data are thin or spiky (issue 11): short series, few events, spikes.

Nulls (negative binomial claims at 0.6 a day, dispersion 1, no effect, window -3..-1):
``short`` 90 days with 5-10 events; ``events_2``, ``events_3``, ``events_5``: 730 days with
that many events; ``spiky``: 730 days, 24 events, and 2 % of days with 20-40 extra claims.
Prints, per null, the false-positive rate at 5 % of the primary test (calendar-aware
circular shift, detrended where the period allows), of the GLM with its shifted-calendar
reference and with its normal reference, of the descriptive tests, and the coverage of 1.0
by the inverted-test and bootstrap intervals (withheld intervals counted apart).

Run: ``python3 benchmarks/sparse_calibration.py [--n 300] [--n-other 200] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from timing.calibrate_calendar import _coverage, _model_pvalues
from timing.stats.calendar import calendar_shift_test
from timing.stats.calibrate import _rate
from timing.stats.simulate import simulate_batch, simulate_events
from timing.timeline import window_weights

NULLS = {
    "short": (90, None),
    "events_2": (730, 2),
    "events_3": (730, 3),
    "events_5": (730, 5),
    "spiky": (730, 24),
}


def _simulate(name: str, n: int, rng: np.random.Generator):
    n_bins, k = NULLS[name]
    counts, events = [], []
    for _ in range(n):
        m = int(rng.integers(5, 11)) if k is None else k
        ev = simulate_events(n_bins, m, min_spacing=7 if n_bins > 90 else 5, seed=rng)
        ev = ev[ev >= 3]
        c = simulate_batch(1, n_bins, model="negbin", rate=0.6, dispersion=1.0, seed=rng)[0]
        if name == "spiky":
            days = rng.random(n_bins) < 0.02
            c = c + days * rng.integers(20, 41, n_bins)
        counts.append(c)
        events.append(ev)
    return counts, events, rng.integers(0, 7, n)


def _primary(c: np.ndarray, ev: np.ndarray, weekday: int) -> float:
    w = window_weights(ev, c.size, (-3, -1)).astype(float)
    res, _ = calendar_shift_test(
        c.astype(float), w, ev, start_weekday=weekday, detrend=91 if c.size >= 182 else None
    )
    return res.pvalue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--n-other", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    print(f"{'null':<10}{'test':<22}{'n':>5}  rate (95% CI)")
    for name in NULLS:
        counts, events, weekdays = _simulate(name, args.n, rng)
        p = np.array(
            [_primary(c, e, int(d)) for c, e, d in zip(counts, events, weekdays, strict=True)]
        )
        rows = [("primary", int(np.sum(p <= 0.05)), p.size)]
        inv, boot, withheld = [], [], 0
        for c, e, d in zip(counts, events, weekdays, strict=True):
            i, b, wh = _coverage(np.array([c]), [e], np.array([d]), 1.0, 500, args.seed)
            inv += i
            boot += b
            withheld += wh
        rows.append(("interval_inverted*", len(inv) - sum(inv), len(inv)))
        rows.append(("interval_bootstrap*", len(boot) - sum(boot), len(boot)))
        m = args.n_other
        model = _model_pvalues(counts[:m], events[:m], weekdays[:m], args.seed)
        for test, values in model.items():
            v = np.asarray(values)
            rows.append((test, int(np.sum(v <= 0.05)), v.size))
        for test, k, n in rows:
            rate, lo, hi = _rate(k, n) if n else (float("nan"),) * 3
            print(f"{name:<10}{test:<22}{n:>5}  {rate:6.1%} ({lo:.1%}-{hi:.1%})")
        print(f"{name:<10}intervals withheld (< 5 window claims): {withheld}", flush=True)
    print("* for intervals the rate is the share that miss 1.0 (1 - coverage)")
    print(f"total time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
