"""The distributed path gives exactly the in-process results, on a real local Dask cluster.

The cluster has separate worker processes (one thread each), as on a multi-machine
cluster; tasks travel pickled, so a task that is not self-contained fails here as it would
there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from timing.adapters import load_with_adapter
from timing.engine import Engine, local_cluster
from timing.errors import TimingInputError

pytest.importorskip("dask.distributed")

GDELT = Path(__file__).parent / "data" / "adapters"


def _square(x: int) -> int:
    return x * x


@pytest.fixture(scope="module")
def cluster():
    """One local cluster of two worker processes for the module (started once: ~2 s)."""
    with local_cluster(2) as local:
        yield local


@pytest.fixture
def export_folder(tmp_path: Path) -> Path:
    """A folder of GDELT exports: two layouts, one file twice (its duplicates cross files)."""
    for i, name in enumerate(
        ["gdelt_v2_15min.export.CSV", "gdelt_v1_daily.export.CSV", "gdelt_v2_15min.export.CSV"]
    ):
        shutil.copy(GDELT / name, tmp_path / f"{i:02d}-{name}")
    return tmp_path


def test_results_come_back_in_task_order(cluster) -> None:
    tasks = list(range(40))
    dask = Engine("dask", scheduler=cluster.scheduler_address)
    seen: list[int] = []
    assert dask.map(_square, tasks, progress=lambda done, total: seen.append(done)) == [
        x * x for x in tasks
    ]
    assert seen[-1] == 40
    assert Engine().map(_square, tasks) == [x * x for x in tasks]


@pytest.mark.parametrize("table", ["gdelt-events", "gdelt-claims"])
def test_gdelt_folder_read_on_workers_equals_reading_here(
    cluster, export_folder: Path, table: str
) -> None:
    here = load_with_adapter(table, export_folder, lenient=True)
    there = load_with_adapter(
        table,
        export_folder,
        lenient=True,
        engine=Engine("dask", scheduler=cluster.scheduler_address),
    )
    assert there.frame.equals(here.frame)
    assert there.accounting == here.accounting
    assert [a.to_dict() for a in there.anomalies] == [a.to_dict() for a in here.anomalies]
    # The repeated file's records are duplicates of the first copy's, across files.
    assert here.accounting.skipped.get("duplicate record of one story", 0) > 0


def test_engine_options_are_checked() -> None:
    with pytest.raises(TimingInputError, match="expected one of local, dask"):
        Engine("ray")  # type: ignore[arg-type]
    with pytest.raises(TimingInputError, match="need --engine dask"):
        Engine("local", workers=2)
    with pytest.raises(TimingInputError, match="expected 1 or more"):
        Engine("dask", workers=0)


def test_unreachable_scheduler_is_a_clear_error() -> None:
    with pytest.raises(TimingInputError, match=r"could not reach tcp://127\.0\.0\.1:9"):
        Engine("dask", scheduler="tcp://127.0.0.1:9", timeout=2).map(_square, [1])


def test_cluster_recipe_from_the_command_line(tmp_path: Path, export_folder: Path) -> None:
    """The README's recipe: a scheduler and a worker started as commands, then analyze
    and scan with --engine dask --scheduler ADDRESS."""
    import json
    import subprocess
    import sys
    import time

    bin_dir = Path(sys.executable).parent
    scheduler_file = tmp_path / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            bin_dir / "dask",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            scheduler_file,
        ],
        **common,
    )
    worker = None
    try:
        for _ in range(100):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen(
            [
                bin_dir / "dask",
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
            ],
            **common,
        )
        args = [
            sys.executable,
            "-m",
            "timing",
            "analyze",
            "--events",
            str(export_folder),
            "--events-format",
            "gdelt-events",
            "--claims",
            str(Path(__file__).parents[1] / "datasets" / "ru-ua-2025" / "claims.csv"),
            "--start",
            "2025-01-01",
            "--end",
            "2025-12-31",
            "--window",
            "1",
            "--n-boot",
            "50",
            "--json",
            "--quiet",
        ]
        local = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
        there = subprocess.run(
            [*args, "--engine", "dask", "--scheduler", address],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert local.returncode == 0 and there.returncode == 0, there.stderr
        keep = ("rows", "period", "counts", "tests", "headline")
        first, second = json.loads(local.stdout), json.loads(there.stdout)
        assert {k: first[k] for k in keep} == {k: second[k] for k in keep}
        # and the scan of the bundled dataset, its cells on the command-line cluster
        scan_args = [sys.executable, "-m", "timing", "scan", "--windows", "1:5", "--json"]
        runs = [
            subprocess.run(a, capture_output=True, text=True, timeout=300, check=False)
            for a in (scan_args, [*scan_args, "--engine", "dask", "--scheduler", address])
        ]
        assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
        assert json.loads(runs[0].stdout)["cells"] == json.loads(runs[1].stdout)["cells"]
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


def test_calibration_on_a_cluster_equals_calibration_here(cluster) -> None:
    from timing.stats.calibrate import BLOCK, calibrate

    kwargs = dict(
        tests=("circular_shift", "poisson_naive", "day_shuffle"),
        nulls=("iid", "hawkes"),
        n_datasets=BLOCK + 50,  # two blocks per null and effect, one of them short
        n_bins=365,
        n_events=12,
        seed=4,
    )
    here = calibrate(**kwargs)
    there = calibrate(**kwargs, engine=Engine("dask", scheduler=cluster.scheduler_address))
    assert there.table.equals(here.table)


def test_scan_on_a_cluster_equals_scan_here(cluster, monkeypatch) -> None:
    """The scan's blocks of claim series on worker processes: the same table, in order."""
    import timing.stats._scan_kernel as kernel
    from tests.stats.test_scan_kernel import make_hourly
    from timing.stats.scan import scan
    from timing.timeline import build_timeline

    claims, events = make_hourly(5, days=40)
    tl = build_timeline(claims, events, resolution="hour")
    here = scan(tl, windows=[1, 3, 8, 24], threads=1)
    # a block of 3 claim series per task: 6 tasks for the 16 series, the last one short
    monkeypatch.setattr(
        kernel, "_TASK_VALUES", 3 * here.cells["event_kind"].n_unique() * 5 * tl.n_bins
    )
    seen: list[tuple[int, int]] = []
    there = scan(
        tl,
        windows=[1, 3, 8, 24],
        engine=Engine("dask", scheduler=cluster.scheduler_address),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert there.cells.equals(here.cells) and there.n_tested == here.n_tested == 4 * 4 * 3 * 5
    assert seen[-1] == (here.n_cells, here.n_cells)


def test_two_local_clusters_take_free_ports(cluster, recwarn) -> None:
    """A second local cluster (another run on the machine) does not fight over port 8787."""
    with local_cluster(1) as second:
        assert second.scheduler_address != cluster.scheduler_address
        assert Engine("dask", scheduler=second.scheduler_address).map(_square, [3]) == [9]
    assert not [w for w in recwarn if "already in use" in str(w.message)]
