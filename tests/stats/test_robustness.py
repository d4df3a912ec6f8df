"""Robustness: every specification against a direct test, the joint test's calibration and
power, leave-one-out against a loop, and the tipping point at its boundary."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from scipy.stats import binom

from timing.errors import TimingInputError
from timing.stats._common import monte_carlo_pvalue, rate_ratio
from timing.stats.circular import admissible_shifts, circular_shift_test, detrended
from timing.stats.robustness import influence, robustness, specification_curve, tipping_point
from timing.stats.robustness_tipping import apportion
from timing.stats.simulate import simulate_batch, simulate_events
from timing.timeline import Timeline, build_timeline, window_weights

ORIGIN = dt.date(2023, 1, 1)


def make_timeline(seed: int, n_days: int = 420, n_events: int = 24, plant: int = 0) -> Timeline:
    """Bursty claims by actors A (capture, strike) and B (strike); talks and calls.

    With ``plant``, actor A adds that many captures on each of the 2 days before a talk.
    """
    rng = np.random.default_rng(seed)
    ev = np.sort(rng.choice(np.arange(20, n_days), n_events, replace=False))
    ev_kind = np.where(np.arange(n_events) % 2 == 0, "talks", "call")
    parts = []
    for actor, kind, mean in [("A", "capture", 0.5), ("A", "strike", 0.6), ("B", "strike", 0.4)]:
        counts = rng.poisson(mean * rng.gamma(1.0, 1.0, n_days))
        if plant and kind == "capture":
            for e in ev[ev_kind == "talks"]:
                counts[max(e - 2, 0) : e] += plant
        days = [ORIGIN + dt.timedelta(days=int(b)) for b in np.repeat(np.arange(n_days), counts)]
        parts.append(pl.DataFrame({"date": days, "actor": actor, "kind": kind}))
    claims = pl.concat(parts).with_columns(pl.col("date").cast(pl.Date))
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n_events)],
            "date": [ORIGIN + dt.timedelta(days=int(b)) for b in ev],
            "kind": ev_kind,
            "title": [f"Event {i}" for i in range(n_events)],
        }
    )
    return build_timeline(claims, events, start=ORIGIN, end=ORIGIN + dt.timedelta(n_days - 1))


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return make_timeline(1)


@pytest.fixture(scope="module")
def curve(timeline: Timeline):  # type: ignore[no-untyped-def]
    return specification_curve(timeline, (-3, -1), detrend=28, windows=(1, 3, 7), detrends=(0,))


def _series(t: Timeline, actor: str, kind: str) -> np.ndarray:
    cf = t.claims_frame
    sel = np.ones(cf.height, dtype=bool)
    if actor != "all":
        sel &= cf["actor"].to_numpy() == actor
    if kind != "all":
        sel &= cf["kind"].to_numpy() == kind
    return np.bincount(cf["bin"].to_numpy()[sel], minlength=t.n_bins).astype(float)


def _weights(
    t: Timeline, window: str, event_kind: str, keep: np.ndarray | None = None
) -> np.ndarray:
    sel = np.ones(t.n_events, dtype=bool) if keep is None else keep[t.event_bins]
    if event_kind != "all":
        sel &= t.events_frame["kind"].to_numpy() == event_kind
    return window_weights(t.event_bins[sel], t.n_bins, (-int(window), -1))


def _keep(t: Timeline, period: str) -> np.ndarray:
    half = np.arange(t.n_bins) < t.n_bins // 2
    return {"full": np.ones(t.n_bins, bool), "first half": half, "second half": ~half}[period]


def test_grid_levels_and_primary(curve, timeline: Timeline) -> None:  # type: ignore[no-untyped-def]
    assert curve.levels["actor"] == ["all", "A", "B"]
    assert curve.levels["claim_kind"] == ["all", "strike", "capture"]
    assert curve.levels["event_kind"] == ["all", "call", "talks"]
    assert curve.levels["detrend"] == ["0", "28"]
    # 3 windows x 2 spans x 3 x 3 x 3 subsets x 3 periods, less skipped (e.g. B captures)
    assert curve.n_specs + sum(curve.skipped.values()) == 3 * 2 * 27 * 3
    primary = curve.specs.filter(pl.col("primary"))
    assert primary.height == 1
    direct = circular_shift_test(timeline, (-3, -1), detrend=28)
    assert primary["pvalue"][0] == direct.pvalue
    assert primary["rate_ratio"][0] == pytest.approx(direct.rate_ratio, rel=1e-12)


def test_full_period_specs_equal_circular_shift_test(curve, timeline: Timeline) -> None:  # type: ignore[no-untyped-def]
    full = curve.specs.filter(pl.col("period") == "full")
    assert full.height > 100
    for row in full.iter_rows(named=True):
        res = circular_shift_test(
            counts=_series(timeline, row["actor"], row["claim_kind"]),
            weights=_weights(timeline, row["window"], row["event_kind"]),
            offsets=(-int(row["window"]), -1),
            detrend=row["detrend"] or None,
        )
        assert row["pvalue"] == res.pvalue, row
        assert row["rate_ratio"] == pytest.approx(res.rate_ratio, rel=1e-12), row


def test_sub_period_specs_equal_circular_shift_test_on_their_events(
    curve, timeline: Timeline
) -> None:  # type: ignore[no-untyped-def]
    sub = curve.specs.filter(pl.col("period") != "full")
    assert sub.height > 100
    for row in sub.iter_rows(named=True):
        raw = _series(timeline, row["actor"], row["claim_kind"])
        keep = _keep(timeline, row["period"])
        m = _weights(timeline, row["window"], row["event_kind"], keep)
        res = circular_shift_test(
            counts=raw, weights=m, offsets=(-int(row["window"]), -1), detrend=row["detrend"] or None
        )
        assert row["pvalue"] == res.pvalue, row
        assert row["rate_ratio"] == pytest.approx(rate_ratio(raw[keep], m[keep]), rel=1e-12)
        assert row["n_claims"] == int(raw[keep].sum())


def test_claims_mask_variant_equals_brute_force_roll(timeline: Timeline) -> None:
    res = specification_curve(
        timeline, (-3, -1), detrend=28, windows=(3,), detrends=(28,), sub_period="claims"
    )
    n = timeline.n_bins
    for row in res.specs.filter(pl.col("period") != "full").iter_rows(named=True):
        raw = _series(timeline, row["actor"], row["claim_kind"])
        keep = _keep(timeline, row["period"])
        m = _weights(timeline, row["window"], row["event_kind"])
        x = detrended(raw, 28) * keep
        null = np.array([np.sum(x * np.roll(m, s)) for s in admissible_shifts(n, 3)])
        assert row["pvalue"] == monte_carlo_pvalue(float(np.sum(x * m)), null), row
        assert row["rate_ratio"] == pytest.approx(rate_ratio(raw[keep], m[keep]), rel=1e-12)


def test_joint_pvalue_equals_brute_force_max_statistic() -> None:
    rng = np.random.default_rng(5)
    n = 300
    t = Timeline.from_arrays(rng.poisson(0.8, n), np.sort(rng.choice(n, 15, replace=False)))
    res = specification_curve(t, (-4, -1), detrend=None, windows=(1, 4), detrends=(0, 28))
    common = np.arange(1, n)  # the joint test uses every rotation
    z_rows = []
    for row in res.specs.iter_rows(named=True):
        keep = _keep(t, row["period"])
        x = detrended(t.claims, row["detrend"]) if row["detrend"] else t.claims
        m = window_weights(t.event_bins[keep[t.event_bins]], n, (-int(row["window"]), -1))
        stats = np.array([np.sum(x * np.roll(m, s)) for s in [0, *common]])
        null = stats[1:]
        z_rows.append((stats - null.mean()) / null.std())
    z = np.array(z_rows)
    assert np.allclose(np.sort(z[:, 0]), np.sort(res.specs["z"].to_numpy()))
    joint = monte_carlo_pvalue(z[:, 0].max(), z[:, 1:].max(axis=0))
    assert res.joint_pvalue == pytest.approx(joint, abs=1e-12)
    assert res.n_specs == 2 * 2 * 3 and res.n_shifts == common.size


def _joint_rejections(uplift: float, n_datasets: int, seed: int, model: str = "negbin") -> int:
    n_bins, rng = 365, np.random.default_rng(seed)
    events = simulate_events(n_bins, 20, min_spacing=7, size=n_datasets, seed=rng)
    claims = simulate_batch(
        n_datasets,
        n_bins,
        model=model,  # type: ignore[arg-type]
        rate=0.8,
        events=events,
        uplift=uplift,
        offsets=(-3, -1),
        seed=rng,
    )
    hits = 0
    for c, ev in zip(claims, events, strict=True):
        t = Timeline.from_arrays(c, ev)
        res = specification_curve(t, detrend=None, windows=(1, 3, 7), detrends=(0, 91))
        hits += res.joint_pvalue <= 0.05
    return hits


@pytest.mark.parametrize("model", ["negbin", "hawkes"])
def test_joint_test_is_calibrated_on_simulated_nulls(model: str) -> None:
    n = 200
    hits = _joint_rejections(1.0, n, seed=11, model=model)
    low, high = binom.ppf([0.005, 0.995], n, 0.05)
    assert low <= hits <= high, hits


def test_joint_test_has_power_on_planted_uplift() -> None:
    assert _joint_rejections(2.0, 30, seed=12) >= 27


def test_planted_subset_effect_is_found(timeline: Timeline) -> None:
    planted = make_timeline(1, plant=1)
    res = specification_curve(planted, windows=(2, 7), detrends=(0,), detrend=None)
    best = res.specs.sort("z", descending=True).row(0, named=True)
    assert res.joint_pvalue < 0.01
    assert best["event_kind"] == "talks" and best["claim_kind"] in ("capture", "all")


def test_leave_one_out_equals_loop(timeline: Timeline) -> None:
    inf = influence(timeline, (-3, -1), detrend=28)
    by_id = {r["event_id"]: r for r in inf.events.iter_rows(named=True)}
    ids = timeline.events_frame["event_id"].to_list()
    for j, ev_id in enumerate(ids):
        w = window_weights(np.delete(timeline.event_bins, j), timeline.n_bins, (-3, -1))
        res = circular_shift_test(counts=timeline.claims, weights=w, detrend=28)
        assert by_id[ev_id]["pvalue"] == res.pvalue
        assert by_id[ev_id]["rate_ratio"] == pytest.approx(res.rate_ratio, rel=1e-12)
        assert by_id[ev_id]["crosses"] == ((res.pvalue < 0.05) != (inf.pvalue < 0.05))
    w = window_weights(timeline.event_bins, timeline.n_bins, (-3, -1))
    months = timeline.times().astype("datetime64[M]")
    x = detrended(timeline.claims, 28)
    for row in inf.months.iter_rows(named=True):
        keep = months != np.datetime64(row["month"], "M")
        res = circular_shift_test(counts=x * keep, weights=w)
        assert row["pvalue"] == res.pvalue
        assert row["rate_ratio"] == pytest.approx(
            rate_ratio(timeline.claims[keep], w[keep]), rel=1e-12
        )
    changes = np.abs(inf.events.filter(~pl.col("crosses"))["change"].to_numpy())
    assert np.all(np.diff(changes) <= 1e-15)  # largest changes first


def test_apportion_is_proportional_and_exact() -> None:
    counts = np.array([0.0, 5.0, 1.0, 3.0, 1.0])
    for k in range(0, 11):
        out = apportion(k, counts)
        assert out.sum() == k and out[0] == 0
        assert np.all(out <= counts) and np.all(np.abs(out - k * counts / 10) < 1)
    assert apportion(3, np.zeros(4)).sum() == 3


@pytest.mark.parametrize("plant", [0, 1])
def test_tipping_point_is_at_the_boundary(plant: int) -> None:
    t = make_timeline(3, plant=plant)
    tip = tipping_point(t, (-3, -1), detrend=28)
    w = window_weights(t.event_bins, t.n_bins, (-3, -1))
    inside = w > 0

    def p_after(k: int, where: np.ndarray, action: str) -> float:
        c = t.claims.copy()
        c[where] += (1 if action == "added" else -1) * apportion(k, t.claims[where])
        return circular_shift_test(counts=c, weights=w, detrend=28).pvalue

    assert tip.significant == (tip.pvalue < 0.05) == bool(plant)
    for n, where, action in (
        (tip.n_outside, ~inside, tip.outside_action),
        (tip.n_inside, inside, tip.inside_action),
    ):
        assert n is not None and n > 0
        assert (p_after(n, where, action) < 0.05) != tip.significant
        assert (p_after(n - 1, where, action) < 0.05) == tip.significant
    assert tip.outside_action == ("added" if plant else "removed")
    assert "would make it" in tip.sentence()


def test_robustness_result_reading_and_json(timeline: Timeline) -> None:
    res = robustness(timeline, windows=(1, 3), detrends=(0,))
    assert res.curve.specs.filter(pl.col("primary")).height == 1
    assert "specifications" in res.reading and "would make it" in res.reading
    data = json.loads(json.dumps(res.to_dict()))
    assert set(data) >= {"reading", "curve", "influence", "tipping"}
    assert len(data["curve"]["specs"]) == res.curve.n_specs
    assert data["tipping"]["n_inside"] == res.tipping.n_inside


def test_input_errors(timeline: Timeline) -> None:
    with pytest.raises(TimingInputError, match="period 'middle'"):
        specification_curve(timeline, periods=("middle",))
    with pytest.raises(TimingInputError, match="alpha"):
        tipping_point(timeline, alpha=1.5)
    with pytest.raises(TimingInputError, match="no shift"):
        specification_curve(timeline, windows=(300,))
