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

#: Any of these set by the user decides the BLAS threads; else the console script sets 1.
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def main() -> None:
    """Console-script entry point.

    The process is the command's own, so four things a library must leave to its caller
    are done here (library code never does any of them):

    - scipy skips the notes it writes into its docstrings at import
      (:mod:`timing._scipy_docs`);
    - the garbage collector's full collections come after :data:`FULL_COLLECTION_AFTER`
      collections of the middle generation instead of 10. A full collection walks every
      object the imports made (about a million: modules, functions, docstrings), and the
      three of a default ``timing analyze`` took 0.2 s of its 2.5 s CPU; the young
      generations are still collected as often as before, and peak memory did not move
      (312-313 MiB, 259-261 MiB with ``--robustness``; ``benchmarks/results_startup.md``);
    - BLAS (OpenBLAS, MKL) runs on one thread unless the environment sets a thread count
      (:data:`BLAS_THREAD_VARIABLES`). The products here are small or memory-bound and come
      one after another: on two threads the threads' start-up and hand-overs took 0.2-0.3 s
      of CPU of a default analysis, and an hourly decade's GLM refits took 391 s of CPU
      against 30 s on one (``benchmarks/results_hourly_analyze.md``). A product's rounding
      then no longer depends on how many cores the machine has. Processes the command
      starts (Dask's local workers) inherit the setting;
    - when the command has finished, every object is frozen (``gc.freeze``), so that the
      interpreter's exit does not walk them all again in its last garbage collections:
      exiting took 0.4-0.7 s after a default analysis, 0.03-0.09 s frozen. Exit handlers
      and the closing of modules run as before.
    """
    import gc
    import os

    from timing._scipy_docs import install

    if not any(os.environ.get(name) for name in BLAS_THREAD_VARIABLES):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"  # read when numpy first loads, below
        os.environ["MKL_NUM_THREADS"] = "1"
    install()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_AFTER)
    try:
        app(prog_name="timing")
    finally:
        # The command is done and its output written: the interpreter's last collections
        # would walk every object for nothing (0.4-0.7 s of a 2.5-3 s analysis). Frozen
        # objects are left to the end of the process; exit handlers still run.
        gc.freeze()
