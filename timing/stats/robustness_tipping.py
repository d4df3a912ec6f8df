"""Tipping point for missing data: how many claims would change the finding at ``alpha``.

Part of the robustness analysis (:mod:`timing.stats.robustness`). For a significant finding:
how many claims would have to be *missing* from outside the windows (added to the
out-of-window bins, in proportion to the claims they hold) or *spuriously present* inside
them (removed from the window bins likewise) for ``p`` to reach ``alpha``; for a
non-significant one, the reverse (claims missing inside, spurious outside) for ``p`` to fall
below it. Each count is found by bisection with the exact circular-shift p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from timing.errors import TimingInputError
from timing.stats.robustness_influence import primary_shifts, primary_weights, shift_tests

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["TippingPoint", "apportion", "tipping_point"]


def apportion(k: int, counts: np.ndarray) -> np.ndarray:
    """Split ``k`` whole claims over bins in proportion to ``counts`` (largest remainder).

    Bins with no claims get none; when every count is 0 the claims are spread evenly.
    Never gives a bin more than ``counts * k / sum(counts)`` rounded up, so removing
    ``k <= sum(counts)`` claims this way never makes a count negative.

    Examples
    --------
    >>> apportion(5, np.array([1.0, 3.0, 0.0, 4.0])).tolist()
    [1, 2, 0, 2]
    """
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    share = c / total if total > 0 else np.full(c.shape, 1.0 / max(c.size, 1))
    quota = k * share
    out = np.floor(quota).astype(np.int64)
    rest = int(k - out.sum())
    if rest > 0:
        order = np.lexsort((np.arange(c.size), -(quota - out)))
        out[order[:rest]] += 1
    return out


@dataclass(frozen=True, slots=True)
class TippingPoint:
    """How many claims would change the finding at ``alpha``.

    Attributes
    ----------
    pvalue : float
        The primary test's p on the data.
    significant : bool
        ``pvalue < alpha``.
    outside_action, inside_action : {"added", "removed"}
        What is done to the claims outside and inside the windows: for a significant
        finding, claims *missing* from outside the windows are added and claims
        *spuriously present* inside them are removed; for a non-significant one, the
        reverse (claims missing inside, spurious outside).
    n_outside, n_inside : int or None
        Fewest claims (or value units) that move p across ``alpha`` (``None``: none does,
        within the search range).
    p_outside, p_inside : float or None
        The p-value at that count.
    n_claims : float
        Claims (or value units) in the period, for the shares.
    """

    pvalue: float
    alpha: float
    significant: bool
    outside_action: str
    inside_action: str
    n_outside: int | None
    n_inside: int | None
    p_outside: float | None
    p_inside: float | None
    n_claims: float
    method: str = "Tipping point: claims missing or spurious until p crosses alpha"

    def share(self, n: int | None) -> float | None:
        """``n`` as a share of the claims in the period."""
        return None if n is None or self.n_claims <= 0 else n / self.n_claims

    def sentence(self) -> str:
        """The two numbers in one plain sentence."""
        goal = "non-significant" if self.significant else "significant"
        clauses = []
        for n, action, side in (
            (self.n_outside, self.outside_action, "outside"),
            (self.n_inside, self.inside_action, "inside"),
        ):
            state = "missing from" if action == "added" else "spuriously present"
            what = f"{state} {side} the windows"
            if n is None:
                clauses.append(f"no number of claims {what} would make it {goal}")
            else:
                share = 100 * (self.share(n) or 0.0)
                clauses.append(
                    f"{n} claim{'' if n == 1 else 's'} {what} ({share:.1f} % of "
                    f"{self.n_claims:.0f}) would make it {goal}"
                )
        first = clauses[0][0].upper() + clauses[0][1:]
        return f"{first}; {clauses[1]} (at alpha = {self.alpha:g})."

    def summary(self) -> str:
        """One paragraph for people."""
        return f"{self.method} (p = {self.pvalue:.3g}): {self.sentence()}"

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "method": self.method,
            "pvalue": self.pvalue,
            "alpha": self.alpha,
            "significant": self.significant,
            "outside_action": self.outside_action,
            "inside_action": self.inside_action,
            "n_outside": self.n_outside,
            "n_inside": self.n_inside,
            "share_outside": self.share(self.n_outside),
            "share_inside": self.share(self.n_inside),
            "p_outside": self.p_outside,
            "p_inside": self.p_inside,
            "n_claims": self.n_claims,
            "sentence": self.sentence(),
        }


def tipping_point(
    timeline: Timeline,
    offsets: tuple[int, int] = (-3, -1),
    *,
    anticipation: bool = False,
    detrend: int | None = None,
    min_shift: int | None = None,
    max_shift: int | None = None,
    alpha: float = 0.05,
    max_added: int | None = None,
) -> TippingPoint:
    """Fewest claims missing or spurious, outside or inside the windows, that cross ``alpha``.

    Parameters
    ----------
    timeline : Timeline
    offsets, anticipation, detrend, min_shift, max_shift :
        The primary test, as for :func:`influence`.
    alpha : float
        Level of "significant".
    max_added : int, optional
        Largest number of claims added in the search (default 20 times the claims in the
        period, at least 1000).

    Returns
    -------
    TippingPoint

    Notes
    -----
    ``k`` claims are added to (or removed from) a set of bins in proportion to the claims
    those bins hold (:func:`apportion`), and the exact p-value is recomputed on the changed
    series. The count is found by bisection between a ``k`` that does not cross and one
    that does, so the reported ``k`` crosses and ``k - 1`` does not. p is almost but not
    strictly monotone in ``k`` (rounding, detrending), so a smaller crossing count cannot be
    ruled out in principle.
    """
    if not 0 < alpha < 1:
        raise TimingInputError(f"alpha must be between 0 and 1, got {alpha}")
    n = timeline.n_bins
    shifts = primary_shifts(n, offsets, anticipation, min_shift, max_shift)
    w = primary_weights(timeline, offsets, anticipation)
    counts = np.asarray(timeline.claims, dtype=np.float64)
    (_,), (p0,), _ = shift_tests(counts, w, detrend=detrend, shifts=shifts)
    significant = bool(p0 < alpha)
    inside = w > 0
    total = float(counts.sum())
    cap = max_added if max_added is not None else max(int(20 * total), 1000)

    def p_of(k: int, where: np.ndarray, sign: int) -> float:
        changed = counts.copy()
        changed[where] += sign * apportion(k, counts[where])
        (_,), (p,), _ = shift_tests(changed, w, detrend=detrend, shifts=shifts)
        return float(p)

    def crossed(p: float) -> bool:
        return (p < alpha) != significant

    def search(where: np.ndarray, sign: int) -> tuple[int | None, float | None]:
        limit = cap if sign > 0 else int(np.floor(counts[where].sum()))
        lo, hi = 0, 1
        while hi <= limit and not crossed(p_of(hi, where, sign)):
            lo, hi = hi, hi * 2
        if hi > limit:
            if limit <= lo or not crossed(p_of(limit, where, sign)):
                return None, None
            hi = limit
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if crossed(p_of(mid, where, sign)) else (mid, hi)
        return hi, p_of(hi, where, sign)

    # significant: add outside, remove inside; not significant: remove outside, add inside
    out_sign, in_sign = (1, -1) if significant else (-1, 1)
    n_out, p_out = search(~inside, out_sign)
    n_in, p_in = search(inside, in_sign)
    action = {1: "added", -1: "removed"}
    return TippingPoint(
        pvalue=float(p0),
        alpha=float(alpha),
        significant=significant,
        outside_action=action[out_sign],
        inside_action=action[in_sign],
        n_outside=n_out,
        n_inside=n_in,
        p_outside=p_out,
        p_inside=p_in,
        n_claims=total,
    )
