"""How fragile is a timing finding? Robustness as a result of its own.

On the bundled dataset, the way the claims were gathered moved the answer from p = 0.02 to
p = 0.10. :func:`robustness` shows how much a finding depends on the analyst's choices and
on single data points, in three parts and a plain reading:

1. a **specification curve** (:mod:`timing.stats.robustness_curve`): the rate ratio and
   exact circular-shift p over windows x detrending spans x event kinds x claim kinds x
   actors x study periods, with a joint max-statistic test of "no effect in any
   specification" over the same shifts;
2. **influence** (:mod:`timing.stats.robustness_influence`): the primary test with each
   event left out, and with each calendar month masked out;
3. a **tipping point** (:mod:`timing.stats.robustness_tipping`): how many claims missing
   from or spuriously present in the data would move p across ``alpha``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from timing.progress import step
from timing.stats.robustness_curve import (
    DEFAULT_DETRENDS,
    DEFAULT_WINDOWS,
    SpecificationCurve,
    specification_curve,
)
from timing.stats.robustness_influence import Influence, influence
from timing.stats.robustness_tipping import TippingPoint, tipping_point

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = [
    "Influence",
    "RobustnessResult",
    "SpecificationCurve",
    "TippingPoint",
    "influence",
    "robustness",
    "specification_curve",
    "tipping_point",
]


@dataclass(frozen=True, slots=True)
class RobustnessResult:
    """Specification curve, influence and tipping point of one finding, and their reading.

    Attributes
    ----------
    curve : SpecificationCurve
    influence : Influence
    tipping : TippingPoint
    reading : str
        One plain paragraph drawn from the three.
    """

    curve: SpecificationCurve
    influence: Influence
    tipping: TippingPoint
    reading: str
    method: str = "Robustness: specification curve, influence, tipping point"

    def summary(self) -> str:
        """The reading, then each part's summary."""
        return "\n".join(
            [self.reading, self.curve.summary(), self.influence.summary(), self.tipping.summary()]
        )

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON (the ``"robustness"`` key of an analysis)."""
        return {
            "method": self.method,
            "reading": self.reading,
            "curve": self.curve.to_dict(full=full),
            "influence": self.influence.to_dict(full=full),
            "tipping": self.tipping.to_dict(full=full),
        }


def robustness(
    timeline: Timeline,
    offsets: tuple[int, int] = (-3, -1),
    *,
    anticipation: bool = False,
    detrend: int | None = 91,
    min_shift: int | None = None,
    max_shift: int | None = None,
    alpha: float = 0.05,
    weight: Literal["count", "value"] = "count",
    windows: Sequence[int] = DEFAULT_WINDOWS,
    detrends: Sequence[int] = DEFAULT_DETRENDS,
) -> RobustnessResult:
    """Specification curve, influence and tipping point of the primary finding.

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid.
    offsets : tuple of int
        The primary window in days (``(-3, -1)``: the 3 days before each event).
    anticipation : bool
        The primary test uses anticipation windows.
    detrend : int, optional
        The primary detrending span in days (``None`` or 0: none). Not applied when the
        period is shorter than twice the span, as in :func:`timing.analysis.analyze`.
    min_shift, max_shift : int, optional
        Shift distances in bins, as for the primary test.
    alpha : float
        Level at which a finding counts as significant.
    weight : {"count", "value"}
        How the timeline's claim series was built.
    windows, detrends : sequence of int
        Window lengths and detrending spans (days) of the specification grid.

    Returns
    -------
    RobustnessResult

    Examples
    --------
    >>> import numpy as np
    >>> from timing.timeline import Timeline
    >>> rng = np.random.default_rng(0)
    >>> t = Timeline.from_arrays(rng.poisson(0.5, 400), np.arange(10, 400, 20))
    >>> res = robustness(t, detrend=None, detrends=(0,), windows=(1, 3))
    >>> res.curve.n_specs, 0 < res.curve.joint_pvalue <= 1
    (6, True)
    """
    per_day = timeline.bins_per_day
    span = (detrend or 0) * per_day
    if span and timeline.n_bins < 2 * span:
        span, detrend = 0, None
    lo, hi = offsets
    bin_offsets = (lo * per_day, (hi + 1) * per_day - 1)
    primary = {
        "anticipation": anticipation,
        "detrend": span or None,
        "min_shift": min_shift,
        "max_shift": max_shift,
        "alpha": alpha,
    }
    step("robustness 1/3: specification curve")
    curve = specification_curve(
        timeline,
        offsets,
        anticipation=anticipation,
        detrend=detrend,
        windows=windows,
        detrends=detrends,
        min_shift=min_shift,
        max_shift=max_shift,
        alpha=alpha,
        weight=weight,
    )
    step("robustness 2/3: leave-one-out influence")
    infl = influence(timeline, bin_offsets, **primary)  # type: ignore[arg-type]
    step("robustness 3/3: tipping point")
    tip = tipping_point(timeline, bin_offsets, **primary)  # type: ignore[arg-type]
    return RobustnessResult(
        curve=curve, influence=infl, tipping=tip, reading=reading(curve, infl, tip)
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _month(label: str) -> str:
    """``"2025-07"`` -> ``"July 2025"`` (other labels unchanged)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(f"{label}-01").strftime("%B %Y")
    except ValueError:
        return label


def reading(curve: SpecificationCurve, infl: Influence, tip: TippingPoint) -> str:
    """One plain-language paragraph from the three parts.

    Parameters
    ----------
    curve : SpecificationCurve
    infl : Influence
    tip : TippingPoint

    Returns
    -------
    str
    """
    a = curve.alpha
    best = curve.specs.sort(["z"], descending=True).row(0, named=True)
    choices = [
        f"{k.replace('_', ' ')} {best[k]}"
        for k in ("event_kind", "claim_kind", "actor")
        if best[k] != "all"
    ]
    w = best["window"]
    choices.append(f"{w}-day window" if w.isdigit() else f"window {w}")
    if best["period"] != "full":
        choices.append(best["period"])
    sentences = [
        f"The rate ratio is above 1 in {_pct(curve.share_above_one)} of {curve.n_specs} "
        f"specifications (median {curve.median_estimate:.2f}) and p < {a:g} in "
        f"{_pct(curve.share_significant)} of them.",
    ]
    joint = f"The joint test of no effect in any specification gives p = {curve.joint_pvalue:.3g}"
    if curve.joint_pvalue < a:
        joint += (
            f"; it is carried by the strongest specification ({', '.join(choices)}: rate ratio "
            f"{best['rate_ratio']:.2f}, p = {best['pvalue']:.3g}), so some choice of window "
            "or subset shows clustering, which does not by itself make the primary result hold"
        )
    sentences.append(joint + ".")
    status = f"p = {infl.pvalue:.3g}, {'' if infl.pvalue < a else 'not '}significant"
    pivotal = infl.pivotal_events
    if pivotal:
        more = f"; and {len(pivotal) - 3} more" if len(pivotal) > 3 else ""
        listed = f"{'; '.join(pivotal[:3])}{more}"
        count = f"{len(pivotal)} event{'s' if len(pivotal) > 1 else ''}"
        if infl.pvalue < a:
            sentences.append(
                f"The primary result ({status}) rests on {count}: leaving out "
                f"{'it' if len(pivotal) == 1 else 'any one of them'} makes it non-significant "
                f"at {a:g} ({listed})."
            )
        else:
            which = "one event" if len(pivotal) == 1 else f"any one of {count}"
            sentences.append(
                f"Leaving out {which} would make the primary result ({status}) "
                f"significant at {a:g} ({listed})."
            )
    elif infl.events.height:
        top = infl.events.row(0, named=True)
        title = top.get("title") or top.get("event_id")
        sentences.append(
            f"No single event left out changes the primary result ({status}) at {a:g}; the "
            f"most influential is {title} ({top['date']}: without it rate ratio "
            f"{top['rate_ratio']:.2f}, p = {top['pvalue']:.3g})."
        )
    months = infl.months.filter(infl.months["crosses"])
    if months.height:
        listed = ", ".join(
            f"{_month(r['month'])} (p = {r['pvalue']:.3g})" for r in months.iter_rows(named=True)
        )
        goal = "non-significant" if infl.pvalue < a else "significant"
        sentences.append(
            f"Masking {'any one of ' if months.height > 1 else ''}{listed} alone makes it {goal}."
        )
    sentences.append(tip.sentence())
    return " ".join(sentences)
