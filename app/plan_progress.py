"""Planning off the page's thread: this session's runner, the live panel, the result.

The Dispatch page starts a plan or a re-plan with :func:`start` (the work is
:func:`app.plan_work.plan_work` / ``replan_work``, bounded by the user's budget plus
:data:`app.plan_work.ACTION_EXTRA_S`) from the button's ``on_click``: the page stays usable
while it runs. :func:`show` draws the live panel where the action's button is — the phase
(network, matrix, solving, repair, routes on the roads, reasons), the time spent against
the limit and the best plan found so far (jobs served, km) as an ``st.fragment`` rerun
every :data:`PANEL_EVERY_S` seconds, which reruns the whole page when the work has ended —
and a Cancel button.
:func:`pick_up` (called on every run of the page) then makes the new plan the plan in use,
or keeps the message of a failure or a cancel while the plan in use stays as it was.

One :class:`~app.background.Runner` per browser session (:func:`session_runner`, a
session-scoped ``st.cache_resource``): never two plans at once in a session, and a session
that ends cancels its work.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import streamlit as st

from app import dispatch_logic as dl
from app import messages as msg
from app import plan_work as pw
from app import state as ss
from app.background import Runner, Task
from app.i18n import N_, current_lang, fmt_clock, fmt_number, t
from data.errors import CancelledError, PostplanError, SolverError

_LOG = logging.getLogger(__name__)

#: Seconds between two refreshes of the live panel (also how soon after the work ended
#: the page shows its result: the next refresh reruns the whole page).
PANEL_EVERY_S = 0.5

#: The panel's title per phase of :class:`~data.budget.Clock` (``""``: not started yet).
PHASE_KEYS = {
    "": N_("dispatch.phase_start"),
    "network": N_("dispatch.phase_network"),
    "matrix": N_("dispatch.phase_matrix"),
    "solve": N_("dispatch.phase_solve"),
    "repair": N_("dispatch.phase_repair"),
    "routes": N_("dispatch.phase_routes"),
    "reasons": N_("dispatch.phase_reasons"),
}

#: What "where the time went" calls each phase of ``Plan.timings``.
TIMING_KEYS = {
    "jobs": N_("dispatch.time_jobs"),
    "network": N_("dispatch.time_network"),
    "matrix": N_("dispatch.time_matrix"),
    "solve": N_("dispatch.time_solve"),
    "repair": N_("dispatch.time_repair"),
    "routes": N_("dispatch.time_routes"),
    "reasons": N_("dispatch.time_reasons"),
}

#: Session keys: the message of the last plan (kind, text), the budget it was given.
PLAN_MSG = "dsp_plan_msg"
REPLAN_MSG = "dsp_replan_msg"
REPORTS_MSG = "dsp_replan_reports_msg"
#: The kinds of work and where each keeps its message: the Plan button, "Re-plan the rest
#: of the day" (from a clock time) and the re-plan from the couriers' reports.
MSG_KEYS = {"plan": PLAN_MSG, "replan": REPLAN_MSG, "replan_reports": REPORTS_MSG}
PLAN_LIMIT = "dsp_plan_limit"  # (the plan's timings, the budget its action was given)


def _release(runner: Runner) -> None:
    runner.shutdown()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def session_runner() -> Runner:
    """Return the browser session's runner (cancelled when the session ends)."""
    return Runner()


def running_kind() -> str | None:
    """``"plan"`` / ``"replan"`` while this session's work runs, else None."""
    task = session_runner().task
    return task.kind if task is not None and task.running() else None


def start(kind: str, work: Any, *, budget_s: float) -> bool:
    """Start ``work(clock)`` in the background on :func:`~app.plan_work.action_clock`.

    Call it from the button's ``on_click`` callback: the run that follows then shows the
    live panel and every button that must wait (Plan, Re-plan, edits) disabled, with no
    second run. The previous message of this kind is cleared; the plan in use stays until
    the work has ended and :func:`pick_up` takes its result. False (nothing started) while
    this session's work runs.
    """
    runner = session_runner()
    account = ss.current_account()
    runner.owner = str(getattr(account, "username", "") or "")
    if runner.start(kind, work, pw.action_clock(budget_s)) is None:
        return False
    st.session_state.pop(MSG_KEYS[kind], None)
    return True


def show(kind: str) -> None:
    """Draw the live panel of the session's running ``kind`` work (nothing when none runs).

    The figures are an ``st.fragment`` rerun every :data:`PANEL_EVERY_S` seconds; the
    Cancel button sits outside it, so that its click reruns the whole page at once — a
    fragment's rerun would wait for a page run in progress — and its callback
    (:func:`_cancel`) stops the work before that run picks the cancel up.
    """
    task = session_runner().task
    if task is None or task.kind != kind:
        return
    if not task.running():  # it ended since this run began: rerun, the page picks it up
        st.rerun()
    with st.container(border=True, key=f"dsp_progress_box_{kind}"):
        st.fragment(_panel, run_every=PANEL_EVERY_S, key=f"dsp_progress_{kind}")(kind)
        st.button(t("dispatch.cancel_btn"), key=f"dsp_cancel_{kind}", on_click=_cancel,
                  args=(kind,))


def _cancel(kind: str) -> None:
    """Cancel the session's ``kind`` work; wait until it ended (the child dies in 0.1 s)."""
    task = session_runner().task
    if task is not None and task.kind == kind and task.running():
        task.cancel()
        task.wait(3.0)


def _panel(kind: str) -> None:
    task = session_runner().task
    if task is None or task.kind != kind or not task.running():
        st.rerun()  # the work ended: the whole page picks up its result
        return
    snap = task.snapshot()
    budget = task.clock.limit_s or 0.0
    elapsed = task.elapsed_s()
    phase = snap.phase if snap.phase in PHASE_KEYS else ""
    title = t("dispatch.progress_cancelling") if snap.cancelled else t(PHASE_KEYS[phase])
    st.markdown(f"**{title}**")
    st.progress(
        min(1.0, elapsed / budget) if budget > 0 else 0.0,
        text=t(
            "dispatch.progress_time",
            elapsed=fmt_number(elapsed, decimals=1),
            budget=fmt_number(math.ceil(budget), decimals=0),
        ),
    )
    if snap.best is not None:
        st.caption(
            t(
                "dispatch.progress_best",
                served=snap.best.jobs_served,
                total=snap.best.jobs_total,
                km=fmt_number(snap.best.length_m / 1000, decimals=1),
                iterations=fmt_number(snap.iterations),
            )
        )
    elif snap.phase == "solve":
        st.caption(t("dispatch.progress_searching", iterations=fmt_number(snap.iterations)))


def pick_up() -> Task | None:
    """Apply this session's ended work, if any; return its task.

    A plan or re-plan becomes the plan in use (``ss.PLAN`` and ``ss.PLAN_ORIGINAL``, its
    problem in ``dsp_problem``, matrices in ``dsp_matrices``, profile and day in
    ``dsp_context``); a failure or a cancel leaves them untouched and keeps its message
    (:data:`PLAN_MSG` / :data:`REPLAN_MSG`, shown by :func:`show_message`).
    """
    task = session_runner().take()
    if task is None:
        return None
    key = MSG_KEYS[task.kind]
    error = task.error
    if error is not None:
        st.session_state[key] = error_message(error, lang=current_lang())
        return task
    outcome: pw.Outcome = task.result
    new_plan = outcome.plan
    st.session_state[ss.PLAN] = new_plan
    st.session_state[ss.PLAN_ORIGINAL] = new_plan
    st.session_state["dsp_problem"] = outcome.problem
    st.session_state["dsp_problem_why"] = outcome.why_not
    st.session_state["dsp_context"] = (outcome.profile, outcome.day)
    st.session_state[ss.PLAN_EDIT_REPORT] = None
    st.session_state[PLAN_LIMIT] = (new_plan.timings, task.clock.limit_s)
    if outcome.matrices is not None:
        st.session_state["dsp_matrices"] = outcome.matrices
    else:
        st.session_state.pop("dsp_matrices", None)
    deadline = " " + dl.deadline_text(new_plan) if new_plan.stopped_by == "deadline" else ""
    if outcome.kind == "plan":
        st.session_state.pop("dsp_saved_ref", None)
        st.session_state.pop("dsp_map_show", None)  # show every courier of the new plan
        st.session_state.pop(REPLAN_MSG, None)
        if deadline:
            st.session_state[PLAN_MSG] = ("warning", deadline.strip())
    else:
        if task.kind == "replan_reports":
            done_text = t("progress.replanned", time=fmt_clock(outcome.at_s),
                          done=outcome.kept, failed=outcome.failed)
        else:
            done_text = t(
                "dispatch.replan_done", time=fmt_clock(outcome.at_s), kept=outcome.kept
            )
        st.session_state[key] = ("warning" if deadline else "success", done_text + deadline)
    return task


def error_message(error: BaseException, *, lang: str) -> tuple[str, str]:
    """Return ``(kind, text)`` of a plan or re-plan that ended without a plan, in ``lang``.

    ``kind`` is the box it is shown in (``"info"`` for a cancel, else ``"error"``); the
    text always says the plan in use was kept.
    """
    vi = lang == "vi"
    if isinstance(error, CancelledError):
        return "info", t("dispatch.cancelled", lang=lang)
    kept = " " + t("dispatch.plan_kept", lang=lang)
    if isinstance(error, SolverError):
        return "error", (error.message_vi if vi else error.message_en) + kept
    if not isinstance(error, PostplanError):
        _LOG.error("background planning failed", exc_info=error)
    return "error", msg.error_md(error, lang=lang) + "\n\n" + kept.strip()


def show_message(key: str) -> None:
    """Show the kept message of the last plan or re-plan (``key``: :data:`PLAN_MSG` …)."""
    shown = st.session_state.get(key)
    if not shown:
        return
    kind, text = shown if isinstance(shown, tuple) else ("success", shown)
    {"error": st.error, "warning": st.warning, "info": st.info}.get(kind, st.success)(text)


def timings_text(plan: Any) -> str:
    """"Where the time went": each phase of ``plan.timings`` in seconds, then the total.

    The budget the action was given is named beside the total when this session made the
    plan (or an edit of it). Empty for a plan without timings (saved by an older version).
    """
    made = st.session_state.get(PLAN_LIMIT)
    limit_s = made[1] if made and tuple(made[0]) == tuple(plan.timings) else None
    timings = dict(plan.timings)
    if not timings:
        return ""
    parts = [
        t(
            "dispatch.time_part",
            phase=t(TIMING_KEYS[k] if k in TIMING_KEYS else N_("dispatch.time_other")),
            seconds=fmt_number(v, decimals=1),
        )
        for k, v in timings.items()
        if k != "total" and round(v, 1) > 0
    ]
    line = t("dispatch.time_spent", parts=" · ".join(parts))
    total = timings.get("total")
    if total is not None and limit_s:
        line += " — " + t(
            "dispatch.time_total_of",
            seconds=fmt_number(total, decimals=1),
            budget=fmt_number(math.ceil(limit_s), decimals=0),
        )
    elif total is not None:
        line += " — " + t("dispatch.time_total", seconds=fmt_number(total, decimals=1))
    return line
