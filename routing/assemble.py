"""Reading PyVRP's solutions back into plans (the *Result* of PyVRP's Model → solve → Result).

- :func:`courier_routes` turns a ``pyvrp.Solution`` into :class:`~routing.result.CourierRoute`
  objects (times from PyVRP's schedule, every stop checked against its real windows);
- :func:`true_pins` replays a first solution with the real windows
  (:func:`routing.timing.replay`) to pin every several-window pair stop to one window;
- :func:`translate` carries a solution over to a rebuilt model;
- :func:`steps_of_route` and :func:`solution_from_steps` go from planned routes to
  replayable steps and back to a PyVRP solution (after the greedy repair);
  :func:`chosen_windows` and :func:`solution_on` do the same on a model already built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from routing.model import Courier, Job, PlanningProblem, Visit, Window
from routing.pyvrp_model import ModelBuilder, fits_some, nearest_window, usable_windows
from routing.reasons import simulate
from routing.result import CourierRoute, PlannedStop
from routing.timing import Run, Step, replay, run_of

LegPath = Callable[[int, int], Sequence[tuple[float, float]]]


def objective(sol: Any) -> int:
    """Return the solver's objective of a solution (distance + duration costs − prizes)."""
    try:
        return int(sol.distance_cost() + sol.duration_cost() - sol.prizes())
    except Exception:  # pragma: no cover - defensive
        return 0


def true_pins(builder: ModelBuilder, sol: Any) -> dict[tuple[str, str], Window]:
    """Replay each route with the real windows; return the window of each multi-window pair stop.

    The route is driven in its order from its start time (:func:`routing.timing.replay`);
    a stop is served in the first of its windows it can still make (waiting through a
    closure); a stop that makes none is pinned to its nearest window (the re-solve moves or
    drops it). Stops of jobs the first solve left out: pickups in the first window,
    deliveries in the last (collect in the morning, hand over in the afternoon).
    """
    p = builder.problem
    ts = p.settings.time_scale
    multi = set(builder.multi_pair_steps)
    out: dict[tuple[str, str], Window] = {}
    for route in sol.routes():
        sched = list(route.schedule())
        steps: list[Step] = []
        keys: list[tuple[str, str] | None] = []
        for a in sched[1:]:
            if a.is_depot():
                break
            if a.is_shipment():
                item = builder.shipments[a.idx]
                role = "pickup" if a.is_pickup() else "delivery"
                pin = item.pins[0] if role == "pickup" else item.pins[1]
            else:
                item = builder.clients[a.idx]
                role = item.role or "delivery"
                pin = item.window
            v = item.job.pickup if role == "pickup" else item.job.delivery
            assert v is not None
            svc = p.service_of(v)
            if a.is_shipment():
                wins = [pin] if pin is not None else usable_windows(p.windows_of(v), svc)
            else:
                wins = [pin] if pin is not None else []
            steps.append(Step(builder.index[p.place_of(item.job, role)], tuple(wins), svc, 0,
                              item.job.job_id, role))
            keys.append((item.job.job_id, role)
                        if a.is_shipment() and (a.idx, role) in multi else None)
        start = builder.depot_places[sched[0].idx]
        run = Run(start, start, sched[0].start_time / ts, np.inf, np.inf, 1 << 30)
        timed = replay(run, steps, builder.time_s)
        assert timed is not None
        for key, st, t in zip(keys, steps, timed.stops, strict=True):
            if key is not None:
                out[key] = t.window or nearest_window(st.windows, t.arrival_s, st.service_s)
    for idx, role in builder.multi_pair_steps:
        item = builder.shipments[idx]
        key = (item.job.job_id, role)
        if key not in out:
            v = item.job.pickup if role == "pickup" else item.job.delivery
            assert v is not None
            wins = sorted(usable_windows(p.windows_of(v), p.service_of(v)))
            out[key] = wins[0] if role == "pickup" else wins[-1]
    return out


def translate(old: ModelBuilder, sol: Any, new: ModelBuilder, data: Any) -> Any:
    """Carry a solution over to a rebuilt model, matching shipments and clients by job."""
    from pyvrp import Route, Solution
    from pyvrp._pyvrp import Activity, ActivityType

    ship = {it.job.job_id: k for k, it in enumerate(new.shipments)}
    client = {(it.job.job_id, it.window): k for k, it in enumerate(new.clients)}
    routes = []
    for route in sol.routes():
        acts = []
        for a in route.schedule():
            if a.is_depot():
                continue
            if a.is_shipment():
                k = ship.get(old.shipments[a.idx].job.job_id)
                if k is not None:
                    acts.append(Activity(a.type, k))
            else:
                it = old.clients[a.idx]
                k = client.get((it.job.job_id, it.window))
                if k is not None:
                    acts.append(Activity(ActivityType.CLIENT, k))
        if acts:
            routes.append(Route(data, acts, route.vehicle_type()))
    return Solution(data, routes)


def courier_routes(builder: ModelBuilder, sol: Any, data: Any, leg_path: LegPath | None
                   ) -> tuple[list[CourierRoute], set[str], bool]:
    """Turn a PyVRP solution into courier routes; also the jobs served and feasibility."""
    p = builder.problem
    s = p.settings
    ts = s.time_scale
    t, d = builder.time_s, builder.length_m
    places = builder.places
    routes: list[CourierRoute] = []
    served: set[str] = set()
    feasible = bool(sol.is_feasible())
    used: dict[int, int] = {}
    for route in sol.routes():
        vt = route.vehicle_type()
        courier = builder.vehicle_types[vt][used.get(vt, 0)]
        used[vt] = used.get(vt, 0) + 1
        sched = list(route.schedule())
        # initial load: plain deliveries on this route
        load = 0
        for a in sched:
            if not a.is_depot() and not a.is_shipment():
                item = builder.clients[a.idx]
                if item.role == "delivery":
                    load += item.job.amount
        stops: list[PlannedStop] = []
        prev_place: int | None = None
        geometry: list[tuple[tuple[float, float], ...]] = []
        for seq, a in enumerate(sched):
            if a.is_depot():
                place = builder.depot_places[a.idx]
                kind = "start" if seq == 0 else "end"
                job = None
                role = None
                visit: Visit | None = None
                window = None
                amount = 0
                svc = 0
            elif a.is_shipment():
                item = builder.shipments[a.idx]
                job = item.job
                role = "pickup" if a.is_pickup() else "delivery"
                visit = job.pickup if role == "pickup" else job.delivery
                place = builder.index[p.place_of(job, role)]
                kind = role
                amount = job.amount if role == "pickup" else -job.amount
                svc = p.service_of(visit) if visit else 0
                window = None
            else:
                item = builder.clients[a.idx]
                job = item.job
                role = item.role
                visit = job.pickup if role == "pickup" else job.delivery
                place = builder.index[p.place_of(job, role or "delivery")]
                kind = "visit"
                amount = job.amount if role == "pickup" else -job.amount
                svc = p.service_of(visit) if visit else 0
                window = item.window
            start = a.start_time / ts
            wait = a.wait_duration / ts
            if window is None and visit is not None:
                wins = usable_windows(p.windows_of(visit), svc)
                if wins:
                    window = nearest_window(wins, start, svc)
                    if not fits_some(wins, start, svc):
                        feasible = False
            if a.time_warp > 0:
                feasible = False
            if kind not in ("start", "end"):
                load += amount
                assert job is not None
                served.add(job.job_id)
            leg_len = float(d[prev_place, place]) if prev_place is not None else 0.0
            leg_time = float(t[prev_place, place]) if prev_place is not None else 0.0
            if prev_place is not None and leg_path is not None:
                geometry.append(tuple(leg_path(prev_place, place)))
            pl = places[place]
            arrival = start - wait if kind != "start" else start
            departure = start + (svc if kind not in ("start", "end") else 0)
            if kind == "start":
                departure = a.end_time / ts
            stops.append(PlannedStop(
                sequence=seq, kind=kind, place_id=pl.place_id,
                label=(visit.label if visit is not None and visit.label else pl.label),
                lon=float(pl.lon), lat=float(pl.lat),
                arrival_s=round(arrival), start_s=round(start),
                departure_s=round(departure),
                waiting_s=round(wait) if kind not in ("start",) else 0,
                service_s=int(svc), load=int(load), leg_length_m=leg_len, leg_time_s=leg_time,
                job_id=job.job_id if job else None, job_kind=job.kind if job else None,
                office_id=pl.office_id, window=(int(window[0]), int(window[1]))
                if window is not None else None,
                amount=int(amount), priority=job.priority if job else 0,
                instance_id=visit.instance_id if visit is not None else None,
                **(visit.stop_fields() if visit is not None else {}),
            ))
            prev_place = place
        if any(st.load > courier.capacity or st.load < 0 for st in stops):
            feasible = False
        routes.append(CourierRoute(
            courier_id=courier.courier_id, office_id=courier.office_id,
            end_office_id=courier.end_office_id or courier.office_id, profile=courier.profile,
            stops=tuple(stops), geometry=tuple(geometry), courier_name=courier.name,
        ))
    order = {c.courier_id: i for i, c in enumerate(builder.couriers)}
    routes.sort(key=lambda r: order[r.courier_id])
    return routes, served, feasible


def steps_of_route(problem: PlanningProblem, route: CourierRoute, index: dict[str, int]
                    ) -> list[Step]:
    """Return the job stops of a planned route as steps, each in the window it was given."""
    out = []
    for st in route.job_stops:
        assert st.job_id is not None
        job = problem.jobs[st.job_id]
        role = st.kind if st.kind in ("pickup", "delivery") else (
            "pickup" if job.pickup is not None else "delivery")
        v = job.pickup if role == "pickup" else job.delivery
        assert v is not None
        wins = (st.window,) if st.window is not None else problem.windows_of(v)
        out.append(Step(index[st.place_id], tuple(wins), problem.service_of(v), st.amount,
                        job.job_id, role))
    return out


def chosen_windows(problem: PlanningProblem, route_steps: Sequence[tuple[Courier, list[Step]]],
                   check_s: np.ndarray, index: dict[str, int]
                   ) -> list[list[Window | None]] | None:
    """Replay every route on ``check_s``; return the window each stop is served in.

    None when some route breaks a rule (:func:`routing.reasons.simulate`).
    """
    out: list[list[Window | None]] = []
    for courier, steps in route_steps:
        initial = sum(-s.delta for s in steps if s.role == "delivery"
                      and problem.jobs[s.job_id or ""].pickup is None)
        chosen: list[Window | None] = []
        ok, _, _ = simulate(run_of(problem, courier, index, initial), steps, check_s, chosen)
        if not ok:
            return None
        out.append(chosen)
    return out


def solution_on(builder: ModelBuilder, data: Any,
                route_steps: Sequence[tuple[Courier, list[Step]]],
                chosen_of: Sequence[Sequence[Window | None]]) -> Any:
    """Return routes as a ``pyvrp.Solution`` of an already built model (None if they do not fit).

    ``chosen_of`` are the windows :func:`chosen_windows` gave each stop. None when a job
    is not in the model, a pair stop's window is not the one the model pins it to, or
    the solution is infeasible.
    """
    from pyvrp import Route, Solution
    from pyvrp._pyvrp import Activity, ActivityType

    problem = builder.problem
    ship = {it.job.job_id: k for k, it in enumerate(builder.shipments)}
    client = {(it.job.job_id, it.window): k for k, it in enumerate(builder.clients)}
    vt_of = {c.courier_id: k for k, members in enumerate(builder.vehicle_types)
             for c in members}
    routes = []
    for (courier, steps), chosen in zip(route_steps, chosen_of, strict=True):
        if not steps:
            continue
        acts = []
        for st, w in zip(steps, chosen, strict=True):
            job = problem.jobs[st.job_id or ""]
            if job.is_pair:
                pin = builder.pins.get((job.job_id, st.role or ""))
                if job.job_id not in ship or (pin is not None and pin != w):
                    return None
                kind = ActivityType.PICKUP if st.role == "pickup" else ActivityType.DELIVERY
                acts.append(Activity(kind, ship[job.job_id]))
            else:
                k = client.get((job.job_id, w)) if (job.job_id, w) in client else client.get(
                    (job.job_id, None))
                if k is None:
                    return None
                acts.append(Activity(ActivityType.CLIENT, k))
        routes.append(Route(data, acts, vt_of[courier.courier_id]))
    sol = Solution(data, routes)
    return sol if sol.is_feasible() else None


def solution_from_steps(problem: PlanningProblem, builder: ModelBuilder,
                         pins: dict[tuple[str, str], Window],
                         route_steps: Sequence[tuple[Courier, list[Step]]], t: np.ndarray,
                         d: np.ndarray, solvable: Sequence[Job], index: dict[str, int], *,
                         check_s: np.ndarray | None = None
                        ) -> tuple[ModelBuilder, Any, Any] | None:
    """Rebuild the solver model and a solution from repaired routes (None if infeasible).

    ``check_s`` (default ``t``): the times the routes are replayed on to choose each
    stop's window — the solver's own whole-second times keep that choice consistent with
    PyVRP's feasibility check. Every pair stop is pinned to the window it is served in.
    """
    chosen_of = chosen_windows(problem, route_steps, t if check_s is None else check_s, index)
    if chosen_of is None:
        return None
    new_pins = dict(pins)
    for (_, steps), chosen in zip(route_steps, chosen_of, strict=True):
        for st, w in zip(steps, chosen, strict=True):
            job = problem.jobs[st.job_id or ""]
            if job.is_pair and w is not None and st.role is not None:
                new_pins[(job.job_id, st.role)] = w
    nb = ModelBuilder(problem, t, d, solvable, new_pins, overflow_guard=builder.overflow_guard)
    data = nb.build()
    sol = solution_on(nb, data, route_steps, chosen_of)
    if sol is None:
        return None
    return nb, data, sol


__all__ = ["LegPath", "chosen_windows", "courier_routes", "objective", "solution_from_steps",
           "solution_on", "steps_of_route", "translate", "true_pins"]
