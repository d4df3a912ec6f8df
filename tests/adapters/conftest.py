"""Shared fixtures for the adapter tests: the hand-made sample files."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "adapters"


@pytest.fixture()
def data() -> Path:
    """Directory of the hand-written sample files in each public format."""
    return DATA
