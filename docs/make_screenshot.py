"""Regenerate ``docs/reading-the-report.png`` (the README's report, annotated) and the plain
``docs/report-screenshot.png`` (the top of the same report).

Runs the README's worked example (``timing analyze --window 3``) into a temporary folder,
renders the report in a local headless Chromium, cuts out the parts an analyst reads first
(headline, caution and key facts; the null distribution; the table of all tests; the scan)
and draws numbered callouts on them that the README's "Reading the report" section explains.
Run from the repository root, with the package importable (``pip install -e .``)::

    python docs/make_screenshot.py [--out docs/reading-the-report.png]

Needs Debian's ``chromium`` (or another Chromium on ``PATH``) and Pillow. The page is laid
out once to measure where each part is (a script in a copy of the report writes the boxes
into the DOM, which ``--dump-dom`` prints), then photographed at the same window size.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from timing.report.snapshot import BROWSER_FLAGS, find_browser

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 1280
#: Parts cut out of the page: (name, CSS selector of the part, most page pixels kept).
PARTS = (
    ("header", "#headline", 400),
    ("null", "#tests .plot", 600),
    ("tests", "#tests table", 1200),
    ("scan", "#scan", 560),
)
#: What the colours of the callouts mean (drawn as a legend above the parts).
LEGEND = (
    ("#c0392b", "quote"),
    ("#e67e22", "read before quoting"),
    ("#7f8c8d", "exploratory or diagnostic: do not quote as a finding"),
)
#: Callouts: (number, CSS selector of the element it points at, which match, colour).
#: Red: quote it. Orange: read it before quoting. Grey: ignore or treat as exploratory.
CALLOUTS = (
    (1, "#headline .headline", 0, "#c0392b"),
    (2, "#headline .caution", 0, "#e67e22"),
    (3, "#headline .facts", 0, "#e67e22"),
    (4, "#tests .plot", 0, "#e67e22"),
    (5, "#tests table tbody tr", 0, "#c0392b"),
    (6, "#tests table tbody tr.naive", 0, "#7f8c8d"),
    (7, "#tests table tbody tr.descriptive-first", 0, "#7f8c8d"),
    (8, "#scan h2", 0, "#7f8c8d"),
)

_MEASURE = """
<script>
window.addEventListener("load", () => setTimeout(() => {
  const rows = [...document.querySelectorAll("#tests table tbody tr")];
  const d = rows.find(r => r.textContent.includes("(descriptive)"));
  if (d) d.classList.add("descriptive-first");
  const box = e => { const r = e.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]; };
  const out = {height: document.documentElement.scrollHeight, parts: {}, callouts: {}};
  for (const [name, sel] of %(parts)s) {
    const e = document.querySelector(sel); if (e) out.parts[name] = box(e); }
  out.parts.lags = document.querySelector("#lags") ? box(document.querySelector("#lags")) : null;
  for (const [n, sel, i] of %(callouts)s) {
    const e = document.querySelectorAll(sel)[i]; if (e) out.callouts[n] = box(e); }
  const pre = document.createElement("pre"); pre.id = "boxes";
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
}, 1500));
</script>
"""


def _browser(args: list[str], profile: str) -> subprocess.CompletedProcess[str]:
    browser = find_browser()
    if browser is None:
        sys.exit("needs a headless Chromium on PATH (e.g. apt-get install chromium)")
    command = [browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def measure(report: Path, work: Path) -> dict:
    """Lay the report out at ``WIDTH`` and return the page height and element boxes."""
    script = _MEASURE % {
        "parts": json.dumps([[n, s] for n, s, _ in PARTS]),
        "callouts": json.dumps([[n, s, i] for n, s, i, _ in CALLOUTS]),
    }
    probe = work / "probe.html"
    probe.write_text(
        report.read_text(encoding="utf-8").replace("</body>", script + "</body>"),
        encoding="utf-8",
    )
    run = _browser(
        [
            f"--window-size={WIDTH},2000",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probe.as_uri(),
        ],
        str(work / "profile-a"),
    )
    found = re.search(r'<pre id="boxes">(.*?)</pre>', run.stdout, flags=re.S)
    if not found:
        sys.exit("could not measure the report (no boxes in the page)")
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def photograph(report: Path, work: Path, height: int) -> Image.Image:
    """A screenshot of the whole page at ``WIDTH`` x ``height``."""
    shot = work / "page.png"
    _browser(
        [
            f"--window-size={WIDTH},{height}",
            "--virtual-time-budget=10000",
            f"--screenshot={shot}",
            report.as_uri(),
        ],
        str(work / "profile-b"),
    )
    return Image.open(shot).convert("RGB")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def compose(page: Image.Image, boxes: dict, scale: float = 0.72) -> Image.Image:
    """Stack the parts with a gutter of numbered callouts, scaled down by ``scale``."""
    gutter, gap, pad = 64, 26, 8
    legend_h = 44
    parts = [(boxes["parts"][n], most) for n, _, most in PARTS if n in boxes["parts"]]
    left = min(b[0] for b, _ in parts) - pad
    right = max(b[2] for b, _ in parts) + pad
    crops = []
    for (_, top, _, bottom), most in parts:
        start = max(0, int(top) - pad)
        crops.append((start, min(page.height, int(bottom) + pad, start + most)))
    width = int(right - left) + gutter
    height = legend_h + sum(b - t for t, b in crops) + gap * (len(crops) - 1)
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    font, small = _font(22), _font(19)
    x = gutter
    for colour, label in LEGEND:
        draw.ellipse([x, 10, x + 22, 32], fill=colour)
        draw.text((x + 30, 21), label, fill="#333333", font=small, anchor="lm")
        x += 30 + int(draw.textlength(label, font=small)) + 36
    y = legend_h
    offsets = []
    for t, b in crops:
        sheet.paste(page.crop((int(left), t, int(right), b)), (gutter, y))
        offsets.append((t, b, y))
        y += b - t
        if y < height:  # a cut: a dashed line across the gap
            mid = y + gap // 2
            for x in range(gutter, width, 14):
                draw.line([(x, mid), (x + 7, mid)], fill="#b0b0b0", width=2)
        y += gap
    for number, _, _, colour in CALLOUTS:
        box = boxes["callouts"].get(str(number))
        if box is None:
            continue
        for t, b, y0 in offsets:
            if t <= box[1] < b:
                cy = y0 + (box[1] - t) + min(18, (box[3] - box[1]) / 2)
                cx = gutter // 2
                draw.ellipse([cx - 17, cy - 17, cx + 17, cy + 17], fill=colour)
                draw.text((cx, cy), str(number), fill="white", font=font, anchor="mm")
                draw.line([(cx + 17, cy), (gutter - 2, cy)], fill=colour, width=3)
                break
    return _scaled(sheet, scale)


def main() -> None:
    """Run the README's example, photograph its report and write the annotated PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reading-the-report.png")
    parser.add_argument(
        "--top",
        type=Path,
        default=ROOT / "docs" / "report-screenshot.png",
        help="also the top of the report (headline, timeline, lag histogram), unannotated",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="timing-shot-") as tmp:
        work = Path(tmp)
        report = work / "ru-ua-2025-w3.html"
        command = [sys.executable, "-m", "timing", "analyze", "--window", "3", "--quiet"]
        subprocess.run(
            [*command, "--out", str(report)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        boxes = measure(report, work)
        page = photograph(report, work, int(boxes["height"]))
        sheet = compose(page, boxes)
        lags = boxes["parts"].get("lags")
        bottom = int(lags[3]) + 8 if lags else min(page.height, 1500)
        top = page.crop((0, 0, page.width, bottom))
    for image, path in ((sheet, args.out), (_scaled(top, 0.72), args.top)):
        small = image.quantize(
            colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        small.save(path, optimize=True)
        print(f"{path}: {small.width}x{small.height}, {path.stat().st_size / 1024:.0f} KB")


def _scaled(image: Image.Image, scale: float) -> Image.Image:
    size = (int(image.width * scale), int(image.height * scale))
    return image.resize(size, Image.Resampling.LANCZOS)


if __name__ == "__main__":
    main()
