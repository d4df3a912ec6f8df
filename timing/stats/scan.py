"""Hypothesis scan: windows x actor x claim kind x event kind, with FDR and FWER control.

Every cell of the scan is one exact circular-shift test (:mod:`timing.stats.circular`) of
one claim series (an actor and a claim kind, or "all") against one event calendar (an event
kind, or "all") for one window ``(-w, -1)`` (or the anticipation window). All cells share a
common study period (the span of all the data) and a common set of admissible shifts, so a
single pass over the shifts gives the exact per-cell p-values, Benjamini-Hochberg and
Benjamini-Yekutieli q-values, and a Westfall-Young max-statistic family-wise p-value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from timing._shifts import admissible_shifts
from timing.engine import Engine
from timing.errors import TimingInputError
from timing.stats._common import TIE_RTOL, plain, result_dict
from timing.stats._scan_kernel import (
    Calendar,
    ScanPlan,
    claim_series,
    run_blocks,
    union_window_sizes,
)
from timing.stats.base import ResultDisplay
from timing.timeline import Timeline, anticipation_weights, bins_to_next_event, build_timeline

__all__ = ["ScanResult", "next_event_distance", "scan"]

ALL = "all"
_COLUMNS = (
    "window",
    "actor",
    "claim_kind",
    "event_kind",
    "variant",
    "statistic",
    "expected",
    "rate_ratio",
    "pvalue",
    "q_bh",
    "q_by",
    "p_fwer",
    "n_claims",
    "n_events",
)


@dataclass(frozen=True, slots=True)
class ScanResult(ResultDisplay):
    """Result of :func:`scan`.

    Attributes
    ----------
    method : str
        Human name.
    cells : polars.DataFrame
        One row per tested cell: ``window`` (null for the anticipation variant), ``actor``,
        ``claim_kind``, ``event_kind`` (``"all"`` pools a dimension), ``variant``
        (``"window"`` or ``"anticipation"``), ``statistic`` (claims in the union of windows),
        ``expected`` (its mean over the shifts), ``rate_ratio``, ``pvalue`` (exact
        circular-shift), ``q_bh``, ``q_by`` (FDR q-values over all tested cells), ``p_fwer``
        (max-statistic family-wise p), ``n_claims``, ``n_events``.
    n_cells, n_tested, n_skipped : int
        Candidate cells, cells tested, cells skipped (``n_cells = n_tested + n_skipped``).
    skipped : dict
        Skipped cells by reason.
    n_shifts, min_shift : int
        The admissible shifts shared by every cell.
    alpha : float
        Level used for the discovery counts.
    n_discoveries_bh, n_discoveries_by, n_fwer : int
        Cells with ``q_bh``, ``q_by``, ``p_fwer`` at most ``alpha``.
    start, end : str
        Study period (ISO dates); ``resolution`` the bin width; ``n_bins`` its length.
    """

    method: str
    cells: pl.DataFrame = field(repr=False)
    n_cells: int
    n_tested: int
    n_skipped: int
    skipped: dict[str, int]
    n_shifts: int
    min_shift: int
    alpha: float
    n_discoveries_bh: int
    n_discoveries_by: int
    n_fwer: int
    start: str
    end: str
    resolution: str
    n_bins: int

    def top(self, n: int = 10) -> pl.DataFrame:
        """The ``n`` cells with the smallest p-values (ties broken by rate ratio)."""
        return self.cells.sort(["pvalue", "rate_ratio"], descending=[False, True]).head(n)

    def summary(self) -> str:
        """A few lines for people: the multiple-testing picture first, then the top cells."""
        lines = [
            f"{self.method}: {self.n_tested} cells tested ({self.n_skipped} skipped: "
            + (", ".join(f"{k} {v}" for k, v in self.skipped.items()) or "none")
            + f") over {self.n_shifts} common shifts, {self.start}..{self.end}.",
            f"Discoveries at {self.alpha:g}: {self.n_discoveries_bh} by BH q-value, "
            f"{self.n_discoveries_by} by BY q-value, {self.n_fwer} by family-wise max-statistic p. "
            "Raw p-values of single cells are not evidence on their own in a scan this size.",
        ]
        for row in self.top(5).iter_rows(named=True):
            where = "anticipation" if row["window"] is None else f"window {row['window']}"
            lines.append(
                f"  {where}, {row['actor']} / {row['claim_kind']} / {row['event_kind']}: "
                f"rate ratio {row['rate_ratio']:.2f}, p = {row['pvalue']:.3g}, "
                f"q_BH = {row['q_bh']:.3g}, p_FWER = {row['p_fwer']:.3g}"
            )
        return "\n".join(lines)

    def to_dict(self, *, full: bool = True) -> dict[str, Any]:
        """Plain data for JSON; ``cells`` as a list of records (left out when ``full=False``)."""
        out = result_dict(self, exclude=("cells",))
        if full:
            out["cells"] = [plain(r) for r in self.cells.to_dicts()]
        return out


def next_event_distance(event_bins: np.ndarray, n_bins: int) -> np.ndarray:
    """For every bin ``t``, ``min(e - t)`` over events ``e > t`` (``n_bins + 1`` if none).

    The union window ``(-w, -1)`` of a calendar is then exactly ``distance <= w`` for any
    ``w <= n_bins`` (the scan counts window bins with :func:`union_window_sizes`).

    Examples
    --------
    >>> next_event_distance(np.array([3, 5]), 7).tolist()
    [3, 2, 1, 2, 1, 8, 8]
    """
    distance = bins_to_next_event(np.arange(n_bins), event_bins, strictly_after=True)
    return np.where(distance < 0, n_bins + 1, distance)


def _levels(frame: pl.DataFrame, column: str, enabled: bool) -> list[str]:
    values = sorted(str(v) for v in frame[column].drop_nulls().unique().to_list())
    return [ALL, *values] if enabled and len(values) > 1 else [ALL]


def _scan_iv(windows: Iterable[int], alpha: float, min_shift: int | None) -> list[int]:
    try:
        ws = sorted({int(w) for w in windows})
    except (TypeError, ValueError) as exc:
        raise TimingInputError(f"windows must be positive integers, got {windows!r}") from exc
    if ws and ws[0] < 1:
        raise TimingInputError(f"windows must be positive bin counts, got {ws}")
    if not 0 < alpha < 1:
        raise TimingInputError(f"alpha must be between 0 and 1, got {alpha}")
    if min_shift is not None and min_shift < 1:
        raise TimingInputError(f"min_shift must be at least 1, got {min_shift}")
    return ws


def scan(
    claims_df: pl.DataFrame | Timeline,
    events_df: pl.DataFrame | None = None,
    *,
    windows: Iterable[int] = range(1, 31),
    by_actor: bool = True,
    by_claim_kind: bool = True,
    by_event_kind: bool = True,
    anticipation: bool = True,
    min_shift: int | None = None,
    alpha: float = 0.05,
    resolution: str = "day",
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    engine: Engine | None = None,
    threads: int | None = None,
) -> ScanResult:
    """Scan every window x actor x claim kind x event kind cell with exact circular shifts.

    Parameters
    ----------
    claims_df, events_df : Timeline, or two polars.DataFrame
        A :class:`~timing.timeline.Timeline` already built (what
        :func:`timing.analysis.analyze` passes: its period, resolution and rows), or the
        canonical (validated) claims and events tables, binned here with ``resolution``,
        ``start`` and ``end``.
    windows : iterable of int
        Window lengths ``w``: each cell tests the union of windows ``[e - w, e - 1]``.
    by_actor, by_claim_kind, by_event_kind : bool
        Split by that dimension (each also keeps the pooled level ``"all"``; a dimension
        with a single value in the data only has ``"all"``, which is the same cell).
    anticipation : bool
        Add the anticipation-window variant ``[announced, e - 1]`` per combination.
    min_shift : int, optional
        Smallest circular shift distance, common to every cell. Default: the longest
        window (at least 7 with ``anticipation``), so that no shifted window overlaps its
        own observed window in any cell.
    alpha : float
        Level for the discovery counts in the result.
    resolution : {"day", "hour", "minute"}
        Bin width (windows are in bins).
    start, end : datetime.date, optional
        Study period; default the span of all the data.
    progress : callable, optional
        Called as ``progress(done, total)`` in cells as the scan advances.
    engine : timing.engine.Engine, optional
        Where the blocks of claim series are computed: in this process (default) or on a
        Dask cluster (``Engine("dask")``); the cells are identical either way.
    threads : int, optional
        Threads per process working on the claim series (default: the machine's cores;
        1 on Dask workers). The cells do not depend on it.

    Returns
    -------
    ScanResult

    Notes
    -----
    Cell ``i`` with claim series ``c`` and window weights ``m_i`` has the statistic
    ``S_i(s) = sum_t c_t m_i[(t - s) mod T]`` for every shift; for one claim series and one
    calendar, all window lengths come from one FFT correlation of the series' running total
    with the event bins (see :mod:`timing.stats._scan_kernel`), exactly. The p-value is
    ``(1 + #{s in A: S_i(s) >= S_i(0)}) / (1 + |A|)`` over the common admissible shifts
    ``A``, identical to :func:`timing.stats.circular.circular_shift_test` with the same
    ``min_shift``. q-values: Benjamini-Hochberg (valid under independence or positive
    dependence) and Benjamini-Yekutieli (any dependence) over the tested cells. Family-wise:
    standardise each cell's null, ``z_i(s) = (S_i(s) - mean_i) / sd_i``; with
    ``M(s) = max_i z_i(s)`` over shifts ``s in A``, ``p_fwer_i = (1 + #{M(s) >= z_i(0)}) /
    (1 + |A|)`` (single-step Westfall-Young maxT). Because the whole calendar moves jointly
    in every cell, the dependence between cells is kept, and the control is exact over
    shifts.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(0, 300, 3)]
    >>> claims = pl.DataFrame({"claim_id": [str(i) for i in range(len(days))], "date": days,
    ...     "actor": "A", "kind": "capture"})
    >>> events = pl.DataFrame({"event_id": ["e1", "e2"], "date": [dt.date(2024, 3, 1),
    ...     dt.date(2024, 7, 1)], "kind": "talks"})
    >>> res = scan(claims, events, windows=[3, 7], anticipation=False)
    >>> res.cells.height
    2
    """
    ws = _scan_iv(windows, alpha, min_shift)
    if not ws and not anticipation:
        raise TimingInputError("nothing to scan: pass windows or anticipation=True")
    if isinstance(claims_df, Timeline):
        tl = claims_df
    else:
        if events_df is None:
            raise TimingInputError("scan: pass a Timeline, or the claims and events tables")
        tl = build_timeline(claims_df, events_df, start=start, end=end, resolution=resolution)  # type: ignore[arg-type]
    n_bins = tl.n_bins
    common_min = max([*ws, 7 if anticipation else 1]) if min_shift is None else int(min_shift)
    shifts = admissible_shifts(n_bins, common_min)
    if shifts.size == 0:
        raise TimingInputError(
            f"no admissible shift: the period ({n_bins} bins) is too short for "
            f"min_shift={common_min}"
        )
    cf, ef = tl.claims_frame, tl.events_frame
    actors = _levels(cf, "actor", by_actor)
    ckinds = _levels(cf, "kind", by_claim_kind)
    ekinds = _levels(ef, "kind", by_event_kind)
    n_rows = len(ws) + int(anticipation)
    total = len(actors) * len(ckinds) * len(ekinds) * n_rows
    skipped: dict[str, int] = {}

    def skip(reason: str, n: int) -> None:
        if n:
            skipped[reason] = skipped.get(reason, 0) + n

    # Event calendars: the rows of every event kind, in the order of the cells.
    ev_kind = ef["kind"].to_numpy()
    calendars: list[Calendar] = []
    meta: list[tuple[int | None, str, str, int]] = []
    n_in_rows: list[float] = []
    w_arr = np.asarray(ws, dtype=np.int64)
    for ek in ekinds:
        sel = np.ones(ef.height, dtype=bool) if ek == ALL else ev_kind == ek
        bins, ann = tl.event_bins[sel], tl.announced_bins[sel]
        n_ev = int(sel.sum())
        if n_ev == 0:
            skip("no events", len(actors) * len(ckinds) * n_rows)
            continue
        starts = np.unique(bins.astype(np.int64))
        kept = w_arr[:0]
        if ws:
            sizes = union_window_sizes(starts, n_bins, w_arr)
            kept = w_arr[sizes > 0]
            skip("no window bins", len(actors) * len(ckinds) * int((sizes == 0).sum()))
            meta.extend((int(w), ek, "window", n_ev) for w in kept)
            n_in_rows.extend(sizes[sizes > 0].astype(np.float64).tolist())
        aw: np.ndarray | None = None
        if anticipation:
            aw = anticipation_weights(bins, ann, n_bins)
            if aw.any():
                meta.append((None, ek, "anticipation", n_ev))
                n_in_rows.append(float(np.count_nonzero(aw)))
            else:
                aw = None
                skip("no anticipation window", len(actors) * len(ckinds))
        if kept.size or aw is not None:
            anti = None if aw is None else aw > 0  # the union form: 0/1, shipped as bools
            calendars.append(Calendar(starts=starts, windows=kept, anticipation=anti))
    plan = ScanPlan(n_bins, tuple(calendars), _null_index(shifts), int(shifts.size))
    n_in = np.asarray(n_in_rows, dtype=np.float64)
    n_out = n_bins - n_in

    series = [
        (actor, ck, counts)
        for actor, ck, counts in claim_series(cf, actors, ckinds, n_bins)
        if meta and counts.any()
    ]
    n_empty = len(actors) * len(ckinds) - len(series)
    skip("no claims", n_empty * len(meta))
    if progress is not None:
        progress(0, total)
    stats = run_blocks(
        plan,
        [c for _, _, c in series],
        engine=engine,
        threads=threads,
        progress=None
        if progress is None
        else lambda done, n: progress(n_empty * len(ekinds) * n_rows + done, total),
        cells_per_series=len(ekinds) * n_rows,
    )
    records: dict[str, list[Any]] = {c: [] for c in _COLUMNS if c not in ("q_bh", "q_by", "p_fwer")}
    z_obs: list[np.ndarray] = []
    for j, (actor, ck, counts) in enumerate(series):
        obs, mean, sd = stats.obs[j], stats.mean[j], stats.sd[j]
        n_claims = int(counts.sum())
        z_obs.append((obs - mean) / np.where(sd > 0, sd, 1.0))
        n_cells = len(meta)
        records["window"].extend(m[0] for m in meta)
        records["actor"].extend([actor] * n_cells)
        records["claim_kind"].extend([ck] * n_cells)
        records["event_kind"].extend(m[1] for m in meta)
        records["variant"].extend(m[2] for m in meta)
        records["statistic"].extend(obs.tolist())
        records["expected"].extend(mean.tolist())
        records["rate_ratio"].extend(_rate_ratios(stats.in_sum[j], counts.sum(), n_in, n_out))
        records["pvalue"].extend(((1.0 + stats.n_ge[j]) / (1.0 + shifts.size)).tolist())
        records["n_claims"].extend([n_claims] * n_cells)
        records["n_events"].extend(m[3] for m in meta)
    max_null = stats.max_null

    pv = np.asarray(records["pvalue"], dtype=np.float64)
    q_bh, q_by, p_fwer = _adjust(pv, z_obs, max_null)
    cells = pl.DataFrame(
        {**records, "q_bh": q_bh, "q_by": q_by, "p_fwer": p_fwer},
        schema={
            "window": pl.Int64,
            "actor": pl.String,
            "claim_kind": pl.String,
            "event_kind": pl.String,
            "variant": pl.String,
            "statistic": pl.Float64,
            "expected": pl.Float64,
            "rate_ratio": pl.Float64,
            "pvalue": pl.Float64,
            "n_claims": pl.Int64,
            "n_events": pl.Int64,
            "q_bh": pl.Float64,
            "q_by": pl.Float64,
            "p_fwer": pl.Float64,
        },
    ).select(_COLUMNS)
    n_skipped = sum(skipped.values())
    return ScanResult(
        method="Hypothesis scan (exact circular shifts, BH/BY q-values, max-statistic FWER)",
        cells=cells,
        n_cells=total,
        n_tested=cells.height,
        n_skipped=n_skipped,
        skipped=skipped,
        n_shifts=int(shifts.size),
        min_shift=common_min,
        alpha=float(alpha),
        n_discoveries_bh=int(np.count_nonzero(q_bh <= alpha)),
        n_discoveries_by=int(np.count_nonzero(q_by <= alpha)),
        n_fwer=int(np.count_nonzero(p_fwer <= alpha)),
        start=str(tl.start),
        end=str(tl.end),
        resolution=tl.resolution,
        n_bins=n_bins,
    )


def _adjust(
    pv: np.ndarray, z_obs: list[np.ndarray], max_null: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BH and BY q-values (statsmodels) and max-statistic family-wise p-values."""
    if pv.size == 0:
        empty = np.zeros(0, dtype=np.float64)
        return empty, empty, empty
    from statsmodels.stats.multitest import multipletests

    q_bh = multipletests(pv, method="fdr_bh")[1]
    q_by = multipletests(pv, method="fdr_by")[1]
    z = np.concatenate(z_obs)
    tol = TIE_RTOL * np.maximum(1.0, np.abs(z))
    sorted_max = np.sort(max_null)
    n_ge = max_null.size - np.searchsorted(sorted_max, z - tol, side="left")
    p_fwer = (1.0 + n_ge) / (1.0 + max_null.size)
    return np.asarray(q_bh, dtype=np.float64), np.asarray(q_by, dtype=np.float64), p_fwer


def _null_index(shifts: np.ndarray) -> slice | np.ndarray:
    """Index of the admissible shifts: a slice (a view, no copy) when they are contiguous."""
    if shifts.size and int(shifts[-1] - shifts[0]) + 1 == shifts.size:
        return slice(int(shifts[0]), int(shifts[-1]) + 1)
    return shifts


def _rate_ratios(
    in_sum: np.ndarray, total: float, n_in: np.ndarray, n_out: np.ndarray
) -> list[float]:
    """Claims per bin inside each window row over claims per bin outside (as ``rate_ratio``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_in, rate_out = in_sum / n_in, (total - in_sum) / n_out
        ratio = np.where(rate_out == 0, np.where(rate_in > 0, np.inf, np.nan), rate_in / rate_out)
    return np.where((n_in == 0) | (n_out == 0), np.nan, ratio).tolist()
