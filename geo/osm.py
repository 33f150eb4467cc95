"""Real OpenStreetMap road networks: three ways in, one graph form out.

- ``.osm.pbf`` files are read with pyrosm (fast, no network access);
- ``.osm`` and ``.osm.bz2`` XML files with ``osmnx.graph_from_xml``;
- :func:`download_osm` asks the Overpass API through osmnx (online only; never in tests).

Every way becomes edges between consecutive OSM nodes (no simplification, so lengths and
geometry are the mapped ones). Motor profiles keep one-way rules (``oneway=yes/-1``,
roundabouts, motorways); walking uses both directions. Which roads a profile may use is
decided by the speed table (:mod:`geo.profiles`): motorbikes read the ``all`` network so
village tracks and paths count, cars the ``driving`` network, walkers the ``walking`` one.
After clipping to a polygon only the largest strongly connected component is kept, and
the number of dropped nodes is reported in ``G.graph["dropped_nodes"]``.

:func:`osm_network_for_province` adds **gap filling**: settlements further than
``max_gap_m`` from any OSM road are joined by straight links marked ``source="proxy"``
(the graph's ``kind`` becomes ``osm+proxy``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from data import layers
from data.errors import InputError, NetworkError, Problem
from data.settings import GEO_CRS, METRIC_CRS, Settings
from geo.graph import finish_network, plain_value
from geo.links import DEFAULT_CIRCUITY, proxy_link_attributes, relative_neighbourhood_edges
from geo.profiles import DEFAULT_PROFILE, Profile, apply_profile, get_profile
from geo.settlements import settlements

#: pyrosm network type read for each profile.
PYROSM_NETWORK = {"motorbike": "all", "moped": "all", "car": "driving", "walk": "walking"}
#: osmnx network type used by :func:`download_osm` for each profile.
OSMNX_NETWORK = {"motorbike": "all", "moped": "all", "car": "drive", "walk": "walk"}
#: Settlements further than this from an OSM road get a proxy link (gap filling).
DEFAULT_MAX_GAP_M = 2000.0


def _oneway_direction(oneway: Any, highway: Any, tags: Any) -> int:
    """+1 one-way along the way, -1 against it, 0 two-way."""
    text = str(oneway).strip().lower() if oneway is not None else ""
    if text in {"yes", "true", "1"}:
        return 1
    if text == "-1":
        return -1
    if text in {"no", "false", "0"}:
        return 0
    hw = str(highway).strip().lower()
    if hw in {"motorway", "motorway_link"}:
        return 1
    if isinstance(tags, str) and '"junction":"roundabout"' in tags.replace(" ", ""):
        return 1
    return 0


def _graph_from_edges(nodes: pd.DataFrame, edges: pd.DataFrame, *, walking: bool) -> (
        nx.MultiDiGraph):
    """Build the raw graph from per-segment edge rows (u, v, length, geometry, tags)."""
    G = nx.MultiDiGraph()
    for nid, lon, lat in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True):
        G.add_node(int(nid), x=float(lon), y=float(lat))
    cols = {c: (edges[c] if c in edges else pd.Series(None, index=edges.index))
            for c in ("highway", "surface", "oneway", "maxspeed", "name", "id", "tags")}
    for i, (u, v, length, geom) in enumerate(zip(edges["u"], edges["v"], edges["length"],
                                                 edges.geometry, strict=True)):
        u, v = int(u), int(v)
        if u == v or u not in G or v not in G:
            continue
        hw = cols["highway"].iloc[i]
        direction = 0 if walking else _oneway_direction(cols["oneway"].iloc[i], hw,
                                                         cols["tags"].iloc[i])
        attrs = {
            "length_m": float(length), "highway": hw,
            "surface": plain_value(cols["surface"].iloc[i]),
            "maxspeed": plain_value(cols["maxspeed"].iloc[i]),
            "name": plain_value(cols["name"].iloc[i]), "osmid": plain_value(cols["id"].iloc[i]),
            "oneway": direction != 0, "source": "osm",
        }
        attrs = {k: val for k, val in attrs.items() if val is not None}
        line = geom if isinstance(geom, LineString) else None
        if direction >= 0:
            G.add_edge(u, v, **attrs, **({"geometry": line} if line is not None else {}))
        if direction <= 0:
            back = dict(attrs, reversed=direction == 0)
            if line is not None:
                back["geometry"] = line.reverse()
            G.add_edge(v, u, **back)
    return G


def _read_pbf(path: Path, polygon: Any, network_type: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pyrosm

    osm = pyrosm.OSM(str(path), bounding_box=polygon)
    result = osm.get_network(network_type=network_type, nodes=True)
    if result is None or result[1] is None or len(result[1]) == 0:
        raise NetworkError(f"{path.name} has no {network_type} roads"
                           + (" inside the polygon" if polygon is not None else ""))
    nodes, edges = result
    return nodes, edges


def _read_xml(path: Path, polygon: Any, walking: bool) -> nx.MultiDiGraph:
    import osmnx as ox

    tags = list(ox.settings.useful_tags_way)
    try:
        ox.settings.useful_tags_way = [*tags, *(t for t in ("surface",) if t not in tags)]
        raw = ox.graph_from_xml(path, bidirectional=walking, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = tags
    if polygon is not None:
        raw = ox.truncate.truncate_graph_polygon(raw, polygon)
    return _from_osmnx(raw, walking=walking)


def _from_osmnx(raw: nx.MultiDiGraph, *, walking: bool) -> nx.MultiDiGraph:
    """Convert an osmnx graph (``length``, ``oneway`` …) to the raw project form."""
    G = nx.MultiDiGraph()
    for n, d in raw.nodes(data=True):
        G.add_node(n, x=float(d["x"]), y=float(d["y"]))
    for u, v, d in raw.edges(data=True):
        if u == v:
            continue
        attrs = {
            "length_m": float(d["length"]), "highway": d.get("highway"),
            "surface": d.get("surface"), "maxspeed": d.get("maxspeed"),
            "name": d.get("name"), "osmid": d.get("osmid"),
            "oneway": bool(d.get("oneway", False)) and not walking, "source": "osm",
        }
        if d.get("reversed") is not None:
            attrs["reversed"] = bool(d.get("reversed"))
        if "geometry" in d:
            attrs["geometry"] = d["geometry"]
        G.add_edge(u, v, **{k: val for k, val in attrs.items() if val is not None})
    return G


def _polygon_of(polygon: Any) -> Any:
    if polygon is None:
        return None
    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is None:
            raise InputError([Problem("the clipping polygon has no CRS; set EPSG:4326",
                                      column="geometry")])
        return polygon.to_crs(GEO_CRS).union_all()
    return polygon


def load_osm(path: str | Path, *, polygon: Any = None,
             profile: str | Profile = DEFAULT_PROFILE,
             metric_crs: str = METRIC_CRS, terrain: str = "flat") -> nx.MultiDiGraph:
    """Read an OpenStreetMap file into the project's graph form.

    Parameters
    ----------
    path
        ``.osm.pbf`` (pyrosm), ``.osm`` or ``.osm.bz2`` (osmnx).
    polygon
        Clip to this (Multi)Polygon in EPSG:4326, or a GeoDataFrame/GeoSeries with a CRS.
    profile
        Vehicle profile; decides the network read and the speeds.
    metric_crs
        Projected CRS for ``x_m``/``y_m``.
    terrain
        ``mountain`` applies the profile's mountain factor (use it for Kon Tum).

    Returns
    -------
    networkx.MultiDiGraph
        ``kind="osm"``, strongly connected; ``dropped_nodes`` counts what was left out.

    Raises
    ------
    InputError
        For a missing file or an unknown file type.
    NetworkError
        When the file has no usable roads.
    """
    p = Path(path)
    prof = get_profile(profile)
    walking = not prof.respects_oneway
    name = p.name.lower()
    if not p.exists():
        raise InputError([Problem("the OSM file does not exist", value=str(p))])
    clip = _polygon_of(polygon)
    if name.endswith(".pbf"):
        nodes, edges = _read_pbf(p, clip, PYROSM_NETWORK.get(prof.name, "all"))
        raw = _graph_from_edges(nodes, edges, walking=walking)
    elif name.endswith((".osm", ".osm.bz2", ".xml", ".xml.bz2")):
        raw = _read_xml(p, clip, walking)
    else:
        raise InputError([Problem("unknown OSM file type; use .osm.pbf, .osm or .osm.bz2",
                                  value=p.name)])
    if raw.number_of_edges() == 0:
        raise NetworkError(f"{p.name} has no roads" + (" inside the polygon" if clip else ""))
    return finish_network(raw, kind="osm", profile=prof, metric_crs=metric_crs,
                          source_file=str(p), terrain=terrain)


def download_osm(polygon: Any, *, profile: str | Profile = DEFAULT_PROFILE,
                 metric_crs: str = METRIC_CRS, terrain: str = "mountain") -> nx.MultiDiGraph:
    """Download the roads inside ``polygon`` from OpenStreetMap with osmnx (needs internet).

    Parameters
    ----------
    polygon
        (Multi)Polygon in EPSG:4326, or a GeoDataFrame/GeoSeries with a CRS.
    profile
        Vehicle profile.
    metric_crs
        Projected CRS for ``x_m``/``y_m``.
    terrain
        ``mountain`` applies the profile's mountain factor.
    """
    import osmnx as ox

    prof = get_profile(profile)
    walking = not prof.respects_oneway
    tags = list(ox.settings.useful_tags_way)
    try:
        ox.settings.useful_tags_way = [*tags, *(t for t in ("surface",) if t not in tags)]
        raw = ox.graph_from_polygon(_polygon_of(polygon),
                                    network_type=OSMNX_NETWORK.get(prof.name, "all"),
                                    simplify=False, retain_all=True)
    except Exception as exc:  # osmnx raises many kinds of network errors
        raise NetworkError(f"downloading OpenStreetMap roads failed: {exc}") from exc
    finally:
        ox.settings.useful_tags_way = tags
    G = finish_network(_from_osmnx(raw, walking=walking), kind="osm", profile=prof,
                       metric_crs=metric_crs, source_file="overpass", terrain=terrain)
    return G


# --------------------------------------------------------------------------- gap filling
def fill_gaps(G: nx.MultiDiGraph, points: gpd.GeoDataFrame, *,
              max_gap_m: float = DEFAULT_MAX_GAP_M, circuity: float | None = None,
              profile: str | Profile | None = None) -> nx.MultiDiGraph:
    """Join points that the network does not reach with proxy links.

    Points further than ``max_gap_m`` from every node become nodes; they are joined to
    each other by their relative-neighbourhood graph and each group to its nearest network
    node, by straight links × ``circuity`` with ``source="proxy"`` and
    ``highway="proxy_link"``, both directions.

    Parameters
    ----------
    G
        A network in the project's graph form.
    points
        Settlement points with a CRS (extra columns ``kind``, ``name`` are copied).
    max_gap_m
        A point nearer than this to a network node counts as reached.
    circuity
        Road length ÷ straight length on the links (default
        :data:`geo.links.DEFAULT_CIRCUITY`).
    profile
        Profile for the new links' speeds (default: the network's).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; ``kind`` becomes ``osm+proxy`` when links were added, and
        ``G.graph["gap_filled_points"]`` counts the joined points.
    """
    if points.crs is None:
        raise InputError([Problem("the settlement points have no CRS", column="geometry")])
    circ = DEFAULT_CIRCUITY if circuity is None else circuity
    metric = str(G.graph.get("metric_crs", METRIC_CRS))
    H = G.copy()
    nodes = list(G.nodes)
    nxy = np.array([[G.nodes[n]["x_m"], G.nodes[n]["y_m"]] for n in nodes])
    pm = points.to_crs(metric)
    pxy = shapely.get_coordinates(pm.geometry.to_numpy())
    dist, nearest = cKDTree(nxy).query(pxy, k=1)
    far = np.flatnonzero(dist > max_gap_m)
    H.graph["gap_filled_points"] = len(far)
    if len(far) == 0:
        return H
    to_geo = Transformer.from_crs(metric, GEO_CRS, always_xy=True)
    lon, lat = to_geo.transform(pxy[far, 0], pxy[far, 1])
    new_ids = [f"gap-{i}" for i in range(len(far))]
    for k, i in enumerate(far):
        rec = points.iloc[i]
        H.add_node(new_ids[k], x=float(lon[k]), y=float(lat[k]), x_m=float(pxy[i, 0]),
                   y_m=float(pxy[i, 1]), kind=str(rec.get("kind", "settlement")),
                   name=str(rec.get("name", "")), point_source="gap_fill")
    raw = nx.MultiDiGraph()
    raw.graph.update(H.graph)
    raw.add_nodes_from(H.nodes(data=True))

    def link(a: Any, b: Any) -> None:
        pa, pb = H.nodes[a], H.nodes[b]
        straight = float(math.hypot(pa["x_m"] - pb["x_m"], pa["y_m"] - pb["y_m"]))
        line = LineString([(pa["x"], pa["y"]), (pb["x"], pb["y"])])
        attrs = proxy_link_attributes(straight, circuity=circ)
        raw.add_edge(a, b, geometry=line, **attrs)
        raw.add_edge(b, a, geometry=line.reverse(), **attrs)

    for a, b in relative_neighbourhood_edges(pxy[far]).tolist():
        link(new_ids[a], new_ids[b])
    # each group of joined points reaches the network through its member nearest to it
    groups = nx.connected_components(nx.Graph(
        [(u, v) for u, v in raw.edges()] + [(n, n) for n in new_ids]))
    pos = {n: k for k, n in enumerate(new_ids)}
    for group in groups:
        member = min(group, key=lambda n: dist[far[pos[n]]])
        link(member, nodes[int(nearest[far[pos[member]]])])
    prof = profile or str(G.graph.get("profile", DEFAULT_PROFILE))
    routed = apply_profile(raw, prof)
    for u, v, k, d in routed.edges(keys=True, data=True):
        H.add_edge(u, v, key=k, **d)
    H.graph["kind"] = "osm+proxy"
    return H


def osm_network_for_province(settings: Settings, osm_file: str | Path, *,
                             profile: str | Profile = DEFAULT_PROFILE,
                             max_gap_m: float = DEFAULT_MAX_GAP_M) -> nx.MultiDiGraph:
    """Kon Tum from an OSM file: clipped to the province, gaps filled with proxy links.

    Parameters
    ----------
    settings
        Data bundle and metric CRS.
    osm_file
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` covering (part of) the province.
    profile
        Vehicle profile.
    max_gap_m
        Settlements further than this from an OSM road are joined by proxy links.
    """
    province = layers.load_province(settings)
    G = load_osm(osm_file, polygon=province, profile=profile,
                 metric_crs=settings.metric_crs, terrain="mountain")
    sett = settlements(settings)
    pts = gpd.GeoDataFrame(sett[["kind", "name"]],
                           geometry=gpd.points_from_xy(sett["x"], sett["y"]),
                           crs=settings.metric_crs)
    return fill_gaps(G, pts, max_gap_m=max_gap_m, profile=profile)


__all__ = [
    "DEFAULT_MAX_GAP_M",
    "download_osm",
    "fill_gaps",
    "load_osm",
    "osm_network_for_province",
]
