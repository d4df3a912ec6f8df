"""Placebo nulls: exact enumeration against brute force, false-positive rates, power."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from scipy.signal import lfilter

from timing.errors import TimingInputError
from timing.stats.placebo import block_permutation_test, weekday_placebo_test
from timing.timeline import Timeline

START = dt.date(2024, 1, 1)  # a Monday


def _timeline(counts: np.ndarray, event_bins: np.ndarray) -> Timeline:
    return Timeline.from_arrays(counts, event_bins, start=START)


def _window_claims(counts, events, lo=-3, hi=-1):
    covered = {t for e in events for t in range(e + lo, e + hi + 1) if 0 <= t < len(counts)}
    return sum(counts[t] for t in covered)


@pytest.mark.parametrize("exclude", [False, True])
def test_weekday_placebo_exact_enumeration_equals_brute_force(exclude):
    rng = np.random.default_rng(1)
    n = 35  # five weeks in 2024-Q1
    c = rng.poisson(1.0, n).astype(float)
    ev = [8, 15, 24]  # Tue, Tue, Thu: two events share a stratum
    res = weekday_placebo_test(_timeline(c, ev), n_placebo=500, exclude_event_days=exclude)
    weekday = [(START + dt.timedelta(days=t)).weekday() for t in range(n)]
    pools = [
        [t for t in range(n) if weekday[t] == weekday[e] and not (exclude and t in ev)] for e in ev
    ]
    null = [
        _window_claims(c, combo)
        for combo in itertools.product(*pools)
        if combo[0] != combo[1]  # events sharing a stratum get distinct days
    ]
    obs = _window_claims(c, ev)
    assert res.exact and res.n == len(null) and res.statistic == obs
    np.testing.assert_array_equal(np.sort(res.null_distribution), np.sort(null))
    count = sum(v >= obs for v in null)
    expected = (1 + count) / (1 + len(null)) if exclude else count / len(null)
    assert res.pvalue == pytest.approx(expected)


def test_weekday_placebo_monte_carlo_approaches_the_exact_p():
    rng = np.random.default_rng(2)
    c = rng.poisson(1.0, 91).astype(float)
    tl = _timeline(c, np.array([20, 45, 70]))
    exact = weekday_placebo_test(tl, n_placebo=5000)
    mc = weekday_placebo_test(tl, n_placebo=1500, seed=4)
    assert exact.exact and not mc.exact
    assert mc.pvalue == pytest.approx(exact.pvalue, abs=0.03)


def test_block_permutation_exact_enumeration_equals_brute_force():
    rng = np.random.default_rng(3)
    n, block = 15, 4  # blocks of 4, 4, 4, 3 bins: 24 orders
    c = rng.poisson(1.0, n).astype(float)
    ev = np.array([5, 12])
    res = block_permutation_test(_timeline(c, ev), block=block, n_perm=100)
    blocks = [c[i : i + block].tolist() for i in range(0, n, block)]
    null = []
    for order in itertools.permutations(range(len(blocks))):
        series = [v for b in order for v in blocks[b]]
        null.append(_window_claims(series, ev))
    obs = _window_claims(c, ev)
    assert res.exact and res.n == 24 and res.statistic == obs
    np.testing.assert_array_equal(np.sort(res.null_distribution), np.sort(null))
    assert res.pvalue == pytest.approx(sum(v >= obs for v in null) / 24)
    assert res.effect == pytest.approx(obs / np.mean(null))


def _claims(rng, n, bursty, uplift_bins=None, uplift=1.0):
    lam = np.full(n, 0.5)
    if bursty:  # AR(1) log-intensity, phi 0.9, sd 1
        z = lfilter([1.0], [1.0, -0.9], rng.normal(0, np.sqrt(0.19), n + 200))[200:]
        lam = lam * np.exp(z - 0.5)
    if uplift_bins is not None:
        lam[uplift_bins] *= uplift
    return rng.poisson(lam).astype(float)


def _events(rng, n, clustered):
    if not clustered:
        return np.sort(rng.choice(n, 16, replace=False))
    centres = rng.choice(np.arange(15, n - 10), 6, replace=False)
    return np.unique(np.clip((centres[:, None] + np.array([0, 2, 5])).ravel(), 0, n - 1))


@pytest.mark.parametrize(
    ("bursty", "clustered", "weekday_fpr", "block_fpr"),
    [(False, False, 0.027, 0.043), (True, True, 0.057, 0.050)],
)
def test_false_positive_rates(bursty, clustered, weekday_fpr, block_fpr):
    """300 seeded simulated years (n_placebo = n_perm = 199), claims independent of events.

    Measured at 5 %: i.i.d. Poisson claims, 16 uniform events: weekday placebo 2.7 %, block
    permutation 4.3 % (circular shift 4.7 %); bursty claims (AR(1) log-intensity, phi 0.9),
    6 clusters of 3 events: 5.7 % and 5.0 % (circular 4.7 %). The weekday placebo is
    conservative on i.i.d. claims (ties of an integer statistic: 3.95 % over 2,000 datasets)
    and more so with clustered events (1.3 %: clustered real windows overlap, placebo windows
    in different strata rarely do, so the placebo union is larger). With the brief's literal
    design, placebo days excluding real event days, bursty claims gave 7.4-8.0 %.
    """
    rng = np.random.default_rng(0)
    pw, pb = [], []
    for i in range(300):
        c = _claims(rng, 365, bursty)
        tl = _timeline(c, _events(rng, 365, clustered))
        pw.append(weekday_placebo_test(tl, n_placebo=199, seed=i).pvalue)
        pb.append(block_permutation_test(tl, n_perm=199, seed=i).pvalue)
    fpr_w, fpr_b = np.mean(np.array(pw) <= 0.05), np.mean(np.array(pb) <= 0.05)
    assert 0.02 <= fpr_w <= 0.08 and 0.02 <= fpr_b <= 0.08
    assert fpr_w == pytest.approx(weekday_fpr, abs=0.02)
    assert fpr_b == pytest.approx(block_fpr, abs=0.02)


def test_power_with_planted_twofold_uplift():
    """100 simulated two-year series, 25 events, bursty claims x2 on -3..-1.

    Measured power at 5 %: weekday placebo 69 %, block permutation 71 %.
    """
    rng = np.random.default_rng(9)
    n = 730
    pw, pb = [], []
    for i in range(100):
        ev = np.sort(rng.choice(n, 25, replace=False))
        pre = (ev[:, None] + np.arange(-3, 0)).ravel()
        c = _claims(rng, n, True, uplift_bins=pre[pre >= 0], uplift=2.0)
        tl = _timeline(c, ev)
        pw.append(weekday_placebo_test(tl, n_placebo=199, seed=i).pvalue)
        pb.append(block_permutation_test(tl, n_perm=199, seed=i).pvalue)
    assert np.mean(np.array(pw) <= 0.05) >= 0.6
    assert np.mean(np.array(pb) <= 0.05) >= 0.6
    assert np.median(pw) <= 0.02 and np.median(pb) <= 0.02


def test_seeded_results_and_input_errors():
    rng = np.random.default_rng(5)
    tl = _timeline(rng.poisson(1.0, 400).astype(float), np.array([50, 200, 300]))
    a = weekday_placebo_test(tl, n_placebo=300, seed=1)
    assert a.pvalue == weekday_placebo_test(tl, n_placebo=300, seed=1).pvalue
    assert "null_distribution" not in a.to_dict() and a.to_dict()["method"] == a.method
    b = block_permutation_test(tl, n_perm=300, seed=1)
    assert b.pvalue == block_permutation_test(tl, n_perm=300, seed=1).pvalue
    with pytest.raises(TimingInputError, match="block"):
        block_permutation_test(tl, block=0)
    with pytest.raises(TimingInputError, match="n_placebo"):
        weekday_placebo_test(tl, n_placebo=0)
    with pytest.raises(TimingInputError, match="offsets"):
        weekday_placebo_test(tl, offsets=(1, -1))
