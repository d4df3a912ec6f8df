"""The Typer application, the options several commands share, and output helpers.

Errors the user can fix (:class:`timing.errors.TimingInputError`) print one line on stderr
and exit with code 2; anything else is an internal error (exit code 1).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from timing import __version__
from timing.errors import TimingInputError

app = typer.Typer(
    name="timing",
    help="Test whether battlefield announcements are timed around diplomacy.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    # Plain click help and usage errors: at 80 columns Rich's boxed tables cut option names
    # ("--claims-separa…") and turn a usage error into a four-line box.
    rich_markup_mode=None,
)
datasets_app = typer.Typer(help="Bundled datasets.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(datasets_app, name="datasets")

F = TypeVar("F", bound=Callable[..., Any])


#: Exit code when the analysis finished (and its results were printed) but writing an
#: output file (report, static copy) failed.
EXIT_OUTPUT_FAILED = 3


class OutputError(Exception):
    """Writing an output failed after the work was done; the results were printed."""


def user_errors(func: F) -> F:
    """Map errors to exit codes: 2 for the user's input, 3 for a failed write, 1 otherwise.

    A :class:`TimingInputError` prints one line on stderr (exit 2). An :class:`OutputError`
    prints its cause (exit 3). Anything else is an internal error: one line on stderr
    (exit 1), and the traceback only when ``TIMING_DEBUG`` is set.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TimingInputError as exc:
            first = getattr(exc, "first_line", None)
            message = first() if callable(first) else str(exc).splitlines()[0]
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(2) from None
        except OutputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_OUTPUT_FAILED) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("TIMING_DEBUG"):
                raise
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            typer.echo(
                f"internal error: {type(exc).__name__}: {detail} (this is a bug in timing, "
                "not in your data; set TIMING_DEBUG=1 for the traceback and please report it)",
                err=True,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def check_output_path(path: Path, flag: str) -> Path:
    """Check before any work that ``path`` can be written as a file.

    Raises
    ------
    TimingInputError
        When ``path`` is a directory, its parent is a file, or the folder is not writable.
    """
    target = Path(path)
    if target.is_dir():
        raise TimingInputError(
            f"{flag} {target}: is a directory; give a file name, e.g. {target / 'report.html'}"
        )
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise TimingInputError(f"{flag} {target}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TimingInputError(f"{flag} {target}: the folder {folder} is not writable")
    return target


def print_json(payload: Any) -> None:
    """Print strict JSON (no NaN) for ``--json``."""
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))


def rich_console() -> Any:
    """A Rich console (imported on use, so ``timing --help`` stays fast)."""
    from rich.console import Console

    return Console(highlight=False)


def date_option(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise TimingInputError(f"{name} {value!r}: expected a date YYYY-MM-DD") from None


def plotly_mode(value: str) -> Any:
    if value not in ("inline", "cdn", "directory"):
        raise TimingInputError(f"--plotlyjs {value!r}: expected inline, cdn or directory")
    return value


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"timing {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Test whether battlefield announcements are timed around diplomacy."""


# Options shared by several commands, defined once.
DatasetOpt = Annotated[str | None, typer.Option(help="Bundled dataset (default ru-ua-2025).")]
ClaimsOpt = Annotated[
    Path | None,
    typer.Option(
        help="Claims file: .csv/.tsv/.txt, .parquet, .json, .ndjson, .xlsx/.ods, or - for stdin."
    ),
]
EventsOpt = Annotated[Path | None, typer.Option(help="Events file.")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        metavar="[TABLE.]COL=SRC",
        help="Map a canonical column to yours: COL=SRC, applied to whichever file has SRC; "
        "claims.COL=SRC or events.COL=SRC for one file (repeatable).",
    ),
]
ClaimsMapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--claims-map", metavar="COL=SRC", help="Map a claims column: COL=SRC (repeatable)."
    ),
]
EventsMapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--events-map", metavar="COL=SRC", help="Map an events column: COL=SRC (repeatable)."
    ),
]
ClaimsSeparatorOpt = Annotated[
    str | None,
    typer.Option(help="Claims file's field separator: , ; tab or | (default: detected)."),
]
ClaimsEncodingOpt = Annotated[
    str | None, typer.Option(help="Claims file's text encoding, e.g. cp1252 (default: UTF-8).")
]
ClaimsSheetOpt = Annotated[
    str | None, typer.Option(help="Claims workbook's sheet: name or number from 1.")
]
EventsSeparatorOpt = Annotated[
    str | None, typer.Option(help="Events file's field separator (default: detected).")
]
EventsEncodingOpt = Annotated[
    str | None, typer.Option(help="Events file's text encoding (default: UTF-8).")
]
EventsSheetOpt = Annotated[
    str | None, typer.Option(help="Events workbook's sheet: name or number from 1.")
]
SeparatorOpt = Annotated[
    str | None,
    typer.Option(help="Field separator of text files: , ; tab or | (default: detected)."),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(help="Text encoding, e.g. cp1252 (default: UTF-8, or a byte-order mark's)."),
]
SheetOpt = Annotated[
    str | None, typer.Option(help="Worksheet of an .xlsx/.ods file: name or number from 1.")
]


def read_options(separator: str | None, encoding: str | None, sheet: str | None) -> dict[str, Any]:
    """The ``read_options`` of :func:`timing.analysis.load_inputs` from the CLI's flags."""
    out: dict[str, Any] = {"separator": separator, "encoding": encoding}
    if sheet is not None:
        out["sheet"] = int(sheet) if sheet.isdigit() else sheet
    return {k: v for k, v in out.items() if v is not None}


StartOpt = Annotated[str | None, typer.Option(help="Study period start YYYY-MM-DD.")]
EndOpt = Annotated[str | None, typer.Option(help="Study period end YYYY-MM-DD.")]
LenientOpt = Annotated[bool, typer.Option(help="Quarantine bad rows instead of failing.")]
PlotlyOpt = Annotated[
    str, typer.Option(help="plotly.js in the report: inline (offline), cdn or directory.")
]
SnapshotOpt = Annotated[
    Path | None, typer.Option(help="Also save the report as .png or .pdf (needs Chromium).")
]


EngineOpt = Annotated[
    str,
    typer.Option(
        help="Where many independent tasks run: local (this process) or dask (a cluster)."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        metavar="ADDRESS", help="With --engine dask: join this scheduler, tcp://host:8786."
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(help="With --engine dask and no --scheduler: local worker processes."),
]


def make_engine(name: str, scheduler: str | None, workers: int | None) -> Any:
    """The :class:`timing.engine.Engine` the CLI's options describe (checked)."""
    from timing.engine import Engine

    return Engine(name, scheduler, workers)  # type: ignore[arg-type]


QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars or progress lines on stderr.")
]

#: Seconds between two plain progress lines of one counted step (not a terminal).
PROGRESS_EVERY = 5.0


class PlainProgress:
    """Progress as plain lines on a stream that is not a terminal (a pipe, a file, a CI log).

    ``timing: [  12.3 s] step...`` as each step starts, and ``timing: [  17.3 s] step: 340 of
    1000`` at most every ``every`` seconds while a counted step runs; nothing until the run
    has taken ``after`` seconds, so a quick run, or a refused input, prints nothing extra.
    """

    def __init__(self, stream: Any, *, after: float = 1.0, every: float = PROGRESS_EVERY) -> None:
        import time

        self._clock = time.monotonic
        self._stream, self._after, self._every = stream, after, every
        self._started = self._clock()
        self._label, self._last = "", self._started

    def _line(self, text: str) -> None:
        elapsed = self._clock() - self._started
        self._stream.write(f"timing: [{elapsed:7.1f} s] {text}\n")
        self._stream.flush()
        self._last = self._clock()

    def step(self, label: str, total: int | None = None) -> None:
        """A step starts: one line once the run has taken ``after`` seconds."""
        self._label = label
        if self._clock() - self._started >= self._after:
            self._line(f"{label}...")

    def advance(self, done: int, total: int | None = None) -> None:
        """A counted step's progress: a line at most every ``every`` seconds."""
        now = self._clock()
        if now - self._started >= self._after and now - self._last >= self._every:
            of = f" of {total}" if total else ""
            self._line(f"{self._label}: {done}{of}")

    def __call__(self, label: str) -> None:
        self.step(label)

    def stop(self) -> None:
        """Nothing to tidy up (the lines are already written)."""


class RichProgress:
    """Progress drawn by Rich in a terminal: the step, and a bar when its units are counted.

    The bar is transient: it disappears when :meth:`stop` is called, leaving the results.
    """

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("starting", total=None, count="")

    def step(self, label: str, total: int | None = None) -> None:
        """A new step: its label, and a fresh bar (pulsing until a total is known)."""
        from rich.markup import escape as rich_escape

        self._bar.remove_task(self._task)
        count = f"0/{total}" if total else ""
        self._task = self._bar.add_task(rich_escape(label), total=total, count=count)

    def advance(self, done: int, total: int | None = None) -> None:
        """Move the bar of the current step to ``done`` of ``total``."""
        count = f"{done}/{total}" if total else str(done)
        self._bar.update(self._task, completed=done, total=total, count=count)

    def __call__(self, label: str) -> None:
        self.step(label)

    def stop(self) -> None:
        """Remove the bar from the terminal."""
        self._bar.stop()


def progress_reporter(
    *,
    quiet: bool = False,
    live: bool = True,
    after: float | None = None,
    console: Any = None,
    stream: Any = None,
) -> tuple[Any, Any]:
    """The progress listener of a command (:class:`timing.progress.Progress`), and its closer.

    On a terminal (stderr, or the ``console`` given) Rich draws each step with a bar when
    its units are counted (shift loops, scan cells, calibration blocks). When stderr is not
    a terminal, or ``live`` is false, plain lines go to ``stream`` (default stderr): see
    :class:`PlainProgress`; ``after`` defaults to 1 s or the ``TIMING_PROGRESS_AFTER``
    environment variable. ``quiet`` silences both.

    Returns
    -------
    (progress, closer)
        ``progress`` has ``step``/``advance`` and is also a ``callable(label)``; call
        ``closer.stop()`` when the work is done (``closer`` is ``None`` when nothing needs
        stopping).
    """
    import sys

    if quiet:
        return (lambda _label: None), None
    if after is None:
        after = float(os.environ.get("TIMING_PROGRESS_AFTER", "1"))
    if console is None and live and sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
    if console is not None and live and console.is_terminal:
        bars = RichProgress(console)
        return bars, bars
    return PlainProgress(stream or sys.stderr, after=after), None


def number(value: Any, fmt: str = "{:.2f}") -> str:
    """Format a finite number; missing, NaN and infinite values print as blank or 'inf'."""
    if value is None:
        return ""
    value = float(value)
    if value != value:  # NaN: not estimable
        return "n/a"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return fmt.format(value)


def escape(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))


def print_frame(frame: Any, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(column)
    for row in frame.iter_rows():
        table.add_row(*[escape(f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row])
    rich_console().print(table)
