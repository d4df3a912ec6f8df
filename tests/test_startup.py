"""What the console script does before a command runs, checked in fresh processes.

``timing --help`` and ``timing analyze --help`` load none of the numerical libraries;
the console script leaves scipy's docstrings as they are (:mod:`timing._scipy_docs`)
without changing what scipy computes, spaces out full garbage collections and puts BLAS on
one thread unless the user set a thread count; a library user's process gets none of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from timing._scipy_docs import DocAsIs

ROOT = Path(__file__).resolve().parents[1]
#: The environment without any BLAS thread setting (the variables set to "": unset).
NO_THREAD_SETTING = {
    "OPENBLAS_NUM_THREADS": "",
    "GOTO_NUM_THREADS": "",
    "OMP_NUM_THREADS": "",
    "MKL_NUM_THREADS": "",
}
HEAVY = ("numpy", "scipy", "polars", "pandas", "statsmodels", "sklearn", "plotly", "pyarrow")


def _python(code: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter with this tree first; it prints one JSON object."""
    import os

    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    environ.pop("TIMING_SCIPY_DOCS", None)
    for name, value in (env or {}).items():
        if value:
            environ[name] = value
        else:
            environ.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environ,
        timeout=120,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


RUN_CLI = """
import gc, json, os, runpy, sys
sys.argv = ["timing", *{argv!r}]
try:
    runpy.run_module("timing", run_name="__main__")
except SystemExit:
    pass
from timing._scipy_docs import installed
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))
blas = os.environ.get("OPENBLAS_NUM_THREADS")
print(json.dumps({{"loaded": loaded, "threshold": gc.get_threshold(), "hook": installed(),
                  "blas": blas, "frozen": gc.get_freeze_count()}}))
"""


@pytest.mark.parametrize("argv", [["--help"], ["analyze", "--help"]])
def test_help_loads_no_numerical_library(argv: list[str]) -> None:
    out = _python(RUN_CLI.format(argv=argv, heavy=HEAVY), env=NO_THREAD_SETTING)
    assert out["loaded"] == []
    # the console script set the collector and BLAS and left the scipy hook waiting
    # (scipy never came)
    assert out["threshold"][2] == 100 and out["hook"] is True and out["blas"] == "1"
    # and froze the objects when the command ended, for a quick exit
    assert out["frozen"] > 10_000


def test_a_thread_count_the_user_set_is_kept() -> None:
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env = {**NO_THREAD_SETTING, name: "3"}
        out = _python(RUN_CLI.format(argv=["--help"], heavy=HEAVY), env=env)
        assert out["blas"] == ("3" if name == "OPENBLAS_NUM_THREADS" else None)


def test_scipy_keeps_its_docstrings_and_its_numbers() -> None:
    from timing._scipy_docs import _read_version

    if not _read_version():
        pytest.skip("the installed SciPy is not one the hook was written for: it waits for none")
    code = """
import json, sys
from timing._scipy_docs import install, installed
first = install()
again = install()
import scipy.stats, scipy.special
from scipy._lib import _array_api
doc = scipy.stats.kurtosis.__doc__ or ""
print(json.dumps({
    "first": first, "again": again, "waiting": installed(),
    "parser": _array_api.FunctionDoc.__name__,
    "note": "Array API Standard Support" in doc,
    "summary": doc.strip().splitlines()[0],
    "sf": float(scipy.stats.norm.sf(1.96)),
    "logsumexp": float(scipy.special.logsumexp([1.0, 2.0, 3.0])),
    "recorded": len(_array_api.xp_capabilities_table),
}))
"""
    patched = _python(code)
    plain = _python(code.replace("install()", "False"))
    assert patched["first"] is True and patched["again"] is False and patched["waiting"] is False
    assert patched["parser"] == "DocAsIs" and plain["parser"] == "FunctionDoc"
    # the Array API note is left out, the function's own text is kept
    assert plain["note"] is True and patched["note"] is False
    assert patched["summary"] == plain["summary"] != ""
    # nothing computed differently, every function still recorded by the decorator
    for key in ("sf", "logsumexp", "recorded"):
        assert patched[key] == plain[key]
    assert patched["recorded"] > 100


def test_the_hook_can_be_turned_off_and_is_not_set_for_a_library_user() -> None:
    code = """
import json, sys, gc
import timing, timing.analysis
from timing._scipy_docs import install, installed
before = installed()
print(json.dumps({"before": before, "install": install(), "threshold": gc.get_threshold()}))
"""
    off = _python(code, env={"TIMING_SCIPY_DOCS": "1"})
    assert off == {"before": False, "install": False, "threshold": [700, 10, 10]}
    # importing the library installs nothing; scipy is already loaded, so no hook either
    user = _python(code)
    assert user == {"before": False, "install": False, "threshold": [700, 10, 10]}


def test_doc_as_is_stands_in_for_the_parser() -> None:
    def f() -> None:
        """Add one.

        More text.
        """

    doc = DocAsIs(f)
    doc["Notes"].append("a table")
    doc["Examples"] = ["x"]
    assert doc["Notes"] == ["a table"] and doc["Examples"] == ["x"]
    # what xp_capabilities keeps: everything after the first line, the docstring itself
    assert str(doc).split("\n", 1)[1] == f.__doc__
    assert str(DocAsIs(len)).split("\n", 1)[1] == len.__doc__
    assert str(DocAsIs(object())).split("\n", 1)[1] == object.__doc__


def test_the_scipy_hook_waits_only_for_the_scipy_versions_it_was_written_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.metadata

    from timing import _scipy_docs

    monkeypatch.setattr(importlib.metadata, "version", lambda name: "1.17.0")
    assert _scipy_docs._read_version()
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "1.18.0rc1")
    assert not _scipy_docs._read_version()
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "2.0.0")
    assert not _scipy_docs._read_version()
