"""Manual edits of a plan: move a stop, re-time every route, report every violation.

Pure functions (no Streamlit): the Dispatch page calls :func:`move_stop` and shows the
returned violations. Times are re-computed on the same travel-time matrix the plan was
solved on (rows = ``problem.places()``), with the solver's rules: service starts at the
earliest moment inside the first window that still fits it. A stop that fits no window is
served on arrival and reported late, so an edit is never refused — only flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from data.errors import InputError
from routing.model import Courier, Job, PlanningProblem, Visit
from routing.result import CourierRoute, Plan, PlannedStop
from routing.timing import Step, initial_load_of, replay, run_of

#: (job_id, role) with role "pickup" or "delivery": one stop of a job.
StopRef = tuple[str, str]


@dataclass(frozen=True)
class Violation:
    """One rule an edited route breaks.

    Parameters
    ----------
    code
        ``late`` (no window fits), ``shift`` (back after the shift), ``work`` (longer than the
        courier's maximum working time), ``capacity``, ``order`` (delivery before pickup),
        ``split`` (the two stops of a pair on different couriers) or ``unreachable``.
    courier_id
        The courier whose route breaks it.
    sequence
        The stop's position in the route (1 = first stop), or None for the whole route.
    job_id
        The job concerned, if any.
    detail
        Figures: arrival, windows, load, capacity … (already formatted).
    """

    code: str
    courier_id: str
    sequence: int | None
    job_id: str | None
    detail: dict[str, str]


def _clock(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "∞"
    minutes = round(seconds / 60.0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _windows_text(windows: Sequence[tuple[int, int]]) -> str:
    return ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in windows) or "—"


def _role(problem: PlanningProblem, stop: PlannedStop) -> str:
    if stop.kind in ("pickup", "delivery"):
        return stop.kind
    assert stop.job_id is not None
    job = problem.jobs[stop.job_id]
    return "delivery" if job.pickup is None else "pickup"


def route_refs(problem: PlanningProblem, route: CourierRoute) -> list[StopRef]:
    """Return the job stops of a route still to do as (job_id, role), in visiting order.

    Stops already done (``status="done"``, a re-planned plan) are history, not edited.
    """
    return [(stop.job_id, _role(problem, stop)) for stop in route.job_stops
            if stop.job_id is not None and stop.status != "done"]


def done_refs(problem: PlanningProblem, plan: Plan) -> dict[StopRef, str]:
    """Return the stops already done in a re-planned plan: (job_id, role) → courier."""
    return {(s.job_id, _role(problem, s)): r.courier_id for r in plan.routes
            for s in r.job_stops if s.job_id is not None and s.status == "done"}


def plan_refs(problem: PlanningProblem, plan: Plan) -> dict[str, list[StopRef]]:
    """Every courier's stops still to do; couriers without a route get an empty list."""
    out: dict[str, list[StopRef]] = {cid: [] for cid in problem.couriers}
    for route in plan.routes:
        out[route.courier_id] = route_refs(problem, route)
    return out


def _visit(job: Job, role: str) -> Visit:
    visit = job.pickup if role == "pickup" else job.delivery
    assert visit is not None
    return visit


def _steps(problem: PlanningProblem, refs: Sequence[StopRef], index: dict[str, int]
           ) -> list[Step]:
    out = []
    for job_id, role in refs:
        job = problem.jobs[job_id]
        visit = _visit(job, role)
        out.append(Step(index[problem.place_of(job, role)], problem.windows_of(visit),
                        problem.service_of(visit),
                        job.amount if role == "pickup" else -job.amount, job_id, role))
    return out


def retime_route(
    problem: PlanningProblem,
    courier: Courier,
    refs: Sequence[StopRef],
    time_s: np.ndarray,
    length_m: np.ndarray,
    *,
    previous: CourierRoute | None = None,
    done: Sequence[PlannedStop] = (),
    resume_s: int | None = None,
) -> tuple[CourierRoute, list[Violation]]:
    """Re-compute arrival times, loads and legs of one courier's route; list violations.

    Times come from :func:`routing.timing.replay` (the solver's rules).

    Parameters
    ----------
    problem
        The planning problem the plan was solved for.
    courier
        The courier driving the route.
    refs
        The job stops still to do, in the new order.
    time_s, length_m
        Travel-time and length matrices over ``problem.places()``.
    previous
        The route before the edit (keeps its profile, lock flag, start stop and done stops).
    done
        Stops already done (a re-planned plan): kept as they are, first; the rest of the
        route is replayed from the last of them, leaving at its departure or at
        ``resume_s``, whichever is later.
    resume_s
        The re-plan time (``Plan.replanned_at_s``): nothing new starts before it.
    """
    index = problem.place_index()
    places = problem.places()
    shift = problem.shift_of(courier)
    cid = courier.courier_id
    violations: list[Violation] = []
    steps = _steps(problem, refs, index)
    run = run_of(problem, courier, index, initial_load_of(problem, steps))
    head: list[PlannedStop] = []
    if resume_s is not None:
        run = replace(run, ready_s=max(float(run.ready_s), float(resume_s)))
    if done:
        if previous is None:
            raise ValueError("done stops need the route they come from (previous=)")
        last = done[-1]
        ready = max(float(last.departure_s), float(run.ready_s))
        run = replace(run, start=index[last.place_id], ready_s=ready,
                      initial_load=last.load + run.initial_load,
                      max_work_s=max(0.0, run.max_work_s - (ready - previous.start_s)))
        head = [previous.stops[0], *done]
    r = replay(run, steps, time_s)
    assert r is not None
    start_pl = places[run.start]
    if not head:
        head = [PlannedStop(
            sequence=0, kind="start", place_id=start_pl.place_id, label=start_pl.label,
            lon=start_pl.lon, lat=start_pl.lat, arrival_s=round(run.ready_s),
            start_s=round(run.ready_s), departure_s=round(r.depart_s), waiting_s=0,
            service_s=0, load=run.initial_load, leg_length_m=0.0, leg_time_s=0.0,
            office_id=courier.office_id if start_pl.place_id.startswith("office:") else None,
        )]
        if run.initial_load > courier.capacity:
            violations.append(Violation("capacity", cid, 0, None,
                                        {"load": str(run.initial_load),
                                         "capacity": str(courier.capacity)}))
    stops = list(head)
    seen_pickup = {s.job_id for s in done if s.kind == "pickup"}
    prev = run.start
    for k, ((job_id, role), st, timed) in enumerate(zip(refs, steps, r.stops, strict=True)):
        seq = len(head) - 1 + k + 1
        job = problem.jobs[job_id]
        visit = _visit(job, role)
        pl = places[st.place]
        leg_l = float(length_m[prev, st.place]) if timed.reachable else 0.0
        if not timed.reachable:
            violations.append(Violation("unreachable", cid, seq, job_id, {"label": pl.label}))
        if timed.late:
            violations.append(Violation("late", cid, seq, job_id, {
                "label": pl.label, "arrival": _clock(timed.arrival_s),
                "windows": _windows_text(st.windows)}))
        if job.is_pair:
            if role == "pickup":
                seen_pickup.add(job_id)
            elif job_id not in seen_pickup and job.pickup is not None:
                violations.append(Violation("order", cid, seq, job_id, {"label": pl.label}))
        if timed.load > courier.capacity:
            violations.append(Violation("capacity", cid, seq, job_id,
                                        {"load": str(timed.load),
                                         "capacity": str(courier.capacity)}))
        stops.append(PlannedStop(
            sequence=seq, kind=role if job.is_pair or job.carried_by else "visit",
            place_id=pl.place_id, label=pl.label, lon=pl.lon, lat=pl.lat,
            arrival_s=round(timed.arrival_s), start_s=round(timed.start_s),
            departure_s=round(timed.departure_s),
            waiting_s=round(timed.start_s - timed.arrival_s), service_s=int(st.service_s),
            load=int(timed.load), leg_length_m=leg_l, leg_time_s=timed.leg_time_s,
            job_id=job_id, job_kind=job.kind, office_id=visit.office_id, window=timed.window,
            amount=int(st.delta), priority=job.priority, **visit.stop_fields(),
        ))
        prev = st.place
    end_pl = places[run.end]
    if not r.end_reachable:
        violations.append(Violation("unreachable", cid, None, None, {"label": end_pl.label}))
    stops.append(PlannedStop(
        sequence=len(stops), kind="end", place_id=end_pl.place_id, label=end_pl.label,
        lon=end_pl.lon, lat=end_pl.lat, arrival_s=round(r.end_s), start_s=round(r.end_s),
        departure_s=round(r.end_s), waiting_s=0, service_s=0,
        load=int(r.stops[-1].load) if r.stops else int(run.initial_load),
        leg_length_m=float(length_m[prev, run.end]) if r.end_reachable else 0.0,
        leg_time_s=r.end_leg_s, office_id=end_pl.office_id,
    ))
    if r.end_s > shift[1]:
        violations.append(Violation("shift", cid, None, None,
                                    {"end": _clock(r.end_s), "shift_end": _clock(shift[1])}))
    elif r.work_s > run.max_work_s + 1e-6:
        violations.append(Violation("work", cid, None, None,
                                    {"work": _clock(r.work_s),
                                     "max": _clock(run.max_work_s)}))
    route = CourierRoute(
        courier_id=cid,
        office_id=courier.office_id,
        end_office_id=courier.end_office_id or courier.office_id,
        profile=previous.profile if previous is not None else courier.profile,
        stops=tuple(stops),
        geometry=(),
        locked=previous.locked if previous is not None else False,
        courier_name=courier.name,
    )
    return route, violations


def retime_plan(
    problem: PlanningProblem,
    plan: Plan,
    refs: dict[str, list[StopRef]],
    time_s: np.ndarray,
    length_m: np.ndarray,
    *,
    unchanged: Sequence[str] = (),
) -> tuple[Plan, list[Violation]]:
    """Build the plan that follows ``refs`` (courier → stops) and list every violation.

    Routes of couriers in ``unchanged`` (and locked routes) are kept as they were (with
    their road geometry). In a re-planned plan the stops already done stay first and as
    they were; the rest is replayed from the last of them, not before
    ``plan.replanned_at_s``.
    """
    old = {r.courier_id: r for r in plan.routes}
    routes: list[CourierRoute] = []
    violations: list[Violation] = []
    where: dict[str, set[str]] = {}
    for (job_id, _role), cid in done_refs(problem, plan).items():
        where.setdefault(job_id, set()).add(cid)
    for cid, seq in refs.items():
        for job_id, _role in seq:
            where.setdefault(job_id, set()).add(cid)
        previous = old.get(cid)
        done = [s for s in previous.job_stops if s.status == "done"] if previous else []
        if previous is not None and cid in unchanged:
            routes.append(previous)
            continue
        if not seq and not done:
            continue
        route, v = retime_route(
            problem, problem.couriers[cid], seq, time_s, length_m, previous=previous,
            done=done, resume_s=plan.replanned_at_s,
        )
        routes.append(route)
        violations.extend(v)
    for job_id, couriers in where.items():
        if problem.jobs[job_id].is_pair and len(couriers) > 1:
            violations.append(Violation("split", ",".join(sorted(couriers)), None, job_id, {}))
    order = {c: i for i, c in enumerate(problem.couriers)}
    routes.sort(key=lambda r: order.get(r.courier_id, len(order)))
    notes = (*(n for n in plan.notes if n != "manually edited"), "manually edited")
    return replace(plan, routes=tuple(routes), feasible=not violations, notes=notes), violations


def move_stop(
    problem: PlanningProblem,
    plan: Plan,
    ref: StopRef,
    to_courier: str,
    position: int,
    time_s: np.ndarray,
    length_m: np.ndarray,
) -> tuple[Plan, list[Violation]]:
    """Move one stop to ``to_courier`` at ``position`` (1-based among its job stops).

    Moving a stop of a pickup–delivery pair to *another* courier moves its partner too
    (the partner is placed right after a pickup, right before a delivery), because one
    courier must carry the dossier from end to end; within the same route only the chosen
    stop moves, and a delivery put before its pickup is reported as an ``order`` violation.
    In a re-planned plan a stop already done cannot be moved; the delivery of a dossier
    already picked up moves alone (and is reported ``split`` if it leaves its carrier).

    Returns
    -------
    tuple
        The edited plan and every violation in it (empty when it is feasible).
    """
    refs = plan_refs(problem, plan)
    if to_courier not in refs:
        raise KeyError(f"unknown courier {to_courier!r}")
    job_id, role = ref
    source = next((c for c, seq in refs.items() if ref in seq), None)
    if source is None:
        if ref in done_refs(problem, plan):
            raise InputError(f"Điểm dừng {job_id} ({role}) đã làm xong; không thể chuyển. / "
                             f"Stop {job_id} ({role}) is already done and cannot be moved; "
                             "pick a stop that is still to do.")
        raise KeyError(f"stop {ref} is not in the plan")
    job = problem.jobs[job_id]
    moving = [ref]
    partner = (job_id, "delivery" if role == "pickup" else "pickup")
    if job.is_pair and source != to_courier and partner not in done_refs(problem, plan):
        moving = [ref, partner] if role == "pickup" else [partner, ref]
    for cid in refs:
        refs[cid] = [r for r in refs[cid] if r not in moving]
    target = refs[to_courier]
    pos = max(0, min(len(target), int(position) - 1))
    target[pos:pos] = moving
    unchanged = [c for c in refs if c not in (source, to_courier)]
    return retime_plan(problem, plan, refs, time_s, length_m, unchanged=unchanged)
