"""Road closures (geo.closures.read_closures) never crash on bad files: they report rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from robustness import FAST, NASTY_CELLS, check_problems, cp1258_bytes, csv_bytes, outcome
from store_utils import account

from data.commune_points import load_commune_points
from data.errors import InputError
from data.settings import Settings
from data.store import Store, table_from_stored
from geo.closures import Closure, closures_to_frame, read_closures

SETTINGS = Settings.from_env()
HEADER = ["closure_id", "valid_from", "valid_to", "reason", "source", "edges", "wkt", "lat",
          "lon", "radius_m"]


def example_rows() -> list[list[str]]:
    """Eight example closures (test data, not real events) at real commune points."""
    communes = load_commune_points(SETTINGS).head(8)
    rows = []
    for i, c in enumerate(communes.itertuples()):
        cells = {"closure_id": f"CL{i + 1}", "valid_from": "2026-11-20",
                 "valid_to": "" if i % 3 == 0 else "30/11/2026",
                 "reason": f"ví dụ kiểm thử: sạt lở gần {c.name}", "source": "user"}
        if i % 3 == 0:
            cells["edges"] = f"{100 + i}>{200 + i};{300 + i}>{400 + i}>0"
        elif i % 3 == 1:
            x, y = c.point_lon, c.point_lat
            cells["wkt"] = (f"POLYGON (({x} {y}, {x + 0.01} {y}, {x + 0.01} {y + 0.01}, "
                            f"{x} {y}))")
        else:
            cells |= {"lat": f"{c.point_lat:.6f}", "lon": f"{c.point_lon:.6f}",
                      "radius_m": "250"}
        rows.append([cells.get(h, "") for h in HEADER])
    return rows


ROWS = example_rows()


def read(data: bytes) -> list[Closure]:
    return read_closures(data, filename="closures.csv")


def _check_accepted(closures: list[Closure]) -> None:
    for c in closures:
        assert c.reason.strip()
        assert c.valid_to is None or c.valid_to >= c.valid_from
        assert c.edges or c.area is not None


def test_example_closures_read_and_round_trip() -> None:
    """The eight example closures are accepted and survive closures_to_frame → CSV → read."""
    closures = read(csv_bytes([HEADER, *ROWS]))
    assert [c.closure_id for c in closures] == [f"CL{i}" for i in range(1, 9)]
    again = read(closures_to_frame(closures).to_csv(index=False).encode("utf-8"))
    assert [(c.closure_id, c.valid_from, c.valid_to, c.edges) for c in again] == \
        [(c.closure_id, c.valid_from, c.valid_to, c.edges) for c in closures]


@FAST
@given(data=st.binary(max_size=3000))
def test_random_bytes_are_rejected_or_read(data: bytes) -> None:
    """Arbitrary bytes give closures or an InputError, never another exception."""
    result = outcome(lambda: read(data), max_row=data.count(b"\n") + 2)
    if not isinstance(result, InputError):
        _check_accepted(result)


@pytest.mark.parametrize("data", [b"", b"\n", b"\r\n\r\n"], ids=["empty", "newline", "blank"])
def test_empty_file_is_an_input_error(data: bytes) -> None:
    """An empty closure file is rejected with a message."""
    with pytest.raises(InputError):
        read(data)


@FAST
@given(rows=st.lists(st.lists(NASTY_CELLS, min_size=0, max_size=len(HEADER)), min_size=1,
                     max_size=8))
def test_random_cells_under_the_right_header(rows: list[list[str]]) -> None:
    """Any cells (formulas, blanks, odd dates, huge radii…) give closures or row problems."""
    data = csv_bytes([HEADER, *rows])
    result = outcome(lambda: read(data), max_row=len(rows) + 1)
    if not isinstance(result, InputError):
        _check_accepted(result)


BAD = {
    "valid_from": ["", "mai", "31/02/2026", "=TODAY()"],
    "valid_to": ["2026-01-01", "sau Tết"],  # the first ends before valid_from
    "reason": ["", "   "],
    "edges": ["1>", ">2", "a>b>c>d"],
}


@FAST
@given(bad=st.dictionaries(st.tuples(st.integers(0, len(ROWS) - 1), st.sampled_from(sorted(BAD))),
                           st.integers(0, 3), min_size=1, max_size=4))
def test_each_bad_cell_is_reported_at_its_row(bad: dict) -> None:
    """Corrupting dates, reasons or edge ids of the examples reports every corrupted row."""
    rows = [list(r) for r in ROWS]
    for (i, col), pick in bad.items():
        rows[i][HEADER.index(col)] = BAD[col][pick % len(BAD[col])]
        if col == "edges":
            rows[i][HEADER.index("wkt")] = rows[i][HEADER.index("lat")] = ""
    with pytest.raises(InputError) as err:
        read(csv_bytes([HEADER, *rows]))
    check_problems(err.value, max_row=len(rows) + 1)
    assert {i + 2 for (i, _) in bad} <= {p.row for p in err.value.problems}


def test_windows_vietnamese_encoding_is_read() -> None:
    """A cp1258 export of the closures (Vietnamese reasons) is read with its accents."""
    closures = read(cp1258_bytes(csv_bytes([HEADER, *ROWS]).decode("utf-8")))
    assert [c.reason for c in closures] == [r[HEADER.index("reason")] for r in ROWS]


def test_duplicate_closure_ids_are_reported() -> None:
    """A repeated closure_id is reported at the repeat (ids name closures on the map)."""
    rows = [*ROWS, ROWS[1]]
    result = outcome(lambda: read(csv_bytes([HEADER, *rows])), max_row=len(rows) + 1)
    assert isinstance(result, InputError)
    assert [p.row for p in result.problems] == [len(rows) + 1]


def test_huge_file_is_read() -> None:
    """A 20,000-row closure file (edge and polygon examples repeated) is read."""
    # Circle rows are left out: each takes ~17 ms (two pyproj Transformers per row).
    base = [r for r in ROWS if not r[HEADER.index("lat")]]
    rows = [[f"CL{n}", *r[1:]] for n, r in enumerate(base * 4000)]
    result = read(csv_bytes([HEADER, *rows]))
    assert len(result) == len(rows)


def test_rejected_closure_file_saves_nothing(tmp_path: Path) -> None:
    """A rejected closure file leaves the store empty; an accepted one is saved and reloads."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    rows = [list(r) for r in ROWS]
    rows[3][HEADER.index("reason")] = ""
    bad = csv_bytes([HEADER, *rows])
    with pytest.raises(InputError, match="say why the road is closed"):
        store.import_and_save("closure_set", "closures", lambda: closures_to_frame(read(bad)),
                              actor=account(store, "t"))
    assert store.list_objects(actor=account(store)) == []
    saved = store.import_and_save("closure_set", "closures", lambda: closures_to_frame(
        read(csv_bytes([HEADER, *ROWS]))), actor=account(store, "t"))
    back = table_from_stored(store.get(saved.id, actor=account(store)))
    assert read(back.to_csv(index=False).encode("utf-8"))[0].closure_id == "CL1"
    store.close()
