"""``timing scan`` and ``timing simulate``: many hypotheses at once, and simulated data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from timing.cli._app import (
    ClaimsEncodingOpt,
    ClaimsOpt,
    ClaimsSeparatorOpt,
    ClaimsSheetOpt,
    DatasetOpt,
    EndOpt,
    EngineOpt,
    EventsEncodingOpt,
    EventsOpt,
    EventsSeparatorOpt,
    EventsSheetOpt,
    LenientOpt,
    MapOpt,
    SchedulerOpt,
    StartOpt,
    WorkersOpt,
    app,
    date_option,
    escape,
    make_engine,
    number,
    print_json,
    progress_reporter,
    read_options,
    rich_console,
    user_errors,
)
from timing.errors import TimingInputError


def _parse_windows(text: str) -> range:
    from timing.timeline import parse_offsets

    lo, hi = parse_offsets(text)
    if lo < 1:
        raise TimingInputError(f"--windows {text!r}: window lengths start at 1 bin, e.g. 1:30")
    return range(lo, hi + 1)


@app.command()
@user_errors
def scan(
    dataset: DatasetOpt = None,
    claims: ClaimsOpt = None,
    events: EventsOpt = None,
    map_: MapOpt = None,
    windows: Annotated[
        str, typer.Option(help="Window lengths in bins (days, hours or minutes), FIRST:LAST.")
    ] = "1:30",
    resolution: Annotated[
        str, typer.Option(help="Bin width: day, hour or minute (needs claim times).")
    ] = "day",
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
    claims_separator: ClaimsSeparatorOpt = None,
    claims_encoding: ClaimsEncodingOpt = None,
    claims_sheet: ClaimsSheetOpt = None,
    events_separator: EventsSeparatorOpt = None,
    events_encoding: EventsEncodingOpt = None,
    events_sheet: EventsSheetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every cell as JSON.")] = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Test every window x actor x claim kind x event kind, with FDR and FWER control.

    With --engine dask the cells are computed in blocks of claim series on a Dask cluster
    (a local one, or --scheduler ADDRESS); the table is identical to the local one.
    """
    from timing.analysis import AnalysisConfig, default_period, load_inputs
    from timing.io import parse_mapping
    from timing.period import choose_period
    from timing.stats.scan import scan as run_scan
    from timing.timeline import BINS_PER_DAY, check_resolution

    check_resolution(resolution)
    claims_table, events_table, dataset, _ = load_inputs(
        claims,
        events,
        dataset=dataset,
        mapping=parse_mapping(map_ or []),
        lenient=lenient,
        resolution=resolution,  # type: ignore[arg-type]
        read_options={
            "claims": read_options(claims_separator, claims_encoding, claims_sheet),
            "events": read_options(events_separator, events_encoding, events_sheet),
        },
    )
    period = AnalysisConfig(start=date_option(start, "--start"), end=date_option(end, "--end"))
    if claims is None:
        period = default_period(dataset, period)
    else:
        # As in analyze: the default period is where both tables have data.
        chosen = choose_period(
            {"claims": claims_table.frame, "events": events_table.frame},
            start=period.start,
            end=period.end,
            # windows are in bins: the lead in whole days that covers the longest
            lead_days=-(-max(_parse_windows(windows)) // BINS_PER_DAY[resolution]),
        )
        period = AnalysisConfig(start=chosen.start, end=chosen.end)
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
        resolution=check_resolution(resolution),
        engine=make_engine(engine, scheduler, workers),
    )
    if as_json:
        result = run_scan(claims_table.frame, events_table.frame, **kwargs)
        print_json(result.to_dict(full=True))
        return
    reporter, closer = progress_reporter()
    try:
        reporter.step("scanning cells")
        result = run_scan(
            claims_table.frame, events_table.frame, progress=reporter.advance, **kwargs
        )
    finally:
        if closer is not None:
            closer.stop()
    rich_console().print(escape(result.summary()))
    _print_cells(result.top(top), {"day": "d", "hour": "h", "minute": "min"}[result.resolution])


def _print_cells(cells: Any, unit: str = "d") -> None:
    """The strongest cells as a table that fits 80 columns: short headers, rounded numbers."""
    from rich.table import Table

    table = Table(title="Strongest cells", title_justify="left", pad_edge=False)
    headers = ("window", "actor", "claims", "events", "ratio", "p", "q (BH)", "p (FWER)", "n")
    for header in headers:
        numeric = header in ("ratio", "p", "q (BH)", "p (FWER)", "n")
        table.add_column(header, justify="right" if numeric else "left", overflow="fold")
    for row in cells.iter_rows(named=True):
        window = "ann." if row["window"] is None else f"{row['window']} {unit}"
        table.add_row(
            window,
            escape(str(row["actor"])),
            escape(str(row["claim_kind"])),
            escape(str(row["event_kind"])),
            number(row["rate_ratio"]),
            number(row["pvalue"], "{:.2g}"),
            number(row["q_bh"], "{:.2g}"),
            number(row["p_fwer"], "{:.2g}"),
            str(row["n_claims"]),
        )
    rich_console().print(table)
    rich_console().print("window 'ann.': from each event's announcement to its start", style="dim")


@app.command()
@user_errors
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
    calendar: Annotated[
        bool,
        typer.Option(
            help="With --calibrate: the structured-calendar nulls (events on fixed weekdays or "
            "every 14 days) with every method and the intervals' coverage."
        ),
    ] = False,
    model_datasets: Annotated[
        int,
        typer.Option(min=0, help="With --calendar: datasets per null for the model-based tests."),
    ] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Simulate claims and events with a planted effect, or calibrate the tests."""
    if calibrate and calendar:
        from timing.calibrate_calendar import calibrate_calendar

        result = calibrate_calendar(
            n_primary=datasets,
            n_other=model_datasets,
            uplift=uplift if uplift != 1.0 else 1.5,
            seed=seed,
        )
        if as_json:
            print_json(result.to_dict())
        else:
            typer.echo(result.summary())
        return
    if calendar:
        raise TimingInputError("--calendar is an option of --calibrate")
    if calibrate:
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
            engine=make_engine(engine, scheduler, workers),
        )
        if as_json:
            print_json(run_calibration(**kwargs).to_dict())
            return
        reporter, closer = progress_reporter()
        labels: list[str] = []

        def progress(done: int, total: int, label: str) -> None:
            if not labels or labels[-1] != label:
                labels.append(label)
                reporter.step(label, total)
            reporter.advance(done, total)

        try:
            result = run_calibration(progress=progress, **kwargs)
        finally:
            if closer is not None:
                closer.stop()
        typer.echo(result.summary())
        return
    from typing import get_args

    from timing.stats.simulate import Model, simulate_dataset

    models: dict[str, Model] = {name: name for name in get_args(Model)}
    if model not in models:
        raise TimingInputError(f"--model {model!r}: expected one of {', '.join(models)}")
    claims_df, events_df = simulate_dataset(
        days,
        n_events,
        model=models[model],
        rate=rate,
        uplift=uplift,
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
        print_json(summary)
    else:
        typer.echo(
            f"wrote {claims_df.height} claims and {events_df.height} events to {out_dir} "
            f"(model {model}, uplift {uplift}x over {window} days before events, seed {seed})"
        )
