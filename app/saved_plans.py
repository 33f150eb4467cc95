"""Saved plans on the Dispatch page: open, history, restore, compare.

A plan opens from the picker or from a ``?plan=ID`` link; its versions are listed, an old
one can be restored, and two versions are compared as a dispatcher reads them.

Every read goes through the store with the logged-in account (``actor=``), so another
office's plan is refused by the store and the page shows why.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app import compare_view as cv
from app import day_panel as dp
from app import dispatch_logic as dl
from app import messages as msg
from app import state as ss
from app import store_view as sv
from app.i18n import N_, t
from data.errors import ConflictError, PostplanError
from routing.compare import compare_plans
from routing.result import Plan


def show_history(object_id: int) -> None:
    """Show the chosen plan's versions, a restore form and a comparison of two versions."""
    store = ss.plan_store()
    try:
        versions = store.history(object_id, actor=ss.current_account())
    except PostplanError as exc:
        st.error(msg.error_md(exc))
        return
    if not versions:
        return
    st.markdown(f"**{t('dispatch.history_title')}**")
    st.dataframe(
        sv.history_table(versions), hide_index=True, width="stretch", key="dsp_saved_history"
    )
    numbers = [v.version for v in versions]
    latest = numbers[-1]
    done = st.session_state.pop("dsp_restore_msg", None)
    if done:
        st.success(done)
    h1, h2, h3 = st.columns([1, 2, 1])
    old = h1.selectbox(
        t("dispatch.restore_version"),
        numbers,
        format_func=lambda v: f"v{v}",
        key="dsp_restore_version",
    )
    h2.text(f"{t('dispatch.restore_author')}: {ss.current_account().display_name}")
    if h3.button(t("dispatch.restore_btn"), key="dsp_restore"):
        try:
            restored = store.restore(
                object_id, int(old), actor=ss.current_account(), expected_version=latest
            )
        except ConflictError:
            now = store.get(object_id, actor=ss.current_account()).info
            st.error(sv.conflict_text(now, opened=latest, kind_key=N_("dispatch.save_conflict")))
        except PostplanError as exc:
            st.error(msg.error_md(exc))
        else:
            st.session_state["dsp_restore_msg"] = t(
                "dispatch.restore_done", old=int(old), version=restored.version
            )
            st.session_state["dsp_open_next"] = restored.id  # show what is now the latest
            st.rerun()
    if len(numbers) < 2:
        return
    c1, c2, c3 = st.columns([1, 1, 1])
    va = c1.selectbox(
        t("dispatch.compare_a"),
        numbers,
        index=len(numbers) - 2,
        format_func=lambda v: f"v{v}",
        key="dsp_compare_a",
    )
    vb = c2.selectbox(
        t("dispatch.compare_b"),
        numbers,
        index=len(numbers) - 1,
        format_func=lambda v: f"v{v}",
        key="dsp_compare_b",
    )
    if c3.button(t("dispatch.compare_btn"), key="dsp_compare"):
        st.session_state["dsp_compare_of"] = (object_id, int(va), int(vb))
    if st.session_state.get("dsp_compare_of") != (object_id, int(va), int(vb)):
        return
    try:
        a = store.get(object_id, version=int(va), actor=ss.current_account())
        b = store.get(object_id, version=int(vb), actor=ss.current_account())
    except PostplanError as exc:
        st.error(msg.error_md(exc))
        return
    plans = []
    for stored in (a, b):
        try:
            plans.append(Plan.from_dict(stored.data()))
        except (KeyError, TypeError, ValueError):
            st.info(t("cmp.not_plan", version=stored.version))
            return
    comparison = compare_plans(plans[0], plans[1])
    shown_names = {
        **dict(a.data().get("courier_names") or {}),
        **dict(b.data().get("courier_names") or {}),
    }
    lines = cv.comparison_lines(comparison, shown_names, va=int(va), vb=int(vb))
    st.markdown("\n".join(f"- {line}" for line in lines))
    if not comparison.identical:
        st.dataframe(
            cv.comparison_table(comparison, shown_names, va=int(va), vb=int(vb)),
            hide_index=True,
            width="stretch",
            key="dsp_compare_table",
        )


def saved_plans_panel(*, profile: str) -> None:
    """Draw the saved-plans expander; opening a plan makes it the plan in use and reruns.

    Parameters
    ----------
    profile
        The vehicle profile chosen on the page, used when an opened plan does not name one.
    """
    pending_open = st.session_state.pop("dsp_open_next", None)  # a restore: show the new version
    pick_next = st.session_state.pop("dsp_pick_next", None)  # a save: show that plan's history
    if st.query_params.get("plan"):  # a link to a saved plan, /dispatch?plan=12: opened once
        try:
            pending_open = ss.plan_store().resolve(
                str(st.query_params.pop("plan")), actor=ss.current_account(), kind="plan"
            ).id
        except PostplanError as exc:  # another office's plan: the store refuses; say so
            st.error(msg.error_md(exc))
    with st.expander(t("dispatch.saved_title"), expanded=False, key="dsp_saved_exp",
                     on_change="rerun"):
        try:
            saved = ss.plan_store().list_objects("plan", actor=ss.current_account(), limit=50)
        except PostplanError as exc:
            st.error(msg.error_md(exc))
            saved = []
        if saved:
            for wanted in (pick_next, pending_open):
                if wanted is not None and wanted in [o.id for o in saved]:
                    st.session_state["dsp_saved_pick"] = wanted
            o1, o2 = st.columns([3, 1])
            chosen_id = o1.selectbox(
                t("dispatch.saved_pick"),
                [o.id for o in saved],
                format_func=lambda i: next(sv.object_label(o) for o in saved if o.id == i),
                key="dsp_saved_pick",
            )
            opening = o2.button(t("dispatch.saved_open"), key="dsp_saved_open")
            if opening or (pending_open is not None and pending_open == chosen_id):
                stored = ss.plan_store().get(int(chosen_id), actor=ss.current_account())
                content = stored.data()
                opened = Plan.from_dict(content)
                st.session_state["dsp_saved_names"] = dict(content.get("courier_names") or {})
                for k in ("dsp_matrices", ss.PLAN_EDIT_REPORT, "dsp_replan_msg"):
                    st.session_state.pop(k, None)
                st.session_state[ss.PLAN] = opened
                st.session_state[ss.PLAN_ORIGINAL] = opened
                st.session_state["dsp_saved_ref"] = (stored.id, stored.version, stored.name)
                dp.remember_saved(opened, st.session_state["dsp_saved_ref"])
                # the plan carries its problem: edits and re-plans work as on a fresh plan
                opened_problem, opened_profile, why_not = dl.plan_problem(opened)
                st.session_state["dsp_problem"] = opened_problem
                st.session_state["dsp_problem_why"] = why_not
                if opened.plan_date:
                    st.session_state["dsp_context"] = (
                        opened_profile or profile,
                        dt.date.fromisoformat(opened.plan_date),
                    )
                st.rerun()
            show_history(int(chosen_id))
        else:
            st.caption(t("dispatch.saved_none"))
