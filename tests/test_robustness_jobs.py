"""Job lists (routing.jobs_io.read_jobs) never crash on bad files: they report rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness import (
    FAST,
    NASTY_CELLS,
    check_problems,
    cp1258_bytes,
    csv_bytes,
    outcome,
    xlsx_bytes,
)
from store_utils import account

from data.commune_points import load_commune_points
from data.errors import InputError
from data.offices import default_offices
from data.settings import Settings
from data.store import Store
from routing.jobs_io import JOB_COLUMNS, jobs_to_table, read_jobs
from routing.model import Job

SETTINGS = Settings.from_env()
OFFICES = default_offices(SETTINGS)
OFFICE_IDS = OFFICES["office_id"].tolist()
SHOPS = OFFICES.loc[OFFICES["kind"] == "one_stop_shop", "office_id"].tolist()
POST = OFFICES.loc[OFFICES["kind"] == "post_office", "office_id"].tolist()
COMMUNES = load_commune_points(SETTINGS)
HEADER = list(JOB_COLUMNS)


def _row(**cells: object) -> list[str]:
    return [str(cells.get(c, "")) for c in HEADER]


def real_rows() -> list[list[str]]:
    """Ten valid jobs at real commune points and real offices of the bundled registry."""
    rows = []
    for i, c in enumerate(COMMUNES.head(10).itertuples()):
        kind = ("dossier_pickup", "result_delivery", "delivery", "pickup",
                "counter_transfer")[i % 5]
        cells: dict[str, object] = {"job_id": f"J{i + 1}", "kind": kind, "amount": 1 + i % 3,
                                    "priority": 1 + i % 3, "label": f"Hộ dân {c.name}"}
        if kind == "counter_transfer":
            cells |= {"office_id": POST[0], "to_office_id": SHOPS[0]}
        elif i in (1, 7):  # by commune name (slow look-up: keep to two rows)
            cells |= {"commune": c.name}
        else:
            cells |= {"lat": round(c.point_lat, 6), "lon": round(c.point_lon, 6)}
        if kind in ("dossier_pickup", "result_delivery"):
            cells["office_id"] = SHOPS[i % len(SHOPS)]
        if i % 3 == 0:
            cells["windows"] = "08:00-11:00"
        rows.append(_row(**cells))
    return rows


REAL_ROWS = real_rows()


def read(data: bytes, fmt: str = "csv") -> list[Job]:
    return read_jobs(data, settings=SETTINGS, office_ids=OFFICE_IDS, filename=f"jobs.{fmt}")


def _check_accepted(jobs: list[Job]) -> None:
    ids = [j.job_id for j in jobs]
    assert len(ids) == len(set(ids))
    for j in jobs:
        assert j.priority in (1, 2, 3) and j.amount >= 1
        for _, v in j.visits:
            assert v.office_id in OFFICE_IDS or (v.lon is not None and v.lat is not None)
            assert all(w[0] < w[1] for w in v.windows)


def test_real_job_list_reads_and_round_trips() -> None:
    """The ten real-place jobs are accepted and survive jobs_to_table → CSV → read."""
    jobs = read(csv_bytes([HEADER, *REAL_ROWS]))
    assert [j.job_id for j in jobs] == [f"J{i}" for i in range(1, 11)]
    table = jobs_to_table(jobs)
    again = read(table.to_csv(index=False).encode("utf-8"))
    assert again == jobs


@FAST
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(["csv", "xlsx"]))
def test_random_bytes_are_rejected_or_read(data: bytes, fmt: str) -> None:
    """Arbitrary bytes as .csv or .xlsx give jobs or an InputError, never a crash."""
    result = outcome(lambda: read(data, fmt), max_row=data.count(b"\n") + 2)
    if not isinstance(result, InputError):
        _check_accepted(result)


def _not_huge(text: str) -> bool:
    """Leave out numbers too large for int() (a known bug has its own test below)."""
    try:
        return abs(float(text)) < 1e15
    except (ValueError, OverflowError):
        return True
    except TypeError:
        return True


FINITE_CELLS = NASTY_CELLS.filter(lambda s: "inf" not in s.lower() and _not_huge(s))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.lists(FINITE_CELLS, min_size=0, max_size=len(HEADER)), max_size=5),
       fmt=st.sampled_from(["csv", "xlsx"]))
def test_random_cells_under_the_right_header(rows: list[list[str]], fmt: str) -> None:
    """Any finite-looking cells (formulas, blanks, Vietnamese…) give jobs or row problems."""
    data = csv_bytes([HEADER, *rows]) if fmt == "csv" else xlsx_bytes([HEADER, *rows])
    result = outcome(lambda: read(data, fmt), max_row=len(rows) + 1)
    if not isinstance(result, InputError):
        _check_accepted(result)


BAD_VALUES = {
    "lat": ["abc", "=1+1", "91", "1.4.3", "1e308"],
    "kind": ["giao hàng", "", "transfer", '=HYPERLINK("http://example.invalid","x")'],
    "amount": ["0", "-2", "two", "1.5.0"],
    "priority": ["4", "0", "cao", "-1"],
    "windows": ["11:00-08:00", "8h-11h", "25:00-26:00", "08:00"],
    "service_min": ["-5", "mười", "1e308"],
    "due_date": ["31/02/2026", "tomorrow", "2026-13-01"],
    "job_id": [""],
}


@settings(max_examples=40, deadline=None)
@given(bad=st.dictionaries(
    st.tuples(st.integers(0, len(REAL_ROWS) - 1), st.sampled_from(sorted(BAD_VALUES))),
    st.integers(0, 3), min_size=1, max_size=5),
    fmt=st.sampled_from(["csv", "xlsx"]))
def test_each_bad_cell_is_reported_at_its_row(bad: dict, fmt: str) -> None:
    """Corrupting cells of the real job list reports every corrupted row."""
    rows = [list(r) for r in REAL_ROWS]
    for (i, col), pick in bad.items():
        choices = BAD_VALUES[col]
        if col == "lat" and not rows[i][HEADER.index("lat")]:
            rows[i][HEADER.index("lon")] = "108.0"  # give the commune row a position to break
        rows[i][HEADER.index(col)] = choices[pick % len(choices)]
    data = csv_bytes([HEADER, *rows]) if fmt == "csv" else xlsx_bytes([HEADER, *rows])
    with pytest.raises(InputError) as err:
        read(data, fmt)
    check_problems(err.value, max_row=len(rows) + 1)
    assert {i + 2 for (i, _) in bad} <= {p.row for p in err.value.problems}


@pytest.mark.parametrize("column", ["amount", "priority", "service_min"])
def test_infinite_numbers_are_reported(column: str) -> None:
    """'inf' in a number column is a row-level problem, not an OverflowError."""
    rows = [list(r) for r in REAL_ROWS[:2]]
    rows[1][HEADER.index(column)] = "inf"
    with pytest.raises(InputError) as err:
        read(csv_bytes([HEADER, *rows]))
    assert [(p.row, p.column) for p in err.value.problems] == [(3, column)]


def test_windows_vietnamese_encoding_is_read() -> None:
    """A cp1258 file (Excel on Vietnamese Windows) is read as such: communes and labels intact."""
    text = csv_bytes([HEADER, *REAL_ROWS]).decode("utf-8")
    jobs = read(cp1258_bytes(text))
    assert [j.job_id for j in jobs] == [f"J{i}" for i in range(1, 11)]
    labels = [v.label for j in jobs for _, v in j.visits if v.office_id is None]
    assert len(labels) == 8 and all(label.startswith("Hộ dân Phường ") for label in labels)


@pytest.mark.parametrize("rows", [[], [HEADER]], ids=["empty sheet", "header only"])
def test_empty_sheet_and_header_only(rows: list[list[str]]) -> None:
    """An empty sheet and a header with no rows are both refused, as for every table."""
    result = outcome(lambda: read(xlsx_bytes(rows, sheets=2), "xlsx"), max_row=1)
    assert isinstance(result, InputError)
    assert ("no job rows" if rows else "file is empty") in str(result)


def test_duplicate_job_ids_name_both_rows() -> None:
    """A repeated job_id is reported at the repeat with the first row's number."""
    rows = [*REAL_ROWS, REAL_ROWS[2]]
    with pytest.raises(InputError, match="job_id is already used on row 4") as err:
        read(csv_bytes([HEADER, *rows]))
    assert [p.row for p in err.value.problems] == [len(rows) + 1]


def test_xlsx_formula_cells_are_reported() -> None:
    """Formula cells (no cached value) in lat and kind are reported at their rows."""
    rows = [list(r) for r in REAL_ROWS[:3]]
    rows[0][HEADER.index("lat")] = "=14+0.35"
    rows[2][HEADER.index("kind")] = '=HYPERLINK("http://example.invalid","delivery")'
    with pytest.raises(InputError) as err:
        read(xlsx_bytes([HEADER, *rows]), "xlsx")
    assert {p.row for p in err.value.problems} == {2, 4}


def test_huge_file_reports_every_duplicate() -> None:
    """A 10,000-row job list (positioned jobs repeated) reports each repeat, no crash."""
    positioned = [r for r in REAL_ROWS if not r[HEADER.index("commune")]]
    rows = positioned * (10_000 // len(positioned))
    with pytest.raises(InputError) as err:
        read(csv_bytes([HEADER, *rows]))
    assert len(err.value.problems) == len(rows) - len(positioned)
    check_problems(err.value, max_row=len(rows) + 1)


def test_rejected_job_file_saves_nothing(tmp_path: Path) -> None:
    """A rejected job list leaves the store empty; an accepted one is saved with its rows."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    bad = csv_bytes([HEADER, *REAL_ROWS, REAL_ROWS[0]])
    with pytest.raises(InputError):
        store.import_and_save("job_list", "jobs 23/11",
                              lambda: jobs_to_table(read(bad)), actor=account(store, "t"))
    assert store.list_objects(actor=account(store)) == []
    saved = store.import_and_save("job_list", "jobs 23/11", lambda: jobs_to_table(
        read(csv_bytes([HEADER, *REAL_ROWS]))), actor=account(store, "t"))
    assert saved.meta["rows"] == 10
    from data.store import table_from_stored

    back = table_from_stored(store.get(saved.id, actor=account(store)))
    assert isinstance(back, pd.DataFrame) and back["job_id"].tolist()[:2] == ["J1", "J2"]
    store.close()
