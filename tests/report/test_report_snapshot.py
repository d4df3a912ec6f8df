"""Static PNG/PDF copies of a report through headless Chromium, and the message without one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from timing.cli import app
from timing.errors import TimingInputError
from timing.report import snapshot
from timing.report.snapshot import find_browser, snapshot_report

runner = CliRunner()


def test_no_browser_gives_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "r.html"
    page.write_text("<html><body>x</body></html>")
    monkeypatch.setattr(snapshot.shutil, "which", lambda _name: None)
    with pytest.raises(TimingInputError, match="apt-get install chromium"):
        snapshot_report(page, tmp_path / "r.png")
    with pytest.raises(TimingInputError, match=r"\.png or \.pdf"):
        snapshot_report(page, tmp_path / "r.gif")


def test_cli_rejects_snapshot_without_report(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", "--no-report", "--snapshot", str(tmp_path / "r.png")])
    assert result.exit_code == 2 and "drop --no-report" in result.stderr


@pytest.mark.browser
@pytest.mark.skipif(find_browser() is None, reason="needs a headless Chromium")
def test_png_and_pdf_copies_of_the_bundled_report(tmp_path: Path) -> None:
    png, pdf = tmp_path / "r.png", tmp_path / "r.pdf"
    result = runner.invoke(
        app, ["analyze", "--out", str(tmp_path / "r.html"), "--snapshot", str(png)]
    )
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    snapshot_report(tmp_path / "r.html", pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
