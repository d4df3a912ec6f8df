"""Progress of long steps: the library's interface, Rich bars on a terminal, plain lines off."""

from __future__ import annotations

import io

from rich.console import Console

from timing.analysis import AnalysisConfig, analyze
from timing.cli._app import PlainProgress, RichProgress, progress_reporter
from timing.progress import advance, as_progress, reporting, step

SMALL = AnalysisConfig(n_boot=50, n_monte_carlo=49, lag_density_shifts=39, predictive_shifts=9)


class Recorder:
    """A listener that keeps every call."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int | None]] = []
        self.counts: list[tuple[str, int, int | None]] = []

    def step(self, label: str, total: int | None = None) -> None:
        self.steps.append((label, total))

    def advance(self, done: int, total: int | None = None) -> None:
        self.counts.append((self.steps[-1][0], done, total))


def test_analysis_reports_steps_and_counted_loops() -> None:
    seen = Recorder()
    analyze(config=SMALL, progress=seen)
    labels = [label for label, _ in seen.steps]
    assert labels[:3] == ["reading claims", "reading events", "circular-shift test"]
    assert "predictive check" in labels and labels[-1] == "scan over windows, actors and kinds"
    # Shift loops say how far they are, against their own total, and end at it.
    density = [(d, t) for label, d, t in seen.counts if label == "lag density"]
    assert density and density[-1] == (39, 39)
    assert [d for d, _ in density] == sorted(d for d, _ in density)
    scan_counts = [(d, t) for label, d, t in seen.counts if label.startswith("scan")]
    assert scan_counts and scan_counts[-1][0] == scan_counts[-1][1] > 0


def test_a_plain_callable_hears_the_labels_and_none_is_silent() -> None:
    labels: list[str] = []
    analyze(config=SMALL, progress=labels.append)
    assert "circular-shift test" in labels and "lag density" in labels
    step("outside any analysis")  # no listener: nothing happens, nothing raises
    advance(1, 2)
    with reporting(labels.append):
        with reporting(None):  # None keeps the outer listener
            step("inner")
    assert labels[-1] == "inner"
    assert as_progress(None) is as_progress(None)


def test_rich_bars_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    bars, closer = progress_reporter(console=console)
    assert isinstance(bars, RichProgress) and closer is bars
    with reporting(bars):
        step("lag density", total=40)
        advance(17, 40)
        bars._bar.refresh()
        step("writing report")
        bars._bar.refresh()
    closer.stop()
    text = out.getvalue()
    assert "lag density" in text and "17/40" in text and "writing report" in text
    quiet, nothing = progress_reporter(console=console, quiet=True)
    assert nothing is None and quiet("anything") is None


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    lines, closer = progress_reporter(stream=out, after=0.0)
    assert isinstance(lines, PlainProgress) and closer is None
    lines._every = 0.0  # a line for every count in this test
    with reporting(lines):
        step("negative binomial glm (hac)")
        advance(66, 199)
    printed = out.getvalue().splitlines()
    assert printed[0].startswith("timing: [") and printed[0].endswith(
        "] negative binomial glm (hac)..."
    )
    assert printed[1].endswith("] negative binomial glm (hac): 66 of 199")
    late = io.StringIO()
    held, _ = progress_reporter(stream=late, after=3600.0)
    held.step("quick step")
    held.advance(1, 2)
    assert late.getvalue() == ""  # a quick run prints nothing extra


def test_scan_and_calibration_commands_print_plain_lines_off_a_terminal(monkeypatch) -> None:
    from typer.testing import CliRunner

    from timing.cli import app

    monkeypatch.setenv("TIMING_PROGRESS_AFTER", "0")
    runner = CliRunner()
    scanned = runner.invoke(app, ["scan", "--windows", "1:2"])
    assert scanned.exit_code == 0, scanned.output
    assert "] scanning cells..." in scanned.stderr
    assert "cells tested" in scanned.stdout and "timing: [" not in scanned.stdout
    calibrated = runner.invoke(app, ["simulate", "--calibrate", "--datasets", "20"])
    assert calibrated.exit_code == 0, calibrated.output
    assert "] iid (null)..." in calibrated.stderr
