"""The streaming Parquet path gives exactly what the eager readers give.

Every test reads the same file both ways (``streaming=False`` is the eager path of
``timing.io``) and compares the typed frame, the rejects, the accounting and, when strict,
the error. The messy file mixes what real exports hold: typed ``Date``/``Datetime``
columns, ISO timestamps with and without offsets, dates the fast parse leaves to the
careful one, blank and unknown enum values, numbers as text, NUL bytes and repeated ids.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import timing._readers.lazy
import timing.io
from timing._readers.scan import open_scan
from timing.analysis import analyze
from timing.bins import bin_counts
from timing.datasets import dataset_path
from timing.errors import TimingInputError
from timing.inputs import load_inputs
from timing.io import load_claims, load_events
from timing.schema import CLAIMS, ValidationError
from timing.timeline import build_timeline

DATES = [
    "2025-03-01",
    " 2025-03-02 ",
    "2025-03-03T14:30:00",
    "2025-03-03 23:30:00+03:00",
    "2025-03-04T01:02:03.5Z",
    "2025-03-04T01:02:03.1234567+01:00",  # 7 fraction digits: the careful path
    "2025-03-05T10:00+02:00",  # no seconds: the careful path
    "2025-03-05T10:00:00+0200",  # offset without colon: the careful path
    "2025-02-30",
    "1 March 2025",
    "",
    None,
    "2025-03-06T24:00:00",
]


def messy_claims(n: int = 400, seed: int = 3) -> pl.DataFrame:
    """Claims with a mix of good and bad cells (seeded)."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i}" for i in range(n)]
    for i in rng.choice(n, 6, replace=False):
        ids[int(i)] = ids[int(rng.integers(0, n))]
    ids[7] = " "
    kinds = rng.choice(
        ["capture", "Strike", "victory", "", "other"], n, p=[0.5, 0.2, 0.1, 0.1, 0.1]
    )
    status = rng.choice(["confirmed", "REFUTED", "maybe", "", None], n).tolist()
    values = rng.choice(["12", "1e3", "nan", "", "x", " 7.5 "], n).tolist()
    actors = rng.choice(["RU MoD", "UA GS", " ", "ISW\x00"], n, p=[0.5, 0.4, 0.05, 0.05])
    return pl.DataFrame(
        {
            "claim_id": ids,
            "date": [DATES[int(i)] for i in rng.integers(0, len(DATES), n)],
            "actor": actors.tolist(),
            "kind": kinds.tolist(),
            "status": status,
            "value": values,
            "verified_date": [
                dt.date(2025, 4, 1) + dt.timedelta(days=int(d)) if d % 5 else None
                for d in rng.integers(0, 30, n)
            ],
            "source": "https://example.org/x",
            "note": "kept as an extra column",
        }
    )


def streamed(path: Path) -> bool:
    """Whether the streaming path reads the file (else the eager readers do)."""
    return open_scan(path, frozenset(CLAIMS.names)) is not None


def both_ways(path: Path, **kwargs: object) -> tuple[object, object]:
    return load_claims(path, **kwargs), load_claims(path, streaming=False, **kwargs)


def assert_same(path: Path, **kwargs: object) -> None:
    fast, eager = both_ways(path, lenient=True, **kwargs)
    assert fast.accounting == eager.accounting
    assert_frame_equal(fast.frame, eager.frame)
    assert_frame_equal(fast.rejects, eager.rejects)
    assert fast.mapped == eager.mapped and fast.info == eager.info


@pytest.mark.parametrize(("resolution", "chunk"), [("day", 7), ("hour", 10**6), ("minute", 10**6)])
def test_messy_parquet_same_both_ways(
    tmp_path: Path, resolution: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timing._readers.lazy, "CAREFUL_CHUNK", chunk)  # 7: many chunks
    monkeypatch.setattr(timing._readers.lazy, "HASHES_AT_ONCE", chunk * 9)  # ids in slices
    path = tmp_path / "claims.parquet"
    messy_claims().write_parquet(path)
    assert streamed(path)
    assert_same(path, resolution=resolution)
    table = load_claims(path, lenient=True)
    assert 0 < table.accounting.rejected < table.accounting.read
    assert any("also on row" in p.expected for p in table.accounting.reasons)
    with pytest.raises(ValidationError) as fast:
        load_claims(path)
    with pytest.raises(ValidationError) as eager:
        load_claims(path, streaming=False)
    assert fast.value.problems == eager.value.problems
    assert str(fast.value) == str(eager.value)


@pytest.mark.parametrize(
    ("separator", "resolution"), [(",", "day"), (";", "day"), (",", "hour"), (",", "minute")]
)
def test_messy_csv_same_both_ways(tmp_path: Path, separator: str, resolution: str) -> None:
    path = tmp_path / "claims.csv"
    messy_claims().write_csv(path, separator=separator)
    _same_messy_both_ways(path, resolution)


def _same_messy_both_ways(path: Path, resolution: str) -> None:
    """Streamed: the same table, rejects and strict-mode message as the eager path."""
    assert streamed(path)
    assert_same(path, resolution=resolution)
    assert load_claims(path, lenient=True).accounting.rejected > 0
    with pytest.raises(ValidationError) as fast:
        load_claims(path)
    with pytest.raises(ValidationError) as eager:
        load_claims(path, streaming=False)
    assert str(fast.value) == str(eager.value)


def test_csv_the_streaming_path_leaves_to_the_eager_one(tmp_path: Path) -> None:
    """Quoted line breaks, a byte-order mark, a ragged record: same result, same message."""
    good = messy_claims(30).drop("actor").with_columns(actor=pl.lit("RU MoD"))
    path = tmp_path / "claims.csv"
    text = good.write_csv()
    lines = text.splitlines(keepends=True)
    variants = {
        "multiline": text.replace(",RU MoD\n", ',"RU\nMoD"\n', 1),
        "bom": "\ufeff" + text,
        "blank line": "".join([*lines[:5], "\n", *lines[5:]]),
    }
    for name, variant in variants.items():
        path.write_text(variant, encoding="utf-8")
        assert streamed(path) == (name == "blank line"), name  # Polars reads it alike
        assert_same(path)
        # the eager reader reads a blank line as a row of blank cells (then rejects it)
        assert load_claims(path, lenient=True).accounting.read == 30 + (name == "blank line")
    path.write_text("".join([*lines[:3], lines[3].rstrip("\n") + ",extra\n", *lines[4:]]))
    with pytest.raises(TimingInputError) as fast:
        load_claims(path, lenient=True)
    with pytest.raises(TimingInputError) as eager:
        load_claims(path, lenient=True, streaming=False)
    assert str(fast.value) == str(eager.value) and "line 4 has" in str(fast.value)


def test_typed_dates_and_map_same_both_ways(tmp_path: Path) -> None:
    base = dt.datetime(2025, 1, 1, 22, 30)
    frame = pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(50)],
            "when": [base + dt.timedelta(hours=7 * i) for i in range(50)],
            "actor": "RU MoD",
            "kind": "capture",
            "source": "s",
            "value": np.arange(50, dtype=np.int64),
        }
    ).with_columns(pl.col("when").dt.replace_time_zone("Europe/Kyiv"))
    path = tmp_path / "typed.parquet"
    frame.write_parquet(path)
    for resolution in ("day", "hour"):
        assert_same(path, mapping={"claim_id": "id", "date": "when"}, resolution=resolution)
    days = frame.with_columns(pl.col("when").dt.date())
    days.write_parquet(path)
    assert_same(path, mapping={"claim_id": "id", "date": "when"})
    table = load_claims(path, mapping={"claim_id": "id", "date": "when"}, columns=["date"])
    assert table.frame.columns == ["date", "row"] and table.frame["date"].dtype == pl.Date


def test_folder_and_glob_of_parquet_files(tmp_path: Path) -> None:
    messy = messy_claims(300)
    one = tmp_path / "one.parquet"
    messy.write_parquet(one)
    folder = tmp_path / "parts"
    folder.mkdir()
    for k, part in enumerate((messy[:100], messy[100:220], messy[220:])):
        part.write_parquet(folder / f"part-{k}.parquet")
    whole = load_claims(one, lenient=True)
    for given in (folder, folder / "*.parquet"):
        parts = load_claims(given, lenient=True)
        assert_frame_equal(parts.frame, whole.frame)
        assert parts.accounting.used == whole.accounting.used
        # problems name the part file and the record in it
        for p, q in zip(parts.accounting.reasons, whole.accounting.reasons, strict=True):
            k = 0 if q.row <= 100 else 1 if q.row <= 220 else 2
            assert p.file == str(folder / f"part-{k}.parquet")
            assert p.row == q.row - (0, 100, 220)[k]
            assert (p.column, p.value) == (q.column, q.value)


def test_bundled_analysis_unchanged_from_parquet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = dataset_path("ru-ua-2025")
    csv = load_claims(folder / "claims.csv")
    path = tmp_path / "claims.parquet"
    pl.read_csv(folder / "claims.csv", infer_schema=False).write_parquet(path)
    assert_same(path)
    # the same cells; rows differ only in numbering (CSV lines from 2, Parquet records from 1)
    assert_frame_equal(load_claims(path).frame.drop("row"), csv.frame.drop("row"))
    streamed = analyze(path, folder / "events.csv")
    monkeypatch.setattr(timing.io, "_load_streaming", lambda *a, **k: None)
    eager = analyze(path, folder / "events.csv")
    left, right = (json.dumps(r.to_dict(), sort_keys=True, default=str) for r in (streamed, eager))
    assert left == right


def test_load_inputs_keeps_only_the_claims_columns_asked(tmp_path: Path) -> None:
    folder = dataset_path("ru-ua-2025")
    path = tmp_path / "claims.parquet"
    pl.read_csv(folder / "claims.csv", infer_schema=False).write_parquet(path)
    claims, events, _, _ = load_inputs(
        path, folder / "events.csv", claims_columns=["date", "actor", "kind"]
    )
    assert claims.frame.columns == ["date", "actor", "kind", "row"]
    rows = pl.read_csv(folder / "claims.csv", infer_schema=False).height
    assert claims.accounting.used == rows and "title" in events.frame.columns


def test_bin_counts_streamed_match_the_timeline(tmp_path: Path) -> None:
    folder = dataset_path("ru-ua-2025")
    claims, events = load_claims(folder / "claims.csv"), load_events(folder / "events.csv")
    timeline = build_timeline(claims.frame, events.frame)
    counts = bin_counts(timeline.claims_frame, timeline.start, timeline.n_bins)
    series = np.zeros(timeline.n_bins)
    np.add.at(series, counts["bin"].to_numpy(), counts["n"].to_numpy())
    np.testing.assert_array_equal(series, timeline.claims)
    assert counts.columns == ["bin", "actor", "kind", "status", "n"]
    # from a lazy scan of a Parquet file: the same groups, never a frame of claims
    path = tmp_path / "claims.parquet"
    timeline.claims_frame.write_parquet(path)
    scanned = bin_counts(pl.scan_parquet(path), timeline.start, timeline.n_bins)
    assert_frame_equal(scanned, counts)
    per_kind = counts.group_by("kind").agg(pl.col("n").sum()).sort("kind")
    expected = timeline.claims_frame.group_by("kind").len().sort("kind")
    assert per_kind["n"].to_list() == expected["len"].cast(pl.Float64).to_list()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_validate_far_dates_as_period_far_dates(seed: int) -> None:
    """`timing validate` finds far dates with Polars quantiles, as period.far_dates does."""
    from types import SimpleNamespace

    from timing.cli.data import _far_dates
    from timing.period import far_dates

    rng = np.random.default_rng(seed)
    days = rng.integers(0, 900, 400)
    days[rng.choice(400, 5, replace=False)] += rng.choice([-4000, 5000], 5)
    dates = pl.Series("date", days.astype("datetime64[D]"), dtype=pl.Date)
    frame = pl.DataFrame({"date": dates, "row": np.arange(2, 402)})
    expected = [
        (int(frame["row"][int(i)]), str(dates[int(i)])) for i in np.flatnonzero(far_dates(days))
    ]
    assert _far_dates(SimpleNamespace(frame=frame)) == expected and len(expected) == 5


@pytest.mark.parametrize("resolution", ["day", "hour"])
def test_messy_ndjson_same_both_ways(tmp_path: Path, resolution: str) -> None:
    path = tmp_path / "claims.ndjson"
    messy_claims().write_ndjson(path)
    _same_messy_both_ways(path, resolution)


def _ndjson_rows(n: int = 60) -> list[str]:
    """Records whose keys vary from line to line: whole numbers, booleans, nulls, extras."""
    rows = []
    for i in range(n):
        rec: dict[str, object] = {"claim_id": i if i % 3 else f"c{i}"}
        rec |= {"date": f"2025-03-0{1 + i % 9}", "actor": "RU", "kind": "capture"}
        rec |= {"value": i} if i % 2 else {"flag": i % 4 == 0, "late": None}
        if i % 7 == 0:  # more extra keys than are loaded, first seen in varying orders
            rec |= {f"x{(i + k) % 70}": k for k in range(60)}
        rows.append(json.dumps({**rec, "source": "s"}))
    return rows


def test_ndjson_typed_values_ragged_keys_and_line_ends_stream(tmp_path: Path) -> None:
    rows = _ndjson_rows()
    path = tmp_path / "claims.jsonl"
    for text in ("\n".join(rows) + "\n", "\r\n".join(rows) + "\r\n", "\n".join(rows)):
        path.write_text(text, encoding="utf-8")
        assert streamed(path)
        assert_same(path)
    table = load_claims(path, lenient=True)
    assert table.info.not_loaded and table.accounting.used == 60
    assert table.frame["flag"].to_list()[:2] == ["true", None]  # booleans as the eager text


def test_ndjson_the_streaming_path_leaves_to_the_eager_one(tmp_path: Path) -> None:
    """What Polars would read differently or not at all goes the eager way, same result."""
    rows = _ndjson_rows(30)
    variants = {
        "fraction in a text column": [*rows[:3], rows[3].replace('"s"', "1.0")],
        "blank line": [*rows[:5], "  ", *rows[5:]],
        "broken line": [*rows[:5], '{"claim_id": ', *rows[5:]],
        "not an object": [*rows[:5], "[1, 2]", *rows[5:]],
        "nested object": [*rows[:5], rows[5].replace('"s"', '{"url": "s"}'), *rows[6:]],
        "padded key": [*rows[:5], rows[5].replace('"actor"', '" actor"'), *rows[6:]],
        "raw tab in a value": [*rows[:5], rows[5].replace('"RU"', '"R\tU"'), *rows[6:]],
    }
    path = tmp_path / "claims.ndjson"
    for name, lines in variants.items():
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert not streamed(path), name
        assert_same(path)
    path.write_text("\n".join([*rows[:5], rows[5].replace('"actor"', '"\\u0061ctor"')]))
    assert streamed(path)  # an escaped key is decoded alike
    assert_same(path)
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(rows).encode())
    assert not streamed(path)
    assert_same(path)
    for twice in ('"claim_id": "b"', '" claim_id" : "b"'):  # also once padded
        path.write_text("\n".join([*rows[:5], '{"claim_id": "a", ' + twice + "}", *rows[5:]]))
        assert not streamed(path)
        with pytest.raises(TimingInputError, match="line 6 gives the key 'claim_id' twice"):
            load_claims(path, lenient=True)
    path.write_text("\n".join([*rows[:5], '{"claim_id": "a", "a:b": 1, "c": "x\\": 1"}']))
    assert streamed(path)  # colons and escaped quotes inside keys and values
    assert_same(path)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".ndjson"])
def test_row_with_a_nul_byte_and_a_repeated_id_lists_them_in_the_eager_order(
    tmp_path: Path, suffix: str
) -> None:
    claims = messy_claims(20).with_columns(
        claim_id=pl.Series([f"c{i}" for i in range(19)] + ["c3"]),
        actor=pl.Series(["RU MoD"] * 19 + ["ISW\x00"]),
        kind=pl.lit("capture"),
        status=pl.lit(None, pl.String),
        value=pl.lit("1"),
    )
    path = tmp_path / f"claims{suffix}"
    getattr(claims, f"write_{suffix[1:]}")(path)
    assert streamed(path)
    assert_same(path)
    last = [p.column for p in load_claims(path, lenient=True).accounting.reasons][-2:]
    assert last == ["claim_id", "actor"]  # the repeated id, then the NUL byte
