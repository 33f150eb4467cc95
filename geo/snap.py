"""Snap points (offices, addresses, settlements) onto the nearest road EDGE.

A point joins the network where the perpendicular from it meets the nearest edge, not at
the nearest node: on a long mountain road the nearest node can be kilometres away. The
off-network leg (from the point to the road) gets a length and a time at the profile's
access speed. Points further than ``max_distance_m`` from every edge are reported in
``too_far`` and left unsnapped; nothing is snapped silently.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString

from data.errors import InputError, Problem
from data.settings import GEO_CRS, METRIC_CRS
from geo.profiles import PROFILES

#: Default largest distance between a point and the road it is snapped to.
DEFAULT_MAX_DISTANCE_M = 2000.0

EdgeKey = tuple[Hashable, Hashable, int]


class EdgeIndex:
    """A spatial index of a network's edges in its metric CRS (build once, snap many times).

    Parameters
    ----------
    G
        A network in the project's graph form.
    """

    def __init__(self, G: nx.MultiDiGraph) -> None:
        self.metric_crs = str(G.graph.get("metric_crs", METRIC_CRS))
        to_m = Transformer.from_crs(GEO_CRS, self.metric_crs, always_xy=True)
        self.keys: list[EdgeKey] = []
        geoms: list[LineString] = []
        seen: set[tuple[Hashable, Hashable]] = set()
        for u, v, k, data in G.edges(keys=True, data=True):
            if u == v or (v, u) in seen:
                continue  # a two-way road is indexed once; the reverse edge is found by lookup
            seen.add((u, v))
            geom = data.get("geometry")
            if geom is None:
                a, b = G.nodes[u], G.nodes[v]
                geom = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
            self.keys.append((u, v, k))
            geoms.append(geom)
        # reproject every vertex in one call
        coords, which = shapely.get_coordinates(np.array(geoms, dtype=object),
                                                return_index=True)
        if len(coords):
            xm, ym = to_m.transform(coords[:, 0], coords[:, 1])
            lines = shapely.linestrings(np.column_stack([xm, ym]), indices=which)
        else:
            lines = np.array([], dtype=object)
        self.lines = np.asarray(lines, dtype=object)
        self.tree = shapely.STRtree(self.lines)


@dataclass(frozen=True)
class SnapResult:
    """Where each point joins the network.

    Parameters
    ----------
    index
        The input's index labels.
    edge
        ``(u, v, key)`` per point (None where too far).
    fraction
        Position along ``u → v`` from 0 (at ``u``) to 1 (at ``v``); NaN where too far.
    access_length_m, access_time_s
        The off-network leg (straight line at ``access_speed_kph``); NaN where too far.
    too_far
        True where no edge lies within ``max_distance_m`` (those points are not snapped).
    distance_m
        Distance to the nearest edge (known even when too far, up to 50 km; else inf).
    node
        The edge end nearer along the edge (a convenience for node-based tools).
    snapped_lon, snapped_lat
        The point on the road.
    max_distance_m, access_speed_kph
        The settings used.
    """

    index: tuple[Hashable, ...]
    edge: tuple[EdgeKey | None, ...]
    fraction: np.ndarray = field(repr=False)
    access_length_m: np.ndarray = field(repr=False)
    access_time_s: np.ndarray = field(repr=False)
    too_far: np.ndarray = field(repr=False)
    distance_m: np.ndarray = field(repr=False)
    node: tuple[Hashable | None, ...] = field(repr=False)
    snapped_lon: np.ndarray = field(repr=False)
    snapped_lat: np.ndarray = field(repr=False)
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M
    access_speed_kph: float = 10.0

    def summary(self) -> str:
        """One line: how many points snapped, the longest leg, how many were too far."""
        ok = ~self.too_far
        longest = float(np.nanmax(self.access_length_m)) if ok.any() else 0.0
        return (f"{int(ok.sum())} of {len(self.index)} points snapped to the nearest road "
                f"(longest off-road leg {longest:.0f} m); {int(self.too_far.sum())} further "
                f"than {self.max_distance_m:.0f} m from any road")

    def table(self) -> pd.DataFrame:
        """One row per point: edge, fraction, leg length and time, too_far, node."""
        return pd.DataFrame({
            "u": [e[0] if e else None for e in self.edge],
            "v": [e[1] if e else None for e in self.edge],
            "key": [e[2] if e else None for e in self.edge],
            "fraction": self.fraction, "access_length_m": self.access_length_m,
            "access_time_s": self.access_time_s, "distance_m": self.distance_m,
            "too_far": self.too_far, "node": list(self.node),
            "snapped_lon": self.snapped_lon, "snapped_lat": self.snapped_lat,
        }, index=pd.Index(list(self.index)))

    def too_far_problems(self, *, what: str = "point") -> list[Problem]:
        """One problem per unsnapped point, naming its row and distance, with the fix."""
        problems = []
        for i, (label, far) in enumerate(zip(self.index, self.too_far, strict=True)):
            if far:
                dist = self.distance_m[i]
                where = f"{dist:.0f} m" if np.isfinite(dist) else "more than 50 km"
                problems.append(Problem(
                    f"{what} {label!r} is {where} from the nearest road, beyond the "
                    f"{self.max_distance_m:.0f} m limit; check its coordinates or raise "
                    "max_distance_m", row=i + 1, value=str(label)))
        return problems


def snap_points(G: nx.MultiDiGraph, points: gpd.GeoDataFrame | gpd.GeoSeries, *,
                max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
                speed_kph: float | None = None, index: EdgeIndex | None = None) -> SnapResult:
    """Snap points to the nearest edge of ``G``.

    Parameters
    ----------
    G
        A network in the project's graph form.
    points
        Point geometries with a CRS.
    max_distance_m
        Points further than this from every edge are marked ``too_far`` and not snapped.
    speed_kph
        Speed of the off-network leg; default the network profile's ``access_speed_kph``.
    index
        A prebuilt :class:`EdgeIndex` of ``G`` (saves time when snapping repeatedly).

    Returns
    -------
    SnapResult

    Raises
    ------
    InputError
        When the points have no CRS, are not points, or are empty geometries.
    """
    geo = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    problems: list[Problem] = []
    if geo.crs is None:
        raise InputError([Problem("the points have no CRS; set one (e.g. EPSG:4326) before "
                                  "snapping", column="geometry")])
    geographic = bool(getattr(geo.crs, "is_geographic", False))
    for i, g in enumerate(geo):
        if g is None or g.is_empty or g.geom_type != "Point":
            problems.append(Problem("not a point; give one point per row", row=i + 1,
                                    column="geometry", value=str(g)))
        elif not (np.isfinite(g.x) and np.isfinite(g.y)) or (
                geographic and not (-180 <= g.x <= 180 and -90 <= g.y <= 90)):
            problems.append(Problem("coordinates are not valid (longitude -180..180, latitude "
                                    "-90..90, no blanks); fix the point's position",
                                    row=i + 1, column="geometry", value=str(g)))
    if problems:
        raise InputError(problems, summary="points cannot be snapped")
    if speed_kph is None:
        prof = PROFILES.get(str(G.graph.get("profile", "motorbike")), PROFILES["motorbike"])
        speed_kph = prof.access_speed_kph
    if speed_kph <= 0:
        raise InputError([Problem("the access speed must be positive", column="speed_kph",
                                  value=str(speed_kph))])
    idx = index or EdgeIndex(G)
    pts_m = np.asarray(geo.to_crs(idx.metric_crs).to_numpy(), dtype=object)
    n = len(pts_m)
    far_limit = max(50_000.0, max_distance_m)
    hit_pt, hit_edge = idx.tree.query_nearest(pts_m, max_distance=far_limit, all_matches=False)
    edge_of = np.full(n, -1, dtype=np.int64)
    edge_of[hit_pt] = hit_edge
    distance = np.full(n, np.inf)
    fraction = np.full(n, np.nan)
    snapped = np.full((n, 2), np.nan)
    has = edge_of >= 0
    if has.any():
        lines = idx.lines[edge_of[has]]
        p = pts_m[has]
        distance[has] = shapely.distance(p, lines)
        along = shapely.line_locate_point(lines, p)
        length = shapely.length(lines)
        fraction[has] = np.where(length > 0, along / np.where(length > 0, length, 1), 0.0)
        on_road = shapely.line_interpolate_point(lines, along)
        snapped[has] = shapely.get_coordinates(on_road)
    too_far = ~(distance <= max_distance_m)
    fraction[too_far] = np.nan
    access_len = np.where(too_far, np.nan, distance)
    to_geo = Transformer.from_crs(idx.metric_crs, GEO_CRS, always_xy=True)
    lon, lat = to_geo.transform(snapped[:, 0], snapped[:, 1])
    lon = np.where(too_far, np.nan, lon)
    lat = np.where(too_far, np.nan, lat)
    edges: list[EdgeKey | None] = []
    nodes: list[Hashable | None] = []
    for i in range(n):
        if too_far[i]:
            edges.append(None)
            nodes.append(None)
            continue
        key = idx.keys[edge_of[i]]
        edges.append(key)
        nodes.append(key[0] if fraction[i] <= 0.5 else key[1])
    return SnapResult(
        index=tuple(points.index), edge=tuple(edges), fraction=fraction,
        access_length_m=access_len, access_time_s=access_len / (speed_kph / 3.6),
        too_far=too_far, distance_m=distance, node=tuple(nodes),
        snapped_lon=np.asarray(lon, dtype=float), snapped_lat=np.asarray(lat, dtype=float),
        max_distance_m=float(max_distance_m), access_speed_kph=float(speed_kph),
    )


__all__ = [
    "DEFAULT_MAX_DISTANCE_M",
    "EdgeIndex",
    "SnapResult",
    "snap_points",
]
