"""The daily planning model: offices, couriers and jobs as a dispatcher thinks of them.

:class:`PlanningProblem` is a builder (as PyVRP's ``Model``): add offices, couriers and
jobs, then hand it with a travel-time and a length matrix over :meth:`PlanningProblem.places`
to :func:`routing.solve.solve_matrix`. A literature instance (:mod:`routing.instances`)
builds the very same object.

Times are integer seconds since midnight. A *window* is ``(open_s, close_s)``: the stop's
service must start and finish inside it, so service starts at the latest at
``close_s - service_s``. Offices close at midday (default 11:30–13:30), so an office has
two windows; a citizen may give several too.

Job kinds
---------
``dossier_pickup``
    A citizen's dossier carried to the one-stop shop that decides it: pickup at the
    citizen, delivery at the shop; same courier, pickup first.
``result_delivery``
    A result carried from the one-stop shop to the citizen (pickup at the shop).
``counter_transfer``
    Dossiers filed at a post office counter carried to a one-stop shop, or results carried
    back: pickup at one office, delivery at another.
``delivery``
    A plain delivery loaded at the courier's start office.
``pickup``
    A plain pickup brought back to the courier's end office.
``transfer``
    A generic pair between two addresses (literature pickup-and-delivery instances).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from data.errors import InputError, Problem
from data.hours import Window as Window
from data.hours import format_windows as format_windows  # re-exported: callers use model.*
from data.hours import hm as hm
from data.hours import parse_windows as parse_windows
from data.observations import PLACEMENTS as _PLACEMENTS
from data.vehicles import PROFILE_NAMES
from routing.deadlines import job_weight
from routing.plan_settings import DEFAULT_OFFICE_WINDOWS as DEFAULT_OFFICE_WINDOWS
from routing.plan_settings import DEFAULT_SHIFT as DEFAULT_SHIFT
from routing.plan_settings import HOUR as HOUR
from routing.plan_settings import PlanSettings as PlanSettings

#: Job kinds (see the module docstring).
JOB_KINDS = (
    "dossier_pickup", "result_delivery", "counter_transfer", "delivery", "pickup", "transfer",
)
#: Kinds that are a pickup–delivery pair served by one courier, pickup first.
PAIRED_KINDS = ("dossier_pickup", "result_delivery", "counter_transfer", "transfer")
#: Vehicle profiles a courier may use: the one list, ``data.vehicles.PROFILE_NAMES``.
COURIER_PROFILES = PROFILE_NAMES

#: How a citizen's address was placed (the one list, :data:`data.observations.PLACEMENTS`).
PLACEMENTS = _PLACEMENTS

@dataclass(frozen=True)
class Office:
    """A post office, commune post or one-stop shop: a depot and/or a job's stop.

    Parameters
    ----------
    office_id
        Unique id.
    name
        Name with diacritics.
    lon, lat
        Position (WGS84), or plane coordinates for a benchmark instance.
    kind
        ``post_office``, ``commune_post`` or ``one_stop_shop`` (``data.offices.OFFICE_KINDS``).
    windows
        Opening hours on the plan date; empty means ``PlanSettings.office_windows``.
    """

    office_id: str
    name: str
    lon: float
    lat: float
    kind: str = "post_office"
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class Courier:
    """A courier and their vehicle for the day.

    Parameters
    ----------
    courier_id
        Unique id.
    office_id
        Home office: where the day starts.
    profile
        Vehicle profile, one of :data:`COURIER_PROFILES`.
    shift
        ``(start_s, end_s)``; None means ``PlanSettings.shift``.
    max_work_s
        Longest working time (leaving the start to arriving at the end); None: the shift.
    capacity
        Dossier packages the vehicle carries at once.
    end_office_id
        Where the day ends, if not the home office.
    name
        Display name.
    start_lon, start_lat, start_s
        For a re-plan: where the courier is now and from when they are free (set by
        :mod:`routing.replan`); None for a fresh day.
    """

    courier_id: str
    office_id: str
    profile: str = "motorbike"
    shift: Window | None = None
    max_work_s: int | None = None
    capacity: int = 40
    end_office_id: str | None = None
    name: str = ""
    start_lon: float | None = None
    start_lat: float | None = None
    start_s: int | None = None


@dataclass(frozen=True)
class Visit:
    """One stop of a job: at an office, or at a citizen's address.

    Parameters
    ----------
    office_id
        The office, when the stop is at one (its position and hours are the office's).
    lon, lat
        The address, when not at an office.
    windows
        When the stop can be served; empty means the office's hours (office) or the
        courier's shift (address).
    service_s
        Service time; None means the default for an office or a citizen.
    label
        Address or name shown on the route sheet.
    approximate
        True when the position is a commune point, not the real address.
    instance_id
        The stop's id in a literature instance.
    commune_code
        The pre-2025 commune (GSO code) the address names, when it names one; route sheets
        print this commune rather than the one the position falls in.
    address_id
        Key of the citizen's address (:func:`data.observations.address_key`): reports made
        there by couriers' phones are kept per address and place it next time.
    placed_by
        One of :data:`PLACEMENTS`, or empty: then ``approximate`` says (see
        :attr:`placement`).
    phone
        The citizen's phone number as given (the courier's call link), or empty.
    """

    office_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    windows: tuple[Window, ...] = ()
    service_s: int | None = None
    label: str = ""
    approximate: bool = False
    instance_id: str | None = None
    commune_code: str | None = None
    address_id: str | None = None
    placed_by: str = ""
    phone: str = ""

    @property
    def at_office(self) -> bool:
        """True when the stop is at an office."""
        return self.office_id is not None

    @property
    def placement(self) -> str:
        """How the position was placed (:data:`PLACEMENTS`); empty for an office stop."""
        if self.at_office:
            return ""
        if self.placed_by:
            return self.placed_by
        return "approximate" if self.approximate else "given"

    def stop_fields(self) -> dict[str, Any]:
        """Return what a planned stop copies from its visit (``routing.result.PlannedStop``)."""
        return {"approximate": bool(self.approximate), "address_id": self.address_id,
                "placed_by": self.placement, "phone": self.phone}


@dataclass(frozen=True)
class Job:
    """A unit of work: a pair (pickup then delivery, one courier) or a single visit.

    Build jobs with the class methods (:meth:`dossier_pickup`, :meth:`result_delivery`,
    :meth:`counter_transfer`, :meth:`plain_delivery`, :meth:`plain_pickup`) rather than by hand.

    Parameters
    ----------
    job_id
        Unique id.
    kind
        One of :data:`JOB_KINDS`.
    pickup
        Where the load is collected (None for a plain ``delivery``: the courier's office).
    delivery
        Where the load is dropped (None for a plain ``pickup``: the courier's office).
    amount
        Packages.
    priority
        1 normal, 2 high, 3 urgent.
    due_date
        ISO date by which the job must be done (the legal appointment date, *ngày hẹn trả
        kết quả*), or None.
    required
        True forces the solver to serve it (benchmarks); a daily plan leaves it False so an
        impossible job is reported, not fatal.
    source
        Provenance: ``user``, ``simulated``, ``benchmark``.
    carried_by
        Set by a re-plan for a pair already picked up: the courier who carries it; only
        its delivery remains (``pickup`` is None) and only that courier may serve it.
    received_date
        ISO date the job came in (*ngày tiếp nhận*), or None when not known.
    """

    job_id: str
    kind: str
    pickup: Visit | None
    delivery: Visit | None
    amount: int = 1
    priority: int = 1
    due_date: str | None = None
    required: bool = False
    source: str = "user"
    carried_by: str | None = None
    received_date: str | None = None

    @property
    def is_pair(self) -> bool:
        """True for a pickup–delivery pair."""
        return self.pickup is not None and self.delivery is not None

    @property
    def visits(self) -> tuple[tuple[str, Visit], ...]:
        """``(role, visit)`` for each stop, role ``pickup`` or ``delivery``."""
        out = []
        if self.pickup is not None:
            out.append(("pickup", self.pickup))
        if self.delivery is not None:
            out.append(("delivery", self.delivery))
        return tuple(out)

    @classmethod
    def dossier_pickup(cls, job_id: str, lon: float, lat: float, shop_id: str, *,
                       windows: Sequence[Window] = (), service_s: int | None = None,
                       label: str = "", approximate: bool = False, **kwargs: object) -> Job:
        """Build a dossier collected at a citizen's address and carried to a one-stop shop."""
        return cls(job_id, "dossier_pickup",
                   Visit(lon=lon, lat=lat, windows=tuple(windows), service_s=service_s,
                         label=label, approximate=approximate),
                   Visit(office_id=shop_id), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def result_delivery(cls, job_id: str, shop_id: str, lon: float, lat: float, *,
                        windows: Sequence[Window] = (), service_s: int | None = None,
                        label: str = "", approximate: bool = False, **kwargs: object) -> Job:
        """Build a result collected at a one-stop shop and delivered to a citizen."""
        return cls(job_id, "result_delivery", Visit(office_id=shop_id),
                   Visit(lon=lon, lat=lat, windows=tuple(windows), service_s=service_s,
                         label=label, approximate=approximate),
                   **kwargs)  # type: ignore[arg-type]

    @classmethod
    def counter_transfer(cls, job_id: str, from_office_id: str, to_office_id: str,
                         **kwargs: object) -> Job:
        """Dossiers (or results) carried between two offices."""
        return cls(job_id, "counter_transfer", Visit(office_id=from_office_id),
                   Visit(office_id=to_office_id), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def plain_delivery(cls, job_id: str, lon: float, lat: float, *, windows: Sequence[Window] = (),
                 service_s: int | None = None, label: str = "", approximate: bool = False,
                 **kwargs: object) -> Job:
        """Build a plain delivery loaded at the courier's start office."""
        return cls(job_id, "delivery", None,
                   Visit(lon=lon, lat=lat, windows=tuple(windows), service_s=service_s,
                         label=label, approximate=approximate),
                   **kwargs)  # type: ignore[arg-type]

    @classmethod
    def plain_pickup(cls, job_id: str, lon: float, lat: float, *,
                     windows: Sequence[Window] = (), service_s: int | None = None,
                     label: str = "", approximate: bool = False, **kwargs: object) -> Job:
        """Build a plain pickup brought back to the courier's end office."""
        return cls(job_id, "pickup",
                   Visit(lon=lon, lat=lat, windows=tuple(windows), service_s=service_s,
                         label=label, approximate=approximate),
                   None, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Place:
    """A row/column of the matrices: an office, a job's address or a courier's position.

    Parameters
    ----------
    place_id
        ``office:<id>``, ``job:<id>:pickup`` / ``job:<id>:delivery`` or ``courier:<id>``.
    lon, lat
        Position.
    office_id
        The office, for an office place.
    label
        Display name.
    """

    place_id: str
    lon: float
    lat: float
    office_id: str | None = None
    label: str = ""


@dataclass
class PlanningProblem:
    """Builder of a day's planning problem (offices, couriers, jobs).

    Parameters
    ----------
    settings
        Planning settings.
    provenance
        Where the jobs come from (``user``, ``simulated``, ``benchmark:<name>``).

    Examples
    --------
    >>> p = PlanningProblem(PlanSettings(seconds=1))
    >>> _ = p.add_office(Office("PO1", "Bưu điện Kon Tum", 108.0, 14.35))
    >>> _ = p.add_courier(Courier("C1", "PO1"))
    >>> _ = p.add_job(Job.plain_delivery("J1", 108.01, 14.36))
    >>> [pl.place_id for pl in p.places()]
    ['office:PO1', 'job:J1:delivery']
    """

    settings: PlanSettings = field(default_factory=PlanSettings)
    provenance: str = "user"
    offices: dict[str, Office] = field(default_factory=dict)
    couriers: dict[str, Courier] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)

    # -- building -----------------------------------------------------------------------
    def add_office(self, office: Office) -> Office:
        """Add an office; returns it."""
        if office.office_id in self.offices:
            raise InputError(f"office {office.office_id!r} is added twice; ids must be unique")
        self.offices[office.office_id] = office
        return office

    def add_offices(self, offices: Iterable[Office]) -> None:
        """Add several offices."""
        for o in offices:
            self.add_office(o)

    def add_courier(self, courier: Courier) -> Courier:
        """Add a courier; returns it."""
        if courier.courier_id in self.couriers:
            raise InputError(f"courier {courier.courier_id!r} is added twice; ids must be unique")
        self.couriers[courier.courier_id] = courier
        return courier

    def add_job(self, job: Job) -> Job:
        """Add a job; returns it."""
        if job.job_id in self.jobs:
            raise InputError(f"job {job.job_id!r} is added twice; ids must be unique")
        self.jobs[job.job_id] = job
        return job

    def add_jobs(self, jobs: Iterable[Job]) -> None:
        """Add several jobs."""
        for j in jobs:
            self.add_job(j)

    # -- derived views ------------------------------------------------------------------
    def validate(self) -> None:
        """Check references and values; raise one :class:`InputError` listing every problem.

        Raises
        ------
        InputError
            When a courier or job names an unknown office, a kind is unknown, or a value is
            out of range.
        """
        problems: list[Problem] = []
        if not self.couriers:
            problems.append(Problem("the problem has no courier; add at least one"))
        for c in self.couriers.values():
            for col, oid in (("office_id", c.office_id), ("end_office_id", c.end_office_id)):
                if oid is not None and oid not in self.offices:
                    problems.append(Problem(f"courier {c.courier_id}: unknown office {oid!r}; "
                                            "add the office or fix the id",
                                            column=col, value=oid))
            if c.profile not in COURIER_PROFILES:
                problems.append(Problem(f"courier {c.courier_id}: unknown profile; use one of "
                                        f"{', '.join(COURIER_PROFILES)}", column="profile",
                                        value=c.profile))
            if c.capacity < 0:
                problems.append(Problem(f"courier {c.courier_id}: capacity cannot be negative",
                                        column="capacity", value=str(c.capacity)))
            sh = self.shift_of(c)
            if sh[1] <= sh[0]:
                problems.append(Problem(f"courier {c.courier_id}: shift ends before it starts",
                                        column="shift", value=format_windows([sh])))
        for j in self.jobs.values():
            if j.kind not in JOB_KINDS:
                problems.append(Problem(f"job {j.job_id}: unknown kind; use one of "
                                        f"{', '.join(JOB_KINDS)}", column="kind", value=j.kind))
            if j.carried_by is not None and j.carried_by not in self.couriers:
                problems.append(Problem(f"job {j.job_id}: carried by unknown courier",
                                        column="carried_by", value=j.carried_by))
            if j.kind in PAIRED_KINDS and not j.is_pair and j.carried_by is None:
                problems.append(Problem(f"job {j.job_id}: a {j.kind} needs a pickup and a "
                                        "delivery stop", column="kind", value=j.kind))
            if j.pickup is None and j.delivery is None:
                problems.append(Problem(f"job {j.job_id}: has no stop", column="kind"))
            if j.amount < 0:
                problems.append(Problem(f"job {j.job_id}: amount cannot be negative",
                                        column="amount", value=str(j.amount)))
            if j.priority not in (1, 2, 3):
                problems.append(Problem(f"job {j.job_id}: priority must be 1, 2 or 3",
                                        column="priority", value=str(j.priority)))
            for role, v in j.visits:
                if v.office_id is not None and v.office_id not in self.offices:
                    problems.append(Problem(f"job {j.job_id}: {role} at unknown office "
                                            f"{v.office_id!r}; add it or fix the id",
                                            column=f"{role}_office_id", value=v.office_id))
                if v.office_id is None and (v.lon is None or v.lat is None):
                    problems.append(Problem(f"job {j.job_id}: {role} has no position; give "
                                            "lat/lon, a commune or an office", column=role))
                for w in v.windows:
                    if w[1] <= w[0]:
                        problems.append(Problem(f"job {j.job_id}: {role} window closes before "
                                                "it opens", column=f"{role}_windows",
                                                value=format_windows([w])))
        if problems:
            raise InputError(problems, summary="The planning problem is not consistent")

    def places(self) -> tuple[Place, ...]:
        """Return the matrices' rows and columns, in order.

        Offices first (in the order added), then couriers' current positions (re-plans),
        then each job's address stops (job order, pickup before delivery). Job stops at an
        office use the office's place.
        """
        out = [Place(f"office:{o.office_id}", o.lon, o.lat, o.office_id, o.name)
               for o in self.offices.values()]
        for c in self.couriers.values():
            if c.start_lon is not None and c.start_lat is not None:
                out.append(Place(f"courier:{c.courier_id}", c.start_lon, c.start_lat,
                                 None, f"{c.name or c.courier_id} (now)"))
        for j in self.jobs.values():
            for role, v in j.visits:
                if v.office_id is None:
                    assert v.lon is not None and v.lat is not None
                    out.append(Place(f"job:{j.job_id}:{role}", v.lon, v.lat, None,
                                     v.label or j.job_id))
                elif j.carried_by is not None:
                    # a carried job's stop gets its own row, so other couriers can be
                    # barred from it without barring the office
                    o = self.offices[v.office_id]
                    out.append(Place(f"job:{j.job_id}:{role}", o.lon, o.lat, o.office_id,
                                     o.name))
        return tuple(out)

    def place_index(self) -> dict[str, int]:
        """Map place id → row of the matrices."""
        return {p.place_id: i for i, p in enumerate(self.places())}

    @staticmethod
    def place_of(job: Job, role: str) -> str:
        """Return the place id of a job's pickup or delivery stop."""
        v = job.pickup if role == "pickup" else job.delivery
        assert v is not None
        if v.office_id is not None and job.carried_by is None:
            return f"office:{v.office_id}"
        return f"job:{job.job_id}:{role}"

    def shift_of(self, courier: Courier) -> Window:
        """Return a courier's shift (its own or the default)."""
        return courier.shift if courier.shift is not None else self.settings.shift

    def windows_of(self, visit: Visit) -> tuple[Window, ...]:
        """Return the windows a stop can be served in (its own, the office's or the day's)."""
        if visit.windows:
            return visit.windows
        if visit.office_id is not None:
            office = self.offices[visit.office_id]
            return office.windows or self.settings.office_windows
        return ()

    def service_of(self, visit: Visit) -> int:
        """Return a stop's service time (its own or the office / citizen default)."""
        if visit.service_s is not None:
            return int(visit.service_s)
        s = self.settings
        return s.office_service_s if visit.at_office else s.citizen_service_s

    def prize_of(self, job: Job) -> float:
        """Return what serving a job is worth, in length units (``job_value_m`` × weight).

        The weight is :func:`routing.deadlines.job_weight`: the priority's, growing as the
        appointment date nears, and far above every optional job once it is due.
        """
        return self.settings.job_value_m * job_weight(job, self.settings)

    def fingerprint(self) -> dict[str, str]:
        """sha256 of the offices, couriers and jobs (for a plan's ``input_hashes``)."""
        def h(items: Iterable[object]) -> str:
            text = json.dumps([asdict(x) for x in items], sort_keys=True,  # type: ignore[call-overload]
                              ensure_ascii=False, default=str)
            return hashlib.sha256(text.encode()).hexdigest()
        return {"offices": h(self.offices.values()), "couriers": h(self.couriers.values()),
                "jobs": h(self.jobs.values())}

    def with_settings(self, **changes: object) -> PlanningProblem:
        """Return a copy with some settings changed (the builder itself is left alone)."""
        return PlanningProblem(replace(self.settings, **changes),  # type: ignore[arg-type]
                               self.provenance, dict(self.offices), dict(self.couriers),
                               dict(self.jobs))
