"""Candidate places for new commune posts, from the bundled layers."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from data import layers
from data.commune_points import load_commune_points
from data.errors import InputError, Problem
from data.settings import GEO_CRS, Settings

#: Candidate sources for new commune posts.
CANDIDATE_SOURCES: tuple[str, ...] = ("communes", "halls", "cells")
#: Smallest cell population for a populated cell to be a candidate.
DEFAULT_CELL_MIN_PEOPLE = 300.0


def candidate_sites(
    settings: Settings,
    source: str = "communes",
    *,
    cell_min_people: float = DEFAULT_CELL_MIN_PEOPLE,
) -> gpd.GeoDataFrame:
    """Candidate places for a new commune post, from the bundled layers.

    Parameters
    ----------
    settings
        Where the data lives.
    source
        ``communes`` (the 102 commune points of :mod:`data.commune_points`: geocoded,
        or estimated inside the commune where the geocoded one was wrong), ``halls`` (OSM
        ``amenity=community_centre`` village halls) or ``cells`` (WorldPop 1 km cells
        with at least ``cell_min_people`` people, at the cell centre).
    cell_min_people
        Population threshold for ``cells``.

    Returns
    -------
    GeoDataFrame
        ``site_id``, ``name``, ``source`` (``geocoded``, ``estimated``, ``osm``,
        ``worldpop``),
        ``commune_code`` where known; Point geometry (EPSG:4326).

    Raises
    ------
    InputError
        For an unknown source.
    """
    if source == "communes":
        pts = load_commune_points(settings)
        out = pd.DataFrame({"site_id": "commune-" + pts["commune_code"].astype(str),
                            "name": pts["name"], "source": pts["source"],
                            "commune_code": pts["commune_code"].astype(str)})
        geom = pts.geometry
    elif source == "halls":
        pois = layers.load_pois(settings)
        halls = pois[pois["category"] == "village_hall"]
        out = pd.DataFrame({"site_id": "hall-" + halls["poi_id"].astype(str),
                            "name": halls["name"].fillna("Nhà văn hóa"), "source": "osm",
                            "commune_code": None})
        geom = halls.geometry
    elif source == "cells":
        grid = layers.load_population_grid(settings)
        cells = grid[grid["population"] >= cell_min_people]
        names = layers.load_communes(settings).set_index("commune_code")["name"]
        out = pd.DataFrame({
            "site_id": "cell-" + cells["cell_id"].astype(str),
            "name": [f"{names.get(c, c)}, 1 km cell {i} ({p:.0f} people)" for c, i, p in
                     zip(cells["commune_code"], cells["cell_id"], cells["population"],
                         strict=True)],
            "source": "worldpop", "commune_code": cells["commune_code"].astype(str)})
        geom = cells.geometry
    else:
        raise InputError([Problem(f"Unknown candidate source {source!r}; use one of "
                                  f"{', '.join(CANDIDATE_SOURCES)} or pass your own points.",
                                  column="candidates", value=str(source))])
    return gpd.GeoDataFrame(out.reset_index(drop=True),
                            geometry=gpd.GeoSeries(geom.to_numpy(), crs=GEO_CRS))


__all__ = ["CANDIDATE_SOURCES", "DEFAULT_CELL_MIN_PEOPLE", "candidate_sites"]
