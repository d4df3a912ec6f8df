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
from timing.engine import Engine
from timing.errors import TimingInputError

pytest.importorskip("dask.distributed")

GDELT = Path(__file__).parent / "data" / "adapters"


def _square(x: int) -> int:
    return x * x


@pytest.fixture(scope="module")
def cluster():
    """One local cluster of two worker processes for the module (started once: ~2 s)."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
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
