"""Generated tables shared by the tests of large-input paths (not a test module)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl


def write_forty_events(folder: Path, rng: np.random.Generator, start: dt.date) -> Path:
    """40 one-day events over the two years from ``start``, as ``events.csv`` in ``folder``."""
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(40)],
            "date": sorted(start + dt.timedelta(days=int(d)) for d in rng.integers(0, 730, 40)),
            "kind": rng.choice(["talks", "visit", "call"], 40),
            "parties": "US-RU",
            "title": "talks",
            "source": "https://example.org/e",
        }
    )
    path = folder / "events.csv"
    events.write_csv(path)
    return path


def write_inputs(
    folder: Path, claims: pl.DataFrame, rng: np.random.Generator, start: dt.date
) -> tuple[Path, Path, Path]:
    """``claims`` as Parquet and CSV, and :func:`write_forty_events`: the three paths."""
    parquet, csv = folder / "claims.parquet", folder / "claims.csv"
    claims.write_parquet(parquet)
    claims.write_csv(csv)
    return parquet, csv, write_forty_events(folder, rng, start)
