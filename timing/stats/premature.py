"""Premature claims: are claims made shortly before events more often premature?

A claim is *premature* when it was made before independent confirmation: its status is
``contested`` or ``refuted``, or it was ``confirmed`` only after the day it was made. The
question is whether prematurity is more likely for claims made in the ``w`` bins before an
event than for other claims, judged by a logistic regression (odds ratio) and by a
circular-shift randomization of the event calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

from timing._shifts import Correlator, admissible_shifts
from timing.claim_counts import claim_weights, n_claims
from timing.errors import TimingInputError
from timing.stats._common import Alternative, monte_carlo_pvalue, plain, result_dict
from timing.stats._grouped_logit import covariate_groups, design, grouped_logit
from timing.stats.base import ResultDisplay
from timing.timeline import bins_to_next_event, window_weights

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["PrematureResult", "classify_claims", "premature_claims"]

_KNOWN = ("confirmed", "contested", "refuted")


@dataclass(frozen=True, slots=True)
class PrematureResult(ResultDisplay):
    """Result of :func:`premature_claims`.

    Attributes
    ----------
    method : str
        Human name.
    statistic : float
        Share of premature claims inside the windows minus the share outside.
    pvalue : float
        Circular-shift randomization p of ``statistic``.
    effect, ci_low, ci_high : float
        Odds ratio of ``in_window`` in the logistic regression, with its Wald interval.
    logit_pvalue : float
        The regression's Wald p (assumes independent claims: a reference, not the test).
    window : int
        Window length ``w``: claims in ``[e - w, e - 1]`` of some event are "in window".
    n_total, n_used, n_unknown : int
        Claims in the timeline; with a known prematurity; with unknown status
        (``n_used + n_unknown == n_total``).
    n_premature, n_in_window : int
        Among the used claims.
    share_in, share_out : float
        Share premature inside and outside the windows.
    n_shifts : int
        Shifts in the randomization null (after dropping shifts that leave one group empty).
    covariates : tuple of str
        Regressors besides the constant.
    sensitivity : dict
        The same analysis with every unknown claim taken as premature (``all_premature``)
        and as not premature (``none_premature``).
    null_distribution : numpy.ndarray
        ``statistic`` under each shift.
    per_claim : polars.DataFrame
        One row per claim: prematurity, verification lag, days to the next event, window.
    outcome : str
        ``"premature"`` or ``"disputed"`` (see :func:`classify_claims`); "premature" in
        the attribute names above then reads as the chosen outcome.
    """

    method: str
    statistic: float
    pvalue: float
    effect: float
    ci_low: float
    ci_high: float
    logit_pvalue: float
    window: int
    n_total: int
    n_used: int
    n_unknown: int
    n_premature: int
    n_in_window: int
    share_in: float
    share_out: float
    n_shifts: int
    covariates: tuple[str, ...]
    sensitivity: dict[str, dict[str, Any]]
    null_distribution: np.ndarray = field(repr=False)
    per_claim: pl.DataFrame = field(repr=False)
    outcome: str = "premature"

    def summary(self) -> str:
        """One paragraph for people."""
        lo, hi = self.sensitivity["none_premature"], self.sensitivity["all_premature"]
        odds = (
            f"odds ratio {self.effect:.2f}, 95% CI {self.ci_low:.2f} to {self.ci_high:.2f}"
            if np.isfinite(self.effect)
            else "odds ratio not estimable: no variation"
        )
        word = self.outcome
        return (
            f"{self.method}: {_pct(self.share_in)} of claims in the {self.window} bins before "
            f"events were {word} vs {_pct(self.share_out)} otherwise ({odds}; "
            f"circular-shift p = {self.pvalue:.3g} over {self.n_shifts} shifts). "
            f"{self.n_used} claims used, {self.n_unknown} of unknown status left out; counting "
            f"them all as {word} gives OR {hi['effect']:.2f} (p = {hi['pvalue']:.3g}), none "
            f"as {word} OR {lo['effect']:.2f} (p = {lo['pvalue']:.3g})."
        )

    def to_dict(self, *, full: bool = False, per_claim: bool = True) -> dict[str, Any]:
        """Plain data for JSON; ``full=True`` adds the null distribution and per-claim records.

        ``per_claim=False`` leaves the per-claim records out even when ``full`` (the report
        draws none of them, and at a million claims they take seconds to build).
        """
        out = result_dict(self, exclude=("null_distribution", "per_claim"))
        if full:
            out["null_distribution"] = plain(self.null_distribution)
            if per_claim:
                out["per_claim"] = [plain(r) for r in self.per_claim.to_dicts()]
        return out


def _pct(share: float) -> str:
    return f"{share:.0%}" if np.isfinite(share) else "n/a"


#: Codes of the statuses that decide the outcomes (0: unknown or unverified).
_CODES = {"confirmed": 1, "contested": 2, "refuted": 3}


def classify_claims(timeline: Timeline) -> pl.DataFrame:
    """Per-claim prematurity, verification lag and days to the next event.

    Parameters
    ----------
    timeline : Timeline
        Its ``claims_frame`` may hold ``status`` and ``verified_date``; missing columns
        count as unknown.

    Returns
    -------
    polars.DataFrame
        The claim columns plus ``premature`` (bool, null when unknown), ``disputed``
        (bool: contested or refuted rather than confirmed; null when unknown), ``refuted`` (bool),
        ``verification_lag_days`` (``verified_date - date`` in days, null when none) and
        ``days_to_next_event`` (to the next event starting on or after the claim's bin,
        null after the last event).

    Notes
    -----
    ``premature`` is True for ``contested`` and ``refuted`` claims and for ``confirmed``
    claims whose ``verified_date`` is after the claim date; False for claims confirmed on
    the day they were made. Null (unknown) for ``unverified`` or missing status and for
    confirmed claims without a ``verified_date`` (when they were confirmed is unknown).
    Since independent confirmation nearly always comes after a claim, ``premature`` rarely
    varies among claims of known status; ``disputed`` asks the sharper question whether a
    claim was contested or refuted rather than confirmed, whenever that was settled.
    """
    cf = timeline.claims_frame
    if "status" not in cf.columns:
        cf = cf.with_columns(pl.lit(None, dtype=pl.String).alias("status"))
    if "verified_date" not in cf.columns:
        cf = cf.with_columns(pl.lit(None, dtype=cf.schema["date"]).alias("verified_date"))
    # The status as a one-byte code, read once: at 1e7 claims every lower-cased copy of
    # the column would take hundreds of MB.
    status = pl.col("_status")
    code = (
        pl.col("status")
        .cast(pl.String)
        .str.to_lowercase()
        .replace_strict(list(_CODES), list(_CODES.values()), default=0, return_dtype=pl.UInt8)
    )
    disputed_code = status.is_in([_CODES["contested"], _CODES["refuted"]])
    confirmed = status == _CODES["confirmed"]
    lag = (pl.col("verified_date") - pl.col("date")).dt.total_seconds() / 86400.0
    premature = (
        pl.when(disputed_code)
        .then(True)
        .when(confirmed & pl.col("verified_date").is_not_null())
        .then(lag > 0)
        .otherwise(None)
    )
    disputed = pl.when(disputed_code).then(True).when(confirmed).then(False).otherwise(None)
    lag_bins = bins_to_next_event(cf["bin"].to_numpy(), timeline.event_bins)
    to_next = np.where(lag_bins >= 0, lag_bins / timeline.bins_per_day, np.nan)
    del lag_bins
    return (
        cf.lazy()
        .with_columns(code.alias("_status"))
        .with_columns(
            premature.alias("premature"),
            disputed.alias("disputed"),
            (status == _CODES["refuted"]).alias("refuted"),
            lag.alias("verification_lag_days"),
            pl.Series("days_to_next_event", to_next).fill_nan(None),
        )
        .drop("_status")
        .collect()
    )


def _share_diff(p_in: np.ndarray, n_in: np.ndarray, p_all: float, n_all: float) -> np.ndarray:
    """Premature share inside minus outside the windows, from counts of claims."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return p_in / n_in - (p_all - p_in) / (n_all - n_in)


def _analyse(
    yes: np.ndarray,
    no: np.ndarray,
    bins: np.ndarray,
    groups: dict[str, tuple[np.ndarray, list[str]]],
    weights: np.ndarray,
    shifts: np.ndarray,
    trend: bool,
    alternative: Alternative,
) -> dict[str, Any]:
    """The analysis on covariate groups: ``yes``/``no`` claims of each (bin, actor, kind)."""
    keep = (yes + no) > 0
    yes, no, bins = yes[keep], no[keep], bins[keep]
    groups = {k: (codes[keep], levels) for k, (codes, levels) in groups.items()}
    n_bins = weights.shape[0]
    mask = (weights > 0).astype(np.int64)
    in_win = mask[bins] > 0
    # per-bin counts; their cross-correlation with the window mask gives, for every shift s,
    # the claims and premature claims in the shifted windows (exact integers)
    n_t = np.bincount(bins, weights=yes + no, minlength=n_bins)
    p_t = np.bincount(bins, weights=yes, minlength=n_bins)
    corr = Correlator(mask)
    n_shift, p_shift = corr(n_t)[shifts], corr(p_t)[shifts]
    n_all, p_all = float(n_t.sum()), float(p_t.sum())
    n_in, p_in = float(n_t[mask > 0].sum()), float(p_t[mask > 0].sum())
    observed = float(_share_diff(np.array([p_in]), np.array([n_in]), p_all, n_all)[0])
    null = _share_diff(p_shift, n_shift, p_all, n_all)
    null = null[np.isfinite(null)]
    pvalue = monte_carlo_pvalue(observed, null, alternative) if np.isfinite(observed) else np.nan
    x, names = design(in_win, bins, n_bins, groups, trend)
    effect, lo, hi, logit_p = grouped_logit(yes, no, x)
    return {
        "statistic": observed,
        "pvalue": float(pvalue),
        "effect": effect,
        "ci_low": lo,
        "ci_high": hi,
        "logit_pvalue": logit_p,
        "n_used": int(n_all),
        "n_premature": int(p_all),
        "n_in_window": int(n_in),
        "share_in": p_in / n_in if n_in > 0 else np.nan,
        "share_out": (p_all - p_in) / (n_all - n_in) if n_all > n_in else np.nan,
        "n_shifts": int(null.size),
        "covariates": tuple(names[1:]),
        "null": null,
    }


def premature_claims(
    timeline: Timeline,
    window: int = 7,
    *,
    n_shifts: int | None = None,
    min_shift: int | None = None,
    trend: bool = True,
    controls: bool = True,
    alternative: Alternative = "greater",
    seed: int | np.random.Generator | None = None,
    outcome: Literal["premature", "disputed"] = "premature",
    classified: pl.DataFrame | None = None,
) -> PrematureResult:
    """Test whether claims made within ``window`` bins before an event are more often premature.

    Parameters
    ----------
    timeline : Timeline
        Claims (with ``status``, ``verified_date``, ``actor``, ``kind``) and events.
    window : int
        A claim in bin ``b`` is in window when some event starts in ``b + 1 .. b + window``.
    n_shifts : int, optional
        Draw this many admissible shifts (seeded, without replacement); default all.
    min_shift : int, optional
        Smallest circular shift distance; default ``window``.
    trend : bool
        Include a linear time trend (claim bin over the period) in the regression.
    controls : bool
        Include actor and claim-kind dummies (where they vary among the claims used).
    alternative : {"greater", "less", "two-sided"}
        ``"greater"``: prematurity more likely in the windows.
    seed : int or numpy.random.Generator, optional
        For the shift sample.
    outcome : {"premature", "disputed"}
        Which column of :func:`classify_claims` is the outcome: made before independent
        confirmation, or contested/refuted rather than confirmed.
    classified : polars.DataFrame, optional
        ``classify_claims(timeline)`` when already computed: the premature and disputed
        tests then share one per-claim frame (at 1e7 claims, hundreds of MB each).

    Returns
    -------
    PrematureResult

    Notes
    -----
    With ``y_i`` = 1 for a premature claim, the model is
    ``logit P(y_i = 1) = b0 + b1 in_window_i + b2 t_i / T + actor and kind effects``; the
    effect is ``exp(b1)`` with the Wald interval ``exp(b1 +- 1.96 se)``. Claims are not
    independent (bursts of claims share their fate), so the Wald p is shown for reference
    only; the test is a circular shift of the event calendar by ``s`` bins: ``in_window``
    is recomputed for every claim as ``m[(b_i - s) mod T]`` and the statistic
    ``D(s) = share premature in window - share outside`` gives
    ``p = (1 + #{D(s) >= D(0)}) / (1 + S)`` (shifts leaving a group empty are dropped).
    Claims of unknown status are left out and counted; the sensitivity analysis repeats
    everything with all of them premature, then with none.

    Cost grows with bins and covariate groups, not claims. With ``n_t`` claims and ``p_t``
    premature claims in bin ``t``, the claims and premature claims in the shifted windows
    are the circular cross-correlations ``N(s) = sum_t n_t m[(t - s) mod T]`` and ``P(s)``
    (one FFT each, exact integers), so ``D(s) = P(s)/N(s) - (P - P(s))/(N - N(s))`` for all
    shifts at once. The logit is fitted as a binomial GLM on the claims grouped by their
    covariate pattern (bin, actor, kind), which has the same likelihood and information
    matrix as the fit on one row per claim.

    Examples
    --------
    >>> import datetime as dt
    >>> from timing.timeline import build_timeline
    >>> d = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(0, 120, 2)]
    >>> claims = pl.DataFrame({"claim_id": [str(i) for i in range(60)], "date": d,
    ...     "actor": "A", "kind": "capture", "status": ["contested", "confirmed"] * 30,
    ...     "verified_date": d})
    >>> events = pl.DataFrame({"event_id": ["e1", "e2"], "kind": "talks",
    ...     "date": [dt.date(2024, 2, 1), dt.date(2024, 3, 15)]})
    >>> res = premature_claims(build_timeline(claims, events), window=7, seed=0)
    >>> res.n_used + res.n_unknown == res.n_total
    True
    """
    if int(window) < 1:
        raise TimingInputError(f"window must be a positive number of bins, got {window}")
    if n_shifts is not None and n_shifts < 1:
        raise TimingInputError(f"n_shifts must be positive, got {n_shifts}")
    window = int(window)
    if outcome not in ("premature", "disputed"):
        raise TimingInputError(f"outcome must be 'premature' or 'disputed', got {outcome!r}")
    per_claim = classify_claims(timeline) if classified is None else classified
    known = per_claim[outcome].is_not_null().to_numpy()
    counts = claim_weights(per_claim)  # counted rows stand for several claims
    n_known = int(known.sum() if counts is None else counts[known].sum())
    n_total = n_claims(per_claim)
    if not known.any():
        raise TimingInputError(
            "no claim has a known status: the 'status' column needs confirmed, contested or "
            "refuted values (and verified_date for confirmed claims)"
        )
    n_bins = timeline.n_bins
    shifts = admissible_shifts(n_bins, window if min_shift is None else int(min_shift))
    if shifts.size == 0:
        raise TimingInputError(f"no admissible shift: the period ({n_bins} bins) is too short")
    if n_shifts is not None and n_shifts < shifts.size:
        rng = np.random.default_rng(seed)
        shifts = np.sort(rng.choice(shifts, size=n_shifts, replace=False))
    weights = window_weights(timeline.event_bins, n_bins, (-window, -1))
    columns: list[str] = [c for c in ("actor", "kind") if controls and c in per_claim.columns]
    grouped, levels = covariate_groups(per_claim, outcome, columns)
    groups: dict[str, tuple[np.ndarray, list[str]]] = {c: (grouped[c], levels[c]) for c in columns}
    yes, no, unknown = grouped["_yes"], grouped["_no"], grouped["_unknown"]

    def run(n_yes: np.ndarray, n_no: np.ndarray) -> dict[str, Any]:
        return _analyse(n_yes, n_no, grouped["bin"], groups, weights, shifts, trend, alternative)

    main = run(yes, no)
    sens = {}
    for name, (n_yes, n_no) in (
        ("all_premature", (yes + unknown, no)),
        ("none_premature", (yes, no + unknown)),
    ):
        res = run(n_yes, n_no)
        res.pop("null")
        res.pop("covariates")
        sens[name] = res
    bins = per_claim["bin"].to_numpy().astype(np.int64)
    per_claim = per_claim.with_columns(pl.Series("in_window", weights[bins] > 0))
    return PrematureResult(
        method=(
            "Premature claims before events (logit odds ratio, circular-shift p)"
            if outcome == "premature"
            else "Disputed claims (contested/refuted vs confirmed) before events"
        ),
        statistic=main["statistic"],
        pvalue=main["pvalue"],
        effect=main["effect"],
        ci_low=main["ci_low"],
        ci_high=main["ci_high"],
        logit_pvalue=main["logit_pvalue"],
        window=window,
        n_total=n_total,
        n_used=main["n_used"],
        n_unknown=n_total - n_known,
        n_premature=main["n_premature"],
        n_in_window=main["n_in_window"],
        share_in=main["share_in"],
        share_out=main["share_out"],
        n_shifts=main["n_shifts"],
        covariates=main["covariates"],
        sensitivity=sens,
        null_distribution=main["null"],
        per_claim=per_claim,
        outcome=outcome,
    )
