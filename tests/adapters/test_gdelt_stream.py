"""The Polars reading of GDELT files gives exactly what the line-by-line reading gives.

Published exports (headerless, tab-separated) are split by Polars
(:func:`timing.adapters._gdelt_io._fast_raw`); re-saves with a header and text with unusual
line breaks are read line by line (``_slow_raw``). Both must give the same raw frame, and
the adapter the same rows, counts and anomalies whichever way a file went.
"""

from __future__ import annotations

import random
import zipfile

import pytest

from timing.adapters import _gdelt_io
from timing.adapters._gdelt_io import _fast_raw, _members, _slow_raw
from timing.adapters.gdelt import parse_gdelt

FIXTURES = (
    "gdelt_v2_15min.export.CSV",
    "gdelt_v1_daily.export.CSV",
    "gdelt_v1_backfile.CSV",
    "gdelt_sample.export.CSV",
    "gdelt_bad_date.export.CSV",
)


def _both(path):
    (label, data), *_ = list(_members(path))
    return _fast_raw(data), _slow_raw(label, data)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_read_the_same_both_ways(data, name):
    fast, slow = _both(data / name)
    assert fast is not None and fast.equals(slow)
    assert fast.height == slow.height > 0


def _messy(data, tmp_path, seed=3):
    """The 2.0 and 1.0 fixtures' lines shuffled with blank, short and padded lines."""
    rng = random.Random(seed)
    lines = (data / "gdelt_v2_15min.export.CSV").read_text().splitlines()
    lines += (data / "gdelt_v1_daily.export.CSV").read_text().splitlines()
    lines += ["", "   ", "\t\t", "\t".join(["9"] * 40), " " + lines[0] + " "]
    rng.shuffle(lines)
    path = tmp_path / "messy.export.CSV"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def test_mixed_layouts_blank_lines_and_crlf_read_the_same_both_ways(data, tmp_path):
    fast, slow = _both(_messy(data, tmp_path))
    assert fast is not None and fast.equals(slow)
    assert set(fast["width"].to_list()) == {40, 58, 61}
    assert fast["line"].max() == 24  # blank lines keep their numbers


def test_unusual_line_break_goes_line_by_line(data, tmp_path):
    text = (data / "gdelt_v2_15min.export.CSV").read_text()
    odd = tmp_path / "odd.export.CSV"
    odd.write_text(text.replace("\n", "\u2028", 1))  # splitlines() breaks there too
    fast, slow = _both(odd)
    assert fast is None and slow["line"].to_list() == list(range(1, 12))
    assert parse_gdelt(odd).read == 11


def test_uniform_file_parses_only_the_needed_columns(data, monkeypatch):
    calls = []
    real = _gdelt_io._uniform_raw
    monkeypatch.setattr(_gdelt_io, "_uniform_raw", lambda *a: calls.append(a[1:]) or real(*a))
    fast, slow = _both(data / "gdelt_v2_15min.export.CSV")
    assert calls == [(61, 11)] and fast.equals(slow)


def _archive(data, tmp_path, seed):
    """Two zips of records made from the fixtures' lines with varied ids, codes, dates."""
    rng = random.Random(seed)
    base = [ln.split("\t") for ln in (data / "gdelt_v2_15min.export.CSV").read_text().splitlines()]
    folder = tmp_path / f"zips{seed}"
    folder.mkdir()
    for k in range(2):
        rows = []
        for i in range(400):
            rec = list(rng.choice(base))
            rec[0] = str(1_300_000_000 + 1000 * k + i)
            rec[26] = rng.choice(["042", "46", "190", "195", "1951", "010", "036", "192"])
            rec[28] = rec[26][:2] if rng.random() < 0.9 else "4"
            rec[1] = rng.choice(["20250218", "20250217", "20240218", "2025-02-16", "x"])
            rec[60] = rng.choice(["", "https://ex.org/1", "https://ex.org/2", rec[60]])
            rows.append("\t".join(rec))
        name = f"2025021{k}000000.export.CSV"
        with zipfile.ZipFile(folder / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name, "\n".join(rows) + "\n")
    return folder


def _outcome(result):
    return (
        result.frame.to_dicts(),
        dict(result.skipped),
        result.read,
        result.files,
        [repr(a) for a in result.anomalies],
    )


@pytest.mark.parametrize(
    "options",
    [
        {"kind": "events"},
        {"kind": "claims", "actors": ("RUS",)},
        {"kind": "events", "date_field": "dateadded", "max_date_gap": 400, "dedupe": False},
    ],
)
def test_zipped_exports_give_the_same_result_either_way(data, tmp_path, monkeypatch, options):
    folder = _archive(data, tmp_path, seed=len(options))
    fast = parse_gdelt(folder, **options)
    monkeypatch.setattr(_gdelt_io, "_fast_raw", lambda data: None)
    slow = parse_gdelt(folder, **options)
    assert _outcome(fast) == _outcome(slow)
    assert fast.read == 800 and fast.frame.height > 50
    assert sum(fast.skipped.values()) + fast.frame.height == 800
