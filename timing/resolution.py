"""Bin widths: day, hour and minute, and lengths in days as bins.

:mod:`timing.timeline` bins claims and events at one of these resolutions; windows and
lead times given in days become ``days * BINS_PER_DAY[resolution]`` bins.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from timing.errors import TimingInputError

__all__ = ["BINS_PER_DAY", "Resolution", "check_resolution", "days_to_bins", "require_times"]

Resolution = Literal["day", "hour", "minute"]

#: Bins per day at each resolution; windows given in days are ``days * BINS_PER_DAY[r]``
#: bins (a window of 3 days at minute resolution is 4320 one-minute bins).
BINS_PER_DAY: dict[str, int] = {"day": 1, "hour": 24, "minute": 1440}
_STEP = {r: dt.timedelta(days=1) / n for r, n in BINS_PER_DAY.items()}


def check_resolution(resolution: str) -> Resolution:
    """Return ``resolution`` if it is one of ``day``, ``hour``, ``minute``; else raise.

    Raises
    ------
    TimingInputError
        Naming the value found and the accepted ones.
    """
    if resolution not in BINS_PER_DAY:
        raise TimingInputError(
            f"--resolution {resolution!r}: expected one of {', '.join(BINS_PER_DAY)}"
        )
    return resolution  # type: ignore[return-value]


def days_to_bins(days: int, resolution: str) -> int:
    """A length in whole days as bins of ``resolution`` (``days_to_bins(3, "hour") == 72``)."""
    return int(days) * BINS_PER_DAY[check_resolution(resolution)]


def require_times(claims: pl.DataFrame) -> None:
    """Refuse minute bins for claims without times of day (all at 00:00, or plain dates)."""
    from timing.claim_counts import n_claims

    date = claims["date"]
    if date.dtype == pl.Date:
        raise TimingInputError(
            "--resolution minute: the claims' date column holds dates without times; "
            "use --resolution day, or give date-times such as 2024-03-01T14:35Z"
        )
    timed = date.dt.hour().cast(pl.Int32) * 60 + date.dt.minute().cast(pl.Int32)
    if claims.height and not (timed.fill_null(0) > 0).any():
        raise TimingInputError(
            f"--resolution minute: all {n_claims(claims)} claims are at 00:00 UTC (dates "
            "without a time of day); minute bins need times, e.g. 2024-03-01T14:35Z; "
            "use --resolution day or hour for dates only"
        )
