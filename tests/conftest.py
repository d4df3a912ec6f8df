"""Shared fixtures: small claims/events tables written in every supported format."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from threadpoolctl import threadpool_limits

# Small statsmodels fits run ~10x slower when a multi-threaded BLAS competes for the two
# cores of a CI machine; one thread per process keeps the suite's time predictable.
threadpool_limits(1)

CLAIMS_ROWS = [
    {
        "claim_id": "c1",
        "date": "2025-01-02",
        "actor": "RU MoD",
        "kind": "capture",
        "target": "Alpha",
        "source": "https://example.org/1",
    },
    {
        "claim_id": "c2",
        "date": "2025-01-09T10:00:00+03:00",
        "actor": "RU MoD",
        "kind": "capture",
        "target": "Beta",
        "source": "https://example.org/2",
    },
    {
        "claim_id": "c3",
        "date": "2025-01-20",
        "actor": "UA General Staff",
        "kind": "casualties",
        "target": "",
        "source": "https://example.org/3",
    },
]
EVENTS_ROWS = [
    {
        "event_id": "e1",
        "date": "2025-01-10",
        "kind": "talks",
        "parties": "US-RU",
        "title": "Talks",
        "source": "https://example.org/e1",
        "announced_date": "2025-01-07",
    },
    {
        "event_id": "e2",
        "date": "2025-01-25",
        "kind": "call",
        "parties": "US-UA",
        "title": "Call",
        "source": "https://example.org/e2",
        "announced_date": "",
    },
]


def write_table(rows: list[dict[str, str]], path: Path) -> Path:
    """Write rows as CSV/JSON/NDJSON/Parquet according to the suffix."""
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
    suffix = path.suffix
    if suffix == ".csv":
        frame.write_csv(path)
    elif suffix == ".json":
        frame.write_json(path)
    elif suffix in (".ndjson", ".jsonl"):
        frame.write_ndjson(path)
    elif suffix == ".parquet":
        frame.write_parquet(path)
    else:  # pragma: no cover - test helper misuse
        raise ValueError(suffix)
    return path


@pytest.fixture
def small_files(tmp_path: Path) -> tuple[Path, Path]:
    """A valid claims.csv and events.csv."""
    return (
        write_table(CLAIMS_ROWS, tmp_path / "claims.csv"),
        write_table(EVENTS_ROWS, tmp_path / "events.csv"),
    )
