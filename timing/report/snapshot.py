"""Static copies of an HTML report (PNG or PDF) through a headless Chromium, where one exists.

The report itself is interactive HTML. For a slide, a print edition or an archive, a local
Chromium (Debian's ``chromium`` package, or Google Chrome) renders it once, offline, to a PNG
screenshot or a PDF. Without a browser the functions say so and how to get one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from timing.errors import TimingInputError

__all__ = ["BROWSER_FLAGS", "find_browser", "snapshot_report"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Flags for a headless, offline, throw-away browser run: no sandbox (root in containers),
#: no GPU, and no background or network traffic of the browser's own.
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)


def find_browser() -> str | None:
    """Path of a Chromium-family browser on ``PATH``, or ``None``."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def snapshot_report(
    html_path: str | Path,
    out_path: str | Path,
    *,
    width: int = 1200,
    height: int = 3000,
    timeout: float = 120.0,
) -> Path:
    """Render a report to PNG (a screenshot of the top ``height`` pixels) or PDF (all pages).

    Parameters
    ----------
    html_path : str or pathlib.Path
        A report written by :func:`timing.report.write_report` (plotly.js inline, so no
        network is needed).
    out_path : str or pathlib.Path
        ``.png`` or ``.pdf``.
    width, height : int
        Browser window size in pixels (PNG only).
    timeout : float
        Seconds to wait for the browser.

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Raises
    ------
    TimingInputError
        If no browser is installed, the extension is not .png or .pdf, or the browser fails.
    """
    source = Path(html_path).resolve()
    target = Path(out_path)
    kind = target.suffix.lower()
    if kind not in (".png", ".pdf"):
        raise TimingInputError(f"{target}: a static copy must be a .png or .pdf file")
    browser = find_browser()
    if browser is None:
        raise TimingInputError(
            "a static copy needs a headless Chromium (e.g. 'apt-get install chromium'); "
            "the HTML report works without one"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    output = (
        [f"--screenshot={target.resolve()}", f"--window-size={width},{height}"]
        if kind == ".png"
        else [f"--print-to-pdf={target.resolve()}", "--no-pdf-header-footer"]
    )
    with tempfile.TemporaryDirectory(prefix="timing-browser-") as profile:
        command = [
            browser,
            *BROWSER_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=8000",
            *output,
            source.as_uri(),
        ]
        try:
            run = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TimingInputError(f"{browser} took more than {timeout:.0f} s") from None
    if run.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        raise TimingInputError(f"{browser} could not render {source} (exit {run.returncode})")
    return target
