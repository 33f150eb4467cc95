"""Small exact networks and traces for the ``geo.field`` tests (no bundle needed)."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
from pyproj import Transformer

from geo.field.traces import Trace
from geo.graph import finish_network

METRIC = "EPSG:9216"
#: Origin of the fixtures (metric), near Kon Tum town.
X0, Y0 = 450_000.0, 1_580_000.0
TO_LL = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)

#: Node → (x, y) metres from the origin. A-B-C-D along y=0, E above B, F above C.
NODES = {"A": (0, 0), "B": (1000, 0), "C": (2000, 0), "D": (3000, 0), "E": (1000, 1000),
         "F": (2000, 1000)}
#: Two-way roads: (u, v, highway, surface).
ROADS = (("A", "B", "trunk", "paved"), ("B", "C", "tertiary", "paved"),
         ("C", "D", "track", "unpaved"), ("B", "E", "unclassified", "unpaved"),
         ("E", "F", "unclassified", "paved"), ("C", "F", "track", "unpaved"))


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Fixture metres → lon/lat."""
    lon, lat = TO_LL.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def small_network(roads: Sequence[tuple[str, str, str, str]] = ROADS) -> nx.MultiDiGraph:
    """The six-node network, flat terrain, motorbike profile (default speed table)."""
    G = nx.MultiDiGraph()
    for n, (x, y) in NODES.items():
        lon, lat = lonlat(x, y)
        G.add_node(n, x=lon, y=lat)
    for u, v, hw, sf in roads:
        length = float(np.hypot(NODES[u][0] - NODES[v][0], NODES[u][1] - NODES[v][1]))
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, length_m=length, highway=hw, surface=sf, oneway=False,
                       source="osm")
    return finish_network(G, kind="osm", profile="motorbike", metric_crs=METRIC,
                          terrain="flat")


def straight_trace(points: Sequence[tuple[float, float]], *, speed_mps: float = 10.0,
                   every_s: float = 2.0, t0: float = 1_790_000_000.0,
                   trace_id: str = "t.gpx:1.1") -> Trace:
    """A noiseless trace along fixture waypoints (metres) at constant speed."""
    xy = np.asarray(points, dtype=float)
    seg = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.arange(0.0, cum[-1] + 1e-9, speed_mps * every_s)
    x = np.interp(at, cum, xy[:, 0])
    y = np.interp(at, cum, xy[:, 1])
    lon, lat = TO_LL.transform(X0 + x, Y0 + y)
    return Trace(trace_id=trace_id, file=trace_id.split(":")[0], track="t",
                 lon=np.asarray(lon), lat=np.asarray(lat), time_s=t0 + at / speed_mps)


def grid_network(n: int = 6, spacing_m: float = 1000.0, *,
                 diagonals: Sequence[tuple[tuple[int, int], tuple[int, int]]] = ()
                 ) -> nx.MultiDiGraph:
    """An n × n grid (rows tertiary/paved, columns unclassified/unpaved) plus diagonals
    (tertiary/paved) between the given grid cells; flat terrain, motorbike profile."""
    G = nx.MultiDiGraph()
    for i in range(n):
        for j in range(n):
            lon, lat = lonlat(i * spacing_m, j * spacing_m)
            G.add_node(f"{i},{j}", x=lon, y=lat)

    def road(a: tuple[int, int], b: tuple[int, int], hw: str, sf: str) -> None:
        length = float(np.hypot(a[0] - b[0], a[1] - b[1]) * spacing_m)
        for u, v in ((a, b), (b, a)):
            G.add_edge(f"{u[0]},{u[1]}", f"{v[0]},{v[1]}", length_m=length, highway=hw,
                       surface=sf, oneway=False, source="osm")
    for i in range(n):
        for j in range(n):
            if i + 1 < n:
                road((i, j), (i + 1, j), "tertiary", "paved")
            if j + 1 < n:
                road((i, j), (i, j + 1), "unclassified", "unpaved")
    for a, b in diagonals:
        road(a, b, "tertiary", "paved")
    return finish_network(G, kind="osm", profile="motorbike", metric_crs=METRIC,
                          terrain="flat")
