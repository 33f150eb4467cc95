"""Real Chromium: reloading the page mid-work brings the work back (server-side drafts).

The Dispatch page's simulated jobs and plan, after a reload (and a new login if the login
does not survive it), come back without planning again; *Bỏ bản nháp / Discard draft*
forgets them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_utils import (
    ARTIFACTS,
    PASSWORD,
    USER,
    chromium,
    log_in,
    running_app,
    set_number,
    wait_idle,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app(log_name="streamlit-drafts.log") as url:
        yield url


def _log_in_if_asked(page: Any) -> None:
    """After a reload: sign in again when the login form is shown (else nothing)."""
    wait_idle(page)
    form = page.get_by_label("Tên đăng nhập")
    if form.count():
        form.fill(USER)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        wait_idle(page)


def test_reload_mid_work_brings_the_plan_back(app_url: str) -> None:
    """Simulate and plan, reload: the jobs and the plan are there; discard empties the page."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1900})
        log_in(page, app_url)  # Dispatch is the default page
        page.get_by_text("Điều phối tuyến trong ngày").wait_for(timeout=60_000)
        set_number(page, "Số việc mô phỏng", 9)
        set_number(page, "Số bưu tá", 3)
        set_number(page, "Thời gian tính (giây)", 2)
        page.get_by_role("button", name="Mô phỏng").click()
        wait_idle(page)
        page.get_by_role("button", name="Lập tuyến").click()
        page.get_by_text("Bưu tá 1").first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        figures = re.search(r"\d+ tuyến, \d+ điểm dừng, [\d.,]+ km",
                            page.get_by_text("điểm dừng", exact=False).first.inner_text())
        assert figures is not None
        summary = figures.group(0)
        page.reload(wait_until="networkidle")
        _log_in_if_asked(page)
        page.get_by_text("Đã khôi phục bản nháp lúc").wait_for(timeout=60_000)
        wait_idle(page, 180_000)
        assert page.get_by_text("9 việc", exact=False).count() >= 1
        page.get_by_text("Bưu tá 1").first.wait_for(timeout=60_000)
        assert page.get_by_text(summary, exact=False).count() >= 1  # the same plan, unsolved
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(ARTIFACTS / "draft-restored.png"), full_page=True)
        page.get_by_role("button", name="Bỏ bản nháp").click()
        wait_idle(page)
        page.get_by_text("Chưa có việc").wait_for(timeout=60_000)
        page.reload(wait_until="networkidle")
        _log_in_if_asked(page)
        page.get_by_text("Chưa có việc").wait_for(timeout=60_000)
        assert page.get_by_text("Đã khôi phục bản nháp lúc").count() == 0
