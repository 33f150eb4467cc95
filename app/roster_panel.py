"""The courier roster on the Data page, and the crew of the day on the Dispatch page.

The roster is read with the one reader (:func:`data.roster.read_roster`, every problem with
its row and fix), shown as an editable table, checked again on *apply*, saved in the store
(:mod:`data.roster_store`, per post offices) and downloaded as CSV or XLSX. The Dispatch
page starts from the couriers on duty that day (:func:`data.roster.on_duty`): absent ones
unticked, with why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from app import messages as msg
from app import state as ss
from app.i18n import N_, current_lang, fmt_date, t
from app.safe import md_t
from data.errors import InputError, PostplanError

#: Session key of the roster being worked on (a checked DataFrame), before or after saving.
ROSTER = "roster"
#: Session key: the roster in the session is the stored one (nothing to save).
ROSTER_SAVED = "roster_saved"


def current_roster(office_ids: list[str]) -> pd.DataFrame | None:
    """Return the roster in use: the session's (uploaded, edited), else the stored one."""
    kept = st.session_state.get(ROSTER)
    if kept is not None:
        return kept
    from data.roster_store import stored_roster

    try:
        found = stored_roster(ss.plan_store(), actor=ss.current_account(), office_ids=office_ids)
    except PostplanError:
        return None
    if found is not None:
        st.session_state[ROSTER] = found
        st.session_state[ROSTER_SAVED] = True
    return found


#: Roster column -> label key (the editor keeps the file's column names).
ROSTER_COLUMN_KEYS = {
    "courier_id": N_("roster.col_id"),
    "name": N_("roster.col_name"),
    "phone": N_("roster.col_phone"),
    "office_id": N_("roster.col_office"),
    "profile": N_("roster.col_profile"),
    "shift": N_("roster.col_shift"),
    "days_off": N_("roster.col_days_off"),
    "capacity": N_("roster.col_capacity"),
    "active": N_("roster.col_active"),
}


def _editor_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Headers in the page's language; the vehicle as words from the one profile list."""
    from app.labels import profile_label
    from data.vehicles import PROFILE_NAMES

    out: dict[str, Any] = {}
    for col in frame.columns:
        header = t(ROSTER_COLUMN_KEYS[col]) if col in ROSTER_COLUMN_KEYS else str(col)
        if col == "profile":
            out[col] = st.column_config.SelectboxColumn(
                header, options=list(PROFILE_NAMES), format_func=lambda v: profile_label(str(v)))
        elif col == "active":
            out[col] = st.column_config.CheckboxColumn(header)
        else:
            out[col] = st.column_config.Column(header)
    return out


def _columns() -> dict[str, str]:
    return {
        "courier_id": t("roster.col_id"),
        "name": t("roster.col_name"),
        "office_id": t("roster.col_office"),
        "profile": t("roster.col_profile"),
        "shift": t("roster.col_shift"),
        "why": t("roster.col_why"),
    }


def roster_panel(settings: Any) -> None:
    """Draw the roster section of the Data page (upload, table, save, download, duty)."""
    from data.roster import read_roster, roster_from_frame, roster_to_bytes

    st.header(t("roster.title"))
    st.caption(t("roster.caption"))
    offices = ss.current_offices()
    office_ids = offices["office_id"].astype(str).tolist()
    upload = st.file_uploader(t("roster.upload"), type=["csv", "xlsx"], key="roster_upload")
    if upload is not None and st.session_state.get("roster_upload_done") != upload.file_id:
        st.session_state["roster_upload_done"] = upload.file_id
        try:
            read = read_roster(upload.getvalue(), office_ids=office_ids, filename=upload.name)
        except InputError as exc:
            st.session_state["roster_errors"] = list(exc.problems)
        except Exception as exc:  # a file no reader foresaw: never Python's own text
            st.session_state["roster_errors"] = [msg.error_md(exc)]
        else:
            st.session_state[ROSTER] = read
            st.session_state[ROSTER_SAVED] = False
            st.session_state["roster_errors"] = []
            ss.flash("roster_flash", "success", md_t("roster.loaded", n=len(read),
                                                      name=upload.name))
        st.rerun()
    errors = st.session_state.get("roster_errors") or []
    if errors:
        st.error(msg.problems_box(errors))
    ss.show_flash("roster_flash")
    roster = current_roster(office_ids)
    if roster is None:
        st.info(t("roster.none"))
        return
    if st.session_state.get(ROSTER_SAVED):
        st.caption(t("roster.stored", n=len(roster)))
    else:
        st.warning(t("roster.unsaved"))
    editable = pd.DataFrame(roster).copy()
    for col in editable.columns:
        if editable[col].dtype == object:
            editable[col] = editable[col].fillna("").astype(str)
    edited = st.data_editor(editable, key="roster_editor", num_rows="dynamic",
                            hide_index=True, width="stretch",
                            column_config=_editor_columns(editable))
    b1, b2, b3, b4 = st.columns(4)
    if b1.button(t("common.apply"), key="roster_apply"):
        try:
            checked = roster_from_frame(pd.DataFrame(edited), office_ids=office_ids,
                                        source=t("roster.title"))
        except InputError as exc:
            st.session_state["roster_errors"] = list(exc.problems)
        else:
            st.session_state[ROSTER] = checked
            st.session_state[ROSTER_SAVED] = False
            st.session_state["roster_errors"] = []
        st.rerun()
    if b2.button(t("roster.save"), key="roster_save", type="primary"):
        from data.roster_store import save_roster

        try:
            saved = save_roster(ss.plan_store(), roster, actor=ss.current_account())
        except PostplanError as exc:
            st.error(msg.error_md(exc))
        else:
            st.session_state[ROSTER_SAVED] = True
            ss.flash("roster_flash", "success", md_t("roster.saved", name=saved.name,
                                                      version=saved.version))
            st.rerun()
    b3.download_button(t("common.download_csv"), data=roster_to_bytes(roster, "csv"),
                       file_name="roster.csv", mime="text/csv", key="roster_csv",
                       on_click="ignore")
    b4.download_button(t("common.download_xlsx"), data=roster_to_bytes(roster, "xlsx"),
                       file_name="roster.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="roster_xlsx", on_click="ignore")
    day = st.date_input(t("roster.duty_day"), value=dt.date.today(), format="DD/MM/YYYY",
                        key="roster_duty_day")
    table, _duty = duty_table(roster, offices, day)
    st.dataframe(table, hide_index=True, width="stretch", key="roster_duty")


def duty_table(roster: pd.DataFrame, offices: pd.DataFrame, day: dt.date
               ) -> tuple[pd.DataFrame, Any]:
    """Return the roster as the crew table of ``day`` (on duty ticked, absent with why)."""
    from data.roster import on_duty

    duty = on_duty(roster, day, offices=offices)
    why = "why_vi" if current_lang() == "vi" else "why_en"
    from app.labels import profile_label

    names = dict(zip(offices["office_id"].astype(str), offices["name"].astype(str),
                     strict=False))

    def row(r: Mapping[Any, Any], use: bool, reason: str) -> dict[str, Any]:
        return {"use": use, "name": str(r.get("name", "")),
                "courier_id": str(r.get("courier_id", "")),
                "office_id": names.get(str(r.get("office_id")), str(r.get("office_id"))),
                "profile": profile_label(str(r.get("profile", ""))),
                "shift": str(r.get("shift", "")), "why": reason}

    rows = [row(r, True, "") for r in duty.on_duty.to_dict("records")]
    rows += [row(r, False, str(r[why])) for r in duty.absent.to_dict("records")]
    frame = pd.DataFrame(rows, columns=["use", "name", "courier_id", "office_id", "profile",
                                        "shift", "why"])
    return frame.rename(columns={"use": t("roster.col_use"), **_columns()}), duty


def roster_for(offices: pd.DataFrame, start_ids: list[str]) -> pd.DataFrame | None:
    """Return the roster's couriers of the start offices, or None (no roster for them)."""
    roster = current_roster(offices["office_id"].astype(str).tolist())
    if roster is None:
        return None
    mine = roster[roster["office_id"].astype(str).isin([str(o) for o in start_ids])]
    return None if mine.empty else mine


def crew_picker(roster: pd.DataFrame | None, offices: pd.DataFrame, start_ids: list[str],
                day: dt.date, profile: str) -> list[Any] | None:
    """Draw the day's crew on the Dispatch page; return the ticked couriers (None: no roster).

    Couriers on duty are ticked, absent ones unticked with why (day off, holiday, office
    closed, inactive); the dispatcher may tick or untick anyone.
    """
    from routing.workday import couriers_from_roster

    if roster is None:
        return None
    table, _duty = duty_table(roster, offices, day)
    use = t("roster.col_use")
    st.markdown(f"**{t('crew.title', day=fmt_date(day))}**")
    st.caption(t("crew.hint"))
    edited = st.data_editor(
        table, key=f"dsp_crew_{day.isoformat()}_{'+'.join(sorted(start_ids))}",
        hide_index=True, width="stretch",
        disabled=[c for c in table.columns if c != use],
        column_config={use: st.column_config.CheckboxColumn(use)})
    frame = pd.DataFrame(edited)
    picked = set(frame.loc[frame[use].astype(bool), t("roster.col_id")].astype(str))
    if not picked:
        st.warning(t("crew.none_ticked"))
        return []
    st.caption(t("crew.picked", n=len(picked)))
    chosen = roster[roster["courier_id"].astype(str).isin(picked)]
    return couriers_from_roster(chosen, profile=profile)


__all__ = ["ROSTER", "ROSTER_SAVED", "crew_picker", "current_roster", "duty_table",
           "roster_for", "roster_panel"]
