"""A planning problem as JSON: what a saved plan carries so it can be edited and re-planned.

:func:`problem_to_dict` writes a :class:`~routing.model.PlanningProblem` (offices with their
windows on the plan date, couriers with shifts and start positions, jobs with their stops
and windows, the :class:`~routing.model.PlanSettings`, the provenance and the road network
profile) as plain JSON types; :func:`problem_from_dict` reads it back, checking every field
and listing every problem at once. The matrices are not stored: they are rebuilt from the
road network (same network, same places → same figures).

:func:`problem_of` is the door the command line and the app use: the problem a plan was
made from, or a clear error for plan files saved before plans carried it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from data.errors import InputError, Problem
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings, Visit, Window
from routing.result import Plan

#: Format tag written into every serialised problem.
PROBLEM_FORMAT = "postplan.problem/1"


def _windows(ws: tuple[Window, ...] | list[Window]) -> list[list[int]]:
    return [[int(a), int(b)] for a, b in ws]


def _visit(v: Visit | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"office_id": v.office_id,
            "lon": None if v.lon is None else float(v.lon),
            "lat": None if v.lat is None else float(v.lat),
            "windows": _windows(v.windows), "service_s": v.service_s, "label": v.label,
            "approximate": bool(v.approximate), "instance_id": v.instance_id,
            "commune_code": v.commune_code, "address_id": v.address_id,
            "placed_by": v.placed_by, "phone": v.phone}


def job_to_dict(j: Job) -> dict[str, Any]:
    """Write one job as JSON-ready types (as :func:`problem_to_dict` does)."""
    return {"job_id": j.job_id, "kind": j.kind, "pickup": _visit(j.pickup),
            "delivery": _visit(j.delivery), "amount": int(j.amount),
            "priority": int(j.priority), "due_date": j.due_date,
            "required": bool(j.required), "source": j.source,
            "carried_by": j.carried_by, "received_date": j.received_date}


def _settings(s: PlanSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(s):
        v = getattr(s, f.name)
        if f.name == "office_windows":
            v = _windows(v)
        elif f.name == "shift":
            v = [int(v[0]), int(v[1])]
        elif isinstance(v, tuple):
            v = [float(x) for x in v]
        out[f.name] = v
    return out


def problem_to_dict(problem: PlanningProblem, *, network_profile: str | None = None
                    ) -> dict[str, Any]:
    """Write a planning problem as JSON-ready types (see the module docstring).

    Parameters
    ----------
    problem
        The problem.
    network_profile
        The road network's vehicle profile the matrices were built for (``motorbike``…).

    Returns
    -------
    dict
        ``format``, ``provenance``, ``network_profile``, ``settings``, ``offices``,
        ``couriers``, ``jobs``.
    """
    return {
        "format": PROBLEM_FORMAT,
        "provenance": problem.provenance,
        "network_profile": network_profile,
        "settings": _settings(problem.settings),
        "offices": [{"office_id": o.office_id, "name": o.name, "lon": float(o.lon),
                     "lat": float(o.lat), "kind": o.kind, "windows": _windows(o.windows)}
                    for o in problem.offices.values()],
        "couriers": [{"courier_id": c.courier_id, "office_id": c.office_id,
                      "profile": c.profile,
                      "shift": None if c.shift is None else [int(c.shift[0]), int(c.shift[1])],
                      "max_work_s": c.max_work_s, "capacity": int(c.capacity),
                      "end_office_id": c.end_office_id, "name": c.name,
                      "start_lon": None if c.start_lon is None else float(c.start_lon),
                      "start_lat": None if c.start_lat is None else float(c.start_lat),
                      "start_s": c.start_s}
                     for c in problem.couriers.values()],
        "jobs": [job_to_dict(j) for j in problem.jobs.values()],
    }


class _Reader:
    """Reads fields, collecting a :class:`Problem` for every bad one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def get(self, obj: Mapping[str, Any], key: str, where: str, convert: Callable[[Any], Any],
            *, default: Any = ..., optional: bool = False) -> Any:
        if key not in obj:
            if default is not ...:
                return default
            self.problems.append(Problem(f"{where}: '{key}' is missing", column=key))
            return None
        value = obj[key]
        if value is None and optional:
            return None
        try:
            return convert(value)
        except (TypeError, ValueError, KeyError, IndexError):
            self.problems.append(Problem(f"{where}: '{key}' has an invalid value", column=key,
                                         value=repr(value)[:60]))
            return None


def _window_list(value: Any) -> tuple[Window, ...]:
    return tuple((int(a), int(b)) for a, b in value)


def _read_visit(r: _Reader, v: Any, where: str) -> Visit | None:
    if v is None:
        return None
    if not isinstance(v, Mapping):
        r.problems.append(Problem(f"{where}: a stop must be an object or null"))
        return None
    return Visit(office_id=r.get(v, "office_id", where, str, default=None, optional=True),
                 lon=r.get(v, "lon", where, float, default=None, optional=True),
                 lat=r.get(v, "lat", where, float, default=None, optional=True),
                 windows=r.get(v, "windows", where, _window_list, default=()) or (),
                 service_s=r.get(v, "service_s", where, int, default=None, optional=True),
                 label=r.get(v, "label", where, str, default=""),
                 approximate=bool(r.get(v, "approximate", where, bool, default=False)),
                 instance_id=r.get(v, "instance_id", where, str, default=None, optional=True),
                 commune_code=r.get(v, "commune_code", where, str, default=None,
                                    optional=True),
                 address_id=r.get(v, "address_id", where, str, default=None, optional=True),
                 placed_by=r.get(v, "placed_by", where, str, default=""),
                 phone=r.get(v, "phone", where, str, default=""))


def _read_job(r: _Reader, j: Mapping[str, Any], where: str) -> Job:
    return Job(r.get(j, "job_id", where, str), r.get(j, "kind", where, str),
               _read_visit(r, j.get("pickup"), f"{where}.pickup"),
               _read_visit(r, j.get("delivery"), f"{where}.delivery"),
               amount=r.get(j, "amount", where, int, default=1),
               priority=r.get(j, "priority", where, int, default=1),
               due_date=r.get(j, "due_date", where, str, default=None, optional=True),
               required=bool(r.get(j, "required", where, bool, default=False)),
               source=r.get(j, "source", where, str, default="user"),
               carried_by=r.get(j, "carried_by", where, str, default=None, optional=True),
               received_date=r.get(j, "received_date", where, str, default=None,
                                   optional=True))


def jobs_from_dicts(items: Any, *, where: str = "jobs") -> list[Job]:
    """Read jobs written by :func:`job_to_dict`, listing every bad field at once.

    Raises
    ------
    InputError
        A job is not an object, or a field is missing or invalid.
    """
    r = _Reader()
    out: list[Job] = []
    for k, j in enumerate(items or []):
        if not isinstance(j, Mapping):
            r.problems.append(Problem(f"{where}[{k}]: must be an object"))
            continue
        out.append(_read_job(r, j, f"{where}[{k}]"))
    if r.problems:
        raise InputError(r.problems, summary="The stored jobs cannot be read")
    return out


def problem_from_dict(data: Mapping[str, Any]) -> tuple[PlanningProblem, str | None]:
    """Read a problem written by :func:`problem_to_dict`.

    Parameters
    ----------
    data
        The dictionary.

    Returns
    -------
    tuple
        The validated problem and its network profile (or None).

    Raises
    ------
    InputError
        Listing every missing or invalid field (where it is, the value, what to fix).
    """
    if not isinstance(data, Mapping) or data.get("format") != PROBLEM_FORMAT:
        raise InputError(f"not a serialised planning problem (format "
                         f"{data.get('format') if isinstance(data, Mapping) else None!r}; "
                         f"expected {PROBLEM_FORMAT!r})")
    r = _Reader()
    raw = data.get("settings") or {}
    known = {f.name for f in dataclasses.fields(PlanSettings)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            continue
        if key == "office_windows":
            kwargs[key] = r.get(raw, key, "settings", _window_list)
        elif key == "shift":
            kwargs[key] = r.get(raw, key, "settings", lambda v: (int(v[0]), int(v[1])))
        elif key == "priority_weights":
            kwargs[key] = r.get(raw, key, "settings", lambda v: tuple(float(x) for x in v))
        else:
            kwargs[key] = value
    try:
        settings = PlanSettings(**{k: v for k, v in kwargs.items() if v is not None
                                   or k in ("iterations", "plan_date")})
    except InputError as exc:
        r.problems.extend(exc.problems)
        settings = PlanSettings()
    except TypeError as exc:
        r.problems.append(Problem(f"settings: {exc}"))
        settings = PlanSettings()
    problem = PlanningProblem(settings, provenance=str(data.get("provenance") or "user"))
    for k, o in enumerate(data.get("offices") or []):
        where = f"offices[{k}]"
        if not isinstance(o, Mapping):
            r.problems.append(Problem(f"{where}: must be an object"))
            continue
        office = Office(r.get(o, "office_id", where, str), r.get(o, "name", where, str),
                        r.get(o, "lon", where, float), r.get(o, "lat", where, float),
                        r.get(o, "kind", where, str, default="post_office"),
                        r.get(o, "windows", where, _window_list, default=()) or ())
        if office.office_id in problem.offices:
            r.problems.append(Problem(f"{where}: office id is used twice", column="office_id",
                                      value=office.office_id))
        elif office.office_id is not None:
            problem.add_office(office)
    for k, c in enumerate(data.get("couriers") or []):
        where = f"couriers[{k}]"
        if not isinstance(c, Mapping):
            r.problems.append(Problem(f"{where}: must be an object"))
            continue
        courier = Courier(
            r.get(c, "courier_id", where, str), r.get(c, "office_id", where, str),
            profile=r.get(c, "profile", where, str, default="motorbike"),
            shift=r.get(c, "shift", where, lambda v: (int(v[0]), int(v[1])), default=None,
                        optional=True),
            max_work_s=r.get(c, "max_work_s", where, int, default=None, optional=True),
            capacity=r.get(c, "capacity", where, int, default=40),
            end_office_id=r.get(c, "end_office_id", where, str, default=None, optional=True),
            name=r.get(c, "name", where, str, default=""),
            start_lon=r.get(c, "start_lon", where, float, default=None, optional=True),
            start_lat=r.get(c, "start_lat", where, float, default=None, optional=True),
            start_s=r.get(c, "start_s", where, int, default=None, optional=True))
        if courier.courier_id in problem.couriers:
            r.problems.append(Problem(f"{where}: courier id is used twice",
                                      column="courier_id", value=courier.courier_id))
        elif courier.courier_id is not None:
            problem.add_courier(courier)
    for k, j in enumerate(data.get("jobs") or []):
        where = f"jobs[{k}]"
        if not isinstance(j, Mapping):
            r.problems.append(Problem(f"{where}: must be an object"))
            continue
        job = _read_job(r, j, where)
        if job.job_id in problem.jobs:
            r.problems.append(Problem(f"{where}: job id is used twice", column="job_id",
                                      value=job.job_id))
        elif job.job_id is not None:
            problem.add_job(job)
    if r.problems:
        raise InputError(r.problems, summary="The plan's planning problem cannot be read")
    problem.validate()
    profile = data.get("network_profile")
    return problem, (str(profile) if profile else None)


def problem_of(plan: Plan) -> tuple[PlanningProblem, str | None]:
    """Return the problem a plan was made from (and its network profile).

    Raises
    ------
    InputError
        When the plan was saved before plans carried their problem (the message names the
        fix), or the stored problem is damaged.
    """
    if plan.problem is None:
        raise InputError([Problem(
            "This plan was saved before plans carried their planning problem (offices, "
            "couriers, jobs), so it cannot be edited or re-planned: plan the day again "
            "(`postplan plan …` or Dispatch → Lập tuyến) and save the new plan.",
            message_vi="Kế hoạch này được lưu bởi phiên bản cũ, không kèm dữ liệu bài toán "
                       "(bưu cục, bưu tá, công việc) nên không thể sửa tay hay lập lại; hãy "
                       "lập tuyến lại cho ngày này rồi lưu.")],
            summary="The plan has no planning problem")
    return problem_from_dict(plan.problem)


__all__ = ["PROBLEM_FORMAT", "job_to_dict", "jobs_from_dicts", "problem_from_dict",
           "problem_of", "problem_to_dict"]
