"""Bundled datasets, described by Frictionless ``datapackage.json`` files.

A bundled dataset is a folder under ``datasets/`` (in a source checkout) or
``timing/_datasets/`` (in an installed wheel) holding ``claims.csv``, ``events.csv`` and a
``datapackage.json`` with the schema, licence and sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timing.errors import TimingInputError

__all__ = ["DEFAULT_DATASET", "DatasetInfo", "dataset_info", "dataset_path", "list_datasets"]

DEFAULT_DATASET = "ru-ua-2025"


def _roots() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [here.parent / "datasets", here / "_datasets"]


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """What ``timing datasets list`` shows about one bundled dataset.

    ``coverage`` is the span over which claims and events were compiled together; an
    analysis of the dataset uses it as the default study period, so that stretches where
    one table was not collected do not read as quiet.
    """

    name: str
    title: str
    path: Path
    licence: str
    period_start: str | None
    period_end: str | None
    rows: dict[str, int]
    sources: tuple[str, ...]
    description: str
    caveat: str | None = None
    coverage: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "name": self.name,
            "title": self.title,
            "path": str(self.path),
            "licence": self.licence,
            "period": {"start": self.period_start, "end": self.period_end},
            "rows": dict(self.rows),
            "sources": list(self.sources),
            "description": self.description,
            "caveat": self.caveat,
            "coverage": None if self.coverage is None else list(self.coverage),
        }


def dataset_path(name: str) -> Path:
    """Return the folder of bundled dataset ``name``.

    Raises
    ------
    TimingInputError
        If no bundled dataset has that name.
    """
    for root in _roots():
        candidate = root / name
        if (candidate / "datapackage.json").is_file():
            return candidate
    known = ", ".join(d.name for d in list_datasets()) or "none"
    raise TimingInputError(f"no bundled dataset {name!r} (available: {known})")


#: Rows of each data file read so far, by path, modification time and size: an analysis
#: asks for a dataset's description several times (period, caution, re-run command), and
#: counting the rows of its CSV files was 2-3 ms each time.
_ROWS: dict[tuple[str, int, int], int] = {}


def _count_rows(path: Path) -> int:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _ROWS:
        with path.open(encoding="utf-8") as fh:
            import csv

            _ROWS[key] = max(sum(1 for _ in csv.reader(fh)) - 1, 0)
    return _ROWS[key]


def dataset_info(name: str) -> DatasetInfo:
    """Read the ``datapackage.json`` of bundled dataset ``name``."""
    folder = dataset_path(name)
    meta = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    licences = meta.get("licenses") or []
    licence = (
        ", ".join(str(lic.get("name") or lic.get("title") or "") for lic in licences) or "unknown"
    )
    rows = {}
    for resource in meta.get("resources", []):
        path = folder / resource["path"]
        if path.is_file():
            rows[str(resource.get("name", path.stem))] = _count_rows(path)
    period = (meta.get("timing") or {}).get("period") or {}
    sources = tuple(str(s.get("title") or s.get("path") or "") for s in meta.get("sources", []))
    return DatasetInfo(
        name=name,
        title=str(meta.get("title", name)),
        path=folder,
        licence=licence,
        period_start=period.get("start"),
        period_end=period.get("end"),
        rows=rows,
        sources=sources,
        description=str(meta.get("description", "")),
        caveat=(meta.get("timing") or {}).get("caveat"),
        coverage=_coverage(meta),
    )


def _coverage(meta: dict[str, Any]) -> tuple[str, str] | None:
    """The span over which a dataset's claims and events were compiled together, if stated."""
    span = (meta.get("timing") or {}).get("coverage") or {}
    if span.get("start") and span.get("end"):
        return str(span["start"]), str(span["end"])
    return None


def list_datasets() -> list[DatasetInfo]:
    """Every bundled dataset, sorted by name."""
    seen: dict[str, DatasetInfo] = {}
    for root in _roots():
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if (folder / "datapackage.json").is_file() and folder.name not in seen:
                seen[folder.name] = dataset_info(folder.name)
    return [seen[k] for k in sorted(seen)]
