"""The Dispatch page's working day: carried jobs, on-time risk, progress, re-plan, close.

* jobs carried to the day (:func:`routing.dayloop.carried_for`) come first in the day's list
  (:func:`routing.carryover.day_list`), with their attempts and the phone-call flag;
* the plan's on-time risk (:func:`routing.deadlines.on_time_risk`);
* each courier's progress from the reports (:func:`routing.progress.day_progress`, from
  :func:`data.outcomes.outcome_facts`: no personal field), and a re-plan of the rest of the
  day from where couriers really are (:func:`routing.progress.replan_inputs`);
* the day's close (:func:`routing.dayloop.close_stored_day`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app import messages as msg
from app import state as ss
from app.i18n import current_lang, fmt_date, t
from app.safe import md_t, md_text
from data.errors import InputError, PostplanError
from data.outcomes import VN_TZ
from routing.carryover import PendingJob
from routing.model import Job
from routing.result import Plan

_CARRIED = "dsp_carried"


def carried(start_ids: Sequence[str], day: dt.date) -> tuple[PendingJob, ...]:
    """Return the jobs carried to ``day`` for the start offices (read once per day and offices)."""
    from routing.dayloop import carried_for

    key = (day.isoformat(), tuple(sorted(start_ids)))
    cached = st.session_state.get(_CARRIED)
    if cached is not None and cached[0] == key:
        return tuple(cached[1])
    try:
        found = carried_for(ss.plan_store(), actor=ss.current_account(), day=day,
                            offices=start_ids)
    except PostplanError as exc:
        st.error(msg.error_md(exc))
        found = ()
    st.session_state[_CARRIED] = (key, found)
    return found


def forget_carried() -> None:
    """Read the carried jobs again on the next run (after a day was closed)."""
    st.session_state.pop(_CARRIED, None)


def carried_panel(jobs: Sequence[PendingJob]) -> None:
    """Say how many jobs come from earlier days, and list them with their history."""
    if not jobs:
        return
    calls = [p for p in jobs if p.needs_call]
    st.info(t("carry.count", n=len(jobs), calls=len(calls)))
    with st.expander(t("carry.title"), key="dsp_carried_exp", on_change="rerun"):
        rows = [{t("risk.col_job"): p.job_id,
                 t("carry.col_due"): fmt_date(p.due) if p.due else "—",
                 t("carry.col_attempts"): len(p.attempts),
                 t("carry.col_last"): _attempt_text(p),
                 t("carry.col_call"): "☎" if p.needs_call else ""} for p in jobs]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     key="dsp_carried_table")


def _attempt_text(p: PendingJob) -> str:
    from routing.dayclose import attempt_label

    if not p.attempts:
        return ""
    a = p.attempts[-1]
    return f"{fmt_date(a.day)}: {attempt_label(a.outcome, a.reason, current_lang())}"


def day_jobs(new: Sequence[Job], carried_jobs: Sequence[PendingJob], day: dt.date
             ) -> list[Job]:
    """Return the day's list as jobs: carried first, then the new ones (one rule).

    Raises
    ------
    InputError
        A carried job was imported again (every duplicate named).
    """
    from routing.carryover import day_list

    return [p.job for p in day_list(tuple(carried_jobs), list(new), day)]


def risk_panel(plan: Plan, problem: Any) -> None:
    """Show how many due jobs the plan takes and the jobs at risk of missing their date."""
    from routing.on_time import on_time_risk

    if problem is None:
        return
    risk = on_time_risk(plan, problem)
    lang = current_lang()
    st.subheader(t("risk.title"))
    box = st.warning if risk.will_miss else st.caption
    box(md_text(risk.summary(lang)))
    if risk.at_risk:
        rows = [{t("risk.col_job"): r.job_id,
                 t("risk.col_due"): fmt_date(dt.date.fromisoformat(r.due_date))
                 if r.due_date else "—",
                 t("risk.col_why"): r.text(lang)} for r in risk.at_risk]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="dsp_risk")


def _today_vn() -> dt.date:
    return dt.datetime.now(VN_TZ).date()


_SAVED_FP = "dsp_saved_fingerprint"


def _fingerprint(plan: Plan) -> str:
    text = json.dumps(plan.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remember_saved(plan: Plan, saved_ref: Any) -> None:
    """Note which plan the saved version ``saved_ref`` holds (the page just opened or saved it).

    :func:`_is_saved` then answers without opening the stored plan again: each opening of
    citizens' data is audited, and a page rerun is not an opening.
    """
    st.session_state[_SAVED_FP] = ((int(saved_ref[0]), int(saved_ref[1])), _fingerprint(plan))


def _is_saved(plan: Plan, saved_ref: Any) -> bool:
    """Whether the plan shown is the saved latest version (what reports and closes use).

    The latest version number comes from the history (no content, not an opening); the
    stored plan is opened (and audited) only when the page has not seen that version yet,
    e.g. after a reload restored the draft.
    """
    if saved_ref is None:
        return False
    store, actor = ss.plan_store(), ss.current_account()
    try:
        versions = store.history(int(saved_ref[0]), actor=actor)
        if not versions or versions[-1].version != saved_ref[1]:
            return False
        known = st.session_state.get(_SAVED_FP)
        if known is None or known[0] != (int(saved_ref[0]), int(saved_ref[1])):
            stored = store.get(int(saved_ref[0]), actor=actor)
            remember_saved(Plan.from_dict(stored.data()), saved_ref)
            known = st.session_state[_SAVED_FP]
    except PostplanError:
        return False
    return bool(known[1] == _fingerprint(plan))


def progress_panel(plan: Plan, problem: Any, saved_ref: Any, names: dict[str, str], *,
                   budget: float, iterations: int, profile: str) -> None:
    """Show each courier's progress and offer a re-plan from the reports."""
    from data.outcomes import outcome_facts
    from routing.progress import day_progress

    st.subheader(t("progress.title"))
    if saved_ref is None or plan.plan_date is None:
        st.caption(t("progress.not_saved"))
        return
    day = dt.date.fromisoformat(plan.plan_date)
    st.button(t("progress.refresh"), key="dsp_progress_refresh")
    try:
        facts = [o for o in outcome_facts(ss.plan_store(), actor=ss.current_account(),
                                          date_from=day, date_to=day)
                 if o.plan_id == int(saved_ref[0])]
    except PostplanError as exc:
        st.error(msg.error_md(exc))
        return
    now = dt.datetime.now(VN_TZ) if day == _today_vn() else None
    progress = day_progress(plan, facts, now=now)
    if any(o.provenance == "simulated" for o in facts):
        st.warning(t("progress.simulated"))
    rows = [{t("progress.col_courier"): names.get(c.courier_id, c.courier_id),
             t("progress.col_done"): c.done, t("progress.col_failed"): c.failed,
             t("progress.col_left"): c.left,
             t("progress.col_last"): c.last_at.astimezone(VN_TZ).strftime("%H:%M")
             if c.last_at else "—",
             t("progress.col_late"): c.late_s // 60 if c.running_late else 0}
            for c in progress.couriers]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="dsp_progress")
    if progress.late:
        st.warning(t("progress.late", n=len(progress.late)))
    from app import plan_progress as pp

    working = pp.running_kind()
    if facts and problem is not None:
        st.button(t("progress.replan"), key="dsp_progress_replan", disabled=working is not None,
                  on_click=_replan_from_reports, args=(plan, problem, saved_ref, now),
                  kwargs={"budget": budget, "iterations": iterations, "profile": profile})
    pp.show("replan_reports")
    pp.show_message(pp.REPORTS_MSG)


def _replan_from_reports(plan: Plan, problem: Any, saved_ref: Any, now: dt.datetime | None,
                         *, budget: float, iterations: int, profile: str) -> None:
    """Start the re-plan from the couriers' reports in the background (the button's callback).

    A report that cannot be used is kept as the re-plan's message (``pp.REPORTS_MSG``).
    """
    import functools

    from app import network as appnet
    from app import plan_progress as pp
    from app import plan_work as pw
    from data.outcomes import outcomes_for
    from routing.progress import replan_inputs

    assert plan.plan_date is not None
    day = dt.date.fromisoformat(plan.plan_date)
    try:
        reports = [o for o in outcomes_for(ss.plan_store(), actor=ss.current_account(),
                                           plan_date=day) if o.plan_id == int(saved_ref[0])]
        when = now or max(o.at for o in reports)
        inputs = replan_inputs(plan, problem, reports, now=when)
    except PostplanError as exc:
        st.session_state[pp.REPORTS_MSG] = ("error", msg.error_md(exc))
        return
    load_network, _load_matrices = appnet.session_loaders(profile, day)
    pp.start(
        "replan_reports",
        functools.partial(
            pw.replan_work,
            network=load_network,
            problem=problem,
            plan=plan,
            at_s=inputs.now_s,
            locked=(),
            seconds=float(budget),
            iterations=int(iterations) or None,
            profile=profile,
            day=day,
            done=inputs.done,
            cancelled=tuple(inputs.cancelled),
            positions=inputs.positions,
        ),
        budget_s=float(budget),
    )


def close_panel(plan: Plan, saved_ref: Any, offices: pd.DataFrame) -> None:
    """Offer to close the plan's day; show what the close did."""
    from routing.dayloop import close_stored_day

    st.subheader(t("close.title"))
    st.caption(t("close.hint"))
    shown = st.session_state.get("dsp_close_msg")
    if saved_ref is None or plan.plan_date is None:
        st.caption(t("progress.not_saved"))
        return
    day = dt.date.fromisoformat(plan.plan_date)
    saved = _is_saved(plan, saved_ref)
    if not saved:
        st.caption(t("close.unsaved"))
    if st.button(t("close.btn", day=fmt_date(day)), key="dsp_close_day", disabled=not saved):
        try:
            result = close_stored_day(ss.plan_store(), plan, int(saved_ref[0]),
                                      actor=ss.current_account(), registry=offices,
                                      commune_of=_commune_lookup())
        except (InputError, PostplanError) as exc:
            st.error(msg.error_md(exc))
        else:
            out = result.to_dict()
            lines = [md_t("close.done", day=fmt_date(day), done=out["done"],
                          on_time=out["on_time"], left=out["left"],
                          next=fmt_date(result.next_day))]
            if out["flagged"]:
                lines.append(md_t("close.call", jobs=", ".join(f["job_id"]
                                                               for f in out["flagged"])))
            st.session_state["dsp_close_msg"] = lines
            forget_carried()
            st.rerun()
    if shown:
        st.success("\n\n".join(shown))


@st.cache_resource(show_spinner=False)
def _commune_finder(data_dir: str) -> Any:
    from routing.dayclose import commune_finder

    return commune_finder(ss.load_layer("communes", data_dir))


def _commune_lookup() -> Any:
    """``(lon, lat) → pre-2025 commune code`` by the bundled polygons (for day facts)."""
    return _commune_finder(ss.data_key(ss.get_settings()))


__all__ = ["carried", "carried_panel", "close_panel", "day_jobs", "forget_carried",
           "progress_panel", "risk_panel"]
