"""Literature instances (Solomon, Li & Lim, Cordeau) read into the project's own model.

Each reader returns an :class:`Instance` whose ``problem`` is an ordinary
:class:`~routing.model.PlanningProblem`: depots become offices, vehicles couriers and
customers jobs, so a benchmark exercises exactly the code path of a real day
(:func:`routing.solve.solve_matrix`), not a side path.

Conventions (see ``benchmarks/vrp/SOURCES.md``)
- Distances are Euclidean and unrounded (double precision); travel time equals distance.
  The solver works on integers, so lengths and times are scaled by
  :data:`SCALE` (lengths rounded, times rounded up, so a route feasible for the solver is
  feasible in exact arithmetic); the reported cost is the unrounded Euclidean sum of the
  chosen routes.
- Solomon and Li & Lim "due date" is the latest *start* of service; the model's windows
  bound the *end* of service, so a window is ``(ready, due + service)``.
- Every customer is required; the fleet is the instance's (Solomon / Li & Lim: the stated
  number of vehicles; Cordeau: ``m`` vehicles per depot). The objective is distance.
  Li & Lim best-knowns are vehicles-then-distance (SINTEF), so a distance-only run may use
  more vehicles and be shorter (a negative gap).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from data.errors import InputError
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings, Visit

#: Factor turning plane units into the solver's integers.
SCALE = 10_000.0
#: Instance families.
FAMILIES = ("solomon", "li_lim", "cordeau")


@dataclass(frozen=True)
class Instance:
    """A literature instance in the project's model.

    Parameters
    ----------
    name
        Instance name (file stem, e.g. ``C101``, ``lr101``, ``p01``).
    family
        One of :data:`FAMILIES`.
    problem
        The planning problem (jobs required, settings scaled for plane units).
    time_s, length_m
        Euclidean matrices over ``problem.places()`` (time equals distance).
    """

    name: str
    family: str
    problem: PlanningProblem
    time_s: np.ndarray
    length_m: np.ndarray


def _rows(path: Path) -> list[list[str]]:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InputError(f"cannot read instance {path}: {exc}") from None
    return [line.split() for line in text.splitlines() if line.strip()]


def _settings(seconds: float, seed: int) -> PlanSettings:
    return PlanSettings(seconds=seconds, seed=seed, distance_scale=SCALE, time_scale=SCALE,
                        shift=(0, 10**7), citizen_service_s=0, office_service_s=0)


def _euclid(problem: PlanningProblem) -> tuple[np.ndarray, np.ndarray]:
    xy = np.array([[p.lon, p.lat] for p in problem.places()], dtype=np.float64)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return d, d.copy()


def detect_family(path: str | Path) -> str:
    """Guess an instance file's family from its first lines.

    Raises
    ------
    InputError
        When the format is not recognised.
    """
    rows = _rows(Path(path))
    if rows and any(r and r[0].upper() == "VEHICLE" for r in rows[:5]):
        return "solomon"
    if rows and len(rows[0]) == 3 and len(rows) > 1 and len(rows[1]) == 9:
        return "li_lim"
    if rows and len(rows[0]) == 4 and len(rows) > 1 and len(rows[1]) == 2:
        return "cordeau"
    raise InputError(f"{path}: not a Solomon, Li & Lim or Cordeau instance (first line "
                     f"{' '.join(rows[0]) if rows else '(empty)'!r})")


def read_solomon(path: str | Path, *, seconds: float = 10.0, seed: int = 0) -> Instance:
    """Read a Solomon VRPTW instance (``VEHICLE`` / ``CUSTOMER`` sections).

    Parameters
    ----------
    path
        The ``.txt`` file.
    seconds, seed
        Solver budget and seed stored in the problem's settings.
    """
    path = Path(path)
    rows = _rows(path)
    try:
        vi = next(i for i, r in enumerate(rows) if r[0].upper() == "VEHICLE")
        n_vehicles, capacity = int(rows[vi + 2][0]), int(rows[vi + 2][1])
        ci = next(i for i, r in enumerate(rows) if r[0].upper() == "CUSTOMER")
        data = [[float(x) for x in r] for r in rows[ci + 1:] if r[0].lstrip("-").isdigit()]
    except (StopIteration, ValueError, IndexError) as exc:
        raise InputError(f"{path}: not a Solomon instance ({exc})") from None
    p = PlanningProblem(_settings(seconds, seed), provenance=f"benchmark:{path.stem}")
    depot = data[0]
    p.add_office(Office("0", "depot", depot[1], depot[2], windows=((int(depot[4]),
                                                                     int(depot[5])),)))
    for k in range(n_vehicles):
        p.add_courier(Courier(f"v{k + 1}", "0", shift=(int(depot[4]), int(depot[5])),
                              capacity=capacity))
    for r in data[1:]:
        cid, x, y, q, ready, due, svc = int(r[0]), r[1], r[2], int(r[3]), r[4], r[5], r[6]
        p.add_job(Job(str(cid), "delivery", None,
                      Visit(lon=x, lat=y, windows=((int(ready), int(due + svc)),),
                            service_s=int(svc), instance_id=str(cid)),
                      amount=q, required=True, source="benchmark"))
    t, d = _euclid(p)
    return Instance(path.stem, "solomon", p, t, d)


def read_li_lim(path: str | Path, *, seconds: float = 10.0, seed: int = 0) -> Instance:
    """Read a Li & Lim PDPTW instance (``vehicles capacity speed``, then task rows).

    Each pickup row (its delivery sibling in the last column) and its delivery row become
    one ``transfer`` job: a pair served by one vehicle, pickup first.
    """
    path = Path(path)
    rows = _rows(path)
    try:
        n_vehicles, capacity = int(rows[0][0]), int(rows[0][1])
        data = {int(r[0]): [float(x) for x in r] for r in rows[1:]}
    except (ValueError, IndexError) as exc:
        raise InputError(f"{path}: not a Li & Lim instance ({exc})") from None
    p = PlanningProblem(_settings(seconds, seed), provenance=f"benchmark:{path.stem}")
    depot = data[0]
    p.add_office(Office("0", "depot", depot[1], depot[2],
                        windows=((int(depot[4]), int(depot[5])),)))
    for k in range(n_vehicles):
        p.add_courier(Courier(f"v{k + 1}", "0", shift=(int(depot[4]), int(depot[5])),
                              capacity=capacity))

    def visit(r: list[float]) -> Visit:
        return Visit(lon=r[1], lat=r[2], windows=((int(r[4]), int(r[5] + r[6])),),
                     service_s=int(r[6]), instance_id=str(int(r[0])))

    for cid in sorted(data):
        r = data[cid]
        if cid == 0 or r[3] <= 0:
            continue
        dl = data.get(int(r[8]))
        if dl is None:
            raise InputError(f"{path}: pickup {cid} names delivery {int(r[8])}, which is missing")
        p.add_job(Job(str(cid), "transfer", visit(r), visit(dl), amount=int(r[3]),
                      required=True, source="benchmark"))
    t, d = _euclid(p)
    return Instance(path.stem, "li_lim", p, t, d)


def read_cordeau(path: str | Path, *, seconds: float = 10.0, seed: int = 0) -> Instance:
    """Read a Cordeau multi-depot VRP instance (type 2: ``type m n t`` header).

    ``m`` vehicles per depot, each with the depot's maximum route duration ``D`` (0: none,
    service included) and capacity ``Q``.
    """
    path = Path(path)
    rows = _rows(path)
    try:
        kind, m, n, t = (int(x) for x in rows[0][:4])
        limits = [(float(r[0]), int(float(r[1]))) for r in rows[1:1 + t]]
        customers = rows[1 + t:1 + t + n]
        depots = rows[1 + t + n:1 + t + n + t]
        if kind != 2 or len(depots) != t:
            raise ValueError(f"type {kind}, {len(depots)} depot rows")
    except (ValueError, IndexError) as exc:
        raise InputError(f"{path}: not a Cordeau MDVRP instance ({exc})") from None
    p = PlanningProblem(_settings(seconds, seed), provenance=f"benchmark:{path.stem}")
    for k, r in enumerate(depots):
        oid = str(int(r[0]))
        p.add_office(Office(oid, f"depot {oid}", float(r[1]), float(r[2])))
        dur, cap = limits[k]
        for v in range(m):
            p.add_courier(Courier(f"d{oid}v{v + 1}", oid, capacity=cap,
                                  max_work_s=int(dur) if dur > 0 else None))
    for r in customers:
        cid = str(int(r[0]))
        p.add_job(Job(cid, "delivery", None,
                      Visit(lon=float(r[1]), lat=float(r[2]), service_s=int(float(r[3])),
                            instance_id=cid),
                      amount=int(float(r[4])), required=True, source="benchmark"))
    tm, dm = _euclid(p)
    return Instance(path.stem, "cordeau", p, tm, dm)


def read_instance(path: str | Path, *, family: str | None = None, seconds: float = 10.0,
                  seed: int = 0) -> Instance:
    """Read an instance of any supported family (detected from the file when not given)."""
    fam = family or detect_family(path)
    reader = {"solomon": read_solomon, "li_lim": read_li_lim, "cordeau": read_cordeau}.get(fam)
    if reader is None:
        raise InputError(f"unknown family {fam!r}; use one of {', '.join(FAMILIES)}")
    return reader(path, seconds=seconds, seed=seed)


def solve_instance(path: str | Path, *, seconds: float = 10.0, seed: int = 0,
                   family: str | None = None, iterations: int | None = None) -> dict[str, Any]:
    """Solve an instance through the project's model layer; return the benchmark record.

    Returns
    -------
    dict
        ``instance``, ``family``, ``cost`` (unrounded Euclidean total), ``vehicles``,
        ``routes`` (instance customer ids in visit order, depots left out), ``feasible``,
        ``seconds`` (wall time, reading and solving), ``route_depots`` (the instance's
        depot id of each route, for multi-depot instances), ``seed``, ``iterations`` (the
        budget), ``iterations_done`` and ``stopped_by``.
    """
    from routing.solve import solve_matrix

    t0 = time.perf_counter()
    inst = read_instance(path, family=family, seconds=seconds, seed=seed)
    plan = solve_matrix(inst.problem, inst.time_s, inst.length_m, network_kind="euclidean",
                        iterations=iterations)
    routes, depots = [], []
    for r in plan.routes:
        ids = [st.instance_id for st in r.job_stops if st.instance_id is not None]
        if ids:
            routes.append(ids)
            depots.append(r.office_id)
    return {
        "instance": inst.name,
        "family": inst.family,
        "cost": plan.total_length_m,
        "vehicles": len(routes),
        "routes": [[int(x) for x in r] for r in routes],
        "route_depots": [int(x) for x in depots],
        "feasible": bool(plan.feasible and not plan.unassigned),
        "seconds": time.perf_counter() - t0,
        "seed": seed, "iterations": iterations, "iterations_done": plan.iterations_done,
        "stopped_by": plan.stopped_by,
    }
