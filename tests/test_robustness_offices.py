"""Office registries (data.offices.read_offices) never crash on bad files: they report rows."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from robustness import FAST, NASTY_CELLS, check_problems, csv_bytes, outcome, xlsx_bytes
from store_utils import account

from data.errors import InputError
from data.offices import (
    OFFICE_COLUMNS,
    OFFICE_KINDS,
    default_offices,
    offices_to_bytes,
    read_offices,
)
from data.settings import Settings
from data.store import Store

SETTINGS = Settings.from_env()


def _rows() -> list[list[str]]:
    frame = pd.DataFrame(default_offices(SETTINGS)).drop(columns="geometry")
    return frame[list(OFFICE_COLUMNS)].astype(str).replace({"None": ""}).values.tolist()


REAL_ROWS = _rows()
HEADER = list(OFFICE_COLUMNS)


def _check_accepted(table: pd.DataFrame) -> None:
    assert len(table) > 0
    assert table["office_id"].is_unique
    assert set(table["kind"]) <= set(OFFICE_KINDS)
    assert table["lat"].between(13.9, 15.5).all() and table["lon"].between(107.3, 108.6).all()


@FAST
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes_are_rejected_or_read(data: bytes, suffix: str) -> None:
    """Arbitrary bytes as .csv or .xlsx give offices or an InputError, never a crash."""
    result = outcome(lambda: read_offices(data, settings=SETTINGS, filename=f"o{suffix}"),
                     max_row=data.count(b"\n") + 2)
    if not isinstance(result, InputError):
        _check_accepted(result)


@FAST
@given(rows=st.lists(st.lists(NASTY_CELLS, min_size=0, max_size=10), min_size=0, max_size=8),
       fmt=st.sampled_from(["csv", "xlsx"]))
def test_random_cells_under_the_right_header(rows: list[list[str]], fmt: str) -> None:
    """Any cells (formulas, blanks, control characters…) under the header: offices or rows."""
    data = csv_bytes([HEADER, *rows]) if fmt == "csv" else xlsx_bytes([HEADER, *rows])
    result = outcome(lambda: read_offices(data, settings=SETTINGS, filename=f"o.{fmt}"),
                     max_row=len(rows) + 1)
    if not isinstance(result, InputError):
        _check_accepted(result)


@FAST
@given(bad=st.dictionaries(
    st.tuples(st.integers(0, len(REAL_ROWS) - 1), st.sampled_from(["lat", "lon", "kind"])),
    st.sampled_from(["=1+1", '=HYPERLINK("http://example.invalid","x")', "abc", "", "1e400",
                     "999", "nan"]),
    min_size=1, max_size=5),
    fmt=st.sampled_from(["csv", "xlsx"]))
def test_each_bad_cell_is_reported_at_its_row(bad: dict, fmt: str) -> None:
    """Corrupting lat/lon/kind cells of the real registry reports every corrupted row."""
    rows = [list(r) for r in REAL_ROWS]
    for (i, col), value in bad.items():
        rows[i][HEADER.index(col)] = value
    data = csv_bytes([HEADER, *rows]) if fmt == "csv" else xlsx_bytes([HEADER, *rows])
    with pytest.raises(InputError) as err:
        read_offices(data, settings=SETTINGS, filename=f"o.{fmt}")
    check_problems(err.value, max_row=len(rows) + 1)
    assert {i + 2 for (i, _) in bad} <= {p.row for p in err.value.problems}


def test_real_registry_round_trips_through_csv_and_xlsx() -> None:
    """The bundled registry written as CSV and XLSX reads back as the same offices."""
    offices = default_offices(SETTINGS)
    for fmt in ("csv", "xlsx"):
        back = read_offices(offices_to_bytes(offices, fmt), settings=SETTINGS,
                            filename=f"o.{fmt}")
        assert back["office_id"].tolist() == offices["office_id"].tolist()
        assert back["name"].tolist() == offices["name"].tolist()


def test_windows_vietnamese_encoding_is_read_and_named() -> None:
    """A cp1258 (Excel 'CSV' on Vietnamese Windows) file is read, and the encoding named."""
    data = csv_bytes([HEADER, *REAL_ROWS], encoding="cp1258")
    got = read_offices(data, settings=SETTINGS, filename="o.csv")
    assert got["office_id"].tolist() == [r[0] for r in REAL_ROWS]
    assert "Windows-1258" in got.attrs["warnings"][0]


@pytest.mark.parametrize("rows", [[], [HEADER]], ids=["no rows", "header only"])
def test_empty_sheet_and_header_only_are_rejected(rows: list[list[str]]) -> None:
    """An empty first sheet, or a header with no offices, is an InputError, not a crash."""
    with pytest.raises(InputError, match=r"no office rows|file is empty"):
        read_offices(xlsx_bytes(rows, sheets=2), settings=SETTINGS, filename="o.xlsx")


def test_duplicate_ids_name_both_rows() -> None:
    """A repeated office_id is reported at the repeat with the first row's number."""
    rows = [*REAL_ROWS, REAL_ROWS[4]]
    with pytest.raises(InputError, match=r"office_id is already used on row 6") as err:
        read_offices(csv_bytes([HEADER, *rows]), settings=SETTINGS, filename="o.csv")
    assert [p.row for p in err.value.problems] == [len(rows) + 1]


def test_huge_file_reports_every_duplicate() -> None:
    """A 30,000-row file (the registry repeated) is read and each repeat reported."""
    rows = REAL_ROWS * (30_000 // len(REAL_ROWS))
    with pytest.raises(InputError) as err:
        read_offices(csv_bytes([HEADER, *rows]), settings=SETTINGS, filename="o.csv")
    assert len(err.value.problems) == len(rows) - len(REAL_ROWS)
    check_problems(err.value, max_row=len(rows) + 1)


def test_xlsx_formula_cells_are_not_taken_as_values() -> None:
    """Formula cells (no cached value) in lat or name are reported at their rows."""
    rows = [list(r) for r in REAL_ROWS[:3]]
    rows[0][HEADER.index("lat")] = "=1+14"
    rows[2][HEADER.index("name")] = '=HYPERLINK("http://example.invalid","Bưu điện")'
    with pytest.raises(InputError) as err:
        read_offices(xlsx_bytes([HEADER, *rows]), settings=SETTINGS, filename="o.xlsx")
    assert {(p.row, p.column) for p in err.value.problems} == {(2, "lat"), (4, "name")}


def test_formula_text_is_never_exported_as_a_live_formula() -> None:
    """A name that looks like a formula is rejected, or exported to XLSX as plain text."""
    rows = [list(r) for r in REAL_ROWS[:2]]
    rows[1][HEADER.index("name")] = '=HYPERLINK("http://example.invalid","x")'
    try:
        offices = read_offices(csv_bytes([HEADER, *rows]), settings=SETTINGS,
                               filename="o.csv")
    except InputError as exc:
        assert any(p.row == 3 for p in exc.problems)
        return
    sheet = openpyxl.load_workbook(io.BytesIO(offices_to_bytes(offices, "xlsx"))).active
    assert sheet is not None
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_rejected_office_file_saves_nothing(tmp_path: Path) -> None:
    """A rejected registry leaves the store empty; an accepted one is saved as a version."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    bad = csv_bytes([HEADER, *REAL_ROWS, REAL_ROWS[0]])
    with pytest.raises(InputError):
        store.import_and_save("office_registry", "offices", lambda: read_offices(
            bad, settings=SETTINGS, filename="o.csv"), actor=account(store, "t"))
    assert store.list_objects(actor=account(store)) == []
    good = csv_bytes([HEADER, *REAL_ROWS])
    saved = store.import_and_save("office_registry", "offices", lambda: read_offices(
        good, settings=SETTINGS, filename="o.csv"), actor=account(store, "t"))
    assert saved.meta["rows"] == len(REAL_ROWS)
    store.close()
