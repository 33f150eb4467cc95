"""Issue 10's whole Dispatch walk in real Chromium: plan → edit → re-plan → save → restore →
reopen → edit, with no error box, no exception and no script error on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_utils import ARTIFACTS, chromium, log_in, running_app, set_number, wait_idle

pytestmark = pytest.mark.browser

NAME = "Ngày thử đi bộ"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _click(page: Any, key: str) -> None:
    """Click the button with widget key ``key`` and let the app rerun."""
    page.locator(f".st-key-{key} button").first.click()
    wait_idle(page, 180_000)


def _clean(page: Any, where: str, script_errors: list[str]) -> None:
    """No error box, no exception block, no script error so far."""
    errors = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    assert errors == [], f"{where}: {errors}"
    assert page.locator('[data-testid="stException"]').count() == 0, where
    assert script_errors == [], f"{where}: {script_errors}"


def _move_a_stop(page: Any, script_errors: list[str], where: str) -> None:
    """Sửa tay → Chuyển: the edit is re-checked (no violation, or the violations listed)."""
    # a run still going shows the old and the new panel at once (Streamlit keeps the old
    # elements until the run ends): look once it has ended, so that one button is found
    wait_idle(page, 60_000)
    if not page.locator(".st-key-dsp_edit_move button").is_visible():
        page.get_by_text("Sửa tay", exact=True).click()
        wait_idle(page)
    assert page.get_by_text("không sửa tay hay lập lại được", exact=False).count() == 0, where
    _click(page, "dsp_edit_move")
    page.get_by_text(re.compile(r"Đã chuyển; thời gian được tính lại|Vi phạm sau khi sửa")
                     ).first.wait_for(timeout=60_000)
    _clean(page, where, script_errors)


def test_plan_edit_replan_save_restore_reopen_edit(browser: Any) -> None:
    """Every step of a dispatcher's day with a saved plan runs clean in the browser."""
    with running_app(log_name="walk-server.log") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 2400})
        script_errors: list[str] = []
        page.on("pageerror", lambda e: script_errors.append(str(e)))
        log_in(page, url)
        page.get_by_text("Điều phối tuyến trong ngày").wait_for(timeout=60_000)
        wait_idle(page)
        set_number(page, "Số việc mô phỏng", 30)
        set_number(page, "Thời gian tính (giây)", 2)
        _click(page, "dsp_simulate")
        page.get_by_text("30 việc (mô phỏng)").wait_for(timeout=60_000)

        _click(page, "dsp_plan")  # in the background; the routes appear when it ends
        page.get_by_text(re.compile(r"\d+ tuyến, \d+ điểm dừng")).first.wait_for(
            timeout=180_000)
        wait_idle(page, 60_000)
        _clean(page, "plan", script_errors)

        _move_a_stop(page, script_errors, "edit")

        page.get_by_text("Lập lại phần còn lại trong ngày", exact=True).click()
        wait_idle(page)
        _click(page, "dsp_replan")
        page.get_by_text(re.compile(r"Đã lập lại từ 10:00")).first.wait_for(timeout=120_000)
        wait_idle(page, 60_000)
        _clean(page, "re-plan", script_errors)

        page.get_by_label("Tên kế hoạch").fill(NAME)
        page.get_by_label("Tên kế hoạch").press("Enter")
        wait_idle(page)
        _click(page, "dsp_save")
        page.get_by_text(f"Đã lưu «{NAME}», phiên bản 1.").wait_for(timeout=60_000)
        _move_a_stop(page, script_errors, "edit after save")
        _click(page, "dsp_save")
        page.get_by_text(f"Đã lưu «{NAME}», phiên bản 2.").wait_for(timeout=60_000)
        _clean(page, "save", script_errors)

        if not page.locator(".st-key-dsp_restore button").is_visible():
            page.get_by_text("Mở kế hoạch đã lưu", exact=True).click()
            wait_idle(page)
        _click(page, "dsp_restore")  # the version picker starts at v1
        page.get_by_text("Đã khôi phục phiên bản 1 thành phiên bản mới 3.").wait_for(
            timeout=60_000)
        _clean(page, "restore", script_errors)

        _click(page, "dsp_saved_open")  # reopen the plan (v3, a copy of v1)
        page.get_by_text(re.compile(r"\d+ tuyến, \d+ điểm dừng")).first.wait_for(
            timeout=60_000)
        assert page.get_by_label("Tên kế hoạch").input_value() == NAME
        _move_a_stop(page, script_errors, "edit after reopening")
        _click(page, "dsp_save")  # a new version on top of v3: no conflict with oneself
        page.get_by_text(f"Đã lưu «{NAME}», phiên bản 4.").wait_for(timeout=60_000)
        _clean(page, "save after reopening", script_errors)
        page.screenshot(path=str(ARTIFACTS / "walk-dispatch.png"), full_page=True)
        page.close()
