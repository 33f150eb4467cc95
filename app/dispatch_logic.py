"""The Dispatch page's work, without Streamlit: offices and couriers for a day, matrices.

The page builds a :class:`routing.model.PlanningProblem` from the office registry, the
couriers it is asked for and the day's jobs; computes the travel-time and length matrices
over ``problem.places()`` on the road network with the routing layer's own
``network_matrices`` (the same the adapter door ``plan_day`` uses); and calls the core door
:func:`routing.solve.solve_matrix` with a ``leg_path`` so routes follow the roads. The
matrices are kept so manual edits (:mod:`routing.edit`) re-time routes on the very same figures.

Every plan carries the problem it was made from (:func:`plan_problem` reads it back), so a
plan reopened from the store, or re-planned, can be edited and re-planned like a fresh one.
The solver runs in a child process with a hard deadline (:mod:`routing.runner`): planning
and re-planning always return — with the best plan found, or a
:class:`~data.errors.SolverError` whose message the page shows while the plan in use is kept.

The page runs both in the background: the work is :mod:`app.plan_work`'s.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx
import pandas as pd

from data.budget import Clock
from data.settings import Settings
from routing.edit import StopRef, Violation, move_stop
from routing.model import Job, PlanningProblem, PlanSettings
from routing.result import Plan
from routing.workday import WorkingDay


def next_open_day(offices: pd.DataFrame, start: dt.date, *, kind: str = "post_office") -> dt.date:
    """Return the first day from ``start`` on which an office of ``kind`` opens (≤ 14 days).

    The Dispatch page's default date: on a Sunday or a public holiday it offers the next
    working day instead of a day no courier can start.
    """
    from data.calendar import offices_on

    rows = offices[offices["kind"].astype(str) == kind]
    for k in range(15):
        day = start + dt.timedelta(days=k)
        if any(not od.closed for od in offices_on(rows, day)):
            return day
    return start


def day_status(offices: pd.DataFrame, office_ids: Sequence[str], day: dt.date) -> list[str]:
    """Say which of ``office_ids`` are closed on ``day`` and why (``data.calendar``).

    The sentences are the ones the CLI prints ("Bưu cục X đóng cửa ngày 02/09/2026: Quốc
    khánh"), in the page's language.
    """
    from app.i18n import current_lang
    from data.calendar import office_day

    wanted = {str(o) for o in office_ids}
    lang = current_lang()
    return [
        od.message(lang)
        for od in (
            office_day({str(k): v for k, v in rec.items()}, day)
            for rec in offices.to_dict("records")
            if str(rec["office_id"]) in wanted
        )
        if od.closed
    ]


SHEET_FORMATS = ("pdf", "xlsx", "gpx", "geojson", "csv")
SHEET_MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpx": "application/gpx+xml",
    "geojson": "application/geo+json",
    "csv": "text/csv",
}


def simulate_jobs(
    settings: Settings, offices: pd.DataFrame, *, n: int, seed: int, day: dt.date
) -> list[Job]:
    """Draw a simulated day (``routing.simulate``); every job is labelled simulated."""
    from routing.simulate import simulate_jobs as draw

    return draw(settings, n_jobs=int(n), plan_date=day.isoformat(), seed=int(seed), offices=offices)


def read_jobs(
    data: bytes, *, settings: Settings, offices: pd.DataFrame, filename: str
) -> list[Job]:
    """Read a jobs file (``routing.jobs_io``); raises ``InputError`` listing every problem."""
    from routing.jobs_io import read_jobs as read

    return read(
        data,
        settings=settings,
        office_ids=offices["office_id"].astype(str).tolist(),
        filename=filename,
    )


def jobs_table(jobs: Sequence[Job]) -> pd.DataFrame:
    """Return the jobs as the import template's table (what an export of them would hold)."""
    from routing.jobs_io import jobs_to_table

    return jobs_to_table(jobs)


def jobs_template_csv() -> bytes:
    """Return an empty jobs file (header row only, UTF-8 with BOM for Excel)."""
    from routing.jobs_io import JOB_COLUMNS

    return (",".join(JOB_COLUMNS) + "\r\n").encode("utf-8-sig")


def build_day(
    offices: pd.DataFrame,
    jobs: Sequence[Job],
    start_office_ids: Sequence[str],
    n_couriers: int,
    *,
    day: dt.date,
    profile: str,
    seconds: float,
    seed: int,
    provenance: str,
    lang: str = "vi",
    iterations: int | None = None,
    positions: Any = None,
    couriers: Sequence[Any] | None = None,
) -> WorkingDay:
    """Build the day's problem through ``routing.workday.working_day`` (the CLI's path).

    Couriers are the roster's ticked couriers (``couriers``), or else ``n_couriers`` spread
    over the start offices (``couriers_by_count``); offices closed on
    ``day`` start nobody and their jobs are left out with the plain reason; when no start
    office is open an ``InputError`` says which office is closed and why. ``iterations``
    (None or 0: no limit) makes the plan reproducible (same jobs, seed and iteration budget
    → same routes, whatever the machine's load). ``positions`` (observed positions per
    address, :func:`observed_positions`) place the jobs whose address sits at a commune
    point where couriers' phones found it (``routing.placement``).
    """
    from routing.placement import place_jobs
    from routing.workday import couriers_by_count, working_day

    jobs = place_jobs(jobs, positions).jobs
    if couriers is None:  # no roster: a number of couriers spread over the start offices
        couriers = couriers_by_count(start_office_ids, n_couriers, profile=profile, lang=lang)
    return working_day(
        offices,
        jobs,
        couriers,
        day,
        plan_settings=PlanSettings(
            seconds=float(seconds),
            seed=int(seed),
            plan_date=day.isoformat(),
            iterations=int(iterations) if iterations else None,
        ),
        provenance=provenance,
    )


def observed_positions(store: Any, *, actor: Any, settings: Settings) -> pd.DataFrame:
    """Observed positions per address from couriers' stop reports (``data.stop_reports``).

    Empty when the account may not read field observations (the jobs keep their own
    positions).
    """
    from data.stop_reports import observed_positions as positions

    return positions(store, actor=actor, metric_crs=settings.metric_crs)


def compute_matrices(problem: PlanningProblem, G: nx.MultiDiGraph, engine: Any) -> Any:
    """Door-to-door matrices over ``problem.places()`` (``routing.adapter.network_matrices``)."""
    from routing.adapter import network_matrices

    return network_matrices(problem, G, engine=engine)


def solve(
    problem: PlanningProblem,
    mats: Any,
    G: nx.MultiDiGraph,
    engine: Any,
    *,
    profile: str | None = None,
    clock: Clock | None = None,
) -> Plan:
    """Solve on the matrices with road geometry for every leg (the core door).

    ``clock`` is the action's (the solver gets what its limit leaves). Raises
    :class:`~data.errors.SolverError` when the solver's hard deadline passed before it
    found any plan, :class:`~data.errors.CancelledError` when the clock's progress was cancelled.
    """
    from routing.adapter import network_leg_path
    from routing.solve import solve_matrix

    leg = network_leg_path(problem, G, mats.nodes, engine)
    return solve_matrix(
        problem,
        mats.time_s,
        mats.length_m,
        network_kind=str(G.graph.get("kind", "unknown")),
        leg_path=leg,
        network_profile=profile or G.graph.get("profile"),
        clock=clock,
    )


def plan_problem(plan: Plan) -> tuple[PlanningProblem | None, str | None, str | None]:
    """Return ``(problem, network profile, why not)`` of a plan.

    ``problem`` is the day's problem the plan carries (for a re-planned plan: the day's
    jobs and couriers, not the "now" positions), what editing and re-planning need; when
    the plan has none (saved by an older version) or it is damaged, ``problem`` is None and
    ``why not`` is ``"old"`` or the error text.
    """
    from data.errors import InputError
    from routing.problem_io import problem_of

    if plan.problem is None:
        return None, None, "old"
    try:
        problem, profile = problem_of(plan)
    except InputError as exc:
        return None, None, str(exc)
    return problem, profile, None


def deadline_text(plan: Plan) -> str:
    """Return the page's message for a plan the solver's hard deadline cut short."""
    from app.i18n import fmt_number, t
    from routing.runner import DEADLINE_GRACE_S

    seconds = fmt_number(plan.seconds + DEADLINE_GRACE_S, decimals=None)
    return t("dispatch.solver_deadline", seconds=seconds)


def movable_choices(
    plan: Plan, choices: Sequence[tuple[str, str, int, str, str]]
) -> list[tuple[str, str, int, str, str]]:
    """Keep the stop choices (``plan_view.stop_choices``) that are not done yet."""
    done = {(r.courier_id, s.sequence) for r in plan.routes for s in r.stops if s.status == "done"}
    return [c for c in choices if (c[0], c[2]) not in done]


def stop_ref(problem: PlanningProblem, job_id: str, role: str) -> StopRef:
    """(job_id, pickup|delivery) of a stop; a plain ``visit`` is the job's only stop."""
    if role in ("pickup", "delivery"):
        return (job_id, role)
    job = problem.jobs[job_id]
    return (job_id, "delivery" if job.pickup is None else "pickup")


def move(
    problem: PlanningProblem,
    plan: Plan,
    ref: StopRef,
    to_courier: str,
    position: int,
    mats: Any,
    G: nx.MultiDiGraph,
    engine: Any,
) -> tuple[Plan, list[Violation]]:
    """Move a stop (see :func:`routing.edit.move_stop`) and redraw the changed routes on roads."""
    from routing.adapter import network_leg_path

    edited, violations = move_stop(
        problem, plan, ref, to_courier, position, mats.time_s, mats.length_m
    )
    leg = network_leg_path(problem, G, mats.nodes, engine)
    return with_geometry(edited, problem, leg), violations


def courier_sheets(sheets: Any, courier_id: str) -> Any:
    """Return route sheets holding only ``courier_id``'s sheet, for the file they take along.

    The other couriers' sheets and the unassigned jobs are left out.
    """
    from dataclasses import replace

    return replace(
        sheets,
        couriers=tuple(c for c in sheets.couriers if c.courier_id == courier_id),
        unassigned=(),
    )


def render_sheet(
    plan: Plan,
    fmt: str,
    *,
    communes: pd.DataFrame | None,
    courier_names: dict[str, str],
    office_names: dict[str, str],
    jobs: Sequence[Job] = (),
    courier_id: str | None = None,
) -> tuple[bytes, str, str]:
    """Route sheets in one format: (bytes, file name, MIME type).

    Every courier's sheet, or only ``courier_id``'s (:func:`courier_sheets`); ``jobs``
    (the plan's jobs) give each stop the commune its address named.
    """
    from routing.sheets import build_sheets, render

    sheets = build_sheets(
        plan,
        details=jobs_table(jobs) if jobs else None,
        communes=communes,
        courier_names=courier_names,
        office_names=office_names,
    )
    if courier_id is not None:
        sheets = courier_sheets(sheets, courier_id)
    return (
        render(sheets, fmt),
        sheet_name(plan, fmt, courier_id=courier_id),
        SHEET_MIME.get(fmt, "application/octet-stream"),
    )


def sheet_name(plan: Plan, fmt: str, *, courier_id: str | None = None) -> str:
    """File name of the route sheets (``route_sheets_<date>[_<courier>].<fmt>``).

    The courier id is reduced to letters, digits, ``-`` and ``_`` so that it is a safe
    file name whatever it holds.
    """
    stem = f"route_sheets_{plan.plan_date}" if plan.plan_date else "route_sheets"
    if courier_id is not None:
        safe = re.sub(r"[^A-Za-z0-9_-]+", "-", courier_id).strip("-") or "courier"
        stem += f"_{safe}"
    return f"{stem}.{fmt}"


def sheet_callable(
    plan: Plan,
    fmt: str,
    communes: pd.DataFrame | None,
    courier_names: dict[str, str],
    office_names: dict[str, str],
    jobs: Sequence[Job] = (),
    *,
    courier_id: str | None = None,
) -> Callable[[], bytes]:
    """Return a no-argument function rendering the sheets (for a deferred download)."""
    names = dict(courier_names)
    offices = dict(office_names)
    plan_jobs = tuple(jobs)

    def make() -> bytes:
        return render_sheet(
            plan,
            fmt,
            communes=communes,
            courier_names=names,
            office_names=offices,
            jobs=plan_jobs,
            courier_id=courier_id,
        )[0]

    return make


def with_geometry(plan: Any, problem: PlanningProblem, leg: Callable[[int, int], Any]) -> Any:
    """Return ``plan`` with road geometry on every route whose legs lack it (after edits)."""
    from dataclasses import replace

    index = problem.place_index()
    routes = []
    for r in plan.routes:
        if r.geometry and len(r.geometry) == len(r.stops) - 1:
            routes.append(r)
            continue
        legs = tuple(
            tuple(leg(index[a.place_id], index[b.place_id])) for a, b in itertools.pairwise(r.stops)
        )
        routes.append(replace(r, geometry=legs))
    return replace(plan, routes=tuple(routes))


def source_text(source: str) -> str:
    """Human text of where the jobs came from (``simulated`` or ``user:<file>``)."""
    from app.i18n import source_label

    if source.startswith("user:"):
        return source.split(":", 1)[1]
    return source_label(source)


def replan(
    problem: PlanningProblem,
    plan: Plan,
    at_s: int,
    G: nx.MultiDiGraph,
    engine: Any,
    *,
    locked: Sequence[str] = (),
    seconds: float | None = None,
    iterations: int | None = None,
    profile: str | None = None,
    done: Any = None,
    cancelled: Sequence[str] = (),
    positions: Any = None,
    clock: Clock | None = None,
) -> tuple[Plan, int]:
    """Re-plan the rest of the day from ``at_s`` with ``routing.replan.replan``.

    Stops finished by ``at_s`` are kept as done; each courier restarts from its last done
    stop; ``locked`` couriers keep their remaining route. ``problem`` is the day's problem
    (:func:`plan_problem`); ``seconds`` and ``iterations`` (0 or None: no limit) are the
    solver's budgets; ``done``, ``cancelled`` and ``positions`` come from the couriers'
    reports (:func:`routing.progress.replan_inputs`); ``clock`` is the action's (the solver
    gets what its limit leaves). Returns the new plan and the number of stops kept as done.

    Raises
    ------
    SolverError
        When the solver's hard deadline passed before any plan was found (the caller keeps
        the plan it had).
    """
    from routing.adapter import network_doors
    from routing.replan import replan as replan_day

    matrix_fn, leg_fn = network_doors(G, engine)
    new_plan = replan_day(
        plan,
        problem,
        now_s=int(at_s),
        matrix_fn=matrix_fn,
        leg_path_fn=leg_fn,
        locked=list(locked),
        seconds=seconds,
        iterations=int(iterations) if iterations else None,
        network_profile=profile or G.graph.get("profile"),
        done=done,
        cancelled=list(cancelled),
        positions=positions,
        clock=clock,
    )
    kept = sum(1 for r in new_plan.routes for s in r.job_stops if s.status == "done")
    return new_plan, kept
