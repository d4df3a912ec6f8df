"""``timing analyze``: run every method on claims and events and write the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from timing.cli._app import (
    ClaimsEncodingOpt,
    ClaimsMapOpt,
    ClaimsOpt,
    ClaimsSeparatorOpt,
    ClaimsSheetOpt,
    DatasetOpt,
    EndOpt,
    EngineOpt,
    EventsEncodingOpt,
    EventsMapOpt,
    EventsOpt,
    EventsSeparatorOpt,
    EventsSheetOpt,
    LenientOpt,
    MapOpt,
    OutputError,
    PlotlyOpt,
    QuietOpt,
    SchedulerOpt,
    SnapshotOpt,
    StartOpt,
    WorkersOpt,
    app,
    check_output_path,
    date_option,
    escape,
    make_engine,
    number,
    plotly_mode,
    print_json,
    progress_reporter,
    read_options,
    rich_console,
    user_errors,
)
from timing.errors import TimingInputError


@app.command()
@user_errors
def analyze(
    dataset: DatasetOpt = None,
    claims: ClaimsOpt = None,
    events: EventsOpt = None,
    map_: MapOpt = None,
    claims_map: ClaimsMapOpt = None,
    events_map: EventsMapOpt = None,
    claims_separator: ClaimsSeparatorOpt = None,
    claims_encoding: ClaimsEncodingOpt = None,
    claims_sheet: ClaimsSheetOpt = None,
    events_separator: EventsSeparatorOpt = None,
    events_encoding: EventsEncodingOpt = None,
    events_sheet: EventsSheetOpt = None,
    claims_format: Annotated[
        str | None, typer.Option(help="Adapter for the claims file, e.g. ua-losses, acled.")
    ] = None,
    events_format: Annotated[
        str | None, typer.Option(help="Adapter for the events file, e.g. gdelt-events.")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option(metavar="KEY=VALUE", help="Adapter option (repeatable).")
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
    resolution: Annotated[
        str,
        typer.Option(
            help="Bin width: day, hour or minute (minute needs claim times; a date alone "
            "counts at 00:00 UTC). --window and offsets stay in days."
        ),
    ] = "day",
    start: StartOpt = None,
    end: EndOpt = None,
    actor: Annotated[
        list[str] | None,
        typer.Option(metavar="ACTOR", help="Keep only this claim actor (repeatable)."),
    ] = None,
    claim_kind: Annotated[
        list[str] | None,
        typer.Option(metavar="KIND", help="Keep only this claim kind (repeatable)."),
    ] = None,
    event_kind: Annotated[
        list[str] | None,
        typer.Option(metavar="KIND", help="Keep only this event kind (repeatable)."),
    ] = None,
    min_shift: Annotated[int | None, typer.Option(help="Smallest circular shift (bins).")] = None,
    max_shift: Annotated[
        int | None, typer.Option(help="Largest circular shift (bins): block-local shifts.")
    ] = None,
    n_boot: Annotated[
        int, typer.Option(help="Bootstrap and Monte Carlo replicates (10 or more).")
    ] = 2000,
    shift_scheme: Annotated[
        str,
        typer.Option(
            help="Shifts of the event calendar: auto, all, weekly (whole weeks) or periodic "
            "(period trimmed to whole cycles of the calendar)."
        ),
    ] = "auto",
    detrend: Annotated[
        int, typer.Option(help="Remove an N-day moving average first (0: off).")
    ] = 91,
    seed: Annotated[int, typer.Option(help="Seed for every Monte Carlo step (0 or more).")] = 0,
    n_monte_carlo: Annotated[
        int,
        typer.Option(
            help="Replicates of the placebo, permutation and simulated-null tests (19 or more)."
        ),
    ] = 999,
    event_study_bins: Annotated[
        int,
        typer.Option(
            help="Half-width K of the event-study profile, in bins: days, or hours (1 or more)."
        ),
    ] = 14,
    lag_density_shifts: Annotated[
        int, typer.Option(help="Shifted calendars behind the lag density's null band (19 or more).")
    ] = 199,
    predictive_shifts: Annotated[
        int,
        typer.Option(help="Shifted calendars behind the predictive check's AUC null (9 or more)."),
    ] = 49,
    scan_max_window: Annotated[
        int, typer.Option(help="Longest window of the report's scan, in days (1 or more).")
    ] = 14,
    lenient: LenientOpt = False,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Also run the specification curve, leave-one-out influence and tipping point.",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Report path (default reports/<dataset>-w<N>.html).")
    ] = None,
    no_report: Annotated[
        bool,
        typer.Option(
            "--no-report",
            help="Do not write the HTML report (--json writes none unless --out is given).",
        ),
    ] = False,
    plotlyjs: PlotlyOpt = "inline",
    snapshot: SnapshotOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    quiet: QuietOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    full_json: Annotated[
        bool, typer.Option("--full", help="With --json: include the data a report is redrawn from.")
    ] = False,
    keep_columns: Annotated[
        str,
        typer.Option(
            metavar="auto|all|analysis|counts",
            help="Claims columns kept after checking them all: auto keeps every column up "
            "to 100,000 claims, only those the analysis reads (not text, source, region) "
            "up to 2e7, and above that holds the claims as counts per date, actor, kind, "
            "status and verified date (same results; no ids or targets).",
        ),
    ] = "auto",
) -> None:
    """Test whether claims cluster in the days before diplomatic events."""
    from timing.analysis import analyze as run_analysis
    from timing.io import parse_mapping
    from timing.timeline import parse_offsets

    plotly_mode(plotlyjs)
    if snapshot is not None and snapshot.suffix.lower() not in (".png", ".pdf"):
        raise TimingInputError(f"--snapshot {snapshot}: expected a .png or .pdf path")
    if snapshot is not None and no_report:
        raise TimingInputError("--snapshot copies the HTML report; drop --no-report")
    config = _config(
        weight=weight,
        offsets=parse_offsets(offsets) if offsets else (-window, -1),
        anticipation=anticipation,
        resolution=resolution,
        seed=seed,
        min_shift=min_shift,
        max_shift=max_shift,
        n_boot=n_boot,
        shift_scheme=shift_scheme,
        detrend=detrend or None,
        start=date_option(start, "--start"),
        end=date_option(end, "--end"),
        actors=tuple(actor) if actor else None,
        claim_kinds=tuple(claim_kind) if claim_kind else None,
        event_kinds=tuple(event_kind) if event_kind else None,
        robustness=robustness,
        n_monte_carlo=n_monte_carlo,
        event_study_bins=event_study_bins,
        lag_density_shifts=lag_density_shifts,
        predictive_shifts=predictive_shifts,
        scan_max_window=scan_max_window,
    )
    if snapshot is not None:
        check_output_path(snapshot, "--snapshot")
    report_path = None
    # With --json the output is for a program: no report file appears unless --out asks.
    if not no_report and not (as_json and out is None):
        from timing.report import default_report_path

        # Where the report goes is checked before the work starts: a finished analysis is
        # never lost to an unwritable path.
        guess = {"dataset": dataset, "params": config.to_dict()}
        if claims is None and dataset is None:
            from timing.datasets import DEFAULT_DATASET

            guess["dataset"] = DEFAULT_DATASET
        report_path = check_output_path(out or default_report_path(guess), "--out")
    progress, status = progress_reporter(quiet=quiet, live=not as_json)
    try:
        result = run_analysis(
            claims,
            events,
            config,
            dataset=dataset,
            mapping=parse_mapping(map_ or []),
            claims_mapping=parse_mapping(claims_map or [], flag="--claims-map"),
            events_mapping=parse_mapping(events_map or [], flag="--events-map"),
            lenient=lenient,
            claims_format=claims_format,
            events_format=events_format,
            adapter_options=parse_mapping(option or [], flag="--option"),
            engine=make_engine(engine, scheduler, workers),
            read_options={
                "claims": read_options(claims_separator, claims_encoding, claims_sheet),
                "events": read_options(events_separator, events_encoding, events_sheet),
            },
            progress=progress,
            keep_columns=keep_columns,
        )
        failure = None
        if report_path is not None:
            from timing.report import write_report

            progress("writing report")
            try:
                write_report(
                    result.with_report(report_path),
                    report_path,
                    plotlyjs=plotly_mode(plotlyjs),
                )
                result = result.with_report(report_path)
                if snapshot is not None:
                    from timing.report import snapshot_report

                    progress("saving a static copy")
                    snapshot_report(report_path, snapshot)
            except TimingInputError as exc:  # no browser for the static copy
                failure = f"the results are printed, but the static copy failed: {exc}"
            except OSError as exc:
                where = exc.filename or report_path
                failure = (
                    f"the results are printed, but writing {where} failed: {exc.strerror or exc}"
                )
    finally:
        if status is not None:
            status.stop()
    if as_json:
        print_json(result.to_dict(full=full_json))
    else:
        _render_analysis(result, snapshot)
    if failure is not None:
        raise OutputError(failure)


def _config(**fields: Any) -> Any:
    """``AnalysisConfig(**fields)``, its constraint errors restated for the CLI's options.

    The constraints are those declared once in :data:`timing.result.CONFIG_CONSTRAINTS`.
    """
    import datetime as dt

    from timing.constraints import ParameterError
    from timing.result import CONFIG_OPTIONS, AnalysisConfig

    try:
        return AnalysisConfig(**fields)
    except ParameterError as exc:
        value = fields.get(exc.field)
        shown = value.isoformat() if isinstance(value, dt.date) else value
        option = CONFIG_OPTIONS.get(exc.field, exc.field)
        raise exc.for_option(option, shown) from None


def _render_analysis(result: Any, snapshot: Path | None = None) -> None:
    from rich.table import Table

    console = rich_console()
    console.print(f"[bold]{escape(result.headline())}[/bold]")
    caution = result.caution()
    if caution:
        console.print(f"[yellow]{escape(caution)}[/yellow]")
    table = Table(title="Tests", title_justify="left")
    for column in ("test", "effect", "95 % CI", "p-value"):
        table.add_column(column)
    not_applicable = []
    for name, res in result.to_dict()["tests"].items():
        if res.get("applicable") is False:
            not_applicable.append(f"{res.get('method', name)}: {res.get('reason')}")
            continue
        if "pvalue" not in res:
            continue
        low, high = number(res.get("ci_low")), number(res.get("ci_high"))
        table.add_row(
            escape(res.get("method", name)),
            number(res.get("effect")),
            f"{low}-{high}" if low and high else "",
            number(res["pvalue"], "{:.3g}"),
        )
    console.print(table)
    for line in not_applicable:
        console.print(f"not applicable: {escape(line)}", style="dim")
    if result.robustness is not None:
        _render_robustness(console, result.robustness)
    if result.timeline.period is not None:
        console.print(escape(result.timeline.period.describe()))
    for name, acc in result.accounting.items():
        left_out = result.timeline.excluded.get(name, {})
        extra = "".join(f"; {n} {reason}" for reason, n in left_out.items())
        skipped = f", {acc.skipped_text()}" if acc.skipped else ""
        console.print(
            f"{name}: {acc.read} read, {acc.used} used, {acc.rejected} rejected"
            f"{escape(skipped + extra)}"
        )
    for note in result.read_notes():
        console.print(escape(note), style="dim")
    console.print(f"re-run: {escape(result.rerun_command())}")
    if result.report_path:
        console.print(f"report: {result.report_path}")
    if snapshot is not None and result.report_path:
        console.print(f"static copy: {snapshot}")


def _render_robustness(console: Any, robust: Any) -> None:
    """A few lines: the specification curve, the pivotal events and the tipping point."""
    curve, infl = robust.curve, robust.influence
    console.print("[bold]Robustness[/bold]")
    console.print(
        f"specification curve: {curve.n_specs} specifications, rate ratio above 1 in "
        f"{100 * curve.share_above_one:.0f} %, p < {curve.alpha:g} in "
        f"{100 * curve.share_significant:.0f} %, median {curve.median_estimate:.2f}; "
        f"joint p = {curve.joint_pvalue:.3g}"
    )
    top = infl.events.head(3)
    names = "; ".join(
        f"{escape(str(r['title'] or r['event_id']))} ({r['date']}): without it "
        f"{r['rate_ratio']:.2f}x, p = {r['pvalue']:.3g}"
        for r in top.iter_rows(named=True)
    )
    crossing = len(infl.pivotal_events)
    console.print(
        f"leave one event out: {crossing} of {infl.events.height} events move p across "
        f"{infl.alpha:g}; most influential: {names}"
    )
    if infl.pivotal_months:
        console.print(
            f"leave one month out: masking {', '.join(infl.pivotal_months)} alone moves p "
            f"across {infl.alpha:g}"
        )
    console.print(f"tipping point: {escape(robust.tipping.sentence())}")
