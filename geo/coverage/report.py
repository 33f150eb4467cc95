"""The coverage report: who is within T minutes of an office, overall and by commune."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from data.errors import InputError, Problem
from data.settings import GEO_CRS, METRIC_CRS
from geo.coverage.access import network_label
from geo.coverage.population import CENSUS_CELL_SOURCE, CENSUS_SOURCE, POPULATION_SOURCE
from geo.coverage.surface import FAR_FROM_ROAD_M, AccessSurface

#: Minutes at which the coverage curve is tabulated (0 … 240).
CURVE_MINUTES: tuple[int, ...] = tuple(range(0, 241))


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
    speed_table: str = ""

    def to_dict(self, *, worst: int = 10) -> dict[str, Any]:
        """JSON-ready dictionary: totals, worst communes and places, provenance."""
        wc: list[dict[Any, Any]] = self.worst_communes.head(worst).to_dict("records")
        wp: list[dict[Any, Any]] = self.worst_places.head(worst).to_dict("records")
        return {
            "minutes": self.minutes,
            "profile": self.profile,
            "kinds": list(self.kinds),
            "network_kind": self.network_kind,
            "network_note": network_label(self.network_kind),
            "speed_table": self.speed_table,
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
            f"{', '.join(self.kinds)}; {network_label(self.network_kind)})",
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
        if self.speed_table:
            lines.append(f"  speeds: {self.speed_table}")
        return "\n".join(lines)


def _json_float(x: float) -> float | None:
    x = float(x)
    return round(x, 2) if math.isfinite(x) else None


def _json_minutes(seconds: float) -> float | None:
    return _json_float(seconds / 60)


def _minutes_text(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if math.isfinite(seconds) else "unreachable"


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
        speed_table=surface.speed_table,
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


__all__ = ["CURVE_MINUTES", "CoverageReport", "coverage_report", "named_villages",
           "weighted_quantile"]
