"""The package is typed: py.typed ships, and the lazy exports are visible to type checkers."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import timing

ROOT = Path(timing.__file__).parent


def test_py_typed_marker_ships_in_the_package() -> None:
    assert (ROOT / "py.typed").is_file()


@pytest.mark.parametrize("module", ["timing", "timing.report"])
def test_type_checking_imports_match_the_lazy_exports(module: str) -> None:
    package = importlib.import_module(module)
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module
                for alias in stmt.names:
                    assert alias.asname == alias.name  # explicit re-export
                    typed[alias.name] = stmt.module
    exports = package._EXPORTS
    assert set(typed) == set(exports)
    for name, source in typed.items():  # same object, whether imported or looked up lazily
        assert getattr(importlib.import_module(source), name) is getattr(package, name)


def test_mypy_is_clean_on_the_package(tmp_path: Path) -> None:
    """mypy, as configured in pyproject.toml, finds no error in timing/ (about 20 s cold)."""
    api = pytest.importorskip("mypy.api")
    stdout, stderr, status = api.run(
        [str(ROOT), "--cache-dir", str(tmp_path / "mypy-cache"), "--no-error-summary"]
    )
    assert status == 0, stdout + stderr
