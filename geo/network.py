"""The one road-network form, its on-disk cache, and a summary.

Every network in the project is an osmnx-compatible ``networkx.MultiDiGraph``:

- ``G.graph``: ``crs="EPSG:4326"``, ``kind`` (``osm``, ``proxy`` or ``osm+proxy``),
  ``source_file``, ``profile``, ``metric_crs``, ``terrain`` (``mountain`` or ``flat``; see
  :mod:`geo.profiles`), ``dropped_nodes`` (nodes left out of the largest strongly
  connected component).
- Nodes: ``x``, ``y`` (lon/lat), ``x_m``, ``y_m`` (metric CRS).
- Edges: ``length_m``, ``highway``, ``surface``, ``oneway``, ``speed_kph``,
  ``travel_time_s``, ``source`` (``osm`` for OpenStreetMap ways, ``national_road`` for
  the bundle's national-highway geometry, ``proxy`` for estimated links with no real road
  geometry), optional ``geometry`` (a WGS84 LineString).

Networks are saved as a folder of GeoParquet tables (``nodes.parquet``, ``edges.parquet``,
``graph.json``) or, for other tools, as GraphML (``*.graphml``, via osmnx).
"""

from __future__ import annotations

import hashlib
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
from data.settings import GEO_CRS, Settings
from geo.profiles import DEFAULT_PROFILE, Profile, apply_profile, get_profile, load_speed_table

#: Bump when a builder changes what it produces, so old cache entries are not reused.
BUILD_VERSION = "6-commune-points"
#: Edge ``source`` values.
EDGE_SOURCES = ("osm", "national_road", "proxy")


# ------------------------------------------------------------------------- graph helpers
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


# ------------------------------------------------------------------------- builders
def build_proxy_network(settings: Settings, *, profile: str | Profile = DEFAULT_PROFILE,
                        **options: Any) -> nx.MultiDiGraph:
    """Build the Kon Tum proxy network (see :func:`geo.proxy.build_proxy_network`)."""
    from geo.proxy import build_proxy_network as build

    return build(settings, profile=profile, **options)


def load_osm(path: str | Path, *, polygon: Any = None,
             profile: str | Profile = DEFAULT_PROFILE, **options: Any) -> nx.MultiDiGraph:
    """Read an OpenStreetMap file (see :func:`geo.osm.load_osm`)."""
    from geo.osm import load_osm as load

    return load(path, polygon=polygon, profile=profile, **options)


def download_osm(polygon: Any, *, profile: str | Profile = DEFAULT_PROFILE,
                 **options: Any) -> nx.MultiDiGraph:
    """Download OpenStreetMap roads inside ``polygon`` (online; see :mod:`geo.osm`)."""
    from geo.osm import download_osm as download

    return download(polygon, profile=profile, **options)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def network_cache_key(settings: Settings, *, profile: str | Profile,
                      osm_file: str | Path | None = None,
                      speed_table: pd.DataFrame | None = None) -> str:
    """Hash of everything a built network depends on (inputs, profile, speeds, code version)."""
    from data.catalogue import get_entry

    h = hashlib.sha256()
    h.update(BUILD_VERSION.encode())
    prof = get_profile(profile) if speed_table is None else get_profile(
        profile if isinstance(profile, str) else profile.name, speed_table=speed_table)
    h.update(repr((prof.name, sorted(prof.speeds_kph.items()), prof.mountain_factor,
                   prof.respects_oneway, prof.max_speed_kph)).encode())
    h.update(settings.metric_crs.encode())
    for name in ("commune_points", "pois", "national_roads", "worldpop", "communes"):
        h.update(get_entry(name).sha256.encode())
    if osm_file is not None:
        h.update(_file_digest(Path(osm_file)).encode())
    return h.hexdigest()[:24]


def network_source(settings: Settings) -> Path | None:
    """Return the OSM file chosen with ``postplan network build --osm`` (None: the proxy).

    A chosen file that no longer exists counts as no choice.
    """
    path = Path(settings.cache_dir) / "networks" / "source.json"
    if not path.exists():
        return None
    try:
        osm = json.loads(path.read_text(encoding="utf-8")).get("osm_file")
    except (OSError, ValueError):
        return None
    return Path(osm) if osm and Path(osm).exists() else None


def set_network_source(settings: Settings, osm_file: str | Path | None) -> None:
    """Record which network later calls use by default: an OSM file, or None for the proxy."""
    folder = Path(settings.cache_dir) / "networks"
    folder.mkdir(parents=True, exist_ok=True)
    value = str(Path(osm_file).resolve()) if osm_file is not None else None
    (folder / "source.json").write_text(json.dumps({"osm_file": value}), encoding="utf-8")


def cached_network(settings: Settings, *, profile: str | Profile = DEFAULT_PROFILE,
                   osm_file: str | Path | None = None, proxy: bool = False,
                   rebuild: bool = False) -> nx.MultiDiGraph:
    """Return the network for ``profile``, read from ``settings.cache_dir`` or built and cached.

    Without ``osm_file`` this is the network chosen last with ``postplan network build``
    (:func:`network_source`): the OSM file given with ``--osm`` — it replaces the proxy —
    or else the proxy network. With an OSM file the network is clipped to the province and
    settlements it misses are joined by proxy links (``kind="osm+proxy"`` when any were
    needed).

    Parameters
    ----------
    settings
        Where the data and the cache live.
    profile
        Profile name or object.
    osm_file
        An ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file covering Kon Tum.
    proxy
        Use the proxy network even when an OSM file was chosen.
    rebuild
        Ignore an existing cache entry.
    """
    if osm_file is None and not proxy:
        osm_file = network_source(settings)
    key = network_cache_key(settings, profile=profile, osm_file=osm_file)
    name = get_profile(profile).name
    kind = "osm" if osm_file else "proxy"
    folder = Path(settings.cache_dir) / "networks" / f"{kind}-{name}-{key}"
    G: nx.MultiDiGraph | None = None
    if folder.exists() and not rebuild:
        try:
            G = load_network(folder)
        except (NetworkError, OSError, ValueError):
            G = None  # a damaged cache entry is rebuilt below
    if G is None:
        if osm_file is None:
            G = build_proxy_network(settings, profile=profile)
        else:
            from geo.osm import osm_network_for_province

            G = osm_network_for_province(settings, osm_file, profile=profile)
        G.graph["cache_key"] = key
        save_network(G, folder)
    latest = Path(settings.cache_dir) / "networks" / "latest.json"
    latest.write_text(json.dumps({"folder": folder.name, "profile": name,
                                  "osm_file": str(osm_file) if osm_file else None}),
                      encoding="utf-8")
    return G


def latest_network(settings: Settings) -> nx.MultiDiGraph | None:
    """Return the network most recently built with :func:`cached_network`, or None."""
    latest = Path(settings.cache_dir) / "networks" / "latest.json"
    if not latest.exists():
        return None
    info = json.loads(latest.read_text(encoding="utf-8"))
    folder = latest.parent / str(info.get("folder", ""))
    return load_network(folder) if (folder / "graph.json").exists() else None


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
    "BUILD_VERSION",
    "EDGE_SOURCES",
    "add_metric_coordinates",
    "build_proxy_network",
    "cached_network",
    "download_osm",
    "edge_lines",
    "finish_network",
    "largest_strongly_connected",
    "latest_network",
    "load_network",
    "load_osm",
    "load_speed_table",
    "network_cache_key",
    "network_source",
    "network_summary",
    "node_points",
    "save_network",
    "set_network_source",
]
