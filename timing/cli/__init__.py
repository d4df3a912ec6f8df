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


#: Collections of the middle generation before a full collection (Python's default: 10).
FULL_COLLECTION_AFTER = 100


def main() -> None:
    """Console-script entry point.

    The process is the command's own, so two things a library must leave to its caller
    are set here (library code never does either):

    - scipy skips the notes it writes into its docstrings at import
      (:mod:`timing._scipy_docs`);
    - the garbage collector's full collections come after :data:`FULL_COLLECTION_AFTER`
      collections of the middle generation instead of 10. A full collection walks every
      object the imports made (about a million: modules, functions, docstrings), and the
      three of a default ``timing analyze`` took 0.2 s of its 2.5 s CPU; the young
      generations are still collected as often as before, and peak memory did not move
      (312-313 MiB, 259-261 MiB with ``--robustness``; ``benchmarks/results_startup.md``).
    """
    import gc

    from timing._scipy_docs import install

    install()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_AFTER)
    app(prog_name="timing")
