"""Speed tables (geo.profiles.load_speed_table) never crash on bad files: they report rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from robustness import FAST, NASTY_CELLS, check_problems, cp1258_bytes, csv_bytes, outcome
from store_utils import account

from data.errors import InputError
from data.store import Store
from geo.profiles import DEFAULT_SPEED_TABLE, SPEED_COLUMNS, SURFACES, load_speed_table

HEADER = ["highway", "surface", *SPEED_COLUMNS]
DEFAULT_ROWS = pd.read_csv(DEFAULT_SPEED_TABLE, dtype=str, keep_default_na=False)[HEADER] \
    .values.tolist()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 's.sqlite'}")


def _check_accepted(table: pd.DataFrame) -> None:
    assert list(table.columns) == HEADER
    assert not table.duplicated(["highway", "surface"]).any()
    for col in SPEED_COLUMNS:
        assert table[col].between(0, 150).all()
    assert {("*", s) for s in SURFACES} <= set(zip(table.highway, table.surface, strict=True))


@FAST
@given(data=st.binary(max_size=3000))
def test_random_bytes_are_rejected_or_read(data: bytes) -> None:
    """Arbitrary bytes (empty ones too) give a valid table or an InputError, never a crash."""
    result = outcome(lambda: load_speed_table(data), max_row=data.count(b"\n") + 2)
    if not isinstance(result, InputError):
        _check_accepted(result)


@FAST
@given(rows=st.lists(st.lists(NASTY_CELLS, min_size=1, max_size=7), min_size=1, max_size=12))
def test_random_cells_under_the_right_header(rows: list[list[str]]) -> None:
    """Any cells under the expected header give a valid table or row-level problems."""
    data = csv_bytes([HEADER, *rows])
    result = outcome(lambda: load_speed_table(data), max_row=len(rows) + 1)
    if not isinstance(result, InputError):
        _check_accepted(result)


@FAST
@given(bad=st.dictionaries(st.tuples(st.integers(0, len(DEFAULT_ROWS) - 1),
                                     st.sampled_from(SPEED_COLUMNS)),
                           st.sampled_from(["=1+1", "fast", "-5", "151", "", "NaN", "1e400",
                                            '=HYPERLINK("http://x","y")']),
                           min_size=1, max_size=6))
def test_each_bad_speed_is_reported_at_its_row_and_column(bad: dict) -> None:
    """Corrupting speed cells of the default table yields one problem per corrupted cell."""
    rows = [list(r) for r in DEFAULT_ROWS]
    for (i, col), value in bad.items():
        rows[i][HEADER.index(col)] = value
    with pytest.raises(InputError) as err:
        load_speed_table(csv_bytes([HEADER, *rows]))
    check_problems(err.value, max_row=len(rows) + 1)
    reported = {(p.row, p.column) for p in err.value.problems}
    assert {(i + 2, col) for (i, col) in bad} <= reported


def test_windows_vietnamese_encoding_is_read() -> None:
    """A cp1258 (Windows Vietnamese) export of the table is read with its notes intact."""
    text = DEFAULT_SPEED_TABLE.read_text(encoding="utf-8")
    table = load_speed_table(cp1258_bytes(text))
    assert len(table) == len(DEFAULT_ROWS)
    assert "Windows-1258" in table.attrs["warnings"][0]


def test_duplicate_rows_name_both_rows() -> None:
    """A repeated (highway, surface) pair is reported with both row numbers."""
    rows = [*DEFAULT_ROWS, DEFAULT_ROWS[3]]
    with pytest.raises(InputError, match=r"duplicate of row 5") as err:
        load_speed_table(csv_bytes([HEADER, *rows]))
    assert [p.row for p in err.value.problems] == [len(rows) + 1]


def test_huge_file_is_rejected_row_by_row() -> None:
    """A 2 MB file (the table repeated 1,700 times) is read and every duplicate reported."""
    rows = DEFAULT_ROWS * 1700
    data = csv_bytes([HEADER, *rows])
    assert len(data) > 2_000_000
    with pytest.raises(InputError) as err:
        load_speed_table(data)
    assert len(err.value.problems) == len(rows) - len(DEFAULT_ROWS)
    check_problems(err.value, max_row=len(rows) + 1)


def test_rejected_speed_table_saves_nothing(store: Store) -> None:
    """A rejected file leaves the store empty; an accepted one is saved and reloads equal."""
    bad = csv_bytes([HEADER, ["*", "paved", "=1+1", "20", "4"]])
    with pytest.raises(InputError):
        store.import_and_save("speed_table", "speeds", lambda: load_speed_table(bad),
                              actor=account(store, "t"))
    assert store.list_objects(actor=account(store)) == []
    good = store.import_and_save("speed_table", "speeds", lambda: load_speed_table(None),
                                 actor=account(store, "t"))
    from data.store import table_from_stored
    pd.testing.assert_frame_equal(table_from_stored(good), load_speed_table(None))
