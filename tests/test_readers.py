"""Readers on files shaped like real users' files: right, or refused with a useful message.

The files under tests/data/readers/ and where their shapes come from are described in the
README next to them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timing._readers import source
from timing._readers.delimited import read_delimited, sniff_separator
from timing.errors import TimingInputError
from timing.io import EXTRA_COLUMNS, file_sha256, load_claims, load_events, read_raw
from timing.schema import CLAIMS, ValidationError

DATA = Path(__file__).parent / "data" / "readers"
HEADER = "claim_id,date,actor,kind,source"


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# -- encodings -------------------------------------------------------------------------


def test_cp1252_semicolon_csv_is_refused_with_line_column_and_fix() -> None:
    path = DATA / "excel_semicolon_cp1252.csv"
    with pytest.raises(TimingInputError) as info:
        load_claims(path)
    message = str(info.value)
    assert "line 2, column 'text'" in message
    assert "b'\\xe9' are not UTF-8" in message
    assert "Windows-1252" in message and "--encoding cp1252" in message


def test_cp1252_semicolon_csv_reads_with_the_encoding() -> None:
    table = load_claims(DATA / "excel_semicolon_cp1252.csv", encoding="cp1252", lenient=True)
    assert table.info is not None
    assert (table.info.separator, table.info.encoding) == (";", "cp1252")
    texts = table.frame["text"].to_list()
    assert texts[0] == "Prise annoncée du village"
    assert texts[2] == "Contrôle revendiqué; démenti côté ukrainien"  # quoted ';' kept
    # The decimal comma of European Excel is not a number: that row is rejected, by line.
    acc = table.accounting
    assert (acc.read, acc.used, acc.rejected) == (4, 3, 1)
    (problem,) = acc.reasons
    assert (problem.row, problem.column, problem.value) == (5, "value", "2,5")


def test_cp1251_bytes_get_the_cyrillic_hint() -> None:
    with pytest.raises(TimingInputError, match=r"line 2, column 'actor'.*--encoding cp1251"):
        load_claims(DATA / "excel_semicolon_cp1251.csv")
    table = load_claims(DATA / "excel_semicolon_cp1251.csv", encoding="cp1251")
    assert table.frame["target"].to_list() == ["Александро-Калиново", "Яблоновка"]


def test_excel_unicode_text_utf16le_bom_tabs() -> None:
    table = load_claims(DATA / "excel_unicode_text.txt")
    assert table.info is not None
    assert (table.info.encoding, table.info.separator) == ("utf-16-le", "\t")
    assert table.frame["target"].to_list() == ["Покровск", "Волчанск", "Мирноград"]
    assert table.frame["text"][1] == "Освобождён; по данным МО"
    assert table.frame["row"].to_list() == [2, 3, 4]
    assert table.frame["source"][2] == "https://example.org/r3"  # no stray \r


def test_utf8_bom_crlf_events() -> None:
    table = load_events(DATA / "excel_csv_utf8_bom.csv")
    assert table.frame.columns[0] == "event_id"  # not "\ufeffevent_id"
    assert table.frame["title"][1] == "US-Ukraine talks, Jeddah"
    assert table.frame["title"][2] == "Witkoff–Kushner visit to Moscow"
    assert not any(s.endswith("\r") for s in table.frame["source"].to_list())


def test_utf16_and_utf32_byte_order_marks(tmp_path: Path) -> None:
    text = f"{HEADER}\nc1,2025-01-02,RU MoD,capture,s\n"
    for codec in ("utf-16-be", "utf-32-le", "utf-32-be"):
        bom = {"utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00"}.get(
            codec, b"\x00\x00\xfe\xff"
        )
        path = _write(tmp_path, f"{codec}.csv", bom + text.encode(codec))
        assert read_raw(path)["actor"].to_list() == ["RU MoD"]


def test_utf16_without_bom_and_unknown_encoding(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "c.csv", f"{HEADER}\nc1,2025-01-02,RU MoD,capture,s\n".encode("utf-16-le")
    )
    with pytest.raises(TimingInputError, match="UTF-16-LE without a byte-order mark"):
        load_claims(path)
    assert load_claims(path, encoding="utf-16-le").accounting.used == 1
    with pytest.raises(TimingInputError, match="unknown encoding 'klingon'"):
        load_claims(path, encoding="klingon")


def test_no_silent_replacement_character(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "c.csv", f"{HEADER}\nc1,2025-01-02,RU \xc9tat,capture,s\n".encode("latin-1")
    )
    with pytest.raises(TimingInputError, match="column 'actor'"):
        read_raw(path)
    assert read_raw(path, encoding="latin-1")["actor"][0] == "RU État"


# -- separators and headers ----------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_sniff_separator(sep: str) -> None:
    text = sep.join(["a", "b", "c"]) + "\n" + sep.join(["1", '"x, y; z|w\tv"', "3"]) + "\n"
    assert sniff_separator(text) == sep


def test_sniff_respects_quotes_and_tsv_and_explicit_separator(tmp_path: Path) -> None:
    # The header has no comma; quoted commas in the records must not win.
    text = 'claim_id;date;actor;kind;source\nc1;2025-01-02;"RU, MoD";capture;"a,b,c"\n'
    path = _write(tmp_path, "c.csv", text)
    assert read_raw(path)["actor"].to_list() == ["RU, MoD"]
    tsv = _write(tmp_path, "c.tsv", "claim_id\tdate\nc1\t2025-01-02\n")
    assert read_raw(tsv).columns == ["claim_id", "date"]
    # A separator the user forces is used as given; here it does not fit the records.
    with pytest.raises(TimingInputError, match="line 2 has 4 fields where the header has 1"):
        read_raw(path, separator=",")


def test_separator_names_and_old_mac_line_ends(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.txt", "claim_id\tdate\nc1\t2025-01-02\n")
    assert read_raw(path, separator="\\t").columns == ["claim_id", "date"]  # as typed in a shell
    assert read_raw(path, separator="tab")["date"].to_list() == ["2025-01-02"]
    mac = _write(tmp_path, "m.csv", f"{HEADER}\rc1,2025-01-02,RU,capture,s\r".encode())
    table = load_claims(mac)
    assert table.frame["row"].to_list() == [2]
    assert table.info is not None and "carriage return only" in table.info.notes[0]


def test_pandas_index_column_is_kept_as_index() -> None:
    table = load_claims(DATA / "pandas_to_csv_index.csv")
    assert table.frame["index"].to_list() == ["0", "1", "2"]
    assert table.frame["claim_id"].to_list() == ["P1", "P2", "P3"]
    assert table.info is not None and "pandas index" in table.info.notes[0]


def test_duplicate_column_names_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "c.csv", f"{HEADER}, date \nc1,2025-01-02,RU MoD,capture,s,2025-02-02\n"
    )
    with pytest.raises(TimingInputError, match=r"'date' 2 times \(columns 2, 6\)"):
        load_claims(path)


def test_blank_header_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "c.csv", "claim_id,date,,actor,kind,source\nc1,2025-01-02,x,RU,capture,s\n"
    )
    with pytest.raises(TimingInputError, match=r"column 3 of the header has no name.*'x'"):
        load_claims(path)
    empty = _write(tmp_path, "e.csv", f"{HEADER},,\nc1,2025-01-02,RU,capture,s,,\n")
    table = load_claims(empty)
    assert set(table.frame.columns) == {*CLAIMS.names, "row"}
    assert table.info is not None and "2 unnamed empty column(s) ignored" in table.info.notes[0]


# -- cells and rows ----------------------------------------------------------------------


def test_multiline_cells_keep_the_line_numbers_of_the_file() -> None:
    path = DATA / "telegram_multiline.csv"
    with pytest.raises(ValidationError) as info:
        load_claims(path)
    # T1 spans lines 2-4, T2 lines 5-8: the bad records start on lines 9 and 10.
    assert [(p.row, p.column) for p in info.value.problems] == [(9, "date"), (10, "kind")]
    table = load_claims(path, lenient=True)
    assert table.frame["row"].to_list() == [2, 5]
    assert table.frame["text"][1].startswith(
        "Units of the Centre group liberated the settlement of\n"
    )


def test_nul_bytes_are_a_problem_of_their_cell(tmp_path: Path) -> None:
    body = (
        f"{HEADER},target\nc1,2025-01-02,RU,capture,s,Al\x00pha\nc2,2025-01-03,RU,capture,s,Beta\n"
    )
    path = _write(tmp_path, "c.csv", body)
    with pytest.raises(ValidationError) as info:
        load_claims(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (2, "target") and "NUL" in problem.expected
    table = load_claims(path, lenient=True)
    acc = table.accounting
    assert (acc.read, acc.used, acc.rejected) == (2, 1, 1)
    assert table.frame["target"].to_list() == ["Beta"]
    assert table.rejects["row"].to_list() == [2]
    assert table.rejects["value"].to_list() == ["Al\\x00pha"]  # shown, never a raw NUL


def test_ndjson_broken_lines_strict_and_lenient() -> None:
    path = DATA / "ndjson_broken_lines.ndjson"
    with pytest.raises(TimingInputError) as info:
        load_claims(path)
    message = str(info.value)
    assert (
        "line 2 is not one JSON object per line (not valid JSON: Unterminated string starting "
        "at column 80)" in message
    )
    assert message.endswith("pass --lenient to set it aside and count it as rejected")
    table = load_claims(path, lenient=True)
    acc = table.accounting
    assert (acc.read, acc.used, acc.rejected) == (4, 2, 2)
    assert acc.read == acc.used + acc.rejected
    assert [p.row for p in acc.reasons] == [2, 4]
    assert "found a JSON list" in acc.reasons[1].expected
    assert table.frame["row"].to_list() == [1, 5]


def test_ndjson_with_no_usable_line_and_json_duplicate_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.ndjson", "not json\n[1]\n")
    with pytest.raises(TimingInputError, match="none of its 2 non-blank lines is usable; line 1"):
        load_claims(path, lenient=True)
    twice = _write(tmp_path, "c.json", '[{"claim_id": "c1", "date": "2025-01-02", " date": "x"}]')
    with pytest.raises(TimingInputError, match="gives the key 'date' twice"):
        read_raw(twice)


def test_wide_file_loads_only_the_needed_columns(tmp_path: Path) -> None:
    n_extra = 3_000  # above the width where rows are parsed record by record
    header = HEADER + "," + ",".join(f"x{i}" for i in range(n_extra))
    row = "c1,2025-01-02,,capture,s" + "," * n_extra + "RU MoD"  # actor in the last column
    path = _write(tmp_path, "wide.csv", f"{header}\n{row}\n{row.replace('c1', 'c2')}\n")
    table = load_claims(path, mapping={"actor": "x2999"})
    assert table.info is not None
    assert table.info.columns == 5 + n_extra
    assert len(table.info.not_loaded) == n_extra - 1 - EXTRA_COLUMNS
    assert "extra columns not loaded" in table.info.messages()[0]
    assert table.frame["actor"].to_list() == ["RU MoD", "RU MoD"]
    assert table.frame.width == len(CLAIMS.names) + EXTRA_COLUMNS + 1  # canonical, extras, row


def test_moderately_wide_file_is_also_bounded(tmp_path: Path) -> None:
    header = HEADER + "," + ",".join(f"x{i}" for i in range(80))
    path = _write(tmp_path, "c.csv", f"{header}\nc1,2025-01-02,RU,capture,s{',v' * 80}\n")
    table = load_claims(path)
    assert table.info is not None and len(table.info.not_loaded) == 80 - EXTRA_COLUMNS
    assert table.frame["x0"].to_list() == ["v"]


# -- standard input --------------------------------------------------------------------------


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch):
    def feed(data: bytes) -> None:
        source._forget_stdin()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    yield feed
    source._forget_stdin()


def test_stdin_csv_and_hash(stdin) -> None:
    data = f"{HEADER}\nc1,2025-01-02,RU MoD,capture,s\n".encode()
    stdin(data)
    table = load_claims("-")
    assert table.accounting.used == 1 and table.accounting.file == "<stdin>"
    assert file_sha256("-") == hashlib.sha256(data).hexdigest()


def test_stdin_ndjson_and_json_are_sniffed(stdin) -> None:
    record = (
        '{"claim_id": "c1", "date": "2025-01-02", "actor": "RU", "kind": "capture", "source": "s"}'
    )
    stdin(f"{record}\n{record.replace('c1', 'c2')}\n".encode())
    assert load_claims("-").frame["claim_id"].to_list() == ["c1", "c2"]
    stdin(f"[{record}]".encode())
    assert load_claims("-").info.format == "json"


def test_stdin_feeds_one_table_only(stdin) -> None:
    stdin(f"{HEADER}\nc1,2025-01-02,RU MoD,capture,s\n".encode())
    load_claims("-")
    with pytest.raises(TimingInputError, match="can feed only one table"):
        load_events("-")


def test_file_sha256_of_stdin_before_reading(stdin) -> None:
    stdin(b"abc")
    assert file_sha256("-") == hashlib.sha256(b"abc").hexdigest()


# -- workbooks -----------------------------------------------------------------------------


def _workbook(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    claims = book.active
    claims.title = "Claims"
    claims.append(["claim_id", "date", "actor", "kind", "value", "source"])
    claims.append(["x1", dt.date(2025, 1, 2), "RU MoD", "capture", 12, "s"])
    claims.append(["x2", "2025-01-09", "RU MoD", "capture", 3.5, "s"])
    claims.append([None] * 6)  # a blank row: spreadsheet row 4
    claims.append([4, dt.datetime(2025, 1, 20, 14, 30), "RU MoD", "capture", None, "s"])
    claims.append(["x5", "20.01.2025", "RU MoD", "capture", None, "s"])
    events = book.create_sheet("Events")
    events.append(["event_id", "date", "kind", "parties", "title", "source"])
    events.append(["e1", dt.date(2025, 1, 10), "talks", "US-RU", "Talks", "s"])
    book.save(path)
    return path


def test_excel_dates_rows_and_sheets(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    table = load_claims(path, lenient=True)
    assert table.frame["date"].to_list() == [
        dt.date(2025, 1, 2),  # a date cell arrives as ISO text
        dt.date(2025, 1, 9),  # a date typed as text stays text, and is valid
        dt.date(2025, 1, 20),
    ]
    assert table.frame["claim_id"].to_list() == ["x1", "x2", "4"]
    assert table.frame["row"].to_list() == [2, 3, 5]  # spreadsheet rows, header = row 1
    rejected = {(p.row, p.column, p.value) for p in table.accounting.reasons}
    assert (6, "date", "20.01.2025") in rejected  # a non-ISO text date is not guessed at
    assert {p.row for p in table.accounting.reasons} == {4, 6}  # the blank row is counted
    assert table.info is not None and "first of 2 sheets, 'Claims'" in table.info.notes[0]
    events = load_events(path, sheet="Events")
    assert events.frame["date"].to_list() == [dt.date(2025, 1, 10)]
    assert load_events(path, sheet=2).accounting.used == 1
    with pytest.raises(
        TimingInputError, match="no sheet 'Notes'; the workbook has 'Claims', 'Events'"
    ):
        load_events(path, sheet="Notes")


def test_excel_table_starting_lower_keeps_spreadsheet_rows(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for column, name in enumerate(HEADER.split(","), start=2):  # the table starts at B3
        sheet.cell(row=3, column=column, value=name)
    for column, value in enumerate(["y1", "soon", "RU", "capture", "s"], start=2):
        sheet.cell(row=4, column=column, value=value)
    book.save(tmp_path / "b.xlsx")
    with pytest.raises(ValidationError) as info:
        load_claims(tmp_path / "b.xlsx")
    assert [(p.row, p.column) for p in info.value.problems] == [(4, "date")]


# -- messages ----------------------------------------------------------------------------------


def test_directory_empty_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(TimingInputError, match="is a directory, not a file"):
        load_claims(tmp_path)
    with pytest.raises(TimingInputError, match=r"the file is empty \(0 bytes\)"):
        load_claims(_write(tmp_path, "empty.csv", b""))
    with pytest.raises(TimingInputError, match="has a header but no data rows"):
        load_claims(_write(tmp_path, "h.csv", HEADER + "\r\n"))
    with pytest.raises(TimingInputError, match="holds no records"):
        load_claims(_write(tmp_path, "h.json", "[]"))


def test_more_fields_than_the_header(tmp_path: Path) -> None:
    text = f"{HEADER}\nc1,2025-01-02,RU,capture,s\nc2,2025-01-03,RU, MoD,capture,s\n"
    with pytest.raises(TimingInputError) as info:
        load_claims(_write(tmp_path, "c.csv", text))
    message = str(info.value)
    assert "line 3 has 6 fields where the header has 5" in message
    assert "is the separator ';' or a tab? pass --separator ';'" in message
    assert "Schema" not in message


def test_unclosed_quote(tmp_path: Path) -> None:
    text = f'{HEADER}\nc1,2025-01-02,"RU,capture,s\nc2,2025-01-03,RU,capture,s\n'
    with pytest.raises(
        TimingInputError, match="quote opened in the record on line 2 is never closed"
    ):
        load_claims(_write(tmp_path, "c.csv", text))


def test_unsupported_extension_lists_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(TimingInputError) as info:
        load_claims(_write(tmp_path, "c.docx", "x"))
    assert "unsupported file type '.docx'" in str(info.value)
    assert ".csv, .tsv, .txt, .parquet, .json" in str(info.value) and ".xlsx" in str(info.value)


def test_workbook_saved_as_csv(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    renamed = _write(tmp_path, "book.csv", path.read_bytes())
    with pytest.raises(TimingInputError, match=r"Excel workbook saved under a \.csv name"):
        load_claims(renamed)


def test_parquet_reads_needed_columns(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"claim_id": ["c1"], "date": [dt.date(2025, 1, 2)], "actor": ["RU"], "kind": ["capture"]}
    ).with_columns(source=pl.lit("s"), **{f"x{i}": pl.lit(i) for i in range(60)})
    frame.write_parquet(tmp_path / "c.parquet")
    table = load_claims(tmp_path / "c.parquet")
    assert table.frame["date"].to_list() == [dt.date(2025, 1, 2)]
    assert table.info is not None and len(table.info.not_loaded) == 60 - EXTRA_COLUMNS


# -- property: any table polars writes comes back, with the line each record starts on -------

cell_text = st.text(alphabet=st.sampled_from(list('ab ,;\t|"\n\u0436é')), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=6),
    sep=st.sampled_from([",", ";", "\t", "|"]),
    crlf=st.booleans(),
)
def test_written_tables_read_back_with_their_lines(rows, sep: str, crlf: bool) -> None:
    frame = pl.DataFrame(rows, schema=["a", "b", "c"], orient="row")
    text = frame.write_csv(separator=sep, line_terminator="\r\n" if crlf else "\n")
    raw = read_delimited(text.encode(), "f.csv", keep=None)
    assert raw.info.separator == sep
    assert raw.frame.rows() == [tuple(r) for r in rows]
    expected, line = [], 2
    for r in rows:
        expected.append(line)
        line += 1 + sum(cell.count("\n") for cell in r)
    assert raw.row_numbers().tolist() == expected
