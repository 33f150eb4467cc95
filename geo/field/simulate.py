"""A hidden truth to test field learning against — everything here is SIMULATED.

No real courier traces exist for Kon Tum, so the benchmark (``benchmarks/field.py``) and the
end-to-end test build a world whose answers are known:

* a **true network** made from a given network (the proxy network in the benchmark): every
  edge's length is its geometry's length, road classes may be assigned to its links (so
  that several classes can be tested), and a set of links is **removed from what the
  planner sees** (the missing roads);
* **true speeds** per class and surface = the speed table × a known factor (× the
  network's mountain factor), each ride of an edge varying around it (log-normal, mean 1);
* **couriers** riding the true network from their office through a day's stops (fastest
  true paths), standing still at each stop, with **GPS noise** of 10–30 m (each trace draws
  an RMS horizontal error in that range; errors are correlated in time, AR(1) with a 20 s
  time constant), fixes every 1–5 s, a few wild jumps and repeated time stamps;
* **stop reports** at each stop (the phone's position, ±10 m, and the time it was marked
  done).

Traces come out as GPX files (read back through the real importer) and are labelled
``simulated`` everywhere.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString

from data.observations import STOP_REPORT_COLUMNS
from data.settings import GEO_CRS
from geo.profiles import apply_profile, get_profile

#: Classes given to the proxy links in the benchmark world (class, surface, share).
CLASS_MIX: tuple[tuple[str, str, float], ...] = (
    ("tertiary", "paved", 0.25), ("unclassified", "paved", 0.25),
    ("unclassified", "unpaved", 0.3), ("track", "unpaved", 0.2))
#: True speed / table speed per (class, surface) — the answer the estimate must find.
TRUE_FACTORS: Mapping[tuple[str, str], float] = {
    ("trunk", "paved"): 0.85, ("tertiary", "paved"): 1.10, ("unclassified", "paved"): 0.90,
    ("unclassified", "unpaved"): 0.70, ("track", "unpaved"): 0.60,
    ("proxy_link", "unknown"): 0.75}


@dataclass(frozen=True)
class TruthWorld:
    """The simulated world: the true network and what the planner sees.

    Attributes
    ----------
    truth
        Every road, ``true_kph`` on each edge (mean speed of a ride).
    planner
        The same minus the missing roads, timed with the default table.
    missing
        The removed roads, one row per road (``u``, ``v``, ``length_m``, geometry in
        EPSG:4326).
    factors
        True speed / table speed per (class, surface).
    """

    truth: nx.MultiDiGraph = field(repr=False)
    planner: nx.MultiDiGraph = field(repr=False)
    missing: pd.DataFrame = field(repr=False)
    factors: Mapping[tuple[str, str], float]


def _metric_length(G: nx.MultiDiGraph, to_m: Transformer, u: Any, v: Any, d: Mapping[str, Any]
                   ) -> float:
    geom = d.get("geometry")
    coords = (np.asarray(geom.coords) if geom is not None else
              np.array([[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]]))
    x, y = to_m.transform(coords[:, 0], coords[:, 1])
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def _drop_ambiguous(G: nx.MultiDiGraph, to_m: Transformer, *, overlap_m: float) -> None:
    """Remove (in place) non-highway links that run along another road.

    A link is left out when most of its inside (its middle, for a link shorter than
    3 × ``overlap_m``) lies within ``overlap_m`` of another road; only the largest
    strongly connected part is kept afterwards.
    """
    if overlap_m <= 0:
        return
    keys = []
    lines = []
    for u, v, k, d in G.edges(keys=True, data=True):
        keys.append((u, v, k))
        lines.append(LineString(_edge_line(G, u, v, d, to_m)))
    tree = shapely.STRtree(lines)
    drop = []
    for i, (u, v, k) in enumerate(keys):
        if G.edges[u, v, k].get("source") == "national_road":
            continue
        line = lines[i]
        if line.length < 3 * overlap_m:  # a short link: its middle decides
            at = np.array([line.length / 2])
        else:
            at = np.arange(overlap_m * 1.5, line.length - overlap_m * 1.5, 50.0)
        pts = shapely.line_interpolate_point(line, at)
        near = []
        for p in pts:
            cands = tree.query(p, predicate="dwithin", distance=overlap_m)
            others = [j for j in cands if {keys[j][0], keys[j][1]} != {u, v}]
            near.append(bool(others))
        if near and np.median(near) >= 0.5:
            drop.append((u, v, k))
    G.remove_edges_from(drop)
    keep = max(nx.strongly_connected_components(G), key=len)
    G.remove_nodes_from([n for n in list(G.nodes) if n not in keep])


def build_world(G: nx.MultiDiGraph, *, seed: int = 0, n_missing: int = 30,
                near: Sequence[Any] = (), near_m: float = 15_000.0,
                min_missing_m: float = 800.0, assign_classes: bool = True,
                factors: Mapping[tuple[str, str], float] | None = None,
                overlap_m: float = 100.0, remove: Sequence[tuple[Any, Any]] = ()
                ) -> TruthWorld:
    """Make the hidden truth from ``G`` (project graph form).

    Parameters
    ----------
    G
        The network the world is made from.
    seed
        Random seed.
    n_missing
        Roads (two-way links) removed from the planner's network.
    near
        Nodes (offices) the removed roads should lie within ``near_m`` of (so couriers
        ride them); empty = anywhere.
    min_missing_m
        Shortest road that may be removed.
    assign_classes
        Give ``proxy`` links a class and surface from :data:`CLASS_MIX`.
    factors
        True / table speed per (class, surface); default :data:`TRUE_FACTORS`.
    overlap_m
        Links running (median of their inside points) within this distance of another
        road are left out of the world: no GPS could tell which of the two was ridden, and
        real road networks rarely have such pairs (the proxy network's grid diagonals and
        straight links along the highways do). 0 keeps every link.
    remove
        Remove these two-way roads ``(u, v)`` (in this order, up to ``n_missing``, skipping
        any whose removal would disconnect the network) instead of drawing them.
    """
    rng = np.random.default_rng(seed)
    fac = dict(factors or TRUE_FACTORS)
    to_m = Transformer.from_crs(GEO_CRS, str(G.graph["metric_crs"]), always_xy=True)
    raw = G.copy()
    pairs: dict[frozenset[Any], tuple[str, str]] = {}
    for u, v, _k, d in raw.edges(keys=True, data=True):
        d["length_m"] = _metric_length(raw, to_m, u, v, d)
        if assign_classes and d.get("source") == "proxy":
            key = frozenset((u, v))
            if key not in pairs:
                i = rng.choice(len(CLASS_MIX), p=[c[2] for c in CLASS_MIX])
                pairs[key] = (CLASS_MIX[i][0], CLASS_MIX[i][1])
            d["highway"], d["surface"] = pairs[key]
    _drop_ambiguous(raw, to_m, overlap_m=overlap_m)
    profile = str(G.graph.get("profile") or "motorbike")
    truth = apply_profile(raw, profile)
    for _u, _v, _k, d in truth.edges(keys=True, data=True):
        f = fac.get((str(d["highway"]), str(d["surface"])), 1.0)
        d["true_kph"] = float(d["speed_kph"]) * f
        d["true_time_s"] = float(d["length_m"]) / (d["true_kph"] / 3.6)
    # missing roads: two-way proxy links near the offices whose removal keeps the rest
    # strongly connected
    xy = {n: (truth.nodes[n]["x_m"], truth.nodes[n]["y_m"]) for n in truth.nodes}
    near = [n for n in near if n in xy]
    centres = np.array([xy[n] for n in near]) if len(near) else None
    cands = []
    for u, v, d in truth.edges(data=True):
        if (d.get("source") not in ("proxy", None) and assign_classes) or str(u) >= str(v):
            continue
        if not truth.has_edge(v, u) or float(d["length_m"]) < min_missing_m:
            continue
        if centres is not None:
            mid = np.mean([xy[u], xy[v]], axis=0)
            if np.min(np.hypot(*(centres - mid).T)) > near_m:
                continue
        cands.append((u, v))
    rng.shuffle(cands)
    if remove:
        cands = [(r[0], r[1]) for r in remove]
        n_missing = min(n_missing, len(cands))
    planner = truth.copy()
    removed: list[dict[str, Any]] = []
    for u, v in cands:
        if len(removed) >= n_missing:
            break
        if not remove and (planner.degree(u) <= 4 or planner.degree(v) <= 4):
            continue  # keep every place reachable by another road
        data = dict(next(iter(planner[u][v].values())))
        keys_uv, keys_vu = list(planner[u][v]), list(planner[v][u])
        for k in keys_uv:
            planner.remove_edge(u, v, k)
        for k in keys_vu:
            planner.remove_edge(v, u, k)
        if nx.is_strongly_connected(planner):
            geom = data.get("geometry") or LineString(
                [[truth.nodes[u]["x"], truth.nodes[u]["y"]], [truth.nodes[v]["x"],
                                                              truth.nodes[v]["y"]]])
            removed.append({"u": u, "v": v, "length_m": float(data["length_m"]),
                            "highway": data["highway"], "surface": data["surface"],
                            "geometry": geom})
        else:
            for k in keys_uv:
                planner.add_edge(u, v, k, **truth[u][v][k])
            for k in keys_vu:
                planner.add_edge(v, u, k, **truth[v][u][k])
    for _u, _v, _k, d in planner.edges(keys=True, data=True):
        d.pop("true_kph", None)
        d.pop("true_time_s", None)
    planner.graph["kind"] = str(G.graph.get("kind", "proxy"))
    planner.graph["simulated_world"] = True
    truth.graph["simulated_world"] = True
    return TruthWorld(truth=truth, planner=planner,
                      missing=pd.DataFrame(removed, columns=["u", "v", "length_m", "highway",
                                                             "surface", "geometry"]),
                      factors=fac)


@dataclass(frozen=True)
class Ride:
    """One simulated courier-day: the true path ridden, the GPX, stops and reports."""

    trace_id: str
    gpx: bytes = field(repr=False)
    stops: pd.DataFrame = field(repr=False)
    reports: pd.DataFrame = field(repr=False)
    edges: list[tuple[Any, Any]] = field(repr=False)
    noise_m: float = 0.0
    interval_s: float = 0.0
    #: True ``(entered_at, exited_at)`` of each ridden edge (same order as ``edges``).
    edge_times: list[tuple[float, float]] = field(repr=False, default_factory=list)


def _edge_line(G: nx.MultiDiGraph, u: Any, v: Any, d: Mapping[str, Any], to_m: Transformer
               ) -> np.ndarray:
    geom = d.get("geometry")
    coords = (np.asarray(geom.coords) if geom is not None else
              np.array([[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]]))
    x, y = to_m.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def ride(world: TruthWorld, stops: Sequence[Any], *, start_s: float, rng: np.random.Generator,
         trace_id: str, courier_id: str = "c1", dwell_s: tuple[float, float] = (180, 600),
         noise_m: tuple[float, float] = (10.0, 30.0), interval_s: tuple[int, int] = (1, 5),
         ride_sigma: float = 0.2, glitch_share: float = 0.002, duplicate_share: float = 0.005,
         report_noise_m: float = 10.0) -> Ride:
    """Simulate one courier riding ``stops`` (nodes; the first is the office) and back.

    Returns the GPX text of the trace (times in UTC), the true stops (node, position, arrival
    and departure) and the stop reports the courier's phone would make.
    """
    G = world.truth
    crs = str(G.graph["metric_crs"])
    to_m = Transformer.from_crs(GEO_CRS, crs, always_xy=True)
    to_ll = Transformer.from_crs(crs, GEO_CRS, always_xy=True)
    seq = [*stops, stops[0]]
    pts: list[tuple[float, float, float]] = []  # x, y, t (true positions over time)
    t = start_s
    node0 = seq[0]
    pts.append((G.nodes[node0]["x_m"], G.nodes[node0]["y_m"], t))
    stop_rows, report_rows, ridden = [], [], []
    edge_times: list[tuple[float, float]] = []
    for i, (a, b) in enumerate(itertools.pairwise(seq)):
        path = nx.shortest_path(G, a, b, weight="true_time_s")
        for u, v in itertools.pairwise(path):
            d = min(G[u][v].values(), key=lambda e: e["true_time_s"])
            line = _edge_line(G, u, v, d, to_m)
            dur = float(d["true_time_s"]) * float(rng.lognormal(-ride_sigma ** 2 / 2, ride_sigma))
            seg = np.hypot(*np.diff(line, axis=0).T)
            cum = np.concatenate([[0.0], np.cumsum(seg)]) / max(seg.sum(), 1e-9)
            for f, (x, y) in zip(cum[1:], line[1:], strict=True):
                pts.append((float(x), float(y), t + f * dur))
            edge_times.append((t, t + dur))
            t += dur
            ridden.append((u, v))
        if i < len(seq) - 2:
            dwell = float(rng.uniform(*dwell_s))
            x, y = G.nodes[b]["x_m"], G.nodes[b]["y_m"]
            stop_rows.append({"node": b, "x_m": x, "y_m": y, "arrived_at": t,
                              "left_at": t + dwell})
            rx, ry = np.array([x, y]) + rng.normal(0, report_noise_m / math.sqrt(2), 2)
            lon, lat = to_ll.transform(rx, ry)
            report_rows.append({"courier_id": courier_id, "job_id": f"{trace_id}/{i + 1}",
                                "address_id": f"node-{b}", "status": "done",
                                "time_s": t + dwell, "lon": float(lon), "lat": float(lat),
                                "accuracy_m": report_noise_m, "service_s": dwell})
            t += dwell
            pts.append((x, y, t))
    arr = np.array(pts)
    # sample every dt seconds along the true movement
    dt = int(rng.integers(interval_s[0], interval_s[1] + 1))
    ts = np.arange(arr[0, 2], arr[-1, 2], dt, dtype=float)
    order = np.maximum.accumulate(arr[:, 2])
    x = np.interp(ts, order, arr[:, 0])
    y = np.interp(ts, order, arr[:, 1])
    s = float(rng.uniform(*noise_m))
    rho = math.exp(-dt / 20.0)
    e = np.zeros((len(ts), 2))
    sd = s / math.sqrt(2)
    e[0] = rng.normal(0, sd, 2)
    for k in range(1, len(ts)):
        e[k] = rho * e[k - 1] + math.sqrt(1 - rho ** 2) * rng.normal(0, sd, 2)
    x, y = x + e[:, 0], y + e[:, 1]
    glitch = rng.random(len(ts)) < glitch_share
    x[glitch] += rng.choice([-1, 1], glitch.sum()) * rng.uniform(500, 2000, glitch.sum())
    lon, lat = to_ll.transform(x, y)
    dup = rng.random(len(ts)) < duplicate_share
    times = ts.copy()
    times[1:][dup[1:]] = times[:-1][dup[1:]]
    gpx = _gpx(trace_id, np.asarray(lon), np.asarray(lat), times)
    return Ride(trace_id=trace_id, gpx=gpx, stops=pd.DataFrame(stop_rows),
                reports=pd.DataFrame(report_rows, columns=list(STOP_REPORT_COLUMNS)),
                edges=ridden, noise_m=s, interval_s=dt, edge_times=edge_times)


def _gpx(name: str, lon: np.ndarray, lat: np.ndarray, t: np.ndarray) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="postplan '
             'simulator (SIMULATED)" xmlns="http://www.topografix.com/GPX/1/1">',
             f"<trk><name>{name} (SIMULATED)</name><trkseg>"]
    for a, b, c in zip(lon, lat, t, strict=True):
        when = datetime.fromtimestamp(float(c), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts.append(f'<trkpt lat="{b:.7f}" lon="{a:.7f}"><time>{when}</time></trkpt>')
    parts.append("</trkseg></trk></gpx>")
    return "\n".join(parts).encode()


def courier_days(world: TruthWorld, offices: Sequence[Any], *, days: Sequence[str],
                 stops_per_day: tuple[int, int] = (5, 9), radius_m: float = 12_000.0,
                 addresses_per_office: int = 40, seed: int = 0, start_clock_s: float = 7.5 * 3600,
                 **ride_kw: Any) -> list[Ride]:
    """One courier per office per day, visiting stops from that office's address pool.

    Parameters
    ----------
    world
        The simulated world.
    offices
        Start nodes (one courier each).
    days
        Dates ``yyyy-mm-dd`` (Vietnam time).
    stops_per_day
        Range of stops per courier-day.
    radius_m
        Addresses are nodes within this distance of the office.
    addresses_per_office
        Size of each office's address pool (addresses are visited again on other days).
    seed
        Random seed.
    start_clock_s
        Local time the courier leaves (seconds after midnight).
    """
    rng = np.random.default_rng(seed)
    G = world.truth
    nodes = list(G.nodes)
    xy = np.array([[G.nodes[n]["x_m"], G.nodes[n]["y_m"]] for n in nodes])
    pools = {}
    for o in offices:
        d = np.hypot(*(xy - xy[nodes.index(o)]).T)
        near = [nodes[i] for i in np.flatnonzero((d > 500) & (d <= radius_m))]
        pools[o] = list(rng.choice(near, size=min(addresses_per_office, len(near)),
                                   replace=False))
    rides = []
    for day in days:
        midnight = pd.Timestamp(day, tz="Asia/Ho_Chi_Minh").timestamp()
        for j, o in enumerate(offices):
            k = int(rng.integers(stops_per_day[0], stops_per_day[1] + 1))
            chosen = list(rng.choice(len(pools[o]), size=min(k, len(pools[o])), replace=False))
            stops = [o, *[pools[o][i] for i in chosen]]
            rides.append(ride(world, stops, start_s=midnight + start_clock_s, rng=rng,
                              trace_id=f"sim-{day}-{j}", courier_id=f"courier-{j}", **ride_kw))
    return rides


def true_arrivals(world: TruthWorld, stops: Sequence[Any], dwell_s: Sequence[float], *,
                  rng: np.random.Generator | None = None, ride_sigma: float = 0.2
                  ) -> np.ndarray:
    """Arrival times (s after leaving) at each stop when riding the true network.

    With ``rng`` each edge ride varies as in :func:`ride`; without, mean times.
    """
    G = world.truth
    seq = list(stops)
    t = 0.0
    out = []
    for i, (a, b) in enumerate(itertools.pairwise(seq)):
        path = nx.shortest_path(G, a, b, weight="true_time_s")
        for u, v in itertools.pairwise(path):
            d = min(G[u][v].values(), key=lambda e: e["true_time_s"])
            f = 1.0 if rng is None else float(rng.lognormal(-ride_sigma ** 2 / 2, ride_sigma))
            t += float(d["true_time_s"]) * f
        out.append(t)
        t += float(dwell_s[i])
    return np.array(out)


def predicted_arrivals(G: nx.MultiDiGraph, stops: Sequence[Any], dwell_s: Sequence[float]
                       ) -> np.ndarray:
    """Arrival times a planner predicts on network ``G`` (fastest ``travel_time_s`` paths)."""
    seq = list(stops)
    t = 0.0
    out = []
    for i, (a, b) in enumerate(itertools.pairwise(seq)):
        t += float(nx.shortest_path_length(G, a, b, weight="travel_time_s"))
        out.append(t)
        t += float(dwell_s[i])
    return np.array(out)


def world_profile_table(world: TruthWorld) -> pd.DataFrame:
    """Return the true motorbike speeds in table units (table × factor) per class/surface."""
    prof = get_profile(str(world.truth.graph.get("profile") or "motorbike"))
    rows = []
    for (hw, sf), f in world.factors.items():
        kph = prof.speeds_kph.get((hw, sf))
        if kph is not None:
            rows.append({"highway": hw, "surface": sf, "table_kph": kph, "factor": f,
                         "true_kph": kph * f})
    return pd.DataFrame(rows)


__all__ = [
    "CLASS_MIX",
    "TRUE_FACTORS",
    "Ride",
    "TruthWorld",
    "build_world",
    "courier_days",
    "predicted_arrivals",
    "ride",
    "true_arrivals",
    "world_profile_table",
]
