"""The PyVRP model of a planning problem (the *Model* of PyVRP's Model → solve → Result).

:class:`ModelBuilder` turns a :class:`~routing.model.PlanningProblem`, its matrices and the
jobs to solve into a ``pyvrp.ProblemData``, remembering what every PyVRP client, shipment
and vehicle type stands for (:mod:`routing.assemble` reads solutions back with it).

How the model maps onto PyVRP 0.14
----------------------------------
- every office a courier starts or ends at, and every courier's current position (a
  re-plan), is a depot; each courier is a vehicle with its start and end depot, shift as
  the vehicle's time window, maximum working time as ``shift_duration`` and capacity in
  packages (identical couriers share one vehicle type);
- a pickup–delivery pair is a PyVRP ``Shipment``: same vehicle, pickup before delivery;
- a plain delivery (pickup) is a client with a ``delivery`` (``pickup``) load, loaded at
  (brought back to) the depot;
- jobs are optional with a prize (``PlanSettings.job_value_m`` × priority weight), so a
  partial plan is a normal result; literature instances mark them required. The penalty
  cap is raised above the largest prize so that the search never prefers an infeasible
  plan to leaving a job out (:func:`penalty_cap`);
- several windows (an office's midday closure, a citizen's two slots): a single visit
  becomes one optional client copy per window in a mutually exclusive client group. PyVRP
  0.14 groups cannot hold shipment steps, so a pair's stop with several windows is given
  the hull of its windows, or a *pin* (one real window) chosen by :mod:`routing.solve`;
- a job carried by a courier in a re-plan may only be delivered by that courier: every
  other courier gets a routing profile in which its stop cannot be reached.

Unreachable legs and the overflow guard
---------------------------------------
An unreachable leg (no road, or a carried job's stop for another courier) is given a large
travel time and length. PyVRP prices time warp as ``static_cast<int64>(time_warp ×
penalty)``; with the old fixed value 2**40 and a penalty cap raised to 4 × the largest prize
(2.4e7 for an urgent job due today) the product exceeds 2**63, the cast overflows to a huge
negative cost, a move and its reverse both look improving and PyVRP's local search never
returns (its time limit is only checked between iterations). With ``overflow_guard`` (the
default) the value is the largest one for which every route's penalised cost stays below
2**62 — still far beyond any feasible route — and the penalty cap is lowered if even that
is not possible. See README "Known issues" and ``tests/data/pyvrp_overflow_hang.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.model import Courier, Job, PlanningProblem, Window
from routing.timing import end_place, start_place

#: The unreachable value used before the overflow guard (PyVRP's own ``MAX_VALUE`` is 2**44).
LEGACY_UNREACHABLE = 1 << 40
#: Largest penalised cost the guard lets any solution reach (half of int64's range).
COST_HEADROOM = 1 << 62
#: PyVRP's default penalty cap (``PenaltyParams.max_penalty``).
DEFAULT_MAX_PENALTY = 100_000.0


@dataclass
class Item:
    """What one PyVRP client or shipment stands for.

    Parameters
    ----------
    job
        The job.
    kind
        ``client`` or ``shipment``.
    role
        For clients: ``pickup`` or ``delivery``.
    window
        For client copies of a several-window visit: which window.
    pins
        For shipments: the pinned window of the pickup and of the delivery (or None).
    """

    job: Job
    kind: str
    role: str | None = None
    window: Window | None = None
    pins: tuple[Window | None, Window | None] = (None, None)


def usable_windows(windows: Sequence[Window], service_s: int) -> list[Window]:
    """Windows in which service can start and finish."""
    return [w for w in windows if w[1] - w[0] >= service_s]


def fits_some(windows: Sequence[Window], start: float, service_s: int,
              tol: float = 1e-6) -> bool:
    """Tell whether a service starting at ``start`` fits a window (True when none)."""
    if not windows:
        return True
    return any(a - tol <= start and start + service_s <= b + tol for a, b in windows)


def nearest_window(windows: Sequence[Window], start: float, service_s: int) -> Window:
    """Return the window whose allowed start times are closest to ``start``."""
    def gap(w: Window) -> float:
        lo, hi = w[0], w[1] - service_s
        return 0.0 if lo <= start <= hi else min(abs(start - lo), abs(start - hi))
    return min(windows, key=gap)


def penalty_cap(prizes: Sequence[int]) -> float:
    """Penalty cap above every prize (PyVRP's default when that is already enough).

    A job's prize (its value) must never outweigh the penalty for breaking a capacity or a
    window, or the search would settle on an infeasible plan; PyVRP's default cap
    (100 000 per unit) is below a 200 km prize in metres.
    """
    top = max(prizes, default=0)
    return max(DEFAULT_MAX_PENALTY, float(4 * top))


def guarded_unreachable(max_penalty: float, n_legs: int, horizon: int, longest: int
                        ) -> tuple[int, float]:
    """Unreachable value and penalty cap that keep every penalised cost below 2**62.

    Parameters
    ----------
    max_penalty
        The penalty cap wanted.
    n_legs
        The most legs a solution can have (visits plus two per vehicle).
    horizon
        Longest vehicle time window, scaled (0 when unbounded).
    longest
        Largest finite matrix entry, scaled.

    Returns
    -------
    tuple
        ``(unreachable, max_penalty)``: the unreachable value is above any feasible route
        (twice the horizon plus the longest leg) and ``unreachable × max_penalty × n_legs``
        stays below 2**62; the cap is lowered only when both cannot hold.
    """
    floor_ = 2 * (horizon + longest + 1) if horizon > 0 else 2 * (longest + 1) * (n_legs + 1)
    cap = max(float(max_penalty), 1.0)
    ceiling = int(COST_HEADROOM // (cap * max(n_legs, 1)))
    if ceiling >= floor_:
        return min(LEGACY_UNREACHABLE, ceiling), float(max_penalty)
    return floor_, float(COST_HEADROOM // (floor_ * max(n_legs, 1)))


class ModelBuilder:
    """Builds PyVRP data from a planning problem, tracking what each index means.

    Parameters
    ----------
    problem
        The planning problem.
    time_s, length_m
        Matrices over ``problem.places()`` (``np.inf`` unreachable).
    jobs
        The jobs to model (those the pre-screen kept).
    pins
        ``(job_id, role) → window`` for pair stops pinned to one of their windows.
    overflow_guard
        Keep unreachable values and the penalty cap within int64 (see the module
        docstring); False reproduces the old model (for the reproducer test only).

    Attributes
    ----------
    clients, shipments
        :class:`Item` per PyVRP client and shipment index.
    depot_places
        Matrix row of each depot.
    vehicle_types
        The couriers of each vehicle type.
    skipped
        Jobs left out because their pins leave no time.
    multi_pair_steps
        ``(shipment index, role)`` of pair stops modelled on the hull of several windows.
    max_penalty, unreachable
        The penalty cap and unreachable value used (set by :meth:`build`).
    """

    def __init__(self, problem: PlanningProblem, time_s: np.ndarray, length_m: np.ndarray,
                 jobs: Sequence[Job], pins: dict[tuple[str, str], Window], *,
                 overflow_guard: bool = True) -> None:
        self.problem = problem
        self.time_s = time_s
        self.length_m = length_m
        self.jobs = list(jobs)
        self.pins = pins
        self.overflow_guard = overflow_guard
        self.places = problem.places()
        self.index = problem.place_index()
        self.clients: list[Item] = []
        self.shipments: list[Item] = []
        self.depot_places: list[int] = []
        self.couriers: list[Courier] = list(problem.couriers.values())
        self.vehicle_types: list[list[Courier]] = []
        self.skipped: list[str] = []
        self.multi_pair_steps: list[tuple[int, str]] = []
        self.max_penalty = DEFAULT_MAX_PENALTY
        self.unreachable = LEGACY_UNREACHABLE

    def _tw(self, windows: Sequence[Window], service_s: int) -> tuple[int, int]:
        ts = self.problem.settings.time_scale
        if not windows:
            return 0, int(np.iinfo(np.int64).max)
        lo = min(w[0] for w in windows)
        hi = max(w[1] for w in windows) - service_s
        return int(np.floor(lo * ts)), int(np.floor(hi * ts))

    def _vehicles(self, m: Any, depot: Any) -> None:
        p = self.problem
        s = p.settings
        ts, ds = s.time_scale, s.distance_scale
        groups: dict[tuple[Any, ...], list[Courier]] = {}
        carriers = {j.carried_by for j in self.jobs if j.carried_by is not None}
        for c in self.couriers:
            shift = p.shift_of(c)
            ready = max(shift[0], c.start_s) if c.start_s is not None else shift[0]
            max_work = c.max_work_s if c.max_work_s is not None else shift[1] - shift[0]
            key = (self.index[start_place(c)], self.index[end_place(c)], ready, shift[1],
                   max_work, int(c.capacity), c.profile,
                   c.courier_id if c.courier_id in carriers else None)
            groups.setdefault(key, []).append(c)
        # identical couriers share one vehicle type (as PyVRP's num_available)
        for key, members in groups.items():
            start, end, ready, shift_end, max_work, capacity, _, _ = key
            m.add_vehicle_type(
                len(members), capacity=[capacity], start_depot=depot(start),
                end_depot=depot(end), tw_early=int(np.ceil(ready * ts)),
                tw_late=int(np.floor(shift_end * ts)),
                shift_duration=int(np.floor(max_work * ts)),
                unit_distance_cost=1, unit_duration_cost=round(s.time_weight * ds / ts),
                name=",".join(c.courier_id for c in members),
            )
            self.vehicle_types.append(members)

    def _pair(self, m: Any, locs: list[Any], job: Job, prize: int) -> None:
        p = self.problem
        ts = p.settings.time_scale
        assert job.pickup is not None and job.delivery is not None
        tws = []
        multi: list[str] = []
        pins: list[Window | None] = []
        for role, v in (("pickup", job.pickup), ("delivery", job.delivery)):
            svc = p.service_of(v)
            wins = usable_windows(p.windows_of(v), svc) if p.windows_of(v) else []
            pin = self.pins.get((job.job_id, role))
            if pin is not None:
                wins = [pin]
            if len(wins) > 1:
                multi.append(role)
            tws.append(self._tw(wins, svc))
            pins.append(pin)
        if tws[1][1] < tws[0][0]:
            # pinned windows leave no time after the pickup for the delivery
            self.skipped.append(job.job_id)
            return
        m.add_shipment(
            locs[self.index[p.place_of(job, "pickup")]],
            locs[self.index[p.place_of(job, "delivery")]],
            pickup_tw_early=tws[0][0], pickup_tw_late=tws[0][1],
            pickup_service_duration=round(p.service_of(job.pickup) * ts),
            delivery_tw_early=tws[1][0], delivery_tw_late=tws[1][1],
            delivery_service_duration=round(p.service_of(job.delivery) * ts),
            amount=[int(job.amount)], prize=prize, required=job.required, name=job.job_id,
        )
        self.multi_pair_steps.extend((len(self.shipments), r) for r in multi)
        self.shipments.append(Item(job, "shipment", pins=(pins[0], pins[1])))

    def _single(self, m: Any, locs: list[Any], job: Job, prize: int) -> None:
        p = self.problem
        ts = p.settings.time_scale
        role = "pickup" if job.pickup is not None else "delivery"
        single = job.pickup if job.pickup is not None else job.delivery
        assert single is not None
        svc = p.service_of(single)
        wins = usable_windows(p.windows_of(single), svc) if p.windows_of(single) else []
        loc = locs[self.index[p.place_of(job, role)]]
        amt = [int(job.amount)]
        pick, drop = (amt, []) if role == "pickup" else ([], amt)
        if len(wins) <= 1:
            tw = self._tw(wins, svc)
            m.add_client(loc, service_duration=round(svc * ts), tw_early=tw[0],
                         tw_late=tw[1], prize=prize, required=job.required,
                         name=job.job_id, delivery=drop, pickup=pick)
            self.clients.append(Item(job, "client", role, wins[0] if wins else None))
            return
        group = m.add_client_group(required=job.required, name=job.job_id)
        for w in wins:
            tw = self._tw([w], svc)
            m.add_client(loc, service_duration=round(svc * ts), tw_early=tw[0],
                         tw_late=tw[1], prize=prize, required=False, group=group,
                         name=job.job_id, delivery=drop, pickup=pick)
            self.clients.append(Item(job, "client", role, w))

    def build(self) -> Any:
        """Return the ``pyvrp.ProblemData`` (sets ``max_penalty`` and ``unreachable``)."""
        from pyvrp import Model

        p = self.problem
        ds = p.settings.distance_scale
        m = Model()
        locs = [m.add_location(float(pl.lon), float(pl.lat), name=pl.place_id)
                for pl in self.places]
        depot_of: dict[int, Any] = {}

        def depot(place: int) -> Any:
            if place not in depot_of:
                depot_of[place] = m.add_depot(locs[place], name=self.places[place].place_id)
                self.depot_places.append(place)
            return depot_of[place]

        self._vehicles(m, depot)
        for job in self.jobs:
            # a required job's prize is a constant of the objective: leave it out so that
            # it does not inflate the penalty cap
            prize = 0 if job.required else round(p.prize_of(job) * ds)
            if job.is_pair:
                self._pair(m, locs, job, prize)
            else:
                self._single(m, locs, job, prize)
        data = m.data()
        return self._matrices(data)

    def _matrices(self, data: Any) -> Any:
        p = self.problem
        s = p.settings
        ts, ds = s.time_scale, s.distance_scale
        n = len(self.places)
        dist_f = np.where(np.isfinite(self.length_m), np.rint(self.length_m * ds), -1.0)
        dur_f = np.where(np.isfinite(self.time_s), np.ceil(self.time_s * ts - 1e-9), -1.0)
        cap = penalty_cap([c.prize for c in data.clients()] + [sh.prize for sh in data.shipments()])
        if self.overflow_guard:
            vts = data.vehicle_types()
            big = np.iinfo(np.int64).max
            spans = [vt.tw_late - vt.tw_early for vt in vts if vt.tw_late < big]
            horizon = max(spans) if spans and len(spans) == len(vts) else 0
            longest = int(max(dist_f.max(initial=0), dur_f.max(initial=0)))
            legs = data.num_clients + 2 * len(data.shipments()) + 2 * data.num_vehicles + 1
            self.unreachable, self.max_penalty = guarded_unreachable(cap, legs, horizon,
                                                                     longest)
        else:
            self.unreachable, self.max_penalty = LEGACY_UNREACHABLE, cap
        u = self.unreachable
        dist = np.where(dist_f >= 0, np.minimum(dist_f, u), u).astype(np.int64)
        dur = np.where(dur_f >= 0, np.minimum(dur_f, u), u).astype(np.int64)
        np.fill_diagonal(dist, 0)
        np.fill_diagonal(dur, 0)
        assert dist.shape == (n, n)
        carried: dict[str, list[int]] = {}
        for j in self.jobs:
            if j.carried_by is not None:
                carried.setdefault(j.carried_by, []).append(
                    self.index[p.place_of(j, "delivery")])
        if not carried:
            return data.replace(distance_matrices=[dist],
                                duration_matrices=[dur])
        # a carried job may only be delivered by its courier: every other courier gets a
        # profile in which its stop cannot be reached
        owners = sorted(carried)
        dists, durs = [], []
        for owner in [None, *owners]:
            barred = [pl for who, pls in carried.items() if who != owner for pl in pls]
            pd_, pt_ = dist.copy(), dur.copy()
            pd_[:, barred] = u
            pt_[:, barred] = u
            pd_[barred, barred] = 0
            pt_[barred, barred] = 0
            dists.append(pd_)
            durs.append(pt_)
        vts = []
        for vt, members in zip(data.vehicle_types(), self.vehicle_types, strict=True):
            owner = members[0].courier_id if members[0].courier_id in carried else None
            vts.append(vt.replace(profile=0 if owner is None else 1 + owners.index(owner)))
        return data.replace(vehicle_types=vts,
                            distance_matrices=dists,
                            duration_matrices=durs)


__all__ = ["COST_HEADROOM", "LEGACY_UNREACHABLE", "Item", "ModelBuilder", "fits_some",
           "guarded_unreachable", "nearest_window", "penalty_cap", "usable_windows"]
