"""Quản trị / Admin: accounts and the audit log.

Accounts: add, change role and offices, disable, enable, reset a password. The audit log:
filters (since, account, action) and a CSV export (itself audited).

Every change goes through :mod:`data.accounts` with ``actor=`` the logged-in admin, so the
store checks the role and writes the audit entry; the page only draws. Names shown come
from the database and are drawn as text (tables, select boxes) or escaped (messages).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from app import state as ss
from app.i18n import N_, fmt_datetime, t
from app.labels import role_label
from app.messages import error_md
from app.safe import md_t
from data import accounts as acc
from data.access import ROLES, require_page
from data.audit import ACTIONS, export_audit, list_audit
from data.errors import PostplanError

ss.enter_page("admin")
st.title(t("admin.title"))
actor = ss.current_account()
store = ss.plan_store()
try:
    require_page(actor, "admin")
    accounts = acc.list_accounts(store, actor=actor)
except PostplanError as exc:
    st.error(error_md(exc))
    st.stop()
ss.show_flash("adm_flash")


#: Audit-log action -> label key.
ACTION_KEYS = {
    "login": N_("audit.login"), "login_failed": N_("audit.login_failed"),
    "lock": N_("audit.lock"), "logout": N_("audit.logout"),
    "session_expired": N_("audit.session_expired"), "open": N_("audit.open"),
    "export": N_("audit.export"), "save": N_("audit.save"), "restore": N_("audit.restore"),
    "delete": N_("audit.delete"), "account_add": N_("audit.account_add"),
    "account_update": N_("audit.account_update"),
    "account_disable": N_("audit.account_disable"),
    "account_enable": N_("audit.account_enable"), "password_reset": N_("audit.password_reset"),
    "privacy_find": N_("audit.privacy_find"), "privacy_export": N_("audit.privacy_export"),
    "privacy_erase": N_("audit.privacy_erase"), "privacy_purge": N_("audit.privacy_purge"),
    "outcome": N_("audit.outcome"), "day_close": N_("audit.day_close"),
}
#: What an audit entry is about -> label key.
OBJECT_KEYS = {
    "account": N_("audit.obj_account"), "audit_log": N_("audit.obj_audit_log"),
    "plan": N_("audit.obj_plan"), "manual_edit": N_("audit.obj_manual_edit"),
    "job_list": N_("audit.obj_job_list"), "office_registry": N_("audit.obj_office_registry"),
    "coverage_scenario": N_("audit.obj_coverage_scenario"),
    "closure_set": N_("audit.obj_closure_set"), "speed_table": N_("audit.obj_speed_table"),
    "roster": N_("audit.obj_roster"), "field_observations": N_("audit.obj_field_observations"),
    "trace_roads": N_("audit.obj_trace_roads"),
}


def _role_label(role: str) -> str:
    return role_label(role)


def _coded(keys: dict[str, str], value: str | None) -> str:
    return t(keys[value]) if value in keys else (value or "")


def _post_offices() -> dict[str, str]:
    """Post offices of the registry in use: id -> name (the choices for a dispatcher)."""
    offices = ss.current_offices()
    rows = offices[offices["kind"] == "post_office"] if "kind" in offices.columns else offices
    return {str(r.office_id): str(r.name) for r in rows.itertuples()}


def _done(key: str, **values: Any) -> None:
    ss.flash("adm_flash", "success", md_t(key, **values))
    st.rerun()


def _account_table(rows: list[Any]) -> pd.DataFrame:
    return pd.DataFrame({
        t("admin.col_username"): [a.username for a in rows],
        t("admin.col_display"): [a.display_name for a in rows],
        t("admin.col_role"): [_role_label(a.role) for a in rows],
        t("admin.col_offices"): [", ".join(post_offices.get(o, o) for o in a.offices)
                                 for a in rows],
        t("admin.col_courier"): [a.courier_id or "" for a in rows],
        t("admin.col_email"): [a.email or "" for a in rows],
        t("admin.col_state"): [t("admin.disabled") if a.disabled else t("admin.enabled")
                               for a in rows],
    })


post_offices = _post_offices()
tab_accounts, tab_audit = st.tabs([t("admin.tab_accounts"), t("admin.tab_audit")])

# ---- accounts -------------------------------------------------------------------------------
with tab_accounts:
    st.dataframe(_account_table(accounts), hide_index=True, width="stretch",
                 key="adm_accounts")

    st.subheader(t("admin.add_title"))
    with st.form("adm_add_form", clear_on_submit=False):
        a1, a2, a3 = st.columns(3)
        new_user = a1.text_input(t("admin.username"), key="adm_add_user",
                                 help=t("admin.username_help"))
        new_display = a2.text_input(t("admin.display"), key="adm_add_display")
        new_role = a3.selectbox(t("admin.role"), ROLES, index=ROLES.index("dispatcher"),
                                format_func=_role_label, key="adm_add_role")
        b1, b2, b3 = st.columns(3)
        new_offices = b1.multiselect(t("admin.offices"), list(post_offices),
                                     format_func=lambda o: post_offices.get(o, o),
                                     key="adm_add_offices", help=t("admin.offices_help"),
                                     placeholder=t("common.choose"))
        new_courier = b2.text_input(t("admin.courier_id"), key="adm_add_courier",
                                    help=t("admin.courier_help"))
        new_email = b3.text_input(t("admin.email"), key="adm_add_email")
        c1, c2 = st.columns(2)
        new_pw = c1.text_input(t("admin.password"), type="password", key="adm_add_pw",
                               help=t("admin.password_help", n=acc.MIN_PASSWORD_CHARS))
        new_pw2 = c2.text_input(t("admin.password_again"), type="password", key="adm_add_pw2")
        adding = st.form_submit_button(t("admin.add_btn"), type="primary", key="adm_add")
    if adding:
        if new_pw != new_pw2:
            st.error(t("admin.mismatch"))
        else:
            try:
                made = acc.add_account(
                    store, new_user.strip().lower(), actor=actor, role=new_role,
                    password=new_pw, display_name=new_display.strip() or None,
                    offices=new_offices, courier_id=new_courier or None,
                    email=new_email or None)
            except PostplanError as exc:
                st.error(error_md(exc))
            else:
                for k in ("adm_add_user", "adm_add_display", "adm_add_courier", "adm_add_email",
                          "adm_add_pw", "adm_add_pw2"):
                    st.session_state.pop(k, None)
                _done(N_("admin.added"), name=made.username, role=_role_label(made.role))

    st.subheader(t("admin.change_title"))
    names = [a.username for a in accounts]
    picked = st.selectbox(t("admin.pick"), names, key="adm_pick",
                          format_func=lambda u: next(f"{a.username} — {a.display_name}"
                                                     for a in accounts if a.username == u))
    chosen = next(a for a in accounts if a.username == picked)
    choices = list(post_offices) + [o for o in chosen.offices if o not in post_offices]
    with st.form(f"adm_edit_form_{chosen.username}"):
        e1, e2 = st.columns(2)
        ed_display = e1.text_input(t("admin.display"), value=chosen.display_name,
                                   key=f"adm_edit_display_{chosen.username}")
        ed_role = e2.selectbox(t("admin.role"), ROLES, index=ROLES.index(chosen.role),
                               format_func=_role_label, key=f"adm_edit_role_{chosen.username}")
        f1, f2, f3 = st.columns(3)
        ed_offices = f1.multiselect(t("admin.offices"), choices, default=list(chosen.offices),
                                    format_func=lambda o: post_offices.get(o, o),
                                    key=f"adm_edit_offices_{chosen.username}",
                                    placeholder=t("common.choose"))
        ed_courier = f2.text_input(t("admin.courier_id"), value=chosen.courier_id or "",
                                   key=f"adm_edit_courier_{chosen.username}")
        ed_email = f3.text_input(t("admin.email"), value=chosen.email or "",
                                 key=f"adm_edit_email_{chosen.username}")
        saving = st.form_submit_button(t("admin.save_btn"), key=f"adm_edit_save_{chosen.username}")
    if saving:
        try:
            acc.update_account(store, chosen.username, actor=actor, role=ed_role,
                               offices=ed_offices, courier_id=ed_courier.strip(),
                               display_name=ed_display, email=ed_email.strip())
        except PostplanError as exc:
            st.error(error_md(exc))
        else:
            _done(N_("admin.changed"), name=chosen.username)

    g1, g2, g3 = st.columns([2, 2, 1])
    reset_pw = g1.text_input(t("admin.new_password"), type="password", key="adm_reset_pw")
    reset_pw2 = g2.text_input(t("admin.password_again"), type="password", key="adm_reset_pw2")
    if g3.button(t("admin.reset_btn"), key="adm_reset"):
        if reset_pw != reset_pw2:
            st.error(t("admin.mismatch"))
        else:
            try:
                acc.reset_password(store, chosen.username, reset_pw, actor=actor)
            except PostplanError as exc:
                st.error(error_md(exc))
            else:
                st.session_state.pop("adm_reset_pw", None)
                st.session_state.pop("adm_reset_pw2", None)
                _done(N_("admin.reset_done"), name=chosen.username)
    toggle_key = N_("admin.enable_btn") if chosen.disabled else N_("admin.disable_btn")
    if st.button(t(toggle_key), key="adm_toggle"):
        try:
            acc.set_disabled(store, chosen.username, not chosen.disabled, actor=actor)
        except PostplanError as exc:
            st.error(error_md(exc))
        else:
            _done(N_("admin.enabled_done") if chosen.disabled else N_("admin.disabled_done"),
                  name=chosen.username)

# ---- audit log ------------------------------------------------------------------------------
with tab_audit:
    h1, h2, h3 = st.columns(3)
    since = h1.date_input(t("admin.since"), value=dt.date.today() - dt.timedelta(days=7),
                          format="DD/MM/YYYY", key="adm_since")
    user = h2.selectbox(t("admin.user"), ["", *names],
                        format_func=lambda u: u or t("admin.everyone"), key="adm_user")
    action = h3.selectbox(t("admin.action"), ["", *ACTIONS],
                          format_func=lambda a: _coded(ACTION_KEYS, a) or t("admin.every_action"),
                          key="adm_action")
    filters: dict[str, Any] = {"since": since if isinstance(since, dt.date) else None,
                               "user": user or None, "action": action or None}
    try:
        entries = list_audit(store, actor=actor, **filters)
    except PostplanError as exc:
        st.error(error_md(exc))
        entries = []
    st.caption(t("admin.audit_count", n=len(entries)))
    newest = entries[-1000:][::-1]
    shown = pd.DataFrame({
        t("admin.col_at"): [fmt_datetime(e.at) for e in newest],
        t("admin.col_username"): [e.username or "" for e in newest],
        t("admin.col_role"): [_role_label(e.role) if e.role else "" for e in newest],
        t("admin.col_action"): [_coded(ACTION_KEYS, e.action) for e in newest],
        t("admin.col_object"): [_coded(OBJECT_KEYS, e.object_kind) for e in newest],
        t("admin.col_name"): [e.object_name or "" for e in newest],
    })
    st.dataframe(shown, hide_index=True, width="stretch", key="adm_audit_table")

    def _export() -> bytes:
        return export_audit(store, actor=actor, **filters)

    st.download_button(t("admin.export_btn"), data=_export,
                       file_name=f"audit_{dt.date.today():%Y-%m-%d}.csv", mime="text/csv",
                       key="adm_export", on_click="ignore")
    st.caption(t("admin.export_hint"))
