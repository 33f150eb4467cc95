"""The road network prepared for access searches, and points attached to it.

:class:`AccessNetwork` prepares a graph once (travel engine, edge arrays with metric
geometry, edge index) for :mod:`geo.coverage.surface`, :mod:`geo.isochrones` and
:mod:`geo.siting`. :func:`snap_to_network` attaches points (offices, cells, sites) to it,
:func:`nearest_destination` gives every node its time to the nearest destination in one
multi-source search, and :func:`point_times` turns node times into door-to-destination
times of snapped points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer

from data.errors import InputError, Problem
from data.settings import GEO_CRS, METRIC_CRS
from geo.matrix import SnappedPoints, TravelEngine, attach
from geo.snap import EdgeIndex, snap_points
from geo.speed_tables import network_speed_table

FloatArray = npt.NDArray[np.float64]

#: Snapping limit for demand points (populated cells, commune points), metres. WorldPop
#: cells lie anywhere in the hills, often kilometres from the nearest (proxy) road; their
#: off-road leg is counted at the profile's access speed rather than dropping the people.
DEMAND_MAX_SNAP_M = 15_000.0

@dataclass(frozen=True, eq=False)
class EdgeTable:
    """The edges of a graph as arrays, with metric geometry (built once, reused).

    Parameters
    ----------
    u, v
        Positions of the tail and head nodes in ``nodes``.
    travel_time_s
        Edge travel time.
    geometry
        Metric LineString of each edge (``metric_crs``).
    nodes
        Node ids in the order used by ``u`` and ``v``.
    metric_crs
        CRS of ``geometry``.
    """

    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    travel_time_s: npt.NDArray[np.float64]
    geometry: npt.NDArray[np.object_]
    nodes: tuple[object, ...]
    metric_crs: str

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph, *, nodes: Sequence[object] | None = None,
                   weight: str = "travel_time_s",
                   metric_crs: str | None = None) -> EdgeTable:
        """Collect the edges of ``G`` (node order ``nodes``, default ``list(G.nodes)``).

        Parameters
        ----------
        G
            Graph in the project's form (nodes ``x``, ``y`` and, if present, ``x_m``,
            ``y_m``; edges ``weight`` and optional ``geometry`` in EPSG:4326).
        nodes
            Node order (e.g. ``TravelEngine.nodes``).
        weight
            Edge attribute with the travel time in seconds.
        metric_crs
            Metric CRS; default ``G.graph["metric_crs"]`` or EPSG:9216.

        Raises
        ------
        InputError
            When an edge lacks ``weight``.
        """
        order = list(G.nodes) if nodes is None else list(nodes)
        index = {n: i for i, n in enumerate(order)}
        crs = metric_crs or str(G.graph.get("metric_crs", METRIC_CRS))
        to_m = Transformer.from_crs(GEO_CRS, crs, always_xy=True)
        has_m = all("x_m" in d and "y_m" in d for _, d in G.nodes(data=True))
        if has_m:
            xy = np.array([(G.nodes[n]["x_m"], G.nodes[n]["y_m"]) for n in order], dtype=float)
        else:
            lon = np.array([G.nodes[n]["x"] for n in order], dtype=float)
            lat = np.array([G.nodes[n]["y"] for n in order], dtype=float)
            xy = np.column_stack(to_m.transform(lon, lat)) if len(order) else np.zeros((0, 2))
        us, vs, tts, geoms = [], [], [], []
        missing = 0
        for a, b, data in G.edges(data=True):
            tt = data.get(weight)
            if tt is None:
                missing += 1
                continue
            us.append(index[a])
            vs.append(index[b])
            tts.append(float(tt))
            geoms.append(data.get("geometry"))
        if missing:
            raise InputError([Problem(f"{missing} edges have no {weight!r}; apply a profile "
                                      "first (geo.profiles.apply_profile).", column=weight)])
        u = np.asarray(us, dtype=np.int64)
        v = np.asarray(vs, dtype=np.int64)
        lines = shapely.linestrings(
            np.stack([xy[u], xy[v]], axis=1)) if len(u) else np.empty(0, dtype=object)
        lines = np.asarray(lines, dtype=object)
        curved = [i for i, g in enumerate(geoms) if g is not None]
        if curved:
            projected = shapely.transform(
                np.asarray([geoms[i] for i in curved], dtype=object),
                lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1])))
            lines[curved] = projected
        return cls(u=u, v=v, travel_time_s=np.asarray(tts, dtype=np.float64), geometry=lines,
                   nodes=tuple(order), metric_crs=crs)


@dataclass(frozen=True, eq=False)
class AccessNetwork:
    """A road network prepared for access, service-area and siting searches.

    Build it once per graph with :meth:`build` and pass it to :func:`access_surface`,
    :func:`geo.isochrones.service_areas` and :func:`siting_problem`; every search then
    reuses the engine, the edge table and the forward and reverse arc matrices.

    Parameters
    ----------
    graph
        The network (project graph form).
    engine
        A :class:`geo.matrix.TravelEngine` on it.
    edges
        Its edges as arrays with metric geometry.
    edge_index
        The :class:`geo.snap.EdgeIndex` used to snap points.
    kind
        ``G.graph["kind"]``: ``proxy``, ``osm`` or ``osm+proxy``.
    profile
        ``G.graph["profile"]``.
    speed_table
        Which speed table timed ``G`` (:func:`geo.speed_tables.network_speed_table`).
    """

    graph: nx.MultiDiGraph = field(repr=False)
    engine: TravelEngine = field(repr=False)
    edges: EdgeTable = field(repr=False)
    edge_index: EdgeIndex = field(repr=False)
    kind: str
    profile: str
    speed_table: str = ""

    @classmethod
    def build(cls, G: nx.MultiDiGraph, *, engine: TravelEngine | None = None,
              cache_dir: str | Path | None = None) -> AccessNetwork:
        """Prepare ``G`` (and a travel engine, unless one is given).

        Parameters
        ----------
        G
            Network with ``travel_time_s`` on every edge.
        engine
            An engine already built on ``G``.
        cache_dir
            Where the engine may cache its node order (``Settings.cache_dir``).
        """
        eng = engine if engine is not None else TravelEngine(G, cache_dir=cache_dir)
        return cls(graph=G, engine=eng, edges=EdgeTable.from_graph(G, nodes=eng.nodes),
                   edge_index=EdgeIndex(G), kind=str(G.graph.get("kind", "unknown")),
                   profile=str(G.graph.get("profile", "unknown")),
                   speed_table=network_speed_table(G).label())

    def arc_time_s(self, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64]) -> FloatArray:
        """Time of the arc ``u→v`` the engine routes on, per pair (``inf`` where none)."""
        return self.engine.arcs(u, v)[0]


def snap_to_network(
    net: AccessNetwork,
    points: gpd.GeoDataFrame,
    *,
    max_snap_m: float | None = None,
    what: str = "point",
) -> SnappedPoints:
    """Snap points to the network's edges and attach them to its engine.

    :func:`geo.snap.snap_points` finds the edges, :func:`geo.matrix.attach` the seconds to
    their ends.

    Parameters
    ----------
    net
        The prepared network.
    points
        Point GeoDataFrame with a CRS.
    max_snap_m
        Snapping limit in metres (default of :func:`geo.snap.snap_points`, 2 km); farther
        points are flagged ``too_far`` and get ``inf`` times.
    what
        Word used in error messages ("office", "cell", …).

    Raises
    ------
    InputError
        When the points have no CRS or are not points.
    """
    problems = []
    if points.crs is None:
        problems.append(Problem(f"the {what} layer has no CRS; set EPSG:4326 first.",
                                column="geometry"))
    elif len(points) and not (points.geom_type == "Point").all():
        bad = int(np.flatnonzero((points.geom_type != "Point").to_numpy())[0])
        problems.append(Problem(f"every {what} must be a Point.", row=bad + 2,
                                column="geometry", value=str(points.geom_type.iloc[bad])))
    if problems:
        raise InputError(problems, summary=f"The {what} layer cannot be snapped")
    kwargs: dict[str, Any] = {"index": net.edge_index}
    if max_snap_m is not None:
        kwargs["max_distance_m"] = float(max_snap_m)
    return attach(net.engine, snap_points(net.graph, points, **kwargs))


def check_snapped(snapped: SnappedPoints, frame: gpd.GeoDataFrame, *, id_column: str,
                  what: str) -> None:
    """Raise when any of these points (offices, sites) is too far from the network.

    Raises
    ------
    InputError
        One problem per point beyond the snapping limit, with its id and distance.
    """
    if not snapped.too_far.any():
        return
    ids = frame[id_column].astype(str).to_numpy() if id_column in frame else \
        np.arange(len(frame)).astype(str)
    problems = [Problem(f"{what} is {snapped.access_length_m[i]:,.0f} m from the nearest "
                        "road, beyond the snapping limit; check its coordinates or raise "
                        "max_snap_m.", row=int(i) + 2, column="geometry", value=str(ids[i]))
                for i in np.flatnonzero(snapped.too_far)]
    raise InputError(problems, summary=f"Some {what}s cannot be placed on the road network")


def nearest_destination(
    net: AccessNetwork,
    destinations: SnappedPoints,
    *,
    limit_s: float | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Time from every node to its nearest destination, in one multi-source search.

    The search (:meth:`geo.engine.TravelEngine.nearest_positions`) runs on the reversed
    network from one virtual source per destination entry, whose arc carries that
    entry's seconds, so the off-network leg and the part of the edge at the destination
    end are counted exactly.

    Parameters
    ----------
    net
        The prepared network.
    destinations
        Snapped destinations (e.g. offices).
    limit_s
        Stop beyond this many seconds (``inf`` there).

    Returns
    -------
    time_s, destination
        Per engine node: seconds to the nearest destination and its row (-1 if none).
    """
    nodes = destinations.destination_nodes.reshape(-1)
    secs = destinations.destination_s.reshape(-1)
    owner = np.repeat(np.arange(len(destinations.destination_nodes)), 2)
    return net.engine.nearest_positions(nodes, secs, owner=owner, direction="to",
                                        limit_s=limit_s)


def point_times(points: SnappedPoints, node_time_s: FloatArray,
              node_dest: npt.NDArray[np.int64]) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Door-to-destination time of each snapped point from node times."""
    if len(points.origin_nodes) == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    cand = points.origin_s + node_time_s[points.origin_nodes]
    best = np.argmin(cand, axis=1)
    rows = np.arange(len(cand))
    t = cand[rows, best]
    dest = node_dest[points.origin_nodes[rows, best]]
    dest = np.where(np.isfinite(t), dest, -1)
    return t, dest



def network_label(kind: str) -> str:
    """How a report names the network its times come from (says when it is the proxy)."""
    if kind == "proxy":
        return ("PROXY network: estimated links between settlements plus the national "
                "roads, not OSM")
    if kind == "osm+proxy":
        return "OSM network completed with estimated proxy links"
    return f"{kind} network"



__all__ = [
    "DEMAND_MAX_SNAP_M",
    "AccessNetwork",
    "EdgeTable",
    "FloatArray",
    "SnappedPoints",
    "check_snapped",
    "nearest_destination",
    "network_label",
    "point_times",
    "snap_to_network",
]
