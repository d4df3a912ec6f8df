"""Common check: every AnalysisConfig field refuses invalid values, naming field and value."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from timing.cli import app
from timing.constraints import (
    Constraint,
    Dates,
    Flag,
    Interval,
    Options,
    Pair,
    ParameterError,
    Strings,
)
from timing.errors import TimingInputError
from timing.result import CONFIG_CONSTRAINTS, CONFIG_OPTIONS, AnalysisConfig


def invalid_values(constraint: Constraint) -> list[Any]:
    """Values the constraint must refuse, generated from its declaration."""
    if isinstance(constraint, Interval):
        bad: list[Any] = [constraint.low - 1, str(constraint.low), float(constraint.low), True]
        if constraint.high is not None:
            bad.append(constraint.high + 1)
        return bad if constraint.none else [*bad, None]
    if isinstance(constraint, Options):
        return ["sum", constraint.choices[0].upper(), "", None, 1]
    if isinstance(constraint, Flag):
        return [1, "yes", None]
    if isinstance(constraint, Dates):
        return ["2025-01-01", dt.datetime(2025, 1, 1), 20250101]
    if isinstance(constraint, Strings):
        return [["RU MoD"], (), ("",), ("a", 1), "RU MoD"]
    if isinstance(constraint, Pair):
        return [(-1, -3), (-3,), [-3, -1], (-3.0, -1), (-3, -1, 0), None]
    raise AssertionError(f"no invalid values for {constraint!r}")


CASES = [
    (name, value)
    for name, constraint in CONFIG_CONSTRAINTS.items()
    for value in invalid_values(constraint)
]


def test_every_field_declares_a_constraint_and_an_option() -> None:
    fields = {f.name for f in dataclasses.fields(AnalysisConfig)}
    assert fields == set(CONFIG_CONSTRAINTS) == set(CONFIG_OPTIONS)
    for name, constraint in CONFIG_CONSTRAINTS.items():
        assert constraint.accepts(getattr(AnalysisConfig(), name)), name


@pytest.mark.parametrize(("name", "value"), CASES, ids=[f"{n}={v!r}" for n, v in CASES])
def test_invalid_value_raises_naming_field_value_and_expectation(name: str, value: Any) -> None:
    with pytest.raises(TimingInputError) as info:
        AnalysisConfig(**{name: value})
    error = info.value
    assert isinstance(error, ParameterError) and error.field == name
    assert str(error) == (
        f"AnalysisConfig({name}={value!r}): expected {CONFIG_CONSTRAINTS[name].expected}"
    )


def test_the_brief_example_and_fields_checked_together() -> None:
    with pytest.raises(TimingInputError, match=r"weight='sum'\): expected one of count, value"):
        AnalysisConfig(weight="sum")  # type: ignore[arg-type]
    with pytest.raises(TimingInputError, match=r"max_shift=3\): expected an integer >= min_shift"):
        AnalysisConfig(min_shift=5, max_shift=3)
    with pytest.raises(TimingInputError, match="not before start"):
        AnalysisConfig(start=dt.date(2025, 2, 1), end=dt.date(2025, 1, 1))
    ok = AnalysisConfig(
        offsets=(-5, 0), min_shift=5, max_shift=5, detrend=0, seed=0, n_boot=10, weight="value"
    )
    assert ok.max_shift == 5
    with pytest.raises(TimingInputError, match="n_boot"):
        dataclasses.replace(ok, n_boot=9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weight", "sum"], "error: --weight 'sum': expected one of count, value"),
        (["--resolution", "week"], "error: --resolution 'week': expected one of day, hour"),
        (["--n-boot", "5"], "error: --n-boot 5: expected an integer >= 10"),
        (["--seed", "-1"], "error: --seed -1: expected an integer >= 0"),
        (["--detrend", "-3"], "error: --detrend -3: expected an integer >= 0"),
        (["--min-shift", "0"], "error: --min-shift 0: expected an integer >= 1"),
        (["--min-shift", "9", "--max-shift", "4"], "error: --max-shift 4: expected an integer"),
        (["--start", "2026-01-01", "--end", "2025-01-01"], "error: --end '2025-01-01': expected"),
    ],
)
def test_cli_restates_the_same_constraints_for_its_options(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["analyze", "--no-report", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
