"""Missing roads: stretches of trace that no edge explains, repeated by several traces.

Rule
----
1. An *off-network stretch* (:mod:`geo.field.match`) is a run of fixes farther than
   ``offroad_m`` from every edge, at least ``min_offroad_m`` long, bracketed by the last
   and first fixes near the network.
2. Each end joins the network at the node nearest its bracketing fix (the distance is kept
   as ``u_join_m``/``v_join_m``; more than ``join_m`` is flagged for a mapper to check).
   A stretch that leaves and rejoins at the same node is an out-and-back (a track to a
   village): it is cut at its farthest fix, which becomes a dead end.
3. Stretches with the same two ends whose lines lie within ``cluster_m`` of each other
   (Hausdorff distance) are one road; it is proposed when at least ``min_traces`` different
   traces rode it.
4. Its line is the median of the passes (each resampled along its length), simplified
   by ``simplify_m``; its observed speed is the total distance ridden on it over the total
   time (``source="trace"``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from data.observations import local_date_time
from data.settings import GEO_CRS
from geo.profiles import Profile

#: Columns of a road proposal table (plus ``geometry``).
ROAD_COLUMNS = ("road_id", "u", "v", "u_join_m", "v_join_m", "dead_end", "length_m",
                "observed_speed_kph", "n_traces", "n_passes", "first_seen", "last_seen",
                "source", "status", "provenance", "vehicle", "note")


@dataclass(frozen=True)
class RoadParams:
    """Thresholds of :func:`propose_roads`.

    Parameters
    ----------
    min_traces
        Different traces that must ride a stretch before it is proposed.
    cluster_m
        Largest Hausdorff distance between two passes of one road.
    join_m
        A road end farther than this from its junction node is flagged.
    simplify_m
        Tolerance of the line simplification.
    resample_m
        Spacing of the points the median line is built from.
    """

    min_traces: int = 3
    cluster_m: float = 250.0
    join_m: float = 400.0
    simplify_m: float = 15.0
    resample_m: float = 25.0


@dataclass(frozen=True)
class _Pass:
    stretch_id: str
    trace_id: str
    line: np.ndarray  # metric, from end a to end b
    a: tuple[str, Any]
    b: tuple[str, Any]
    duration_s: float
    t0: float
    provenance: str
    vehicle: str
    fixes: np.ndarray  # the first and last fix of the pass (metric), timed by duration_s


@dataclass(frozen=True)
class RoadProposal:
    """Proposed roads (never added to the network by themselves).

    ``roads`` is a GeoDataFrame (EPSG:4326) with :data:`ROAD_COLUMNS`.
    """

    roads: gpd.GeoDataFrame = field(repr=False)
    params: RoadParams = RoadParams()
    stretches: int = 0

    def summary(self) -> str:
        """One line per proposed road."""
        sim = "SIMULATED — " if (self.roads["provenance"] == "simulated").any() else ""
        lines = [f"{sim}{len(self.roads)} proposed road(s), "
                 f"{self.roads['length_m'].sum() / 1000:.1f} km, from {self.stretches} "
                 f"off-network stretch(es) (≥ {self.params.min_traces} traces each)"]
        for r in self.roads.itertuples():
            lines.append(f"  {r.road_id}: {r.length_m / 1000:.2f} km, {r.observed_speed_kph:.1f}"
                         f" km/h observed, {r.n_traces} traces, {r.u} → {r.v}")
        return "\n".join(lines)


def _resample(line: np.ndarray, n: int) -> np.ndarray:
    seg = np.hypot(np.diff(line[:, 0]), np.diff(line[:, 1]))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if cum[-1] <= 0:
        return np.repeat(line[:1], n, axis=0)
    at = np.linspace(0.0, cum[-1], n)
    return np.column_stack([np.interp(at, cum, line[:, 0]), np.interp(at, cum, line[:, 1])])


def _passes(offroad: pd.DataFrame, G: nx.MultiDiGraph, to_m: Transformer, node_ids: list[Any],
            tree: cKDTree, p: RoadParams) -> list[_Pass]:
    out: list[_Pass] = []
    frame = offroad.sort_values(["stretch_id", "seq"])
    for sid, g in frame.groupby("stretch_id", sort=True):
        x, y = to_m.transform(g["lon"].to_numpy(float), g["lat"].to_numpy(float))
        xy = np.column_stack([x, y])
        attach = g["attach"].astype(bool).to_numpy()
        t = g["time_s"].to_numpy(float)
        prov = str(g["provenance"].iloc[0]) if "provenance" in g else "observed"
        vehicle = str(g["vehicle"].iloc[0]) if "vehicle" in g else "motorbike"
        trace_id = str(g["trace_id"].iloc[0])

        a, b = (_end(xy[i], bool(attach[i]), tree, node_ids) for i in (0, len(xy) - 1))
        if a == b and a[0] == "node":
            # out and back: cut at the farthest fix; both halves end there
            nx_, ny_ = G.nodes[a[1]]["x_m"], G.nodes[a[1]]["y_m"]
            k = int(np.argmax(np.hypot(xy[:, 0] - nx_, xy[:, 1] - ny_)))
            far = ("free", (float(xy[k, 0]), float(xy[k, 1])))
            out.append(_Pass(str(sid), trace_id, _with_ends(G, xy[:k + 1], a, far), a, far,
                             t[k] - t[0], t[0], prov, vehicle, xy[[0, k]]))
            out.append(_Pass(f"{sid}b", trace_id, _with_ends(G, xy[k:][::-1], a, far), a,
                             far, t[-1] - t[k], t[k], prov, vehicle, xy[[-1, k]]))
            continue
        out.append(_Pass(str(sid), trace_id, _with_ends(G, xy, a, b), a, b, t[-1] - t[0],
                         t[0], prov, vehicle, xy[[0, -1]]))
    return out


def _end(xy: np.ndarray, attach: bool, tree: cKDTree, node_ids: list[Any]) -> tuple[str, Any]:
    """Return a stretch end: the nearest node when a near fix brackets it, else free."""
    if attach:
        return ("node", node_ids[int(tree.query(xy)[1])])
    return ("free", (float(xy[0]), float(xy[1])))


def _with_ends(G: nx.MultiDiGraph, xy: np.ndarray, a: tuple[str, Any], b: tuple[str, Any]
               ) -> np.ndarray:
    def point(e: tuple[str, Any]) -> np.ndarray:
        if e[0] == "node":
            return np.array([[G.nodes[e[1]]["x_m"], G.nodes[e[1]]["y_m"]]])
        return np.array([e[1]])
    return np.vstack([point(a), xy[1:-1] if len(xy) > 2 else xy, point(b)])


def _same_ends(p: _Pass, q: _Pass, tol: float) -> bool | None:
    """Tell the direction: True (same), False (reversed) or None when the ends differ."""
    def close(e: tuple[str, Any], f: tuple[str, Any]) -> bool:
        if e[0] != f[0]:
            return False
        if e[0] == "node":
            return bool(e[1] == f[1])
        return bool(np.hypot(e[1][0] - f[1][0], e[1][1] - f[1][1]) <= tol)
    if close(p.a, q.a) and close(p.b, q.b):
        return True
    if close(p.a, q.b) and close(p.b, q.a):
        return False
    return None


def propose_roads(offroad: pd.DataFrame, G: nx.MultiDiGraph, *, params: RoadParams | None = None
                  ) -> RoadProposal:
    """Turn off-network stretches into proposed roads (see the module docstring).

    Parameters
    ----------
    offroad
        :data:`data.observations.OFFROAD_COLUMNS` rows (``provenance``/``vehicle`` columns
        are kept when present).
    G
        The current network (project graph form, nodes with ``x_m``/``y_m``).
    params
        Thresholds.
    """
    p = params or RoadParams()
    crs = str(G.graph["metric_crs"])
    to_m = Transformer.from_crs(GEO_CRS, crs, always_xy=True)
    to_ll = Transformer.from_crs(crs, GEO_CRS, always_xy=True)
    node_ids = list(G.nodes)
    tree = cKDTree(np.array([[G.nodes[n]["x_m"], G.nodes[n]["y_m"]] for n in node_ids]))
    passes = _passes(offroad, G, to_m, node_ids, tree, p) if len(offroad) else []
    # cluster: same ends, lines within cluster_m
    parent = list(range(len(passes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    lines = [LineString(q.line) for q in passes]
    for i in range(len(passes)):
        for j in range(i + 1, len(passes)):
            if _same_ends(passes[i], passes[j], p.cluster_m) is None:
                continue
            if shapely.hausdorff_distance(lines[i], lines[j]) <= p.cluster_m:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(passes)):
        groups.setdefault(find(i), []).append(i)
    rows, geoms = [], []
    for members in groups.values():
        traces = {passes[i].trace_id for i in members}
        if len(traces) < p.min_traces:
            continue
        ref = passes[members[0]]
        oriented = [passes[i].line if _same_ends(ref, passes[i], p.cluster_m) else
                    passes[i].line[::-1] for i in members]
        length = float(np.median([np.hypot(*np.diff(o, axis=0).T).sum() for o in oriented]))
        n = max(int(length / p.resample_m) + 1, 5)
        centre = np.median(np.stack([_resample(o, n) for o in oriented]), axis=0)
        centre[0], centre[-1] = oriented[0][0], oriented[0][-1]
        line = shapely.simplify(LineString(centre), p.simplify_m)
        length_m = float(line.length)
        dur = np.array([passes[i].duration_s for i in members])
        # distance ridden per pass: the stretch between its bracketing fixes, on the line
        covered = []
        for i in members:
            ends = shapely.points(passes[i].fixes)
            covered.append(abs(float(np.diff(shapely.line_locate_point(line, ends))[0])))
        speed = float(np.sum(covered) / dur.sum() * 3.6) if dur.sum() > 0 else float("nan")
        u = _node_label(ref.a, "a")
        v = _node_label(ref.b, "b")
        road_id = "trace-" + hashlib.sha256(
            np.round(centre[[0, -1]], -1).tobytes()).hexdigest()[:10]
        if u.startswith("new:"):
            u = f"{road_id}:a"
        if v.startswith("new:"):
            v = f"{road_id}:b"
        join = [_join_m(G, e, oriented[0][k]) for e, k in ((ref.a, 0), (ref.b, -1))]
        dates = local_date_time(np.array([passes[i].t0 for i in members]))[0]
        prov = sorted({passes[i].provenance for i in members})
        flags = [] if max(join) <= p.join_m else [
            f"đầu đường cách nút giao {max(join):.0f} m, cần kiểm tra / an end is "
            f"{max(join):.0f} m from its junction, check it"]
        lon, lat = to_ll.transform(*np.asarray(line.coords).T)
        geoms.append(LineString(np.column_stack([lon, lat])))
        rows.append({"road_id": road_id, "u": u, "v": v, "u_join_m": join[0],
                     "v_join_m": join[1], "dead_end": ref.b[0] == "free" or ref.a[0] == "free",
                     "length_m": length_m, "observed_speed_kph": speed,
                     "n_traces": len(traces), "n_passes": len(members),
                     "first_seen": str(min(dates)), "last_seen": str(max(dates)),
                     "source": "trace", "status": "proposed",
                     "provenance": "+".join(prov), "vehicle": ref.vehicle,
                     "note": "; ".join(flags)})
    roads = gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(ROAD_COLUMNS)),
                             geometry=gpd.GeoSeries(geoms, crs=GEO_CRS), crs=GEO_CRS)
    roads = roads.sort_values("length_m", ascending=False).reset_index(drop=True)
    return RoadProposal(roads=roads, params=p, stretches=len(passes))


def _node_label(end: tuple[str, Any], which: str) -> str:
    return str(end[1]) if end[0] == "node" else f"new:{which}"


def _join_m(G: nx.MultiDiGraph, end: tuple[str, Any], first: np.ndarray) -> float:
    if end[0] != "node":
        return 0.0
    return float(np.hypot(G.nodes[end[1]]["x_m"] - first[0], G.nodes[end[1]]["y_m"] - first[1]))


def add_trace_roads(G: nx.MultiDiGraph, roads: gpd.GeoDataFrame, *,
                    profile: Profile | None = None) -> nx.MultiDiGraph:
    """Return a copy of ``G`` with accepted roads as two-way edges (``source="trace"``).

    Each road joins its ``u``/``v`` nodes (a dead end gets a new node). Edges are class
    ``track``, surface ``unknown``, carry ``observed_speed_kph`` and ``observed_vehicle``
    (the profile of that vehicle rides them at the observed speed, others at the table
    speed of a track; :func:`geo.profiles.edge_speed_kph`) and the road's geometry.

    Parameters
    ----------
    G
        The network (project graph form).
    roads
        Accepted roads (:data:`ROAD_COLUMNS` + geometry, EPSG:4326).
    profile
        The profile timing ``G`` (default: ``G.graph["profile"]`` with the default table).
    """
    from geo.graph import add_metric_coordinates
    from geo.profiles import edge_speed_kph, get_profile

    prof = profile or get_profile(str(G.graph.get("profile") or "motorbike"))
    mountain_net = G.graph.get("terrain") == "mountain"
    H = G.copy()
    new_nodes = []
    index: dict[str, Hashable] = {str(n): n for n in H.nodes}
    for r in roads.itertuples():
        coords = list(r.geometry.coords)
        ends = []
        for label, xy in ((str(r.u), coords[0]), (str(r.v), coords[-1])):
            if label not in index:
                H.add_node(label, x=float(xy[0]), y=float(xy[1]))
                index[label] = label
                new_nodes.append(label)
            ends.append(index[label])
        line = LineString(coords)
        attrs: dict[str, Any] = {
            "length_m": float(r.length_m), "highway": "track", "surface": "unknown",
            "oneway": False, "source": "trace", "road_id": str(r.road_id),
            "observed_speed_kph": float(r.observed_speed_kph),
            "observed_vehicle": str(getattr(r, "vehicle", "motorbike"))}
        kph = edge_speed_kph(prof, attrs, mountain_net=mountain_net)
        if kph <= 0:
            continue
        attrs.update(speed_kph=kph, travel_time_s=float(r.length_m) / (kph / 3.6))
        H.add_edge(ends[0], ends[1], geometry=line, **attrs)
        H.add_edge(ends[1], ends[0], geometry=line.reverse(), **attrs)
    if new_nodes:
        add_metric_coordinates(H, str(H.graph["metric_crs"]))
    return H


__all__ = ["ROAD_COLUMNS", "RoadParams", "RoadProposal", "add_trace_roads", "propose_roads"]
