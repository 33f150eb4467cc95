"""Service areas (isochrones) of offices, built from the road network itself.

An isochrone here is the part of the network reachable within ``T`` minutes — whole edges,
and the reachable stretch of the edges where time runs out — buffered by ``buffer_m`` in
the metric CRS. Unlike a convex or concave hull of the reachable nodes it never spreads
over land the network does not reach (a valley across a ridge, the far side of a lake).

- :func:`reachable_area` (core) turns travel times at the nodes into one polygon.
- :func:`service_areas` (adapter) snaps offices, runs one bounded search per office
  (off-network legs included) and returns a GeoDataFrame with one row per office and
  cutoff.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.ops

from data.errors import InputError, Problem
from data.settings import GEO_CRS
from geo.coverage.access import (
    AccessNetwork,
    EdgeTable,
    FloatArray,
    check_snapped,
    snap_to_network,
)

Direction = Literal["to", "from"]
#: Default cutoffs of service areas, in minutes.
DEFAULT_CUTOFFS_MIN: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0)
#: Default half-width of the band around reachable roads (metres).
DEFAULT_BUFFER_M = 500.0


def reachable_area(
    edges: EdgeTable,
    node_time_s: npt.ArrayLike,
    cutoff_s: float,
    *,
    direction: Direction = "to",
    buffer_m: float = DEFAULT_BUFFER_M,
    extra_points: npt.ArrayLike | None = None,
) -> shapely.Geometry:
    """Return the area within ``cutoff_s`` of a source, from node times (metric CRS).

    Parameters
    ----------
    edges
        The network's edges (:meth:`EdgeTable.from_graph`).
    node_time_s
        Per node (order ``edges.nodes``): seconds to (``direction="to"``) or from
        (``"from"``) the source; ``inf`` when unreachable.
    cutoff_s
        Time budget in seconds.
    direction
        ``to``: a citizen travelling to the office (the reachable stretch of edge ``u→v``
        is the part near ``v``); ``from``: leaving the office (the part near ``u``).
    buffer_m
        Half-width of the band drawn around reachable roads, metres.
    extra_points
        ``(n, 2)`` metric coordinates always included (e.g. the office itself).

    Returns
    -------
    shapely.Geometry
        Polygon or MultiPolygon in ``edges.metric_crs`` (empty when nothing is reachable).
    """
    t = np.asarray(node_time_s, dtype=float)
    if t.shape != (len(edges.nodes),):
        raise InputError([Problem(f"node_time_s has {t.size} entries; the network has "
                                  f"{len(edges.nodes)} nodes.", column="node_time_s")])
    full, pieces = _reachable_pieces(edges, t, cutoff_s, direction=direction)
    pieces += list(edges.geometry[full])
    return _buffer_union(pieces, buffer_m, extra_points=extra_points)


def _reachable_pieces(edges: EdgeTable, t: FloatArray, cutoff_s: float, *,
                      direction: Direction) -> tuple[npt.NDArray[np.bool_],
                                                     list[shapely.Geometry]]:
    """Edges reachable in full (mask) and the reachable stretches of the others."""
    tt = edges.travel_time_s
    anchor = t[edges.v] if direction == "to" else t[edges.u]
    ok = anchor <= cutoff_s
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(tt > 0, (cutoff_s - anchor) / tt, np.inf)
    full = ok & (share >= 1.0)
    part = ok & ~full
    pieces: list[shapely.Geometry] = []
    if part.any():
        geoms = edges.geometry[part]
        lengths = shapely.length(geoms)
        keep = np.clip(share[part], 0.0, 1.0) * lengths
        for g, length, k in zip(geoms, lengths, keep, strict=True):
            if k <= 0:
                continue
            if direction == "to":
                pieces.append(shapely.ops.substring(g, length - k, length))
            else:
                pieces.append(shapely.ops.substring(g, 0.0, k))
    return full, pieces


def _buffer_union(pieces: list[shapely.Geometry], buffer_m: float, *,
                  extra_points: npt.ArrayLike | None = None,
                  base: shapely.Geometry | None = None) -> shapely.Geometry:
    """Union of the pieces buffered one by one (much faster than buffering a collection)."""
    geoms = list(pieces)
    if extra_points is not None:
        pts = np.asarray(extra_points, dtype=float).reshape(-1, 2)
        geoms += [shapely.Point(p) for p in pts]
    polys = list(shapely.buffer(np.asarray(geoms, dtype=object), buffer_m, quad_segs=4)) \
        if geoms else []
    if base is not None and not shapely.is_empty(base):
        polys.append(base)
    if not polys:
        return shapely.Polygon()
    return shapely.union_all(np.asarray(polys, dtype=object))


def service_areas(
    network: AccessNetwork | nx.MultiDiGraph,
    offices: gpd.GeoDataFrame,
    *,
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    direction: Direction = "to",
    buffer_m: float = DEFAULT_BUFFER_M,
    max_snap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Service areas of each office for each cutoff, as a GeoDataFrame.

    Parameters
    ----------
    network
        An :class:`geo.coverage.AccessNetwork` (reused) or a graph with travel times.
    offices
        Offices with ``office_id`` (``name`` and ``kind`` kept if present) and Point
        geometry with a CRS.
    cutoffs_min
        Cutoffs in minutes.
    direction
        ``to`` (citizen to office, default) or ``from`` (office outwards).
    buffer_m
        Half-width of the band around reachable roads, metres.
    max_snap_m
        Snapping limit for the offices (default of :func:`geo.snap.snap_points`).

    Returns
    -------
    GeoDataFrame
        One row per office and cutoff: ``office_id``, ``name``, ``kind``, ``minutes``,
        ``area_km2``, ``network_kind``, ``source`` (``"network"``) and the polygon
        (EPSG:4326); largest cutoff first, so smaller areas draw on top.

    Raises
    ------
    InputError
        When offices lack a CRS or ``office_id``, or a cutoff is not positive.
    """
    problems = []
    cutoffs = [float(c) for c in cutoffs_min]
    if not cutoffs or any(not (math.isfinite(c) and c > 0) for c in cutoffs):
        problems.append(Problem("cutoffs must be positive minutes, e.g. 15, 30, 45, 60.",
                                column="cutoffs_min", value=str(list(cutoffs_min))))
    if not buffer_m > 0:
        problems.append(Problem("buffer_m must be positive metres.", column="buffer_m",
                                value=str(buffer_m)))
    if "office_id" not in offices.columns:
        problems.append(Problem("offices need an 'office_id' column.", column="office_id"))
    if offices.crs is None:
        problems.append(Problem("offices have no CRS; set it (EPSG:4326) before use.",
                                column="geometry"))
    if problems:
        raise InputError(problems, summary="Service areas cannot be drawn")
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    edges = net.edges
    snapped = snap_to_network(net, offices, max_snap_m=max_snap_m, what="office")
    check_snapped(snapped, offices, id_column="office_id", what="office")
    metric = offices.to_crs(edges.metric_crs)
    limit_s = max(cutoffs) * 60.0
    rows = []
    for i, office in enumerate(offices.itertuples()):
        ends = snapped.destination_nodes[i] if direction == "to" else snapped.origin_nodes[i]
        secs = snapped.destination_s[i] if direction == "to" else snapped.origin_s[i]
        t, _ = net.engine.nearest_positions(ends, secs, direction=direction,
                                            limit_s=limit_s)
        pt = np.array([[metric.geometry.iloc[i].x, metric.geometry.iloc[i].y]])
        # ascending cutoffs: each area grows the previous one by what became reachable
        area: shapely.Geometry | None = None
        done = np.zeros(len(edges.u), dtype=bool)
        for c in sorted(set(cutoffs)):
            full, pieces = _reachable_pieces(edges, t, c * 60.0, direction=direction)
            pieces += list(edges.geometry[full & ~done])
            area = _buffer_union(pieces, buffer_m, extra_points=pt if area is None else None,
                                 base=area)
            done |= full
            rows.append({
                "office_id": str(office.office_id),
                "name": str(getattr(office, "name", "")),
                "kind": str(getattr(office, "kind", "")),
                "minutes": c,
                "area_km2": float(shapely.area(area)) / 1e6,
                "network_kind": net.kind,
                "source": "network",
                "geometry": area,
            })
    frame = pd.DataFrame(rows, columns=["office_id", "name", "kind", "minutes", "area_km2",
                                        "network_kind", "source", "geometry"])
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=edges.metric_crs)
    out = out.sort_values(["office_id", "minutes"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True).to_crs(GEO_CRS)
