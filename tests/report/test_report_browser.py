"""The report in a real browser: headless Chromium, networking disabled, file opened from disk.

Skipped when /usr/bin/chromium is absent. Each test is one Chromium run of about 3 s.
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from timing.report.figures import KIND_COLOURS
from timing.report.page import write_report

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``page`` with every network path closed."""
    args = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0", *extra,
        page.resolve().as_uri(),
    ]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def rendered(dom: str) -> int:
    """Elements that Plotly turned into a plot (class attribute holds ``js-plotly-plot``)."""
    return len(re.findall(r'class="[^"]*\bjs-plotly-plot\b', dom))


def decode_png(data: bytes) -> np.ndarray:
    """Minimal PNG decoder (8-bit RGB/RGBA, non-interlaced) -> array (height, width, channels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * bpp)
    out = np.zeros((height, width * bpp), dtype=np.int64)
    prev = np.zeros(width * bpp, dtype=np.int64)
    for y in range(height):
        ftype, line = raw[y, 0], raw[y, 1:].astype(np.int64)
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) % 256
        elif ftype == 1:  # Sub: running sum per channel
            cur = np.cumsum(line.reshape(width, bpp), axis=0).reshape(-1) % 256
        else:  # Average (3) and Paeth (4) depend on the reconstructed left pixel: go pixel-wise
            cur = np.zeros_like(line)
            for x in range(width * bpp):
                a = cur[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                if ftype == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) % 256
        out[y], prev = cur, cur
    return out.reshape(height, width, bpp).astype(np.uint8)


def test_png_decoder_on_a_handmade_image() -> None:
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 7
    rows = b"".join(bytes([f]) + bytes(_filter(pixels, y, f)) for y, f in ((0, 1), (1, 2)))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))  # fmt: skip
    np.testing.assert_array_equal(decode_png(png), pixels)


def _filter(pixels: np.ndarray, y: int, ftype: int) -> np.ndarray:
    line = pixels[y].reshape(-1).astype(np.int64)
    if ftype == 1:
        left = np.concatenate([np.zeros(3, np.int64), line[:-3]])
        return ((line - left) % 256).astype(np.uint8)
    up = pixels[y - 1].reshape(-1).astype(np.int64)
    return ((line - up) % 256).astype(np.uint8)


@pytest.fixture(scope="module")
def bundled_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from timing.analysis import analyze

    folder = tmp_path_factory.mktemp("browser")
    path = write_report(analyze().to_dict(full=True), folder / "report.html")
    return path, path.read_text(encoding="utf-8")


def test_figures_render_offline_without_errors(bundled_page: tuple[Path, str], tmp_path: Path):
    path, html = bundled_page
    run = chromium(path, tmp_path / "profile", "--dump-dom")
    dom = run.stdout
    expected = html.count('class="plot"')
    assert expected >= 4 and "</html>" in dom
    assert rendered(dom) == expected
    assert dom.count('class="main-svg"') >= expected
    assert re.search(r'class="[^"]*\bplot-failed\b', dom) is None  # set when a figure fails
    assert "Uncaught" not in run.stderr
    # the seed case is in the rendered page
    assert "Witkoff and Kushner" in dom and "Pokrovsk" in dom


def test_screenshot_is_not_blank(bundled_page: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = bundled_page
    shot = tmp_path / "shot.png"
    chromium(path, tmp_path / "profile", f"--screenshot={shot}", "--window-size=900,1300")
    image = decode_png(shot.read_bytes())[..., :3].astype(np.int64)
    assert image.shape[:2] == (1300, 900)
    assert image.std() > 20  # a blank page has std 0
    # capture markers of the timeline are drawn in their exact colour
    red = np.array([int(KIND_COLOURS["capture"][i : i + 2], 16) for i in (1, 3, 5)])
    assert np.count_nonzero(np.abs(image - red).sum(axis=-1) <= 6) > 50


def test_payloads_do_not_run(tmp_path: Path) -> None:
    from tests.report.conftest import SCRIPT, xss_files
    from timing.analysis import analyze

    claims, events = xss_files(tmp_path)
    data = analyze(claims, events, lenient=True).to_dict(full=True)
    data["caution"] = SCRIPT
    path = write_report(data, tmp_path / "xss.html")
    run = chromium(path, tmp_path / "profile", "--dump-dom")
    title = re.search(r"<title>(.*?)</title>", run.stdout, re.S)
    assert title is not None and title.group(1) == "timing report: custom data"
    assert "pwned" not in title.group(1)
    assert rendered(run.stdout) == path.read_text().count('class="plot"')


def test_control_unescaped_payload_would_be_caught(tmp_path: Path) -> None:
    """Positive control: the same payload left raw does change the title in this browser."""
    from tests.report.conftest import IMG, SCRIPT

    page = tmp_path / "raw.html"
    page.write_text(f"<!DOCTYPE html><title>ok</title><p>{SCRIPT}</p><div>{IMG}</div>")
    run = chromium(page, tmp_path / "profile", "--dump-dom")
    assert re.search(r"<title>pwned</title>", run.stdout)
