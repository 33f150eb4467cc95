"""Dispatch page (Điều phối) under AppTest: simulate, plan, tables, edits, uploads, sheets."""

from __future__ import annotations

import io
import json
from pathlib import Path

import gpxpy
import pandas as pd
import pytest
from apptest_utils import (
    APP,
    download,
    finish_planning,
    log_in,
    make_app,
    no_exception,
    open_page,
    plan_simulated_day,
)
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    return make_app(monkeypatch, tmp_path)


def _planned(app: AppTest, n_jobs: int = 8) -> AppTest:
    return plan_simulated_day(app, n_jobs=n_jobs)


def test_dispatch_page_loads_and_asks_for_jobs(app: AppTest) -> None:
    """Without jobs the page explains what to do and raises nothing."""
    at = open_page(app, "dispatch")
    no_exception(at)
    assert at.title[0].value == "Điều phối tuyến trong ngày"
    assert any("Chưa có việc" in i.value for i in at.info)


def test_planning_a_simulated_day_shows_routes_and_tables(app: AppTest) -> None:
    """A small simulated day plans: banners, a route table per courier with 24-hour arrivals."""
    at = _planned(app)
    plan = at.session_state["plan"]
    assert plan.provenance == "simulated"
    warnings = " ".join(w.value for w in at.warning)
    assert "MÔ PHỎNG" in warnings  # simulated jobs banner
    assert "THAY THẾ" in warnings  # proxy network banner
    assert plan.routes, "the plan has at least one route"
    served = sum(len(r.job_ids) for r in plan.routes) + len(plan.unassigned)
    assert served == plan.jobs_total == 8
    tables = [d.value for d in at.dataframe if "Đến lúc" in d.value.columns]
    assert len(tables) == len(plan.routes)
    first = tables[0]
    assert first["Đến lúc"].str.fullmatch(r"\d\d:\d\d").all()
    assert first.iloc[0]["Loại"] == "Bưu cục"
    # every route has road geometry to draw
    assert all(len(r.geometry) == len(r.stops) - 1 for r in plan.routes)


def test_manual_move_rechecks_times(app: AppTest) -> None:
    """Moving a stop to the other courier changes the plan and reports the re-check."""
    at = _planned(app, n_jobs=6)
    before = at.session_state["plan"]
    at.number_input(key="dsp_edit_pos").set_value(1)
    target = [c for c in at.session_state["dsp_problem"].couriers][-1]
    at.selectbox(key="dsp_edit_to").set_value(target)
    at.button(key="dsp_edit_move").click().run()
    no_exception(at)
    after = at.session_state["plan"]
    assert "manually edited" in after.notes
    assert after is not before
    assert at.session_state["plan_edit_report"] is not None
    moved = at.session_state["plan_edit_report"]
    shown = " ".join(e.value for e in at.error) + " ".join(s.value for s in at.success)
    assert ("Vi phạm" in shown) if moved else ("không vi phạm" in shown)
    at.button(key="dsp_edit_undo").click().run()
    assert at.session_state["plan"] is at.session_state["plan_original"]


def test_malformed_jobs_upload_shows_errors_and_keeps_jobs(app: AppTest) -> None:
    """A bad jobs file lists every problem and the simulated jobs stay in use."""
    at = open_page(app, "dispatch")
    at.number_input(key="dsp_n_jobs").set_value(5)
    at.button(key="dsp_simulate").click().run()
    kept = at.session_state["jobs"]
    at.radio(key="dsp_jobs_source").set_value("upload").run()
    bad = (
        b"job_id,kind,lat,lon,office_id\n"
        b"J1,teleport,14.35,108.0,\n"
        b"J2,result_delivery,91,108.0,nowhere\n"
        b"J2,dossier_pickup,,,\n"
    )
    at.get("file_uploader")[0].upload("jobs_bad.csv", bad, "text/csv").run()
    no_exception(at)
    errors = "\n".join(e.value for e in at.error)
    assert "teleport" in errors
    assert "J2" in errors
    assert errors.count("\n- ") >= 3
    assert at.session_state["jobs"] == kept
    assert at.session_state["jobs_source"] == "simulated"


def test_each_route_sheet_download_parses(app: AppTest) -> None:
    """PDF (pages, courier name), XLSX (rows = stops), GPX, GeoJSON and CSV all parse."""
    at = _planned(app, n_jobs=6)
    plan = at.session_state["plan"]
    courier = at.session_state["dsp_problem"].couriers[plan.routes[0].courier_id].name
    n_stops = sum(len(r.stops) for r in plan.routes)
    n_job_stops = sum(len(r.job_stops) for r in plan.routes)

    at.selectbox(key="dsp_sheet_fmt").set_value("pdf").run()
    name, pdf = download(at, "dsp_sheet_download")
    assert name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 0
    assert courier in "".join(p.extract_text() for p in reader.pages)

    at.selectbox(key="dsp_sheet_fmt").set_value("xlsx").run()
    _, xlsx = download(at, "dsp_sheet_download")
    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=None)
    rows = sum(len(df) for sheet, df in sheets.items() if sheet != next(iter(sheets)))
    assert rows in (n_stops, n_job_stops)

    at.selectbox(key="dsp_sheet_fmt").set_value("gpx").run()
    _, gpx = download(at, "dsp_sheet_download")
    parsed = gpxpy.parse(gpx.decode("utf-8"))
    assert len(parsed.routes) == len(plan.routes)

    at.selectbox(key="dsp_sheet_fmt").set_value("geojson").run()
    _, geo = download(at, "dsp_sheet_download")
    assert json.loads(geo)["type"] == "FeatureCollection"

    at.selectbox(key="dsp_sheet_fmt").set_value("csv").run()
    _, csv = download(at, "dsp_sheet_download")
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert len(table) in (n_stops, n_job_stops)


def test_replan_keeps_done_stops(app: AppTest) -> None:
    """Re-planning from 10:00 keeps every stop finished by then as done, on the same courier."""
    at = _planned(app, n_jobs=8)
    before = at.session_state["plan"]
    at_s = 10 * 3600
    finished = {
        (r.courier_id, s.job_id, s.kind)
        for r in before.routes
        for s in r.job_stops
        if s.departure_s <= at_s
    }
    at.button(key="dsp_replan").click().run()
    finish_planning(at)
    no_exception(at)
    after = at.session_state["plan"]
    done = {
        (r.courier_id, s.job_id, s.kind)
        for r in after.routes
        for s in r.job_stops
        if s.status == "done"
    }
    assert done == finished
    assert any(f"giữ {len(finished)} điểm" in s.value for s in at.success)
    served = {j for r in after.routes for j in r.job_ids} | {u.job_id for u in after.unassigned}
    assert served == {j for r in before.routes for j in r.job_ids} | {
        u.job_id for u in before.unassigned
    }


def test_jobs_download_round_trips_through_upload(app: AppTest) -> None:
    """The day's jobs CSV uploads back unchanged (ids, kinds, simulated label kept)."""
    at = open_page(app, "dispatch")
    at.number_input(key="dsp_n_jobs").set_value(7)
    at.button(key="dsp_simulate").click().run()
    original = at.session_state["jobs"]
    name, csv = download(at, "dsp_jobs_csv")
    assert name.endswith(".csv")
    at.radio(key="dsp_jobs_source").set_value("upload").run()
    _, template = download(at, "dsp_template")
    header = template.decode("utf-8-sig").strip().split(",")
    assert header[:2] == ["job_id", "kind"]
    at.get("file_uploader")[0].upload(name, csv, "text/csv").run()
    no_exception(at)
    assert not at.error
    back = at.session_state["jobs"]
    assert [(j.job_id, j.kind, j.source) for j in back] == [
        (j.job_id, j.kind, j.source) for j in original
    ]


def test_saved_plan_reopens_with_its_routes(app: AppTest) -> None:
    """A saved plan lists in the store and opens again with the same routes and names."""
    at = _planned(app, n_jobs=6)
    plan = at.session_state["plan"]
    at.text_input(key="dsp_save_name").set_value("Kế hoạch thử").run()
    at.button(key="dsp_save").click().run()
    no_exception(at)
    assert any("phiên bản 1" in s.value for s in at.success)
    # a fresh session opens it from the store
    fresh = open_page(log_in(AppTest.from_file(APP, default_timeout=240)), "dispatch")
    fresh.button(key="dsp_saved_open").click().run()
    no_exception(fresh)
    opened = fresh.session_state["plan"]
    assert opened.to_dict() == plan.to_dict()
    tabs = [tab.label for tab in fresh.tabs]
    assert any(label.startswith("Bưu tá") for label in tabs)


def test_route_sheet_prints_the_commune_a_job_named(app: AppTest) -> None:
    """A job imported as "Đắk Tô" prints Thị trấn Đăk Tô as its old commune on the sheet."""
    jobs = ("job_id,kind,lat,lon,commune,office_id\n"
            "DT1,result_delivery,,,Đắk Tô,oss-23401\n"
            "DT2,result_delivery,14.661348,107.816923,Đắk Tô,oss-23401\n").encode()
    at = open_page(app, "dispatch")
    at.radio(key="dsp_jobs_source").set_value("upload").run()
    at.get("file_uploader")[0].upload("jobs.csv", jobs, "text/csv").run()
    no_exception(at)
    at.number_input(key="dsp_couriers").set_value(1)
    at.number_input(key="dsp_budget").set_value(30)
    at.number_input(key="dsp_iterations").set_value(300)
    at.button(key="dsp_plan").click().run()
    finish_planning(at)
    no_exception(at)
    assert not at.session_state["plan"].unassigned
    at.selectbox(key="dsp_sheet_fmt").set_value("csv").run()
    _, csv = download(at, "dsp_sheet_download")
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=str)
    homes = table[table["Loại / Type"] == "Trả kết quả / Deliver result"]
    assert sorted(homes["Mã việc / Job id"]) == ["DT1", "DT2"]
    # DT2's position lies in Xã Tân Cảnh, but its address named Đắk Tô
    assert set(homes["Xã/phường cũ / Commune (old)"]) == {"Thị trấn Đăk Tô"}
    assert set(homes["Xã/phường mới / Commune (2025)"]) == {"Xã Đăk Tô"}


def test_reopened_plan_can_be_edited_and_replanned(app: AppTest) -> None:
    """Reopen a saved plan → move a stop → re-plan from 10:00 → move a stop again."""
    at = _planned(app, n_jobs=6)
    at.text_input(key="dsp_save_name").set_value("Kế hoạch mở lại").run()
    at.button(key="dsp_save").click().run()
    no_exception(at)
    fresh = open_page(log_in(AppTest.from_file(APP, default_timeout=240)), "dispatch")
    fresh.button(key="dsp_saved_open").click().run()
    no_exception(fresh)
    captions = " ".join(c.value for c in fresh.caption)
    assert "was re-planned" not in captions and "lập lại giữa ngày" not in captions
    assert not fresh.button(key="dsp_replan").disabled
    opened = fresh.session_state["plan"]
    # edit: move the first stop to the last courier
    target = [r.courier_id for r in opened.routes][-1]
    fresh.selectbox(key="dsp_edit_to").set_value(target)
    fresh.number_input(key="dsp_edit_pos").set_value(1)
    fresh.button(key="dsp_edit_move").click().run()
    no_exception(fresh)
    edited = fresh.session_state["plan"]
    assert edited.to_dict() != opened.to_dict() and "manually edited" in edited.notes
    assert fresh.success or fresh.error  # the page says whether the edit broke a rule
    # re-plan the rest of the day from 10:00
    fresh.button(key="dsp_replan").click().run()
    finish_planning(fresh)
    no_exception(fresh)
    replanned = fresh.session_state["plan"]
    assert replanned.replanned_at_s == 10 * 3600
    assert any("Đã lập lại từ 10:00" in s.value for s in fresh.success)
    # and edit again after the re-plan: done stops cannot be picked, the move works
    labels = fresh.selectbox(key="dsp_edit_stop").options
    done = [s for r in replanned.routes for s in r.job_stops if s.status == "done"]
    assert done and labels
    assert all(f"· {s.sequence} · {s.label} ({s.job_id})" not in " ".join(labels)
               for s in done)
    fresh.selectbox(key="dsp_edit_to").set_value(target)
    fresh.button(key="dsp_edit_move").click().run()
    no_exception(fresh)
    after = fresh.session_state["plan"]
    assert "manually edited" in after.notes
    kept = [(r.courier_id, s) for r in replanned.routes for s in r.job_stops
            if s.status == "done"]
    assert [(r.courier_id, s) for r in after.routes for s in r.job_stops
            if s.status == "done"] == kept


def test_one_courier_route_sheet_holds_only_that_courier(app: AppTest) -> None:
    """Choosing a courier downloads their own PDF and GPX; the default is every courier."""
    at = _planned(app, n_jobs=6)
    plan = at.session_state["plan"]
    routed = [r for r in plan.routes if r.job_stops]
    names = {c.courier_id: c.name for c in at.session_state["dsp_problem"].couriers.values()}
    assert at.selectbox(key="dsp_sheet_courier").value == ""  # all couriers
    one = routed[0]
    at.selectbox(key="dsp_sheet_courier").set_value(one.courier_id)
    at.selectbox(key="dsp_sheet_fmt").set_value("gpx").run()
    name, gpx = download(at, "dsp_sheet_download")
    assert name == f"route_sheets_{plan.plan_date}_{one.courier_id}.gpx"
    parsed = gpxpy.parse(gpx.decode("utf-8"))
    assert len(parsed.routes) == 1
    assert len(parsed.routes[0].points) == len(one.stops)  # start, the stops, back
    at.selectbox(key="dsp_sheet_fmt").set_value("pdf").run()
    _, pdf = download(at, "dsp_sheet_download")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert names[one.courier_id] in text
    others = [names[r.courier_id] for r in routed[1:]]
    assert others and not any(f"{other}\n" in text or f"{other} " in text for other in others)


def test_a_jobs_file_that_is_no_table_is_refused_in_vietnamese(app: AppTest) -> None:
    """A damaged .xlsx is refused in Vietnamese, without Python's exception text."""
    at = open_page(app, "dispatch")
    at.radio(key="dsp_jobs_source").set_value("upload").run()
    at.get("file_uploader")[0].upload("jobs.xlsx", b"PK\x03\x04 not a workbook", "x").run()
    no_exception(at)
    errors = "\n".join(e.value for e in at.error)
    assert errors.startswith("1 lỗi — dữ liệu trước đó được giữ nguyên")
    for python_text in ("zip", "Errno", "Traceback", "rejected", "BadZipFile", "codec"):
        assert python_text not in errors
