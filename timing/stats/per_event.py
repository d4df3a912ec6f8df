"""Event by event: the claims in each event's window and the claims nearest to it.

Descriptive, not a test: :func:`event_claims` lists, for every event of a
:class:`~timing.timeline.Timeline`, how many claim rows fell in its window, what they
claimed, and the signed lag to the nearest claim and to the last claim before it. The
analysis computes it once and stores it in the result's ``per_event`` records, from which
the report draws its per-event table.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from timing.claim_counts import claim_weights

if TYPE_CHECKING:
    from timing.timeline import Timeline

__all__ = ["TARGETS_KEPT", "event_claims"]


def _naive_utc(value: Any) -> dt.datetime | None:
    """A date or timestamp as a naive UTC datetime (``None`` for anything else)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


def _announced_bin(start: Any, announced: Any, event_bin: int, bins_per_day: int) -> int | None:
    """Bin of the announcement, counted back from the event's bin (may precede the period)."""
    first, then = _naive_utc(start), _naive_utc(announced)
    if first is None or then is None:
        return None
    delta = (first - then).total_seconds() / (86400 / bins_per_day)
    return event_bin - round(delta)


#: Most labels ``window_targets`` lists per event (``window_claims`` counts them all).
TARGETS_KEPT = 100


def _labels(claims: pl.DataFrame) -> pl.Series:
    """Each claim's ``target``, else its ``claim_id`` (null when it has neither)."""
    present = [c for c in ("target", "claim_id") if c in claims.columns]
    if not present:
        return pl.Series("label", [None] * claims.height, dtype=pl.String)
    named = [pl.col(c).cast(pl.String) for c in present]
    usable = [pl.when(c != "").then(c) for c in named]
    return claims.select(pl.coalesce(*usable, named[-1]).alias("label")).to_series()


def _column(frame: pl.DataFrame, name: str) -> list[Any]:
    return frame[name].to_list() if name in frame.columns else [None] * frame.height


def event_claims(timeline: Timeline, window: tuple[int, int] | None) -> pl.DataFrame:
    """Claims in each event's window and the nearest claims, one row per event.

    Parameters
    ----------
    timeline : Timeline
        Claims and events on a grid (``claims_frame`` and ``events_frame`` with ``bin``).
    window : tuple of int or None
        Inclusive window offsets in bins relative to each event's bin, or ``None`` for
        anticipation windows: from the bin of the event's ``announced_date`` (counted
        back from its start, so it may precede the period) to the bin before it starts.

    Returns
    -------
    polars.DataFrame
        In the order of ``timeline.events_frame``, columns ``parties``, ``source``,
        ``window_claims`` (claim rows in the window), ``window_targets`` (their ``target``,
        else ``claim_id``, in time order; the first :data:`TARGETS_KEPT` of them),
        ``nearest_lag`` (days from the event to the nearest claim, negative when the
        claim came first; ties go to the earlier claim),
        ``nearest_target``, ``last_before_lag`` and ``last_before_target`` (the last
        claim strictly before the event); lags are ``None`` without such a claim.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from timing.timeline import build_timeline
    >>> claims = pl.DataFrame({"date": [dt.date(2025, 12, 1)], "actor": "RU MoD",
    ...                        "kind": "capture", "target": ["Pokrovsk"]})
    >>> events = pl.DataFrame({"event_id": ["D1"], "date": [dt.date(2025, 12, 2)],
    ...                        "kind": "visit", "title": ["Witkoff in Moscow"]})
    >>> row = event_claims(build_timeline(claims, events), (-3, -1)).row(0, named=True)
    >>> row["window_targets"], row["last_before_lag"]
    (['Pokrovsk'], -1.0)
    """
    k = timeline.bins_per_day
    claims, events = timeline.claims_frame, timeline.events_frame
    cbins = claims["bin"].to_numpy().astype(np.int64)
    # Claims are sorted by bin once (the timeline's are already): each event's window is a
    # slice found by binary search, so the cost grows with events x log(claims), and only
    # the labels an event lists are turned into Python strings.
    labels, sorted_bins = _labels(claims), cbins
    counts = claim_weights(claims)  # counted rows (no targets): claims per row
    if not claims["bin"].is_sorted():
        order = np.argsort(cbins, kind="stable")
        sorted_bins, labels = cbins[order], labels.gather(order)
        counts = None if counts is None else counts[order]
    # claims before each row, so that a slice's claims are a difference of two sums
    before_row = None if counts is None else np.concatenate([[0], np.cumsum(counts)])
    starts, announced = _column(events, "date"), _column(events, "announced_date")
    out: dict[str, list[Any]] = {
        key: []
        for key in (
            "window_claims",
            "window_targets",
            "nearest_lag",
            "nearest_target",
            "last_before_lag",
            "last_before_target",
        )
    }
    for j, ebin in enumerate(events["bin"].to_list()):
        ebin = int(ebin)
        if window is None:
            first = _announced_bin(starts[j], announced[j], ebin, k)
            lo, hi = (first, ebin - 1) if first is not None and first < ebin else (1, 0)
        else:
            lo, hi = ebin + window[0], ebin + window[1]
        first_in = int(np.searchsorted(sorted_bins, lo, side="left"))
        past_in = int(np.searchsorted(sorted_bins, hi, side="right"))
        count = past_in - first_in if hi >= lo else 0
        if before_row is None:
            out["window_claims"].append(count)
        else:
            out["window_claims"].append(
                int(before_row[past_in] - before_row[first_in]) if count else 0
            )
            count = 0  # counted claims have no targets to list
        listed = labels.slice(first_in, min(count, TARGETS_KEPT)).to_list() if count else []
        out["window_targets"].append([str(label or "") for label in listed])
        nearest_lag = nearest = last_lag = last = None
        if sorted_bins.size:
            at_or_after = int(np.searchsorted(sorted_bins, ebin, side="left"))
            before = at_or_after - 1
            at = at_or_after
            if before >= 0 and (
                at_or_after == sorted_bins.size
                or ebin - sorted_bins[before] <= sorted_bins[at_or_after] - ebin
            ):
                # the nearest is before the event: the first claim of that bin (ties go
                # to the earlier claim)
                at = int(np.searchsorted(sorted_bins, sorted_bins[before], side="left"))
            nearest_lag = round(float(sorted_bins[at] - ebin) / k, 2)
            nearest = labels[at]
            if before >= 0:
                last_lag = round(float(sorted_bins[before] - ebin) / k, 2)
                last = labels[before]
        out["nearest_lag"].append(nearest_lag)
        out["nearest_target"].append(nearest)
        out["last_before_lag"].append(last_lag)
        out["last_before_target"].append(last)
    return pl.DataFrame(
        {
            "parties": pl.Series(_column(events, "parties"), dtype=pl.String),
            "source": pl.Series(_column(events, "source"), dtype=pl.String),
            "window_claims": pl.Series(out["window_claims"], dtype=pl.Int64),
            "window_targets": pl.Series(out["window_targets"], dtype=pl.List(pl.String)),
            "nearest_lag": pl.Series(out["nearest_lag"], dtype=pl.Float64),
            "nearest_target": pl.Series(out["nearest_target"], dtype=pl.String),
            "last_before_lag": pl.Series(out["last_before_lag"], dtype=pl.Float64),
            "last_before_target": pl.Series(out["last_before_target"], dtype=pl.String),
        }
    )
