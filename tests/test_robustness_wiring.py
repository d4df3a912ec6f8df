"""``--robustness`` end to end: config, analysis result, JSON, terminal output and report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timing.analysis import AnalysisConfig, analyze
from timing.cli import app
from timing.report import render_report
from timing.report.robustness_figures import (
    influence_rows,
    robustness_data,
    specification_curve_figure,
)
from timing.stats.circular import circular_shift_test
from timing.stats.simulate import simulate_dataset

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("robust")
    claims, events = simulate_dataset(
        500, 30, model="negbin", rate=0.6, uplift=1.6, offsets=(-3, -1), seed=4
    )
    claims.write_csv(folder / "claims.csv")
    events.write_csv(folder / "events.csv")
    return folder / "claims.csv", folder / "events.csv"


@pytest.fixture(scope="module")
def data(files: tuple[Path, Path]) -> dict:
    result = analyze(*files, AnalysisConfig(n_boot=100, robustness=True))
    circ = result.tests["circular_shift"]
    primary = result.robustness.curve.specs.filter(result.robustness.curve.specs["primary"])
    assert primary["pvalue"][0] == circ.pvalue  # the grid holds the headline test
    assert result.robustness.influence.pvalue == circ.pvalue
    assert result.robustness.tipping.pvalue == circ.pvalue
    return result.to_dict(full=True)


def test_config_flag_round_trips() -> None:
    cfg = AnalysisConfig(robustness=True)
    assert cfg.cli_args() == ["--robustness"] and cfg.to_dict()["robustness"] is True
    assert "--robustness" not in AnalysisConfig().cli_args()


def test_result_json_has_robustness_only_when_asked(files: tuple[Path, Path], data: dict) -> None:
    robust = json.loads(json.dumps(data))["robustness"]
    assert set(robust) == {"method", "reading", "curve", "influence", "tipping"}
    curve = robust["curve"]
    assert curve["n_specs"] == len(curve["specs"]) > 50
    assert 0 < curve["joint_pvalue"] <= 1 and curve["levels"]["period"][0] == "full"
    assert len(robust["influence"]["events"]) == data["counts"]["events"]
    assert "--robustness" in data["rerun"]
    plain = analyze(*files, AnalysisConfig(n_boot=100)).to_dict()
    assert "robustness" not in plain


def test_report_section_and_figure(data: dict) -> None:
    page = render_report(data, plotlyjs="cdn")
    assert 'id="robustness"' in page and "Events that carry the result" in page
    assert data["robustness"]["tipping"]["sentence"] in page.replace("&#39;", "'")
    fig = specification_curve_figure(data)
    assert {"y", "y2"} <= {t.yaxis for t in fig.data}  # two panels
    assert any(t.name == "this analysis" for t in fig.data)
    assert len(influence_rows(data)) == 10
    assert robustness_data({}) is None
    empty = specification_curve_figure({})
    assert "No specification curve" in empty.layout.annotations[0].text


def test_cli_flag_prints_and_serialises(files: tuple[Path, Path]) -> None:
    claims, events = (str(p) for p in files)
    args = ["analyze", "--claims", claims, "--events", events, "--n-boot", "50", "--no-report"]
    out = runner.invoke(app, [*args, "--robustness", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["params"]["robustness"] is True and payload["robustness"]["curve"]["specs"]
    text = runner.invoke(app, [*args, "--robustness"])
    assert text.exit_code == 0, text.output
    assert "specification curve:" in text.stdout and "tipping point:" in text.stdout


def test_primary_spec_matches_a_direct_call(files: tuple[Path, Path]) -> None:
    result = analyze(*files, AnalysisConfig(n_boot=50, robustness=True, offsets=(-7, -1)))
    specs = result.robustness.curve.specs
    row = specs.filter(specs["primary"]).row(0, named=True)
    direct = circular_shift_test(result.timeline, (-7, -1), detrend=91)
    assert (row["window"], row["detrend"]) == ("7", 91)
    assert row["pvalue"] == direct.pvalue
