"""Access to offices and coverage reports: who lives how far from a post office.

Two doors, as everywhere in ``geo``:

- :func:`access_surface` (adapter) snaps the populated WorldPop cells, the commune points
  and the offices of the chosen kinds to the road network and computes, in **one
  multi-source search** towards the offices, the travel time from every cell and commune
  point to its nearest office, off-network legs included. It returns an
  :class:`AccessSurface`.
- :func:`coverage_report` (core) turns an access surface into a :class:`CoverageReport`:
  people within ``T`` minutes overall, per old commune (102) and per new 2025 commune (40),
  mean and 90th-percentile travel time, the worst-served communes and settlements, and the
  coverage curve. :func:`export_coverage` writes it as GeoPackage, GeoJSON or CSV.

:class:`AccessNetwork` prepares a graph once (travel engine, edge arrays, reverse arcs,
edge index) for these searches, for :mod:`geo.isochrones` and for :mod:`geo.siting`.
:func:`census_scaled_cells` rescales the cells to the 2019 census per commune, and
:func:`named_villages` picks named OSM villages to label the worst-served places.

Every result carries ``network_kind`` (``proxy``, ``osm`` or ``osm+proxy``) and says in its
summary and exports when the times come from the estimated proxy network.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer

from data.errors import InputError, Problem
from data.settings import GEO_CRS, METRIC_CRS
from data.tables import csv_bytes
from geo.matrix import SnappedPoints, TravelEngine, attach
from geo.snap import EdgeIndex, snap_points

FloatArray = npt.NDArray[np.float64]

#: Where the people counts of an access surface come from.
POPULATION_SOURCE = "WorldPop 2020, 1 km, UN-adjusted"
#: The same cells rescaled so each commune's cells sum to its 2019 census population.
CENSUS_SOURCE = "2019 census per commune, spread over its cells by WorldPop 2020 (1 km)"
#: ``source`` value of census-scaled cells.
CENSUS_CELL_SOURCE = "census2019_worldpop"
#: Snapping limit for demand points (populated cells, commune points), metres. WorldPop
#: cells lie anywhere in the hills, often kilometres from the nearest (proxy) road; their
#: off-road leg is counted at the profile's access speed rather than dropping the people.
DEMAND_MAX_SNAP_M = 15_000.0
#: Off-road legs longer than this are flagged ``far_from_road`` in reports, metres.
FAR_FROM_ROAD_M = 2_000.0
#: Minutes at which the coverage curve is tabulated (0 … 240).
CURVE_MINUTES: tuple[int, ...] = tuple(range(0, 241))


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
    """

    graph: nx.MultiDiGraph = field(repr=False)
    engine: TravelEngine = field(repr=False)
    edges: EdgeTable = field(repr=False)
    edge_index: EdgeIndex = field(repr=False)
    kind: str
    profile: str

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
                   profile=str(G.graph.get("profile", "unknown")))

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


def _times_of(points: SnappedPoints, node_time_s: FloatArray,
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


@dataclass(frozen=True, eq=False)
class AccessSurface:
    """Travel time from every demand point to its nearest office.

    Parameters
    ----------
    cells
        One row per populated 1 km cell: ``cell_id``, ``population``, ``commune_code``,
        ``travel_time_s`` (door to office, ``inf`` if no office can be reached),
        ``access_time_s`` and ``off_road_m`` (off-network leg from the cell centre to the
        road), ``far_from_road`` (leg longer than :data:`FAR_FROM_ROAD_M`),
        ``office_time_s`` (off-network leg at the office end), ``office_id`` of the nearest
        office (None if unreachable), ``too_far`` (cell farther from any road than the
        snapping limit), ``source``; Point geometry (EPSG:4326).
    points
        The same for the commune points (``commune_code``, ``name``, …).
    offices
        The offices used, with ``office_id``, ``name``, ``kind``; Point geometry.
    profile
        Travel profile of the network (``motorbike``, ``car``, ``walk``).
    kinds
        Office kinds included.
    network_kind
        ``proxy`` (estimated network), ``osm`` or ``osm+proxy``.
    seconds
        Wall time of snapping and the search.
    """

    cells: gpd.GeoDataFrame = field(repr=False)
    points: gpd.GeoDataFrame = field(repr=False)
    offices: gpd.GeoDataFrame = field(repr=False)
    profile: str
    kinds: tuple[str, ...]
    network_kind: str
    seconds: float

    def summary(self) -> str:
        """One paragraph describing the surface."""
        t = self.cells["travel_time_s"].to_numpy(dtype=float)
        w = self.cells["population"].to_numpy(dtype=float)
        reach = np.isfinite(t)
        mean = float((t[reach] * w[reach]).sum() / w[reach].sum()) if w[reach].sum() else math.nan
        return (f"Access surface ({self.profile}, {_network_label(self.network_kind)}): "
                f"{len(self.cells)} cells, {len(self.points)} commune points, "
                f"{len(self.offices)} offices ({', '.join(self.kinds)}); mean "
                f"{mean / 60:.1f} min per person; {int((~reach).sum())} cells cannot reach "
                f"an office; {self.seconds:.2f} s")


@dataclass(frozen=True, eq=False)
class CoverageReport:
    """Who is within ``minutes`` of an office, overall and by commune.

    Parameters
    ----------
    minutes
        Coverage threshold.
    profile, kinds, network_kind
        As in the :class:`AccessSurface` the report was made from.
    population_total
        People in all populated cells (WorldPop).
    population_covered
        People within ``minutes`` of an office.
    share_covered
        ``population_covered / population_total``.
    population_unreachable
        People who cannot reach any office on the network.
    mean_time_s
        Population-weighted mean travel time over the people who can reach an office.
    p90_time_s
        90th percentile of travel time over all people (``inf`` when more than 10 % cannot
        reach an office).
    population_far_from_road
        People in cells more than :data:`FAR_FROM_ROAD_M` from the nearest road; their
        times include that leg at the profile's access speed.
    communes
        One row per pre-2025 commune: ``commune_code``, ``name``, ``district``,
        ``new_commune_code``, ``new_commune_name``, ``population`` (WorldPop sum of its
        cells), ``population_census_2019``, ``population_covered``,
        ``population_beyond`` (not covered), ``share_covered``, ``mean_time_s``,
        ``p90_time_s``, ``max_time_s``, ``point_time_s`` (from the commune point),
        ``nearest_office_id`` (from the commune point); polygon geometry.
    new_communes
        The same per 2025 commune (``new_commune_code``, ``new_commune_name``, …).
    worst_communes
        The ``worst`` old communes with the most people beyond ``minutes`` (ties: longest
        mean travel time), with ``minutes`` (population-weighted mean), ``p90_minutes``,
        ``population`` and ``population_beyond``.
    worst_places
        The ``worst`` settlements (populated 1 km cells with at least ``min_people``
        people) farthest from an office: ``cell_id``, ``commune``, ``population``,
        ``minutes``; Point geometry.
    curve
        ``minutes``, ``population_covered``, ``share_covered`` for 0 … 240 minutes.
    cells
        The cells of the access surface (travel times per cell).
    population_source
        Where the people counts come from.
    min_people
        Smallest cell population counted as a settlement in ``worst_places``.
    """

    minutes: float
    profile: str
    kinds: tuple[str, ...]
    network_kind: str
    population_total: float
    population_covered: float
    share_covered: float
    population_unreachable: float
    mean_time_s: float
    p90_time_s: float
    population_far_from_road: float
    communes: gpd.GeoDataFrame = field(repr=False)
    new_communes: gpd.GeoDataFrame = field(repr=False)
    worst_communes: pd.DataFrame = field(repr=False)
    worst_places: gpd.GeoDataFrame = field(repr=False)
    curve: pd.DataFrame = field(repr=False)
    cells: gpd.GeoDataFrame = field(repr=False)
    population_source: str = POPULATION_SOURCE
    min_people: float = 50.0

    def to_dict(self, *, worst: int = 10) -> dict[str, Any]:
        """JSON-ready dictionary: totals, worst communes and places, provenance."""
        wc: list[dict[Any, Any]] = self.worst_communes.head(worst).to_dict("records")
        wp: list[dict[Any, Any]] = self.worst_places.head(worst).to_dict("records")
        return {
            "minutes": self.minutes,
            "profile": self.profile,
            "kinds": list(self.kinds),
            "network_kind": self.network_kind,
            "network_note": _network_label(self.network_kind),
            "population_source": self.population_source,
            "population_total": round(self.population_total, 1),
            "population_covered": round(self.population_covered, 1),
            "share_covered": round(self.share_covered, 6),
            "population_unreachable": round(self.population_unreachable, 1),
            "population_far_from_road": round(self.population_far_from_road, 1),
            "far_from_road_m": FAR_FROM_ROAD_M,
            "mean_minutes": _json_minutes(self.mean_time_s),
            "p90_minutes": _json_minutes(self.p90_time_s),
            "worst_communes": [
                {
                    "commune_code": str(r["commune_code"]),
                    "name": str(r["name"]),
                    "district": str(r["district"]),
                    "new_commune_name": str(r["new_commune_name"]),
                    "population": round(float(r["population"]), 1),
                    "population_census_2019": int(r["population_census_2019"]),
                    "population_beyond": round(float(r["population_beyond"]), 1),
                    "minutes": _json_float(r["minutes"]),
                    "p90_minutes": _json_float(r["p90_minutes"]),
                }
                for r in wc
            ],
            "worst_places": [
                {
                    "cell_id": int(r["cell_id"]),
                    "place": str(r["place"]),
                    "commune": str(r["commune"]),
                    "population": round(float(r["population"]), 1),
                    "minutes": _json_float(r["minutes"]),
                    "lon": round(float(r["geometry"].x), 5),
                    "lat": round(float(r["geometry"].y), 5),
                }
                for r in wp
            ],
        }

    def summary(self, *, worst: int = 5) -> str:
        """Human-readable summary with the worst-served communes."""
        lines = [
            f"Coverage within {self.minutes:g} min ({self.profile}, offices: "
            f"{', '.join(self.kinds)}; {_network_label(self.network_kind)})",
            f"  people covered: {self.population_covered:,.0f} of {self.population_total:,.0f}"
            f" ({self.share_covered:.1%}); {self.population_unreachable:,.0f} cannot reach "
            "an office",
            f"  mean {_minutes_text(self.mean_time_s)}, 90th percentile "
            f"{_minutes_text(self.p90_time_s)}; {self.population_far_from_road:,.0f} people "
            f"live more than {FAR_FROM_ROAD_M / 1000:g} km from a road (leg included)",
            f"  worst-served communes (most people beyond {self.minutes:g} min; mean "
            "minutes, people):",
        ]
        for r in self.worst_communes.head(worst).itertuples():
            lines.append(f"    {r.name} ({r.district}): {r.population_beyond:,.0f} beyond, "
                         f"mean {r.minutes:.0f} min, {r.population:,.0f} people")
        if len(self.worst_places):
            lines.append(f"  farthest settlements (cells with at least {self.min_people:g} "
                         "people):")
            for p in self.worst_places.head(worst).itertuples():
                lines.append(f"    {p.place}: {_minutes_text(float(p.travel_time_s))}, "
                             f"{p.population:,.0f} people")
        lines.append(f"  people: {self.population_source}")
        return "\n".join(lines)


def _network_label(kind: str) -> str:
    if kind == "proxy":
        return ("PROXY network: estimated links between settlements plus the national "
                "roads, not OSM")
    if kind == "osm+proxy":
        return "OSM network completed with estimated proxy links"
    return f"{kind} network"


def _json_float(x: float) -> float | None:
    x = float(x)
    return round(x, 2) if math.isfinite(x) else None


def _json_minutes(seconds: float) -> float | None:
    return _json_float(seconds / 60)


def _minutes_text(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if math.isfinite(seconds) else "unreachable"


# --------------------------------------------------------------------------- access surface


def select_offices(offices: gpd.GeoDataFrame, kinds: Sequence[str] | None) -> gpd.GeoDataFrame:
    """Offices of the given kinds (all when ``kinds`` is None), checked.

    Raises
    ------
    InputError
        When columns are missing, a kind is unknown, or no office is left.
    """
    problems = []
    for col in ("office_id", "kind"):
        if col not in offices.columns:
            problems.append(Problem(f"offices need a {col!r} column.", column=col))
    if offices.crs is None:
        problems.append(Problem("offices have no CRS; set EPSG:4326 first.", column="geometry"))
    if problems:
        raise InputError(problems, summary="The offices cannot be used")
    present = sorted(set(offices["kind"].astype(str)))
    if kinds is None:
        chosen = offices
    else:
        unknown = [k for k in kinds if k not in present]
        if unknown:
            raise InputError([Problem(f"no office of kind {k!r}; kinds present: "
                                      f"{', '.join(present) or 'none'}.", column="kind",
                                      value=k) for k in unknown],
                             summary="Unknown office kinds")
        chosen = offices[offices["kind"].astype(str).isin(list(kinds))]
    if len(chosen) == 0:
        raise InputError([Problem("there is no office to measure access to; add offices "
                                  "or choose other kinds.", column="kind")])
    return chosen.reset_index(drop=True)


def access_surface(
    network: AccessNetwork | nx.MultiDiGraph,
    offices: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    points: gpd.GeoDataFrame | None = None,
    kinds: Sequence[str] | None = None,
    max_snap_m: float | None = None,
    demand_snap_m: float = DEMAND_MAX_SNAP_M,
) -> AccessSurface:
    """Travel time from every populated cell and commune point to its nearest office.

    One multi-source search on the reversed network from all offices at once
    (:func:`nearest_destination`), then each cell or point takes the better of the two
    ends of the edge it is snapped to, off-network legs included at both ends.

    Parameters
    ----------
    network
        An :class:`AccessNetwork` (reused) or a graph (prepared on the fly).
    offices
        Offices with ``office_id``, ``kind`` (``name`` kept if present), Point geometry.
    cells
        Demand points with ``cell_id``, ``population``, ``commune_code``
        (:func:`data.layers.load_population_grid`).
    points
        Commune points with ``commune_code`` and ``name``
        (:func:`data.commune_points.load_commune_points`), optional.
    kinds
        Office kinds to include (default all).
    max_snap_m
        Snapping limit for offices (default of :func:`geo.snap.snap_points`); an office
        beyond it is an error.
    demand_snap_m
        Snapping limit for cells and commune points; beyond it they cannot reach an office.
        Legs longer than :data:`FAR_FROM_ROAD_M` are flagged ``far_from_road``.

    Returns
    -------
    AccessSurface

    Raises
    ------
    InputError
        When a layer lacks columns or a CRS, or no office of the kinds exists.
    """
    started = time.perf_counter()
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    chosen = select_offices(offices, kinds)
    missing = [c for c in ("cell_id", "population", "commune_code") if c not in cells.columns]
    if missing:
        raise InputError([Problem(f"cells need a {c!r} column (see "
                                  "data.layers.load_population_grid).", column=c)
                          for c in missing], summary="The population cells cannot be used")
    office_snap = snap_to_network(net, chosen, max_snap_m=max_snap_m, what="office")
    check_snapped(office_snap, chosen, id_column="office_id", what="office")
    node_t, node_office = nearest_destination(net, office_snap)
    office_ids = chosen["office_id"].astype(str).to_numpy()

    def attach(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
        snapped = snap_to_network(net, frame, max_snap_m=demand_snap_m, what=what)
        t, dest = _times_of(snapped, node_t, node_office)
        out = frame.copy()
        out["travel_time_s"] = t
        out["access_time_s"] = snapped.access_time_s
        out["off_road_m"] = snapped.access_length_m
        out["far_from_road"] = snapped.access_length_m > FAR_FROM_ROAD_M
        safe = np.clip(dest, 0, None)
        out["office_time_s"] = np.where(dest >= 0, office_snap.access_time_s[safe], np.nan)
        out["office_id"] = np.where(dest >= 0, office_ids[safe], None)
        out["too_far"] = snapped.too_far
        return out

    cell_out = attach(cells, "cell")
    if points is None:
        points = gpd.GeoDataFrame({"commune_code": [], "name": []},
                                  geometry=gpd.GeoSeries([], crs=GEO_CRS))
    point_out = attach(points, "commune point")
    office_out = chosen.copy()
    office_out["access_time_s"] = office_snap.access_time_s
    office_out["too_far"] = office_snap.too_far
    kinds_used = tuple(sorted(set(chosen["kind"].astype(str)))) if kinds is None else tuple(kinds)
    return AccessSurface(cells=cell_out, points=point_out, offices=office_out,
                         profile=net.profile, kinds=kinds_used, network_kind=net.kind,
                         seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------- report core


def weighted_quantile(values: npt.ArrayLike, weights: npt.ArrayLike, q: float) -> float:
    """Smallest value ``v`` such that at least a share ``q`` of the weight is ``<= v``.

    Parameters
    ----------
    values
        Values (``inf`` allowed).
    weights
        Non-negative weights, same length.
    q
        Share between 0 and 1.

    Returns
    -------
    float
        The quantile; NaN when the total weight is 0.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    v, w = v[keep], w[keep]
    if w.sum() <= 0:
        return math.nan
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    i = int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12)))
    return float(v[order][min(i, len(v) - 1)])


def _group_stats(times: np.ndarray, weight: np.ndarray, keys: np.ndarray,
                 cutoff_s: float) -> pd.DataFrame:
    frame = pd.DataFrame({"key": keys, "t": times, "w": weight})
    rows = []
    for key, g in frame.groupby("key", sort=True):
        t = g["t"].to_numpy()
        w = g["w"].to_numpy()
        reach = np.isfinite(t)
        total = float(w.sum())
        covered = float(w[t <= cutoff_s].sum())
        wr = float(w[reach].sum())
        rows.append({
            "key": key,
            "population": total,
            "population_covered": covered,
            "population_beyond": total - covered,
            "population_unreachable": total - wr,
            "share_covered": covered / total if total > 0 else math.nan,
            "mean_time_s": float((t[reach] * w[reach]).sum() / wr) if wr > 0 else math.inf,
            "p90_time_s": weighted_quantile(t, w, 0.9),
            "max_time_s": float(t[w > 0].max()) if (w > 0).any() else math.nan,
            "cells": len(g),
        })
    return pd.DataFrame(rows)


def coverage_report(
    surface: AccessSurface,
    communes: gpd.GeoDataFrame,
    *,
    minutes: float,
    new_communes: gpd.GeoDataFrame | None = None,
    worst: int = 10,
    min_people: float = 50.0,
    villages: gpd.GeoDataFrame | None = None,
    village_radius_m: float = 3_000.0,
) -> CoverageReport:
    """Summarise an access surface at a coverage threshold.

    Parameters
    ----------
    surface
        Travel times per cell and commune point (:func:`access_surface`).
    communes
        The pre-2025 communes (:func:`data.layers.load_communes`).
    minutes
        Coverage threshold in minutes.
    new_communes
        The 2025 communes (:func:`data.layers.load_new_communes`) for their polygons;
        without it the per-new-commune table has no geometry.
    worst
        How many worst communes and places to list.
    min_people
        Smallest cell population counted as a settlement in ``worst_places``.
    villages
        Named places (``name``, Point geometry; e.g. :func:`named_villages`): each worst
        place is labelled with the nearest one within ``village_radius_m``.
    village_radius_m
        Largest distance for that label.

    Returns
    -------
    CoverageReport

    Raises
    ------
    InputError
        When ``minutes`` is not positive or the communes lack the needed columns.
    """
    problems = []
    if not (isinstance(minutes, int | float) and math.isfinite(minutes) and minutes > 0):
        problems.append(Problem("minutes must be a positive number, e.g. 30.",
                                column="minutes", value=str(minutes)))
    needed = {"commune_code", "name", "district", "population", "new_commune_code",
              "new_commune_name"}
    missing = sorted(needed - set(communes.columns))
    if missing:
        problems.append(Problem(f"communes lacks columns {missing}; pass "
                                "data.layers.load_communes(settings).", column=missing[0]))
    if problems:
        raise InputError(problems, summary="The coverage report cannot be made")
    cutoff_s = float(minutes) * 60.0
    cells = surface.cells
    scaled = "source" in cells.columns and (cells["source"] == CENSUS_CELL_SOURCE).any()
    population_source = CENSUS_SOURCE if scaled else POPULATION_SOURCE
    t = cells["travel_time_s"].to_numpy(dtype=float)
    w = cells["population"].to_numpy(dtype=float)
    total = float(w.sum())
    covered = float(w[t <= cutoff_s].sum())
    reach = np.isfinite(t)
    wr = float(w[reach].sum())

    # per old commune
    stats = _group_stats(t, w, cells["commune_code"].astype(str).to_numpy(), cutoff_s)
    base = communes[["commune_code", "name", "district", "new_commune_code", "new_commune_name",
                     "population", "geometry"]].rename(
        columns={"population": "population_census_2019"})
    per = base.merge(stats.rename(columns={"key": "commune_code"}), on="commune_code",
                     how="left")
    for col in ("population", "population_covered", "population_beyond",
                "population_unreachable", "cells"):
        per[col] = per[col].fillna(0)
    pts = surface.points[["commune_code", "travel_time_s", "office_id"]].rename(
        columns={"travel_time_s": "point_time_s", "office_id": "nearest_office_id"})
    per = per.merge(pts, on="commune_code", how="left")
    per["minutes"] = per["mean_time_s"] / 60.0
    per["network_kind"] = surface.network_kind
    per["population_source"] = population_source
    per = gpd.GeoDataFrame(per, geometry="geometry", crs=communes.crs)

    # per new commune
    code_to_new = dict(zip(communes["commune_code"].astype(str),
                           communes["new_commune_code"].astype(str), strict=True))
    new_keys = np.array([code_to_new.get(str(c), "") for c in cells["commune_code"]])
    nstats = _group_stats(t, w, new_keys, cutoff_s).rename(columns={"key": "new_commune_code"})
    names = (communes.groupby("new_commune_code")
             .agg(new_commune_name=("new_commune_name", "first"),
                  population_census_2019=("population", "sum"),
                  old_communes=("name", lambda s: "; ".join(s)))
             .reset_index())
    names["new_commune_code"] = names["new_commune_code"].astype(str)
    newt = names.merge(nstats, on="new_commune_code", how="left")
    newt["minutes"] = newt["mean_time_s"] / 60.0
    newt["network_kind"] = surface.network_kind
    newt["population_source"] = population_source
    if new_communes is not None:
        geo = new_communes[["new_commune_code", "geometry"]].copy()
        geo["new_commune_code"] = geo["new_commune_code"].astype(str)
        newt = gpd.GeoDataFrame(newt.merge(geo, on="new_commune_code", how="left"),
                                geometry="geometry", crs=new_communes.crs)
    else:
        newt = gpd.GeoDataFrame(newt, geometry=gpd.GeoSeries([None] * len(newt)),
                                crs=GEO_CRS)

    # the gap: people beyond the threshold, then the longest mean travel time
    worst_c = (per[per["population"] > 0]
               .sort_values(["population_beyond", "mean_time_s"], ascending=False)
               .head(worst))
    worst_c = pd.DataFrame(worst_c.drop(columns="geometry")).assign(
        p90_minutes=lambda d: d["p90_time_s"] / 60.0).reset_index(drop=True)

    name_of = dict(zip(communes["commune_code"].astype(str), communes["name"], strict=True))
    places = cells[(cells["population"] >= min_people)].copy()
    places = places.sort_values(["travel_time_s", "population"], ascending=False).head(worst)
    places["commune"] = [name_of.get(str(c), str(c)) for c in places["commune_code"]]
    places["minutes"] = places["travel_time_s"] / 60.0
    places["village"] = _nearest_names(places, villages, village_radius_m)
    places["place"] = [
        f"{c}, 1 km cell {i}" + (f" (near {v})" if v else "")
        for c, i, v in zip(places["commune"], places["cell_id"], places["village"], strict=True)]
    places = places[["cell_id", "place", "village", "commune", "commune_code", "population",
                     "minutes", "travel_time_s", "office_id", "geometry"]].reset_index(drop=True)

    order = np.argsort(t, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(w[order])])
    sorted_t = t[order]
    mins = np.asarray(CURVE_MINUTES, dtype=float)
    cov_at = cum[np.searchsorted(sorted_t, mins * 60.0, side="right")]
    curve = pd.DataFrame({"minutes": mins.astype(int), "population_covered": cov_at,
                          "share_covered": cov_at / total if total > 0 else 0.0})

    return CoverageReport(
        minutes=float(minutes),
        profile=surface.profile,
        kinds=surface.kinds,
        network_kind=surface.network_kind,
        population_total=total,
        population_covered=covered,
        share_covered=covered / total if total > 0 else 0.0,
        population_unreachable=total - wr,
        mean_time_s=float((t[reach] * w[reach]).sum() / wr) if wr > 0 else math.inf,
        p90_time_s=weighted_quantile(t, w, 0.9),
        population_far_from_road=float(
            w[cells["far_from_road"].to_numpy(dtype=bool)].sum()
            if "far_from_road" in cells.columns else 0.0),
        communes=per,
        new_communes=newt,
        worst_communes=worst_c,
        worst_places=gpd.GeoDataFrame(places, geometry="geometry", crs=cells.crs),
        curve=curve,
        cells=cells,
        population_source=population_source,
        min_people=float(min_people),
    )


def named_villages(pois: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Named villages among OSM points of interest (``Thôn``, ``Làng``, ``Plei``, ``Buôn``).

    Parameters
    ----------
    pois
        :func:`data.layers.load_pois`.

    Returns
    -------
    GeoDataFrame
        ``name``, ``source`` (``osm``), Point geometry.
    """
    names = pois["name"].fillna("").astype(str)
    keep = names.str.match(r"^(Thôn|Làng|Plei|Buôn|Bản) ")
    out = pois.loc[keep, ["name", "geometry"]].copy()
    out["source"] = "osm"
    return out.reset_index(drop=True)


def _nearest_names(points: gpd.GeoDataFrame, named: gpd.GeoDataFrame | None,
                   radius_m: float) -> list[str]:
    if named is None or len(named) == 0 or len(points) == 0:
        return [""] * len(points)
    a = points[["geometry"]].to_crs(METRIC_CRS)
    b = named[["name", "geometry"]].to_crs(METRIC_CRS)
    hit = gpd.sjoin_nearest(a, b, how="left", max_distance=radius_m)
    hit = hit[~hit.index.duplicated(keep="first")]
    return [str(n) if isinstance(n, str) else "" for n in hit["name"].reindex(a.index)]


def census_scaled_cells(cells: gpd.GeoDataFrame, communes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Rescale cell populations so each commune's cells sum to its 2019 census count.

    WorldPop says where people live; the census says how many. The result keeps the
    WorldPop figure in ``population_worldpop`` and sets ``source`` to
    :data:`CENSUS_CELL_SOURCE`, so reports say which people they count.

    Parameters
    ----------
    cells
        Populated cells with ``population`` and ``commune_code``.
    communes
        Communes with ``commune_code`` and ``population`` (2019 census).

    Returns
    -------
    GeoDataFrame
        A copy of ``cells``; communes whose cells hold no WorldPop people keep zeros.
    """
    out = cells.copy()
    census = communes.set_index(communes["commune_code"].astype(str))["population"]
    code = out["commune_code"].astype(str)
    wp_sum = out.groupby(code)["population"].transform("sum").to_numpy(dtype=float)
    target = code.map(census).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(wp_sum > 0, target / wp_sum, 0.0)
    out["population_worldpop"] = out["population"]
    out["population"] = out["population"].to_numpy(dtype=float) * np.nan_to_num(factor)
    out["source"] = CENSUS_CELL_SOURCE
    return out


# --------------------------------------------------------------------------- exports


def export_coverage(report: CoverageReport, path: str | Path) -> Path:
    """Write a coverage report as GeoPackage, GeoJSON or CSV (chosen by the suffix).

    ``.gpkg`` holds layers ``communes``, ``new_communes``, ``cells``, ``worst_places`` and
    ``curve``; ``.geojson`` the old communes with their figures; ``.csv`` the old communes
    as a table (UTF-8 with BOM so Excel shows the diacritics). Every row carries
    ``network_kind`` and ``population_source``.

    Parameters
    ----------
    report
        The report.
    path
        Target file; its suffix picks the format.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For an unsupported suffix.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    communes = _export_frame(report.communes, report)
    if suffix == ".gpkg":
        if target.exists():
            target.unlink()
        communes.to_file(target, layer="communes", driver="GPKG")
        newc = _export_frame(report.new_communes, report)
        if newc.geometry.notna().any():
            newc.to_file(target, layer="new_communes", driver="GPKG")
        cells = _export_frame(report.cells, report)
        cells.to_file(target, layer="cells", driver="GPKG")
        _export_frame(report.worst_places, report).to_file(target, layer="worst_places",
                                                           driver="GPKG")
        import pyogrio

        curve = report.curve.copy()
        curve["network_kind"] = report.network_kind
        pyogrio.write_dataframe(curve, target, layer="curve", driver="GPKG")
    elif suffix in (".geojson", ".json"):
        communes.to_file(target, driver="GeoJSON")
    elif suffix == ".csv":
        target.write_bytes(csv_bytes(communes))
    else:
        raise InputError([Problem("Unsupported export format; use .gpkg, .geojson or .csv.",
                                  value=suffix or str(path))])
    return target


def _export_frame(gdf: gpd.GeoDataFrame, report: CoverageReport) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].dtype == float:
            out[col] = out[col].replace([np.inf, -np.inf], np.nan)
        elif out[col].dtype == object:
            out[col] = out[col].astype("string")
    out["minutes_threshold"] = report.minutes
    out["profile"] = report.profile
    out["network_kind"] = report.network_kind
    out["population_source"] = report.population_source
    if out.crs is not None and out.crs != GEO_CRS:
        out = out.to_crs(GEO_CRS)
    return out
