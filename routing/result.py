"""The plan a solver returns: complete, frozen, and serialisable.

A :class:`Plan` is what the dispatcher reads, what route sheets print and what the store
saves. It is built once by the solver (:mod:`routing.solve`, :mod:`routing.replan`) and
never changes afterwards: every figure a caller may want (totals, per-leg distances and
times, waiting, load) is already in it.

Times are seconds since midnight of ``plan_date``; lengths are metres when the matrices came
from a road network (``network_kind`` ``osm``, ``proxy`` or ``osm+proxy``) and instance units
for a literature benchmark (``network_kind="euclidean"``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: Kinds of stop in a route, in the order a route can contain them.
STOP_KINDS = ("start", "pickup", "delivery", "visit", "end")
#: Stop status: planned by the solver, or already done (kept from a day in progress).
STOP_STATUSES = ("planned", "done")

_FORMAT = "postplan.plan/1"


def clock(seconds: float | None) -> str:
    """Format seconds since midnight as ``HH:MM`` (24-hour), or ``--:--`` for None.

    Parameters
    ----------
    seconds
        Seconds since midnight.

    Returns
    -------
    str
        The clock time, e.g. ``"07:05"``.
    """
    if seconds is None:
        return "--:--"
    minutes = round(seconds / 60.0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class PlannedStop:
    """One stop of a courier's route.

    Parameters
    ----------
    sequence
        0 for the start, then 1, 2, ... in visiting order; the end stop comes last.
    kind
        One of :data:`STOP_KINDS`: ``pickup`` / ``delivery`` are the two ends of a paired
        job; ``visit`` is a plain delivery or pickup from or to the courier's office.
    place_id
        Key of the place in the planning problem (``office:<id>``, ``job:<id>:pickup``, ...).
    label
        Human-readable name: the office name or the citizen's address / label.
    lon, lat
        Position (WGS84), or None for a benchmark instance's plane coordinates.
    arrival_s
        When the courier arrives.
    start_s
        When service starts (after waiting for the window to open).
    departure_s
        When the courier leaves (service done).
    waiting_s
        Idle time before service (``start_s - arrival_s``).
    service_s
        Service duration.
    load
        Packages on board after this stop.
    leg_length_m, leg_time_s
        Length and travel time of the leg from the previous stop to this one.
    job_id, job_kind
        The job served here, or None for start and end.
    office_id
        Office at this stop, or None at a citizen's address.
    window
        The time window the stop was scheduled in ``(open_s, close_s)``, or None.
    amount
        Packages picked up (positive) or dropped (negative) here.
    priority
        The job's priority (1 normal, 2 high, 3 urgent); 0 for start and end.
    approximate
        True when the position is a commune point rather than the real address.
    address_id, placed_by, phone
        The citizen's address key, how its position was placed (``given``, ``observed``,
        ``approximate``; empty at an office) and phone, from the job's
        :class:`~routing.model.Visit`.
    status
        ``planned`` or ``done`` (see :data:`STOP_STATUSES`).
    instance_id
        The job's id in a literature instance (benchmarks), else None.
    """

    sequence: int
    kind: str
    place_id: str
    label: str
    lon: float | None
    lat: float | None
    arrival_s: int
    start_s: int
    departure_s: int
    waiting_s: int
    service_s: int
    load: int
    leg_length_m: float
    leg_time_s: float
    job_id: str | None = None
    job_kind: str | None = None
    office_id: str | None = None
    window: tuple[int, int] | None = None
    amount: int = 0
    priority: int = 0
    approximate: bool = False
    status: str = "planned"
    instance_id: str | None = None
    address_id: str | None = None
    placed_by: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CourierRoute:
    """One courier's day.

    Parameters
    ----------
    courier_id
        The courier.
    office_id
        Office the courier starts from.
    end_office_id
        Office the courier ends at (may differ from ``office_id``).
    profile
        Vehicle profile (``motorbike``, ``car``, ``walk``).
    stops
        Start, job stops in order, end.
    geometry
        Per leg (one per stop after the start) the lon/lat points along the network, or an
        empty tuple when no graph was given.
    locked
        True when the dispatcher locked the route in a re-plan (kept as it was).
    courier_name
        The courier's display name (e.g. "Bưu tá 1"), or "" when none was given.
    """

    courier_id: str
    office_id: str
    end_office_id: str
    profile: str
    stops: tuple[PlannedStop, ...]
    geometry: tuple[tuple[tuple[float, float], ...], ...] = ()
    locked: bool = False
    courier_name: str = ""

    @property
    def length_m(self) -> float:
        """Total length of the route."""
        return float(sum(s.leg_length_m for s in self.stops))

    @property
    def travel_time_s(self) -> float:
        """Total driving time of the route."""
        return float(sum(s.leg_time_s for s in self.stops))

    @property
    def start_s(self) -> int:
        """When the courier leaves the start office."""
        return self.stops[0].departure_s if self.stops else 0

    @property
    def end_s(self) -> int:
        """When the courier is back at the end office."""
        return self.stops[-1].arrival_s if self.stops else 0

    @property
    def duration_s(self) -> int:
        """Working time from leaving the start to arriving at the end."""
        return self.end_s - self.start_s

    @property
    def waiting_s(self) -> int:
        """Total idle time waiting for windows to open."""
        return int(sum(s.waiting_s for s in self.stops))

    @property
    def service_s(self) -> int:
        """Total time spent serving stops."""
        return int(sum(s.service_s for s in self.stops if s.kind not in ("start", "end")))

    @property
    def max_load(self) -> int:
        """Largest number of packages on board at any time."""
        return max((s.load for s in self.stops), default=0)

    @property
    def job_ids(self) -> tuple[str, ...]:
        """Jobs served, each once, in the order their first stop is visited."""
        seen: dict[str, None] = {}
        for s in self.stops:
            if s.job_id is not None:
                seen.setdefault(s.job_id, None)
        return tuple(seen)

    @property
    def job_stops(self) -> tuple[PlannedStop, ...]:
        """The stops that serve a job (start and end left out)."""
        return tuple(s for s in self.stops if s.kind not in ("start", "end"))


@dataclass(frozen=True)
class UnassignedJob:
    """A job the plan does not serve, and why.

    Parameters
    ----------
    job_id, job_kind
        The job.
    code
        Machine-readable reason, one of :data:`routing.reasons.REASON_CODES`.
    text_vi, text_en
        The reason in Vietnamese and English, naming the figures that decide it.
    added_length_m, added_time_s
        For ``left_out_for_cost``: what the cheapest feasible insertion would add; else None.
    """

    job_id: str
    job_kind: str
    code: str
    text_vi: str
    text_en: str
    added_length_m: float | None = None
    added_time_s: float | None = None


@dataclass(frozen=True)
class Plan:
    """A day's routes: the result of planning or re-planning.

    Parameters
    ----------
    plan_date
        ISO date the plan is for, or None (benchmarks).
    routes
        One per courier that leaves its office (couriers without work have no route).
    unassigned
        Every job not served, each with a reason.
    network_kind
        What the matrices came from: ``osm``, ``proxy``, ``osm+proxy`` (road network),
        ``matrix`` (a caller's matrix) or ``euclidean`` (benchmark plane).
    provenance
        Where the jobs came from: ``user``, ``simulated``, ``benchmark:<instance>``.
    seed, seconds
        Solver seed and time budget (wall seconds).
    input_hashes
        ``(name, sha256)`` of the jobs, couriers, offices and matrices.
    settings
        ``(name, value)`` of the planning settings used.
    solver
        Solver and version, e.g. ``pyvrp 0.14.1``.
    solve_time_s
        Wall time spent in the solver.
    feasible
        True when every route meets every window, capacity and shift (always True for a
        returned plan unless the solver could not find a feasible one).
    objective
        The solver's objective value (integer scaled units).
    couriers_total
        Couriers available.
    jobs_total
        Jobs in the problem.
    notes
        Free-text notes, e.g. how many rounds the midday-closure repair took.
    iterations
        The solver's iteration budget, or None (stopped by ``seconds`` only). A plan is
        reproducible when the same inputs, seed and iteration budget are solved with the
        same PyVRP version and the budget was reached before the time limit
        (``stopped_by == "iterations"``).
    iterations_done
        Search iterations actually done (summed over the solver's rounds).
    stopped_by
        What ended the search: ``iterations`` (the budget; reproducible), ``time`` (the
        wall-clock limit), ``deadline`` (the hard limit stopped a solver that did not
        return; the best plan found until then) or ``""`` (not recorded).
    replanned_at_s
        For a re-planned plan, the clock time it was re-planned at (stops with
        ``status="done"`` were done by then); None for a fresh plan.
    problem
        The planning problem the plan was made from (offices with their windows, couriers
        with shifts and start positions, jobs, settings, network profile), as
        :func:`routing.problem_io.problem_to_dict` writes it; editing and re-planning a
        saved plan rebuild it with :func:`routing.problem_io.problem_of`. Read only.
    timings
        Where the time went, ``(phase, seconds)`` in the order the phases ran (``jobs``,
        ``network``, ``matrix``, ``solve``, ``repair``, ``reasons``, ``routes``, ``total``;
        :class:`data.budget.Clock`); written as a ``{phase: seconds}`` object.
    """

    plan_date: str | None
    routes: tuple[CourierRoute, ...]
    unassigned: tuple[UnassignedJob, ...]
    network_kind: str
    provenance: str
    seed: int
    seconds: float
    input_hashes: tuple[tuple[str, str], ...] = ()
    settings: tuple[tuple[str, Any], ...] = ()
    solver: str = ""
    solve_time_s: float = 0.0
    feasible: bool = True
    objective: int = 0
    couriers_total: int = 0
    jobs_total: int = 0
    notes: tuple[str, ...] = field(default=())
    iterations: int | None = None
    iterations_done: int = 0
    stopped_by: str = ""
    replanned_at_s: int | None = None
    problem: dict[str, Any] | None = field(default=None, repr=False)
    timings: tuple[tuple[str, float], ...] = ()

    # -- totals -------------------------------------------------------------------------
    @property
    def total_length_m(self) -> float:
        """Sum of every route's length."""
        return float(sum(r.length_m for r in self.routes))

    @property
    def total_travel_time_s(self) -> float:
        """Sum of every route's driving time."""
        return float(sum(r.travel_time_s for r in self.routes))

    @property
    def total_duration_s(self) -> int:
        """Sum of every route's working time."""
        return int(sum(r.duration_s for r in self.routes))

    @property
    def total_waiting_s(self) -> int:
        """Sum of every route's waiting time."""
        return int(sum(r.waiting_s for r in self.routes))

    @property
    def jobs_assigned(self) -> int:
        """Number of jobs served."""
        return sum(len(r.job_ids) for r in self.routes)

    def route(self, courier_id: str) -> CourierRoute:
        """Return the route of one courier.

        Parameters
        ----------
        courier_id
            The courier.

        Raises
        ------
        KeyError
            When the courier has no route in this plan.
        """
        for r in self.routes:
            if r.courier_id == courier_id:
                return r
        raise KeyError(f"courier {courier_id!r} has no route in this plan")

    def settings_dict(self) -> dict[str, Any]:
        """Return the planning settings as a dictionary."""
        return dict(self.settings)

    def summary(self) -> str:
        """Describe the plan in a few lines (English)."""
        unit = "km" if self.network_kind != "euclidean" else "units"
        scale = 1000.0 if unit == "km" else 1.0
        lines = [
            f"Plan {self.plan_date or '(no date)'} — {self.network_kind} network, "
            f"{self.provenance} jobs",
            f"  jobs: {self.jobs_assigned}/{self.jobs_total} assigned, "
            f"{len(self.unassigned)} unassigned",
            f"  couriers used: {len(self.routes)}/{self.couriers_total}",
            f"  length: {self.total_length_m / scale:.1f} {unit}, driving "
            f"{self.total_travel_time_s / 3600:.2f} h, waiting {self.total_waiting_s / 3600:.2f} h",
            f"  solver: {self.solver}, {self.seconds:g} s budget, "
            + (f"{self.iterations} iterations budget, " if self.iterations else "")
            + f"seed {self.seed}, {self.iterations_done} iterations done"
            + (f" (stopped by {self.stopped_by})" if self.stopped_by else "")
            + f", {'feasible' if self.feasible else 'INFEASIBLE'}",
        ]
        if self.replanned_at_s is not None:
            lines.append(f"  re-planned at {clock(self.replanned_at_s)}")
        for r in self.routes:
            lines.append(
                f"  {r.courier_id} ({r.office_id}): {len(r.job_stops)} stops, "
                f"{r.length_m / scale:.1f} {unit}, {clock(r.start_s)}–{clock(r.end_s)}"
                + (" [locked]" if r.locked else "")
            )
        counts: dict[str, int] = {}
        for u in self.unassigned:
            counts[u.code] = counts.get(u.code, 0) + 1
        for code, n in sorted(counts.items()):
            lines.append(f"  unassigned {code}: {n}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    # -- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary (see :meth:`from_dict`)."""
        out = asdict(self)
        out["format"] = _FORMAT
        out["input_hashes"] = dict(self.input_hashes)
        out["settings"] = dict(self.settings)
        out["timings"] = dict(self.timings)
        out["totals"] = {
            "length_m": self.total_length_m,
            "travel_time_s": self.total_travel_time_s,
            "duration_s": self.total_duration_s,
            "waiting_s": self.total_waiting_s,
            "jobs_assigned": self.jobs_assigned,
            "jobs_unassigned": len(self.unassigned),
        }
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """Serialise to JSON text (UTF-8, Vietnamese kept as is)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Rebuild a plan from :meth:`to_dict` output.

        Parameters
        ----------
        data
            The dictionary.

        Raises
        ------
        ValueError
            When the dictionary is not a serialised plan.
        """
        if data.get("format") != _FORMAT:
            raise ValueError(f"not a serialised plan (format {data.get('format')!r})")
        routes = []
        for r in data["routes"]:
            stops = []
            for s in r["stops"]:
                s = dict(s)
                if s.get("window") is not None:
                    s["window"] = (int(s["window"][0]), int(s["window"][1]))
                stops.append(PlannedStop(**s))
            geometry = tuple(tuple((float(p[0]), float(p[1])) for p in leg)
                             for leg in r.get("geometry", ()))
            routes.append(CourierRoute(
                courier_id=r["courier_id"], office_id=r["office_id"],
                end_office_id=r["end_office_id"], profile=r["profile"], stops=tuple(stops),
                geometry=geometry, locked=bool(r.get("locked", False)),
                courier_name=str(r.get("courier_name", "")),
            ))
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["routes"] = tuple(routes)
        kwargs["unassigned"] = tuple(UnassignedJob(**u) for u in data["unassigned"])
        kwargs["input_hashes"] = tuple(sorted(data.get("input_hashes", {}).items()))
        kwargs["settings"] = tuple(
            (k, tuple(v) if isinstance(v, list) else v)
            for k, v in data.get("settings", {}).items()
        )
        kwargs["notes"] = tuple(data.get("notes", ()))
        kwargs["timings"] = tuple((str(k), float(v))
                                  for k, v in (data.get("timings") or {}).items())
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Rebuild a plan from :meth:`to_json` text."""
        return cls.from_dict(json.loads(text))
