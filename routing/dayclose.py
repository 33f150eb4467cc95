"""The end of a working day: what was done, what goes on, and the day's facts for reports.

:func:`close_plan_day` is pure: given the day's plan (its last version), the stop outcomes
couriers reported (:mod:`data.outcomes`) and the jobs the day started with from earlier days
(:class:`routing.carryover.PendingJob`, with their history), it

1. rebuilds the day's list with :func:`routing.carryover.day_list` — carried jobs first,
   then the day's new jobs (every job of the plan's problem, and the jobs left out at a
   closed office);
2. decides each job from the reports that count (:func:`data.outcomes.latest_by_stop`):
   *done* when every stop of it was reported done, *failed* when a stop was reported failed
   (its reason), *unserved* otherwise — with the plan's reason when the plan left it out,
   ``not_reported`` when it was on a route but no report came, ``not_planned`` when it was
   on the list but not in the plan;
3. closes the day with :func:`routing.carryover.close_day` (the one carry-over rule): every
   job is done or left, with one more attempt; a job failed three times is flagged for a
   phone call;
4. writes the day's facts (:class:`DaySummary`): one row per job and one per route, with no
   personal data (ids, kinds, communes, offices, couriers, dates, outcomes, km, hours) —
   what reports are made of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from data.errors import InputError
from data.outcomes import Outcome, latest_by_stop
from routing.carryover import DayClose, PendingJob, close_day, day_list
from routing.model import Job

if TYPE_CHECKING:
    from routing.model import PlanningProblem
    from routing.result import Plan

#: Format tag of a stored day summary.
SUMMARY_FORMAT = "postplan-day-summary"
#: Why a job of the list ended the day unserved without a reason from the plan.
NOT_REPORTED = "not_reported"
NOT_PLANNED = "not_planned"

CommuneOf = Callable[[float, float], str | None]

#: Why a job ended a day unserved, in a few words (Vietnamese, English): the plan's reason
#: codes (``routing.reasons``), and the two the close adds.
UNSERVED_LABELS: Mapping[str, tuple[str, str]] = {
    "unreachable": ("không có đường tới", "unreachable"),
    "over_capacity": ("quá sức chở", "over capacity"),
    "shift_too_short": ("ca làm việc quá ngắn", "shift too short"),
    "window_infeasible": ("ngoài khung giờ", "outside its windows"),
    "no_room": ("không còn thời gian hoặc chỗ", "no time or room left"),
    "left_out_for_cost": ("bỏ qua vì chi phí", "left out for cost"),
    "office_closed": ("bưu cục đóng cửa", "office closed"),
    NOT_REPORTED: ("chưa có báo cáo", "not reported"),
    NOT_PLANNED: ("không có trong kế hoạch", "not in the plan"),
}


def attempt_label(outcome: str, reason: str, lang: str = "vi") -> str:
    """Say why a job was not finished on a day, in ``lang`` (a failure's or the plan's reason)."""
    from data.outcomes import reason_label

    if outcome == "failed":
        return reason_label(reason, lang)
    vi_en = UNSERVED_LABELS.get(reason)
    return reason if vi_en is None else vi_en[0 if lang == "vi" else 1]


@dataclass(frozen=True)
class JobFact:
    """One job of a closed day, without personal data.

    Parameters
    ----------
    day
        The working day.
    job_id, kind
        The job.
    office_id, courier_id
        The post office and courier whose route it was on ("" when on none).
    commune_code
        The pre-2025 commune (GSO code) of the citizen's address ("" when unknown or at
        offices only).
    received, due
        When it came in and its appointment date (ISO; due "" when none).
    status
        ``done``, ``failed`` or ``unserved``.
    reason
        For failed: the reason (:data:`data.outcomes.OUTCOME_REASONS`); unserved: the
        plan's reason code, ``not_reported`` or ``not_planned``; done: "".
    on_time
        Done on or before its appointment date (True also for a done job without a date);
        False when done late; None when not done.
    attempts
        Days it was not finished before this one.
    needs_call
        Left with three failures: phone the citizen.
    provenance
        ``observed`` when the outcomes came from phones, ``simulated`` when any came from
        the simulator.
    """

    day: str
    job_id: str
    kind: str
    office_id: str
    courier_id: str
    commune_code: str
    received: str
    due: str
    status: str
    reason: str
    on_time: bool | None
    attempts: int
    needs_call: bool
    provenance: str


@dataclass(frozen=True)
class RouteFact:
    """One courier's route of a closed day (as last planned).

    Parameters
    ----------
    day, courier_id, office_id
        Whose route, from which office.
    length_m, duration_s
        Planned length and working time (start to end) of the route's last version.
    jobs
        Jobs on it.
    """

    day: str
    courier_id: str
    office_id: str
    length_m: float
    duration_s: int
    jobs: int


@dataclass(frozen=True)
class DaySummary:
    """The facts of a closed day (what reports add up; no personal data).

    Parameters
    ----------
    day
        The working day (ISO).
    offices
        The post offices of the plan.
    provenance, network_kind
        Whether jobs/outcomes were simulated; the road network the km rest on.
    jobs, routes
        One fact per job of the day's list, and per route with stops.
    """

    day: str
    offices: tuple[str, ...]
    provenance: str
    network_kind: str | None
    jobs: tuple[JobFact, ...]
    routes: tuple[RouteFact, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as a JSON document (``format`` = :data:`SUMMARY_FORMAT`)."""
        return {"format": SUMMARY_FORMAT, "day": self.day, "offices": list(self.offices),
                "provenance": self.provenance, "network_kind": self.network_kind,
                "jobs": [asdict(j) for j in self.jobs],
                "routes": [asdict(r) for r in self.routes]}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> DaySummary:
        """Read a summary written by :meth:`to_dict`.

        Raises
        ------
        InputError
            Not a day summary, or a row cannot be read.
        """
        if doc.get("format") != SUMMARY_FORMAT:
            raise InputError(f"not a day summary (format {doc.get('format')!r})")
        try:
            return cls(str(doc["day"]), tuple(doc.get("offices") or ()),
                       str(doc.get("provenance") or "user"), doc.get("network_kind"),
                       tuple(JobFact(**j) for j in doc.get("jobs") or ()),
                       tuple(RouteFact(**r) for r in doc.get("routes") or ()))
        except (KeyError, TypeError) as exc:
            raise InputError(f"the day summary of {doc.get('day')} cannot be read: {exc}"
                             ) from exc


@dataclass(frozen=True)
class ClosedDay:
    """A closed working day.

    Parameters
    ----------
    close
        Done and left jobs (:class:`routing.carryover.DayClose`).
    summary
        The day's facts for reports.
    """

    close: DayClose
    summary: DaySummary

    @property
    def flagged(self) -> tuple[PendingJob, ...]:
        """Left jobs that failed three times: phone the citizen."""
        return self.close.flagged


def _roles(job: Job) -> tuple[str, ...]:
    """Return the outcome roles a job's stops are reported under (a pair: pickup, delivery)."""
    if job.is_pair:
        return ("pickup", "delivery")
    return ("visit",)


def _commune(job: Job, commune_of: CommuneOf | None) -> str:
    for _role, v in job.visits:
        if v.office_id is None:
            if v.commune_code:
                return str(v.commune_code)
            if commune_of is not None and v.lon is not None and v.lat is not None:
                return str(commune_of(float(v.lon), float(v.lat)) or "")
    return ""


def _left_out_jobs(plan: Plan) -> list[Job]:
    from routing.problem_io import jobs_from_dicts

    extra = (plan.problem or {}).get("left_out_jobs") or []
    return jobs_from_dicts(extra, where="left_out_jobs")


def close_plan_day(plan: Plan, outcomes: Iterable[Outcome], *,
                   carried: Sequence[PendingJob] = (), problem: PlanningProblem | None = None,
                   commune_of: CommuneOf | None = None) -> ClosedDay:
    """Close the plan's day (see the module docstring).

    Parameters
    ----------
    plan
        The day's plan (its latest version).
    outcomes
        The reports of that day (other days' are ignored).
    carried
        The jobs the day started with from earlier days (the previous close's ``left``);
        a carried job the plan does not hold is still on the list (``not_planned``).
    problem
        The day's problem (default: the one the plan carries).
    commune_of
        ``(lon, lat) → commune code`` for addresses given without a commune.

    Raises
    ------
    InputError
        The plan has no date or no problem; a job is twice on the list.
    """
    from routing.problem_io import problem_of

    if plan.plan_date is None:
        raise InputError("the plan has no date; a day can only be closed for a dated plan")
    day = dt.date.fromisoformat(plan.plan_date)
    if problem is None:
        problem, _profile = problem_of(plan)
    reports = [o for o in outcomes if o.plan_date == day]
    latest = latest_by_stop(reports)
    jobs = {**{j.job_id: j for j in _left_out_jobs(plan)}, **dict(problem.jobs)}
    carried_ids = {p.job_id for p in carried}
    today = day_list(carried, [j for j in jobs.values() if j.job_id not in carried_ids], day)
    on_route: dict[str, tuple[str, str]] = {}
    for r in plan.routes:
        for s in r.job_stops:
            if s.job_id is not None:
                on_route.setdefault(s.job_id, (r.office_id, r.courier_id))
    for o in reports:  # a job taken off the routes by a re-plan still happened on one
        on_route.setdefault(o.job_id, (str(o.office_id or ""), o.courier_id))
    left_out = {u.job_id: u.code for u in plan.unassigned}
    served: list[str] = []
    failed: dict[str, str] = {}
    unserved: dict[str, str] = {}
    for p in today:
        got = [latest.get((p.job_id, role)) for role in _roles(p.job)]
        bad = next((o for o in got if o is not None and o.status == "failed"), None)
        if bad is not None:
            served.append(p.job_id)
            failed[p.job_id] = str(bad.reason)
        elif all(o is not None and o.status == "done" for o in got):
            served.append(p.job_id)
        elif p.job_id in left_out:
            unserved[p.job_id] = left_out[p.job_id]
        elif p.job_id in on_route:
            unserved[p.job_id] = NOT_REPORTED
        else:
            unserved[p.job_id] = NOT_PLANNED
    close = close_day(today, day, served=served, failed=failed, unserved=unserved)
    simulated = plan.provenance == "simulated" or any(o.provenance == "simulated"
                                                      for o in reports)
    provenance = "simulated" if simulated else "observed"
    done = {d.job_id: d for d in close.done}
    left = {p.job_id: p for p in close.left}
    facts = []
    for p in today:
        office_id, courier_id = on_route.get(p.job_id, ("", ""))
        d = done.get(p.job_id)
        if d is not None:
            status, why, on_time, needs_call = "done", "", d.on_time, False
        else:
            after = left[p.job_id]
            last = after.attempts[-1]
            status = "failed" if last.outcome == "failed" else "unserved"
            why, on_time, needs_call = last.reason, None, after.needs_call
        facts.append(JobFact(
            day=day.isoformat(), job_id=p.job_id, kind=p.job.kind, office_id=office_id,
            courier_id=courier_id, commune_code=_commune(p.job, commune_of),
            received=p.received.isoformat(), due=p.due.isoformat() if p.due else "",
            status=status, reason=why, on_time=on_time, attempts=len(p.attempts),
            needs_call=needs_call, provenance=provenance))
    routes = tuple(RouteFact(day.isoformat(), r.courier_id, r.office_id, float(r.length_m),
                             int(r.duration_s), len(r.job_ids))
                   for r in plan.routes if r.job_stops)
    offices = tuple(sorted({r.office_id for r in plan.routes}))
    summary = DaySummary(day.isoformat(), offices, plan.provenance, plan.network_kind,
                         tuple(facts), routes)
    return ClosedDay(close, summary)


def commune_finder(communes: Any) -> CommuneOf:
    """Return ``(lon, lat) → pre-2025 commune code`` by polygon (None outside them all).

    Parameters
    ----------
    communes
        ``data.layers.load_communes`` (``commune_code`` and polygons in EPSG:4326).
    """
    from shapely.geometry import Point

    frame = communes[["commune_code", "geometry"]].reset_index(drop=True)
    index = frame.sindex
    codes = frame["commune_code"].astype(str).tolist()

    def commune_of(lon: float, lat: float) -> str | None:
        hits = index.query(Point(lon, lat), predicate="intersects")
        return codes[int(min(hits))] if len(hits) else None

    return commune_of


def pending_to_dict(p: PendingJob) -> dict[str, Any]:
    """Write a carried job with its history as JSON (the job in ``problem_io``'s form)."""
    from routing.problem_io import job_to_dict

    return {"job_id": p.job_id, "received": p.received.isoformat(),
            "attempts": [{"day": a.day.isoformat(), "outcome": a.outcome, "reason": a.reason}
                         for a in p.attempts],
            "job": job_to_dict(p.job)}


def pending_from_dicts(rows: Iterable[Mapping[str, Any]]) -> tuple[PendingJob, ...]:
    """Read carried jobs written by :func:`pending_to_dict`.

    Raises
    ------
    InputError
        A row cannot be read.
    """
    from routing.carryover import Attempt
    from routing.problem_io import jobs_from_dicts

    rows = list(rows)
    jobs = jobs_from_dicts([r.get("job") for r in rows], where="carried")
    try:
        return tuple(
            PendingJob(job, dt.date.fromisoformat(r["received"]),
                       tuple(Attempt(dt.date.fromisoformat(a["day"]), a["outcome"], a["reason"])
                             for a in r.get("attempts") or ()))
            for r, job in zip(rows, jobs, strict=True))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the carried jobs cannot be read: {exc}") from exc


__all__ = [
    "NOT_PLANNED",
    "NOT_REPORTED",
    "SUMMARY_FORMAT",
    "UNSERVED_LABELS",
    "ClosedDay",
    "DaySummary",
    "JobFact",
    "RouteFact",
    "attempt_label",
    "close_plan_day",
    "commune_finder",
    "pending_from_dicts",
    "pending_to_dict",
]
