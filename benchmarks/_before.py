"""Load a module of this repository as it was at an earlier commit, for before/after timings.

``load_revision("timing/stats/premature.py", "e1ebb1b")`` reads the file from git (no
checkout, the working tree is untouched) and imports it under a private name, so a benchmark
can time the old and the new code in the same process on the same data.
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The commit before the bins-not-claims rewrite of premature, circular and scan.
BEFORE = "e1ebb1b"


def load_revision(
    path: str, rev: str = BEFORE, *, using: dict[str, types.ModuleType] | None = None
) -> types.ModuleType:
    """Import ``path`` (relative to the repository root) as of commit ``rev``.

    ``using`` maps module names to modules that the old file's own imports must see
    (e.g. ``{"timing.stats.circular": old_circular}``) while it is imported.
    """
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    name = f"_before_{rev}_" + path.removesuffix(".py").replace("/", "_")
    module = types.ModuleType(name)
    module.__file__ = f"{rev}:{path}"
    sys.modules[name] = module
    saved = {key: sys.modules.get(key) for key in using or {}}
    sys.modules.update(using or {})
    try:
        exec(compile(source, module.__file__, "exec"), module.__dict__)
    finally:
        for key, value in saved.items():
            if value is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = value
    return module
