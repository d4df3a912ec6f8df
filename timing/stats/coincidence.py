"""Event coincidence analysis of claim days and event days (Donges et al. 2016).

For the binary series ``A`` (claim days, ``c_t > 0``) and ``B`` (event start days), a claim
day ``t`` *precedes* an event day ``e`` when ``e - t`` lies in ``[tau, tau + delta_t]``:
``delta_t + 1`` bins, inclusive. The window offsets ``(-3, -1)`` are ``tau = 1, delta_t = 2``.

- precursor coincidence rate ``r_p``: share of events preceded by at least one claim day;
- trigger coincidence rate ``r_t``: share of claim days followed by at least one event;
- claim-days statistic: claim days summed over the events' windows (the primary statistic:
  "at least one" saturates on dense claim series).

p-values: analytic (binomial, window share ``(delta_t + 1)`` bins, see
:func:`event_coincidence`) and exact circular-shift surrogates of the event calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from timing._shifts import admissible_shifts, circular_cross_correlation
from timing.errors import TimingInputError
from timing.stats._common import monte_carlo_pvalue, result_dict
from timing.stats.base import ResultDisplay

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["CoincidenceResult", "coincidence_probability", "event_coincidence"]

NullModel = Literal["occupancy", "poisson"]


def coincidence_probability(
    n_bins: int, n_other: int, delta_t: int, tau: int = 0, null: NullModel = "occupancy"
) -> float:
    """Chance that a window of ``delta_t + 1`` bins holds at least one of ``n_other`` events.

    Parameters
    ----------
    n_bins : int
        Length ``T`` of the series.
    n_other : int
        Number of event bins of the other series (e.g. claim days).
    delta_t, tau : int
        Window width parameter (the window covers ``delta_t + 1`` bins) and lag.
    null : {"occupancy", "poisson"}
        ``"occupancy"``: the ``n_other`` bins are a uniform random subset of the ``T`` bins,
        ``q = 1 - C(T - n, w) / C(T, w)`` (hypergeometric, exact for any density).
        ``"poisson"``: Donges et al. (2016) eq. (8) with the inclusive width,
        ``q = 1 - (1 - w / (T - tau))^n``, which assumes sparse events.

    Examples
    --------
    >>> round(coincidence_probability(1000, 440, 2), 3), round(coincidence_probability(
    ...     1000, 440, 2, 1, "poisson"), 3)
    (0.825, 0.734)
    """
    w = delta_t + 1
    if null == "poisson":
        return float(1.0 - (1.0 - w / (n_bins - tau)) ** n_other)
    if null == "occupancy":
        from scipy import stats

        return float(1.0 - stats.hypergeom.pmf(0, n_bins, n_other, w))
    raise TimingInputError(f"null must be 'occupancy' or 'poisson', got {null!r}")


@dataclass(frozen=True, slots=True)
class CoincidenceResult(ResultDisplay):
    """Result of :func:`event_coincidence`.

    Attributes
    ----------
    method : str
        ``"Event coincidence analysis"``.
    statistic : float
        Claim days summed over the eligible events' windows (an event's window counts once per
        event, overlaps included).
    pvalue : float
        Circular-shift surrogate p-value of ``statistic`` (one-sided, more claims before).
    effect : float or None
        ``statistic`` over its mean across the shifts (a rate ratio; > 1 = more claims).
    ci_low, ci_high : None
        No interval for this method.
    precursor_rate, trigger_rate : float
        ``r_p`` (events preceded by a claim day) and ``r_t`` (claim days followed by an event).
    pvalue_analytic, pvalue_analytic_trigger : float
        Binomial tail ``P(K >= K_obs)`` for the precursor and trigger coincidence counts.
    pvalue_surrogate_precursor, pvalue_surrogate_trigger : float
        Circular-shift p-values of the precursor and trigger coincidence counts.
    null : str
        Analytic null model, ``"occupancy"`` or ``"poisson"``.
    delta_t, tau : int
        Window ``[e - tau - delta_t, e - tau]`` (``delta_t + 1`` bins).
    n_events, n_claim_days : int
        Eligible event days (window inside the period) and claim days in the period.
    n_trigger_claim_days : int
        Claim days whose forward window lies inside the period (trigger denominator).
    n_shifts : int
        Admissible circular shifts.
    null_distribution : numpy.ndarray
        ``statistic`` at each admissible shift.
    """

    method: str
    statistic: float
    pvalue: float
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    precursor_rate: float
    trigger_rate: float
    pvalue_analytic: float
    pvalue_analytic_trigger: float
    pvalue_surrogate_precursor: float
    pvalue_surrogate_trigger: float
    null: str
    delta_t: int
    tau: int
    n_events: int
    n_claim_days: int
    n_trigger_claim_days: int
    n_shifts: int
    null_distribution: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """One paragraph for people."""
        return (
            f"Event coincidence (lag {self.tau}, width {self.delta_t + 1} bins): precursor rate "
            f"{self.precursor_rate:.2f} (analytic p = {self.pvalue_analytic:.4g}, surrogate p = "
            f"{self.pvalue_surrogate_precursor:.4g}), trigger rate {self.trigger_rate:.2f}; "
            f"{self.statistic:g} claim days in {self.n_events} windows, surrogate p = "
            f"{self.pvalue:.4g} over {self.n_shifts} shifts."
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON; ``pvalue_surrogate`` is an alias of ``pvalue``."""
        out = result_dict(self, exclude=() if full else ("null_distribution",))
        out["pvalue_surrogate"] = self.pvalue
        return out

    def coincidence_dict(self) -> dict[str, float]:
        """The ``tests.coincidence`` object of the JSON contract (design.md section 7)."""
        return {
            "precursor_rate": self.precursor_rate,
            "trigger_rate": self.trigger_rate,
            "pvalue_analytic": self.pvalue_analytic,
            "pvalue_surrogate": self.pvalue,
        }


def _binary(values: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise TimingInputError(f"{name} must be a 1-D series of finite non-negative counts")
    return (values > 0).astype(np.int64)


def _window_count(series: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """``out[t] = sum_{d=lo}^{hi} series[(t - d) % T]``: circular window sums."""
    out = np.zeros_like(series)
    for d in range(lo, hi + 1):
        out += np.roll(series, d)
    return out


def event_coincidence(
    timeline: Timeline | None = None,
    offsets: tuple[int, int] = (-3, -1),
    *,
    claims: np.ndarray | None = None,
    events: np.ndarray | None = None,
    null: NullModel = "occupancy",
    min_shift: int | None = None,
    max_shift: int | None = None,
) -> CoincidenceResult:
    """Precursor and trigger coincidence of claim days with event days, with p-values.

    Parameters
    ----------
    timeline : Timeline, optional
        Claims and events on a grid. Alternatively pass ``claims`` and ``events``.
    offsets : tuple of int
        Inclusive window ``(lo, hi)`` before the event, ``hi <= 0``; it sets
        ``tau = -hi`` and ``delta_t = hi - lo``. ``(-3, -1)``: ``tau = 1, delta_t = 2``.
    claims, events : numpy.ndarray, optional
        Length-``T`` count or binary series (a bin is an event when its value is > 0).
    null : {"occupancy", "poisson"}
        Analytic null model, see :func:`coincidence_probability`. The default
        ``"occupancy"`` stays calibrated on dense claim series; ``"poisson"`` is the classic
        Donges form with the inclusive width.
    min_shift, max_shift : int, optional
        Range of circular shift distances for the surrogates (see
        :func:`timing.stats.circular.admissible_shifts`); default ``min_shift = tau +
        delta_t + 1`` so that no shifted window overlaps its own observed window.

    Returns
    -------
    CoincidenceResult

    Notes
    -----
    Only events whose window ``[e - tau - delta_t, e - tau]`` lies inside the period are
    scored (``N_B`` of them); for the trigger rate, only claim days ``t`` with
    ``t + tau + delta_t <= T - 1`` (as Donges et al. and pyunicorn drop the edge events).
    Analytic test: the precursor count is ``K ~ Binomial(N_B, q)`` with ``q`` the chance
    that a window holds one of the ``N_A`` claim days, ``p = P(K >= K_obs)``; the trigger
    count likewise with the roles swapped. The window has ``delta_t + 1`` bins; pyunicorn
    1.0 uses ``delta_t / (T - tau)`` as the window share and so underestimates chance
    coincidences (design.md section 8). Surrogates: the event calendar is shifted
    circularly by every admissible ``s``; the claim-day, precursor and trigger counts for
    all shifts are circular cross-correlations, and ``p = (1 + #{null >= obs}) / (1 + S)``.

    References
    ----------
    Donges, Schleussner, Siegmund & Donner (2016), Eur. Phys. J. Spec. Top. 225, 471-487.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> claims = rng.random(730) < 0.3
    >>> events = np.zeros(730, dtype=int); events[10::30] = 1
    >>> res = event_coincidence(claims=claims, events=events)
    >>> 0 <= res.precursor_rate <= 1 and 0 < res.pvalue <= 1
    True
    """
    if claims is None or events is None:
        if timeline is None:
            raise TimingInputError("pass a timeline, or claims and events")
        claims, events = timeline.claims, timeline.event_series()
    a = _binary(claims, "claims")
    b = _binary(events, "events")
    n = a.shape[0]
    if b.shape[0] != n:
        raise TimingInputError(f"claims ({n}) and events ({b.shape[0]}) differ in length")
    lo, hi = int(offsets[0]), int(offsets[1])
    if lo > hi or hi > 0:
        raise TimingInputError(f"offsets {offsets}: expected lo <= hi <= 0 (a window before)")
    tau, delta_t = -hi, hi - lo
    span = tau + delta_t
    t = np.arange(n)
    eligible_events = b * (t >= span)
    eligible_claims = a * (t + span <= n - 1)
    n_events, n_claims = int(eligible_events.sum()), int(a.sum())
    n_trig = int(eligible_claims.sum())
    if n_events == 0 or n_trig == 0:
        raise TimingInputError("no event (or no claim day) has its window inside the period")

    claims_in_window = _window_count(a, tau, span)  # claim days in [t - span, t - tau]
    events_ahead = _window_count(b, -span, -tau)  # event days in [t + tau, t + span]
    preceded = (claims_in_window > 0).astype(np.int64)
    followed = (events_ahead > 0).astype(np.int64)
    # statistic at shift s of the event calendar: sum_t x[t] * y[(t - s) % T]
    stats_all = np.vstack(
        [
            circular_cross_correlation(claims_in_window, eligible_events),
            circular_cross_correlation(preceded, eligible_events),
            circular_cross_correlation(eligible_claims, followed),
        ]
    )
    shifts = admissible_shifts(n, span + 1 if min_shift is None else int(min_shift), max_shift)
    if shifts.size == 0:
        raise TimingInputError(f"no admissible shift for a period of {n} bins")
    observed = stats_all[:, 0]
    nulls = stats_all[:, shifts]
    k_pre, k_trig = int(observed[1]), int(observed[2])

    from scipy import stats

    q_pre = coincidence_probability(n, n_claims, delta_t, tau, null)
    q_trig = coincidence_probability(n, int(b.sum()), delta_t, tau, null)
    mean_null = float(nulls[0].mean())
    return CoincidenceResult(
        method="Event coincidence analysis",
        statistic=float(observed[0]),
        pvalue=monte_carlo_pvalue(observed[0], nulls[0]),
        effect=float(observed[0] / mean_null) if mean_null > 0 else None,
        ci_low=None,
        ci_high=None,
        precursor_rate=k_pre / n_events,
        trigger_rate=k_trig / n_trig,
        pvalue_analytic=float(stats.binom.sf(k_pre - 1, n_events, q_pre)),
        pvalue_analytic_trigger=float(stats.binom.sf(k_trig - 1, n_trig, q_trig)),
        pvalue_surrogate_precursor=monte_carlo_pvalue(observed[1], nulls[1]),
        pvalue_surrogate_trigger=monte_carlo_pvalue(observed[2], nulls[2]),
        null=null,
        delta_t=delta_t,
        tau=tau,
        n_events=n_events,
        n_claim_days=n_claims,
        n_trigger_claim_days=n_trig,
        n_shifts=int(shifts.size),
        null_distribution=nulls[0],
    )
