"""Map matching cleaned traces to the current network with Leuven.MapMatching.

The matcher is ``leuvenmapmatching``'s :class:`DistanceMatcher` (a hidden Markov model in
the manner of Newson & Krumm 2009, with non-emitting states for sparse fixes) over an
in-memory map built once per network (:class:`MatchNetwork`): every edge's geometry, in the
metric CRS, becomes a chain of straight segments whose ends carry integer labels; an R-tree
finds the segments near a fix. See the README ("Libraries, and why") for why this matcher.

Per moving piece of a trace (:mod:`geo.field.clean`):

1. Each fix's distance to the nearest edge is measured (shapely STRtree). Runs of fixes
   farther than ``offroad_m`` whose own length is at least ``min_offroad_m`` are
   *off-network stretches*: they are not matched but kept, bracketed by the last and first
   fixes near the network, for :mod:`geo.field.roads`. (Leuven.MapMatching stops at the
   first fix it cannot place — upstream issue #42 — so the split is done before matching.)
2. The runs near the network are thinned to fixes at least ``spacing_m`` apart and
   matched. Where the matcher stops early the run is matched again from there.
3. The matched path is a sequence of network edges; every fix gets a distance along it.
   An edge ridden from its start to its end (both ends between two fixes) is a
   **traversal**; its entry and exit times are interpolated between the fixes by distance.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString

from data.errors import NetworkError
from data.observations import OFFROAD_COLUMNS, TRAVERSAL_COLUMNS, local_date_time
from data.settings import GEO_CRS
from geo.field.clean import CleanTrace, Piece
from geo.profiles import highway_class, surface_class

logging.getLogger("be.kuleuven.cs.dtai.mapmatching").setLevel(logging.ERROR)
_ATOL = 1e-8


# The matcher's map calls these three for every candidate; Leuven.MapMatching's own
# Euclidean versions compare 2-vectors with numpy.isclose/allclose, which took most of the
# matching time. These are the same formulas in plain floats (same tolerance).
def _distance(p1: Any, p2: Any) -> float:
    return math.hypot(p1[0] - p2[0], p1[1] - p2[1])


def _project(s1: Any, s2: Any, p: Any, delta: float = 0.0) -> tuple[Any, float]:
    if abs(s1[0] - s2[0]) <= _ATOL and abs(s1[1] - s2[1]) <= _ATOL:
        return s1, 0.0
    l2 = (s1[0] - s2[0]) ** 2 + (s1[1] - s2[1]) ** 2
    t = ((p[0] - s1[0]) * (s2[0] - s1[0]) + (p[1] - s1[1]) * (s2[1] - s1[1])) / l2
    t = max(delta, min(1 - delta, t))
    return (s1[0] + t * (s2[0] - s1[0]), s1[1] + t * (s2[1] - s1[1])), t


def _point_to_segment(p: Any, s1: Any, s2: Any, delta: float = 0.0) -> tuple[float, Any, float]:
    p_int, ti = _project(s1, s2, p, delta=delta)
    return _distance(p_int, p), p_int, ti


def _segment_to_segment(f1: Any, f2: Any, t1: Any, t2: Any) -> tuple[Any, ...]:
    x1, y1 = f1
    x2, y2 = f2
    x3, y3 = t1
    x4, y4 = t2
    n = (y4 - y3) * (x2 - x1) - (x4 - x3) * (y2 - y1)
    if abs(n) <= _ATOL:
        n = 0.0001  # parallel (the library's convention: a far intersection)
    u_f = ((x4 - x3) * (y1 - y3) - (y4 - y3) * (x1 - x3)) / n
    u_t = ((x2 - x1) * (y1 - y3) - (y2 - y1) * (x1 - x3)) / n
    xi = x1 + u_f * (x2 - x1)
    yi = y1 + u_f * (y2 - y1)
    changed_f = changed_t = False
    if u_t > 1 or u_t < 0:
        u_t = 1 if u_t > 1 else 0
        changed_t = True
    if u_f > 1 or u_f < 0:
        u_f = 1 if u_f > 1 else 0
        changed_f = True
    if not changed_t and not changed_f:
        return 0, (xi, yi), (xi, yi), u_f, u_t
    xf = x1 + u_f * (x2 - x1)
    yf = y1 + u_f * (y2 - y1)
    xt = x3 + u_t * (x4 - x3)
    yt = y3 + u_t * (y4 - y3)
    if changed_t and changed_f:
        if (xf - xi) ** 2 + (yf - yi) ** 2 > (xt - xi) ** 2 + (yt - yi) ** 2:
            changed_t = False
        else:
            changed_f = False
    if changed_t:
        pt: Any = (xt, yt)
        pf, u_f = _project(f1, f2, pt)
    else:
        pf = (xf, yf)
        pt, u_t = _project(t1, t2, pf)
    return _distance(pf, pt), pf, pt, u_f, u_t


@dataclass(frozen=True)
class MatchParams:
    """Settings of :func:`match_trace`.

    Parameters
    ----------
    offroad_m
        A fix farther than this from every edge is off the network.
    min_offroad_m
        Shorter off-network runs are GPS noise: dropped, not reported.
    obs_noise_m
        Standard deviation of GPS error assumed by the matcher.
    spacing_m
        Fixes closer than this to the previous one are not given to the matcher.
    lattice_width
        Candidates kept per fix by the matcher (speed against robustness).
    """

    offroad_m: float = 120.0
    min_offroad_m: float = 250.0
    obs_noise_m: float = 30.0
    spacing_m: float = 150.0
    lattice_width: int = 4


@dataclass(frozen=True)
class MatchNetwork:
    """A network prepared for matching (build once with :meth:`build`, reuse per trace).

    Attributes
    ----------
    map
        The ``leuvenmapmatching`` in-memory map (metric coordinates, R-tree on segments).
    segments
        ``(label_a, label_b) -> (edge index, offset of the segment start along the edge
        geometry in m, segment length in m)``.
    edges
        One row per edge: ``u``, ``v``, ``key``, ``highway`` (class), ``surface`` (class),
        ``mountain``, ``length_m`` (the network's), ``geom_m`` (geometry length).
    tree
        STRtree of the edges' metric geometries (row order of ``edges``).
    """

    map: Any = field(repr=False)
    segments: dict[tuple[int, int], tuple[int, float, float]] = field(repr=False)
    edges: pd.DataFrame = field(repr=False)
    tree: shapely.STRtree = field(repr=False)
    lines: np.ndarray = field(repr=False, default_factory=lambda: np.array([]))
    kind: str = ""
    metric_crs: str = ""

    @classmethod
    def build(cls, G: nx.MultiDiGraph, *, metric_crs: str | None = None) -> MatchNetwork:
        """Prepare ``G`` (the project's graph form) for matching."""
        from leuvenmapmatching.map.inmem import InMemMap

        crs = metric_crs or str(G.graph.get("metric_crs") or "")
        if not crs:
            raise NetworkError("the network has no metric_crs; build it with "
                               "'postplan network build'")
        to_m = Transformer.from_crs(GEO_CRS, crs, always_xy=True)
        label: dict[Hashable, int] = {n: i for i, n in enumerate(G.nodes)}
        # the R-tree is bulk-loaded once every segment is in (much faster than inserting)
        mmap = InMemMap("postplan", use_latlon=False, use_rtree=False, index_edges=True)
        mmap.distance = _distance
        mmap.distance_point_to_segment = _point_to_segment
        mmap.distance_segment_to_segment = _segment_to_segment
        for n, i in label.items():
            d = G.nodes[n]
            mmap.add_node(i, (float(d["y_m"]), float(d["x_m"])))
        next_label = len(label)
        segments: dict[tuple[int, int], tuple[int, float, float]] = {}
        rows = []
        lines = []
        mountain_net = G.graph.get("terrain") == "mountain"
        edge_list = list(G.edges(keys=True, data=True))
        coords = [None if d.get("geometry") is None else shapely.get_coordinates(d["geometry"])
                  for _, _, _, d in edge_list]
        flat = [c for c in coords if c is not None]
        if flat:
            allc = np.concatenate(flat)
            ax, ay = to_m.transform(allc[:, 0], allc[:, 1])
            split = np.cumsum([len(c) for c in flat])[:-1]
            metric = iter(zip(np.split(np.asarray(ax, dtype=float), split),
                              np.split(np.asarray(ay, dtype=float), split), strict=True))
        for idx, (u, v, k, d) in enumerate(edge_list):
            if coords[idx] is not None:
                xs, ys = next(metric)
                xs, ys = xs.copy(), ys.copy()
                xs[0], ys[0] = G.nodes[u]["x_m"], G.nodes[u]["y_m"]
                xs[-1], ys[-1] = G.nodes[v]["x_m"], G.nodes[v]["y_m"]
            else:
                xs = np.array([G.nodes[u]["x_m"], G.nodes[v]["x_m"]], dtype=float)
                ys = np.array([G.nodes[u]["y_m"], G.nodes[v]["y_m"]], dtype=float)
            labels = [label[u]]
            for x, y in zip(xs[1:-1], ys[1:-1], strict=True):
                mmap.add_node(next_label, (float(y), float(x)))
                labels.append(next_label)
                next_label += 1
            labels.append(label[v])
            seg_len = np.hypot(np.diff(xs), np.diff(ys))
            offsets = np.concatenate([[0.0], np.cumsum(seg_len)[:-1]])
            for a, b, off, ln in zip(labels[:-1], labels[1:], offsets, seg_len, strict=True):
                if a == b or (a, b) in segments:
                    continue
                mmap.add_edge(a, b)
                segments[(a, b)] = (idx, float(off), float(ln))
            rows.append({"u": u, "v": v, "key": k,
                         "highway": highway_class(d.get("highway")),
                         "surface": surface_class(d.get("surface")),
                         "mountain": bool(d.get("mountain", mountain_net)),
                         "length_m": float(d["length_m"]),
                         "geom_m": float(seg_len.sum())})
            lines.append(LineString(np.column_stack([xs, ys])))
        mmap.use_rtree = True
        mmap.setup_index(force=True)
        edges = pd.DataFrame(rows)
        return cls(map=mmap, segments=segments, edges=edges, tree=shapely.STRtree(lines),
                   lines=np.asarray(lines, dtype=object),
                   kind=str(G.graph.get("kind", "")), metric_crs=crs)

    def distance_m(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from each point to the nearest edge (m)."""
        if len(x) == 0:
            return np.zeros(0)
        pts = shapely.points(np.column_stack([x, y]))
        _, dist = self.tree.query_nearest(pts, return_distance=True, all_matches=False)
        return np.asarray(dist, dtype=float)


@dataclass(frozen=True)
class TraceMatch:
    """What matching one cleaned trace found."""

    trace_id: str
    traversals: pd.DataFrame = field(repr=False)
    offroad: pd.DataFrame = field(repr=False)
    matched_m: float = 0.0
    offroad_m: float = 0.0
    runs: int = 0
    restarts: int = 0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` ranges where ``mask`` is True."""
    out = []
    start = None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(mask)))
    return out


def _thin(x: np.ndarray, y: np.ndarray, spacing: float) -> np.ndarray:
    keep = [0]
    for i in range(1, len(x)):
        j = keep[-1]
        if (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 >= spacing ** 2:
            keep.append(i)
    if keep[-1] != len(x) - 1:
        keep.append(len(x) - 1)
    return np.asarray(keep, dtype=int)


def _match_run(net: MatchNetwork, x: np.ndarray, y: np.ndarray, t: np.ndarray,
               params: MatchParams) -> tuple[list[tuple[list[int], np.ndarray, np.ndarray]],
                                             int]:
    """Match one run; return (route edges, fix distance along route, fix times) parts."""
    from leuvenmapmatching.matcher.distance import DistanceMatcher

    parts = []
    restarts = 0
    start = 0
    n = len(x)
    while n - start >= 2:
        path = [(float(y[i]), float(x[i])) for i in range(start, n)]
        matcher = DistanceMatcher(
            net.map, max_dist=params.offroad_m, max_dist_init=params.offroad_m,
            obs_noise=params.obs_noise_m, obs_noise_ne=params.obs_noise_m * 2,
            dist_noise=params.obs_noise_m, non_emitting_states=True,
            max_lattice_width=params.lattice_width)
        _, last = matcher.match(path)
        best = matcher.lattice_best or []
        part = _route_from_lattice(net, best, start, t)
        if part is not None:
            parts.append(part)
        matched_to = start + max(int(last), 0)
        if matched_to >= n - 1:
            break
        restarts += 1
        start = max(matched_to + 1, start + 1)
    return parts, restarts


def _route_from_lattice(net: MatchNetwork, best: list[Any], offset: int, t: np.ndarray
                        ) -> tuple[list[int], np.ndarray, np.ndarray] | None:
    route: list[int] = []
    starts: list[float] = []  # distance along the route at each route edge's start
    total = 0.0
    fix_cum: list[float] = []
    fix_t: list[float] = []
    edges = net.edges
    scale = (edges["length_m"] / edges["geom_m"].where(edges["geom_m"] > 0, 1.0)).to_numpy()
    e_u = edges["u"].to_numpy()
    e_v = edges["v"].to_numpy()
    e_len = edges["length_m"].to_numpy(float)
    for m in best:
        seg = net.segments.get((m.edge_m.l1, m.edge_m.l2))
        if seg is None:
            continue
        e, off, ln = seg
        if not route or route[-1] != e:
            if route:
                prev = route[-1]
                if e_v[prev] != e_u[e]:
                    break  # not connected: keep what is consistent
                total += float(e_len[prev])
            route.append(e)
            starts.append(total)
        if m.is_emitting():
            ti = float(m.edge_m.ti or 0.0)
            fix_cum.append(total + (off + ti * ln) * scale[e])
            fix_t.append(float(t[offset + m.obs]))
    if len(route) == 0 or len(fix_cum) < 2:
        return None
    cum = np.maximum.accumulate(np.asarray(fix_cum))
    return route, np.asarray([*starts, total + float(e_len[route[-1]])]), \
        np.column_stack([cum, np.asarray(fix_t)])


def _dense_fixes(net: MatchNetwork, route: list[int], bounds: np.ndarray, fixes: np.ndarray,
                 piece: Piece, *, window_m: float) -> np.ndarray:
    """Place every fix of ``piece`` along the matched route; ``(distance, time)`` rows.

    The matcher sees fixes ``window_m`` apart; timing an edge's ends by interpolating
    between those assumes one speed across a whole gap and moves time from a slow edge to
    its faster neighbours (−4 % on 300–800 m unpaved edges in the simulated benchmark).
    Each fix between the first and last matched one is projected onto the route near
    (within ``window_m`` of) where the matched fixes put it, and the positions are made
    non-decreasing in time by isotonic regression (noise averages out instead of being
    pushed forward as a running maximum would).
    """
    from scipy.optimize import isotonic_regression

    cum, ft = fixes[:, 0], fixes[:, 1]
    inside = (piece.t >= ft[0]) & (piece.t <= ft[-1])
    if inside.sum() <= len(cum):
        return fixes
    t = piece.t[inside]
    pts = np.asarray(shapely.points(np.column_stack([piece.x[inside], piece.y[inside]])))
    guess = np.interp(t, ft, cum)
    best = np.full(len(t), np.inf)
    along = guess.copy()
    geom_m = net.edges["geom_m"].to_numpy(float)
    length_m = net.edges["length_m"].to_numpy(float)
    for r, e in enumerate(route):
        near = (guess + window_m >= bounds[r]) & (guess - window_m <= bounds[r + 1])
        if not near.any():
            continue
        line = net.lines[e]
        scale = length_m[e] / geom_m[e] if geom_m[e] > 0 else 1.0
        pos = bounds[r] + np.asarray(shapely.line_locate_point(line, pts[near])) * scale
        dist = np.asarray(shapely.distance(line, pts[near]))
        idx = np.flatnonzero(near)
        pos = np.clip(pos, guess[idx] - window_m, guess[idx] + window_m)
        better = dist < best[idx]
        best[idx[better]] = dist[better]
        along[idx[better]] = pos[better]
    fitted = isotonic_regression(along).x
    return np.column_stack([fitted, t])


def _traversals(net: MatchNetwork, trace_id: str, vehicle: str,
                route: list[int], bounds: np.ndarray, fixes: np.ndarray, piece: Piece,
                *, window_m: float = 150.0) -> list[dict[str, Any]]:
    if len(net.lines):
        fixes = _dense_fixes(net, route, bounds, fixes, piece, window_m=window_m)
    cum, ft = _strictly_increasing(fixes[:, 0], fixes[:, 1])
    rows = []
    for r, e in enumerate(route):
        a, b = bounds[r], bounds[r + 1]
        if a < cum[0] or b > cum[-1] or b <= a:
            continue
        t0 = float(np.interp(a, cum, ft))
        t1 = float(np.interp(b, cum, ft))
        if t1 <= t0:
            continue
        edge = net.edges.iloc[e]
        inside = (piece.t >= t0) & (piece.t <= t1)
        fit = math.nan
        if inside.any() and len(net.lines):
            pts = shapely.points(np.column_stack([piece.x[inside], piece.y[inside]]))
            fit = float(np.median(shapely.distance(net.lines[e], pts)))
        rows.append({"trace_id": trace_id, "u": edge["u"], "v": edge["v"],
                     "key": edge["key"], "highway": edge["highway"],
                     "surface": edge["surface"], "mountain": bool(edge["mountain"]),
                     "length_m": float(edge["length_m"]), "entered_at": t0,
                     "exited_at": t1, "travel_time_s": t1 - t0,
                     "speed_kph": float(edge["length_m"]) / (t1 - t0) * 3.6,
                     "vehicle": vehicle, "fit_m": fit, "fixes": int(inside.sum())})
    return rows


def _strictly_increasing(cum: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs of equal positions (one position, their mean time) for interpolation."""
    if len(cum) < 2:
        return cum, t
    keys, inv = np.unique(cum, return_inverse=True)
    if len(keys) == len(cum):
        return cum, t
    times = np.bincount(inv, weights=t) / np.bincount(inv)
    return keys, times


def match_trace(net: MatchNetwork, clean: CleanTrace, *, params: MatchParams | None = None
                ) -> TraceMatch:
    """Match one cleaned trace to the network.

    Parameters
    ----------
    net
        The network prepared with :meth:`MatchNetwork.build`.
    clean
        The trace after :func:`geo.field.clean.clean_trace`.
    params
        Thresholds; the defaults suit phone GPS (errors up to ~30 m) on rural roads.

    Returns
    -------
    TraceMatch
        ``traversals`` (:data:`data.observations.TRAVERSAL_COLUMNS`) and ``offroad``
        (:data:`data.observations.OFFROAD_COLUMNS`) tables.
    """
    p = params or MatchParams()
    trace = clean.trace
    rows: list[dict[str, Any]] = []
    off_rows: list[dict[str, Any]] = []
    matched_m = offroad_m = 0.0
    runs = restarts = 0
    stretch_no = 0
    for piece in clean.pieces:
        dist = net.distance_m(piece.x, piece.y)
        far = dist > p.offroad_m
        near = np.ones(len(piece), dtype=bool)
        cuts = []
        for a, b in _runs(far):
            seg_len = float(np.hypot(np.diff(piece.x[a:b]), np.diff(piece.y[a:b])).sum())
            near[a:b] = False
            if seg_len + _edge_gap(piece, a, b) < p.min_offroad_m:
                continue  # GPS noise: drop the fixes, keep matching across
            cuts.append((a, b))
            stretch_no += 1
            offroad_m += seg_len
            lo, hi = max(a - 1, 0), min(b + 1, len(piece))
            for s, i in enumerate(range(lo, hi)):
                off_rows.append({"stretch_id": f"{trace.trace_id}/{stretch_no}",
                                 "trace_id": trace.trace_id, "seq": s,
                                 "lon": float(piece.lon[i]), "lat": float(piece.lat[i]),
                                 "time_s": float(piece.t[i]),
                                 "attach": bool(i < a or i >= b),
                                 "vehicle": trace.vehicle})
        bounds = [0, *[c for ab in cuts for c in ab], len(piece)]
        for a, b in zip(bounds[0::2], bounds[1::2], strict=True):
            idx = np.flatnonzero(near[a:b]) + a
            if len(idx) < 2:
                continue
            sub = idx[_thin(piece.x[idx], piece.y[idx], p.spacing_m)]
            runs += 1
            parts, rs = _match_run(net, piece.x[sub], piece.y[sub], piece.t[sub], p)
            restarts += rs
            for route, edge_bounds, fixes in parts:
                matched_m += float(fixes[-1, 0] - fixes[0, 0])
                rows.extend(_traversals(net, trace.trace_id, trace.vehicle, route,
                                        edge_bounds, fixes, piece, window_m=p.spacing_m))
    trav = pd.DataFrame(rows, columns=[c for c in TRAVERSAL_COLUMNS
                                       if c not in ("date", "time_of_day_s")])
    dates, tod = local_date_time(trav["entered_at"].to_numpy(float)) if len(trav) else (
        np.array([], dtype=object), np.array([], dtype=float))
    trav["date"] = dates
    trav["time_of_day_s"] = tod
    trav = trav[list(TRAVERSAL_COLUMNS)]
    return TraceMatch(trace_id=trace.trace_id, traversals=trav,
                      offroad=pd.DataFrame(off_rows, columns=[*OFFROAD_COLUMNS, "vehicle"]),
                      matched_m=matched_m, offroad_m=offroad_m, runs=runs,
                      restarts=restarts)


def _edge_gap(piece: Piece, a: int, b: int) -> float:
    """Length from the last near fix before a run to its first fix, and after it."""
    extra = 0.0
    if a > 0:
        extra += float(np.hypot(piece.x[a] - piece.x[a - 1], piece.y[a] - piece.y[a - 1]))
    if b < len(piece):
        extra += float(np.hypot(piece.x[b] - piece.x[b - 1], piece.y[b] - piece.y[b - 1]))
    return extra


__all__ = ["MatchNetwork", "MatchParams", "TraceMatch", "match_trace"]
