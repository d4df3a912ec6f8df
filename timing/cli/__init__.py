"""Command-line interface: a thin shell over the library API.

Each command parses options, calls one library function and renders its result: a Rich
table for people, JSON (``--json``) for machines. Errors the user can fix print one line
on stderr and exit with code 2; anything else is an internal error (exit code 1).

One module per group of commands: :mod:`~timing.cli.analyze`, :mod:`~timing.cli.data`
(validate, datasets, report) and :mod:`~timing.cli.research` (scan, simulate); the
application and shared options are in :mod:`~timing.cli._app`.
"""

from __future__ import annotations

from timing.cli import analyze, data, research  # noqa: F401  (they register the commands)
from timing.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="timing")
