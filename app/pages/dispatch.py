"""Điều phối / Dispatch: the day's jobs, the plan on the map, edits, re-plans, route sheets."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import streamlit as st

from app import basemap, drafts, maps
from app import day_panel as dp
from app import dispatch_logic as dl
from app import messages as msg
from app import network as appnet
from app import plan_progress as pp
from app import plan_view as pv
from app import plan_work as pw
from app import roster_panel as rp
from app import state as ss
from app import store_view as sv
from app.i18n import (
    N_,
    current_lang,
    fmt_clock,
    fmt_date,
    fmt_number,
    keep,
    kept,
    lkey,
    option_labels,
    t,
)
from app.labels import JOB_KIND_KEYS, PROFILE_KEYS, labelled
from app.safe import md_t, md_text
from app.saved_plans import saved_plans_panel
from data.errors import ConflictError, InputError, PostplanError
from routing.model import Job
from routing.result import Plan

settings = ss.get_settings()
key = ss.data_key(settings)
ss.enter_page("dispatch")
drafts.restore("dispatch")

st.title(t("dispatch.title"))
drafts.banner("dispatch", dp.forget_carried)

offices = ss.current_offices()
post_offices = offices[offices["kind"].astype(str) == "post_office"]
office_name = dict(zip(offices["office_id"].astype(str), offices["name"].astype(str), strict=True))

# ---- the day: date, offices, couriers ---------------------------------------------------
with st.container(border=True):
    c1, c2, c3, c4, c5, c6 = st.columns([1.5, 3, 1, 1.2, 1, 1])
    day = c1.date_input(
        t("dispatch.date"),
        value=dl.next_open_day(offices, dt.date.today()),
        format="DD/MM/YYYY",
        key="dsp_date",
    )
    start_ids = c2.multiselect(
        t("dispatch.office"),
        post_offices["office_id"].astype(str).tolist(),
        default=post_offices["office_id"].astype(str).tolist(),
        format_func=lambda oid: office_name.get(oid, oid),
        placeholder=t("common.choose"),
        key="dsp_offices",
    )
    roster_here = rp.roster_for(offices, start_ids)
    n_couriers = (
        c3.number_input(t("dispatch.couriers"), 1, 80, 25, key="dsp_couriers")
        if roster_here is None
        else 0
    )
    profile = c4.selectbox(
        t("coverage.profile"),
        appnet.PROFILES,
        format_func=option_labels(PROFILE_KEYS),
        key="dsp_profile",
    )
    budget = c5.number_input(
        t("dispatch.budget"), 1, 120, 10, key="dsp_budget", help=t("dispatch.budget_help")
    )
    iterations = c6.number_input(
        t("dispatch.iterations"),
        0,
        1_000_000,
        0,
        step=500,
        key="dsp_iterations",
        help=t("dispatch.iterations_help"),
    )
    closed_today = dl.day_status(offices, start_ids, day)
    if closed_today:
        st.warning("\n\n".join(closed_today))
    crew = rp.crew_picker(roster_here, offices, start_ids, day, profile)
# load the day's network now, while the jobs are simulated or read, not on the Plan button's
# time budget (the first Plan click otherwise waited for it: about 2 s of the 200-job click)
appnet.warm(profile, day)

# ---- saved plans: open one, history, restore, compare (app.saved_plans) ----------------
saved_plans_panel(profile=profile)

# ---- jobs: simulate or import ------------------------------------------------------------
st.subheader(t("dispatch.jobs_title"))
source = keep(
    "dsp_jobs_source",
    st.radio(
        t("dispatch.jobs_source"),
        ["simulate", "upload"],
        index=["simulate", "upload"].index(kept("dsp_jobs_source", "simulate")),
        horizontal=True,
        key=lkey("dsp_jobs_source"),
        format_func=option_labels(
            {"simulate": N_("dispatch.jobs_simulate"), "upload": N_("dispatch.jobs_upload")}
        ),
    ),
)
if source == "simulate":
    s1, s2, s3 = st.columns([1, 1, 3])
    n_jobs = s1.number_input(t("dispatch.n_jobs"), 1, 600, 200, key="dsp_n_jobs")
    seed = s2.number_input(t("dispatch.seed"), 0, 10_000, 1, key="dsp_seed")
    if s3.button(t("dispatch.simulate_btn"), key="dsp_simulate"):
        drawn: list[Job] | None = None
        try:
            drawn = dl.simulate_jobs(settings, offices, n=int(n_jobs), seed=int(seed), day=day)
        except PostplanError as exc:
            st.error(msg.error_md(exc))
        except ImportError as exc:
            st.info(t("common.not_ready", module=exc.name or "routing.simulate"))
        if drawn is not None:
            st.session_state[ss.JOBS] = drawn
            st.session_state[ss.JOBS_SOURCE] = "simulated"
            st.session_state[ss.JOBS_ERRORS] = []
            for k in (ss.PLAN, ss.PLAN_ORIGINAL, ss.PLAN_EDIT_REPORT):
                st.session_state.pop(k, None)
else:
    upload = st.file_uploader(t("dispatch.upload"), type=["csv", "xlsx"], key="dsp_jobs_upload")
    st.caption(t("dispatch.upload_hint"))
    st.download_button(
        t("dispatch.template"),
        data=dl.jobs_template_csv(),
        file_name="jobs_template.csv",
        mime="text/csv",
        key="dsp_template",
        on_click="ignore",
    )
    if upload is not None and st.session_state.get("dsp_upload_done") != upload.file_id:
        st.session_state["dsp_upload_done"] = upload.file_id
        try:
            read = dl.read_jobs(
                upload.getvalue(), settings=settings, offices=offices, filename=upload.name
            )
        except InputError as exc:
            # keep whatever jobs were loaded before: nothing of a rejected file is used
            st.session_state[ss.JOBS_ERRORS] = list(exc.problems)
        except Exception as exc:  # a file no reader foresaw: say so, never show Python's text
            st.session_state[ss.JOBS_ERRORS] = [msg.error_md(exc)]
        else:
            st.session_state[ss.JOBS] = read
            st.session_state[ss.JOBS_SOURCE] = f"user:{upload.name}"
            st.session_state[ss.JOBS_ERRORS] = []
            for k in (ss.PLAN, ss.PLAN_ORIGINAL, ss.PLAN_EDIT_REPORT):
                st.session_state.pop(k, None)

errors = st.session_state.get(ss.JOBS_ERRORS) or []
if errors:
    st.error(msg.problems_box(errors))

jobs: list[Job] = st.session_state.get(ss.JOBS) or []
carried_jobs = dp.carried(start_ids, day)
dp.carried_panel(carried_jobs)
drafts.keep("dispatch")
if not jobs and not carried_jobs and st.session_state.get(ss.PLAN) is None:
    st.info(t("dispatch.no_jobs"))
    st.stop()

jobs_source = str(st.session_state.get(ss.JOBS_SOURCE, "user"))
simulated = jobs_source == "simulated" or any(j.source == "simulated" for j in jobs)
if simulated:
    st.warning(t("dispatch.banner_simulated"))
st.caption(md_t("dispatch.jobs_loaded", n=len(jobs), source=dl.source_text(jobs_source)))
# a label that never changes: Streamlit knows an expander by its label, and a new label
# would close it on the next rerun
with st.expander(t("dispatch.jobs_table"), key="dsp_jobs_exp", on_change="rerun"):
    table = dl.jobs_table(jobs) if jobs else dl.jobs_table([])
    st.dataframe(
        labelled(table, kinds=JOB_KIND_KEYS), hide_index=True, width="stretch",
        key="dsp_jobs_table",
    )
    st.download_button(
        t("common.download_csv"),
        data=ss.to_csv_bytes(table),
        file_name=f"jobs_{day.isoformat()}.csv",
        mime="text/csv",
        key="dsp_jobs_csv",
        on_click="ignore",
    )

# ---- plan (in the background: app.plan_progress) ----------------------------------------
pp.pick_up()  # a plan or re-plan that ended in the background becomes the plan in use
working = pp.running_kind()


def _start_plan() -> None:
    """Start planning the day shown (the Plan button's callback, before the page reruns)."""
    load_network, load_matrices = appnet.session_loaders(profile, day)
    pp.start(
        "plan",
        functools.partial(
            pw.plan_work,
            network=load_network,
            matrices=load_matrices,
            offices=offices,
            jobs=tuple(dp.day_jobs(jobs, carried_jobs, day)),
            start_office_ids=tuple(start_ids),
            n_couriers=int(n_couriers),
            day=day,
            profile=profile,
            seconds=float(st.session_state.get("dsp_budget", budget)),
            seed=int(st.session_state.get("dsp_seed", 0)),
            provenance="simulated" if simulated else "user",
            lang=current_lang(),
            iterations=int(st.session_state.get("dsp_iterations", iterations)) or None,
            positions=dl.observed_positions(
                ss.plan_store(), actor=ss.current_account(), settings=settings
            ),
            couriers=crew,
        ),
        budget_s=float(st.session_state.get("dsp_budget", budget)),
    )


st.button(
    t("dispatch.plan_btn"),
    type="primary",
    key="dsp_plan",
    disabled=not start_ids or not (jobs or carried_jobs) or crew == [] or working is not None,
    on_click=_start_plan,
)
pp.show("plan")
pp.show_message(pp.PLAN_MSG)

current: Plan | None = st.session_state.get(ss.PLAN)
if current is None:
    drafts.keep("dispatch")
    st.stop()
plan: Plan = current
problem = st.session_state.get("dsp_problem")
mats = st.session_state.get("dsp_matrices")
plan_profile, plan_day = st.session_state.get("dsp_context", (profile, day))
if problem is not None:
    names = {c.courier_id: c.name or c.courier_id for c in problem.couriers.values()}
else:  # a plan opened from the store carries its couriers' names beside it
    names = dict(st.session_state.get("dsp_saved_names") or {})
saved_ref = st.session_state.get("dsp_saved_ref")
if saved_ref is not None:
    st.info(md_t("dispatch.saved_opened", name=saved_ref[2], version=saved_ref[1]))

# ---- banners and summary ------------------------------------------------------------------
if appnet.is_proxy(plan.network_kind):
    st.warning(t("dispatch.banner_proxy"))
if plan.provenance == "simulated" and not simulated:
    st.warning(t("dispatch.banner_simulated"))
st.success(pv.summary_line(plan) + f" — {fmt_date(plan_day)}")
spent = pp.timings_text(plan)
if spent:
    st.caption(spent)
dp.risk_panel(plan, problem)
report = st.session_state.get(ss.PLAN_EDIT_REPORT)
if report is not None:
    if report:
        lines = "\n".join(f"- {md_text(v)}" for v in report)
        st.error(t("dispatch.edit_violations") + "\n\n" + lines)
    else:
        st.success(t("dispatch.edit_ok"))

# ---- map and tables ---------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.subheader(t("dispatch.map_title"))
    all_layers = pv.route_layers(plan, names)
    shown = st.multiselect(
        t("dispatch.map_show"),
        [layer.label for layer in all_layers],
        default=[layer.label for layer in all_layers],
        key="dsp_map_show",
        placeholder=t("common.choose"),
    )
    layers = [layer for layer in all_layers if layer.label in shown] or all_layers
    centre, zoom = maps.points_view([p for layer in layers for p in layer.path])
    m = maps.base_map(center=centre, zoom=zoom, prefer_canvas=False)
    if maps.tiles_from_env() is None:  # no background: draw communes, highways, offices
        basemap.add_base_layers(
            m,
            communes=ss.load_layer("communes", key),
            roads=ss.load_layer("national_roads", key),
            offices=offices,
        )
    maps.add_routes(m, layers, depots=pv.depots(plan))
    maps.add_route_legend(m, layers)
    maps.show_map(m, key="dsp_map", height=560)
with right:
    st.subheader(t("dispatch.unassigned_title"))
    if plan.unassigned:
        st.dataframe(
            pv.unassigned_table(plan), hide_index=True, width="stretch", key="dsp_unassigned"
        )
    else:
        st.caption(t("common.none"))

st.subheader(t("dispatch.routes_title"))
if plan.routes:
    # courier names only (the stop count is in the line below): a tab whose label changes
    # after an edit would lose its selection
    tab_labels = [md_text(pv.courier_label(r, names)) for r in plan.routes]
    if len(set(tab_labels)) < len(tab_labels):
        tab_labels = [
            f"{label} · {md_text(r.courier_id)}"
            for label, r in zip(tab_labels, plan.routes, strict=True)
        ]
    tabs = st.tabs(tab_labels, key="dsp_route_tabs", on_change="rerun")
    for tab, route in zip(tabs, plan.routes, strict=True):
        with tab:
            st.caption(
                md_t(
                    "dispatch.route_line",
                    stops=len(route.job_stops),
                    start=fmt_clock(route.start_s),
                    end=fmt_clock(route.end_s),
                    km=fmt_number(route.length_m / 1000, decimals=1),
                    office=office_name.get(route.office_id, route.office_id),
                )
            )
            st.dataframe(
                pv.route_table(route),
                hide_index=True,
                width="stretch",
                key=f"dsp_route_{route.courier_id}",
            )

# ---- manual edit ------------------------------------------------------------------------


def _problem_matrices(day_problem: Any) -> Any:
    """Return the day problem's matrices on the plan's network (cached per places)."""
    kept_mats = st.session_state.get("dsp_matrices")
    if kept_mats is not None and kept_mats.time_s.shape[0] == len(day_problem.places()):
        return kept_mats
    G = appnet.current_routing_network(plan_profile, plan_day)
    engine = appnet.current_engine(plan_profile, plan_day, G)
    built = appnet.problem_matrices(
        appnet.places_key(day_problem),
        (*ss.network_cache_key(), plan_profile, plan_day.isoformat()),
        _problem=day_problem,
        _G=G,
        _engine=engine,
    )
    st.session_state["dsp_matrices"] = built
    return built


why_not = st.session_state.get("dsp_problem_why")
why_text = t("dispatch.plan_without_problem") if why_not == "old" else md_text(why_not or "")
with st.expander(t("dispatch.edit_title"), expanded=False, key="dsp_edit_exp", on_change="rerun"):
    choices = dl.movable_choices(plan, pv.stop_choices(plan, names))
    if problem is None:
        st.caption(why_text or t("dispatch.plan_without_problem"))
    elif choices:
        if plan.replanned_at_s is not None:
            st.caption(t("dispatch.edit_done_hint", time=fmt_clock(plan.replanned_at_s)))
        e1, e2, e3 = st.columns([3, 2, 1])
        pick = e1.selectbox(
            t("dispatch.edit_stop"),
            range(len(choices)),
            format_func=lambda i: choices[i][4],
            key="dsp_edit_stop",
        )
        courier_ids = list(problem.couriers)
        to = e2.selectbox(
            t("dispatch.edit_to"),
            courier_ids,
            format_func=lambda c: names.get(c, c),
            key="dsp_edit_to",
        )
        pos = e3.number_input(t("dispatch.edit_pos"), 1, 200, 1, key="dsp_edit_pos")
        b1, b2 = st.columns(2)
        if b1.button(t("dispatch.edit_btn"), key="dsp_edit_move", disabled=working is not None):
            _cid, job_id, _seq, role, _label = choices[int(pick)]
            ref = dl.stop_ref(problem, job_id, role)
            G = appnet.current_routing_network(plan_profile, plan_day)
            engine = appnet.current_engine(plan_profile, plan_day, G)
            try:
                edited, violations = dl.move(
                    problem, plan, ref, to, int(pos), _problem_matrices(problem), G, engine
                )
            except PostplanError as exc:
                st.error(msg.error_md(exc))
            else:
                st.session_state[ss.PLAN] = edited
                st.session_state[ss.PLAN_EDIT_REPORT] = pv.flatten_violations(violations, names)
                st.rerun()
        if b2.button(t("dispatch.edit_undo"), key="dsp_edit_undo"):
            st.session_state[ss.PLAN] = st.session_state[ss.PLAN_ORIGINAL]
            st.session_state[ss.PLAN_EDIT_REPORT] = None
            st.rerun()
    else:
        st.caption(t("common.none"))

# ---- re-plan the rest of the day ----------------------------------------------------------
with st.expander(
    t("dispatch.replan_title"), expanded=False, key="dsp_replan_exp", on_change="rerun"
):
    r1, r2, r3 = st.columns([1, 3, 1])
    now = r1.time_input(
        t("dispatch.replan_from"), value=dt.time(10, 0), step=900, key="dsp_replan_at"
    )
    locked = r2.multiselect(
        t("dispatch.replan_locked"),
        [r.courier_id for r in plan.routes],
        format_func=lambda c: names.get(c, c),
        placeholder=t("common.choose"),
        key="dsp_replan_locked",
    )
    st.caption(t("dispatch.replan_hint"))
    if problem is None:
        st.caption(why_text or t("dispatch.plan_without_problem"))

    def _start_replan() -> None:
        """Start the re-plan from the chosen time (the button's callback)."""
        if problem is None:
            return
        when = st.session_state.get("dsp_replan_at", now)
        load_network, _load_matrices = appnet.session_loaders(plan_profile, plan_day)
        pp.start(
            "replan",
            functools.partial(
                pw.replan_work,
                network=load_network,
                problem=problem,
                plan=plan,
                at_s=when.hour * 3600 + when.minute * 60,
                locked=tuple(st.session_state.get("dsp_replan_locked", locked)),
                seconds=float(st.session_state.get("dsp_budget", budget)),
                iterations=int(st.session_state.get("dsp_iterations", iterations)) or None,
                profile=plan_profile,
                day=plan_day,
            ),
            budget_s=float(st.session_state.get("dsp_budget", budget)),
        )

    r3.button(
        t("dispatch.replan_btn"),
        key="dsp_replan",
        disabled=problem is None or working is not None,
        on_click=_start_replan,
    )
    pp.show("replan")
    pp.show_message(pp.REPLAN_MSG)

# ---- the day as it happens: couriers' reports, re-plan from them --------------------------
dp.progress_panel(
    plan,
    problem,
    saved_ref,
    names,
    budget=float(budget),
    iterations=int(iterations),
    profile=plan_profile,
)

# ---- route sheets --------------------------------------------------------------------------
st.subheader(t("dispatch.sheets_title"))
f1, f2, f3 = st.columns([1, 2, 2])
fmt = f1.selectbox(
    t("dispatch.sheets_format"), dl.SHEET_FORMATS, key="dsp_sheet_fmt", format_func=str.upper
)
with_stops = [r.courier_id for r in plan.routes if r.job_stops]
for_courier = f2.selectbox(
    t("dispatch.sheets_courier"),
    ["", *with_stops],
    format_func=lambda c: t("dispatch.sheets_all") if c == "" else names.get(c, c),
    key="dsp_sheet_courier",
)
communes_layer = ss.load_layer("communes", key)
f3.download_button(
    t("dispatch.sheets_download", fmt=fmt.upper()),
    # generated when clicked (a 200-stop PDF takes seconds): the page never waits for it
    data=sv.audited_export(
        dl.sheet_callable(
            plan,
            fmt,
            communes_layer,
            names,
            office_name,
            jobs=tuple(problem.jobs.values()) if problem is not None else (),
            courier_id=for_courier or None,
        ),
        ss.plan_store(),
        ss.current_account(),
        fmt=fmt,
        what="route_sheets",
        saved_ref=st.session_state.get("dsp_saved_ref"),
    ),
    file_name=dl.sheet_name(plan, fmt, courier_id=for_courier or None),
    mime=dl.SHEET_MIME[fmt],
    key="dsp_sheet_download",
    on_click="ignore",
    type="primary",
)
st.caption(t("dispatch.sheets_hint"))

# ---- save the plan ---------------------------------------------------------------------------
st.subheader(t("dispatch.save_title"))
v1, v2, v3 = st.columns([3, 2, 1])
default_name = saved_ref[2] if saved_ref else t("dispatch.save_default", day=fmt_date(plan_day))
plan_name = v1.text_input(t("dispatch.save_name"), value=default_name, key="dsp_save_name")
v2.text(f"{t('dispatch.save_author')}: {ss.current_account().display_name}")
if v3.button(t("dispatch.save_btn"), key="dsp_save"):
    store = ss.plan_store()
    existing = store.find("plan", plan_name.strip(), actor=ss.current_account())
    opened_id = saved_ref[0] if saved_ref else None
    if existing is not None and existing.id != opened_id:
        # the name belongs to another plan: never add a version on top of it blindly
        st.error(sv.name_taken(existing, kind_key=N_("dispatch.save_taken")))
    else:
        # a new plan, or a new version of the plan that was opened (from the version opened)
        expected = saved_ref[1] if existing is not None and saved_ref else None
        try:
            stored = store.save_plan(
                {**plan.to_dict(), "courier_names": names},
                name=plan_name.strip(),
                actor=ss.current_account(),
                expected_version=expected,
            )
        except ConflictError:
            now = store.find("plan", plan_name.strip(), actor=ss.current_account())
            if expected is None or now is None:  # the name was taken meanwhile
                st.error(sv.name_taken(now, kind_key=N_("dispatch.save_taken")) if now else "")
            else:
                st.error(
                    sv.conflict_text(now, opened=expected, kind_key=N_("dispatch.save_conflict"))
                )
        except PostplanError as exc:
            st.error(msg.error_md(exc))
        else:
            ss.clear_messages()  # a saved plan: earlier error boxes no longer apply
            st.session_state["dsp_saved_ref"] = (stored.id, stored.version, stored.name)
            dp.remember_saved(plan, st.session_state["dsp_saved_ref"])
            st.session_state["dsp_pick_next"] = stored.id
            ss.flash(
                "dsp_flash",
                "success",
                md_t("dispatch.save_done", name=stored.name, version=stored.version),
            )
            st.rerun()
ss.show_flash("dsp_flash")

# ---- end of the day ------------------------------------------------------------------------
dp.close_panel(plan, saved_ref, offices)
drafts.keep("dispatch")
