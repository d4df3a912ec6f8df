"""Fixtures for the report tests: the bundled analysis and a dataset full of XSS payloads."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.title='pwned'\">"
JS_URL = "javascript:document.title='pwned'"
PAYLOADS = (SCRIPT, IMG, JS_URL, "<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


@pytest.fixture(scope="session")
def bundled() -> dict[str, Any]:
    """``analyze().to_dict(full=True)`` on the bundled dataset."""
    from timing.analysis import analyze

    return analyze().to_dict(full=True)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def xss_files(folder: Path) -> tuple[Path, Path]:
    """Claims/events CSVs whose free-text fields hold script, img and javascript: payloads."""
    claims, events = [], []
    start = dt.date(2025, 1, 1)
    for i in range(40):
        day = (start + dt.timedelta(days=3 * i)).isoformat()
        claims.append(
            {
                "claim_id": f"c{i}",
                "date": day,
                "actor": PAYLOADS[i % 5] if i % 3 == 0 else "RU MoD",
                "kind": "capture",
                "target": PAYLOADS[i % 5],
                "status": "contested",
                "text": PAYLOADS[(i + 1) % 5],
                "source": JS_URL if i % 2 else "https://example.org/a?b=<script>x</script>",
            }
        )
    bad = dict(claims[0], claim_id="bad", date=SCRIPT)  # rejected: shown in the accounting
    claims.append(bad)
    for j in range(6):
        events.append(
            {
                "event_id": f"e{j}",
                "date": (start + dt.timedelta(days=12 + 20 * j)).isoformat(),
                "kind": "talks",
                "parties": IMG,
                "location": SCRIPT,
                "title": PAYLOADS[j % 5],
                "source": JS_URL if j % 2 else "https://example.org/e",
            }
        )
    return write_csv(folder / "claims.csv", claims), write_csv(folder / "events.csv", events)


@pytest.fixture
def xss_data(tmp_path: Path) -> dict[str, Any]:
    """The analysis dict of the payload dataset."""
    from timing.analysis import analyze

    claims, events = xss_files(tmp_path)
    return analyze(claims, events, lenient=True).to_dict(full=True)
