"""The adapter door: plan on a road graph (snap places, build matrices, draw legs, solve).

:func:`plan_day` takes jobs, couriers and offices with positions and a road graph, snaps
them on the graph with ``geo.matrix.point_matrix`` (:func:`network_matrices`), builds the
matrices and hands them to the core door :func:`routing.solve.solve_matrix`;
:func:`network_leg_path` draws each leg along the network's fastest route.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from data.budget import Clock
from data.errors import InputError
from routing.assemble import LegPath
from routing.model import Courier, Job, PlanningProblem, Window
from routing.result import Plan
from routing.solve import hash_array, solve_matrix


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
                     max_access_m: float | None = None,
                     max_memory_bytes: float | None = None) -> NetworkMatrices:
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
    max_memory_bytes
        Memory the plan may take: the estimate (``geo.matrix.check_memory``, the solver's
        copies included) is checked before any matrix is allocated; default 75 % of the
        machine's memory.
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
    mr = point_matrix(G, pts, engine=engine, max_distance_m=limit, on_too_far="inf",
                      max_memory_bytes=max_memory_bytes, plan=True)
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
             engine: Any = None, geometry: bool = True, clock: Clock | None = None,
             max_memory_bytes: float | None = None) -> Plan:
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
    clock
        The command's :class:`~data.budget.Clock` (phase ``matrix`` here, the solver's
        phases in :func:`~routing.solve.solve_matrix`, which gets what its limit leaves).
    max_memory_bytes
        As :func:`network_matrices` (refused before any matrix is allocated).

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
    from geo.speed_tables import network_speed_table
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
    clock = clock if clock is not None else Clock()
    with clock.phase("matrix"):
        eng = engine
        if eng is None:
            from geo.matrix import TravelEngine
            eng = TravelEngine(G)
        nm = network_matrices(problem, G, engine=eng, max_memory_bytes=max_memory_bytes)
    leg = network_leg_path(problem, G, nm, eng) if geometry else None
    extra = {"network": str(G.graph.get("cache_key", "")) or hash_array(
        np.array([G.number_of_nodes(), G.number_of_edges()], dtype=float)),
        "speed_table": network_speed_table(G).label()}
    plan = solve_matrix(problem, nm.time_s, nm.length_m,
                        network_kind=str(G.graph.get("kind", "unknown")), leg_path=leg,
                        extra_hashes=extra, network_profile=G.graph.get("profile"),
                        clock=clock)
    far = int(nm.too_far.sum())
    notes = (*plan.notes,
             f"matrix: {len(nm.nodes)} places in {nm.seconds:.2f} s; median off-road leg "
             f"{float(np.nanmedian(nm.access_m)):.0f} m; {far} place(s) beyond "
             f"{nm.max_access_m:.0f} m of any road")
    return dataclasses.replace(plan, notes=notes)


def network_doors(G: Any, engine: Any) -> tuple[Any, Any]:
    """Return ``(matrix_fn, leg_path_fn)`` for :func:`routing.replan.replan` on a road graph.

    Both snap a problem's places once (the leg paths reuse the matrices' snapping).
    """
    built: dict[int, tuple[Any, NetworkMatrices]] = {}  # id → (problem kept alive, matrices)

    def snapped(problem: Any) -> NetworkMatrices:
        if id(problem) not in built:
            built[id(problem)] = (problem, network_matrices(problem, G, engine=engine))
        return built[id(problem)][1]

    def matrix_fn(problem: Any) -> tuple[Any, Any]:
        nm = snapped(problem)
        return nm.time_s, nm.length_m

    def leg_path_fn(problem: Any) -> Any:
        return network_leg_path(problem, G, snapped(problem), engine)

    return matrix_fn, leg_path_fn


def _office_windows(row: Any, plan_date: str | None) -> tuple[Window, ...]:
    """Return an office's windows on the plan date: the one rule, ``routing.workday``.

    Without a plan date there is no calendar: the model's default office hours apply.
    """
    from routing.workday import office_windows

    if not plan_date:
        return ()
    rec = row._asdict() if hasattr(row, "_asdict") else dict(row)
    return office_windows(rec, date.fromisoformat(plan_date))


__all__ = ["NetworkMatrices", "network_doors", "network_leg_path", "network_matrices",
           "plan_day"]
