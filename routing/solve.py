"""Solving a planning problem with PyVRP: the core door on matrices, the adapter on a graph.

Core door
    :func:`solve_matrix` takes a :class:`~routing.model.PlanningProblem` and travel-time
    and length matrices over ``problem.places()`` and returns a :class:`~routing.result.Plan`.
Adapter door
    :func:`plan_day` takes jobs, couriers and offices with positions and a road graph,
    snaps them on the graph, builds the matrices (``geo.matrix``) and delegates.

How the model maps onto PyVRP 0.14
----------------------------------
- every office a courier starts or ends at, and every courier's current position (a
  re-plan), is a depot; each courier is a vehicle with its start and end depot, shift as
  the vehicle's time window, maximum working time as ``shift_duration`` and capacity in
  packages (identical couriers share one vehicle type);
- a pickup–delivery pair is a PyVRP ``Shipment``: same vehicle, pickup before delivery
  (native in 0.14);
- a plain delivery (pickup) is a client with a ``delivery`` (``pickup``) load, loaded at
  (brought back to) the depot;
- jobs are optional with a prize (``PlanSettings.job_value_m`` × priority weight), so a
  partial plan is a normal result; literature instances mark them required. The penalty
  cap is raised above the largest prize so that the search never prefers an infeasible
  plan to leaving a job out;
- several windows (an office's midday closure 11:30–13:30, a citizen's two slots): a
  single visit becomes one optional client copy per window in a mutually exclusive client
  group (exact: at most one copy is served). PyVRP 0.14 groups cannot hold shipment steps,
  so a pair's stop with several windows is first given the hull of its windows; the
  routes found are then replayed with the real windows (waiting through the closure where
  needed), every such stop is pinned to the window it falls in, and the model is solved
  again, warm-started. Every pair stop then has one real window, so the final plan respects
  the closure exactly (and ``_routes`` checks every stop against the real windows);
- a final greedy repair inserts any left-out job whose cheapest feasible insertion (real
  windows, capacity, shift) costs less than it is worth; the result is re-checked by PyVRP;
- a job carried by a courier in a re-plan may only be delivered by that courier: every
  other courier gets a routing profile in which its stop cannot be reached.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from data.errors import InputError
from routing.model import Courier, Job, PlanningProblem, Visit, Window
from routing.reasons import Step, best_insertion, insertion_reason, prescreen, run_of, simulate
from routing.result import CourierRoute, Plan, PlannedStop, UnassignedJob

#: Solver value for an unreachable leg (PyVRP's MAX_VALUE is 2**44).
_UNREACHABLE = 1 << 40

LegPath = Callable[[int, int], Sequence[tuple[float, float]]]


def _pyvrp_version() -> str:
    from importlib.metadata import version
    return f"pyvrp {version('pyvrp')}"


@dataclass
class _Item:
    """Bookkeeping for one PyVRP client or shipment."""

    job: Job
    kind: str                      # "client" or "shipment"
    role: str | None = None        # for clients: "pickup" or "delivery"
    window: Window | None = None   # for client copies: which window
    pins: tuple[Window | None, Window | None] = (None, None)  # shipment pickup/delivery pin


def _hash_array(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.float64).tobytes()).hexdigest()


def _usable(windows: Sequence[Window], service_s: int) -> list[Window]:
    """Windows in which service can start and finish."""
    return [w for w in windows if w[1] - w[0] >= service_s]


def _in_some(windows: Sequence[Window], start: float, service_s: int, tol: float = 1e-6) -> bool:
    if not windows:
        return True
    return any(a - tol <= start and start + service_s <= b + tol for a, b in windows)


def _nearest(windows: Sequence[Window], start: float, service_s: int) -> Window:
    def gap(w: Window) -> float:
        lo, hi = w[0], w[1] - service_s
        return 0.0 if lo <= start <= hi else min(abs(start - lo), abs(start - hi))
    return min(windows, key=gap)


class _Builder:
    """Builds PyVRP data from a planning problem, tracking what each index means."""

    def __init__(self, problem: PlanningProblem, time_s: np.ndarray, length_m: np.ndarray,
                 jobs: Sequence[Job], pins: dict[tuple[str, str], Window]) -> None:
        self.problem = problem
        self.time_s = time_s
        self.length_m = length_m
        self.jobs = list(jobs)
        self.pins = pins
        self.places = problem.places()
        self.index = problem.place_index()
        self.clients: list[_Item] = []
        self.shipments: list[_Item] = []
        self.depot_places: list[int] = []
        self.couriers: list[Courier] = list(problem.couriers.values())
        self.vehicle_types: list[list[Courier]] = []
        self.skipped: list[str] = []
        self.multi_pair_steps: list[tuple[int, str]] = []  # (shipment idx, role)

    def _tw(self, windows: Sequence[Window], service_s: int) -> tuple[int, int]:
        ts = self.problem.settings.time_scale
        if not windows:
            return 0, int(np.iinfo(np.int64).max)
        lo = min(w[0] for w in windows)
        hi = max(w[1] for w in windows) - service_s
        return int(np.floor(lo * ts)), int(np.floor(hi * ts))

    def build(self) -> Any:
        from pyvrp import Model

        p = self.problem
        s = p.settings
        ts, ds = s.time_scale, s.distance_scale
        m = Model()
        locs = [m.add_location(float(pl.lon), float(pl.lat), name=pl.place_id)
                for pl in self.places]
        depot_of: dict[int, Any] = {}

        def depot(place: int) -> Any:
            if place not in depot_of:
                depot_of[place] = m.add_depot(locs[place], name=self.places[place].place_id)
                self.depot_places.append(place)
            return depot_of[place]

        groups: dict[tuple[Any, ...], list[Courier]] = {}
        carriers = {j.carried_by for j in self.jobs if j.carried_by is not None}
        for c in self.couriers:
            shift = p.shift_of(c)
            start_place = (self.index[f"courier:{c.courier_id}"]
                           if c.start_lon is not None and c.start_lat is not None
                           else self.index[f"office:{c.office_id}"])
            end_place = self.index[f"office:{c.end_office_id or c.office_id}"]
            ready = max(shift[0], c.start_s) if c.start_s is not None else shift[0]
            max_work = c.max_work_s if c.max_work_s is not None else shift[1] - shift[0]
            key = (start_place, end_place, ready, shift[1], max_work, int(c.capacity),
                   c.profile, c.courier_id if c.courier_id in carriers else None)
            groups.setdefault(key, []).append(c)
        # identical couriers share one vehicle type (as PyVRP's num_available)
        for key, members in groups.items():
            start_place, end_place, ready, shift_end, max_work, capacity, _, _ = key
            m.add_vehicle_type(
                len(members), capacity=[capacity], start_depot=depot(start_place),
                end_depot=depot(end_place), tw_early=int(np.ceil(ready * ts)),
                tw_late=int(np.floor(shift_end * ts)),
                shift_duration=int(np.floor(max_work * ts)),
                unit_distance_cost=1, unit_duration_cost=round(s.time_weight * ds / ts),
                name=",".join(c.courier_id for c in members),
            )
            self.vehicle_types.append(members)

        for job in self.jobs:
            # a required job's prize is a constant of the objective: leave it out so that
            # it does not inflate the penalty cap (see _params)
            prize = 0 if job.required else round(p.prize_of(job) * ds)
            if job.is_pair:
                assert job.pickup is not None and job.delivery is not None
                tws = []
                multi: list[str] = []
                pins: list[Window | None] = []
                for role, v in (("pickup", job.pickup), ("delivery", job.delivery)):
                    svc = p.service_of(v)
                    wins = _usable(p.windows_of(v), svc) if p.windows_of(v) else []
                    pin = self.pins.get((job.job_id, role))
                    if pin is not None:
                        wins = [pin]
                    if len(wins) > 1:
                        multi.append(role)
                    tws.append(self._tw(wins, svc))
                    pins.append(pin)
                pv, dv = job.pickup, job.delivery
                if tws[1][1] < tws[0][0]:
                    # pinned windows leave no time after the pickup for the delivery
                    self.skipped.append(job.job_id)
                    continue
                m.add_shipment(
                    locs[self.index[p.place_of(job, "pickup")]],
                    locs[self.index[p.place_of(job, "delivery")]],
                    pickup_tw_early=tws[0][0], pickup_tw_late=tws[0][1],
                    pickup_service_duration=round(p.service_of(pv) * ts),
                    delivery_tw_early=tws[1][0], delivery_tw_late=tws[1][1],
                    delivery_service_duration=round(p.service_of(dv) * ts),
                    amount=[int(job.amount)], prize=prize, required=job.required,
                    name=job.job_id,
                )
                self.multi_pair_steps.extend((len(self.shipments), r) for r in multi)
                self.shipments.append(_Item(job, "shipment", pins=(pins[0], pins[1])))
            else:
                role = "pickup" if job.pickup is not None else "delivery"
                single = job.pickup if job.pickup is not None else job.delivery
                assert single is not None
                svc = p.service_of(single)
                wins = _usable(p.windows_of(single), svc) if p.windows_of(single) else []
                loc = locs[self.index[p.place_of(job, role)]]
                amt = [int(job.amount)]
                pick, drop = (amt, []) if role == "pickup" else ([], amt)
                if len(wins) <= 1:
                    tw = self._tw(wins, svc)
                    m.add_client(loc, service_duration=round(svc * ts), tw_early=tw[0],
                                 tw_late=tw[1], prize=prize, required=job.required,
                                 name=job.job_id, delivery=drop, pickup=pick)
                    self.clients.append(_Item(job, "client", role, wins[0] if wins else None))
                else:
                    group = m.add_client_group(required=job.required, name=job.job_id)
                    for w in wins:
                        tw = self._tw([w], svc)
                        m.add_client(loc, service_duration=round(svc * ts),
                                     tw_early=tw[0], tw_late=tw[1], prize=prize,
                                     required=False, group=group, name=job.job_id,
                                     delivery=drop, pickup=pick)
                        self.clients.append(_Item(job, "client", role, w))
        data = m.data()
        n = len(self.places)
        dist = np.where(np.isfinite(self.length_m), np.rint(self.length_m * ds), _UNREACHABLE)
        dur = np.where(np.isfinite(self.time_s), np.ceil(self.time_s * ts - 1e-9), _UNREACHABLE)
        dist = np.minimum(dist, _UNREACHABLE).astype(np.int64)
        dur = np.minimum(dur, _UNREACHABLE).astype(np.int64)
        np.fill_diagonal(dist, 0)
        np.fill_diagonal(dur, 0)
        assert dist.shape == (n, n)
        carried: dict[str, list[int]] = {}
        for j in self.jobs:
            if j.carried_by is not None:
                carried.setdefault(j.carried_by, []).append(
                    self.index[p.place_of(j, "delivery")])
        if not carried:
            return data.replace(distance_matrices=[dist],  # type: ignore[list-item]
                                duration_matrices=[dur])  # type: ignore[list-item]
        # a carried job may only be delivered by its courier: every other courier gets a
        # profile in which its stop cannot be reached
        owners = sorted(carried)
        dists, durs = [], []
        for owner in [None, *owners]:
            barred = [pl for who, pls in carried.items() if who != owner for pl in pls]
            pd_, pt_ = dist.copy(), dur.copy()
            pd_[:, barred] = _UNREACHABLE
            pt_[:, barred] = _UNREACHABLE
            pd_[barred, barred] = 0
            pt_[barred, barred] = 0
            dists.append(pd_)
            durs.append(pt_)
        vts = []
        for vt, members in zip(data.vehicle_types(), self.vehicle_types, strict=True):
            owner = members[0].courier_id if members[0].courier_id in carried else None
            vts.append(vt.replace(profile=0 if owner is None else 1 + owners.index(owner)))
        return data.replace(vehicle_types=vts,
                            distance_matrices=dists,  # type: ignore[arg-type]
                            duration_matrices=durs)  # type: ignore[arg-type]


def _check_matrices(problem: PlanningProblem, time_s: np.ndarray, length_m: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    n = len(problem.places())
    t = np.asarray(time_s, dtype=np.float64)
    d = np.asarray(length_m, dtype=np.float64)
    problems = []
    for name, a in (("time_s", t), ("length_m", d)):
        if a.shape != (n, n):
            problems.append(f"{name} has shape {a.shape}; it must be ({n}, {n}), one row and "
                            "column per place of problem.places()")
        elif np.any(a[np.isfinite(a)] < 0) or np.any(np.isnan(a)):
            problems.append(f"{name} has negative or NaN entries; use np.inf for unreachable")
    if problems:
        raise InputError(problems[0] if len(problems) == 1 else "; ".join(problems),
                         summary="The matrices do not match the problem")
    return t, d


def solve_matrix(problem: PlanningProblem, time_s: np.ndarray, length_m: np.ndarray, *,
                 seconds: float | None = None, seed: int | None = None,
                 network_kind: str = "matrix", leg_path: LegPath | None = None,
                 extra_hashes: dict[str, str] | None = None,
                 display: bool = False) -> Plan:
    """Solve a planning problem on given matrices (the core door).

    Parameters
    ----------
    problem
        The problem (validated here).
    time_s, length_m
        Travel time and length between every pair of ``problem.places()``; ``np.inf`` for
        unreachable. Lengths are metres on a road network, instance units on a benchmark.
    seconds, seed
        Override ``problem.settings.seconds`` / ``seed``.
    network_kind
        What the matrices came from (recorded in the plan).
    leg_path
        Optional ``(from_place, to_place) -> [(lon, lat), ...]`` giving each leg's geometry
        along the network.
    extra_hashes
        Further input hashes to record (e.g. the graph's).
    display
        Print PyVRP's progress.

    Returns
    -------
    Plan
        Routes, unassigned jobs with reasons, totals and provenance. A partial plan is a
        normal result.

    Raises
    ------
    InputError
        When the problem is inconsistent or the matrices do not match it.
    """
    from pyvrp import solve as pyvrp_solve
    from pyvrp.stop import MaxRuntime

    problem.validate()
    if seconds is not None or seed is not None:
        changes: dict[str, Any] = {}
        if seconds is not None:
            changes["seconds"] = float(seconds)
        if seed is not None:
            changes["seed"] = int(seed)
        problem = problem.with_settings(**changes)
    s = problem.settings
    t, d = _check_matrices(problem, time_s, length_m)
    index = problem.place_index()

    unassigned: list[UnassignedJob] = []
    solvable: list[Job] = []
    length_unit = 1000.0 if s.distance_scale == 1.0 else 1.0
    for job in problem.jobs.values():
        why = None if job.required else prescreen(problem, job, t, index)
        if why is None:
            solvable.append(job)
        else:
            unassigned.append(why)

    t0 = time.perf_counter()
    pins: dict[tuple[str, str], Window] = {}
    notes: list[str] = []
    builder = _Builder(problem, t, d, solvable, pins)
    data = builder.build()
    budget = float(s.seconds)
    first = budget if not builder.multi_pair_steps else 0.6 * budget
    params = _params(data)
    result = pyvrp_solve(data, MaxRuntime(first), seed=s.seed, collect_stats=False,
                         display=display, params=params)
    best = result.best
    rounds = 0
    if builder.multi_pair_steps:
        # One repair round: replay each route with the real (split) windows, waiting
        # through the midday gap where needed, pin every multi-window pair stop to the
        # window it falls in, and re-solve warm-started. Every pair stop then has a single
        # real window, so the final plan respects the closure exactly.
        pins.update(_true_pins(builder, best))
        rounds = 1
        old = builder
        builder = _Builder(problem, t, d, solvable, pins)
        data = builder.build()
        warm = _translate(old, best, builder, data)
        remaining = max(budget - (time.perf_counter() - t0), 0.2)
        result = pyvrp_solve(data, MaxRuntime(remaining), seed=s.seed + 1,
                             collect_stats=False, display=display, initial_solution=warm,
                             params=_params(data))
        best = result.best
    if rounds:
        notes.append(f"midday closure: {len(pins)} pair stop(s) with several windows pinned "
                     "to one opening period after a first solve on their hull")
    solve_time = time.perf_counter() - t0

    routes, served, feasible = _routes(builder, best, data, None)
    route_steps: list[tuple[Courier, list[Step]]] = []
    by_courier = {r.courier_id: r for r in routes}
    for c in builder.couriers:
        r = by_courier.get(c.courier_id)
        route_steps.append((c, _steps_of_route(problem, r, index) if r else []))
    # greedy repair: insert every left-out job whose cheapest feasible insertion (with the
    # real windows, waiting through the closure) costs less than it is worth
    added = 0
    for job in sorted((j for j in solvable if j.job_id not in served),
                      key=lambda j: -problem.prize_of(j)):
        ins = best_insertion(problem, job, route_steps, t, d, index)
        if ins is None or ins.added_length > problem.prize_of(job):
            continue
        courier = route_steps[ins.route][0]
        route_steps[ins.route] = (courier, list(ins.steps))
        added += 1
    if added:
        repaired = _solution_from_steps(problem, builder, pins, route_steps, t, d, solvable,
                                        index)
        if repaired is not None:
            builder, data, best = repaired
            notes.append(f"{added} left-out job(s) inserted by a final greedy repair")
    routes, served, feasible = _routes(builder, best, data, leg_path)
    route_steps = []
    by_courier = {r.courier_id: r for r in routes}
    for c in builder.couriers:
        r = by_courier.get(c.courier_id)
        route_steps.append((c, _steps_of_route(problem, r, index) if r else []))
    for job in solvable:
        if job.job_id not in served:
            unassigned.append(insertion_reason(problem, job, route_steps, t, d, index,
                                               length_unit=length_unit))
    hashes = problem.fingerprint()
    hashes["time_s"] = _hash_array(t)
    hashes["length_m"] = _hash_array(d)
    if extra_hashes:
        hashes.update(extra_hashes)
    order = {j: i for i, j in enumerate(problem.jobs)}
    unassigned.sort(key=lambda u: order[u.job_id])
    return Plan(
        plan_date=s.plan_date, routes=tuple(routes), unassigned=tuple(unassigned),
        network_kind=network_kind, provenance=problem.provenance, seed=s.seed,
        seconds=s.seconds, input_hashes=tuple(sorted(hashes.items())),
        settings=s.as_items(), solver=_pyvrp_version(), solve_time_s=solve_time,
        feasible=feasible, objective=int(_objective(best)),
        couriers_total=len(problem.couriers), jobs_total=len(problem.jobs),
        notes=tuple(notes),
    )


def _params(data: Any) -> Any:
    """Solver parameters whose penalty cap exceeds every prize.

    A job's prize (its value) must never outweigh the penalty for breaking a capacity or a
    window, or the search would settle on an infeasible plan; PyVRP's default cap
    (100 000 per unit) is below a 200 km prize in metres.
    """
    from pyvrp import SolveParams
    from pyvrp.PenaltyManager import PenaltyParams

    prizes = [c.prize for c in data.clients()] + [sh.prize for sh in data.shipments()]
    top = max(prizes, default=0)
    base = PenaltyParams()
    if 4 * top <= base.max_penalty:
        return SolveParams()
    return SolveParams(penalty=PenaltyParams(max_penalty=float(4 * top)))


def _objective(sol: Any) -> int:
    try:
        return int(sol.distance_cost() + sol.duration_cost() - sol.prizes())
    except Exception:  # pragma: no cover - defensive
        return 0


def _true_pins(builder: _Builder, sol: Any) -> dict[tuple[str, str], Window]:
    """Replay each route with the real windows; return the window of each multi-window pair stop.

    The route is driven in its order from its start time; a stop is served in the first
    of its windows it can still make (waiting through a closure); a stop that makes none
    is pinned to its nearest window (the re-solve moves or drops it).
    """
    p = builder.problem
    ts = p.settings.time_scale
    multi = set(builder.multi_pair_steps)
    t_mat = builder.time_s
    out: dict[tuple[str, str], Window] = {}
    for route in sol.routes():
        sched = list(route.schedule())
        clock_s = sched[0].start_time / ts
        prev = builder.depot_places[sched[0].idx]
        for a in sched[1:]:
            if a.is_depot():
                break
            if a.is_shipment():
                item = builder.shipments[a.idx]
                role = "pickup" if a.is_pickup() else "delivery"
                v = item.job.pickup if role == "pickup" else item.job.delivery
                assert v is not None
                place = builder.index[p.place_of(item.job, role)]
                svc = p.service_of(v)
                pin = (item.pins[0] if role == "pickup" else item.pins[1])
                wins = [pin] if pin is not None else _usable(p.windows_of(v), svc)
            else:
                item = builder.clients[a.idx]
                v = item.job.pickup if item.role == "pickup" else item.job.delivery
                assert v is not None
                place = builder.index[p.place_of(item.job, item.role or "delivery")]
                svc = p.service_of(v)
                wins = [item.window] if item.window is not None else []
            clock_s += float(t_mat[prev, place])
            begin = clock_s
            chosen = None
            for w in sorted(wins):
                if max(clock_s, w[0]) + svc <= w[1]:
                    chosen = w
                    begin = max(clock_s, w[0])
                    break
            if a.is_shipment() and (a.idx, role) in multi:
                out[(item.job.job_id, role)] = chosen or _nearest(wins, clock_s, svc)
            clock_s = begin + svc
            prev = place
    # stops of jobs the first solve left out: pickups in the first window, deliveries in
    # the last (collect in the morning, hand over in the afternoon)
    for idx, role in builder.multi_pair_steps:
        item = builder.shipments[idx]
        key = (item.job.job_id, role)
        if key not in out:
            v = item.job.pickup if role == "pickup" else item.job.delivery
            assert v is not None
            wins = sorted(_usable(p.windows_of(v), p.service_of(v)))
            out[key] = wins[0] if role == "pickup" else wins[-1]
    return out


def _translate(old: _Builder, sol: Any, new: _Builder, data: Any) -> Any:
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


def _routes(builder: _Builder, sol: Any, data: Any, leg_path: LegPath | None
            ) -> tuple[list[CourierRoute], set[str], bool]:
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
                wins = _usable(p.windows_of(visit), svc)
                if wins:
                    window = _nearest(wins, start, svc)
                    if not _in_some(wins, start, svc):
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
                approximate=bool(visit.approximate) if visit is not None else False,
                instance_id=visit.instance_id if visit is not None else None,
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


def _steps_of_route(problem: PlanningProblem, route: CourierRoute, index: dict[str, int]
                    ) -> list[Step]:
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


def _solution_from_steps(problem: PlanningProblem, builder: _Builder,
                         pins: dict[tuple[str, str], Window],
                         route_steps: Sequence[tuple[Courier, list[Step]]], t: np.ndarray,
                         d: np.ndarray, solvable: Sequence[Job], index: dict[str, int]
                         ) -> tuple[_Builder, Any, Any] | None:
    """Rebuild the solver model and a solution from hand-edited routes (None if infeasible)."""
    from pyvrp import Route, Solution
    from pyvrp._pyvrp import Activity, ActivityType

    new_pins = dict(pins)
    chosen_of: list[list[Window | None]] = []
    for courier, steps in route_steps:
        initial = sum(-s.delta for s in steps if s.role == "delivery"
                      and problem.jobs[s.job_id or ""].pickup is None)
        chosen: list[Window | None] = []
        ok, _, _ = simulate(run_of(problem, courier, index, initial), steps, t, chosen)
        if not ok:
            return None
        chosen_of.append(chosen)
        for st, w in zip(steps, chosen, strict=True):
            job = problem.jobs[st.job_id or ""]
            if job.is_pair and w is not None and st.role is not None:
                new_pins[(job.job_id, st.role)] = w
    nb = _Builder(problem, t, d, solvable, new_pins)
    data = nb.build()
    ship = {it.job.job_id: k for k, it in enumerate(nb.shipments)}
    client = {(it.job.job_id, it.window): k for k, it in enumerate(nb.clients)}
    vt_of = {c.courier_id: k for k, members in enumerate(nb.vehicle_types) for c in members}
    routes = []
    for (courier, steps), chosen in zip(route_steps, chosen_of, strict=True):
        if not steps:
            continue
        acts = []
        for st, w in zip(steps, chosen, strict=True):
            job = problem.jobs[st.job_id or ""]
            if job.is_pair:
                if job.job_id not in ship:
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
    if not sol.is_feasible():
        return None
    return nb, data, sol




# ---------------------------------------------------------------------------------------
# Adapter door: positions + road graph
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkMatrices:
    """Matrices over a problem's places, built on a road graph.

    Parameters
    ----------
    time_s, length_m
        Door-to-door matrices (off-network legs included; ``np.inf`` unreachable).
    nodes
        The network node each place joins the road at (the nearer end of its edge).
    snapped
        ``(lon, lat)`` where each place joins the road.
    access_m
        Length of each place's off-network leg (NaN when too far).
    too_far
        Places farther than the snapping limit from every road (rows and columns inf).
    max_access_m
        The snapping limit used.
    seconds
        Wall time spent.
    """

    time_s: np.ndarray
    length_m: np.ndarray
    nodes: tuple[Any, ...]
    snapped: tuple[tuple[float, float], ...]
    access_m: np.ndarray
    too_far: np.ndarray
    max_access_m: float
    seconds: float


def network_matrices(problem: PlanningProblem, G: Any, *, engine: Any = None,
                     max_access_m: float | None = None) -> NetworkMatrices:
    """Snap every place of a problem onto the nearest road edge and build the matrices.

    Uses ``geo.matrix.point_matrix``: each place joins the road where the perpendicular
    meets its nearest edge, with an off-network leg at the profile's access speed; a place
    beyond the snapping limit is unreachable (rows and columns ``np.inf``), never snapped
    silently, and its jobs are reported ``unreachable``.

    Parameters
    ----------
    problem
        The problem whose ``places()`` are snapped.
    G
        Road graph in the project's form.
    engine
        A ``geo.matrix.TravelEngine`` on ``G`` to reuse.
    max_access_m
        Snapping limit (default ``geo.snap.DEFAULT_MAX_DISTANCE_M``). Distances are
        measured in the graph's own ``metric_crs``.
    """
    import geopandas as gpd

    from geo.matrix import point_matrix
    from geo.snap import DEFAULT_MAX_DISTANCE_M

    t0 = time.perf_counter()
    places = problem.places()
    ids = [p.place_id for p in places]
    pts = gpd.GeoDataFrame({"place_id": ids},
                           geometry=gpd.points_from_xy([p.lon for p in places],
                                                       [p.lat for p in places]),
                           crs="EPSG:4326", index=ids)
    limit = DEFAULT_MAX_DISTANCE_M if max_access_m is None else float(max_access_m)
    mr = point_matrix(G, pts, engine=engine, max_distance_m=limit, on_too_far="inf")
    tm = np.array(mr.time_s, dtype=float)
    lm = np.array(mr.length_m, dtype=float)
    np.fill_diagonal(tm, 0.0)
    np.fill_diagonal(lm, 0.0)
    snap = mr.snap_a
    snapped = tuple((float(x), float(y)) for x, y in zip(snap.snapped_lon, snap.snapped_lat,
                                                          strict=True))
    return NetworkMatrices(tm, lm, tuple(snap.node), snapped,
                           np.asarray(snap.access_length_m, dtype=float),
                           np.asarray(snap.too_far, dtype=bool), limit,
                           time.perf_counter() - t0)


def network_leg_path(problem: PlanningProblem, G: Any,
                     nm: NetworkMatrices | Sequence[Any], engine: Any) -> LegPath:
    """Return a ``leg_path`` callback drawing each leg along the network's fastest route.

    Each leg is the place's position, where it joins the road, the node path (with the
    edges' own geometry where they have one), where the next place joins the road and the
    next place's position, as lon/lat. ``nm`` may also be the plain node list of each
    place (then legs start at the nodes).
    """
    places = problem.places()
    if isinstance(nm, NetworkMatrices):
        nodes: Sequence[Any] = nm.nodes
        snapped: Sequence[tuple[float, float] | None] = nm.snapped
    else:
        nodes = list(nm)
        snapped = [None] * len(nodes)

    def leg(i: int, j: int) -> list[tuple[float, float]]:
        pts = [(float(places[i].lon), float(places[i].lat))]
        if nodes[i] is None or nodes[j] is None:
            return [*pts, (float(places[j].lon), float(places[j].lat))]
        if snapped[i] is not None:
            pts.append(snapped[i])  # type: ignore[arg-type]
        path = engine.path(nodes[i], nodes[j]) if nodes[i] != nodes[j] else [nodes[i]]
        for u, v in itertools.pairwise(path):
            data = min(G.get_edge_data(u, v).values(),
                       key=lambda e: e.get("travel_time_s", np.inf))
            geom = data.get("geometry")
            if geom is not None:
                coords = list(geom.coords)
                if math.dist(coords[0], (G.nodes[u]["x"], G.nodes[u]["y"])) > math.dist(
                        coords[-1], (G.nodes[u]["x"], G.nodes[u]["y"])):
                    coords.reverse()
                pts.extend((float(x), float(y)) for x, y in coords)
            else:
                pts.append((float(G.nodes[u]["x"]), float(G.nodes[u]["y"])))
                pts.append((float(G.nodes[v]["x"]), float(G.nodes[v]["y"])))
        if len(path) == 1:
            pts.append((float(G.nodes[path[0]]["x"]), float(G.nodes[path[0]]["y"])))
        if snapped[j] is not None:
            pts.append(snapped[j])  # type: ignore[arg-type]
        pts.append((float(places[j].lon), float(places[j].lat)))
        out = [pts[0]]
        for p in pts[1:]:
            if p != out[-1]:
                out.append(p)
        return out

    return leg


def plan_day(jobs: Sequence[Job], couriers: Sequence[Courier], offices: Any, G: Any, *,
             plan_settings: Any = None, provenance: str = "user",
             engine: Any = None, geometry: bool = True) -> Plan:
    """Plan a day on a road graph (the adapter door): snap, build matrices, solve.

    Parameters
    ----------
    jobs
        The day's jobs (positions in WGS84).
    couriers
        The couriers.
    offices
        ``data.offices`` GeoDataFrame (``office_id, name, kind, lat, lon, opening_hours``)
        or a sequence of :class:`~routing.model.Office`.
    G
        Road graph (``geo.network``); its ``kind`` is recorded as the plan's
        ``network_kind``.
    plan_settings
        :class:`~routing.model.PlanSettings` (budget, seed, date, defaults).
    provenance
        Where the jobs come from (``user``, ``simulated``).
    engine
        A ``geo.matrix.TravelEngine`` on ``G`` to reuse.
    geometry
        Draw every leg along the network.

    Returns
    -------
    Plan
        As :func:`solve_matrix`; ``notes`` give the matrix time and snapping figures.

    Raises
    ------
    InputError
        When the offices table lacks columns, the graph has no CRS, or the problem is
        inconsistent.
    """
    from routing.model import Office, PlanSettings

    if G.graph.get("crs", "").upper() != "EPSG:4326":
        raise InputError(f"the road graph's crs is {G.graph.get('crs')!r}; the project's "
                         "graphs are EPSG:4326 with metric x_m/y_m node coordinates")
    ps = plan_settings if plan_settings is not None else PlanSettings()
    problem = PlanningProblem(ps, provenance=provenance)
    if hasattr(offices, "iterrows"):
        need = {"office_id", "name", "kind", "lat", "lon"}
        missing = need - set(offices.columns)
        if missing:
            raise InputError(f"the offices table lacks {', '.join(sorted(missing))}")
        if getattr(offices, "crs", None) is not None and str(offices.crs).upper() not in (
                "EPSG:4326",):
            offices = offices.to_crs("EPSG:4326")
        office_list = [Office(str(r.office_id), str(r.name), float(r.lon), float(r.lat),
                              str(r.kind), _office_windows(r, ps.plan_date))
                       for r in offices.itertuples()]
    else:
        office_list = list(offices)
    problem.add_offices(office_list)
    for c in couriers:
        problem.add_courier(c)
    problem.add_jobs(jobs)
    problem.validate()
    eng = engine
    if eng is None:
        from geo.matrix import TravelEngine
        eng = TravelEngine(G)
    nm = network_matrices(problem, G, engine=eng)
    leg = network_leg_path(problem, G, nm, eng) if geometry else None
    extra = {"network": str(G.graph.get("cache_key", "")) or _hash_array(
        np.array([G.number_of_nodes(), G.number_of_edges()], dtype=float))}
    plan = solve_matrix(problem, nm.time_s, nm.length_m,
                        network_kind=str(G.graph.get("kind", "unknown")), leg_path=leg,
                        extra_hashes=extra)
    far = int(nm.too_far.sum())
    notes = (*plan.notes,
             f"matrix: {len(nm.nodes)} places in {nm.seconds:.2f} s; median off-road leg "
             f"{float(np.nanmedian(nm.access_m)):.0f} m; {far} place(s) beyond "
             f"{nm.max_access_m:.0f} m of any road")
    return dataclasses.replace(plan, notes=notes)


def _office_windows(row: Any, plan_date: str | None) -> tuple[Window, ...]:
    """Return an office's windows on the plan date: the one rule, ``routing.workday``.

    Without a plan date there is no calendar: the model's default office hours apply.
    """
    from routing.workday import office_windows

    if not plan_date:
        return ()
    rec = row._asdict() if hasattr(row, "_asdict") else dict(row)
    return office_windows(rec, date.fromisoformat(plan_date))


__all__ = ["LegPath", "NetworkMatrices", "network_matrices", "plan_day", "solve_matrix"]
