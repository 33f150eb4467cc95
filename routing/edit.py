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

from routing.model import Courier, Job, PlanningProblem, Visit
from routing.result import CourierRoute, Plan, PlannedStop

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


def route_refs(problem: PlanningProblem, route: CourierRoute) -> list[StopRef]:
    """Return the job stops of a route as (job_id, role) in visiting order."""
    refs: list[StopRef] = []
    for stop in route.job_stops:
        if stop.job_id is None:
            continue
        if stop.kind in ("pickup", "delivery"):
            role = stop.kind
        else:
            job = problem.jobs[stop.job_id]
            role = "delivery" if job.pickup is None else "pickup"
        refs.append((stop.job_id, role))
    return refs


def plan_refs(problem: PlanningProblem, plan: Plan) -> dict[str, list[StopRef]]:
    """Every courier's stops as (job_id, role); couriers without a route get an empty list."""
    out: dict[str, list[StopRef]] = {cid: [] for cid in problem.couriers}
    for route in plan.routes:
        out[route.courier_id] = route_refs(problem, route)
    return out


def _visit(job: Job, role: str) -> Visit:
    visit = job.pickup if role == "pickup" else job.delivery
    assert visit is not None
    return visit


def retime_route(
    problem: PlanningProblem,
    courier: Courier,
    refs: Sequence[StopRef],
    time_s: np.ndarray,
    length_m: np.ndarray,
    *,
    previous: CourierRoute | None = None,
) -> tuple[CourierRoute, list[Violation]]:
    """Re-compute arrival times, loads and legs of one courier's route; list violations.

    Parameters
    ----------
    problem
        The planning problem the plan was solved for.
    courier
        The courier driving the route.
    refs
        The job stops in the new order.
    time_s, length_m
        Travel-time and length matrices over ``problem.places()``.
    previous
        The route before the edit (keeps its profile and lock flag).
    """
    index = problem.place_index()
    places = problem.places()
    shift = problem.shift_of(courier)
    start_place = (
        f"courier:{courier.courier_id}"
        if courier.start_lon is not None and courier.start_lat is not None
        else f"office:{courier.office_id}"
    )
    end_office = courier.end_office_id or courier.office_id
    end_place = f"office:{end_office}"
    ready = float(max(shift[0], courier.start_s) if courier.start_s is not None else shift[0])
    violations: list[Violation] = []
    cid = courier.courier_id

    initial_load = sum(
        problem.jobs[j].amount
        for j, role in refs
        if role == "delivery" and problem.jobs[j].pickup is None
    )
    load = initial_load
    start_pl = places[index[start_place]]
    stops = [
        PlannedStop(
            sequence=0,
            kind="start",
            place_id=start_place,
            label=start_pl.label,
            lon=start_pl.lon,
            lat=start_pl.lat,
            arrival_s=int(ready),
            start_s=int(ready),
            departure_s=int(ready),
            waiting_s=0,
            service_s=0,
            load=load,
            leg_length_m=0.0,
            leg_time_s=0.0,
            office_id=courier.office_id if start_place.startswith("office:") else None,
        )
    ]
    if load > courier.capacity:
        violations.append(
            Violation(
                "capacity", cid, 0, None, {"load": str(load), "capacity": str(courier.capacity)}
            )
        )
    t = ready
    prev = index[start_place]
    seen_pickup: set[str] = set()
    for seq, (job_id, role) in enumerate(refs, start=1):
        job = problem.jobs[job_id]
        visit = _visit(job, role)
        place_id = problem.place_of(job, role)
        row = index[place_id]
        leg_t = float(time_s[prev, row])
        leg_l = float(length_m[prev, row])
        if not np.isfinite(leg_t):
            violations.append(
                Violation("unreachable", cid, seq, job_id, {"label": places[row].label})
            )
            leg_t, leg_l = 0.0, 0.0
        arrival = t + leg_t
        service = problem.service_of(visit)
        windows = problem.windows_of(visit)
        begin = arrival
        chosen: tuple[int, int] | None = None
        if windows:
            for a, b in windows:
                s = max(arrival, a)
                if s + service <= b:
                    begin, chosen = s, (a, b)
                    break
            if chosen is None:
                violations.append(
                    Violation(
                        "late",
                        cid,
                        seq,
                        job_id,
                        {
                            "label": places[row].label,
                            "arrival": _clock(arrival),
                            "windows": _windows_text(windows),
                        },
                    )
                )
        if job.is_pair:
            if role == "pickup":
                seen_pickup.add(job_id)
            elif job_id not in seen_pickup:
                violations.append(
                    Violation("order", cid, seq, job_id, {"label": places[row].label})
                )
        delta = job.amount if role == "pickup" else -job.amount
        load += delta
        if load > courier.capacity:
            violations.append(
                Violation(
                    "capacity",
                    cid,
                    seq,
                    job_id,
                    {"load": str(load), "capacity": str(courier.capacity)},
                )
            )
        t = begin + service
        stops.append(
            PlannedStop(
                sequence=seq,
                kind=role if job.is_pair else "visit",
                place_id=place_id,
                label=places[row].label,
                lon=places[row].lon,
                lat=places[row].lat,
                arrival_s=round(arrival),
                start_s=round(begin),
                departure_s=round(t),
                waiting_s=round(begin - arrival),
                service_s=int(service),
                load=int(load),
                leg_length_m=leg_l,
                leg_time_s=leg_t,
                job_id=job_id,
                job_kind=job.kind,
                office_id=visit.office_id,
                window=chosen,
                amount=int(delta),
                priority=job.priority,
                approximate=bool(visit.approximate),
            )
        )
        prev = row
    end_row = index[end_place]
    leg_t = float(time_s[prev, end_row])
    leg_l = float(length_m[prev, end_row])
    if not np.isfinite(leg_t):
        violations.append(
            Violation("unreachable", cid, None, None, {"label": places[end_row].label})
        )
        leg_t, leg_l = 0.0, 0.0
    end_t = t + leg_t
    stops.append(
        PlannedStop(
            sequence=len(refs) + 1,
            kind="end",
            place_id=end_place,
            label=places[end_row].label,
            lon=places[end_row].lon,
            lat=places[end_row].lat,
            arrival_s=round(end_t),
            start_s=round(end_t),
            departure_s=round(end_t),
            waiting_s=0,
            service_s=0,
            load=int(load),
            leg_length_m=leg_l,
            leg_time_s=leg_t,
            office_id=end_office,
        )
    )
    if end_t > shift[1]:
        violations.append(
            Violation(
                "shift", cid, None, None, {"end": _clock(end_t), "shift_end": _clock(shift[1])}
            )
        )
    max_work = courier.max_work_s if courier.max_work_s is not None else shift[1] - shift[0]
    if end_t - ready > max_work + 1e-6 and end_t <= shift[1]:
        violations.append(
            Violation(
                "work", cid, None, None, {"work": _clock(end_t - ready), "max": _clock(max_work)}
            )
        )
    route = CourierRoute(
        courier_id=cid,
        office_id=courier.office_id,
        end_office_id=end_office,
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

    Routes of couriers in ``unchanged`` are kept as they were (with their road geometry).
    """
    old = {r.courier_id: r for r in plan.routes}
    routes: list[CourierRoute] = []
    violations: list[Violation] = []
    where: dict[str, set[str]] = {}
    for cid, seq in refs.items():
        for job_id, _role in seq:
            where.setdefault(job_id, set()).add(cid)
        if not seq:
            continue
        if cid in unchanged and cid in old:
            routes.append(old[cid])
            continue
        route, v = retime_route(
            problem, problem.couriers[cid], seq, time_s, length_m, previous=old.get(cid)
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
        raise KeyError(f"stop {ref} is not in the plan")
    job = problem.jobs[job_id]
    moving = [ref]
    if job.is_pair and source != to_courier:
        partner = (job_id, "delivery" if role == "pickup" else "pickup")
        moving = [ref, partner] if role == "pickup" else [partner, ref]
    for cid in refs:
        refs[cid] = [r for r in refs[cid] if r not in moving]
    target = refs[to_courier]
    pos = max(0, min(len(target), int(position) - 1))
    target[pos:pos] = moving
    unchanged = [c for c in refs if c not in (source, to_courier)]
    return retime_plan(problem, plan, refs, time_s, length_m, unchanged=unchanged)
