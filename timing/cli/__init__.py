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
    """Console-script entry point.

    The process is the command's own, so scipy may skip the notes it writes into its
    docstrings at import (:mod:`timing._scipy_docs`); library code never does this.
    """
    from timing._scipy_docs import install

    install()
    app(prog_name="timing")
