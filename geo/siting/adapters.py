"""The GeoDataFrame door: cells, candidates and offices in, a siting plan or a score out.

:func:`siting_problem` builds the cells × sites cost matrix on the road network
(:func:`cost_matrix`, door to door, through :func:`geo.matrix.ends_matrix`),
:func:`site_new_posts` solves it into a :class:`SitingPlan`, and :func:`evaluate_sites`
scores a hand-edited set of sites with one multi-source search (no MILP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from data.errors import InputError, Problem
from data.settings import GEO_CRS
from geo.coverage.access import (
    DEMAND_MAX_SNAP_M,
    AccessNetwork,
    check_snapped,
    nearest_destination,
    point_times,
    snap_to_network,
)
from geo.matrix import ends_matrix
from geo.siting.problem import (
    DEFAULT_UNREACHABLE_PENALTY_S,
    FloatArray,
    SitingProblem,
    frozen_array,
)
from geo.siting.results import SitingResult
from geo.siting.score import SiteScore
from geo.siting.solve import solve_siting


def siting_problem(
    network: AccessNetwork | nx.MultiDiGraph,
    cells: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    *,
    minutes: float,
    k: int,
    max_snap_m: float | None = None,
    demand_snap_m: float = DEMAND_MAX_SNAP_M,
) -> tuple[SitingProblem, gpd.GeoDataFrame]:
    """Build the cost matrix populated cells × (existing offices + candidates).

    Times run from each cell to each site (the citizen's direction), off-network legs at
    both ends included, through one many-to-many query of the travel engine between the
    distinct network nodes the cells and sites join the network at.

    Parameters
    ----------
    network
        An :class:`geo.coverage.AccessNetwork` or a graph.
    cells
        Demand: ``population`` per point (e.g. :func:`data.layers.load_population_grid`).
    candidates
        New-site candidates with ``site_id`` (unique), optional ``name``; Point geometry.
    existing
        Offices kept open, with ``office_id`` (their site id), optional ``name``.
    minutes
        Coverage threshold.
    k
        New sites to open.
    max_snap_m
        Snapping limit for sites (existing offices beyond it are an error; candidates
        beyond it get ``inf`` columns).
    demand_snap_m
        Snapping limit for the cells (see :data:`geo.coverage.DEMAND_MAX_SNAP_M`).

    Returns
    -------
    problem, sites
        The :class:`SitingProblem` (existing sites first) and a GeoDataFrame of its
        columns: ``site_id``, ``name``, ``existing``, ``source``; Point geometry.

    Raises
    ------
    InputError
        When a layer lacks columns or a CRS, or site ids are duplicated.
    """
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    problems = []
    if "population" not in cells.columns:
        problems.append(Problem("cells need a 'population' column.", column="population"))
    if "site_id" not in candidates.columns:
        problems.append(Problem("candidates need a 'site_id' column.", column="site_id"))
    if "office_id" not in existing.columns:
        problems.append(Problem("existing offices need an 'office_id' column.",
                                column="office_id"))
    for label, frame in (("cells", cells), ("candidates", candidates),
                         ("existing offices", existing)):
        if frame.crs is None:
            problems.append(Problem(f"{label} have no CRS; set EPSG:4326 first.",
                                    column="geometry"))
    if problems:
        raise InputError(problems, summary="The siting problem cannot be built")
    sites = pd.concat([
        pd.DataFrame({"site_id": existing["office_id"].astype(str),
                      "name": existing.get("name", existing["office_id"]).astype(str),
                      "existing": True,
                      "source": existing.get("source", "user"),
                      "geometry": existing.to_crs(GEO_CRS).geometry.to_numpy()}),
        pd.DataFrame({"site_id": candidates["site_id"].astype(str),
                      "name": candidates.get("name", candidates["site_id"]).astype(str),
                      "existing": False,
                      "source": candidates.get("source", "user"),
                      "geometry": candidates.to_crs(GEO_CRS).geometry.to_numpy()}),
    ], ignore_index=True)
    # a candidate at the same id as an existing office is the office itself
    sites = sites.drop_duplicates("site_id", keep="first").reset_index(drop=True)
    site_gdf = gpd.GeoDataFrame(sites, geometry="geometry", crs=GEO_CRS)
    check_snapped(snap_to_network(net, existing, max_snap_m=max_snap_m, what="office"),
                  existing, id_column="office_id", what="office")
    cost = cost_matrix(net, cells, site_gdf, origin_snap_m=demand_snap_m,
                       destination_snap_m=max_snap_m)
    problem = SitingProblem(cost_s=cost, weight=cells["population"].to_numpy(dtype=float),
                            existing=site_gdf["existing"].to_numpy(dtype=bool),
                            site_id=site_gdf["site_id"].to_numpy(dtype=str),
                            cutoff_s=float(minutes) * 60.0, k=k)
    return problem, site_gdf


def cost_matrix(
    network: AccessNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    origin_snap_m: float | None = DEMAND_MAX_SNAP_M,
    destination_snap_m: float | None = None,
) -> FloatArray:
    """Door-to-door travel times (s) from every origin point to every destination point.

    Parameters
    ----------
    network
        The prepared network.
    origins, destinations
        Point GeoDataFrames with a CRS.
    origin_snap_m, destination_snap_m
        Snapping limits (None: :func:`geo.snap.snap_points`' default); points beyond them
        get ``inf`` rows or columns.

    Returns
    -------
    numpy.ndarray
        ``(len(origins), len(destinations))``, ``inf`` where unreachable.
    """
    o = snap_to_network(network, origins, max_snap_m=origin_snap_m, what="origin")
    d = snap_to_network(network, destinations, max_snap_m=destination_snap_m,
                        what="destination")
    return ends_matrix(network.engine, o, d)[0]


@dataclass(frozen=True, eq=False)
class SitingPlan:
    """A siting answer on the map: the result, the sites and the problem it solved.

    Parameters
    ----------
    result
        The :class:`SitingResult`.
    sites
        Every site column (existing and candidates): ``site_id``, ``name``, ``existing``,
        ``chosen``, ``greedy_chosen``, ``source``; Point geometry.
    problem
        The :class:`SitingProblem` (export it with ``problem.to_npz``).
    network_kind
        ``proxy``, ``osm`` or ``osm+proxy``.
    """

    result: SitingResult
    sites: gpd.GeoDataFrame = field(repr=False)
    problem: SitingProblem = field(repr=False)
    network_kind: str

    @property
    def chosen_sites(self) -> gpd.GeoDataFrame:
        """The chosen new sites with their names."""
        return self.sites[self.sites["chosen"]].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result with the chosen sites' names and coordinates."""
        out = self.result.to_dict()
        out["network_kind"] = self.network_kind
        out["chosen_sites"] = [
            {"site_id": str(r["site_id"]), "name": str(r["name"]),
             "source": str(r["source"]), "lon": round(float(r["geometry"].x), 5),
             "lat": round(float(r["geometry"].y), 5)}
            for r in self.chosen_sites.to_dict("records")]
        return out

    def summary(self) -> str:
        """Summarise the result, with chosen site names and the network kind."""
        names = "; ".join(f"{r['site_id']} {r['name']}"
                          for r in self.chosen_sites.to_dict("records"))
        net = ("PROXY network (estimated)" if self.network_kind == "proxy"
               else f"{self.network_kind} network")
        return f"{self.result.summary()}\n  sites: {names or '-'}\n  times on the {net}"


def site_new_posts(
    network: AccessNetwork | nx.MultiDiGraph,
    cells: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    *,
    k: int,
    minutes: float,
    model: str = "mclp",
    time_limit_s: float = 60.0,
    max_snap_m: float | None = None,
    demand_snap_m: float = DEMAND_MAX_SNAP_M,
) -> SitingPlan:
    """Choose ``k`` new commune-post sites among candidates, existing offices kept.

    Parameters
    ----------
    network
        An :class:`geo.coverage.AccessNetwork` or a graph.
    cells
        Demand points with ``population``.
    candidates
        Candidate sites with ``site_id`` (see :func:`candidate_sites`).
    existing
        Offices kept open (``office_id``).
    k
        New sites to open.
    minutes
        Coverage threshold.
    model
        ``mclp``, ``pmedian`` or ``lscp``.
    time_limit_s
        HiGHS time limit.
    max_snap_m, demand_snap_m
        Snapping limits for sites and for cells (see :func:`siting_problem`).

    Returns
    -------
    SitingPlan
    """
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    problem, sites = siting_problem(net, cells, candidates, existing, minutes=minutes, k=k,
                                    max_snap_m=max_snap_m, demand_snap_m=demand_snap_m)
    result = solve_siting(problem, model, time_limit_s=time_limit_s)
    sites = sites.copy()
    sites["chosen"] = sites["site_id"].isin(result.chosen)
    sites["greedy_chosen"] = sites["site_id"].isin(result.greedy_chosen)
    return SitingPlan(result=result, sites=sites, problem=problem, network_kind=net.kind)


def evaluate_sites(
    network: AccessNetwork | nx.MultiDiGraph,
    cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    minutes: float,
    max_snap_m: float | None = None,
    demand_snap_m: float = DEMAND_MAX_SNAP_M,
) -> SiteScore:
    """Score a hand-edited set of open sites at once (one multi-source search, no MILP).

    Parameters
    ----------
    network
        An :class:`geo.coverage.AccessNetwork` or a graph.
    cells
        Demand points with ``population``.
    sites
        The open sites, with ``site_id`` (or ``office_id``); any points the planner picks.
    minutes
        Coverage threshold.
    max_snap_m, demand_snap_m
        Snapping limits for sites (beyond it: an error) and for cells.

    Returns
    -------
    SiteScore
        Coverage, mean and weighted time; ``nearest`` indexes rows of ``sites``.
    """
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    id_col = "site_id" if "site_id" in sites.columns else "office_id"
    if id_col not in sites.columns:
        raise InputError([Problem("sites need a 'site_id' (or 'office_id') column.",
                                  column="site_id")])
    if not (math.isfinite(minutes) and minutes > 0):
        raise InputError([Problem("minutes must be a positive number.", column="minutes",
                                  value=str(minutes))])
    dest = snap_to_network(net, sites, max_snap_m=max_snap_m, what="site")
    check_snapped(dest, sites, id_column=id_col, what="site")
    node_t, owner = nearest_destination(net, dest)
    snapped = snap_to_network(net, cells, max_snap_m=demand_snap_m, what="cell")
    t, nearest = point_times(snapped, node_t, owner)
    w = cells["population"].to_numpy(dtype=float)
    reach = np.isfinite(t)
    total = float(w.sum())
    covered = float(w[t <= minutes * 60.0].sum())
    wr = float(w[reach].sum())
    return SiteScore(
        open_ids=tuple(sites[id_col].astype(str).tolist()),
        population_total=total,
        population_covered=covered,
        share_covered=covered / total if total > 0 else 0.0,
        mean_time_s=float((w[reach] * t[reach]).sum() / wr) if wr > 0 else math.nan,
        weighted_time_s=float((w[reach] * t[reach]).sum())
        + DEFAULT_UNREACHABLE_PENALTY_S * (total - wr),
        population_unreached=total - wr,
        time_s=frozen_array(t),
        nearest=frozen_array(nearest.astype(np.int64)),
    )


__all__ = ["SitingPlan", "cost_matrix", "evaluate_sites", "site_new_posts", "siting_problem"]
