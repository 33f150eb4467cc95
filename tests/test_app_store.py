"""Saved plans and coverage scenarios in the app (AppTest): names, history, restore, compare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from apptest_utils import make_app, no_exception, open_page
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
    other = store.save_plan(_plan(1), name="Thứ Hai", author="Hoa")
    mine = store.save_plan(_plan(2), name="Tuyến của Lan", author="Lan")
    at = open_page(app, "dispatch")
    at.selectbox(key="dsp_saved_pick").set_value(mine.id).run()
    at.button(key="dsp_saved_open").click().run()
    no_exception(at)
    assert at.session_state["dsp_saved_ref"] == (mine.id, 1, "Tuyến của Lan")

    at.text_input(key="dsp_save_name").set_value("Thứ Hai")
    at.text_input(key="dsp_save_author").set_value("Minh").run()
    at.button(key="dsp_save").click().run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "«Thứ Hai» đã thuộc về một kế hoạch khác" in errors
    assert "Hoa" in errors and "chọn tên khác" in errors
    assert [v.version for v in store.history(other.id)] == [1]
    assert not any("Đã lưu" in s.value for s in at.success)

    # a new name is a new plan; the opened plan's own name adds to it
    at.text_input(key="dsp_save_name").set_value("Thứ Ba").run()
    at.button(key="dsp_save").click().run()
    assert any("Đã lưu «Thứ Ba», phiên bản 1" in s.value for s in at.success)
    assert [v.version for v in store.history(other.id)] == [1]


def test_restore_adds_a_version_equal_to_the_old_one(app: AppTest, store: Store) -> None:
    """Restoring v1 of a two-version plan makes v3 with v1's content, and says so."""
    first = store.save_plan(_plan(1), name="Thứ Hai", author="Hoa")
    store.save_plan(_plan(2), name="Thứ Hai", author="Hoa", expected_version=1)
    at = open_page(app, "dispatch")
    history = _frame_with(at, "Phiên bản")
    assert history["Phiên bản"].tolist() == ["v1", "v2"]
    assert history["Thời gian (giờ VN)"].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").all()
    at.selectbox(key="dsp_restore_version").set_value(1)
    at.text_input(key="dsp_restore_author").set_value("Lan").run()
    at.button(key="dsp_restore").click().run()
    no_exception(at)
    assert any("khôi phục phiên bản 1 thành phiên bản mới 3" in s.value for s in at.success)
    versions = store.history(first.id)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[2].restored_from == 1 and versions[2].author == "Lan"
    assert versions[2].content_hash == versions[0].content_hash
    assert store.get(first.id, version=3).content == store.get(first.id, version=1).content
    assert _frame_with(at, "Phiên bản")["Phiên bản"].tolist() == ["v1", "v2", "v3"]


def test_compare_shows_changed_paths_and_totals(app: AppTest, store: Store) -> None:
    """Comparing v1 and v2 lists exactly the store's changed paths and both versions' totals."""
    first = store.save_plan(_plan(1), name="Thứ Hai", author="Hoa")
    store.save_plan(_plan(2), name="Thứ Hai", author="Hoa", expected_version=1)
    at = open_page(app, "dispatch")
    at.selectbox(key="dsp_compare_a").set_value(1)
    at.selectbox(key="dsp_compare_b").set_value(2).run()
    at.button(key="dsp_compare").click().run()
    no_exception(at)
    expected = store.compare(store.get(first.id, version=1), store.get(first.id, version=2))
    paths = _frame_with(at, "Đường dẫn JSON")
    assert paths["Đường dẫn JSON"].tolist() == [c.path for c in expected.changes]
    assert "/jobs_total" in paths["Đường dẫn JSON"].tolist()
    totals = _frame_with(at, "Tổng").set_index("Tổng")
    assert list(totals.loc["Việc được giao"]) == ["1", "2"]
    assert list(totals.loc["Bưu tá có tuyến"]) == ["1", "1"]
    km = [Plan.from_dict(_plan(n)).total_length_m / 1000 for n in (1, 2)]
    assert list(totals.loc["Quãng đường (km)"]) == [f"{v:.1f}".replace(".", ",") for v in km]


def test_coverage_scenario_saves_and_reopens_with_its_cutoff(
    app: AppTest, store: Store
) -> None:
    """A saved scenario (45 min, one candidate) reopens its cutoff and candidate list."""
    at = open_page(app, "coverage")
    at.slider(key="cov_cutoff").set_value(45).run()
    at.session_state["cov_clicked"] = {"lat": 14.95, "lng": 107.75}
    at.run()
    at.button(key="cov_add_clicked").click().run()
    no_exception(at)
    at.text_input(key="cov_scn_name").set_value("Kịch bản Đăk Glei")
    at.text_input(key="cov_scn_author").set_value("Hà").run()
    at.button(key="cov_scn_save").click().run()
    no_exception(at)
    assert any("Đã lưu kịch bản «Kịch bản Đăk Glei», phiên bản 1" in s.value for s in at.success)
    info = store.find("coverage_scenario", "Kịch bản Đăk Glei")
    assert info is not None
    doc = store.get(info.id).data()
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
    """Saving the opened v1 after another session saved v2 says so and writes nothing."""
    first = store.save_plan(_plan(1), name="Thứ Hai", author="Hoa")
    at = open_page(app, "dispatch")
    at.button(key="dsp_saved_open").click().run()
    store.save_plan(_plan(2), name="Thứ Hai", author="Hoa", expected_version=1)
    at.text_input(key="dsp_save_author").set_value("Minh").run()
    at.button(key="dsp_save").click().run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "người khác vừa lưu kế hoạch này" in errors and "Hoa" in errors
    assert [(v.version, v.author) for v in store.history(first.id)] == [(1, "Hoa"), (2, "Hoa")]


def test_scenario_name_taken_by_another_scenario_is_refused(app: AppTest, store: Store) -> None:
    """A scenario name already used by another scenario is refused; that one keeps v1."""
    other = store.save("coverage_scenario", "Kịch bản A", {"format": "x"}, author="Hoa")
    at = open_page(app, "coverage")
    at.text_input(key="cov_scn_name").set_value("Kịch bản A")
    at.text_input(key="cov_scn_author").set_value("Hà").run()
    at.button(key="cov_scn_save").click().run()
    no_exception(at)
    assert any("đã thuộc về một kịch bản khác" in e.value for e in at.error)
    assert [v.version for v in store.history(other.id)] == [1]
    at.button(key="cov_scn_open").click().run()  # not an app scenario: reported, not raised
    no_exception(at)
    assert any("Không mở được kịch bản" in e.value for e in at.error)
