"""The admin page (AppTest): accounts added and changed through the store, the audit log
with filters and its CSV export, and the menu each role gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apptest_utils import ADMIN_PASSWORD, download, log_in, make_app, no_exception, open_page
from streamlit.testing.v1 import AppTest

from app.navigation import PAGES, ROOT
from data import accounts as acc
from data.audit import list_audit
from data.settings import Settings
from data.store import Store

NEW_PASSWORD = "mật-khẩu-của-minh"


def _store() -> Store:
    return Store.open(Settings.from_env())


def _admin(store: Store) -> acc.Account:
    found = acc.get_account(store, "admin")
    assert found is not None
    return found


def _main_text(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "warning", "error", "success", "markdown", "caption")
             for e in at.main.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_admin_adds_a_dispatcher_and_changes_it_into_a_courier(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The add form makes a dispatcher of one office; the change form a courier; audited."""
    at = open_page(make_app(monkeypatch, tmp_path), "admin")
    no_exception(at)
    assert at.title[0].value == "Quản trị: tài khoản và nhật ký"
    at.text_input(key="adm_add_user").set_value("Minh")
    at.text_input(key="adm_add_display").set_value("Trần Văn Minh")
    at.selectbox(key="adm_add_role").set_value("dispatcher")
    at.multiselect(key="adm_add_offices").set_value(["po-23293"])
    at.text_input(key="adm_add_pw").set_value(NEW_PASSWORD)
    at.text_input(key="adm_add_pw2").set_value("khác-hẳn-mật-khẩu")
    at.button(key="adm_add").click().run()
    assert [e.value for e in at.error] == ["Hai lần nhập mật khẩu không khớp."]
    at.text_input(key="adm_add_pw2").set_value(NEW_PASSWORD)
    at.button(key="adm_add").click().run()
    no_exception(at)
    assert "Đã thêm tài khoản minh (điều phối viên)." in [s.value for s in at.success]
    with _store() as store:
        minh = acc.get_account(store, "minh")
        assert minh is not None and (minh.role, minh.offices) == ("dispatcher", ("po-23293",))
    at.selectbox(key="adm_pick").set_value("minh").run()
    at.selectbox(key="adm_edit_role_minh").set_value("courier")
    at.button(key="adm_edit_save_minh").click().run()
    assert any("Bưu tá cần mã bưu tá" in e.value for e in at.error)  # checked as a whole
    at.text_input(key="adm_edit_courier_minh").set_value("BT07")
    at.button(key="adm_edit_save_minh").click().run()
    no_exception(at)
    with _store() as store:
        minh = acc.get_account(store, "minh")
        assert minh is not None and (minh.role, minh.offices, minh.courier_id) == (
            "courier", (), "BT07")
        assert [e.action for e in list_audit(store, actor=_admin(store), user="admin")][-2:] == [
            "account_add", "account_update"]


def test_disable_enable_and_reset_a_password(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    """Disable, enable and reset go through the store; the new password logs in."""
    at = make_app(monkeypatch, tmp_path)
    with _store() as store:
        acc.add_account(store, "an", actor=_admin(store), role="viewer", password=NEW_PASSWORD)
    at = open_page(at, "admin")
    at.selectbox(key="adm_pick").set_value("an").run()
    at.button(key="adm_toggle").click().run()
    assert "Đã vô hiệu hoá an." in [s.value for s in at.success]
    at.button(key="adm_toggle").click().run()
    assert "an dùng lại được." in [s.value for s in at.success]
    at.text_input(key="adm_reset_pw").set_value("mật-khẩu-mới-của-an")
    at.text_input(key="adm_reset_pw2").set_value("mật-khẩu-mới-của-an")
    at.button(key="adm_reset").click().run()
    no_exception(at)
    with _store() as store:
        assert acc.get_account(store, "an").disabled is False  # type: ignore[union-attr]
        actions = [e.action for e in list_audit(store, actor=_admin(store), user="admin")]
        assert actions[-3:] == ["account_disable", "account_enable", "password_reset"]
    log_in(at, "an", "mật-khẩu-mới-của-an")  # the new password works


def test_audit_log_filters_and_csv_export(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    """The log shows what was done, filtered by account and action; the export is logged."""
    at = open_page(make_app(monkeypatch, tmp_path), "admin")
    at.selectbox(key="adm_action").set_value("login").run()
    no_exception(at)
    shown = at.dataframe[1].value  # accounts, then the audit log
    assert list(shown["Hành động"]) == ["đăng nhập"]
    assert list(shown["Tên đăng nhập"]) == ["admin"]
    name, data = download(at, "adm_export")
    assert name.startswith("audit_") and name.endswith(".csv")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,at,username,role,action") and len(lines) == 2
    with _store() as store:
        last = list_audit(store, actor=_admin(store))[-1]
        assert (last.action, last.object_kind, last.detail["action"]) == (
            "export", "audit_log", "login")


@pytest.mark.parametrize(("role", "extra", "title", "pages"), [
    ("courier", {"courier_id": "BT01"}, "Tuyến của tôi — ", ["courier"]),
    ("viewer", {}, "Số liệu các kế hoạch", ["reports"]),
    ("planner", {}, None, ["coverage", "data", "reports"]),
    ("dispatcher", {"offices": ["po-23293"]}, None, ["dispatch", "data", "reports"]),
])
def test_each_role_gets_its_own_menu_and_never_the_admin_page(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, role: str, extra: dict[str, Any],
        title: str | None, pages: list[str]) -> None:
    """A courier's menu is their route, a viewer's the figures; the admin page is no one's
    but the admin's (the app registers no such page for them)."""
    at = make_app(monkeypatch, tmp_path)
    with _store() as store:
        acc.add_account(store, "u1", actor=_admin(store), role=role, password=ADMIN_PASSWORD,
                        **extra)
    log_in(at, "u1")
    at.run()
    no_exception(at)
    if title is not None:  # the page's heading (a title, or the courier page's subheader)
        assert any(str(h.value).startswith(title) for h in [*at.title, *at.subheader])
    with pytest.raises(ValueError, match="Could not find a navigation page") as missing:
        at.switch_page("app/pages/admin.py")
    known = str(missing.value).split("Known pages: ", 1)[1]
    files = [k for k in known.strip("[].").replace("'", "").split(", ") if k.endswith(".py")]
    assert sorted(files) == sorted(
        str(ROOT / PAGES[name].file) for name in pages)
