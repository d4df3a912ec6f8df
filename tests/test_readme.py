"""The README's commands run as written, and the figures it quotes are what the code gives now.

Blocks after an HTML comment ``<!-- ci: run -->`` are run in a temporary folder that sees the
repository's ``examples/`` and ``datasets/``:

* ``bash``: every ``timing ...`` command (``&&`` chains and ``\\`` continuations allowed) runs
  in-process through the CLI; it must exit 0, write its report (the ``--out`` path, or the
  ``report:`` line it prints) and print each line the block marks ``# prints: ...``. Install
  steps (``python3 -m venv``, ``.``, ``pip``) and ``pytest`` itself are skipped, but every
  ``pip install`` extra named anywhere in the README must exist in ``pyproject.toml``.
* ``console``: a ``$ timing ...`` command, then the output it shows: every shown line (``...``
  stands for lines left out) must appear, in order, in the real output at 100 columns.
* ``python``: executed; lines marked ``# prints: ...`` must appear in what it prints.

The second half recomputes the numbers the worked example and the robustness section quote
("1.27 times", "p = 0.080", "432 specifications", ...) and checks that the README's text
holds each one as it is formatted there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import io
import json
import re
import shlex
import statistics
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from timing.analysis import AnalysisConfig, analyze
from timing.cli import app
from timing.io import load_claims, load_events
from timing.stats.circular import circular_shift_test
from timing.timeline import build_timeline

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
MARK = "<!-- ci: run -->"
SKIPPED = ("python3 -m venv", ". ", "pip ", "pytest")


@dataclass(frozen=True)
class Block:
    """A fenced block of the README marked runnable."""

    lang: str
    body: str
    line: int

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.lang}"


def runnable_blocks(text: str) -> list[Block]:
    """The fenced blocks that directly follow the ``<!-- ci: run -->`` mark, in order."""
    pattern = re.compile(re.escape(MARK) + r"\n```(\w+)\n(.*?)^```$", flags=re.S | re.M)
    return [
        Block(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 2)
        for m in pattern.finditer(text)
    ]


BLOCKS = runnable_blocks(TEXT)


def shell_commands(body: str) -> list[list[str]]:
    """The ``timing`` commands of a bash block, as argument lists (install steps left out)."""
    joined = re.sub(r"\\\n\s*", " ", body)
    out = []
    for line in joined.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for part in line.split("&&"):
            part = part.strip()
            if part.startswith(SKIPPED):
                continue
            args = shlex.split(part, comments=True)
            assert args[0] == "timing", f"not a timing command: {part!r}"
            out.append(args[1:])
    return out


def expected_prints(body: str) -> list[str]:
    """The ``# prints: ...`` lines of a block, whitespace collapsed."""
    return [" ".join(m.split()) for m in re.findall(r"^\s*# prints: (.*)$", body, flags=re.M)]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary folder with links to examples/ and datasets/, made the current folder."""
    work = tmp_path_factory.mktemp("readme")
    for name in ("examples", "datasets"):
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        yield work


def run_timing(args: list[str], columns: int) -> str:
    """Run ``timing ARGS`` in-process; return its standard output after checking exit 0."""
    result = CliRunner().invoke(app, args, env={"COLUMNS": str(columns), "TIMING_DEBUG": "1"})
    assert result.exit_code == 0, f"timing {shlex.join(args)}: {result.output}"
    return result.stdout


def check_report(args: list[str], stdout: str, work: Path) -> None:
    """The report the command should have written exists and is a page."""
    if "--no-report" in args or "--json" in args or args[0] != "analyze":
        return
    if "--out" in args:
        path = work / args[args.index("--out") + 1]
    else:
        found = re.search(r"^report: (\S+)", stdout, flags=re.M)
        assert found, f"no 'report:' line in the output of timing {shlex.join(args)}"
        path = work / found.group(1)
    assert path.is_file() and path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_readme_marks_its_runnable_blocks() -> None:
    langs = [b.lang for b in BLOCKS]
    assert langs.count("bash") >= 6 and "console" in langs and langs.count("python") >= 3
    recipes = TEXT[TEXT.index("## Recipes") : TEXT.index("## Input format")]
    for name in ("own CSV", "ACLED", "GDELT", "Telegram", "research script", "cluster"):
        assert name in recipes, name
    # every fenced block in the recipes is run
    assert recipes.count("```bash") + recipes.count("```python") == recipes.count(MARK)


def test_pip_extras_named_in_the_readme_exist() -> None:
    extras = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    named = re.findall(r"pip install[^`\n]*?\.\[([\w,-]+)\]", TEXT)
    assert len(named) >= 3
    for group in named:
        assert set(group.split(",")) <= extras, group


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "bash"], ids=lambda b: b.id)
def test_bash_block_runs(block: Block, workdir: Path) -> None:
    commands = shell_commands(block.body)
    assert commands, "a runnable block with no timing command"
    out = ""
    for args in commands:
        stdout = run_timing(args, columns=200)
        check_report(args, stdout, workdir)
        out += stdout
    flat = " ".join(out.split())
    for line in expected_prints(block.body):
        assert line in flat, f"{line!r} not in the output:\n{out}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "console"], ids=lambda b: b.id)
def test_console_block_output_matches(block: Block, workdir: Path) -> None:
    lines = block.body.splitlines()
    assert lines[0].startswith("$ timing ")
    args = shlex.split(lines[0][len("$ timing ") :])
    stdout = run_timing(args, columns=100)
    check_report(args, stdout, workdir)
    real = [line.rstrip() for line in stdout.splitlines()]
    at = 0
    for shown in (line.rstrip() for line in lines[1:]):
        if shown == "...":
            continue
        assert shown in real[at:], f"shown line not in the real output after line {at}: {shown!r}"
        at = real.index(shown, at) + 1


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "python"], ids=lambda b: b.id)
def test_python_block_runs(block: Block, workdir: Path) -> None:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(block.body, block.id, "exec"), {"__name__": "__readme__"})
    flat = " ".join(buffer.getvalue().split())
    for line in expected_prints(block.body):
        assert line in flat, f"{line!r} not in what the block printed:\n{buffer.getvalue()}"


# --- figures quoted in the README -------------------------------------------------------


def said(text: str) -> None:
    """Assert the README says ``text`` (line breaks and runs of spaces ignored)."""
    flat = " ".join(TEXT.split())
    assert " ".join(text.split()) in flat, f"the README no longer says {text!r}"


def pct(x: float) -> str:
    return f"{100 * x:.0f}"


@pytest.fixture(scope="module")
def bundled() -> dict[str, Any]:
    """The worked example with --robustness, as the JSON the CLI prints."""
    return analyze(config=AnalysisConfig(robustness=True, seed=0)).to_dict(full=True)


def test_worked_example_figures(bundled: dict[str, Any]) -> None:
    t = bundled["tests"]
    circ, glm = t["circular_shift"], t["negbin_glm"]
    said("377 dated Russian MoD claims")
    assert bundled["counts"] == {**bundled["counts"], "claims": 377, "events": 87}
    said(f"{circ['rate_ratio']:.2f} times as many claims per day")
    said(f"runs from {circ['ci_low']:.2f} to {circ['ci_high']:.2f}")
    said(f"to each of the {circ['n_shifts']} other admissible positions")
    said(f"at least this strong {pct(circ['pvalue'])} % of the time")
    said(f"gives {glm['irr']:.2f}x, p = {glm['pvalue']:.2f}")
    raw = t["circular_shift_raw"]
    said(f"without detrending the same test gives {raw['rate_ratio']:.2f}x,")
    said(f"p = {raw['pvalue']:.3f};")
    sim = t["simulated_null"]
    said(f"expects {pct(sim['expected'])} % of them in the windows, and {pct(sim['statistic'])} %")
    said(f"fell there (p = {sim['pvalue']:.3f})")
    said(
        f"give p = {t['weekday_placebo']['pvalue']:.2f} and {t['block_permutation']['pvalue']:.2f}"
    )
    said(f"The naive Poisson p-value ({t['poisson_naive']['pvalue']:.3f})")
    d = t["disputed"]
    said(f"Among the {d['n_used']} claims whose fate is known, {pct(d['share_in'])} % of those")
    said(f"against {pct(d['share_out'])} % of the others (circular-shift p = {d['pvalue']:.3f})")
    # "Reading the report" quotes the same numbers
    said(f"were {circ['rate_ratio']:.1f} times as frequent in the three days before diplomatic")
    said(f"(95 % CI {circ['ci_low']:.2f}-{circ['ci_high']:.2f}; circular-shift randomization")
    said(f"test, p = {circ['pvalue']:.2f}; 377 claims, 87 events, 2025-01-06 to 2026-03-11)")
    said(f"({circ['rate_ratio']:.2f}, {circ['ci_low']:.2f} to {circ['ci_high']:.2f}, p = ")
    said(f"(p = {t['poisson_naive']['pvalue']:.3f} against {circ['pvalue']:.3f})")
    pokrovsk = next(r for r in bundled["per_event"] if r["date"] == "2025-12-02")
    assert "Pokrovsk" in pokrovsk["window_targets"] and pokrovsk["window_claims"] == 4
    said("(four claims fell in that window)")
    said(
        f"the 3-day windows cover {pct(circ['window_bins'] / len(bundled['timeline']['claims']))} %"
    )
    said(f"| {circ['rate_ratio']:.1f}x, p = {circ['pvalue']:.3f} |")


def test_other_windows_and_the_scan(bundled: dict[str, Any], workdir: Path) -> None:
    timeline = analyze(config=AnalysisConfig(n_boot=10, seed=0)).timeline
    w7 = circular_shift_test(timeline, (-7, -1), detrend=91)
    ant = circular_shift_test(timeline, anticipation=True, detrend=91)
    said(f"give {w7.rate_ratio:.1f}x and {ant.rate_ratio:.1f}x,")
    said(f"p = {w7.pvalue:.3f} and {ant.pvalue:.2f};")
    scan = json.loads(run_timing(["scan", "--json"], columns=100))
    q_min = min(c["q_bh"] for c in scan["cells"])
    said(f"`timing scan` tests {scan['n_tested']} window x actor x kind cells")
    assert scan["n_discoveries_bh"] == 0
    said(f"(smallest BH q-value {q_min:.2f})")


def test_robustness_figures(bundled: dict[str, Any]) -> None:
    rob = bundled["robustness"]
    curve, infl, tip = rob["curve"], rob["influence"], rob["tipping"]
    said(f"`--robustness` runs {curve['n_specs']} specifications")
    said(f"above 1 in {pct(curve['share_above_one'])} % of them, p < 0.05 in")
    said(f"{pct(curve['share_significant'])} %, and the joint")
    said(f"the joint p is {curve['joint_pvalue']:.3f}")
    said(f"(median {curve['median_estimate']:.2f})")
    events = {e["date"]: e for e in infl["events"]}
    pivotal = sorted(e["date"] for e in infl["events"] if e["crosses"])
    assert pivotal == ["2025-02-14", "2025-04-17", "2026-02-14"] == sorted(list(events)[:3])
    lo, hi = (f"{f(events[d]['pvalue'] for d in pivotal):.3f}" for f in (min, max))
    said(f"takes p to {lo}-{hi}, and so does")
    munich, feb, apr = events["2026-02-14"], events["2025-02-14"], events["2025-04-17"]
    said(f"2026-02-14, without it {munich['rate_ratio']:.2f}x, p = {munich['pvalue']:.3f};")
    said(f"2025-04-17, p = {feb['pvalue']:.3f})")
    assert f"{apr['pvalue']:.3f}" == f"{feb['pvalue']:.3f}"
    witkoff = max(infl["events"], key=lambda e: e["pvalue"])
    assert witkoff["date"] == "2025-03-13"
    said(f"Witkoff's meeting with Putin on 2025-03-13, takes p to {witkoff['pvalue']:.2f}")
    said(f"(without it {witkoff['rate_ratio']:.2f}x, p = {witkoff['pvalue']:.2f})")
    july = next(m for m in infl["months"] if m["month"] == "2025-07")
    assert infl["pivotal_months"] == ["2025-02", "2025-07", "2025-10"]
    said("masking February, July or October 2025")
    said(f"(July: {july['pvalue']:.3f})")
    said(f"(July: p = {july['pvalue']:.3f})")
    said(f"{tip['n_inside']} claims missing from inside the windows ({pct(tip['share_inside'])} %")
    said(f"or {tip['n_outside']} spurious ones outside them")
    said(f"({100 * tip['share_outside']:.1f} % of 377) or {tip['n_inside']} missing inside them")
    said(f"({100 * tip['share_inside']:.1f} %) would make the result significant")
    specs = curve["specs"]
    visit2 = [
        s for s in specs if (s["event_kind"], s["window"], s["period"]) == ("visit", "2", "full")
    ]
    best = max(visit2, key=lambda s: s["rate_ratio"])
    said(f"visits (2-day window: {best['rate_ratio']:.1f}x, p = {best['pvalue']:.3f};")
    full_visits = [s for s in specs if s["event_kind"] == "visit" and s["period"] == "full"]
    share = sum(s["pvalue"] < 0.05 for s in full_visits) / len(full_visits)
    said(f"{pct(share)} % of full-period visit specifications")
    medians = [
        statistics.median(
            s["rate_ratio"] for s in specs if s["event_kind"] == kind and s["period"] == "full"
        )
        for kind in ("talks", "call")
    ]
    said(f"give median ratios of {medians[0]:.2f} and {medians[1]:.2f}")


def test_period_of_the_bundled_files_given_as_files() -> None:
    claims = load_claims(ROOT / "datasets" / "ru-ua-2025" / "claims.csv")
    events = load_events(ROOT / "datasets" / "ru-ua-2025" / "events.csv")
    timeline = build_timeline(claims.frame, events.frame, lead_days=3, period="overlap")
    assert timeline.period is not None
    start, end = timeline.period.start, timeline.period.end
    said(f"uses the span where both tables have data ({start} to {end}, since the first event")
    test = circular_shift_test(timeline, (-3, -1), detrend=91)
    outside = claims.frame.height - timeline.claims_frame.height
    assert timeline.claims_frame.height == 351
    said(f"{outside} claims from before 8 February fall outside it, and the result is")
    said(f"{test.rate_ratio:.1f}x (p = {test.pvalue:.3f})")


def test_round_6_claims_and_the_diplomacy_blind_rows() -> None:
    """What the README says about the claims added in round 6 and the bulletin-sweep rows."""
    claims = load_claims(ROOT / "datasets" / "ru-ua-2025" / "claims.csv").frame
    events = load_events(ROOT / "datasets" / "ru-ua-2025" / "events.csv").frame
    starts = set(events["date"].to_list())
    added = claims.filter(pl.col("claim_id").is_in([f"C{i}" for i in range(373, 384)]))
    assert added.height == 11 and set(added["found_by"]) == {"bulletin-sweep"}
    before = [
        r["target"]
        for r in added.sort("date").iter_rows(named=True)
        if any(r["date"] + dt.timedelta(days=k) in starts for k in (1, 2, 3))
    ]
    assert before == ["Kostiantynopil", "Mykhailivka", "Torske", "Mykolaivka", "Myrne"]
    said(f"({', '.join(before[:-1])}, {before[-1]}),")
    said(f"{pct(len(before) / added.height)} % against the 41 % of days")
    sweep = claims.filter(pl.col("found_by") == "bulletin-sweep")
    period = {"start": dt.date(2025, 1, 6), "end": dt.date(2026, 3, 11)}
    timeline = build_timeline(sweep, events, lead_days=3, **period)
    test = circular_shift_test(timeline, (-3, -1), detrend=91)
    said(f"sweeps, {sweep.height} rows) show")
    said(f"in the 3-day windows ({test.rate_ratio:.2f}x, p = {test.pvalue:.2f})")
    visits = events.filter(pl.col("kind") == "visit")
    timeline = build_timeline(sweep, visits, lead_days=2, **period)
    test = circular_shift_test(timeline, (-2, -1), detrend=91)
    said(f"on the {sweep.height} claims found by the")
    said(f"the 2-day visit window gives {test.rate_ratio:.1f}x too, with p = {test.pvalue:.3f}")


def test_example_files_are_the_bundled_dataset_as_generated(tmp_path: Path) -> None:
    """examples/ is what make_examples.py writes from the dataset now (re-run it if not)."""
    spec = importlib.util.spec_from_file_location(
        "make_examples", ROOT / "examples" / "make_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_examples(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(made) >= 5
    for rel in made:
        assert (ROOT / "examples" / rel).read_bytes() == (tmp_path / rel).read_bytes(), (
            f"examples/{rel} is stale: run python examples/make_examples.py"
        )


UA_LOSSES = (
    ROOT.parent / "shared" / "data" / "raw" / "ua-gs-losses" / "russia_losses_personnel.json"
)


@pytest.mark.skipif(not UA_LOSSES.is_file(), reason="the public UA losses file is not present")
def test_ua_losses_example_figure(workdir: Path) -> None:
    """The adapters section's example on the public General Staff file (read in place)."""
    block = TEXT[TEXT.index("do Ukraine's daily casualty announcements") :]
    found = re.search(r"```bash\n(.*?)^```$", block, flags=re.S | re.M)
    assert found, "the ua-losses example block is gone"
    body = found.group(1)
    (args,) = shell_commands(body)
    args[args.index("russia_losses_personnel.json")] = str(UA_LOSSES)
    payload = json.loads(run_timing([*args, "--json"], columns=100))
    circ = payload["tests"]["circular_shift"]
    said(f"rate ratio of {circ['rate_ratio']:.2f} (95 % CI {circ['ci_low']:.2f}-")
    said(f"{circ['ci_high']:.2f}, circular-shift p = {circ['pvalue']:.3f}): no sign of timing")
