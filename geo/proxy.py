"""The Kon Tum proxy road network, built only from real inputs (see ``build_proxy_network``)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely import STRtree, line_merge
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import substring, unary_union

from data.errors import InputError, Problem
from data.settings import GEO_CRS
from geo.graph import finish_network
from geo.links import DEFAULT_CIRCUITY, gabriel_edges, proxy_link_attributes
from geo.profiles import Profile
from geo.settlements import DEFAULT_MIN_CELL_POPULATION, settlements

#: Settlement points closer than this are merged into one node.
DEFAULT_MERGE_M = 150.0
#: Highway geometry is cut into edges of at most this length (nodes where links can attach).
DEFAULT_HIGHWAY_STEP_M = 1000.0
#: Highway ends closer than this are joined (the source geometry has small gaps).
DEFAULT_HIGHWAY_SNAP_M = 60.0

#: How the proxy network is made, stored in ``G.graph["method"]`` and shown by the app.
METHOD = (
    "Proxy network (estimated): national highways QL14, QL14C, QL24, QL40 with their real "
    "geometry (source=national_road) and straight links (source=proxy) joining settlements "
    "- commune points, OSM points of interest incl. village halls, WorldPop 1 km cells with "
    "people - and highway nodes by a Gabriel graph, plus the diagonals between neighbouring "
    "grid cells; a junction is added where "
    "a link crosses a highway; link length = straight length x circuity factor; links use "
    "the 'proxy_link' speed class; national highways are assumed paved. No real minor-road "
    "geometry exists in the data bundle."
)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = int(self.parent[root])
        while self.parent[i] != root:
            self.parent[i], i = root, int(self.parent[i])
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _highway_pieces(settings: Any, *, step_m: float) -> list[tuple[LineString, str, str]]:
    """Highway geometry noded at crossings and cut into pieces of at most ``step_m``."""
    from data import layers

    roads = layers.load_national_roads(settings).to_crs(settings.metric_crs)
    pieces: list[tuple[LineString, str, str]] = []
    for ref, name, geom in zip(roads["ref"], roads["name"], roads.geometry, strict=True):
        lines = list(geom.geoms) if isinstance(geom, MultiLineString) else [geom]
        for line in lines:
            # node at crossings with every other road line
            others = [g for g in roads.geometry if g is not geom]
            noded = unary_union([line, *others]).intersection(line.buffer(0.01))
            segs = [s for s in getattr(noded, "geoms", [noded]) if isinstance(s, LineString)]
            for seg in linemerge_pieces(segs):
                n = max(1, math.ceil(seg.length / step_m))
                for i in range(n):
                    sub = substring(seg, seg.length * i / n, seg.length * (i + 1) / n)
                    if isinstance(sub, LineString) and sub.length > 0:
                        pieces.append((sub, str(ref), str(name)))
    return pieces


def linemerge_pieces(segments: list[LineString]) -> list[LineString]:
    """Merge touching segments into the longest simple lines (shapely ``line_merge``)."""
    if not segments:
        return []
    merged = line_merge(MultiLineString(segments))
    return [g for g in getattr(merged, "geoms", [merged]) if isinstance(g, LineString)]


def build_proxy_network(
    settings: Any,
    *,
    profile: str | Profile = "motorbike",
    circuity: float = DEFAULT_CIRCUITY,
    min_cell_population: float = DEFAULT_MIN_CELL_POPULATION,
    merge_m: float = DEFAULT_MERGE_M,
    highway_step_m: float = DEFAULT_HIGHWAY_STEP_M,
    highway_snap_m: float = DEFAULT_HIGHWAY_SNAP_M,
) -> nx.MultiDiGraph:
    """Build the Kon Tum proxy road network from the data bundle alone.

    Method (every choice is an estimate and is recorded in ``G.graph``):

    1. **Highways** – the national roads' real geometry, noded where roads cross, cut
       into edges of at most ``highway_step_m``; ends closer than ``highway_snap_m`` are
       joined. ``source="national_road"``, ``highway="trunk"``, ``surface="paved"``
       (assumed: Kon Tum's national highways are asphalt; the bundle does not say).
    2. **Settlements** – the 102 commune points, the OSM points of interest (village halls
       included), and WorldPop 1 km cells with at least ``min_cell_population`` people;
       points closer than ``merge_m`` become one node.
    3. **Links** – the Gabriel graph over settlements and highway nodes (planar,
       connected, about two links per node, fewer detours than the sparser
       relative-neighbourhood graph), plus the diagonals between neighbouring WorldPop
       cells (on a regular grid the Gabriel graph keeps only the lattice, and trips at 45°
       would detour by √2), so detours through the graph stay near 1.1 and the circuity
       factor models winding roads; links between two nodes of the same highway are
       dropped (the highway joins them).
    4. **Junctions** – where a link crosses a highway, both are split at a new junction.
    5. **Length and speed** – a link's ``length_m`` is its straight length × ``circuity``;
       links have ``highway="proxy_link"`` and ``source="proxy"``; both directions exist.

    Parameters
    ----------
    settings
        :class:`data.settings.Settings` (data bundle and metric CRS).
    profile
        Vehicle profile for ``speed_kph`` and ``travel_time_s``.
    circuity
        Road length ÷ straight length on proxy links.
    min_cell_population
        Smallest WorldPop cell population counted as a settlement.
    merge_m
        Settlement points closer than this are merged.
    highway_step_m
        Longest highway edge.
    highway_snap_m
        Highway ends closer than this are joined.

    Returns
    -------
    networkx.MultiDiGraph
        ``kind="proxy"``, strongly connected.
    """
    if circuity < 1.0:
        raise InputError([Problem("circuity must be at least 1 (a road is never shorter than "
                                  "the straight line)", column="circuity",
                                  value=str(circuity))])
    metric = settings.metric_crs
    to_geo = Transformer.from_crs(metric, GEO_CRS, always_xy=True)

    # 1. highway pieces -> nodes at their ends, merged within highway_snap_m
    pieces = _highway_pieces(settings, step_m=highway_step_m)
    ends = np.array([[*p[0].coords[0], *p[0].coords[-1]] for p in pieces]).reshape(-1, 2)
    uf = _UnionFind(len(ends))
    for a, b in cKDTree(ends).query_pairs(highway_snap_m):
        uf.union(a, b)
    roots = np.array([uf.find(i) for i in range(len(ends))])
    uniq, hw_of_end = np.unique(roots, return_inverse=True)
    hw_xy = np.array([ends[r] for r in uniq])
    n_hw = len(hw_xy)
    hw_edges = [(int(hw_of_end[2 * i]), int(hw_of_end[2 * i + 1]), line, ref, name)
                for i, (line, ref, name) in enumerate(pieces)
                if hw_of_end[2 * i] != hw_of_end[2 * i + 1]]
    comp = _UnionFind(n_hw)
    for a, b, *_ in hw_edges:
        comp.union(a, b)
    hw_comp = np.array([comp.find(i) for i in range(n_hw)])

    # 2. settlements, merged within merge_m (and onto highway nodes within merge_m)
    sett = settlements(settings, min_cell_population=min_cell_population)
    sxy = sett[["x", "y"]].to_numpy()
    near_hw = cKDTree(hw_xy).query(sxy, k=1)[0] if n_hw else np.full(len(sxy), np.inf)
    suf = _UnionFind(len(sxy))
    for a, b in cKDTree(sxy).query_pairs(merge_m):
        suf.union(a, b)
    sroot = np.array([suf.find(i) for i in range(len(sxy))])
    keep_idx = np.unique(sroot)
    keep_idx = keep_idx[near_hw[keep_idx] > merge_m]
    sett_kept = sett.iloc[keep_idx].reset_index(drop=True)
    merged_counts = pd.Series(sroot).value_counts()
    sett_kept["merged_points"] = [int(merged_counts.get(i, 1)) for i in keep_idx]

    xy = np.vstack([hw_xy, sett_kept[["x", "y"]].to_numpy()])
    n = len(xy)

    # 3. Gabriel links
    rng_e = gabriel_edges(xy)
    both_hw = (rng_e[:, 0] < n_hw) & (rng_e[:, 1] < n_hw)
    same = np.zeros(len(rng_e), dtype=bool)
    same[both_hw] = hw_comp[rng_e[both_hw, 0]] == hw_comp[rng_e[both_hw, 1]]
    links = rng_e[~same]
    # WorldPop cells sit on a regular grid, where the Gabriel graph keeps only the lattice
    # (trips at 45° would detour by √2); add the diagonals between neighbouring cells
    is_cell = np.zeros(n, dtype=bool)
    is_cell[n_hw:] = (sett_kept["kind"] == "grid_cell").to_numpy()
    cells = np.flatnonzero(is_cell)
    if len(cells) > 1:
        cell_tree = cKDTree(xy[cells])
        spacing = float(np.median(cell_tree.query(xy[cells], k=2)[0][:, 1]))
        pairs_arr = cell_tree.query_pairs(1.5 * spacing, output_type="ndarray")
        diag = np.sort(cells[pairs_arr], axis=1)
        known = {(int(a), int(b)) for a, b in links}
        extra = [(int(a), int(b)) for a, b in diag if (int(a), int(b)) not in known]
        if extra:
            links = np.vstack([links, np.array(extra, dtype=np.int64)])

    # 4. junctions where links cross highway edges
    hw_lines = [e[2] for e in hw_edges]
    link_lines = [LineString([xy[a], xy[b]]) for a, b in links]
    tree = STRtree(hw_lines)
    pairs = tree.query(link_lines, predicate="crosses") if link_lines and hw_lines else \
        np.empty((2, 0), dtype=int)
    extra_xy: list[tuple[float, float]] = []
    link_cuts: dict[int, list[tuple[float, int]]] = {}
    hw_cuts: dict[int, list[tuple[float, int]]] = {}
    for li, hi in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        inter = link_lines[li].intersection(hw_lines[hi])
        for pt in getattr(inter, "geoms", [inter]):
            if not isinstance(pt, Point):
                continue
            a, b, *_ = hw_edges[hi]
            if pt.distance(Point(xy[a])) < 1.0 or pt.distance(Point(xy[b])) < 1.0:
                continue
            node = n + len(extra_xy)
            extra_xy.append((pt.x, pt.y))
            link_cuts.setdefault(li, []).append((link_lines[li].project(pt), node))
            hw_cuts.setdefault(hi, []).append((hw_lines[hi].project(pt), node))
    all_xy = np.vstack([xy, np.array(extra_xy).reshape(-1, 2)])

    # 5. the graph
    G = nx.MultiDiGraph()
    lon, lat = to_geo.transform(all_xy[:, 0], all_xy[:, 1])
    for i in range(len(all_xy)):
        attrs: dict[str, Any] = {"x": float(lon[i]), "y": float(lat[i])}
        if i < n_hw:
            attrs.update(kind="highway", point_source="national_road")
        elif i < n:
            rec = sett_kept.iloc[i - n_hw]
            attrs.update(kind=rec["kind"], point_source=rec["point_source"],
                         name=rec["name"], ref=rec["ref"],
                         merged_points=int(rec["merged_points"]))
            if not math.isnan(rec["population"]):
                attrs["population"] = float(rec["population"])
        else:
            attrs.update(kind="junction", point_source="proxy")
        G.add_node(i, **attrs)

    def add_both(a: int, b: int, line: LineString, attrs: dict[str, Any]) -> None:
        geo = shapely.transform(line, lambda c: np.column_stack(
            to_geo.transform(c[:, 0], c[:, 1])))
        G.add_edge(a, b, geometry=geo, **attrs)
        G.add_edge(b, a, geometry=geo.reverse(), **attrs)

    for hi, (a, b, line, ref, name) in enumerate(hw_edges):
        cuts = sorted(hw_cuts.get(hi, []))
        stops = [(0.0, a), *cuts, (line.length, b)]
        for (d0, u), (d1, v) in itertools.pairwise(stops):
            part = substring(line, d0, d1)
            if u == v or not isinstance(part, LineString) or part.length <= 0:
                continue
            add_both(u, v, part, {"length_m": float(part.length), "highway": "trunk",
                                  "surface": "paved", "oneway": False,
                                  "source": "national_road", "ref": ref, "name": name})
    for li, (a, b) in enumerate(links.tolist()):
        line = link_lines[li]
        cuts = sorted(link_cuts.get(li, []))
        stops = [(0.0, a), *cuts, (line.length, b)]
        for (d0, u), (d1, v) in itertools.pairwise(stops):
            straight = float(d1 - d0)
            if u == v or straight <= 0:
                continue
            part = LineString([all_xy[u], all_xy[v]])
            add_both(u, v, part, proxy_link_attributes(straight, circuity=circuity))

    H = finish_network(G, kind="proxy", profile=profile, metric_crs=metric, terrain="mountain")
    H.graph.update(
        method=METHOD, circuity=circuity, min_cell_population=min_cell_population,
        merge_m=merge_m, junctions=len(extra_xy),
        settlements=len(sett_kept), settlement_points=len(sett),
    )
    return H
