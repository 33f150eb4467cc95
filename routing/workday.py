"""A working day for the planning model: registry and roster → model offices, couriers.

This is the one conversion from the office registry and the roster (or a courier count)
to the model's offices and couriers.

The CLI (``postplan plan``), the app's Dispatch page and the simulator's day planner all
build their :class:`~routing.model.PlanningProblem` through :func:`working_day`, so the
same office file and day give the same windows everywhere:

- each office's windows that day come from ``data.calendar.office_day`` (opening hours,
  public holidays, ``PH`` rules, per-office exceptions); an office closed that day gets
  :data:`CLOSED` — never an empty tuple, which the model reads as default hours;
- couriers come from the roster's couriers on duty (:func:`couriers_from_roster`) or, for
  a count, spread round-robin over the start offices (:func:`couriers_by_count`);
- a courier whose home office is closed does not work; a job whose office is closed is
  left out *before* solving with reason ``office_closed`` (the plain sentence "Bưu cục X
  đóng cửa ngày 02/09/2026: Quốc khánh"), never as a time-window failure;
- when no courier can start, :func:`working_day` raises an ``InputError`` whose problems
  are those sentences: the day is closed, said plainly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data.calendar import OfficeDay, WorkCalendar, office_day
from data.errors import InputError, Problem
from data.hours import parse_shift
from data.vehicles import DEFAULT_PROFILE
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings, Window
from routing.reasons import reason
from routing.result import Plan, UnassignedJob

#: The model's windows for an office closed that day: nothing can be served there.
CLOSED: tuple[Window, ...] = ((0, 0),)
#: Courier display names for a count of couriers (the number is 1-based).
COURIER_NAME = {"vi": "Bưu tá {n}", "en": "Courier {n}"}


def office_windows(office: Mapping[str, Any], day: dt.date,
                   calendar: WorkCalendar | None = None) -> tuple[Window, ...]:
    """Return the model windows of a registry row on ``day`` (:data:`CLOSED` when closed)."""
    od = office_day(office, day, calendar)
    return od.windows if not od.closed else CLOSED


def _records(offices: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in offices.to_dict("records")]


def model_offices(offices: pd.DataFrame, day: dt.date, calendar: WorkCalendar | None = None
                  ) -> tuple[list[Office], dict[str, OfficeDay]]:
    """Turn the office registry into model offices for ``day``, with each office's day.

    Returns
    -------
    tuple
        The :class:`~routing.model.Office` list (registry order) and ``office_id`` →
        :class:`data.calendar.OfficeDay`.
    """
    out, days = [], {}
    for rec in _records(offices):
        od = office_day(rec, day, calendar)
        days[od.office_id] = od
        out.append(Office(office_id=str(rec["office_id"]), name=str(rec["name"]),
                          lon=float(rec["lon"]), lat=float(rec["lat"]), kind=str(rec["kind"]),
                          windows=od.windows if not od.closed else CLOSED))
    return out, days


def couriers_by_count(office_ids: Sequence[str], n: int, *, profile: str = DEFAULT_PROFILE,
                      capacity: int = 40, lang: str = "vi") -> list[Courier]:
    """Create ``n`` couriers spread round-robin over ``office_ids`` (``BT01`` "Bưu tá 1" …)."""
    if not office_ids:
        return []
    name = COURIER_NAME.get(lang, COURIER_NAME["vi"])
    return [Courier(courier_id=f"BT{i + 1:02d}", office_id=str(office_ids[i % len(office_ids)]),
                    profile=profile, capacity=capacity, name=name.format(n=i + 1))
            for i in range(int(n))]


def couriers_from_roster(roster: pd.DataFrame, *, profile: str | None = None) -> list[Courier]:
    """Turn roster rows (e.g. ``data.roster.on_duty(...).on_duty``) into model couriers.

    Parameters
    ----------
    roster
        Rows with ``courier_id``, ``name``, ``office_id``, ``profile``, ``shift``,
        ``capacity`` (``data.roster.ROSTER_COLUMNS``).
    profile
        Override every courier's vehicle (the network is built for one profile).
    """
    out = []
    for rec in _records(roster):
        shift = parse_shift(str(rec.get("shift") or "07:00-17:00"))
        out.append(Courier(courier_id=str(rec["courier_id"]), office_id=str(rec["office_id"]),
                           profile=profile or str(rec.get("profile") or DEFAULT_PROFILE),
                           shift=shift, capacity=int(rec.get("capacity") or 40),
                           name=str(rec.get("name") or rec["courier_id"])))
    return out


@dataclass(frozen=True)
class WorkingDay:
    """What can be planned on a day, and what cannot and why.

    Parameters
    ----------
    day
        The date.
    problem
        The validated planning problem (open couriers; jobs at open offices).
    office_days
        ``office_id`` → :class:`data.calendar.OfficeDay` for every office.
    closed
        The closed offices that matter that day (a courier's home or a job's office).
    left_out
        Jobs at a closed office, with reason ``office_closed``.
    left_out_jobs
        Those jobs themselves (the plan keeps them, so the day's close can carry them).
    """

    day: dt.date
    problem: PlanningProblem
    office_days: Mapping[str, OfficeDay]
    closed: tuple[OfficeDay, ...]
    left_out: tuple[UnassignedJob, ...]
    left_out_jobs: tuple[Job, ...] = ()

    def messages(self, lang: str = "vi") -> list[str]:
        """Say which offices are closed, plainly (the same sentences in app and CLI)."""
        return [od.message(lang) for od in self.closed]

    def complete(self, plan: Plan) -> Plan:
        """Return ``plan`` with the left-out jobs among its unassigned ones, and notes.

        The left-out jobs themselves go into the plan's problem record
        (``problem["left_out_jobs"]``), so closing the day carries them to the next one.
        """
        if not self.left_out and not self.closed:
            return plan
        from routing.problem_io import job_to_dict

        problem = plan.problem
        if problem is not None and self.left_out_jobs:
            problem = {**problem, "left_out_jobs": [job_to_dict(j) for j in self.left_out_jobs]}
        return dataclasses.replace(
            plan, unassigned=(*plan.unassigned, *self.left_out),
            jobs_total=plan.jobs_total + len(self.left_out),
            notes=(*plan.notes, *self.messages("vi"), *self.messages("en")), problem=problem)


def closed_day_error(closed: Iterable[OfficeDay]) -> InputError:
    """Return the error for a day no courier can work: one sentence per closed office."""
    problems = [Problem(od.message("en"), message_vi=od.message("vi")) for od in closed]
    return InputError(problems, summary="Ngày không làm việc: không bưu tá nào bắt đầu được "
                                        "từ một bưu cục mở cửa. / Not a working day: no "
                                        "courier can start from an open office.")


def working_day(offices: pd.DataFrame, jobs: Iterable[Job], couriers: Iterable[Courier],
                day: dt.date, *, plan_settings: PlanSettings | None = None,
                calendar: WorkCalendar | None = None, provenance: str = "user") -> WorkingDay:
    """Build the day's problem with the calendar: the one path for CLI, app and simulator.

    Raises
    ------
    InputError
        When no courier's home office is open that day (the problems are the plain
        sentences of :meth:`data.calendar.OfficeDay.message`), or the problem is
        inconsistent.
    """
    ps = plan_settings or PlanSettings(plan_date=day.isoformat())
    if ps.plan_date is None:
        ps = dataclasses.replace(ps, plan_date=day.isoformat())
    office_list, days = model_offices(offices, day, calendar)
    couriers = list(couriers)
    homes = list(dict.fromkeys(c.office_id for c in couriers))
    closed_homes = [days[o] for o in homes if o in days and days[o].closed]
    working = [c for c in couriers if not (c.office_id in days and days[c.office_id].closed)]
    if couriers and not working:
        raise closed_day_error(closed_homes)
    kept, left, left_jobs = [], [], []
    closed_used: dict[str, OfficeDay] = {od.office_id: od for od in closed_homes}
    for j in jobs:
        shut = next((days[v.office_id] for _, v in j.visits
                     if v.office_id in days and days[v.office_id].closed), None)
        if shut is None:
            kept.append(j)
            continue
        closed_used.setdefault(shut.office_id, shut)
        left_jobs.append(j)
        left.append(reason(j, "office_closed", closed_vi=shut.message("vi"),
                           closed_en=shut.message("en")))
    problem = PlanningProblem(ps, provenance=provenance)
    problem.add_offices(office_list)
    for c in working:
        problem.add_courier(c)
    problem.add_jobs(kept)
    problem.validate()
    return WorkingDay(day, problem, days, tuple(closed_used.values()), tuple(left),
                      tuple(left_jobs))


__all__ = [
    "CLOSED",
    "COURIER_NAME",
    "WorkingDay",
    "closed_day_error",
    "couriers_by_count",
    "couriers_from_roster",
    "model_offices",
    "office_windows",
    "working_day",
]
