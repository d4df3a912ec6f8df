"""Command-line interface: a thin shell over the library API.

Each command parses options, calls one library function and renders its result: a Rich
table for people, JSON (``--json``) for machines. Errors the user can fix print one line
on stderr and exit with code 2; anything else is an internal error (exit code 1).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from timing import __version__
from timing.errors import TimingInputError

app = typer.Typer(
    name="timing",
    help="Test whether battlefield announcements are timed around diplomacy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
datasets_app = typer.Typer(help="Bundled datasets.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")

F = TypeVar("F", bound=Callable[..., Any])


def _user_errors(func: F) -> F:
    """Turn :class:`TimingInputError` into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TimingInputError as exc:
            first = getattr(exc, "first_line", None)
            message = first() if callable(first) else str(exc).splitlines()[0]
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _date_option(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise TimingInputError(f"{name} {value!r}: expected a date YYYY-MM-DD") from None


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


Resolution = Literal["day", "hour"]


@app.command()
@_user_errors
def analyze(
    dataset: Annotated[
        str | None, typer.Option(help="Bundled dataset (default ru-ua-2025).")
    ] = None,
    claims: Annotated[
        Path | None, typer.Option(help="Claims file (.csv/.parquet/.json/.ndjson).")
    ] = None,
    events: Annotated[Path | None, typer.Option(help="Events file.")] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Map a canonical column to yours: COL=SRC (repeatable)."),
    ] = None,
    window: Annotated[int, typer.Option(min=1, help="Days before an event: offsets -N..-1.")] = 3,
    offsets: Annotated[
        str | None, typer.Option(help="Window offsets A:B in days, e.g. -5:-2.")
    ] = None,
    anticipation: Annotated[
        bool, typer.Option(help="Use each event's announcement-to-start window.")
    ] = False,
    resolution: Annotated[str, typer.Option(help="Bin width: day or hour.")] = "day",
    start: Annotated[str | None, typer.Option(help="Study period start YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Study period end YYYY-MM-DD.")] = None,
    actor: Annotated[
        list[str] | None, typer.Option(help="Keep only this claim actor (repeatable).")
    ] = None,
    claim_kind: Annotated[list[str] | None, typer.Option(help="Keep only this claim kind.")] = None,
    event_kind: Annotated[list[str] | None, typer.Option(help="Keep only this event kind.")] = None,
    min_shift: Annotated[
        int | None, typer.Option(min=1, help="Smallest circular shift (bins).")
    ] = None,
    detrend: Annotated[
        int | None, typer.Option(min=3, help="Remove a moving average of N bins.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for every Monte Carlo step.")] = 0,
    lenient: Annotated[bool, typer.Option(help="Quarantine bad rows instead of failing.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Report path (default reports/<dataset>-w<N>.html).")
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the HTML report.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    full_json: Annotated[
        bool, typer.Option("--full", help="With --json: include the data a report is redrawn from.")
    ] = False,
) -> None:
    """Test whether claims cluster in the days before diplomatic events."""
    from timing.analysis import AnalysisConfig
    from timing.analysis import analyze as run_analysis
    from timing.io import parse_mapping
    from timing.timeline import parse_offsets

    if resolution not in ("day", "hour"):
        raise TimingInputError(f"--resolution {resolution!r}: expected day or hour")
    config = AnalysisConfig(
        offsets=parse_offsets(offsets) if offsets else (-window, -1),
        anticipation=anticipation,
        resolution=resolution,  # type: ignore[arg-type]
        seed=seed,
        min_shift=min_shift,
        detrend=detrend,
        start=_date_option(start, "--start"),
        end=_date_option(end, "--end"),
        actors=tuple(actor) if actor else None,
        claim_kinds=tuple(claim_kind) if claim_kind else None,
        event_kinds=tuple(event_kind) if event_kind else None,
    )
    status = None if as_json else _console().status("starting")

    def progress(label: str) -> None:
        if status is not None:
            status.update(f"{label}...")

    if status is not None:
        status.start()
    try:
        result = run_analysis(
            claims,
            events,
            config,
            dataset=dataset,
            mapping=parse_mapping(map_ or []),
            lenient=lenient,
            progress=progress,
        )
        if not no_report:
            from timing.report import default_report_path, write_report

            progress("writing report")
            path = out or default_report_path(result.to_dict())
            result = result.with_report(path)
            write_report(result.to_dict(full=True), path)
    finally:
        if status is not None:
            status.stop()
    if as_json:
        _print_json(result.to_dict(full=full_json))
        return
    _render_analysis(result)


def _render_analysis(result: Any) -> None:
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{_escape(result.headline())}[/bold]")
    caution = result.caution()
    if caution:
        console.print(f"[yellow]{_escape(caution)}[/yellow]")
    table = Table(title="Tests", title_justify="left")
    for column in ("test", "effect", "95 % CI", "p-value"):
        table.add_column(column)
    for name, res in result.tests.items():
        if not hasattr(res, "pvalue"):
            continue
        effect = getattr(res, "effect", getattr(res, "rate_ratio", None))
        low, high = getattr(res, "ci_low", None), getattr(res, "ci_high", None)
        table.add_row(
            _escape(getattr(res, "method", name)),
            "" if effect is None else f"{effect:.2f}",
            "" if low is None or high is None else f"{low:.2f}-{high:.2f}",
            f"{res.pvalue:.4g}",
        )
    console.print(table)
    for name, acc in result.accounting.items():
        console.print(f"{name}: {acc.read} read, {acc.used} used, {acc.rejected} rejected")
    if result.report_path:
        console.print(f"report: {result.report_path}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))


@app.command()
@_user_errors
def validate(
    path: Annotated[Path, typer.Argument(help="File to check.")],
    kind: Annotated[str, typer.Option(help="Table kind: claims or events.")] = "claims",
    map_: Annotated[list[str] | None, typer.Option("--map", help="COL=SRC column mapping.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check a claims or events file and list every problem (exit 0 clean, 2 problems)."""
    from timing.io import load_table, parse_mapping
    from timing.schema import CLAIMS, EVENTS

    specs = {"claims": CLAIMS, "events": EVENTS}
    if kind not in specs:
        raise TimingInputError(f"--kind {kind!r}: expected claims or events")
    table = load_table(path, specs[kind], mapping=parse_mapping(map_ or []), lenient=True)
    acc = table.accounting
    if as_json:
        _print_json(acc.to_dict())
    else:
        for problem in acc.reasons:
            typer.echo(str(problem))
        typer.echo(f"{path}: {acc.read} rows read, {acc.used} valid, {acc.rejected} with problems")
    if acc.rejected:
        raise typer.Exit(2)


@datasets_app.command("list")
@_user_errors
def datasets_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the bundled datasets with their period, row counts and licence."""
    from rich.table import Table

    from timing.datasets import list_datasets

    infos = list_datasets()
    if as_json:
        _print_json([i.to_dict() for i in infos])
        return
    table = Table()
    for column in ("name", "period", "claims", "events", "licence"):
        table.add_column(column)
    for info in infos:
        table.add_row(
            info.name,
            f"{info.period_start} to {info.period_end}",
            str(info.rows.get("claims", "")),
            str(info.rows.get("events", "")),
            info.licence,
        )
    _console().print(table)


@datasets_app.command("show")
@_user_errors
def datasets_show(
    name: Annotated[str, typer.Argument(help="Dataset name, e.g. ru-ua-2025.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Describe one bundled dataset."""
    from timing.datasets import dataset_info

    info = dataset_info(name)
    if as_json:
        _print_json(info.to_dict())
        return
    console = _console()
    console.print(f"[bold]{_escape(info.title)}[/bold] ({info.name})")
    console.print(_escape(info.description))
    console.print(f"period: {info.period_start} to {info.period_end}")
    for table, n in info.rows.items():
        console.print(f"{table}: {n} rows")
    console.print(f"licence: {_escape(info.licence)}")
    console.print(f"path: {info.path}")
    for source in info.sources:
        console.print(f"source: {_escape(source)}")


@app.command()
@_user_errors
def report(
    result_json: Annotated[Path, typer.Argument(help="Output of 'timing analyze --json --full'.")],
    out: Annotated[Path | None, typer.Option(help="Report path.")] = None,
) -> None:
    """Re-render an HTML report from saved 'timing analyze --json --full' output."""
    from timing.report import default_report_path, write_report

    try:
        data = json.loads(result_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TimingInputError(f"{result_json}: no such file") from None
    except json.JSONDecodeError as exc:
        raise TimingInputError(
            f"{result_json}: not JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    if not isinstance(data, dict) or "timeline" not in data or "tests" not in data:
        raise TimingInputError(
            f"{result_json}: not a full analysis result; "
            "save one with 'timing analyze --json --full'"
        )
    path = write_report(data, out or default_report_path(data))
    typer.echo(f"report: {path}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="timing")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
