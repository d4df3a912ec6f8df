"""Tests of timing.stats.premature: closed forms, brute force and seeded simulations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from timing.errors import TimingInputError
from timing.stats._common import monte_carlo_pvalue
from timing.stats.circular import admissible_shifts
from timing.stats.premature import classify_claims, premature_claims
from timing.timeline import Timeline, build_timeline, window_weights

ORIGIN = dt.date(2023, 1, 1)


def _dates(bins) -> list[dt.date]:
    return [ORIGIN + dt.timedelta(days=int(b)) for b in bins]


def simulate(
    seed: int,
    *,
    n_days: int = 730,
    n_claims: int = 600,
    n_events: int = 28,
    p_base: float = 0.3,
    p_window: float | None = None,
    window: int = 7,
    unknown: float = 0.2,
    regime: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Claims with a status; premature with ``p_window`` in the windows (planted effect).

    ``regime=True`` makes prematurity autocorrelated in time (slow swings of the
    premature probability) while independent of the event calendar: a harder null.
    """
    rng = np.random.default_rng(seed)
    ev = np.sort(rng.choice(np.arange(10, n_days), n_events, replace=False))
    bins = np.sort(rng.integers(0, n_days, n_claims))
    in_win = window_weights(ev, n_days, (-window, -1))[bins] > 0
    p = np.full(n_claims, p_base)
    if regime:
        swing = np.convolve(rng.normal(0, 1.0, n_days), np.ones(60) / np.sqrt(60), "same")
        p = 1 / (1 + np.exp(-(np.log(p_base / (1 - p_base)) + swing[bins])))
    if p_window is not None:
        p = np.where(in_win, p_window, p)
    prem = rng.random(n_claims) < p
    # premature claims: contested, refuted or confirmed late; others confirmed the same day
    how = rng.choice(["contested", "refuted", "late"], n_claims)
    status = np.where(prem, np.where(how == "late", "confirmed", how), "confirmed")
    lag = np.where(prem & (how == "late"), rng.integers(1, 20, n_claims), 0)
    verified = [ORIGIN + dt.timedelta(days=int(b + g)) for b, g in zip(bins, lag, strict=True)]
    hidden = rng.random(n_claims) < unknown
    status = np.where(hidden, np.where(rng.random(n_claims) < 0.5, "unverified", ""), status)
    claims = pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(n_claims)],
            "date": _dates(bins),
            "actor": rng.choice(["A", "B"], n_claims).tolist(),
            "kind": rng.choice(["capture", "strike"], n_claims).tolist(),
            "status": [s or None for s in status.tolist()],
            "verified_date": verified,
        }
    )
    events = pl.DataFrame(
        {"event_id": [f"e{i}" for i in range(n_events)], "date": _dates(ev), "kind": "talks"}
    )
    return claims, events


def test_classification_by_hand():
    claims = pl.DataFrame(
        {
            "claim_id": list("abcdefg"),
            "date": _dates([0, 1, 2, 3, 4, 5, 9]),
            "actor": "A",
            "kind": "capture",
            "status": [
                "contested",
                "refuted",
                "confirmed",
                "confirmed",
                "confirmed",
                "unverified",
                None,
            ],
            "verified_date": [None, None, *_dates([2, 10]), None, None, None],
        }
    )
    events = pl.DataFrame({"event_id": ["e"], "date": _dates([6]), "kind": "talks"})
    pc = classify_claims(build_timeline(claims, events))
    assert pc["premature"].to_list() == [True, True, False, True, None, None, None]
    assert pc["refuted"].to_list() == [False, True, False, False, False, False, False]
    assert pc["verification_lag_days"].to_list() == [None, None, 0.0, 7.0, None, None, None]
    assert pc["days_to_next_event"].to_list() == [6.0, 5.0, 4.0, 3.0, 2.0, 1.0, None]


def test_unknown_counts_add_up():
    claims, events = simulate(0, unknown=0.3)
    res = premature_claims(build_timeline(claims, events), window=7, n_shifts=99, seed=0)
    truth_unknown = claims.filter(
        pl.col("status").is_null() | (pl.col("status") == "unverified")
    ).height
    assert res.n_unknown == truth_unknown
    assert res.n_used + res.n_unknown == res.n_total == claims.height
    for side in ("all_premature", "none_premature"):
        assert res.sensitivity[side]["n_used"] == res.n_total
    assert res.sensitivity["all_premature"]["n_premature"] == res.n_premature + res.n_unknown
    assert res.sensitivity["none_premature"]["n_premature"] == res.n_premature
    assert res.per_claim.height == res.n_total
    out = res.to_dict()
    assert "per_claim" not in out and out["n_unknown"] == res.n_unknown
    assert len(res.to_dict(full=True)["per_claim"]) == res.n_total


def test_odds_ratio_equals_two_by_two_closed_form():
    """A logit on one binary regressor gives the cross-product OR and Woolf's interval."""
    claims, events = simulate(1, p_window=0.5)
    tl = build_timeline(claims, events)
    res = premature_claims(tl, window=7, trend=False, controls=False, n_shifts=19, seed=1)
    pc = res.per_claim.filter(pl.col("premature").is_not_null())
    y, w = pc["premature"].to_numpy(), pc["in_window"].to_numpy()
    a, b = np.sum(y & w), np.sum(~y & w)
    c, d = np.sum(y & ~w), np.sum(~y & ~w)
    odds_ratio = a * d / (b * c)
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert res.effect == pytest.approx(odds_ratio, rel=1e-6)
    assert res.ci_low == pytest.approx(odds_ratio * np.exp(-1.959964 * se), rel=1e-5)
    assert res.ci_high == pytest.approx(odds_ratio * np.exp(1.959964 * se), rel=1e-5)
    assert res.statistic == pytest.approx(a / (a + b) - c / (c + d))


def test_permutation_pvalue_equals_brute_force_roll():
    claims, events = simulate(2, n_days=200, n_claims=150, n_events=8)
    tl = build_timeline(claims, events)
    res = premature_claims(tl, window=5)
    pc = res.per_claim.filter(pl.col("premature").is_not_null())
    y, bins = pc["premature"].to_numpy(), pc["bin"].to_numpy()
    m = window_weights(tl.event_bins, tl.n_bins, (-5, -1))
    null = []
    for s in range(1, tl.n_bins):
        if min(s, tl.n_bins - s) < 5:
            continue
        w = np.roll(m, s)[bins] > 0
        if w.any() and (~w).any():
            null.append(y[w].mean() - y[~w].mean())
    obs = y[m[bins] > 0].mean() - y[m[bins] == 0].mean()
    assert res.n_shifts == len(null)
    expected_p = (1 + np.sum(np.array(null) >= obs - 1e-12)) / (1 + len(null))
    assert res.pvalue == pytest.approx(expected_p)


def test_planted_premature_before_talks_is_recovered():
    claims, events = simulate(3, p_base=0.3, p_window=0.6)
    res = premature_claims(build_timeline(claims, events), window=7, n_shifts=199, seed=3)
    assert res.pvalue <= 0.01
    assert res.effect > 1 and res.ci_low > 1
    assert res.share_in > res.share_out
    assert "odds ratio" in res.summary()


def _fast_timeline(claims: pl.DataFrame, events: pl.DataFrame, n_days: int) -> Timeline:
    cf = claims.with_columns((pl.col("date") - pl.lit(ORIGIN)).dt.total_days().alias("bin"))
    ev = (events["date"] - ORIGIN).dt.total_days().to_numpy()
    return Timeline(
        start=ORIGIN,
        resolution="day",
        claims=np.bincount(cf["bin"].to_numpy(), minlength=n_days).astype(float),
        event_bins=ev,
        event_end_bins=ev,
        announced_bins=np.full(ev.size, -1),
        claims_frame=cf,
        events_frame=events,
        excluded={"claims": {}, "events": {}},
    )


@pytest.mark.slow
def test_false_positive_rate_under_autocorrelated_null():
    """200 seeded nulls with prematurity drifting in time: circular-shift FPR near 5 %."""
    rejections, wald = [], []
    for seed in range(200):
        claims, events = simulate(100 + seed, n_claims=300, regime=True)
        res = premature_claims(
            _fast_timeline(claims, events, 730), window=7, n_shifts=99, seed=seed, controls=False
        )
        rejections.append(res.pvalue <= 0.05)
        wald.append(res.logit_pvalue / 2 <= 0.05 and res.effect > 1)
    fpr = float(np.mean(rejections))
    print(
        f"premature null FPR at 0.05: circular shift {fpr:.3f}, one-sided Wald {np.mean(wald):.3f}"
    )
    assert 0.01 <= fpr <= 0.09  # 200 runs: 5 % +- 2.5 standard errors


def test_bad_input():
    claims, events = simulate(4)
    tl = build_timeline(claims.with_columns(pl.lit(None, pl.String).alias("status")), events)
    with pytest.raises(TimingInputError, match="status"):
        premature_claims(tl)
    with pytest.raises(TimingInputError, match="window"):
        premature_claims(build_timeline(claims, events), window=0)


def test_disputed_outcome_contrasts_contested_with_confirmed() -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(0, 200, 2)]
    # Every claim is confirmed later (so all are "premature"), except that the ones right
    # before an event are contested: only the disputed outcome can tell them apart.
    events = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(11, 200, 20)]
    near = {e - dt.timedelta(days=k) for e in events for k in (1, 2, 3)}
    status = ["contested" if d in near else "confirmed" for d in days]
    claims = pl.DataFrame(
        {
            "claim_id": [str(i) for i in range(len(days))],
            "date": days,
            "actor": "A",
            "kind": "capture",
            "status": status,
            "verified_date": [d + dt.timedelta(days=5) for d in days],
        }
    )
    events_df = pl.DataFrame(
        {"event_id": [f"e{i}" for i in range(len(events))], "kind": "talks", "date": events}
    )
    timeline = build_timeline(claims, events_df)
    per_claim = classify_claims(timeline)
    assert per_claim["premature"].all()
    assert per_claim["disputed"].to_list() == [s == "contested" for s in status]
    res = premature_claims(timeline, window=3, outcome="disputed", seed=0)
    assert res.outcome == "disputed" and res.share_in == 1.0 and res.share_out == 0.0
    assert res.pvalue < 0.05
    assert "were disputed" in res.summary()
    with pytest.raises(TimingInputError):
        premature_claims(timeline, window=3, outcome="false")


# --- Reference: the per-claim implementation of premature_claims as of commit e1ebb1b ----------
# (one row per claim, a shifts x claims matrix for the null, sm.Logit on claims). Kept here
# verbatim in substance so that the per-bin / per-group implementation is held to it.


def _ref_logit(y: np.ndarray, x: np.ndarray) -> tuple[float, float, float, float]:
    import warnings

    import statsmodels.api as sm

    nan = (np.nan, np.nan, np.nan, np.nan)
    if y.min() == y.max() or x[:, 1].min() == x[:, 1].max():
        return nan
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(y, x).fit(disp=0, maxiter=200)
    except (np.linalg.LinAlgError, ValueError, RuntimeError):
        return nan
    beta, se = float(fit.params[1]), float(fit.bse[1])
    if not (np.isfinite(beta) and np.isfinite(se)) or se > 50:
        return nan
    z = 1.959963984540054
    return (
        float(np.exp(beta)),
        float(np.exp(beta - z * se)),
        float(np.exp(beta + z * se)),
        float(fit.pvalues[1]),
    )


def _ref_design(in_win, bins, n_bins, groups, trend):
    cols, names = [np.ones(in_win.shape[0]), in_win.astype(np.float64)], ["const", "in_window"]
    if trend:
        cols.append(bins / max(n_bins - 1, 1))
        names.append("trend")
    for label, values in groups.items():
        levels = sorted(set(values.tolist()))
        for level in levels[1:]:
            cols.append((values == level).astype(np.float64))
            names.append(f"{label}={level}")
    return np.column_stack(cols), names


def _ref_share_diff(y, in_win):
    n_in = in_win.sum(axis=-1)
    n_out = in_win.shape[-1] - n_in
    p_in = in_win @ y
    with np.errstate(invalid="ignore", divide="ignore"):
        return p_in / n_in - (y.sum() - p_in) / n_out


def _ref_analyse(y, bins, groups, weights, shifts, trend, alternative):
    n_bins = weights.shape[0]
    in_win = weights[bins] > 0
    observed = float(_ref_share_diff(y, in_win[None, :].astype(np.float64))[0])
    shifted = weights[(bins[None, :] - shifts[:, None]) % n_bins] > 0
    null = _ref_share_diff(y, shifted.astype(np.float64))
    null = null[np.isfinite(null)]
    pvalue = monte_carlo_pvalue(observed, null, alternative) if np.isfinite(observed) else np.nan
    x, names = _ref_design(in_win, bins, n_bins, groups, trend)
    effect, lo, hi, logit_p = _ref_logit(y, x)
    return {
        "statistic": observed,
        "pvalue": float(pvalue),
        "effect": effect,
        "ci_low": lo,
        "ci_high": hi,
        "logit_pvalue": logit_p,
        "n_used": int(y.size),
        "n_premature": int(y.sum()),
        "n_in_window": int(in_win.sum()),
        "share_in": float(y[in_win].mean()) if in_win.any() else np.nan,
        "share_out": float(y[~in_win].mean()) if (~in_win).any() else np.nan,
        "n_shifts": int(null.size),
        "covariates": tuple(names[1:]),
        "null": null,
    }


def _reference(
    timeline,
    window=7,
    *,
    n_shifts=None,
    min_shift=None,
    trend=True,
    controls=True,
    alternative="greater",
    seed=None,
    outcome="premature",
):
    """Main analysis and sensitivity dicts as the per-claim implementation computed them."""
    per_claim = classify_claims(timeline)
    known = per_claim[outcome].is_not_null().to_numpy()
    n_bins = timeline.n_bins
    shifts = admissible_shifts(n_bins, window if min_shift is None else int(min_shift))
    if n_shifts is not None and n_shifts < shifts.size:
        rng = np.random.default_rng(seed)
        shifts = np.sort(rng.choice(shifts, size=n_shifts, replace=False))
    weights = window_weights(timeline.event_bins, n_bins, (-window, -1))
    bins = per_claim["bin"].to_numpy().astype(np.int64)
    y_all = per_claim[outcome].cast(pl.Float64).to_numpy()
    groups = {
        c: per_claim[c].cast(pl.String).fill_null("?").to_numpy()
        for c in ("actor", "kind")
        if controls and c in per_claim.columns
    }

    def run(y, keep):
        sub = {k: v[keep] for k, v in groups.items()}
        return _ref_analyse(y[keep], bins[keep], sub, weights, shifts, trend, alternative)

    main = run(y_all, known)
    sens = {}
    for name, fill in (("all_premature", 1.0), ("none_premature", 0.0)):
        res = run(np.where(known, y_all, fill), np.ones_like(known))
        res.pop("null")
        res.pop("covariates")
        sens[name] = res
    return main, sens


_EXACT = (
    "statistic",
    "pvalue",
    "n_used",
    "n_premature",
    "n_in_window",
    "share_in",
    "share_out",
    "n_shifts",
)
_FITTED = ("effect", "ci_low", "ci_high", "logit_pvalue")


def _assert_same(new: dict, ref: dict) -> None:
    for key in _EXACT:
        assert new[key] == ref[key] or (np.isnan(new[key]) and np.isnan(ref[key])), key
    for key in _FITTED:
        if np.isnan(ref[key]):
            assert np.isnan(new[key]), key
        else:
            assert new[key] == pytest.approx(ref[key], rel=1e-10, abs=1e-14), key


@pytest.mark.parametrize(
    ("seed", "kwargs"),
    [
        (20, {}),
        (21, {"trend": False}),
        (22, {"controls": False, "alternative": "two-sided"}),
        (23, {"outcome": "disputed", "window": 3}),
        (24, {"n_shifts": 50, "seed": 4, "alternative": "less"}),
        (25, {"min_shift": 20, "window": 5}),
    ],
)
def test_grouped_implementation_equals_per_claim_reference(seed, kwargs):
    """Per-bin counts + grouped GLM give the per-claim results (estimates, CI, p) to 1e-10."""
    claims, events = simulate(seed, p_base=0.3, p_window=0.45, unknown=0.25)
    claims = claims.with_columns(  # three actors, one with null actor, two kinds
        pl.when(pl.int_range(pl.len()) % 7 == 0)
        .then(pl.lit("C"))
        .otherwise(pl.col("actor"))
        .alias("actor")
    ).with_columns(
        pl.when(pl.int_range(pl.len()) % 11 == 0)
        .then(None)
        .otherwise(pl.col("actor"))
        .alias("actor")
    )
    tl = build_timeline(claims, events)
    res = premature_claims(tl, **kwargs)
    main, sens = _reference(tl, **kwargs)
    new = {k: getattr(res, k) for k in (*_EXACT, *_FITTED)}
    _assert_same(new, main)
    assert np.array_equal(res.null_distribution, main["null"])
    assert res.covariates == main["covariates"]
    for side in ("all_premature", "none_premature"):
        _assert_same(res.sensitivity[side], sens[side])
        assert set(res.sensitivity[side]) == set(sens[side])


def test_grouped_logit_not_estimable_where_per_claim_was_not():
    """Collinear covariates (actor = kind) and perfect separation give nan, as before."""
    claims, events = simulate(30, n_claims=300)
    claims = claims.with_columns(
        pl.col("actor").replace({"A": "capture", "B": "strike"}).alias("kind")
    )
    tl = build_timeline(claims, events)
    res = premature_claims(tl, window=7)
    main, _ = _reference(tl, window=7)
    assert np.isnan(main["effect"]) and np.isnan(res.effect)
    assert res.pvalue == main["pvalue"]
    # every claim in a window premature, none outside: separation, the odds ratio is infinite
    m = window_weights(tl.event_bins, tl.n_bins, (-7, -1))
    inside = pl.Series(m[tl.claims_frame["bin"].to_numpy()] > 0)
    sep = claims.sort("date").with_columns(
        status=pl.when(inside).then(pl.lit("contested")).otherwise(pl.lit("confirmed")),
        verified_date=pl.col("date"),
    )
    tl2 = build_timeline(sep, events)
    res2 = premature_claims(tl2, window=7, controls=False, trend=False)
    main2, _ = _reference(tl2, window=7, controls=False, trend=False)
    assert np.isnan(main2["effect"]) and np.isnan(res2.effect)
    assert res2.share_in == 1.0 and res2.share_out == 0.0
