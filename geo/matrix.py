"""Door-to-door travel times between points that lie off the network's nodes.

A point (an address, an office, a populated cell) joins the road where the perpendicular
from it meets its nearest edge (:func:`geo.snap.snap_points`). :func:`attach` turns that
into :class:`SnappedPoints` — the two ends of the edge through which a trip leaves or
reaches the point, with the seconds and metres to each, off-network leg included, on the
travel engine's own arcs — the one form every door-to-door computation uses:

- :func:`ends_matrix` (core) combines two sets of snapped points with the engine's
  node-to-node matrix: the best of the 2 × 2 edge ends for every pair;
- :func:`point_matrix` (adapter) snaps two sets of points and adds what only pairs of
  points need: two points on the same road may go straight along it, and a point to
  itself is 0;
- multi-source searches from snapped points go through
  :meth:`geo.engine.TravelEngine.nearest_positions`.

:class:`~geo.engine.TravelEngine`, :class:`~geo.engine.EngineInfo` and
:func:`~geo.engine.cached_engine` are importable from here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely

from data.errors import InputError, Problem
from geo.engine import EngineInfo, TravelEngine, cached_engine
from geo.snap import DEFAULT_MAX_DISTANCE_M, EdgeIndex, SnapResult, snap_points

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Bytes per cell while a door-to-door matrix is built (times and lengths, the 2 × 2
#: combination's temporaries, the caller's copies).
MATRIX_BYTES_PER_CELL = 64
#: Further bytes per cell a day's plan needs (the solver's integer matrices, in this process
#: and in the solver's child process). Measured: a 2,018-place day peaks ~400 MB above a
#: small one (``benchmarks/day.py``), ~100 B per cell; the estimate keeps 1.6 × that.
PLAN_BYTES_PER_CELL = 96
#: What a planning process holds before any matrix (libraries, the network, the data).
BASE_BYTES = 512 * 2**20


def memory_estimate_bytes(n_from: int, n_to: int, *, end_nodes: int | None = None,
                          plan: bool = False) -> int:
    """Estimate the peak memory of a door-to-door matrix (and of planning on it).

    Parameters
    ----------
    n_from, n_to
        Points in the rows and the columns.
    end_nodes
        Nodes of the network: the node-to-node block behind the door-to-door matrix has at
        most two end nodes per point, and never more rows or columns than this.
    plan
        Add the solver's copies (a day's plan), not only the matrix.
    """
    cells = int(n_from) * int(n_to)
    rows, cols = 2 * int(n_from), 2 * int(n_to)
    if end_nodes is not None:
        rows, cols = min(rows, end_nodes), min(cols, end_nodes)
    per_cell = MATRIX_BYTES_PER_CELL + (PLAN_BYTES_PER_CELL if plan else 0)
    return BASE_BYTES + cells * per_cell + rows * cols * 24


def default_memory_limit_bytes() -> int:
    """75 % of the machine's physical memory (the limit when none is set)."""
    try:
        return int(0.75 * os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def check_memory(n_from: int, n_to: int, *, limit_bytes: float | None = None,
                 end_nodes: int | None = None, plan: bool = False) -> int:
    """Refuse, before anything is allocated, a matrix whose estimate exceeds the limit.

    Parameters
    ----------
    n_from, n_to, end_nodes, plan
        As :func:`memory_estimate_bytes`.
    limit_bytes
        The limit (``Settings.max_memory_mb`` × 2**20); default
        :func:`default_memory_limit_bytes`.

    Returns
    -------
    int
        The estimate, in bytes, when it fits.

    Raises
    ------
    InputError
        Naming the number of points, the estimate and the limit (GiB), and the fix.
    """
    limit = default_memory_limit_bytes() if limit_bytes is None else float(limit_bytes)
    need = memory_estimate_bytes(n_from, n_to, end_nodes=end_nodes, plan=plan)
    if need <= limit:
        return need
    what_en = "planning on a" if plan else "a"
    what_vi = "lập kế hoạch trên ma trận" if plan else "ma trận"
    raise InputError([Problem(
        f"{what_en} {n_from:,} × {n_to:,} travel matrix needs about {need / 2**30:.1f} GiB of "
        f"memory, more than the limit of {limit / 2**30:.1f} GiB; fix: split the work (e.g. "
        "one plan per office or per half day, or fewer points), or raise "
        "POSTPLAN_MAX_MEMORY_MB if the machine has the memory",
        column="points", value=f"{n_from}×{n_to}",
        message_vi=f"{what_vi} {n_from:,} × {n_to:,} điểm cần khoảng {need / 2**30:.1f} GiB "
                   f"bộ nhớ, vượt giới hạn {limit / 2**30:.1f} GiB; sửa: chia nhỏ công việc "
                   "(ví dụ mỗi bưu cục hoặc mỗi buổi một kế hoạch, hoặc ít điểm hơn), hoặc "
                   "tăng POSTPLAN_MAX_MEMORY_MB nếu máy đủ bộ nhớ")],
        summary="Không đủ bộ nhớ / Not enough memory")


@dataclass(frozen=True, eq=False)
class SnappedPoints:
    """Points attached to the network: where each joins it and at what cost.

    Every point lies on one edge ``u→v`` at ``fraction`` of its length and reaches it by an
    off-network leg of ``access_time_s``. A trip that starts at the point enters the
    network at either end of that edge (``origin_nodes``/``origin_s``); a trip that ends
    there leaves it at either end (``destination_nodes``/``destination_s``); one-way edges
    leave one end at ``inf`` (unless the point lies exactly on that end).

    Parameters
    ----------
    origin_nodes, origin_s
        ``(n, 2)`` engine node positions and seconds from the point to each.
    destination_nodes, destination_s
        ``(n, 2)`` node positions and seconds from each to the point.
    access_time_s, access_length_m
        Off-network leg per point (``access_length_m`` is the distance to the road, also
        for points too far from it).
    too_far
        Points farther from the network than the snapping limit: they are not snapped
        (every time from or to them is ``inf``) and are flagged wherever reported.
    origin_m, destination_m
        ``(n, 2)`` metres matching ``origin_s`` and ``destination_s`` (None when built
        by hand without lengths).
    """

    origin_nodes: IntArray
    origin_s: FloatArray
    destination_nodes: IntArray
    destination_s: FloatArray
    access_time_s: FloatArray
    access_length_m: FloatArray
    too_far: npt.NDArray[np.bool_]
    origin_m: FloatArray | None = field(default=None, repr=False)
    destination_m: FloatArray | None = field(default=None, repr=False)


def _part(share: FloatArray, value: FloatArray) -> FloatArray:
    """``share × value`` with 0 × inf = 0 (a point at a node of a one-way edge)."""
    with np.errstate(invalid="ignore"):
        return np.where(share == 0, 0.0, share * value)


def attach(engine: TravelEngine, snap: SnapResult) -> SnappedPoints:
    """Return the edge ends through which trips leave and reach each snapped point.

    A point at ``fraction`` ``f`` of edge ``u→v`` leaves towards ``v`` in ``(1 - f)`` of the
    arc ``u→v`` and towards ``u`` in ``f`` of the arc ``v→u`` (``inf`` when the road is
    one-way); it is reached from ``u`` in ``f`` of ``u→v`` and from ``v`` in ``(1 - f)`` of
    ``v→u``. Times and lengths are those of the engine's arcs, so door-to-door times agree
    with :meth:`TravelEngine.matrix` to the millisecond.

    Parameters
    ----------
    engine
        The travel engine of the graph the points were snapped to.
    snap
        :func:`geo.snap.snap_points` on that graph.

    Returns
    -------
    SnappedPoints
        Points too far from the road get ``inf`` everywhere.
    """
    n = len(snap.edge)
    if n == 0:
        z2 = np.zeros((0, 2))
        return SnappedPoints(z2.astype(np.int64), z2, z2.astype(np.int64), z2, np.zeros(0),
                             np.zeros(0), np.zeros(0, bool), z2, z2)
    too_far = np.asarray(snap.too_far, dtype=bool)
    first = next((e for e in snap.edge if e is not None), None)
    filler = (first[0], first[1]) if first is not None else (engine.nodes[0],) * 2
    u = engine.node_index([e[0] if e is not None else filler[0] for e in snap.edge])
    v = engine.node_index([e[1] if e is not None else filler[1] for e in snap.edge])
    f = np.clip(np.nan_to_num(np.asarray(snap.fraction, dtype=float)), 0.0, 1.0)
    access_s = np.where(too_far, np.inf, np.asarray(snap.access_time_s, dtype=float))
    access_m = np.where(too_far, np.inf, np.asarray(snap.access_length_m, dtype=float))
    t_uv, l_uv = engine.arcs(u, v)
    t_vu, l_vu = engine.arcs(v, u)
    return SnappedPoints(
        origin_nodes=np.column_stack([v, u]).astype(np.int64),
        origin_s=np.column_stack([access_s + _part(1 - f, t_uv), access_s + _part(f, t_vu)]),
        destination_nodes=np.column_stack([u, v]).astype(np.int64),
        destination_s=np.column_stack([_part(f, t_uv) + access_s,
                                       _part(1 - f, t_vu) + access_s]),
        access_time_s=access_s,
        access_length_m=np.asarray(snap.distance_m, dtype=float),
        too_far=too_far,
        origin_m=np.column_stack([access_m + _part(1 - f, l_uv), access_m + _part(f, l_vu)]),
        destination_m=np.column_stack([_part(f, l_uv) + access_m,
                                       _part(1 - f, l_vu) + access_m]),
    )


def ends_matrix(engine: TravelEngine, a: SnappedPoints, b: SnappedPoints, *,
                lengths: bool = False) -> tuple[FloatArray, FloatArray | None]:
    """Door-to-door seconds (and metres) from every point of ``a`` to every point of ``b``.

    The best of the four ways through the ends of the two points' edges, with one
    many-to-many query of the engine between the distinct end nodes.

    Parameters
    ----------
    engine
        The travel engine both sets were attached to.
    a, b
        Origins and destinations (:func:`attach`).
    lengths
        Also give the length of each fastest way (needs ``origin_m`` / ``destination_m``).

    Returns
    -------
    time_s, length_m
        ``(len(a), len(b))`` arrays, ``inf`` where unreachable; ``length_m`` is None unless
        ``lengths``.
    """
    na, nb = len(a.origin_nodes), len(b.destination_nodes)
    if na == 0 or nb == 0:
        return np.zeros((na, nb)), (np.zeros((na, nb)) if lengths else None)
    o_nodes, o_inv = np.unique(a.origin_nodes, return_inverse=True)
    d_nodes, d_inv = np.unique(b.destination_nodes, return_inverse=True)
    o_inv = o_inv.reshape(a.origin_nodes.shape)
    d_inv = d_inv.reshape(b.destination_nodes.shape)
    T, L = engine.matrix([engine.nodes[i] for i in o_nodes],
                         [engine.nodes[i] for i in d_nodes], lengths=lengths)
    if lengths and (a.origin_m is None or b.destination_m is None):
        raise InputError("lengths need snapped points with origin_m and "
                         "destination_m; build them with geo.matrix.attach")
    time = np.full((na, nb), np.inf)
    length = np.full((na, nb), np.inf) if lengths else None
    for i in range(2):
        for j in range(2):
            block = np.ix_(o_inv[:, i], d_inv[:, j])
            t = T[block]  # a new array: the sums below are done in place (peak memory)
            t += a.origin_s[:, i, None]
            t += b.destination_s[None, :, j]
            if length is None:
                np.minimum(time, t, out=time)
                continue
            assert a.origin_m is not None and b.destination_m is not None
            ln = L[block]
            ln += a.origin_m[:, i, None]
            ln += b.destination_m[None, :, j]
            better = t < time
            np.copyto(time, t, where=better)
            np.copyto(length, ln, where=better)
            del t, ln, better
    return time, length


@dataclass(frozen=True)
class MatrixResult:
    """Door-to-door travel times and lengths between two sets of points.

    Parameters
    ----------
    time_s, length_m
        ``(len(points_a), len(points_b))`` arrays including both off-network legs;
        ``np.inf`` where unreachable or where a point was too far from the network.
    snap_a, snap_b
        How each point joined the network (:class:`geo.snap.SnapResult`).
    network_kind
        ``osm``, ``proxy`` or ``osm+proxy`` — exports must say when it is ``proxy``.
    profile
        The network's vehicle profile.
    """

    time_s: np.ndarray
    length_m: np.ndarray
    snap_a: Any
    snap_b: Any
    network_kind: str
    profile: str

    def summary(self) -> str:
        """One line describing the matrix and its provenance."""
        finite = np.isfinite(self.time_s)
        longest = float(self.time_s[finite].max()) / 60 if finite.any() else 0.0
        note = " (estimated proxy network)" if "proxy" in self.network_kind else ""
        return (f"{self.time_s.shape[0]}×{self.time_s.shape[1]} {self.profile} travel-time "
                f"matrix on the {self.network_kind} network{note}; longest {longest:.0f} min, "
                f"{int((~finite).sum())} unreachable cells")


def point_matrix(G: nx.MultiDiGraph, points_a: Any, points_b: Any = None, *,
                 engine: TravelEngine | None = None, max_distance_m: float | None = None,
                 speed_kph: float | None = None,
                 on_too_far: Literal["raise", "inf"] = "raise",
                 max_memory_bytes: float | None = None, plan: bool = False) -> MatrixResult:
    """Travel times and lengths between points, snapped to the nearest edges.

    The route from ``a`` to ``b`` is: the off-network leg from ``a`` to its road, along
    that road to one of its ends (respecting one-way rules), the fastest route between
    nodes, along ``b``'s road, and ``b``'s off-network leg. Two points on the same road
    may go straight along it. A point to itself (same coordinates) is 0.

    Parameters
    ----------
    G
        A network in the project's graph form with ``travel_time_s``.
    points_a, points_b
        GeoDataFrames (or GeoSeries) of points with a CRS; ``points_b`` defaults to
        ``points_a``.
    engine
        A :class:`TravelEngine` of ``G`` to reuse.
    max_distance_m
        Snapping limit (default :data:`geo.snap.DEFAULT_MAX_DISTANCE_M`).
    speed_kph
        Off-network speed (default: the profile's access speed).
    on_too_far
        ``raise`` an :class:`InputError` listing every point too far from the network, or
        give those rows/columns ``np.inf``.
    max_memory_bytes, plan
        The memory limit checked before anything is allocated (:func:`check_memory`;
        default 75 % of the machine's memory), and whether to count a plan's solver copies.

    Returns
    -------
    MatrixResult
    """
    limit = DEFAULT_MAX_DISTANCE_M if max_distance_m is None else max_distance_m
    b_pts = points_a if points_b is None else points_b
    check_memory(len(points_a), len(b_pts), limit_bytes=max_memory_bytes,
                 end_nodes=G.number_of_nodes(), plan=plan)
    index = EdgeIndex(G)
    snap_a = snap_points(G, points_a, max_distance_m=limit, speed_kph=speed_kph, index=index)
    snap_b = snap_a if points_b is None else snap_points(
        G, b_pts, max_distance_m=limit, speed_kph=speed_kph, index=index)
    if on_too_far == "raise" and (snap_a.too_far.any() or snap_b.too_far.any()):
        problems = snap_a.too_far_problems(what="origin")
        if points_b is not None:
            problems += snap_b.too_far_problems(what="destination")
        raise InputError(problems, summary="points too far from the road network")
    eng = engine or TravelEngine(G)
    ends_a = attach(eng, snap_a)
    ends_b = ends_a if points_b is None else attach(eng, snap_b)
    time, length = ends_matrix(eng, ends_a, ends_b, lengths=True)
    assert length is not None
    _same_road(eng, snap_a, snap_b, ends_a, ends_b, time, length)
    ga = points_a.geometry if hasattr(points_a, "geometry") else points_a
    gb = b_pts.geometry if hasattr(b_pts, "geometry") else b_pts
    ca = shapely.get_coordinates(ga.to_crs(index.metric_crs).to_numpy())
    cb = shapely.get_coordinates(gb.to_crs(index.metric_crs).to_numpy())
    same = (ca[:, None, 0] == cb[None, :, 0]) & (ca[:, None, 1] == cb[None, :, 1])
    same &= ~snap_a.too_far[:, None] & ~snap_b.too_far[None, :]
    time[same] = 0.0
    length[same] = 0.0
    return MatrixResult(time_s=time, length_m=length, snap_a=snap_a, snap_b=snap_b,
                        network_kind=str(G.graph.get("kind", "unknown")),
                        profile=str(G.graph.get("profile", "unknown")))


def _same_road(engine: TravelEngine, snap_a: SnapResult, snap_b: SnapResult,
               ends_a: SnappedPoints, ends_b: SnappedPoints, time: FloatArray,
               length: FloatArray) -> None:
    """Let two points on the same edge go straight along it when that is faster (in place)."""
    by_edge_b: dict[Any, list[int]] = {}
    for j, e in enumerate(snap_b.edge):
        if e is not None:
            by_edge_b.setdefault(e, []).append(j)
    for i, e in enumerate(snap_a.edge):
        if e is None or e not in by_edge_b:
            continue
        # the edge's arcs: origin end 0 is v (u→v), destination end 0 is u
        u, v = ends_a.destination_nodes[i]
        (t_uv, t_vu), (l_uv, l_vu) = engine.arcs(np.array([u, v]), np.array([v, u]))
        fa = snap_a.fraction[i]
        for j in by_edge_b[e]:
            fb = snap_b.fraction[j]
            share = abs(fb - fa)
            t_arc, l_arc = (t_uv, l_uv) if fb >= fa else (t_vu, l_vu)
            t = share * t_arc + ends_a.access_time_s[i] + ends_b.access_time_s[j]
            if t < time[i, j]:
                time[i, j] = t
                length[i, j] = (share * l_arc + snap_a.access_length_m[i]
                                + snap_b.access_length_m[j])


__all__ = [
    "EngineInfo",
    "MatrixResult",
    "SnappedPoints",
    "TravelEngine",
    "attach",
    "cached_engine",
    "check_memory",
    "default_memory_limit_bytes",
    "ends_matrix",
    "memory_estimate_bytes",
    "point_matrix",
]
