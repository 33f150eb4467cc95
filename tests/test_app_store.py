"""Saved plans and coverage scenarios in the app (AppTest): names, history, restore, compare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from apptest_utils import make_app, no_exception, open_page
from store_utils import account
from streamlit.testing.v1 import AppTest

from data.settings import Settings
from data.store import Store
from routing.result import CourierRoute, Plan, PlannedStop


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    return make_app(monkeypatch, tmp_path)


@pytest.fixture
def store(app: AppTest) -> Iterator[Store]:
    """The same database the app uses (``make_app`` points POSTPLAN_USER_DIR at tmp_path)."""
    settings = Settings.from_env()
    settings.user_dir.mkdir(parents=True, exist_ok=True)
    with Store(settings.database_url) as s:
        yield s


def _stop(seq: int, kind: str, arrival_s: int, leg_m: float, **kw: Any) -> PlannedStop:
    return PlannedStop(
        sequence=seq, kind=kind, place_id=str(kw.pop("place", "BC-KONTUM")),
        label=str(kw.pop("label", "Bưu điện tỉnh Kon Tum")), lon=float(kw.pop("lon", 108.0005)),
        lat=float(kw.pop("lat", 14.3497)), arrival_s=arrival_s, start_s=arrival_s,
        departure_s=arrival_s + int(kw.pop("service", 0)), waiting_s=0,
        service_s=0, load=0, leg_length_m=leg_m, leg_time_s=leg_m / 5, **kw,
    )


def _plan(n_jobs: int) -> dict[str, object]:
    """A hand-made plan (test data, not a solve): one courier visiting ``n_jobs`` communes."""
    places = [("J1", "UBND phường Quang Trung", 108.012, 14.356),
              ("J2", "UBND xã Đăk Cấm", 107.985, 14.377)][:n_jobs]
    stops = [_stop(0, "start", 27000, 0.0, office_id="BC-KONTUM")]
    t_s = 27000
    for i, (job, label, lon, lat) in enumerate(places, start=1):
        t_s += 600
        stops.append(_stop(i, "visit", t_s, 1800.0 * i, place=job, label=label, lon=lon,
                           lat=lat, job_id=job, job_kind="delivery", service=300))
    stops.append(_stop(len(stops), "end", t_s + 900, 2500.0, office_id="BC-KONTUM"))
    route = CourierRoute(courier_id="C1", office_id="BC-KONTUM", end_office_id="BC-KONTUM",
                         profile="motorbike", stops=tuple(stops), courier_name="Bưu tá 01")
    plan = Plan(plan_date="2026-11-23", routes=(route,), unassigned=(), network_kind="proxy",
                provenance="simulated", seed=1, seconds=1.0, jobs_total=n_jobs,
                couriers_total=2)
    return {**plan.to_dict(), "courier_names": {"C1": "Bưu tá 01"}}


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def test_saving_under_a_name_taken_by_another_plan_is_refused(
    app: AppTest, store: Store
) -> None:
    """A name that belongs to another plan shows who saved it and adds no version to it."""
    admin = account(store, "admin")
    hoa = account(store, "hoa")
    other = store.save_plan(_plan(1), name="Thứ Hai", actor=hoa)
    mine = store.save_plan(_plan(2), name="Tuyến của Lan", actor=account(store, "Lan"))
    at = open_page(app, "dispatch")
    at.selectbox(key="dsp_saved_pick").set_value(mine.id).run()
    at.button(key="dsp_saved_open").click().run()
    no_exception(at)
    assert at.session_state["dsp_saved_ref"] == (mine.id, 1, "Tuyến của Lan")

    at.text_input(key="dsp_save_name").set_value("Thứ Hai")
    at.button(key="dsp_save").click().run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "«Thứ Hai» đã thuộc về một kế hoạch khác" in errors
    assert "hoa" in errors and "chọn tên khác" in errors
    assert [v.version for v in store.history(other.id, actor=admin)] == [1]
    assert not any("Đã lưu" in s.value for s in at.success)

    # a new name is a new plan; the opened plan's own name adds to it
    at.text_input(key="dsp_save_name").set_value("Thứ Ba").run()
    at.button(key="dsp_save").click().run()
    assert any("Đã lưu «Thứ Ba», phiên bản 1" in s.value for s in at.success)
    assert [v.version for v in store.history(other.id, actor=admin)] == [1]


def test_restore_adds_a_version_equal_to_the_old_one(app: AppTest, store: Store) -> None:
    """Restoring v1 of a two-version plan makes v3 with v1's content, and says so."""
    admin = account(store, "admin")
    hoa = account(store, "hoa")
    first = store.save_plan(_plan(1), name="Thứ Hai", actor=hoa)
    store.save_plan(_plan(2), name="Thứ Hai", actor=hoa, expected_version=1)
    at = open_page(app, "dispatch")
    history = _frame_with(at, "Phiên bản")
    assert history["Phiên bản"].tolist() == ["v1", "v2"]
    assert history["Thời gian (giờ VN)"].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").all()
    at.selectbox(key="dsp_restore_version").set_value(1)
    at.button(key="dsp_restore").click().run()
    no_exception(at)
    assert any("khôi phục phiên bản 1 thành phiên bản mới 3" in s.value for s in at.success)
    versions = store.history(first.id, actor=admin)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[2].restored_from == 1 and versions[2].author == "admin"
    assert versions[2].content_hash == versions[0].content_hash
    v3 = store.get(first.id, version=3, actor=admin)
    assert v3.content == store.get(first.id, version=1, actor=admin).content
    assert _frame_with(at, "Phiên bản")["Phiên bản"].tolist() == ["v1", "v2", "v3"]


def test_after_restoring_v1_as_v3_the_page_shows_v3_and_saves_without_conflict(
    app: AppTest, store: Store
) -> None:
    """Open v2, restore v1 as v3: the page says version 3 and shows v1's plan; a save is
    no conflict with oneself."""
    admin = account(store, "admin")
    hoa = account(store, "hoa")
    first = store.save_plan(_plan(1), name="Thứ Hai", actor=hoa)
    store.save_plan(_plan(2), name="Thứ Hai", actor=hoa, expected_version=1)
    at = open_page(app, "dispatch")
    at.button(key="dsp_saved_open").click().run()
    assert any("(phiên bản 2)" in i.value for i in at.info)
    at.selectbox(key="dsp_restore_version").set_value(1)
    at.button(key="dsp_restore").click().run()
    no_exception(at)
    shown = " ".join(i.value for i in at.info)
    assert "(phiên bản 3)" in shown and "phiên bản 2" not in shown
    stops = [d.value for d in at.dataframe if "Đến lúc" in d.value.columns]
    assert len(stops) == 1 and len(stops[0]) == 3  # v1's plan: start, one job, end

    at.button(key="dsp_save").click().run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any("Đã lưu «Thứ Hai», phiên bản 3." in s.value for s in at.success)
    assert [v.version for v in store.history(first.id, actor=admin)] == [1, 2, 3]


def test_history_shows_the_new_version_right_after_a_save(app: AppTest, store: Store) -> None:
    """Saving the opened v1 lists v2 in the history at once; saving under a new name picks
    the new plan and shows its own history."""
    admin = account(store, "admin")
    hoa = account(store, "hoa")
    first = store.save_plan(_plan(1), name="Thứ Hai", actor=hoa)
    at = open_page(app, "dispatch")
    at.button(key="dsp_saved_open").click().run()
    # an edit of the plan: the route's courier renamed, so the content differs
    at.session_state["dsp_saved_names"] = {"C1": "Bưu tá Minh"}
    at.button(key="dsp_save").click().run()
    no_exception(at)
    assert [v.version for v in store.history(first.id, actor=admin)] == [1, 2]
    assert _frame_with(at, "Phiên bản")["Phiên bản"].tolist() == ["v1", "v2"]
    assert any("Đã lưu «Thứ Hai», phiên bản 2." in s.value for s in at.success)

    at.text_input(key="dsp_save_name").set_value("Thứ Ba").run()
    at.button(key="dsp_save").click().run()
    no_exception(at)
    third = store.find("plan", "Thứ Ba", actor=admin)
    assert third is not None
    assert at.selectbox(key="dsp_saved_pick").value == third.id
    history = _frame_with(at, "Phiên bản")
    assert history["Phiên bản"].tolist() == ["v1"] and history["Người lưu"].tolist() == ["admin"]
    assert any("«Thứ Ba» (phiên bản 1)" in i.value for i in at.info)


def test_compare_says_which_stop_moved_and_km_minutes_per_courier(
    app: AppTest, store: Store
) -> None:
    """v1→v2 moved J2 from Lan to Minh: one sentence, then km and minutes per courier."""
    hoa = account(store, "hoa")
    from test_compare import A, _route
    from test_compare import _plan as plan_of

    moved = plan_of([
        _route("C1", [("J1", 28000, 2000.0)], 28500, 2000.0, "Lan"),
        _route("C2", [("J3", 28500, 5000.0), ("J2", 29400, 1500.0)], 31700, 6000.0, "Minh"),
    ], unassigned=("J5",))
    names = {"C1": "Lan", "C2": "Minh"}
    store.save_plan({**A.to_dict(), "courier_names": names}, name="Thứ Hai", actor=hoa)
    store.save_plan({**moved.to_dict(), "courier_names": names}, name="Thứ Hai", actor=hoa,
                    expected_version=1)
    at = open_page(app, "dispatch")
    at.selectbox(key="dsp_compare_a").set_value(1)
    at.selectbox(key="dsp_compare_b").set_value(2).run()
    at.button(key="dsp_compare").click().run()
    no_exception(at)
    text = "\n".join(m.value for m in at.markdown)
    assert "- Điểm «Nhà J2» (J2) chuyển từ Lan sang Minh." in text
    assert "- Giờ đến thay đổi ở: Lan, Minh." in text
    assert "- Cả ngày: −2,5 km, −5 phút làm việc (v1 → v2)." in text
    assert not [d for d in at.dataframe if "Đường dẫn JSON" in d.value.columns]
    table = _frame_with(at, "Bưu tá").set_index("Bưu tá").astype(str)
    assert table.loc["Lan"].tolist() == ["2", "1", "9,0", "4,0", "−5,0", "50", "25", "−25",
                                         "0", "25"]
    assert table.loc["Minh"].tolist() == ["1", "2", "10,0", "12,5", "+2,5", "58", "78", "+20",
                                          "0", "20"]
    assert table.loc["Cả ngày"].tolist() == ["3", "3", "19,0", "16,5", "−2,5", "108", "103",
                                             "−5", "0", "25"]


def test_coverage_scenario_saves_and_reopens_with_its_cutoff(
    app: AppTest, store: Store
) -> None:
    """A saved scenario (45 min, one candidate) reopens its cutoff and candidate list."""
    admin = account(store, "admin")
    at = open_page(app, "coverage")
    at.slider(key="cov_cutoff").set_value(45).run()
    at.session_state["cov_clicked"] = {"lat": 14.95, "lng": 107.75}
    at.run()
    at.button(key="cov_add_clicked").click().run()
    no_exception(at)
    at.text_input(key="cov_scn_name").set_value("Kịch bản Đăk Glei")
    at.button(key="cov_scn_save").click().run()
    no_exception(at)
    assert any("Đã lưu kịch bản «Kịch bản Đăk Glei», phiên bản 1" in s.value for s in at.success)
    info = store.find("coverage_scenario", "Kịch bản Đăk Glei", actor=admin)
    assert info is not None
    doc = store.get(info.id, actor=admin).data()
    assert doc["cutoff_min"] == 45
    assert [c["site_id"] for c in doc["candidates"]] == ["new-1"]

    # change everything, then open the scenario again
    at.slider(key="cov_cutoff").set_value(90).run()
    at.button(key="cov_clear").click().run()
    assert "candidates" not in at.session_state
    at.button(key="cov_scn_open").click().run()
    no_exception(at)
    assert at.slider(key="cov_cutoff").value == 45
    cands = at.session_state["candidates"]
    assert list(cands["site_id"]) == ["new-1"]
    assert list(cands["source"]) == ["user"]
    assert (float(cands["lat"][0]), float(cands["lon"][0])) == (14.95, 107.75)


def test_saving_after_someone_else_saved_the_opened_plan_is_a_conflict(
    app: AppTest, store: Store
) -> None:
    """Saving the opened v1 after another session saved v2 says who and when (Vietnam
    time), in Vietnamese only, and writes nothing."""
    admin = account(store, "admin")
    hoa = account(store, "hoa")
    from app.store_view import fmt_when

    first = store.save_plan(_plan(1), name="Thứ Hai", actor=hoa)
    at = open_page(app, "dispatch")
    at.button(key="dsp_saved_open").click().run()
    second = store.save_plan(_plan(2), name="Thứ Hai", actor=hoa, expected_version=1)
    at.button(key="dsp_save").click().run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    when = fmt_when(second.info.updated_at).replace("/", "\\/").replace(":", "\\:")
    assert "đã có phiên bản 2 do hoa lưu lúc " + when + " (giờ Việt Nam)" in errors
    assert "mới hơn phiên bản 1 đang mở" in errors
    for english in ("saved by", "nothing was", "UTC", "expected_version"):
        assert english not in errors
    history = store.history(first.id, actor=admin)
    assert [(v.version, v.author) for v in history] == [(1, "hoa"), (2, "hoa")]


def test_error_boxes_are_not_carried_to_another_page_or_past_a_save(
    app: AppTest, store: Store
) -> None:
    """A rejected jobs file's error box goes when the page is left, and after a save."""
    hoa = account(store, "hoa")
    store.save_plan(_plan(1), name="Thứ Hai", actor=hoa)
    at = open_page(app, "dispatch")
    at.button(key="dsp_saved_open").click().run()
    at.radio(key="dsp_jobs_source").set_value("upload").run()
    bad = b"job_id,kind,lat,lon\nJ1,teleport,14.35,108.0\n"
    at.get("file_uploader")[0].upload("jobs_bad.csv", bad, "text/csv").run()
    assert any("teleport" in e.value for e in at.error)
    at.switch_page("app/pages/data.py").run()
    assert not any("teleport" in e.value for e in at.error)
    at.switch_page("app/pages/dispatch.py").run()
    no_exception(at)
    assert not any("teleport" in e.value for e in at.error)

    at.get("file_uploader")[0].upload("jobs_bad2.csv", bad + b"J2,x,1,2\n", "text/csv").run()
    assert any("teleport" in e.value for e in at.error)
    at.button(key="dsp_save").click().run()
    no_exception(at)
    assert any("Đã lưu" in s.value for s in at.success)
    assert not at.error, [e.value for e in at.error]


def test_scenario_name_taken_by_another_scenario_is_refused(app: AppTest, store: Store) -> None:
    """A scenario name already used by another scenario is refused; that one keeps v1."""
    admin = account(store, "admin")
    hoa = account(store, "hoa")
    other = store.save("coverage_scenario", "Kịch bản A", {"format": "x"}, actor=hoa)
    at = open_page(app, "coverage")
    at.text_input(key="cov_scn_name").set_value("Kịch bản A")
    at.button(key="cov_scn_save").click().run()
    no_exception(at)
    assert any("đã thuộc về một kịch bản khác" in e.value for e in at.error)
    assert [v.version for v in store.history(other.id, actor=admin)] == [1]
    at.button(key="cov_scn_open").click().run()  # not an app scenario: reported, not raised
    no_exception(at)
    assert any("Không mở được kịch bản" in e.value for e in at.error)
