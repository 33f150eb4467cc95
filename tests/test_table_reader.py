"""Tests of the one tabular reader (data.table_reader) and the schema check (data.table_schema)."""

from __future__ import annotations

import pytest

from data.errors import InputError
from data.table_reader import decode_text, header_key, parse_number, read_raw, sniff_delimiter
from data.table_schema import Column, TableSchema, read_table

SCHEMA = TableSchema("t", "mục", "item", (
    Column("id", required=True, blank=False, unique=True),
    Column("lat", "number", required=True, min=-90, max=90, headers=("vi_do",)),
    Column("n", "integer", min=1, max=3, default=1),
    Column("kind", "choice", choices={"bưu cục": "post_office", "post_office": "post_office"}),
    Column("road", "choice", choices={"trunk": "trunk"}, unknown="warn"),
))


@pytest.mark.parametrize(("text", "value"), [
    ("14.3545", 14.3545), ("14,3545", 14.3545), ("1.234,5", 1234.5), ("1,234.5", 1234.5),
    ("-0,5", -0.5), ("1 234,5", 1234.5), ("2e3", 2000.0), (" 7 ", 7.0), (".5", 0.5),
])
def test_parse_number_reads_dots_and_decimal_commas(text: str, value: float) -> None:
    """Decimal dot or comma, grouping separators, exponents: one consistent rule."""
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1,2,3", "abc", "inf", "nan", "1e400", "", "0x1F", "1.2.3"])
def test_parse_number_refuses_what_is_not_a_finite_number(text: str) -> None:
    """Ambiguous, infinite, overflowing or garbled text is refused (ValueError)."""
    with pytest.raises(ValueError):
        parse_number(text)


def test_header_key_ignores_case_accents_and_spacing() -> None:
    """'LAT', 'Vĩ độ' and 'office id' compare as lat, vi_do and office_id."""
    assert [header_key(h) for h in ("LAT", " Vĩ độ ", "office id", "\ufeffOffice-ID", "*")] == [
        "lat", "vi_do", "office_id", "office_id", "*"]


def test_sniff_delimiter_picks_the_header_separator() -> None:
    """A ';' header with decimal commas in the rows is ';'; a plain CSV is ','."""
    assert sniff_delimiter("a;b;c\n1,5;2,5;3\n") == ";"
    assert sniff_delimiter("a,b\n1;2\n") == ","
    assert sniff_delimiter("a\tb\n") == "\t"
    assert sniff_delimiter("only\n") == ","


@pytest.mark.parametrize(("data", "name"), [
    ("a,ê\n".encode(), "UTF-8"), ("a,ê\n".encode("utf-8-sig"), "UTF-8 BOM"),
    ("a,ê\n".encode("utf-16"), "UTF-16"), ("a,ư\n".encode("cp1258"), "Windows-1258"),
])
def test_decode_text_names_the_encoding(data: bytes, name: str) -> None:
    """The encoding found is named (it goes into every message about the file)."""
    text, found = decode_text(data, "f.csv")
    assert found == name and text.startswith("a,")


def test_legacy_fonts_are_recognised_with_the_fix() -> None:
    """TCVN3 and VNI text is refused naming the font encoding and the Unikey converter."""
    with pytest.raises(InputError, match=r"legacy TCVN3.*Unikey"):
        decode_text(b"name\nB\xadu \xaei\xd6n\n", "f.csv")
    with pytest.raises(InputError, match="legacy VNI"):
        decode_text("name\nBöu ñieän Vieät Nam\n".encode("cp1252"), "f.csv")


def test_rows_keep_spreadsheet_numbers_across_blank_rows() -> None:
    """A blank row is skipped but the next row keeps the number a spreadsheet shows."""
    raw = read_raw(b"id,lat\n1,2\n\n3,4\n", filename="f.csv")
    assert [n for n, _ in raw.rows] == [2, 4]
    assert raw.describe() == "f.csv (CSV, UTF-8, ',')"


def test_duplicate_headers_are_refused_not_silently_merged() -> None:
    """'lat' and 'LAT' (or 'Vĩ độ') name one column: refused, naming both positions."""
    t = read_table(b"id,lat,LAT\nA,14.3,99\n", SCHEMA, filename="f.csv")
    assert not t.header_ok
    assert [(p.row, p.column) for p in t.problems] == [(1, "lat")]
    assert "columns 'lat' (column 2) and 'LAT' (column 3)" in t.problems[0].message
    t = read_table("id,lat,Vĩ độ\nA,14.3,99\n".encode(), SCHEMA, filename="f.csv")
    assert not t.header_ok


def test_schema_checks_every_cell_and_collects_all() -> None:
    """Ranges, whole numbers, choices (accent-free), uniqueness: all problems at once."""
    t = read_table("id;lat;n;kind;road\nA;14,5;2;Bưu Cục;TRUNK\nA;1e308;2,5;bank;trunkk\n"
                   .encode(), SCHEMA, filename="f.csv")
    assert [(p.row, p.column) for p in t.problems] == [(3, "id"), (3, "lat"), (3, "n"),
                                                       (3, "kind")]
    assert t.frame.loc[2].tolist() == ["A", 14.5, 2, "post_office", "trunk"]
    assert [(w.row, w.column) for w in t.warnings] == [(3, "road")]
    msgs = [p.message for p in t.problems]
    assert msgs[1] == "lat must be from -90 to 90"
    assert msgs[2] == "n must be a whole number"
    assert all(p.message_vi for p in t.problems)


def test_unknown_columns_are_warnings() -> None:
    """A column the schema does not know is reported, and the table still reads."""
    t = read_table(b"id,lat,STT\nA,1,1\n", SCHEMA, filename="f.csv")
    assert not t.problems
    assert [w.column for w in t.warnings] == ["STT"]


def test_too_many_rows_is_refused_at_the_first_row_past_the_limit() -> None:
    """A file past its row limit is refused naming the limit and how to raise it."""
    from data.table_reader import ReadLimits

    with pytest.raises(InputError, match=r"more than 3 rows \(about 5 lines\); at most 3 "
                                         r"are read; fix: split it"):
        read_raw(b"a\n1\n2\n3\n4\n", filename="f.csv", limits=ReadLimits(max_rows=3))
    assert len(read_raw(b"a\n1\n2\n3\n", filename="f.csv",
                        limits=ReadLimits(max_rows=3)).rows) == 3  # exactly the limit


def test_a_long_workbook_is_refused_without_reading_it_all(tmp_path) -> None:
    """XLSX: reading stops one row past the limit; the sheet's own row count is named."""
    import openpyxl

    from data.table_reader import ReadLimits

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["job_id", "lat"])
    for i in range(500):
        sheet.append([f"J{i}", 14.3])
    path = tmp_path / "jobs.xlsx"
    book.save(path)
    with pytest.raises(InputError, match=r"more than 10 rows \(the sheet declares 501\)"):
        read_raw(path, limits=ReadLimits(max_rows=10))


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path) -> None:
    """The size limit names the file's size and the limit, before anything is parsed."""
    from data.table_reader import ReadLimits

    path = tmp_path / "big.csv"
    path.write_bytes(b"a\n" + b"x" * 3000 + b"\n")
    with pytest.raises(InputError, match=r"the file is 0\.0 MB, larger than the 0\.0 MB "
                                         r"limit; fix: split it or raise POSTPLAN_MAX_FILE_MB"):
        read_raw(path, limits=ReadLimits(max_bytes=1000))
