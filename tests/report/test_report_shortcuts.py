"""What the report reads or caches instead of asking plotly and Jinja each time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from timing.report import page

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_plotly_js_and_its_version_are_plotlys_own() -> None:
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    assert page.plotly_js() == get_plotlyjs()
    assert page.plotly_js_version() == get_plotlyjs_version()


def _render(data: dict[str, Any], cache_dir: Path | None, monkeypatch: Any) -> str:
    """The bundled page, with Jinja's compiled template cached in ``cache_dir`` (or not)."""
    own = page._bytecode_cache
    folder = None if cache_dir is None else str(cache_dir)
    with monkeypatch.context() as patch:
        patch.setattr(page, "_bytecode_cache", lambda directory=None: own(folder))
        if cache_dir is None:
            patch.setattr(page, "_bytecode_cache", lambda directory=None: None)
        return page.render_report(data, plotlyjs="cdn", generated=STAMP)


def test_the_compiled_template_is_cached_and_gives_the_same_page(
    bundled: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = _render(bundled, None, monkeypatch)
    assert _render(bundled, tmp_path, monkeypatch) == fresh  # compiled, written to the cache
    entries = list(tmp_path.iterdir())  # the page's template and the script it includes
    assert entries and max(e.stat().st_size for e in entries) > 10_000
    assert _render(bundled, tmp_path, monkeypatch) == fresh  # read back from the cache
    for entry in entries:
        entry.write_bytes(b"not a cache entry")  # corrupt: compiled afresh, no error
    assert _render(bundled, tmp_path, monkeypatch) == fresh


def test_an_unusable_cache_folder_never_fails_a_report(
    bundled: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    fresh = _render(bundled, None, monkeypatch)
    assert _render(bundled, blocker / "cache", monkeypatch) == fresh
