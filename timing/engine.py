"""Where independent pieces of work run: in this process, or on a Dask cluster.

Some jobs are many independent tasks: reading thousands of GDELT export files, simulating
thousands of datasets for a calibration, testing a million scan cells. :class:`Engine`
runs such a list of tasks and returns their results **in the order of the tasks**, so the
answer never depends on where or in which order the work was done:

- ``Engine("local")`` (the default) runs them one after another in this process;
- ``Engine("dask")`` starts a local Dask cluster of worker *processes* (one thread each)
  on this machine, or joins an existing cluster with ``scheduler="tcp://host:8786"`` (a
  scheduler and workers started with the ``dask scheduler`` and ``dask worker`` commands,
  on one machine or many).

Tasks must be picklable (module-level functions and plain data) and carry their own seeds:
every random task in this package derives its generator from a seed in its arguments, so
the local and the distributed paths give identical results. Dask (``dask.distributed``) is
an optional dependency: ``pip install 'timing[dask]'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from timing.errors import TimingInputError

__all__ = ["ENGINES", "Engine", "local_cluster"]

T = TypeVar("T")
R = TypeVar("R")
EngineName = Literal["local", "dask"]
ENGINES: tuple[str, ...] = ("local", "dask")

Progress = Callable[[int, int], None]


def local_cluster(workers: int | None = None) -> Any:
    """A Dask cluster of worker processes (one thread each) on this machine's loopback.

    Use it as a context manager; :class:`Engine` starts one for each :meth:`Engine.map`
    when no scheduler is given.
    """
    from dask.distributed import LocalCluster

    return LocalCluster(
        n_workers=workers or (os.cpu_count() or 1),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # a free port for the scheduler's HTTP routes: None means the default 8787, and
        # a second cluster on the machine (another run, a test) then warns about it
        dashboard_address=":0",
    )


@dataclass(frozen=True, slots=True)
class Engine:
    """How to run a list of independent tasks.

    Parameters
    ----------
    name : {"local", "dask"}
        ``local``: in this process, in order. ``dask``: on a Dask cluster.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``) to join; without it,
        ``dask`` starts a local cluster for the duration of :meth:`map`.
    workers : int, optional
        Worker processes of a local cluster (default: the machine's cores).
    timeout : float
        Seconds to wait for a scheduler to answer.

    Examples
    --------
    >>> Engine().map(abs, [-2, 3, -4])
    [2, 3, 4]
    """

    name: EngineName = "local"
    scheduler: str | None = None
    workers: int | None = None
    timeout: float = 20.0

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise TimingInputError(f"--engine {self.name!r}: expected one of {', '.join(ENGINES)}")
        if self.workers is not None and self.workers < 1:
            raise TimingInputError(f"--workers {self.workers}: expected 1 or more")
        if self.name == "local" and (self.scheduler or self.workers):
            raise TimingInputError("--scheduler and --workers need --engine dask")

    def map(
        self,
        func: Callable[[T], R],
        tasks: Sequence[T],
        *,
        progress: Progress | None = None,
    ) -> list[R]:
        """Run ``func`` on every task; results come back in the order of ``tasks``.

        Parameters
        ----------
        func : callable
            A picklable function of one argument.
        tasks : sequence
            The arguments, one per task.
        progress : callable, optional
            Called as ``progress(done, total)`` as tasks finish.

        Returns
        -------
        list
            ``[func(task) for task in tasks]``, wherever it was computed.
        """
        tasks = list(tasks)
        if self.name == "local" or not tasks:
            results = []
            for done, task in enumerate(tasks, start=1):
                results.append(func(task))
                if progress is not None:
                    progress(done, len(tasks))
            return results
        return self._map_dask(func, tasks, progress)

    def _map_dask(
        self, func: Callable[[T], R], tasks: list[T], progress: Progress | None
    ) -> list[R]:
        try:
            from dask.distributed import Client, as_completed
        except ImportError:  # pragma: no cover - depends on the installation
            raise TimingInputError(
                "--engine dask needs Dask: pip install 'timing[dask]' (dask and distributed)"
            ) from None
        cluster = None
        try:
            if self.scheduler:
                client = Client(self.scheduler, timeout=f"{self.timeout}s")
            else:
                cluster = local_cluster(self.workers)
                client = Client(cluster)
        except (OSError, TimeoutError) as exc:
            where = self.scheduler or "a local cluster"
            raise TimingInputError(f"--engine dask: could not reach {where}: {exc}") from None
        try:
            # pure=False: equal arguments are still separate tasks (no deduplication).
            futures = client.map(func, tasks, pure=False)
            if progress is not None:
                for done, _ in enumerate(as_completed(futures), start=1):
                    progress(done, len(futures))
            return list(client.gather(futures))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def describe(self) -> str:
        """A few words for the terminal and the JSON, e.g. ``"dask (2 local workers)"``."""
        if self.name == "local":
            return "local (this process)"
        if self.scheduler:
            return f"dask (cluster at {self.scheduler})"
        return f"dask ({self.workers or os.cpu_count() or 1} local worker processes)"

    def to_dict(self) -> dict[str, Any]:
        """The engine as plain data."""
        return {"name": self.name, "scheduler": self.scheduler, "workers": self.workers}
