"""The access surface: travel time from every populated cell and commune point to an office."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np

from data.errors import InputError, Problem
from data.settings import GEO_CRS
from geo.coverage.access import (
    DEMAND_MAX_SNAP_M,
    AccessNetwork,
    check_snapped,
    nearest_destination,
    network_label,
    point_times,
    snap_to_network,
)

#: Off-road legs longer than this are flagged ``far_from_road`` in reports, metres.
FAR_FROM_ROAD_M = 2_000.0


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
    speed_table: str = ""

    def summary(self) -> str:
        """One paragraph describing the surface."""
        t = self.cells["travel_time_s"].to_numpy(dtype=float)
        w = self.cells["population"].to_numpy(dtype=float)
        reach = np.isfinite(t)
        mean = float((t[reach] * w[reach]).sum() / w[reach].sum()) if w[reach].sum() else math.nan
        return (f"Access surface ({self.profile}, {network_label(self.network_kind)}): "
                f"{len(self.cells)} cells, {len(self.points)} commune points, "
                f"{len(self.offices)} offices ({', '.join(self.kinds)}); mean "
                f"{mean / 60:.1f} min per person; {int((~reach).sum())} cells cannot reach "
                f"an office; {self.seconds:.2f} s")



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
        t, dest = point_times(snapped, node_t, node_office)
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
                         seconds=time.perf_counter() - started,
                         speed_table=net.speed_table)


__all__ = ["FAR_FROM_ROAD_M", "AccessSurface", "access_surface", "select_offices"]
