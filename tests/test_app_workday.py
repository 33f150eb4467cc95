"""The working day in the app (AppTest): roster → crew, risk, progress, close, carried jobs,
reports, drafts. Reads what the pages show."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

import pandas as pd
import pytest
from apptest_utils import download, finish_planning, log_in, make_app, no_exception, open_page
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from data.outcomes import VN_TZ, Outcome, record_outcome
from data.roster import roster_from_frame
from data.roster_store import save_roster
from data.settings import Settings
from data.store import Store

DAY = dt.date(2026, 11, 25)  # a Wednesday
OFFICE = "po-23401"


def _store() -> Store:
    return Store.open(Settings.from_env())


def _with_roster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    """The app with a saved roster: An works, Blưk is off on DAY."""
    at = make_app(monkeypatch, tmp_path)
    from data.accounts import get_account

    with _store() as store:
        admin = get_account(store, "admin")
        roster = roster_from_frame(pd.DataFrame([
            {"courier_id": "C01", "name": "Nguyễn Văn An", "phone": "0905123456",
             "office_id": OFFICE},
            {"courier_id": "C02", "name": "Y Blưk", "phone": "0912345678",
             "office_id": OFFICE, "days_off": DAY.strftime("%d/%m/%Y")},
        ]))
        save_roster(store, roster, actor=admin)
    return at


def _dispatch_day(at: AppTest) -> AppTest:
    at = open_page(at, "dispatch")
    no_exception(at)
    at.date_input(key="dsp_date").set_value(DAY)
    at.multiselect(key="dsp_offices").set_value([OFFICE])
    at.number_input(key="dsp_budget").set_value(1)
    at.run()
    no_exception(at)
    return at


def test_roster_crew_risk_progress_close_and_report(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """Named couriers plan the day; reports show as progress; the close carries the failed
    job to Thursday, where it comes first; the report counts the day."""
    at = _dispatch_day(_with_roster(monkeypatch, tmp_path))
    shown = " ".join(m.value for m in at.markdown)
    assert "Bưu tá làm việc ngày 25/11/2026" in shown
    crew = next(d.value for d in at.dataframe if "Đi tuyến" in d.value.columns)
    assert crew[["Họ tên", "Đi tuyến", "Vì sao nghỉ"]].values.tolist() == [
        ["Nguyễn Văn An", True, ""], ["Y Blưk", False, "nghỉ ngày 25/11/2026"]]
    assert not [n for n in at.number_input if n.key == "dsp_couriers"]  # no count any more
    at.number_input(key="dsp_n_jobs").set_value(6)
    at.button(key="dsp_simulate").click().run()
    at.button(key="dsp_plan").click().run()
    finish_planning(at)
    no_exception(at)
    plan = at.session_state["plan"]
    assert {r.courier_id for r in plan.routes} == {"C01"}
    assert [tab.label for tab in at.tabs] [:1] == ["Nguyễn Văn An"]
    assert any("Việc đến hạn hoặc quá hạn" in c.value for c in [*at.caption, *at.warning])
    assert any("Lưu kế hoạch để bưu tá báo kết quả" in c.value for c in at.caption)
    at.text_input(key="dsp_save_name").set_value("Thứ Tư")
    at.button(key="dsp_save").click().run()
    no_exception(at)
    plan_id, version, _name = at.session_state["dsp_saved_ref"]
    stops = [s for r in plan.routes for s in r.job_stops]
    failed_job = stops[0].job_id
    with _store() as store:
        from data.accounts import get_account

        admin = get_account(store, "admin")
        for s in stops:
            if s.job_id == failed_job and s is not stops[0]:
                continue
            record_outcome(store, Outcome(
                outcome_id=str(uuid.uuid4()), plan_id=plan_id, plan_version=version,
                plan_date=DAY, courier_id="C01", job_id=str(s.job_id), role=s.kind,
                status="failed" if s is stops[0] else "done",
                reason="not_home" if s is stops[0] else None,
                at=dt.datetime.combine(DAY, dt.time(), VN_TZ)
                + dt.timedelta(seconds=s.departure_s)), actor=admin)
    at.button(key="dsp_progress_refresh").click().run()
    no_exception(at)
    progress = next(d.value for d in at.dataframe if "Còn lại" in d.value.columns)
    of_failed = sum(1 for s in stops if s.job_id == failed_job)
    assert progress[["Bưu tá", "Xong", "Không thành công", "Còn lại"]].values.tolist() == [
        ["Nguyễn Văn An", len(stops) - of_failed, 1, of_failed - 1]]
    at.button(key="dsp_close_day").click().run()
    no_exception(at)
    closed = " ".join(s.value for s in at.success).replace("\\", "")  # markdown escapes
    assert "Đã chốt ngày 25/11/2026" in closed and "chuyển sang 26/11/2026" in closed
    # Thursday: the failed job comes first, with its history
    at.date_input(key="dsp_date").set_value(DAY + dt.timedelta(days=1)).run()
    no_exception(at)
    left = 1 + len(plan.unassigned)
    assert any(f"{left} việc chuyển từ ngày làm việc trước" in i.value for i in at.info)
    carried = next(d.value for d in at.dataframe if "Số lần" in d.value.columns)
    last = dict(zip(carried["Việc"], carried["Lần gần nhất"], strict=True))
    assert len(last) == left
    assert last[failed_job] == "25/11/2026: Không có người ở nhà"
    assert {last[u.job_id] for u in plan.unassigned} <= {
        "25/11/2026: không còn thời gian hoặc chỗ", "25/11/2026: bỏ qua vì chi phí",
        "25/11/2026: không có đường tới", "25/11/2026: ngoài khung giờ"}
    # the report counts the closed day
    at.switch_page("app/pages/reports.py").run()
    no_exception(at)
    at.date_input(key="rep_from").set_value(DAY)
    at.date_input(key="rep_to").set_value(DAY).run()
    no_exception(at)
    table = next(d.value for d in at.dataframe if "Tổng việc đã xong" in d.value.columns)
    total = table.iloc[-1]
    assert total["Tên"] == "Tổng cộng"
    assert total["Tổng việc đã xong"] == len({s.job_id for s in stops}) - 1
    assert total["Không thành công: Không có người ở nhà"] == 1
    assert any(w.value.startswith("MÔ PHỎNG") for w in at.warning)
    name, data = download(at, "rep_xlsx")
    assert name.endswith(".xlsx")
    header = [c.value for c in next(load_workbook(io.BytesIO(data)).worksheets[0]
                                    .iter_rows(max_row=1))]
    assert "Hồ sơ đã nhận" in header and "Km mỗi hồ sơ" in header


def test_a_draft_comes_back_in_a_new_session_and_can_be_discarded(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Simulated jobs survive a new session (a reload); *discard draft* forgets them."""
    at = _dispatch_day(make_app(monkeypatch, tmp_path))
    at.number_input(key="dsp_n_jobs").set_value(7)
    at.button(key="dsp_simulate").click().run()
    no_exception(at)
    assert any("7" in c.value for c in at.caption)
    again = log_in(AppTest.from_file(at._script_path, default_timeout=240))
    again = open_page(again, "dispatch")
    no_exception(again)
    assert any(i.value.startswith("Đã khôi phục bản nháp lúc") for i in again.info)
    jobs = next(e for e in again.expander if e.label == "Danh sách việc")
    assert len(jobs.dataframe[0].value) == 7
    assert again.date_input(key="dsp_date").value == DAY
    again.button(key="draft_discard_dispatch").click().run()
    no_exception(again)
    assert any("Chưa có việc" in i.value for i in again.info)
    third = open_page(log_in(AppTest.from_file(at._script_path, default_timeout=240)),
                      "dispatch")
    assert not any(i.value.startswith("Đã khôi phục") for i in third.info)


def test_data_page_shows_the_stored_roster_duty_and_downloads(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The saved roster is in use; who works on a day and why not; the CSV reads back."""
    from data.roster import read_roster

    at = open_page(_with_roster(monkeypatch, tmp_path), "data")
    no_exception(at)
    assert any(c.value == "Danh sách đang dùng: 2 bưu tá đã lưu." for c in at.caption)
    at.date_input(key="roster_duty_day").set_value(DAY).run()
    no_exception(at)
    duty = next(d.value for d in at.dataframe if "Vì sao nghỉ" in d.value.columns)
    assert duty[["Mã", "Đi tuyến", "Vì sao nghỉ"]].values.tolist() == [
        ["C01", True, ""], ["C02", False, "nghỉ ngày 25/11/2026"]]
    name, data = download(at, "roster_csv")
    back = read_roster(data, office_ids=[OFFICE], filename=name)
    assert back["name"].tolist() == ["Nguyễn Văn An", "Y Blưk"]
    assert back["phone"].tolist() == ["0905123456", "0912345678"]


def test_roster_upload_lists_every_problem_then_replaces_and_saves(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A bad file keeps nothing and names each row; a good one is shown, then saved."""
    at = open_page(make_app(monkeypatch, tmp_path), "data")
    assert any(i.value.startswith("Chưa có danh sách bưu tá") for i in at.info)
    bad = ("courier_id,name,office_id,shift\n"
           "C01,,po-23401,07:00-17:00\n"
           "C01,Lê Văn Bình,po-nowhere,17:00-07:00\n").encode()
    at.get("file_uploader")[-1].upload("roster.csv", bad, "text/csv").run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "dòng 2" in errors and "dòng 3" in errors and "po" in errors
    assert any(i.value.startswith("Chưa có danh sách bưu tá") for i in at.info)
    good = ("Mã bưu tá,Họ tên,Điện thoại,Bưu cục,Phương tiện,Ngày nghỉ\n"
            "C01,Nguyễn Văn An,905123456,po-23401,xe máy,CN\n").encode()
    at.get("file_uploader")[-1].upload("roster2.csv", good, "text/csv").run()
    no_exception(at)
    assert any("Đã đọc 1 bưu tá từ roster2" in s.value.replace("\\", "") for s in at.success)
    assert any(w.value.startswith("Danh sách chưa lưu") for w in at.warning)
    at.button(key="roster_save").click().run()
    no_exception(at)
    assert any(c.value == "Danh sách đang dùng: 1 bưu tá đã lưu." for c in at.caption)
    with _store() as store:
        from data.accounts import get_account
        from data.roster_store import stored_roster

        kept = stored_roster(store, actor=get_account(store, "admin"))
    assert kept is not None and kept["phone"].tolist() == ["0905123456"]


def test_data_and_coverage_drafts_come_back(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """An unsaved roster and a coverage cutoff survive a new session."""
    at = open_page(make_app(monkeypatch, tmp_path), "data")
    good = ("courier_id,name,office_id\nC09,Hồ Thị Mai,po-23401\n").encode()
    at.get("file_uploader")[-1].upload("roster.csv", good, "text/csv").run()
    no_exception(at)
    cov = open_page(log_in(AppTest.from_file(at._script_path, default_timeout=240)),
                    "coverage")
    cov.slider(key="cov_cutoff").set_value(45).run()
    no_exception(cov)
    again = open_page(log_in(AppTest.from_file(at._script_path, default_timeout=240)), "data")
    no_exception(again)
    assert any(i.value.startswith("Đã khôi phục bản nháp lúc") for i in again.info)
    assert any(w.value.startswith("Danh sách chưa lưu") for w in again.warning)
    roster = next(d.value for d in again.dataframe if "Vì sao nghỉ" in d.value.columns)
    assert roster["Họ tên"].tolist() == ["Hồ Thị Mai"]
    again.switch_page("app/pages/coverage.py").run()
    no_exception(again)
    assert again.slider(key="cov_cutoff").value == 45


def test_the_working_day_panels_show_only_vietnamese(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """Crew, carried jobs, risk, progress, close, the roster and a report: no English, no
    raw code (the checker of tests/test_app_vietnamese.py)."""
    from apptest_utils import ADMIN_PASSWORD
    from test_app_vietnamese import CODE_WORDS, _names
    from ui_text import english_catalogue, shown_texts, untranslated

    from data import accounts

    texts, words = english_catalogue()
    vocabulary = {"english_texts": texts, "english_words": words | CODE_WORDS,
                  "names": _names()}

    def check(at: AppTest, where: str) -> None:
        no_exception(at)
        problems = untranslated(shown_texts(at), **vocabulary)
        assert not problems, f"{where}:\n" + "\n".join(problems)

    at = make_app(monkeypatch, tmp_path, logged_in=False)
    with _store() as store:
        lan = accounts.create_first_admin(store, "lan", password=ADMIN_PASSWORD,
                                          display_name="Nguyễn Thị Lan")
        save_roster(store, roster_from_frame(pd.DataFrame([
            {"courier_id": "C01", "name": "Nguyễn Văn An", "office_id": OFFICE},
            {"courier_id": "C02", "name": "Y Blưk", "office_id": OFFICE,
             "days_off": DAY.strftime("%d/%m/%Y")}])), actor=lan)
    at = _dispatch_day(log_in(at, "lan", ADMIN_PASSWORD))
    at.number_input(key="dsp_n_jobs").set_value(6)
    at.button(key="dsp_simulate").click().run()
    at.button(key="dsp_plan").click().run()
    finish_planning(at)
    at.button(key="dsp_save").click().run()
    plan = at.session_state["plan"]
    plan_id, version, _ = at.session_state["dsp_saved_ref"]
    first = plan.routes[0].job_stops[0]
    with _store() as store:
        record_outcome(store, Outcome(
            outcome_id=str(uuid.uuid4()), plan_id=plan_id, plan_version=version,
            plan_date=DAY, courier_id="C01", job_id=str(first.job_id), role=first.kind,
            status="failed", reason="wrong_address",
            at=dt.datetime.combine(DAY, dt.time(9), VN_TZ)), actor=lan)
    at.button(key="dsp_progress_refresh").click().run()
    check(at, "dispatch (crew, risk, progress)")
    at.button(key="dsp_close_day").click().run()
    at.date_input(key="dsp_date").set_value(DAY + dt.timedelta(days=1)).run()
    check(at, "dispatch (next day, carried jobs)")
    at.switch_page("app/pages/data.py").run()
    at.date_input(key="roster_duty_day").set_value(DAY).run()
    check(at, "data (roster)")
    at.switch_page("app/pages/reports.py").run()
    at.date_input(key="rep_from").set_value(DAY)
    at.date_input(key="rep_to").set_value(DAY).run()
    for by in ("commune", "office"):
        at.selectbox(key="rep_by").set_value(by)
        at.selectbox(key="rep_period").set_value("week").run()
        check(at, f"reports (by {by}, per week)")
