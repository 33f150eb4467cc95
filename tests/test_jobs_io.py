"""Tests of the jobs import (routing.jobs_io) on small real-looking files."""

from __future__ import annotations

import io

import pytest

from data.errors import InputError
from routing.jobs_io import jobs_to_table, read_jobs

OFFICES = ["po-23293", "oss-23281", "oss-23356"]

GOOD = (
    "job_id,kind,lat,lon,commune,office_id,to_office_id,windows,service_min,amount,priority,"
    "due_date,label\n"
) + """R1,result_delivery,14.3601,108.0012,,oss-23281,,08:00-11:00,,1,2,2026-11-25,12 Lê Lợi
D1,dossier_pickup,,,Dak Choong,oss-23356,,,15,,,,
T1,counter_transfer,,,,po-23293,oss-23281,,,3,,,
V1,delivery,14.35,108.0,,,,13:30-16:00,,,,,
"""


def test_good_file_reads_every_kind(settings):
    """A clean CSV gives one job per row, with windows, service time and commune placement."""
    jobs = read_jobs(GOOD.encode(), settings=settings, office_ids=OFFICES, filename="jobs.csv")
    by = {j.job_id: j for j in jobs}
    assert [j.kind for j in jobs] == ["result_delivery", "dossier_pickup", "counter_transfer",
                                      "delivery"]
    r1 = by["R1"]
    assert r1.pickup.office_id == "oss-23281"
    assert (r1.delivery.lat, r1.delivery.lon) == (14.3601, 108.0012)
    assert r1.delivery.windows == ((8 * 3600, 11 * 3600),)
    assert r1.priority == 2 and r1.due_date == "2026-11-25"
    d1 = by["D1"]
    # placed at the commune point of Xã Đăk Choong and marked approximate
    assert d1.pickup.approximate and (d1.pickup.lon, d1.pickup.lat) == (107.834692, 15.17147)
    assert d1.pickup.service_s == 900 and d1.pickup.label == "Xã Đăk Choong"
    assert by["T1"].amount == 3 and by["T1"].delivery.office_id == "oss-23281"
    assert by["V1"].pickup is None


def test_every_row_problem_reported_at_once(settings):
    """Errors in several rows and columns come back together, each with row, column, value."""
    bad = (
        "job_id,kind,lat,lon,commune,office_id,windows,priority,amount,due_date\n"
        "A,result_delivery,14.36,108.0,,nowhere,,,,\n"          # row 2: unknown office
        "A,dossier_pickup,,,Atlantis,oss-23281,,,,\n"           # row 3: repeated id, commune
        "B,teleport,14.36,108.0,,,9-5,5,0,25/11/2026\n"          # row 4: five problems
        "C,delivery,108.0,14.36,,,,,,\n"                         # row 5: swapped lat/lon
    )
    with pytest.raises(InputError, match="problem") as err:
        read_jobs(bad.encode(), settings=settings, office_ids=OFFICES, filename="bad.csv")
    where = {(p.row, p.column) for p in err.value.problems}
    assert {(2, "office_id"), (3, "job_id"), (3, "commune"), (4, "kind"), (4, "windows"),
            (4, "priority"), (4, "amount"), (5, "lat")} <= where
    texts = " ".join(str(p) for p in err.value.problems)
    assert "swapped" in texts and "bad.csv" in texts and "'Atlantis'" in texts


def test_missing_required_column(settings):
    """A file without a kind column is refused naming the column."""
    with pytest.raises(InputError, match="required column kind is missing"):
        read_jobs(b"job_id,lat\nA,14\n", settings=settings, office_ids=OFFICES,
                  filename="x.csv")


def test_xlsx_round_trip(settings):
    """Jobs written as a table to .xlsx read back as the same jobs."""
    jobs = read_jobs(GOOD.encode(), settings=settings, office_ids=OFFICES, filename="jobs.csv")
    table = jobs_to_table(jobs)
    buf = io.BytesIO()
    table.to_excel(buf, index=False)
    again = read_jobs(buf.getvalue(), settings=settings, office_ids=OFFICES,
                      filename="jobs.xlsx")
    assert [(j.job_id, j.kind, j.amount, j.priority) for j in again] == [
        (j.job_id, j.kind, j.amount, j.priority) for j in jobs]
    assert again[0].delivery.windows == jobs[0].delivery.windows
    assert again[1].pickup.lon == pytest.approx(jobs[1].pickup.lon)
    assert again[1].pickup.approximate and not again[0].delivery.approximate


def test_infinite_numbers_are_row_problems(settings):
    """'inf', 'nan' and overflowing numbers are reported per cell, not raised as crashes."""
    bad = ("job_id,kind,lat,lon,amount,priority,service_min\n"
           "A,delivery,14.36,108.0,inf,1e400,nan\n"
           "B,delivery,nan,108.0,,,\n")
    with pytest.raises(InputError) as err:
        read_jobs(bad.encode(), settings=settings, office_ids=OFFICES, filename="inf.csv")
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(2, "amount"), (2, "priority"), (2, "service_min"), (3, "lat")}


def test_jobs_imported_by_commune_name_land_inside_the_commune(settings):
    """Ia Dom, Ia Đal and Ia Tơi (one shared geocoded point) each land inside their commune."""
    import shapely

    from data.layers import load_communes

    text = ("job_id,kind,commune,office_id\n"
            "A,result_delivery,Ia Dom,oss-23281\nB,result_delivery,ia dal,oss-23281\n"
            "C,result_delivery,Xã Ia Tơi,oss-23281\n")
    jobs = read_jobs(text.encode(), settings=settings, office_ids=OFFICES, filename="j.csv")
    polys = load_communes(settings).set_index("commune_code").geometry
    for job, code in zip(jobs, ("23537", "23535", "23538"), strict=True):
        v = job.delivery
        assert v.commune_code == code and v.approximate
        assert shapely.contains_xy(polys[code], v.lon, v.lat)
    assert len({(j.delivery.lon, j.delivery.lat) for j in jobs}) == 3


def test_named_commune_is_carried_beside_a_position(settings):
    """With lat/lon and a commune, the position is kept and the named commune recorded."""
    text = ("job_id,kind,lat,lon,commune,office_id\n"
            "A,result_delivery,14.6637,107.8330,Đắk Tô,oss-23281\n"
            "B,result_delivery,14.66,107.83,Atlantis,oss-23281\n")
    with pytest.raises(InputError) as err:
        read_jobs(text.encode(), settings=settings, office_ids=OFFICES, filename="j.csv")
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "commune")]
    assert "no commune matches 'Atlantis'" in str(err.value.problems[0])
    good = text.rsplit("B,", 1)[0]
    (job,) = read_jobs(good.encode(), settings=settings, office_ids=OFFICES, filename="j.csv")
    v = job.delivery
    assert (v.lat, v.lon, v.commune_code, v.approximate) == (14.6637, 107.833, "23401", False)
    table = jobs_to_table([job])
    assert table.loc[0, "commune"] == "23401"  # the named commune, as a code
    (again,) = read_jobs(table.to_csv(index=False).encode(), settings=settings,
                         office_ids=OFFICES, filename="again.csv")
    assert again.delivery == v
