"""Tests for timing.stats.coincidence: brute force, pyunicorn 1.0, scipy, seeded simulations."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from timing.errors import TimingInputError
from timing.stats.coincidence import coincidence_probability, event_coincidence


def brute_force(a, b, tau, dt, shift=0):
    """Loops over events and claims; events moved by ``shift`` with circular windows."""
    n = len(a)
    span = tau + dt
    ev = [e for e in np.flatnonzero(b) if e >= span]
    cl = [t for t in np.flatnonzero(a) if t + span <= n - 1]
    claim_days = preceded = 0
    for e in ev:
        window = [(e + shift - d) % n for d in range(tau, span + 1)]
        k = sum(a[j] > 0 for j in window)
        claim_days += k
        preceded += k > 0
    event_days = {(e + shift) % n for e in np.flatnonzero(b)}
    followed = sum(any((t + d) % n in event_days for d in range(tau, span + 1)) for t in cl)
    return claim_days, preceded, followed, len(ev), len(cl)


def random_pair(rng, n, p_claim, n_events):
    a = (rng.random(n) < p_claim).astype(np.int64)
    b = np.zeros(n, dtype=np.int64)
    b[rng.choice(n, n_events, replace=False)] = 1
    return a, b


@pytest.mark.parametrize("offsets", [(-3, -1), (-5, -2), (-1, 0), (-7, -1)])
def test_rates_and_surrogates_match_brute_force(offsets):
    rng = np.random.default_rng(abs(offsets[0] * 10 + offsets[1]))
    a, b = random_pair(rng, 150, 0.25, 12)
    res = event_coincidence(claims=a * 3, events=b, offsets=offsets, min_shift=1)
    tau, dt = -offsets[1], offsets[1] - offsets[0]
    c, k, f, n_ev, n_cl = brute_force(a, b, tau, dt)
    assert (res.tau, res.delta_t) == (tau, dt)
    assert res.statistic == c and res.n_events == n_ev and res.n_trigger_claim_days == n_cl
    assert res.precursor_rate == pytest.approx(k / n_ev)
    assert res.trigger_rate == pytest.approx(f / n_cl)
    brute_null = [brute_force(a, b, tau, dt, s)[0] for s in range(1, 150)]
    np.testing.assert_array_equal(res.null_distribution, brute_null)
    assert res.pvalue == pytest.approx((1 + sum(x >= c for x in brute_null)) / 150)


def test_rates_equal_pyunicorn():
    pytest.importorskip("pyunicorn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pyunicorn.eventseries import EventSeries
    for seed in range(6):
        rng = np.random.default_rng(seed)
        n = 400 + 50 * seed
        tau, dt = 1 + seed % 2, 2 + seed % 3
        a, b = random_pair(rng, n, 0.1 + 0.08 * seed, 20)
        # pyunicorn drops the first event and the last claim (and those within lag + taumax
        # of them); place them so that its edge rule and ours drop the same points
        b[: tau + dt + 1] = 0
        b[0] = 1
        a[n - 2 - tau - dt :] = 0
        a[n - 1] = 1
        res = event_coincidence(claims=a, events=b, offsets=(-(tau + dt), -tau))
        prec, trig, _, _ = EventSeries.event_coincidence_analysis(b, a, dt, lag=tau)
        assert res.precursor_rate == pytest.approx(float(prec), rel=1e-6)
        assert res.trigger_rate == pytest.approx(float(trig), rel=1e-6)


def test_analytic_pvalues_equal_scipy_binom():
    rng = np.random.default_rng(3)
    n = 900
    a, b = random_pair(rng, n, 0.3, 40)
    b[:3] = 0
    for null in ("occupancy", "poisson"):
        res = event_coincidence(claims=a, events=b, null=null)
        n_a, n_b = int(a.sum()), int(b.sum())
        if null == "poisson":
            q_pre = 1 - (1 - 3 / (n - 1)) ** n_a
            q_trig = 1 - (1 - 3 / (n - 1)) ** n_b
        else:  # window of 3 days empty: comb(T - n_a, 3) / comb(T, 3)
            q_pre = 1 - math.comb(n - n_a, 3) / math.comb(n, 3)
            q_trig = 1 - math.comb(n - n_b, 3) / math.comb(n, 3)
        k_pre = round(res.precursor_rate * res.n_events)
        k_trig = round(res.trigger_rate * res.n_trigger_claim_days)
        assert res.pvalue_analytic == pytest.approx(
            stats.binom.sf(k_pre - 1, res.n_events, q_pre), rel=1e-9
        )
        assert res.pvalue_analytic_trigger == pytest.approx(
            stats.binom.sf(k_trig - 1, res.n_trigger_claim_days, q_trig), rel=1e-9
        )
    assert coincidence_probability(1000, 440, 2) == pytest.approx(
        1 - 0.56 * 559 / 999 * 558 / 998, rel=1e-12
    )


def pyunicorn_analytic_p(a, b, dt, tau, rate):
    """pyunicorn 1.0's analytic precursor p-value (1 - its "significance"), same formula."""
    n_b, n_a = int(b.sum()), int(a.sum())
    share = dt / (len(a) - 1 - tau)
    k = int(np.float32(rate) * n_b)
    return float(stats.binom.sf(k - 1, n_b, 1 - (1 - share) ** n_a))


def test_pyunicorn_analytic_formula_reproduced():
    pytest.importorskip("pyunicorn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pyunicorn.eventseries import EventSeries

        a, b = random_pair(np.random.default_rng(9), 600, 0.3, 25)
        es = EventSeries(np.column_stack([b, a]), taumax=2, lag=1)
        sig = es.event_analysis_significance(
            method="ECA", surrogate="analytic", window_type="advanced"
        )
        prec = EventSeries.event_coincidence_analysis(b, a, 2, lag=1)[0]
    assert 1 - sig[0, 1] == pytest.approx(pyunicorn_analytic_p(a, b, 2, 1, prec), rel=1e-9)


def test_false_positive_rate_dense_iid_claims():
    """Claims on 40 % of days, 60 events, T = 1800, independent: the occupancy null holds 5 %."""
    rng = np.random.default_rng(42)
    n, reps = 1800, 400
    rejections = {"occupancy": 0, "poisson": 0, "pyunicorn": 0, "surrogate": 0}
    for _ in range(reps):
        a, b = random_pair(rng, n, 0.4, 60)
        occ = event_coincidence(claims=a, events=b)
        poi = event_coincidence(claims=a, events=b, null="poisson")
        rejections["occupancy"] += occ.pvalue_analytic <= 0.05
        rejections["poisson"] += poi.pvalue_analytic <= 0.05
        rejections["surrogate"] += occ.pvalue <= 0.05
        p_pyu = pyunicorn_analytic_p(a, b, 2, 1, occ.precursor_rate)
        rejections["pyunicorn"] += p_pyu <= 0.05
    fpr = {k: v / reps for k, v in rejections.items()}
    print("ECA false-positive rates at 5%:", fpr)
    assert 0.01 <= fpr["occupancy"] <= 0.08
    assert 0.01 <= fpr["surrogate"] <= 0.09
    assert fpr["poisson"] > 0.2
    assert fpr["pyunicorn"] > 0.8


def test_planted_precursor_effect_detected():
    rng = np.random.default_rng(8)
    n = 1000
    a, b = random_pair(rng, n, 0.15, 40)
    for e in np.flatnonzero(b):
        a[max(e - 3, 0) : e] |= (rng.random(len(a[max(e - 3, 0) : e])) < 0.6).astype(np.int64)
    res = event_coincidence(claims=a, events=b)
    assert res.pvalue < 0.01 and res.pvalue_analytic < 0.01 and res.effect > 1.5
    assert set(res.coincidence_dict()) == {
        "precursor_rate",
        "trigger_rate",
        "pvalue_analytic",
        "pvalue_surrogate",
    }
    d = res.to_dict()
    assert d["pvalue_surrogate"] == res.pvalue and "null_distribution" not in d
    assert "coincidence" in res.summary()


def test_timeline_input_matches_arrays():
    import datetime as dt

    import polars as pl

    from timing.timeline import build_timeline

    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(200)]
    claims = pl.DataFrame({"date": days[::3] + days[::7], "actor": "a", "kind": "capture"})
    events = pl.DataFrame({"date": days[15::40], "kind": "talks"})
    tl = build_timeline(claims, events, end=days[-1])
    res = event_coincidence(tl)
    ref = event_coincidence(claims=tl.claims, events=tl.event_series())
    assert res.to_dict() == ref.to_dict() and res.n_claim_days == int((tl.claims > 0).sum())


def test_input_errors():
    a, b = random_pair(np.random.default_rng(0), 100, 0.3, 5)
    with pytest.raises(TimingInputError, match="offsets"):
        event_coincidence(claims=a, events=b, offsets=(-1, 2))
    with pytest.raises(TimingInputError, match="length"):
        event_coincidence(claims=a, events=b[:50])
    with pytest.raises(TimingInputError, match="claims"):
        event_coincidence(claims=-a, events=b)
    with pytest.raises(TimingInputError, match="null"):
        event_coincidence(claims=a, events=b, null="gauss")  # type: ignore[arg-type]
