"""Tests of timing.stats.scan against circular_shift_test, statsmodels/scipy and simulation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import false_discovery_control
from statsmodels.stats.multitest import multipletests

from timing.errors import TimingInputError
from timing.stats._common import rate_ratio
from timing.stats.circular import (
    admissible_shifts,
    circular_cross_correlation,
    circular_shift_test,
)
from timing.stats.scan import _adjust, next_event_distance, scan
from timing.timeline import anticipation_weights, build_timeline, window_weights

ORIGIN = dt.date(2022, 1, 1)


def _dates(bins: np.ndarray) -> list[dt.date]:
    return [ORIGIN + dt.timedelta(days=int(b)) for b in bins]


def make_data(
    seed: int,
    n_days: int = 500,
    n_events: int = 24,
    plant: int = 0,
    plant_window: int = 3,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Bursty claims by actors A (capture, strike) and B (strike only); talks and calls.

    With ``plant > 0``, actor A adds ``plant`` capture claims on each of the
    ``plant_window`` days before every talks event.
    """
    rng = np.random.default_rng(seed)
    ev = np.sort(rng.choice(np.arange(40, n_days), n_events, replace=False))
    ev_kind = np.where(np.arange(n_events) % 2 == 0, "talks", "call")
    announced = ev - rng.integers(0, 12, n_events)
    parts = []
    for actor, kind, mean in [("A", "capture", 0.6), ("A", "strike", 0.8), ("B", "strike", 0.5)]:
        # negative binomial (gamma-Poisson) counts with a slowly varying rate: bursty
        rate = mean * np.exp(np.convolve(rng.normal(0, 0.6, n_days), np.ones(15) / 15, "same"))
        counts = rng.poisson(rate * rng.gamma(1.0, 1.0, n_days))
        if plant and actor == "A" and kind == "capture":
            for e in ev[ev_kind == "talks"]:
                counts[max(e - plant_window, 0) : e] += plant
        bins = np.repeat(np.arange(n_days), counts)
        parts.append(pl.DataFrame({"date": _dates(bins), "actor": actor, "kind": kind}))
    claims = (
        pl.concat(parts)
        .with_row_index("i")
        .with_columns(pl.format("c{}", pl.col("i")).alias("claim_id"))
        .drop("i")
    )
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n_events)],
            "date": _dates(ev),
            "kind": ev_kind.tolist(),
            "announced_date": _dates(np.maximum(announced, 0)),
        }
    )
    return claims, events


def _cell(res, window, actor, ck, ek, variant="window"):
    f = res.cells.filter(
        (pl.col("actor") == actor)
        & (pl.col("claim_kind") == ck)
        & (pl.col("event_kind") == ek)
        & (pl.col("variant") == variant)
    )
    f = f.filter(pl.col("window").is_null() if window is None else pl.col("window") == window)
    assert f.height == 1
    return f.row(0, named=True)


@pytest.mark.parametrize(
    ("window", "actor", "ck", "ek"),
    [
        (5, "A", "capture", "talks"),
        (12, "all", "all", "all"),
        (1, "B", "all", "call"),
        (30, "A", "strike", "all"),
        (None, "A", "all", "talks"),
    ],
)
def test_cell_equals_circular_shift_test_on_filtered_timeline(window, actor, ck, ek):
    claims, events = make_data(0)
    res = scan(claims, events, windows=range(1, 31))
    full = build_timeline(claims, events)
    tl = build_timeline(
        claims,
        events,
        start=full.start,
        end=full.end,
        actors=None if actor == "all" else [actor],
        claim_kinds=None if ck == "all" else [ck],
        event_kinds=None if ek == "all" else [ek],
    )
    ref = circular_shift_test(
        tl, (-(window or 1), -1), anticipation=window is None, min_shift=res.min_shift
    )
    row = _cell(res, window, actor, ck, ek, "anticipation" if window is None else "window")
    assert row["pvalue"] == ref.pvalue
    assert row["statistic"] == ref.statistic
    assert row["expected"] == pytest.approx(ref.expected, rel=1e-12)
    assert row["rate_ratio"] == pytest.approx(ref.rate_ratio, rel=1e-12)
    assert res.n_shifts == ref.n_shifts
    assert row["n_claims"] == tl.claims_frame.height
    assert row["n_events"] == tl.n_events


def test_next_event_distance_gives_union_windows():
    rng = np.random.default_rng(3)
    ev = np.sort(rng.choice(300, 20, replace=False))
    d = next_event_distance(ev, 300)
    for w in (1, 4, 17):
        assert np.array_equal((d <= w).astype(np.int64), window_weights(ev, 300, (-w, -1)))


def test_qvalues_equal_statsmodels_and_scipy():
    claims, events = make_data(1, plant=1)
    res = scan(claims, events, windows=range(1, 16))
    p = res.cells["pvalue"].to_numpy()
    q_bh, q_by = res.cells["q_bh"].to_numpy(), res.cells["q_by"].to_numpy()
    np.testing.assert_allclose(q_bh, multipletests(p, method="fdr_bh")[1], rtol=1e-12)
    np.testing.assert_allclose(q_by, multipletests(p, method="fdr_by")[1], rtol=1e-12)
    np.testing.assert_allclose(q_bh, false_discovery_control(p, method="bh"), rtol=1e-12)
    np.testing.assert_allclose(q_by, false_discovery_control(p, method="by"), rtol=1e-12)
    assert res.n_discoveries_bh == int((q_bh <= 0.05).sum())


def test_fwer_equals_brute_force_max_statistic():
    claims, events = make_data(2, n_days=300, n_events=14)
    res = scan(claims, events, windows=[2, 5, 9], anticipation=True)
    full = build_timeline(claims, events)
    zs, z_null = [], []
    for row in res.cells.iter_rows(named=True):
        tl = build_timeline(
            claims,
            events,
            start=full.start,
            end=full.end,
            actors=None if row["actor"] == "all" else [row["actor"]],
            claim_kinds=None if row["claim_kind"] == "all" else [row["claim_kind"]],
            event_kinds=None if row["event_kind"] == "all" else [row["event_kind"]],
        )
        w = row["window"]
        ref = circular_shift_test(
            tl, (-(w or 1), -1), anticipation=w is None, min_shift=res.min_shift
        )
        mu, sd = ref.null_distribution.mean(), ref.null_distribution.std()
        sd = sd if sd > 0 else 1.0
        zs.append((ref.statistic - mu) / sd)
        z_null.append((ref.null_distribution - mu) / sd)
    m = np.max(np.stack(z_null), axis=0)
    brute = [(1 + np.sum(m >= z - 1e-9)) / (1 + m.size) for z in zs]
    np.testing.assert_allclose(res.cells["p_fwer"].to_numpy(), brute, rtol=1e-12)
    assert np.all(res.cells["p_fwer"].to_numpy() >= res.cells["pvalue"].to_numpy())


def test_cells_skipped_and_counted():
    claims, events = make_data(4)
    windows = [3, 7]
    res = scan(claims, events, windows=windows)
    # actors {all, A, B} x kinds {all, capture, strike} x events {all, talks, call} x 3 rows
    assert res.n_cells == 3 * 3 * 3 * (len(windows) + 1)
    # B never claims captures: its 3 event calendars x 3 rows are skipped
    assert res.skipped == {"no claims": 9}
    assert res.n_tested + res.n_skipped == res.n_cells == res.cells.height + 9
    # one actor and one event kind only: those dimensions collapse to "all"
    res1 = scan(
        claims.filter(pl.col("actor") == "A"),
        events.filter(pl.col("kind") == "talks"),
        windows=windows,
        anticipation=False,
    )
    assert set(res1.cells["actor"]) == {"all"} and set(res1.cells["event_kind"]) == {"all"}
    assert res1.n_cells == 3 * 2


def test_progress_and_to_dict():
    claims, events = make_data(5)
    seen: list[tuple[int, int]] = []
    res = scan(claims, events, windows=[1, 2], progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, res.n_cells) and seen[-1] == (res.n_cells, res.n_cells)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    out = res.to_dict()
    assert len(out["cells"]) == res.n_tested and "cells" not in res.to_dict(full=False)
    assert "Discoveries" in res.summary()


def test_bad_input():
    claims, events = make_data(6)
    with pytest.raises(TimingInputError, match="windows"):
        scan(claims, events, windows=[0, 3])
    with pytest.raises(TimingInputError, match="alpha"):
        scan(claims, events, alpha=1.5)
    with pytest.raises(TimingInputError, match="nothing to scan"):
        scan(claims, events, windows=[], anticipation=False)


@pytest.mark.slow
def test_fdr_controlled_under_null_by_simulation():
    """200 null data sets, 81 cells each: mean false discovery proportion at q <= 0.1."""
    fdp_bh, fdp_by, any_fwer = [], [], []
    for seed in range(200):
        claims, events = make_data(1000 + seed, n_days=400, n_events=16)
        res = scan(claims, events, windows=[1, 3, 7, 14], anticipation=True)
        # every cell is null: any discovery is false, so FDP = 1 if any else 0
        fdp_bh.append(float((res.cells["q_bh"] <= 0.1).any()))
        fdp_by.append(float((res.cells["q_by"] <= 0.1).any()))
        any_fwer.append(float((res.cells["p_fwer"] <= 0.1).any()))
    print(
        f"null FDR at q<=0.1: BH {np.mean(fdp_bh):.3f}, BY {np.mean(fdp_by):.3f}; "
        f"FWER at 0.1 by max-statistic {np.mean(any_fwer):.3f}"
    )
    assert np.mean(fdp_bh) <= 0.1 + 0.03  # 200 runs: 2 standard errors of 0.1 is 0.042
    assert np.mean(fdp_by) <= np.mean(fdp_bh)
    assert np.mean(any_fwer) <= 0.1 + 0.03


def test_planted_cell_is_found():
    claims, events = make_data(7, plant=1, plant_window=3)
    res = scan(claims, events, windows=range(1, 31))
    planted = _cell(res, 3, "A", "capture", "talks")
    assert planted["q_bh"] <= 0.05 and planted["p_fwer"] <= 0.05
    assert planted["rate_ratio"] > 1.5
    top = res.top(1).row(0, named=True)
    # only A claims captures, so ("all", "capture") is the same claim series
    assert top["actor"] in ("A", "all")
    assert (top["claim_kind"], top["event_kind"]) == ("capture", "talks")
    # a calendar unrelated to the plant stays quiet after correction
    calls = res.cells.filter((pl.col("event_kind") == "call") & (pl.col("actor") == "B"))
    assert calls["p_fwer"].min() > 0.05


def _reference_cells(claims, events, windows, anticipation, start, end):
    """The scan's cells as the string-compare loop of commit e1ebb1b computed them: one
    boolean mask per actor x kind, the weights' FFT redone for every series, rate_ratio per
    cell. Returns the records and the (z_obs, max_null) of the max-statistic FWER."""
    tl = build_timeline(claims, events, start=start, end=end)
    n_bins, ws = tl.n_bins, sorted(windows)
    shifts = admissible_shifts(n_bins, max([*ws, 7 if anticipation else 1]))
    cf, ef = tl.claims_frame, tl.events_frame

    def levels(frame, col):
        values = sorted(str(v) for v in frame[col].drop_nulls().unique().to_list())
        return ["all", *values] if len(values) > 1 else ["all"]

    rows_w, meta = [], []
    for ek in levels(ef, "kind"):
        sel = np.ones(ef.height, bool) if ek == "all" else ef["kind"].to_numpy() == ek
        bins, ann = tl.event_bins[sel], tl.announced_bins[sel]
        for w in ws:
            mask = window_weights(bins, n_bins, (-w, -1))
            if mask.any():
                rows_w.append(mask)
                meta.append((w, ek, "window", int(sel.sum())))
        aw = anticipation_weights(bins, ann, n_bins)
        if anticipation and aw.any():
            rows_w.append(aw)
            meta.append((None, ek, "anticipation", int(sel.sum())))
    weights = np.stack(rows_w)
    recs, z_obs, max_null = [], [], np.full(shifts.size, -np.inf)
    cl_actor, cl_kind, cbins = cf["actor"].to_numpy(), cf["kind"].to_numpy(), cf["bin"].to_numpy()
    for actor in levels(cf, "actor"):
        for ck in levels(cf, "kind"):
            sel = np.ones(cf.height, bool)
            if actor != "all":
                sel &= cl_actor == actor
            if ck != "all":
                sel &= cl_kind == ck
            if not sel.any():
                continue
            counts = np.bincount(cbins[sel], minlength=n_bins).astype(np.float64)
            stats = circular_cross_correlation(counts, weights)
            obs, null = stats[:, 0], stats[:, shifts]
            n_ge = np.count_nonzero(null >= (obs - 1e-12 * np.maximum(1, abs(obs)))[:, None], 1)
            mean, sd = null.mean(axis=1), null.std(axis=1)
            sd = np.where(sd > 0, sd, 1.0)
            z_obs.append((obs - mean) / sd)
            np.maximum(max_null, ((null - mean[:, None]) / sd[:, None]).max(axis=0), out=max_null)
            for i, (w, ek, variant, n_ev) in enumerate(meta):
                recs.append(
                    (
                        w,
                        actor,
                        ck,
                        ek,
                        variant,
                        float(obs[i]),
                        float(mean[i]),
                        rate_ratio(counts, weights[i]),
                        (1 + n_ge[i]) / (1 + shifts.size),
                        int(sel.sum()),
                        n_ev,
                    )
                )
    return recs, z_obs, max_null


@pytest.mark.parametrize(
    ("n_days", "windows", "anticipation"), [(503, [1, 4, 9], True), (480, [2, 6], False)]
)
def test_scan_identical_to_string_compare_reference(n_days, windows, anticipation):
    """Integer codes, one weights FFT, vectorised rate ratios: the same cells to the bit."""
    claims, events = make_data(8, n_days=n_days, n_events=20)
    extra = pl.DataFrame(
        {
            "date": _dates([5, 40, 41, 300]),
            "actor": ["C", None, "C", None],
            "kind": ["capture", "strike", None, "other"],
            "claim_id": ["x1", "x2", "x3", "x4"],
        }
    )
    claims = pl.concat([claims, extra], how="diagonal")
    start, end = ORIGIN, ORIGIN + dt.timedelta(days=n_days - 1)  # 503: prime, padded FFT
    res = scan(claims, events, windows=windows, anticipation=anticipation, start=start, end=end)
    recs, z_obs, max_null = _reference_cells(claims, events, windows, anticipation, start, end)
    names = (
        "window",
        "actor",
        "claim_kind",
        "event_kind",
        "variant",
        "statistic",
        "expected",
        "rate_ratio",
        "pvalue",
        "n_claims",
        "n_events",
    )
    got = res.cells.select(names).rows()
    assert len(got) == len(recs) == res.n_tested
    for row, ref in zip(got, recs, strict=True):
        assert row[:5] == ref[:5]
        np.testing.assert_array_equal(np.array(row[5:], float), np.array(ref[5:], float))
    q_bh, q_by, p_fwer = _adjust(np.array([r[8] for r in recs]), z_obs, max_null)
    assert np.array_equal(res.cells["q_bh"].to_numpy(), q_bh)
    assert np.array_equal(res.cells["q_by"].to_numpy(), q_by)
    assert np.array_equal(res.cells["p_fwer"].to_numpy(), p_fwer)


def test_cli_scan_at_minute_resolution(tmp_path):
    """`timing scan --resolution minute`: minute windows; dates without times refused."""
    import json

    from typer.testing import CliRunner

    from tests.conftest import CLAIMS_ROWS, EVENTS_ROWS, write_table
    from timing.cli import app

    rng = np.random.default_rng(6)
    origin = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    minutes = np.sort(rng.integers(0, 9 * 1440, 400))
    stamps = [f"{origin + dt.timedelta(minutes=int(m)):%Y-%m-%dT%H:%MZ}" for m in minutes]
    rows = [{**CLAIMS_ROWS[0], "claim_id": f"m{i}", "date": d} for i, d in enumerate(stamps)]
    claims = write_table(rows, tmp_path / "claims.csv")
    events = write_table(EVENTS_ROWS, tmp_path / "events.csv")
    args = ["scan", "--claims", str(claims), "--events", str(events), "--windows", "1:90"]
    out = CliRunner().invoke(app, [*args, "--resolution", "minute", "--json"])
    assert out.exit_code == 0, out.output
    res = json.loads(out.stdout)
    assert res["resolution"] == "minute" and res["n_bins"] % 1440 == 0
    assert max(c["window"] or 0 for c in res["cells"]) == 90
    dates = write_table([r for r in CLAIMS_ROWS if "T" not in r["date"]], tmp_path / "d.csv")
    bad = CliRunner().invoke(
        app, ["scan", "--claims", str(dates), "--events", str(events), "--resolution", "minute"]
    )
    assert bad.exit_code == 2 and "are at 00:00 UTC" in bad.output
    assert CliRunner().invoke(app, [*args, "--resolution", "second"]).exit_code == 2
