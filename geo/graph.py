"""The one road-network form: its attributes, how it is finished, saved, loaded and summarised.

Every network in the project is an osmnx-compatible ``networkx.MultiDiGraph``:

- ``G.graph``: ``crs="EPSG:4326"``, ``kind`` (``osm``, ``proxy`` or ``osm+proxy``),
  ``source_file``, ``profile``, ``metric_crs``, ``terrain`` (``mountain`` or ``flat``; see
  :mod:`geo.profiles`), ``dropped_nodes`` (nodes left out of the largest strongly
  connected component).
- Nodes: ``x``, ``y`` (lon/lat), ``x_m``, ``y_m`` (metric CRS).
- Edges: ``length_m``, ``highway``, ``surface``, ``oneway``, ``speed_kph``,
  ``travel_time_s``, ``source`` (``osm`` for OpenStreetMap ways, ``trace`` for roads learnt
  from GPS traces and accepted by a planner, ``national_road`` for
  the bundle's national-highway geometry, ``proxy`` for estimated links with no real road
  geometry), optional ``geometry`` (a WGS84 LineString).

Networks are saved as a folder of GeoParquet tables (``nodes.parquet``, ``edges.parquet``,
``graph.json``) or, for other tools, as GraphML (``*.graphml``, via osmnx).
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer

from data.errors import NetworkError
from data.settings import GEO_CRS
from geo.profiles import Profile, apply_profile

#: Edge ``source`` values.
EDGE_SOURCES = ("osm", "national_road", "proxy", "trace")


# ------------------------------------------------------------------------- finishing
def add_metric_coordinates(G: nx.MultiDiGraph, metric_crs: str) -> None:
    """Set ``x_m``/``y_m`` on every node from its lon/lat (in place, for builders)."""
    if G.number_of_nodes() == 0:
        return
    nodes = list(G.nodes)
    lon = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
    lat = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    xm, ym = Transformer.from_crs(GEO_CRS, metric_crs, always_xy=True).transform(lon, lat)
    for n, a, b in zip(nodes, xm, ym, strict=True):
        G.nodes[n]["x_m"] = float(a)
        G.nodes[n]["y_m"] = float(b)


def largest_strongly_connected(G: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, int]:
    """Return the largest strongly connected component (a copy) and the number of nodes dropped."""
    if G.number_of_nodes() == 0:
        return G.copy(), 0
    keep = max(nx.strongly_connected_components(G), key=len)
    H = G.subgraph(keep).copy()
    return H, G.number_of_nodes() - H.number_of_nodes()


def finish_network(G: nx.MultiDiGraph, *, kind: str, profile: str | Profile,
                   metric_crs: str, source_file: str | None = None,
                   terrain: str = "mountain") -> nx.MultiDiGraph:
    """Apply a profile, keep the largest strongly connected component, set graph attributes.

    Parameters
    ----------
    G
        Raw network (edges with ``length_m``, ``highway``, ``surface``, ``oneway``,
        ``source``; nodes with ``x``, ``y``).
    kind
        ``osm``, ``proxy`` or ``osm+proxy``.
    profile
        Profile name or object.
    metric_crs
        Projected CRS for ``x_m``/``y_m``.
    source_file
        The file the network came from, if any.
    terrain
        ``mountain`` applies the profile's mountain factor to every edge.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; ``graph["dropped_nodes"]`` counts nodes outside the kept component,
        ``graph["unused_nodes"]`` nodes with no road this profile may use (e.g. footway
        nodes for a car).
    """
    raw = G.copy()
    raw.graph.update(crs=GEO_CRS, kind=kind, metric_crs=metric_crs, terrain=terrain,
                     source_file=source_file or "")
    routed = apply_profile(raw, profile)
    unused = [n for n in routed.nodes if routed.degree(n) == 0]
    routed.remove_nodes_from(unused)
    H, dropped = largest_strongly_connected(routed)
    H.graph["dropped_nodes"] = int(dropped)
    H.graph["unused_nodes"] = len(unused)
    add_metric_coordinates(H, metric_crs)
    return H


def network_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Size and provenance of a network, as the CLI and the app print it.

    Returns
    -------
    dict
        ``nodes``, ``edges``, ``km_by_source`` (edge km per ``source``; both directions of
        a two-way road count), ``kind``, ``profile``, ``dropped_nodes``, ``source_file``.
    """
    km: dict[str, float] = {}
    for _, _, data in G.edges(data=True):
        src = str(data.get("source", "unknown"))
        km[src] = km.get(src, 0.0) + float(data.get("length_m", 0.0)) / 1000.0
    return {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "km_by_source": {k: round(v, 3) for k, v in sorted(km.items())},
        "kind": G.graph.get("kind", "unknown"),
        "profile": G.graph.get("profile"),
        "dropped_nodes": int(G.graph.get("dropped_nodes", 0)),
        "source_file": G.graph.get("source_file") or None,
    }


# ------------------------------------------------------------------------- save / load
def _scalar(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return ";".join(str(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _clean_column(series: pd.Series) -> pd.Series:
    values = [_scalar(v) for v in series]
    kinds = {type(v) for v in values if v is not None and not (isinstance(v, float)
                                                               and math.isnan(v))}
    if kinds and not kinds <= {int, float, bool} and not kinds <= {str}:
        values = [None if v is None else str(v) for v in values]
    return pd.Series(values, index=series.index, dtype=object if kinds - {int, float}
                     else None)


def save_network(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """Write a network to ``path`` (a folder of GeoParquet tables, or ``*.graphml``).

    Parameters
    ----------
    G
        A network in the project's graph form.
    path
        Destination; a ``.graphml`` suffix writes GraphML (osmnx format), anything else a
        folder with ``nodes.parquet``, ``edges.parquet`` and ``graph.json``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    if path.suffix.lower() == ".graphml":
        import osmnx as ox

        path.parent.mkdir(parents=True, exist_ok=True)
        ox.io.save_graphml(G, filepath=path)
        return path
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    node_ids = list(G.nodes)
    nodes = pd.DataFrame([dict(G.nodes[n]) for n in node_ids])
    nodes.insert(0, "node", node_ids)
    for col in nodes.columns:
        nodes[col] = _clean_column(nodes[col])
    nodes.to_parquet(tmp / "nodes.parquet", index=False)
    rows = []
    geoms = []
    for u, v, k, data in G.edges(keys=True, data=True):
        row = {key: val for key, val in data.items() if key != "geometry"}
        rows.append({"u": u, "v": v, "key": k, **row})
        geoms.append(data.get("geometry"))
    edges = pd.DataFrame(rows, columns=None if rows else ["u", "v", "key"])
    for col in edges.columns:
        edges[col] = _clean_column(edges[col])
    gdf = gpd.GeoDataFrame(edges, geometry=gpd.GeoSeries(geoms, crs=GEO_CRS))
    gdf.to_parquet(tmp / "edges.parquet", index=False)
    graph_attrs = {k: _scalar(v) for k, v in G.graph.items()}
    (tmp / "graph.json").write_text(json.dumps(graph_attrs, ensure_ascii=False, indent=1,
                                               default=str), encoding="utf-8")
    if path.exists():
        shutil.rmtree(path)
    tmp.replace(path)
    return path


def load_network(path: str | Path) -> nx.MultiDiGraph:
    """Read a network written by :func:`save_network`.

    Raises
    ------
    NetworkError
        When the path does not hold a saved network.
    """
    path = Path(path)
    if path.suffix.lower() == ".graphml":
        import osmnx as ox

        if not path.exists():
            raise NetworkError(f"no network at {path}")
        num = {k: float for k in ("length_m", "speed_kph", "travel_time_s", "x_m", "y_m")}
        return ox.io.load_graphml(path, edge_dtypes=num,
                                  node_dtypes={"x_m": float, "y_m": float})
    if not (path / "graph.json").exists():
        raise NetworkError(f"no saved network in {path} (expected graph.json, nodes.parquet, "
                           "edges.parquet); build one with 'postplan network build'")
    G = nx.MultiDiGraph()
    G.graph.update(json.loads((path / "graph.json").read_text(encoding="utf-8")))
    nodes = pd.read_parquet(path / "nodes.parquet")
    for rec in nodes.to_dict("records"):
        node = plain_value(rec.pop("node"))
        attrs = {str(k): plain_value(v) for k, v in rec.items()}
        G.add_node(node, **{k: v for k, v in attrs.items() if v is not None})
    edges = gpd.read_parquet(path / "edges.parquet")
    ecols = [c for c in edges.columns if c not in ("u", "v", "key", "geometry")]
    geoms = edges.geometry.to_numpy()
    records = edges[["u", "v", "key", *ecols]].to_dict("records")
    for rec, geom in zip(records, geoms, strict=True):
        attrs = {str(c): plain_value(rec[c]) for c in ecols}
        attrs = {k: v for k, v in attrs.items() if v is not None}
        if geom is not None:
            attrs["geometry"] = geom
        G.add_edge(plain_value(rec["u"]), plain_value(rec["v"]), key=plain_value(rec["key"]),
                   **attrs)
    return G


def plain_value(value: Any) -> Any:
    """Return a table cell as a plain Python value: None for missing, numpy scalars unwrapped."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def node_points(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Nodes as a GeoDataFrame (index = node id) in EPSG:4326."""
    ids: list[Hashable] = list(G.nodes)
    frame = pd.DataFrame([dict(G.nodes[n]) for n in ids], index=pd.Index(ids, name="node"))
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["x"], frame["y"]),
                            crs=GEO_CRS)


def edge_lines(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Edges as a GeoDataFrame (columns ``u``, ``v``, ``key`` and attributes) in EPSG:4326.

    Edges without ``geometry`` get the straight line between their nodes.
    """
    from shapely.geometry import LineString

    rows, geoms = [], []
    for u, v, k, data in G.edges(keys=True, data=True):
        rows.append({"u": u, "v": v, "key": k,
                     **{a: _scalar(b) for a, b in data.items() if a != "geometry"}})
        geom = data.get("geometry")
        if geom is None:
            geom = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                               (G.nodes[v]["x"], G.nodes[v]["y"])])
        geoms.append(geom)
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=GEO_CRS)


__all__ = [
    "EDGE_SOURCES",
    "add_metric_coordinates",
    "edge_lines",
    "finish_network",
    "largest_strongly_connected",
    "load_network",
    "network_summary",
    "node_points",
    "plain_value",
    "save_network",
]
