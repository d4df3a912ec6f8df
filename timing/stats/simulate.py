"""Seeded generators of event calendars and claim series, with a planted pre-event uplift.

The claim generators share one baseline intensity per bin,

.. math:: \\lambda^0_t = r \\, g_t \\, u_t, \\qquad g_t = \\exp\\{\\kappa (t / (T - 1) - 1/2)\\},

where ``r`` is the mean rate, ``kappa`` the log-linear ``trend`` over the whole period
(centred, so the geometric mean of ``g`` is 1) and ``u_t`` the planted ``uplift`` inside
the union of the event windows ``[e + offsets[0], e + offsets[1]]`` (1 elsewhere). The
models differ in how counts scatter around it:

* ``"poisson"``: independent ``Poisson(lambda0_t)``.
* ``"negbin"``: independent gamma-Poisson (NB2), variance ``mu + dispersion * mu**2``.
* ``"hawkes"``: a discrete-time self-exciting process: ``lambda_t = mu_t + b E_t`` with
  ``mu_t = (1 - b) lambda0_t``, ``E_t = decay E_{t-1} + (1 - decay) c_{t-1}`` (a geometric
  kernel of unit mass, mean lag ``1 / (1 - decay)``), branching ratio ``b``; the stationary
  mean is ``mu / (1 - b) = r``.
* ``"ar"``: Poisson with a log-normal AR(1) latent rate, ``lambda_t = lambda0_t
  exp(x_t - s**2 / 2)``, ``x_t = decay x_{t-1} + e_t``, ``Var x = s**2 = dispersion``.

Everything is vectorised over datasets (rows); the self-exciting and AR models loop once
over time.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import polars as pl

from timing.errors import TimingInputError
from timing.schema import CLAIMS, EVENTS
from timing.stats._hawkes import hawkes_blocks, trend_profile
from timing.timeline import window_weights

__all__ = [
    "MODELS",
    "simulate_batch",
    "simulate_claims",
    "simulate_dataset",
    "simulate_events",
]

Model = Literal["poisson", "negbin", "hawkes", "ar"]
MODELS: tuple[str, ...] = ("poisson", "negbin", "hawkes", "ar")
SeedLike = int | np.random.Generator | None


def simulate_events(
    n_bins: int,
    n_events: int,
    *,
    min_spacing: int = 7,
    trend: float = 0.0,
    size: int | None = None,
    seed: SeedLike = None,
) -> np.ndarray:
    """Draw sorted event bins with at least ``min_spacing`` bins between consecutive events.

    Parameters
    ----------
    n_bins : int
        Length ``T`` of the period.
    n_events : int
        Events per calendar.
    min_spacing : int
        Smallest difference between consecutive event bins (1 = distinct bins).
    trend : float
        Log-linear trend of the event density over the period (0 = uniform).
    size : int, optional
        Number of calendars; the result then has shape ``(size, n_events)``.
    seed : int, numpy.random.Generator or None
        Random seed.

    Returns
    -------
    numpy.ndarray
        ``int64`` event bins, sorted along the last axis.

    Notes
    -----
    Without trend the calendar is uniform over all admissible configurations: draw
    ``y_1 < ... < y_n`` from ``0..T - 1 - (n - 1)(d - 1)`` and set
    ``x_i = y_i + (i - 1)(d - 1)``. With a trend, bins are drawn with probability
    proportional to ``exp(trend * t / (T - 1))`` and events closer than ``d`` to their
    predecessor are redrawn until none is.

    Examples
    --------
    >>> ev = simulate_events(365, 10, min_spacing=14, seed=0)
    >>> bool(np.all(np.diff(ev) >= 14))
    True
    """
    d = int(min_spacing)
    if n_events < 1:
        raise TimingInputError(f"n_events must be at least 1, got {n_events}")
    if d < 1:
        raise TimingInputError(f"min_spacing must be at least 1, got {min_spacing}")
    free = n_bins - (n_events - 1) * (d - 1)
    if free < n_events or (trend and n_events * d > n_bins // 2):
        raise TimingInputError(
            f"{n_events} events with min_spacing={d} do not fit in {n_bins} bins; "
            "use fewer events or a smaller spacing"
        )
    rng = np.random.default_rng(seed)
    k = 1 if size is None else int(size)
    if trend == 0.0:
        y = np.sort(np.argsort(rng.random((k, free)), axis=1)[:, :n_events], axis=1)
        out = y + np.arange(n_events) * (d - 1)
    else:
        p = np.exp(trend * np.arange(n_bins) / max(n_bins - 1, 1))
        p /= p.sum()
        out = np.empty((k, n_events), dtype=np.int64)
        for i in range(k):
            ev = np.sort(rng.choice(n_bins, n_events, replace=False, p=p))
            while True:
                bad = np.flatnonzero(np.diff(ev) < d) + 1
                if bad.size == 0:
                    break
                keep = np.delete(ev, bad)
                cand = rng.choice(n_bins, bad.size, p=p)
                ev = np.sort(np.concatenate([keep, cand]))  # duplicates have diff 0: redrawn
            out[i] = ev
    out = out.astype(np.int64)
    return out[0] if size is None else out


def _check_model(
    model: str, rate: float, dispersion: float, branching: float, decay: float
) -> None:
    if model not in MODELS:
        raise TimingInputError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    if not rate > 0:
        raise TimingInputError(f"rate must be positive, got {rate}")
    if model in ("negbin", "ar") and not dispersion > 0:
        raise TimingInputError(f"dispersion must be positive for model {model!r}, got {dispersion}")
    if model == "hawkes" and not 0 <= branching < 1:
        raise TimingInputError(
            f"branching must be in [0, 1) for a stationary process, got {branching}"
        )
    if model in ("hawkes", "ar") and not 0 <= decay < 1:
        raise TimingInputError(f"decay must be in [0, 1), got {decay}")


def _baseline(
    n_datasets: int,
    n_bins: int,
    rate: float,
    trend: float,
    events: np.ndarray | None,
    uplift: float,
    offsets: tuple[int, int],
) -> np.ndarray:
    """``lambda0`` of shape ``(1, T)`` or ``(n_datasets, T)``."""
    g = rate * trend_profile(n_bins, trend)
    if events is None or uplift == 1.0:
        return g[None, :]
    ev = np.asarray(events, dtype=np.int64)
    if ev.ndim == 1:
        w = window_weights(ev, n_bins, offsets)[None, :]
    elif ev.ndim == 2 and ev.shape[0] == n_datasets:
        w = np.stack([window_weights(row, n_bins, offsets) for row in ev])
    else:
        raise TimingInputError(
            f"events must have shape (n_events,) or ({n_datasets}, n_events), got {ev.shape}"
        )
    return g[None, :] * np.where(w > 0, uplift, 1.0)


def simulate_batch(
    n_datasets: int,
    n_bins: int,
    *,
    model: Model = "poisson",
    rate: float = 0.6,
    dispersion: float = 1.0,
    branching: float = 0.5,
    decay: float = 0.7,
    trend: float = 0.0,
    events: np.ndarray | None = None,
    uplift: float = 1.0,
    offsets: tuple[int, int] = (-3, -1),
    seed: SeedLike = None,
    uplift_on: Literal["background", "intensity"] = "background",
) -> np.ndarray:
    """Simulate ``n_datasets`` claim series at once.

    Parameters
    ----------
    n_datasets, n_bins : int
        Number of series and their length ``T``.
    model : {"poisson", "negbin", "hawkes", "ar"}
        Count model (see the module docstring).
    rate : float
        Mean claims per bin (before trend and uplift).
    dispersion : float
        ``negbin``: ``alpha`` in ``Var = mu + alpha mu^2``. ``ar``: variance ``s^2`` of the
        latent log-rate, so ``Var = mu + (exp(s^2) - 1) mu^2``.
    branching : float
        ``hawkes``: branching ratio ``b`` in ``[0, 1)`` (share of claims triggered by claims).
    decay : float
        ``hawkes``: ratio of the geometric excitation kernel; ``ar``: AR(1) coefficient.
    trend : float
        Log-linear trend: the rate at the end is ``exp(trend)`` times the rate at the start.
    events : numpy.ndarray, optional
        Event bins, shape ``(n_events,)`` (shared) or ``(n_datasets, n_events)``.
    uplift : float
        Multiplier of the (background) rate inside the union of the event windows.
    offsets : tuple of int
        Inclusive window offsets relative to each event bin.
    seed : int, numpy.random.Generator or None
        Random seed.
    uplift_on : {"background", "intensity"}
        ``hawkes`` only: the uplift multiplies the background rate (claims it triggers
        later spill out of the window, so the window ratio ends up well below ``uplift``)
        or the whole intensity inside the windows (the window ratio is then at least
        ``uplift``, since claims triggered inside a window are raised too). Other models
        have no such distinction.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(n_datasets, n_bins)``.

    Notes
    -----
    The self-exciting model is an INGARCH(1,1) process ``lambda_t = omega + a c_{t-1} +
    beta lambda_{t-1}`` with ``omega = (1 - b)(1 - decay) r``, ``a = b (1 - decay)``,
    ``beta = decay``; its stationary mean is ``r``, its variance
    ``r (1 - (a + beta)^2 + a^2) / (1 - (a + beta)^2)`` and its lag-``h`` autocorrelation
    ``a (1 - beta (a + beta)) (a + beta)^{h-1} / (1 - (a + beta)^2 + a^2)`` (Ferland et
    al. 2006). The excitation starts at its stationary value, so no burn-in is needed.

    Examples
    --------
    >>> x = simulate_batch(3, 100, model="hawkes", rate=1.0, seed=1)
    >>> x.shape
    (3, 100)
    """
    _check_model(model, rate, dispersion, branching, decay)
    if n_datasets < 1 or n_bins < 2:
        raise TimingInputError(
            f"need n_datasets >= 1 and n_bins >= 2, got {n_datasets} and {n_bins}"
        )
    rng = np.random.default_rng(seed)
    base = _baseline(n_datasets, n_bins, rate, trend, events, uplift, offsets)
    shape = (n_datasets, n_bins)
    if model == "poisson":
        return rng.poisson(np.broadcast_to(base, shape)).astype(np.int64)
    if model == "negbin":
        shape_k = 1.0 / dispersion
        lam = rng.gamma(shape_k, np.broadcast_to(base, shape) / shape_k)
        return rng.poisson(lam).astype(np.int64)
    out = np.empty(shape, dtype=np.int64)
    if model == "hawkes":
        if uplift_on not in ("background", "intensity"):
            raise TimingInputError(
                f"uplift_on must be 'background' or 'intensity', got {uplift_on!r}"
            )
        factor = None
        if uplift_on == "intensity":
            factor = _baseline(n_datasets, n_bins, 1.0, 0.0, events, uplift, offsets)
            base = _baseline(n_datasets, n_bins, rate, trend, None, 1.0, offsets)
        excite = np.full(n_datasets, rate * np.exp(-trend / 2.0))
        for t0, counts in hawkes_blocks(
            rng, base, excite, branching=branching, decay=decay, factor=factor
        ):
            out[:, t0 : t0 + counts.shape[0]] = counts.T
        return out
    # "ar": log-normal AR(1) latent rate, started in its stationary law
    s = np.sqrt(dispersion)
    eps = rng.standard_normal(shape) * (s * np.sqrt(1.0 - decay**2))
    x = rng.standard_normal(n_datasets) * s
    lam = np.empty(shape)
    for t in range(n_bins):
        x = decay * x + eps[:, t] if t else x
        lam[:, t] = x
    lam = np.broadcast_to(base, shape) * np.exp(lam - dispersion / 2.0)
    return rng.poisson(lam).astype(np.int64)


def simulate_claims(
    n_bins: int,
    *,
    model: Model = "poisson",
    rate: float = 0.6,
    dispersion: float = 1.0,
    branching: float = 0.5,
    decay: float = 0.7,
    trend: float = 0.0,
    events: np.ndarray | None = None,
    uplift: float = 1.0,
    offsets: tuple[int, int] = (-3, -1),
    seed: SeedLike = None,
) -> np.ndarray:
    """Simulate one claim series; see :func:`simulate_batch` for the parameters.

    Returns
    -------
    numpy.ndarray
        ``int64`` claims per bin, length ``n_bins``.

    Examples
    --------
    >>> ev = simulate_events(730, 20, seed=0)
    >>> c = simulate_claims(730, model="negbin", events=ev, uplift=2.0, seed=0)
    >>> c.shape, c.dtype.name
    ((730,), 'int64')
    """
    return simulate_batch(
        1,
        n_bins,
        model=model,
        rate=rate,
        dispersion=dispersion,
        branching=branching,
        decay=decay,
        trend=trend,
        events=events,
        uplift=uplift,
        offsets=offsets,
        seed=seed,
    )[0]


def _null_columns(spec_columns: tuple, present: dict[str, pl.Series], n: int) -> pl.DataFrame:
    cols = []
    for c in spec_columns:
        if c.name in present:
            cols.append(present[c.name])
            continue
        dtype = {"date": pl.Date(), "float": pl.Float64()}.get(c.type, pl.String())
        cols.append(pl.Series(c.name, [None] * n, dtype=dtype))
    return pl.DataFrame(cols)


def simulate_dataset(
    n_bins: int = 1826,
    n_events: int = 60,
    *,
    start: dt.date = dt.date(2021, 1, 1),
    min_spacing: int = 7,
    model: Model = "poisson",
    rate: float = 0.6,
    dispersion: float = 1.0,
    branching: float = 0.5,
    decay: float = 0.7,
    trend: float = 0.0,
    uplift: float = 1.0,
    offsets: tuple[int, int] = (-3, -1),
    seed: SeedLike = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Simulate canonical claims and events tables over ``n_bins`` days from ``start``.

    Parameters
    ----------
    n_bins, n_events, min_spacing :
        Period length in days, number of events and their minimum spacing
        (:func:`simulate_events`; the events share the claims' ``trend``).
    start : datetime.date
        First day of the period.
    model, rate, dispersion, branching, decay, trend, uplift, offsets :
        Claim model, see :func:`simulate_batch`.
    seed : int, numpy.random.Generator or None
        Random seed.

    Returns
    -------
    claims, events : polars.DataFrame
        Tables with the canonical columns of :data:`timing.schema.CLAIMS` and
        :data:`timing.schema.EVENTS` (dates as ``pl.Date``; optional columns null); one
        claim row per simulated claim, actor ``"simulated"``, kind ``"capture"``; events of
        kind ``"talks"``.

    Examples
    --------
    >>> claims, events = simulate_dataset(365, 10, uplift=2.0, seed=3)
    >>> events.height, claims.columns[:3]
    (10, ['claim_id', 'date', 'actor'])
    """
    rng = np.random.default_rng(seed)
    ev = simulate_events(n_bins, n_events, min_spacing=min_spacing, trend=trend, seed=rng)
    counts = simulate_claims(
        n_bins,
        model=model,
        rate=rate,
        dispersion=dispersion,
        branching=branching,
        decay=decay,
        trend=trend,
        events=ev,
        uplift=uplift,
        offsets=offsets,
        seed=rng,
    )
    origin = np.datetime64(start, "D")
    claim_days = origin + np.repeat(np.arange(n_bins), counts).astype("timedelta64[D]")
    n_c = claim_days.shape[0]
    shown_seed = seed if isinstance(seed, int) else "rng"
    tag = f"simulated: model={model}, uplift={uplift:g}, seed={shown_seed}"
    claims = _null_columns(
        CLAIMS.columns,
        {
            "claim_id": pl.Series("claim_id", [f"sim-c{i:06d}" for i in range(1, n_c + 1)]),
            "date": pl.Series("date", claim_days, dtype=pl.Date()),
            "actor": pl.Series("actor", ["simulated"] * n_c),
            "kind": pl.Series("kind", ["capture"] * n_c),
            "source": pl.Series("source", [tag] * n_c),
        },
        n_c,
    )
    n_e = ev.shape[0]
    events = _null_columns(
        EVENTS.columns,
        {
            "event_id": pl.Series("event_id", [f"sim-e{i:04d}" for i in range(1, n_e + 1)]),
            "date": pl.Series("date", origin + ev.astype("timedelta64[D]"), dtype=pl.Date()),
            "kind": pl.Series("kind", ["talks"] * n_e),
            "parties": pl.Series("parties", ["A-B"] * n_e),
            "title": pl.Series("title", [f"Simulated talks {i}" for i in range(1, n_e + 1)]),
            "source": pl.Series("source", [tag] * n_e),
        },
        n_e,
    )
    return claims, events
