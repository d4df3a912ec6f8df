"""The self-exciting claims model's recursion, one block of bins at a time.

:func:`timing.stats.simulate.simulate_batch` and the simulated null
(:mod:`timing.stats.simulated_null`) both run the INGARCH(1,1) recursion of the Hawkes
model over time, all datasets at once. At hour resolution over ten years that is 87,672
steps: stored as a ``(datasets, T)`` array, one step wrote a column, a stride of ``8 T``
bytes per dataset, which cost three times the draws themselves, and 999 series took
700 MB. Here the steps fill a small ``(block, datasets)`` buffer row by row, and the
caller either copies it into place or only sums it. The draws are the same calls on the
same generator with the same arguments, so the numbers are identical.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["hawkes_blocks", "hawkes_series_blocks", "trend_profile"]

#: Bins per block: 256 x 999 datasets of int64 is 2 MB, which stays in cache.
BLOCK_BINS = 256


def trend_profile(n_bins: int, trend: float) -> np.ndarray:
    """``exp(trend (t / (T - 1) - 1/2))`` over ``T`` bins: the log-linear trend of the
    simulated and fitted claim rates, 1 at the middle of the period."""
    return np.exp(trend * (np.arange(n_bins) / max(n_bins - 1, 1) - 0.5))


def hawkes_blocks(
    rng: np.random.Generator,
    base: np.ndarray,
    excite: np.ndarray,
    *,
    branching: float,
    decay: float,
    factor: np.ndarray | None = None,
    block: int = BLOCK_BINS,
) -> Iterator[tuple[int, np.ndarray]]:
    """Counts of the discrete self-exciting model, ``block`` bins at a time.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drawn from once per bin: ``rng.poisson(lambda_t)`` for all datasets.
    base : numpy.ndarray
        Baseline ``lambda0`` of shape ``(1, T)`` (shared) or ``(n, T)``.
    excite : numpy.ndarray
        Starting excitation ``E_{-1}``, shape ``(n,)``; not modified.
    branching, decay : float
        ``b`` and the kernel ratio: ``lambda_t = ((1 - b) lambda0_t + b E_t) f_t`` and
        ``E_t = decay E_{t-1} + (1 - decay) c_t``.
    factor : numpy.ndarray, optional
        Multiplier ``f_t`` of the whole intensity, shape ``(1, T)`` or ``(n, T)``
        (default 1).
    block : int
        Bins per block.

    Yields
    ------
    tuple
        ``(t0, counts)`` with ``counts`` an ``int64`` array of shape ``(L, n)`` for bins
        ``t0 .. t0 + L - 1``; the buffer is reused, so copy or reduce it before the next.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> blocks = hawkes_blocks(rng, np.full((1, 5), 2.0), np.full(3, 2.0), branching=0.5,
    ...                        decay=0.5, block=2)
    >>> [(t0, c.shape) for t0, c in blocks]
    [(0, (2, 3)), (2, (2, 3)), (4, (1, 3))]
    """
    n, n_bins = excite.shape[0], base.shape[1]
    excite = np.array(excite, dtype=np.float64)
    buffer = np.empty((block, n), dtype=np.int64)
    keep = 1.0 - decay
    for t0 in range(0, n_bins, block):
        t1 = min(t0 + block, n_bins)
        # (1 - b) lambda0 by bin, as the full-array product computes it, bins as rows.
        mu = ((1.0 - branching) * base[:, t0:t1]).T
        shared = mu.shape[1] == 1
        scale = None if factor is None else np.ascontiguousarray(factor[:, t0:t1].T)
        for k in range(t1 - t0):
            lam = (mu[k, 0] if shared else mu[k]) + branching * excite
            if scale is not None:
                lam = lam * (scale[k, 0] if scale.shape[1] == 1 else scale[k])
            row = buffer[k]
            row[:] = rng.poisson(lam)
            excite = decay * excite + keep * row
        yield t0, buffer[: t1 - t0]


def hawkes_series_blocks(
    n_datasets: int,
    n_bins: int,
    *,
    rate: float,
    trend: float,
    branching: float,
    decay: float,
    seed: int | np.random.Generator | None,
    block: int = BLOCK_BINS,
) -> Iterator[tuple[int, np.ndarray]]:
    """The blocks of ``simulate_batch(n_datasets, n_bins, model="hawkes", ...)``, no events.

    Same seed, same counts: ``simulate_batch`` is these blocks put side by side (asserted in
    ``tests/stats/test_hawkes_blocks.py``), but nothing of length ``n_datasets x T`` is
    kept. The parameters are those of :func:`~timing.stats.simulate.simulate_batch`.

    Examples
    --------
    >>> from timing.stats.simulate import simulate_batch
    >>> kw = dict(rate=1.5, trend=0.2, branching=0.6, decay=0.5, seed=3)
    >>> blocks = [c.T.copy() for _, c in hawkes_series_blocks(4, 600, block=100, **kw)]
    >>> np.array_equal(np.hstack(blocks), simulate_batch(4, 600, model="hawkes", **kw))
    True
    """
    rng = np.random.default_rng(seed)
    base = rate * trend_profile(n_bins, trend)
    excite = np.full(n_datasets, rate * np.exp(-trend / 2.0))
    yield from hawkes_blocks(
        rng, base[None, :], excite, branching=branching, decay=decay, block=block
    )
