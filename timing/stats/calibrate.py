"""Calibration by simulation: false-positive rate and power of the timing tests.

For each null model (independent Poisson claims, overdispersed negative binomial claims,
self-exciting Hawkes claims, a shared log-linear trend in claims and events) many datasets
are simulated without an effect and with a planted pre-event uplift; each registered test
turns every dataset into a p-value, and the share of p-values at or below ``alpha`` is the
false-positive rate (no effect) or the power (uplift). A well-calibrated test rejects about
``alpha`` of the null datasets whatever the burstiness of the claims.

Tests are vectorised over datasets: a registered test is a callable
``f(counts, event_bins, offsets, *, rng) -> pvalues`` with ``counts`` of shape ``(n, T)``,
``event_bins`` of shape ``(k,)`` (one calendar) or ``(n, k)`` (one per dataset), returning
``n`` p-values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from timing._shifts import admissible_shifts, circular_cross_correlation, interval_cover
from timing.engine import Engine
from timing.errors import TimingInputError
from timing.progress import advance, step
from timing.stats._common import TIE_RTOL, plain
from timing.stats.base import ResultDisplay
from timing.stats.simulate import simulate_batch, simulate_events

__all__ = [
    "NULLS",
    "TESTS",
    "CalibrationResult",
    "calibrate",
    "circular_shift_pvalues",
    "day_shuffle_pvalues",
    "poisson_naive_pvalues",
]

TestFunc = Callable[..., np.ndarray]
Progress = Callable[[int, int, str], None]

#: Null models: keyword arguments of :func:`simulate_batch` (plus ``events_trend``, the
#: log-linear trend of the event density).
NULLS: dict[str, dict[str, Any]] = {
    "iid": {"model": "poisson"},
    "negbin": {"model": "negbin", "dispersion": 2.0},
    "hawkes": {"model": "hawkes", "branching": 0.7, "decay": 0.5, "uplift_on": "intensity"},
    "ar": {"model": "ar", "dispersion": 0.5, "decay": 0.9},
    "trend": {"model": "poisson", "trend": 1.0, "events_trend": 1.0},
}

DETREND_SPAN = 91


def _union_weights(event_bins: np.ndarray, n_bins: int, offsets: tuple[int, int]) -> np.ndarray:
    """Union window weights, ``(T,)`` for one calendar or ``(n, T)`` for one per row."""
    ev = np.asarray(event_bins, dtype=np.int64)
    cover = interval_cover(ev + offsets[0], ev + offsets[1] + 1, n_bins, form="union")
    return cover.astype(np.float64)


def _detrended_rows(counts: np.ndarray, span: int) -> np.ndarray:
    """Row-wise :func:`timing.stats.circular.detrended` (centred moving average, reflected)."""
    half = span // 2
    padded = np.pad(counts, ((0, 0), (half, span - 1 - half)), mode="reflect")
    csum = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(padded, axis=1)], axis=1)
    return counts - (csum[:, span:] - csum[:, :-span]) / span


def circular_shift_pvalues(
    counts: np.ndarray,
    event_bins: np.ndarray,
    offsets: tuple[int, int] = (-3, -1),
    *,
    rng: np.random.Generator | None = None,
    detrend: int | None = None,
) -> np.ndarray:
    """Circular-shift p-values (union windows, default ``min_shift``) for many datasets.

    The same statistic and p-value as :func:`timing.stats.circular.circular_shift_test`,
    one FFT cross-correlation for all datasets at once. ``rng`` is unused (the test is
    exact); ``detrend`` subtracts a centred moving average first.
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    n_bins = counts.shape[1]
    weights = _union_weights(event_bins, n_bins, offsets)
    if detrend is not None:
        counts = _detrended_rows(counts, detrend)
    stats = circular_cross_correlation(counts, weights)
    shifts = admissible_shifts(n_bins, offsets[1] - offsets[0] + 1)
    observed = stats[:, :1]
    tol = TIE_RTOL * np.maximum(1.0, np.abs(observed))
    count = np.count_nonzero(stats[:, shifts] >= observed - tol, axis=1)
    return (1.0 + count) / (1.0 + shifts.size)


def _circular_detrended(counts, event_bins, offsets=(-3, -1), *, rng=None) -> np.ndarray:
    return circular_shift_pvalues(counts, event_bins, offsets, detrend=DETREND_SPAN)


def poisson_naive_pvalues(
    counts: np.ndarray,
    event_bins: np.ndarray,
    offsets: tuple[int, int] = (-3, -1),
    *,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Naive Poisson rate test: claims in the windows given the total, against a binomial.

    Notes
    -----
    If claims were independent Poisson with one constant rate, the ``X`` claims inside the
    union windows given all ``N`` claims would be ``Binomial(N, W / T)`` with ``W`` window
    bins of ``T``; the p-value is ``P(Binomial(N, W/T) >= X)`` (the exact conditional test of
    a Poisson rate ratio of 1). Overdispersion and self-excitation make ``X`` far more
    variable than that, so the test rejects too often on bursty claims.
    """
    from scipy import stats

    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    weights = _union_weights(event_bins, counts.shape[1], offsets)
    inside = (counts * weights).sum(axis=1)
    share = np.broadcast_to(weights, counts.shape).sum(axis=1) / counts.shape[1]
    return stats.binom.sf(inside - 1, counts.sum(axis=1), share)


def day_shuffle_pvalues(
    counts: np.ndarray,
    event_bins: np.ndarray,
    offsets: tuple[int, int] = (-3, -1),
    *,
    rng: np.random.Generator | int | None = None,
    n_surrogates: int = 999,
) -> np.ndarray:
    """Day-shuffle surrogate test: claims in the windows after randomly permuting the days.

    Notes
    -----
    Permuting the days and counting claims in the (union) windows equals summing the
    counts of a uniformly random set of ``W`` days, so each surrogate is one random ``W``-set
    drawn with ``rng``; the same surrogate sets serve every dataset with the same ``W`` (each
    p-value is still a valid Monte Carlo p-value, ``(1 + #) / (1 + n_surrogates)``). The
    shuffle treats the days as exchangeable, which bursty claims are not.
    """
    rng = np.random.default_rng(rng)
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    n, n_bins = counts.shape
    weights = np.broadcast_to(_union_weights(event_bins, n_bins, offsets), counts.shape)
    observed = (counts * weights).sum(axis=1)
    sizes = np.count_nonzero(weights, axis=1)
    ranks = rng.permuted(np.tile(np.arange(n_bins), (n_surrogates, 1)), axis=1)
    pvalues = np.empty(n)
    for size in np.unique(sizes):
        rows = sizes == size
        null = counts[rows] @ (ranks < size).T.astype(np.float64)
        tol = TIE_RTOL * np.maximum(1.0, np.abs(observed[rows]))[:, None]
        count = np.count_nonzero(null >= observed[rows][:, None] - tol, axis=1)
        pvalues[rows] = (1.0 + count) / (1.0 + n_surrogates)
    return pvalues


#: Registered tests, by name.
TESTS: dict[str, TestFunc] = {
    "circular_shift": circular_shift_pvalues,
    "circular_shift_detrend": _circular_detrended,
    "poisson_naive": poisson_naive_pvalues,
    "day_shuffle": day_shuffle_pvalues,
}


@dataclass(frozen=True, slots=True)
class CalibrationResult(ResultDisplay):
    """False-positive rate and power of each test under each null model.

    Attributes
    ----------
    table : polars.DataFrame
        One row per (test, null): ``fpr`` with its Clopper-Pearson 95 % interval
        ``fpr_low``..``fpr_high``, and ``power`` (share of uplift datasets rejected) with
        ``power_low``..``power_high``; ``n_datasets`` per cell.
    alpha, uplift : float
        Significance level and planted uplift.
    params : dict
        Everything else needed to reproduce the run (sizes, rates, offsets, seed, nulls).
    """

    table: pl.DataFrame
    alpha: float
    uplift: float
    params: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """A text table; ``!`` marks a false-positive rate whose interval lies above alpha.

        For an interval's row the "FPR" is the share of intervals that miss the truth and
        the last column its coverage.
        """
        head = (
            f"Calibration: {self.params.get('n_datasets')} datasets per null, "
            f"T={self.params.get('n_bins')}, {self.params.get('n_events')} events, "
            f"alpha={self.alpha:g}, power at uplift {self.uplift:g}x"
        )
        lines = [
            head,
            f"{'test':<24}{'null':<18}{'n':>6}  {'FPR (95% CI)':<26}{'power (95% CI)':<24}",
        ]
        for r in self.table.iter_rows(named=True):
            flag = "!" if r["fpr_low"] > self.alpha else " "
            fpr = f"{r['fpr']:6.1%} ({r['fpr_low']:.1%}-{r['fpr_high']:.1%}){flag}"
            power = (
                "-"
                if r["power"] is None
                else f"{r['power']:6.1%} ({r['power_low']:.1%}-{r['power_high']:.1%})"
            )
            if r.get("coverage") is not None:
                power = f"coverage {r['coverage']:.1%}"
            n = r["n_datasets"]
            lines.append(f"{r['test']:<24}{r['null']:<18}{n:>6}  {fpr:<26}{power}".rstrip())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the parameters and one dict per table row."""
        return {
            "alpha": self.alpha,
            "uplift": self.uplift,
            "params": plain(self.params),
            "rows": plain(self.table.to_dicts()),
        }


def _rate(k: int, n: int) -> tuple[float, float, float]:
    from scipy import stats

    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return k / n, float(ci.low), float(ci.high)


def _calibrate_iv(
    tests: Sequence[str], nulls: Sequence[str], n_datasets: int, alpha: float
) -> None:
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        raise TimingInputError(f"unknown test(s) {unknown}; choose from {sorted(TESTS)}")
    unknown = [m for m in nulls if m not in NULLS]
    if unknown:
        raise TimingInputError(f"unknown null model(s) {unknown}; choose from {sorted(NULLS)}")
    if n_datasets < 1:
        raise TimingInputError(f"n_datasets must be at least 1, got {n_datasets}")
    if not 0 < alpha < 1:
        raise TimingInputError(f"alpha must be in (0, 1), got {alpha}")


#: Columns of a calibration table: the rejection rates under the null and under the uplift,
#: each with its exact binomial 95 % interval.
TABLE_COLUMNS = (
    "test",
    "null",
    "n_datasets",
    "fpr",
    "fpr_low",
    "fpr_high",
    "power",
    "power_low",
    "power_high",
)

#: Datasets simulated and tested together (one task of an engine).
BLOCK = 1000


@dataclass(frozen=True)
class _Block:
    """One block of simulated datasets: everything a worker needs, with its own seed."""

    null: str
    effect: float
    size: int
    seed: np.random.SeedSequence
    tests: tuple[str, ...]
    n_bins: int
    n_events: int
    claim_rate: float
    alpha: float
    offsets: tuple[int, int]
    min_spacing: int


def _run_block(block: _Block) -> dict[str, int]:
    """Simulate one block and count each test's rejections (a picklable task)."""
    rng = np.random.default_rng(block.seed)
    spec = dict(NULLS[block.null])
    events_trend = spec.pop("events_trend", 0.0)
    events = simulate_events(
        block.n_bins,
        block.n_events,
        min_spacing=block.min_spacing,
        trend=events_trend,
        size=block.size,
        seed=rng,
    )
    counts = simulate_batch(
        block.size,
        block.n_bins,
        rate=block.claim_rate,
        events=events,
        uplift=block.effect,
        offsets=block.offsets,
        seed=rng,
        **spec,
    )
    out = {}
    for name in block.tests:
        p = np.asarray(TESTS[name](counts, events, block.offsets, rng=rng))
        out[name] = int(np.count_nonzero(p <= block.alpha))
    return out


def calibrate(
    tests: Sequence[str] = ("circular_shift", "poisson_naive", "day_shuffle"),
    nulls: Sequence[str] = ("iid", "negbin", "hawkes", "ar", "trend"),
    n_datasets: int = 500,
    n_bins: int = 1826,
    n_events: int = 60,
    claim_rate: float = 0.6,
    uplift: float = 1.5,
    alpha: float = 0.05,
    *,
    offsets: tuple[int, int] = (-3, -1),
    min_spacing: int = 7,
    seed: int | None = 0,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> CalibrationResult:
    """Simulate null and uplift datasets and measure each test's rejection rate.

    Parameters
    ----------
    tests : sequence of str
        Names in :data:`TESTS`.
    nulls : sequence of str
        Names in :data:`NULLS`.
    n_datasets : int
        Datasets per null model (and as many again with the uplift, for power).
    n_bins, n_events, min_spacing : int
        Period length, events per calendar and their minimum spacing; every dataset gets its
        own calendar.
    claim_rate : float
        Mean claims per bin (0.6 puts claims on about 44 % of days under Poisson).
    uplift : float
        Planted multiplier of the (background) claim rate in the union windows, for power.
    alpha : float
        Significance level.
    offsets : tuple of int
        Window offsets of the tests and of the planted uplift.
    seed : int or None
        Seed of the whole run; each null model gets its own child stream.
    progress : callable, optional
        Called as ``progress(done, total, label)`` after each simulated block.
    engine : timing.engine.Engine, optional
        Where the blocks of :data:`BLOCK` datasets are simulated and tested: here by
        default, or on a Dask cluster (``Engine("dask")``); the result is the same.

    Returns
    -------
    CalibrationResult

    Notes
    -----
    A rejection rate ``k / n`` gets the exact Clopper-Pearson interval
    (``scipy.stats.binomtest(k, n).proportion_ci()``). With ``n = 500`` its half-width at
    5 % is about 2 points; a test is miscalibrated when the interval lies above ``alpha``.

    Examples
    --------
    >>> res = calibrate(("circular_shift",), ("iid",), n_datasets=20, n_bins=365,
    ...                 n_events=10, seed=1)
    >>> res.table.columns[:4]
    ['test', 'null', 'n_datasets', 'fpr']
    """
    _calibrate_iv(tests, nulls, n_datasets, alpha)
    # The work is cut into blocks of at most BLOCK datasets, each with a seed of its own
    # spawned from the run's seed: the answer depends on the seed and the block layout only,
    # never on where (or in which order) the blocks were computed.
    children = np.random.SeedSequence(seed).spawn(len(nulls))
    sizes = [min(BLOCK, n_datasets - i) for i in range(0, n_datasets, BLOCK)]
    blocks: list[_Block] = []
    for null, child in zip(nulls, children, strict=True):
        seeds = child.spawn(2 * len(sizes))
        for e, effect in enumerate((1.0, uplift)):
            for b, size in enumerate(sizes):
                blocks.append(
                    _Block(
                        null=null,
                        effect=effect,
                        size=size,
                        seed=seeds[e * len(sizes) + b],
                        tests=tuple(tests),
                        n_bins=n_bins,
                        n_events=n_events,
                        claim_rate=claim_rate,
                        alpha=alpha,
                        offsets=offsets,
                        min_spacing=min_spacing,
                    )
                )
    labels = [f"{blk.null} ({'null' if blk.effect == 1.0 else 'uplift'})" for blk in blocks]

    def report(done: int, total: int) -> None:
        advance(done, total)
        if progress is not None:
            progress(done, total, labels[min(done, total) - 1])

    step("calibration: simulating datasets", total=len(blocks))

    counts = (engine or Engine()).map(_run_block, blocks, progress=report)
    rows = []
    for null in nulls:
        for name in tests:
            found = [
                (blk, c[name]) for blk, c in zip(blocks, counts, strict=True) if blk.null == null
            ]
            fpr = _rate(sum(k for blk, k in found if blk.effect == 1.0), n_datasets)
            power = _rate(sum(k for blk, k in found if blk.effect != 1.0), n_datasets)
            rows.append((name, null, n_datasets, *fpr, *power))
    table = pl.DataFrame(rows, schema=list(TABLE_COLUMNS), orient="row")
    params = {
        "n_datasets": n_datasets,
        "n_bins": n_bins,
        "n_events": n_events,
        "claim_rate": claim_rate,
        "offsets": offsets,
        "min_spacing": min_spacing,
        "seed": seed,
        "nulls": {m: NULLS[m] for m in nulls},
        "tests": list(tests),
    }
    return CalibrationResult(table=table, alpha=alpha, uplift=uplift, params=params)
