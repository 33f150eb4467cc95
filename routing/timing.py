"""Route-timing replay: the one implementation of "drive this route, when is each stop served".

Every part of the routing layer that re-times a route calls :func:`replay`: the feasibility
checks and cheapest insertions of :mod:`routing.reasons` (left-out jobs, greedy repair),
the midday-closure pins of :mod:`routing.assemble`, manual edits (:mod:`routing.edit`) and
the remaining part of a re-planned route.

The rules are the solver's:

- the courier leaves its start at ``Run.ready_s`` and drives the matrix's travel times;
- service starts at the earliest moment inside the first window (in time order) in which it
  still fits, waiting for the window to open; a stop that fits no window is served on
  arrival and marked ``late``;
- the load changes by each step's ``delta`` (+ pick up, − drop); plain deliveries are on
  board from the start (``Run.initial_load``);
- the departure is pushed as late as possible without the courier arriving back later
  (PyVRP does the same when it minimises a route's duration), so the working time counts
  only waiting that cannot be avoided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.model import Courier, Job, PlanningProblem, Window


@dataclass(frozen=True)
class Step:
    """One stop as a replay sees it: matrix row, windows, service, load change.

    Parameters
    ----------
    place
        Row of the matrices.
    windows
        Allowed windows ``(open_s, close_s)``; service must start and end inside one.
        Empty: any time.
    service_s
        Service time.
    delta
        Change of load at the stop (+ pick up, − drop).
    job_id
        The job, for bookkeeping.
    role
        ``pickup`` or ``delivery``: which of the job's stops this is.
    """

    place: int
    windows: tuple[Window, ...]
    service_s: int
    delta: int
    job_id: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Run:
    """The frame of a route: start, end, hours and vehicle.

    Parameters
    ----------
    start, end
        Rows of the start and end places.
    ready_s
        Earliest departure.
    close_s
        Latest arrival at the end.
    max_work_s
        Longest working time (departure to arrival at the end).
    capacity
        Vehicle capacity.
    initial_load
        Load on board when leaving (plain deliveries, carried dossiers).
    """

    start: int
    end: int
    ready_s: float
    close_s: float
    max_work_s: float
    capacity: int
    initial_load: int = 0


@dataclass(frozen=True)
class Timed:
    """When one step is served in a replay.

    Parameters
    ----------
    arrival_s, start_s, departure_s
        Arrival, start of service, end of service.
    window
        The window the service falls in, or None (no window, or ``late``).
    late
        True when the stop has windows and fits none of them (served on arrival).
    load
        Load on board after the stop.
    leg_time_s
        Travel time of the leg to the stop (0 when unreachable).
    reachable
        False when the matrix has no path to the stop (the leg is counted as 0).
    """

    arrival_s: float
    start_s: float
    departure_s: float
    window: Window | None
    late: bool
    load: int
    leg_time_s: float
    reachable: bool


@dataclass(frozen=True)
class Replay:
    """A replayed route.

    Parameters
    ----------
    depart_s
        When the courier leaves the start (``ready_s`` pushed later where that costs
        nothing).
    stops
        One :class:`Timed` per step.
    end_s
        Arrival at the end.
    end_leg_s
        Travel time of the last leg (0 when unreachable).
    end_reachable
        False when the end cannot be reached from the last stop.
    work_s
        Working time, departure to arrival at the end.
    feasible
        True when every window, the capacity, the closing time and the working time are
        kept and every leg is reachable.
    """

    depart_s: float
    stops: tuple[Timed, ...]
    end_s: float
    end_leg_s: float
    end_reachable: bool
    work_s: float
    feasible: bool


def _forward(run: Run, steps: Sequence[Step], time_s: np.ndarray, depart_s: float,
             strict: bool) -> tuple[list[Timed], float, float, bool, float, bool] | None:
    """Drive the route once from ``depart_s``; None in strict mode at the first broken rule."""
    load = run.initial_load
    ok = 0 <= load <= run.capacity
    if strict and not ok:
        return None
    clock = float(depart_s)
    prev = run.start
    slack = np.inf  # how much later the courier could have left without being late anywhere
    waited = 0.0
    out: list[Timed] = []
    for st in steps:
        leg = float(time_s[prev, st.place])
        reachable = bool(np.isfinite(leg))
        if not reachable:
            if strict:
                return None
            ok, leg = False, 0.0
        arrival = clock + leg
        begin = arrival
        window: Window | None = None
        late = False
        if st.windows:
            for a, b in sorted(st.windows):
                s = max(arrival, a)
                if s + st.service_s <= b:
                    begin, window = s, (a, b)
                    slack = min(slack, waited + (b - st.service_s - s))
                    break
            if window is None:
                if strict:
                    return None
                ok, late = False, True
        if begin > arrival:
            waited += begin - arrival
        load += st.delta
        if load > run.capacity or load < 0:
            if strict:
                return None
            ok = False
        clock = begin + st.service_s
        out.append(Timed(arrival, begin, clock, window, late, load, leg, reachable))
        prev = st.place
    end_leg = float(time_s[prev, run.end])
    end_reachable = bool(np.isfinite(end_leg))
    if not end_reachable:
        if strict:
            return None
        ok, end_leg = False, 0.0
    end = clock + end_leg
    if end > run.close_s:
        if strict:
            return None
        ok = False
    shift = min(slack, waited) if np.isfinite(slack) else waited
    return out, end, end_leg, end_reachable, max(0.0, shift), ok


def replay(run: Run, steps: Sequence[Step], time_s: np.ndarray, *,
           strict: bool = False) -> Replay | None:
    """Replay a route (see the module docstring).

    Parameters
    ----------
    run
        The courier's start, end, hours, capacity and initial load.
    steps
        The stops in order.
    time_s
        Travel-time matrix (``np.inf`` = unreachable).
    strict
        Stop at the first broken window, load, reachability or closing-time rule and
        return None (the fast path of feasibility checks); the working time is still
        checked at the end (``feasible`` False, the replay returned).

    Returns
    -------
    Replay or None
        The replay; None in strict mode when a rule other than the working time breaks.
    """
    first = _forward(run, steps, time_s, run.ready_s, strict)
    if first is None:
        return None
    stops, end, end_leg, end_ok, shift, ok = first
    depart = float(run.ready_s)
    if shift > 0 and not strict:
        # leave later by what would only have been spent waiting: the return is no later
        depart += shift
        again = _forward(run, steps, time_s, depart, strict)
        assert again is not None
        stops, end, end_leg, end_ok, _, ok = again
    work = end - depart if not strict else end - depart - shift
    if work > run.max_work_s + 1e-6:
        ok = False
    return Replay(depart if not strict else depart + shift, tuple(stops), end, end_leg, end_ok,
                  work, ok)


def steps_of(problem: PlanningProblem, job: Job, index: dict[str, int]) -> list[Step]:
    """Return the steps of a job, pickup before delivery, with their own windows."""
    out = []
    for role, v in job.visits:
        delta = job.amount if role == "pickup" else -job.amount
        out.append(Step(index[problem.place_of(job, role)], problem.windows_of(v),
                        problem.service_of(v), delta, job.job_id, role))
    return out


def start_place(courier: Courier) -> str:
    """Place id a courier starts from: its current position in a re-plan, else its office."""
    if courier.start_lon is not None and courier.start_lat is not None:
        return f"courier:{courier.courier_id}"
    return f"office:{courier.office_id}"


def end_place(courier: Courier) -> str:
    """Place id a courier ends at (its end office, else its home office)."""
    return f"office:{courier.end_office_id or courier.office_id}"


def run_of(problem: PlanningProblem, courier: Courier, index: dict[str, int],
           initial_load: int = 0) -> Run:
    """Return the :class:`Run` frame of a courier (start, end, hours, capacity)."""
    shift = problem.shift_of(courier)
    ready = max(shift[0], courier.start_s) if courier.start_s is not None else shift[0]
    max_work = courier.max_work_s if courier.max_work_s is not None else shift[1] - shift[0]
    return Run(index[start_place(courier)], index[end_place(courier)], ready, shift[1],
               max_work, courier.capacity, initial_load)


def initial_load_of(problem: PlanningProblem, steps: Sequence[Step]) -> int:
    """Load on board at the start: every plain (or carried) delivery of the route."""
    return sum(-s.delta for s in steps if s.role == "delivery" and s.job_id is not None
               and problem.jobs[s.job_id].pickup is None)


__all__ = ["Replay", "Run", "Step", "Timed", "end_place", "initial_load_of", "replay",
           "run_of", "start_place", "steps_of"]
