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
from typing import Annotated, Any, TypeVar

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


def _plotly_mode(value: str) -> Any:
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
ClaimsOpt = Annotated[Path | None, typer.Option(help="Claims file (.csv/.parquet/.json/.ndjson).")]
EventsOpt = Annotated[Path | None, typer.Option(help="Events file.")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="Map a canonical column to yours: COL=SRC (repeatable)."),
]
StartOpt = Annotated[str | None, typer.Option(help="Study period start YYYY-MM-DD.")]
EndOpt = Annotated[str | None, typer.Option(help="Study period end YYYY-MM-DD.")]
LenientOpt = Annotated[bool, typer.Option(help="Quarantine bad rows instead of failing.")]
PlotlyOpt = Annotated[
    str, typer.Option(help="plotly.js in the report: inline (offline), cdn or directory.")
]
SnapshotOpt = Annotated[
    Path | None, typer.Option(help="Also save the report as .png or .pdf (needs Chromium).")
]


@app.command()
@_user_errors
def analyze(
    dataset: DatasetOpt = None,
    claims: ClaimsOpt = None,
    events: EventsOpt = None,
    map_: MapOpt = None,
    claims_format: Annotated[
        str | None, typer.Option(help="Adapter for the claims file, e.g. ua-losses, acled.")
    ] = None,
    events_format: Annotated[
        str | None, typer.Option(help="Adapter for the events file, e.g. gdelt-events.")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option(help="Adapter option KEY=VALUE (repeatable).")
    ] = None,
    weight: Annotated[
        str, typer.Option(help="count: one per claim; value: sum the claims' value column.")
    ] = "count",
    window: Annotated[int, typer.Option(min=1, help="Days before an event: offsets -N..-1.")] = 3,
    offsets: Annotated[
        str | None, typer.Option(help="Window offsets A:B in days, e.g. -5:-2.")
    ] = None,
    anticipation: Annotated[
        bool, typer.Option(help="Use each event's announcement-to-start window.")
    ] = False,
    resolution: Annotated[str, typer.Option(help="Bin width: day or hour.")] = "day",
    start: StartOpt = None,
    end: EndOpt = None,
    actor: Annotated[
        list[str] | None, typer.Option(help="Keep only this claim actor (repeatable).")
    ] = None,
    claim_kind: Annotated[list[str] | None, typer.Option(help="Keep only this claim kind.")] = None,
    event_kind: Annotated[list[str] | None, typer.Option(help="Keep only this event kind.")] = None,
    min_shift: Annotated[
        int | None, typer.Option(min=1, help="Smallest circular shift (bins).")
    ] = None,
    detrend: Annotated[
        int,
        typer.Option(min=0, help="Remove an N-day moving average first (0: off)."),
    ] = 91,
    seed: Annotated[int, typer.Option(help="Seed for every Monte Carlo step.")] = 0,
    lenient: LenientOpt = False,
    out: Annotated[
        Path | None, typer.Option(help="Report path (default reports/<dataset>-w<N>.html).")
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the HTML report.")
    ] = False,
    plotlyjs: PlotlyOpt = "inline",
    snapshot: SnapshotOpt = None,
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
    if weight not in ("count", "value"):
        raise TimingInputError(f"--weight {weight!r}: expected count or value")
    _plotly_mode(plotlyjs)
    if snapshot is not None and snapshot.suffix.lower() not in (".png", ".pdf"):
        raise TimingInputError(f"--snapshot {snapshot}: expected a .png or .pdf path")
    if snapshot is not None and no_report:
        raise TimingInputError("--snapshot copies the HTML report; drop --no-report")
    config = AnalysisConfig(
        weight=weight,  # type: ignore[arg-type]
        offsets=parse_offsets(offsets) if offsets else (-window, -1),
        anticipation=anticipation,
        resolution=resolution,  # type: ignore[arg-type]
        seed=seed,
        min_shift=min_shift,
        detrend=detrend or None,
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
            claims_format=claims_format,
            events_format=events_format,
            adapter_options=parse_mapping(option or [], flag="--option"),
            progress=progress,
        )
        if not no_report:
            from timing.report import default_report_path, write_report

            progress("writing report")
            path = out or default_report_path(result.to_dict())
            result = result.with_report(path)
            write_report(result.to_dict(full=True), path, plotlyjs=_plotly_mode(plotlyjs))
            if snapshot is not None:
                from timing.report import snapshot_report

                progress("saving a static copy")
                snapshot_report(path, snapshot)
    finally:
        if status is not None:
            status.stop()
    if as_json:
        _print_json(result.to_dict(full=full_json))
        return
    _render_analysis(result, snapshot)


def _render_analysis(result: Any, snapshot: Path | None = None) -> None:
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{_escape(result.headline())}[/bold]")
    caution = result.caution()
    if caution:
        console.print(f"[yellow]{_escape(caution)}[/yellow]")
    table = Table(title="Tests", title_justify="left")
    for column in ("test", "effect", "95 % CI", "p-value"):
        table.add_column(column)
    for name, res in result.to_dict()["tests"].items():
        if "pvalue" not in res:
            continue
        low, high = _number(res.get("ci_low")), _number(res.get("ci_high"))
        table.add_row(
            _escape(res.get("method", name)),
            _number(res.get("effect")),
            f"{low}-{high}" if low and high else "",
            _number(res["pvalue"], "{:.3g}"),
        )
    console.print(table)
    for name, acc in result.accounting.items():
        left_out = result.timeline.excluded.get(name, {})
        extra = "".join(f"; {n} {reason}" for reason, n in left_out.items())
        console.print(
            f"{name}: {acc.read} read, {acc.used} used, {acc.rejected} rejected{_escape(extra)}"
        )
    if result.report_path:
        console.print(f"report: {result.report_path}")
    if snapshot is not None and result.report_path:
        console.print(f"static copy: {snapshot}")


def _number(value: Any, fmt: str = "{:.2f}") -> str:
    """Format a finite number; missing, NaN and infinite values print as blank or 'inf'."""
    if value is None:
        return ""
    value = float(value)
    if value != value:  # NaN: not estimable
        return "n/a"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return fmt.format(value)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))


@app.command()
@_user_errors
def validate(
    path: Annotated[Path, typer.Argument(help="File to check.")],
    kind: Annotated[str, typer.Option(help="Table kind: claims or events.")] = "claims",
    map_: MapOpt = None,
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
    plotlyjs: PlotlyOpt = "inline",
    snapshot: SnapshotOpt = None,
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
    path = write_report(data, out or default_report_path(data), plotlyjs=_plotly_mode(plotlyjs))
    typer.echo(f"report: {path}")
    if snapshot is not None:
        from timing.report import snapshot_report

        typer.echo(f"static copy: {snapshot_report(path, snapshot)}")


def _parse_windows(text: str) -> range:
    from timing.timeline import parse_offsets

    lo, hi = parse_offsets(text)
    if lo < 1:
        raise TimingInputError(f"--windows {text!r}: window lengths start at 1 day, e.g. 1:30")
    return range(lo, hi + 1)


@app.command()
@_user_errors
def scan(
    dataset: DatasetOpt = None,
    claims: ClaimsOpt = None,
    events: EventsOpt = None,
    map_: MapOpt = None,
    windows: Annotated[str, typer.Option(help="Window lengths in days, FIRST:LAST.")] = "1:30",
    by_actor: Annotated[bool, typer.Option(help="One cell per claim actor.")] = True,
    by_claim_kind: Annotated[bool, typer.Option(help="One cell per claim kind.")] = True,
    by_event_kind: Annotated[bool, typer.Option(help="One cell per event kind.")] = True,
    anticipation: Annotated[bool, typer.Option(help="Add the anticipation-window variant.")] = True,
    min_shift: Annotated[int | None, typer.Option(min=1, help="Smallest circular shift.")] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    alpha: Annotated[float, typer.Option(min=0.0, max=1.0, help="Level for discoveries.")] = 0.05,
    top: Annotated[int, typer.Option(min=1, help="Rows of the table to print.")] = 15,
    lenient: LenientOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print every cell as JSON.")] = False,
) -> None:
    """Test every window x actor x claim kind x event kind, with FDR and FWER control."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from timing.analysis import AnalysisConfig, default_period, load_inputs
    from timing.io import parse_mapping
    from timing.stats.scan import scan as run_scan

    claims_table, events_table, dataset, _ = load_inputs(
        claims, events, dataset=dataset, mapping=parse_mapping(map_ or []), lenient=lenient
    )
    period = AnalysisConfig(start=_date_option(start, "--start"), end=_date_option(end, "--end"))
    if claims is None and start is None and end is None:
        period = default_period(dataset, period)
    kwargs = dict(
        start=period.start,
        end=period.end,
        windows=_parse_windows(windows),
        by_actor=by_actor,
        by_claim_kind=by_claim_kind,
        by_event_kind=by_event_kind,
        anticipation=anticipation,
        min_shift=min_shift,
        alpha=alpha,
    )
    if as_json:
        result = run_scan(claims_table.frame, events_table.frame, **kwargs)  # type: ignore[arg-type]
        _print_json(result.to_dict(full=True))
        return
    columns = (TextColumn("scanning cells"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True, console=_console()) as bar:
        task = bar.add_task("scan", total=None)
        result = run_scan(
            claims_table.frame,
            events_table.frame,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            **kwargs,  # type: ignore[arg-type]
        )
    _console().print(_escape(result.summary()))
    shown = ["window", "actor", "claim_kind", "event_kind", "variant", "rate_ratio", "pvalue"]
    _print_frame(result.top(top).select([*shown, "q_bh", "p_fwer", "n_claims"]), "Strongest cells")


def _print_frame(frame: Any, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(column)
    for row in frame.iter_rows():
        table.add_row(*[_escape(f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row])
    _console().print(table)


@app.command()
@_user_errors
def simulate(
    out_dir: Annotated[
        Path | None, typer.Option(help="Write claims.csv and events.csv here.")
    ] = None,
    days: Annotated[int, typer.Option(min=30, help="Length of the series in days.")] = 1826,
    n_events: Annotated[int, typer.Option("--events", min=1, help="Number of events.")] = 60,
    model: Annotated[
        str, typer.Option(help="Claims model: poisson, negbin, hawkes or ar.")
    ] = "negbin",
    rate: Annotated[float, typer.Option(min=0.0, help="Mean claims per day.")] = 0.6,
    uplift: Annotated[
        float, typer.Option(min=0.0, help="Planted rate multiplier before events.")
    ] = 1.0,
    window: Annotated[int, typer.Option(min=1, help="Days before events the uplift covers.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    calibrate: Annotated[bool, typer.Option(help="Measure false-positive rate and power.")] = False,
    datasets: Annotated[
        int, typer.Option(min=10, help="With --calibrate: datasets per null.")
    ] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Simulate claims and events with a planted effect, or calibrate the tests."""
    if calibrate:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from timing.stats.calibrate import calibrate as run_calibration

        kwargs = dict(
            tests=("circular_shift_detrend", "circular_shift", "poisson_naive", "day_shuffle"),
            n_datasets=datasets,
            n_bins=days,
            n_events=n_events,
            claim_rate=rate,
            uplift=uplift if uplift != 1.0 else 1.5,
            offsets=(-window, -1),
            seed=seed,
        )
        if as_json:
            _print_json(run_calibration(**kwargs).to_dict())  # type: ignore[arg-type]
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, transient=True, console=_console()) as bar:
            task = bar.add_task("calibrating", total=None)

            def progress(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=_escape(label))

            result = run_calibration(progress=progress, **kwargs)  # type: ignore[arg-type]
        typer.echo(result.summary())
        return
    from timing.stats.simulate import simulate_dataset

    claims_df, events_df = simulate_dataset(
        days,
        n_events,
        model=model,
        rate=rate,
        uplift=uplift,  # type: ignore[arg-type]
        offsets=(-window, -1),
        seed=seed,
    )
    if out_dir is None:
        raise TimingInputError("--out-dir is required to write the simulated tables")
    out_dir.mkdir(parents=True, exist_ok=True)
    claims_df.write_csv(out_dir / "claims.csv")
    events_df.write_csv(out_dir / "events.csv")
    summary = {
        "claims": str(out_dir / "claims.csv"),
        "events": str(out_dir / "events.csv"),
        "n_claims": claims_df.height,
        "n_events": events_df.height,
        "model": model,
        "uplift": uplift,
        "seed": seed,
    }
    if as_json:
        _print_json(summary)
    else:
        typer.echo(
            f"wrote {claims_df.height} claims and {events_df.height} events to {out_dir} "
            f"(model {model}, uplift {uplift}x over {window} days before events, seed {seed})"
        )


def main() -> None:
    """Console-script entry point."""
    app(prog_name="timing")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
