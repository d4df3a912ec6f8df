"""Real ``timing analyze --json`` outputs follow the published schema; ``timing report``
refuses documents of an unknown version or that break it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from tests.conftest import write_table
from timing.cli import app
from timing.errors import TimingInputError
from timing.schemas import SCHEMA_FILE, SCHEMA_VERSION, check_result, result_schema

runner = CliRunner()


def _validate(data: dict[str, Any]) -> None:
    errors = sorted(Draft202012Validator(result_schema()).iter_errors(data), key=str)
    assert not errors, [f"{e.json_path}: {e.message[:200]}" for e in errors[:5]]


@pytest.fixture(scope="module")
def bundled_full(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The real CLI output of ``timing analyze --json --full`` on the bundled dataset."""
    out = tmp_path_factory.mktemp("report") / "r.html"
    result = runner.invoke(app, ["analyze", "--json", "--full", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


CLAIMS = [
    {"claim_id": f"c{i}", "date": d, "actor": "RU MoD", "kind": "capture", "target": t,
     "source": f"https://example.org/{i}"}
    for i, (d, t) in enumerate((("2025-01-02", "A"), ("2025-01-09", "B"), ("2025-02-20", "C")))
]  # fmt: skip
EVENTS = [
    {"event_id": "e1", "date": "2025-01-10", "kind": "talks", "parties": "US-RU",
     "title": "Talks", "source": "https://example.org/e1"},
    {"event_id": "e2", "date": "2025-03-01", "kind": "call", "parties": "US-UA",
     "title": "Call", "source": "https://example.org/e2"},
]  # fmt: skip


def tiny_files(folder: Path, *, values: bool = False) -> list[str]:
    """Three claims and two events: most methods are not applicable.

    ``values``: the claims carry claimed figures (a value column), for ``--weight value``.
    """
    rows = (
        [{**row, "value": str(10 * (i + 1))} for i, row in enumerate(CLAIMS)] if values else CLAIMS
    )
    claims = write_table(rows, folder / "claims.csv")
    return ["--claims", str(claims), "--events", str(write_table(EVENTS, folder / "events.csv"))]


@pytest.fixture(scope="module")
def degenerate(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The real CLI output on the tiny tables."""
    files = tiny_files(tmp_path_factory.mktemp("degenerate"))
    result = runner.invoke(app, ["analyze", *files, "--json", "--full", "--no-report"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_schema_is_valid_draft_2020_12_and_shipped_in_the_package() -> None:
    schema = result_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA_FILE.parent.parent.name == "timing"  # inside the package: in the wheel
    assert SCHEMA_VERSION in schema["$id"]
    docs = (Path(__file__).parents[1] / "docs" / "json-schema.md").read_text(encoding="utf-8")
    assert "timing/schemas/result.schema.json" in docs and SCHEMA_VERSION in docs


def test_default_and_full_outputs_follow_the_schema(bundled_full: dict[str, Any]) -> None:
    _validate(bundled_full)
    assert bundled_full["schema_version"] == SCHEMA_VERSION
    short = runner.invoke(app, ["analyze", "--json", "--no-report", "--n-boot", "100"])
    assert short.exit_code == 0, short.stderr
    payload = json.loads(short.stdout)
    _validate(payload)
    assert "timeline" not in payload and "timeline" in bundled_full


def test_anticipation_output_follows_the_schema() -> None:
    result = runner.invoke(
        app, ["analyze", "--json", "--no-report", "--anticipation", "--n-boot", "100"]
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    _validate(payload)
    assert payload["params"]["anticipation"] is True


def test_not_applicable_methods_follow_the_schema(degenerate: dict[str, Any]) -> None:
    _validate(degenerate)
    na = [name for name, t in degenerate["tests"].items() if t.get("applicable") is False]
    assert {"negbin_glm", "poisson_naive", "premature"} <= set(na)
    for name in na:
        assert set(degenerate["tests"][name]) == {"method", "applicable", "reason"}
    broken = copy.deepcopy(degenerate)
    del broken["tests"]["negbin_glm"]["reason"]
    with pytest.raises(TimingInputError, match=r"\$\.tests\.negbin_glm: 'reason' is missing"):
        check_result(broken, "r.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema_version="1.99"), "schema_version 1.99 is newer"),
        (lambda d: d.update(schema_version="2.0"), "schema_version 2.0 is newer"),
        (lambda d: d.update(schema_version="0.9"), "older major version"),
        (lambda d: d.pop("schema_version"), "no schema_version"),
        (lambda d: d.update(schema_version="one"), "is not a version"),
        (
            lambda d: d["tests"]["circular_shift"].update(pvalue=1.5),
            r"at \$\.tests\.circular_shift\.pvalue: value 1\.5 fails 'maximum'",
        ),
        (lambda d: d["tests"].pop("circular_shift"), r"at \$\.tests: 'circular_shift' is missing"),
        (lambda d: d["params"].update(weight="sum"), r"at \$\.params\.weight: value \"sum\""),
        (lambda d: d["timeline"].update(claims="x"), r"at \$\.timeline\.claims"),
    ],
)
def test_report_refuses_unknown_versions_and_schema_failures(
    degenerate: dict[str, Any], tmp_path: Path, change: Any, message: str
) -> None:
    data = copy.deepcopy(degenerate)
    change(data)
    saved = tmp_path / "result.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(saved), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {saved}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert re.search(message, result.stderr), result.stderr
    assert not out.exists()


def test_report_redraws_a_valid_document(degenerate: dict[str, Any], tmp_path: Path) -> None:
    saved = tmp_path / "result.json"
    saved.write_text(json.dumps(degenerate), encoding="utf-8")
    result = runner.invoke(app, ["report", str(saved), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_lenient_and_hourly_value_weighted_outputs_follow_the_schema(tmp_path: Path) -> None:
    from tests.report.conftest import xss_files
    from timing.analysis import analyze
    from timing.result import AnalysisConfig

    claims, events = xss_files(tmp_path)  # free text full of markup, one rejected row
    data = analyze(claims, events, AnalysisConfig(n_boot=50), lenient=True).to_dict(full=True)
    _validate(data)
    assert data["rows"]["claims"]["rejected"] == 1 and len(data["rejects"]["claims"]) == 1
    files = tiny_files(tmp_path, values=True)
    args = [*files, "--resolution", "hour", "--weight", "value", "--n-boot", "50"]
    hourly = runner.invoke(app, ["analyze", *args, "--json", "--full", "--no-report"])
    assert hourly.exit_code == 0, hourly.stderr
    payload = json.loads(hourly.stdout)
    _validate(payload)
    assert payload["params"]["resolution"] == "hour" and payload["timeline"]["start"][10] == "T"
