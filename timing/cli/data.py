"""``timing validate``, ``timing datasets`` and ``timing report``: inputs and outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from timing.cli._app import (
    EncodingOpt,
    MapOpt,
    PlotlyOpt,
    SeparatorOpt,
    SheetOpt,
    SnapshotOpt,
    app,
    datasets_app,
    escape,
    plotly_mode,
    print_json,
    read_options,
    rich_console,
    user_errors,
)
from timing.errors import TimingInputError


@app.command()
@user_errors
def validate(
    path: Annotated[Path, typer.Argument(help="File to check.")],
    kind: Annotated[
        str | None,
        typer.Option(help="Table kind: claims or events (default: from the file's columns)."),
    ] = None,
    map_: MapOpt = None,
    format_: Annotated[
        str | None, typer.Option("--format", help="Read through an adapter, e.g. acled.")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option(metavar="KEY=VALUE", help="Adapter option (repeatable).")
    ] = None,
    separator: SeparatorOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check a claims or events file and list every problem (exit 0 clean, 2 problems).

    PATH may be - for standard input (give --kind then).
    """
    from timing.io import load_table, parse_mapping
    from timing.schema import CLAIMS, EVENTS

    specs = {"claims": CLAIMS, "events": EVENTS}
    mapping = parse_mapping(map_ or [])
    if kind is None and format_ is not None:
        from timing.adapters import get_adapter

        kind = get_adapter(format_).table
    if kind is None and str(path) == "-":
        raise TimingInputError("reading standard input: give --kind claims or --kind events")
    if kind is None:
        kind = _guess_kind(path, mapping, read_options(separator, encoding, sheet))
    if kind not in specs:
        raise TimingInputError(f"--kind {kind!r}: expected claims or events")
    if format_ is not None:
        from timing.adapters import get_adapter, load_with_adapter

        if get_adapter(format_).table != kind:
            raise TimingInputError(
                f"--format {format_}: that adapter reads {get_adapter(format_).table}"
            )
        options = parse_mapping(option or [], flag="--option")
        table = load_with_adapter(format_, path, options=options, lenient=True)
    else:
        own = {
            k.partition(".")[2] or k: v
            for k, v in mapping.items()
            if "." not in k or k.startswith(f"{kind}.")
        }
        table = load_table(
            path,
            specs[kind],
            mapping=own,
            lenient=True,
            columns=["date"],  # all are checked; the far-dates note needs only the dates
            **read_options(separator, encoding, sheet),
        )
    acc = table.accounting
    far = _far_dates(table)
    if as_json:
        print_json({**acc.to_dict(), "kind": kind, "far_dates": far})
    else:
        for problem in acc.reasons:
            typer.echo(str(problem))
        info = getattr(table, "info", None)
        for note in info.messages() if info is not None else []:
            typer.echo(note)
        for row, value in far:
            typer.echo(
                f"{path}: row {row}, column 'date': {value} lies far outside the rest of the "
                "table's dates (a typo?); analyses leave it out and count it"
            )
        skipped = f", {acc.skipped_text()}" if acc.skipped else ""
        typer.echo(
            f"{path} ({kind}): {acc.read} rows read, {acc.used} valid, "
            f"{acc.rejected} with problems{skipped}, {len(far)} with far-off dates"
        )
    if acc.rejected:
        raise typer.Exit(2)


def _guess_kind(path: Path, mapping: dict[str, str], reading: dict[str, object]) -> str:
    """Tell claims from events by their id column (after the column map)."""
    from timing.io import column_names

    columns = set(column_names(path, **reading))  # type: ignore[arg-type]
    renamed = {canonical for canonical, source in mapping.items() if source in columns}
    has = columns | renamed | {k.partition(".")[2] for k in mapping}
    if "claim_id" in has and "event_id" not in has:
        return "claims"
    if "event_id" in has and "claim_id" not in has:
        return "events"
    raise TimingInputError(
        f"{path}: cannot tell whether this is a claims or an events table (it has "
        f"{'both' if 'claim_id' in has else 'neither'} a claim_id and an event_id column); "
        "give --kind claims or --kind events"
    )


def _far_dates(table: object) -> list[tuple[int, str]]:
    """Rows whose date lies far outside the rest of the table, as ``(row, date)``.

    The fences of :func:`timing.period.far_dates`, computed by Polars on 4-byte day
    numbers: at 1e8 rows the float copies of the NumPy version took 2.4 GB.
    """
    import polars as pl

    from timing.period import FENCE_IQR, FENCE_MIN_DAYS

    frame = table.frame  # type: ignore[attr-defined]
    if frame.height < 8:  # as far_dates: quartiles of so few rows say little
        return []
    dates = frame["date"]
    days = (dates if dates.dtype == pl.Date else dates.dt.date()).cast(pl.Int32)
    q1, q3 = days.quantile(0.25, "linear"), days.quantile(0.75, "linear")
    reach = max(FENCE_IQR * (q3 - q1), float(FENCE_MIN_DAYS))
    far = frame.select("row", "date").filter((days < q1 - reach) | (days > q3 + reach))
    return [(int(row), str(value)[:10]) for row, value in far.iter_rows()]


@datasets_app.command("list")
@user_errors
def datasets_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the bundled datasets with their study period, row counts and licence.

    The period is the one ``timing analyze --dataset NAME`` uses by default: the span the
    claims and events were compiled over together.
    """
    from rich.table import Table

    from timing.datasets import list_datasets

    infos = list_datasets()
    if as_json:
        print_json([i.to_dict() for i in infos])
        return
    table = Table()
    for column in ("name", "study period", "claims", "events", "licence"):
        table.add_column(column)
    for info in infos:
        start, end = info.coverage or (info.period_start, info.period_end)
        table.add_row(
            info.name,
            f"{start} to {end}",
            str(info.rows.get("claims", "")),
            str(info.rows.get("events", "")),
            info.licence,
        )
    rich_console().print(table)


@datasets_app.command("show")
@user_errors
def datasets_show(
    name: Annotated[str, typer.Argument(help="Dataset name, e.g. ru-ua-2025.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Describe one bundled dataset."""
    from timing.datasets import dataset_info

    info = dataset_info(name)
    if as_json:
        print_json(info.to_dict())
        return
    console = rich_console()
    console.print(f"[bold]{escape(info.title)}[/bold] ({info.name})")
    console.print(escape(info.description))
    console.print(f"data: {info.period_start} to {info.period_end}")
    if info.coverage:
        console.print(
            f"study period: {info.coverage[0]} to {info.coverage[1]} (compiled together; "
            "the default of timing analyze)"
        )
    for table, n in info.rows.items():
        console.print(f"{table}: {n} rows")
    console.print(f"licence: {escape(info.licence)}")
    console.print(f"path: {info.path}")
    if info.caveat:
        console.print(f"caveat: {escape(info.caveat)}")
    shown = ", ".join(info.sources[:8])
    more = f" and {len(info.sources) - 8} more (--json lists all)" if len(info.sources) > 8 else ""
    console.print(f"sources: {len(info.sources)} sites, e.g. {escape(shown)}{escape(more)}")


@app.command()
@user_errors
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
    from timing.schemas import check_result

    check_result(data, str(result_json))
    if "timeline" not in data or "claims" not in data or "events" not in data:
        raise TimingInputError(
            f"{result_json}: not a full analysis result; "
            "save one with 'timing analyze --json --full'"
        )
    path = write_report(data, out or default_report_path(data), plotlyjs=plotly_mode(plotlyjs))
    typer.echo(f"report: {path}")
    if snapshot is not None:
        from timing.report import snapshot_report

        typer.echo(f"static copy: {snapshot_report(path, snapshot)}")
