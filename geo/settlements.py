"""Where people live, as points: the settlements the proxy network and gap filling join.

:func:`settlements` gathers, in the metric CRS, the 102 commune points
(:mod:`data.commune_points`), the OSM points of interest (village halls marked) and the
WorldPop 1 km cells with at least ``min_cell_population`` people, each with its kind, name,
reference and source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data import layers
from data.commune_points import load_commune_points
from data.settings import Settings

#: WorldPop 1 km cells with at least this many people count as a settlement (a hamlet).
DEFAULT_MIN_CELL_POPULATION = 50.0


def settlements(settings: Settings, *,
                min_cell_population: float = DEFAULT_MIN_CELL_POPULATION) -> pd.DataFrame:
    """Settlement points in ``settings.metric_crs`` with what each one is.

    Parameters
    ----------
    settings
        Data bundle and metric CRS.
    min_cell_population
        Smallest WorldPop cell population counted as a settlement (a hamlet).

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y`` (metric), ``kind`` (``commune_point``, ``village_hall``, ``poi``,
        ``grid_cell``), ``name``, ``ref`` (commune code, OSM id or cell id),
        ``point_source`` (``geocoded``, ``osm``, ``worldpop``), ``population`` (cells only,
        else NaN).
    """
    parts = []
    communes = load_commune_points(settings).to_crs(settings.metric_crs)
    parts.append(pd.DataFrame({
        "x": communes.geometry.x, "y": communes.geometry.y, "kind": "commune_point",
        "name": communes["name"].astype(str), "ref": communes["commune_code"].astype(str),
        "point_source": communes.get("source", "geocoded"), "population": np.nan,
    }))
    pois = layers.load_pois(settings).to_crs(settings.metric_crs)
    category = pois["category"] if "category" in pois else pd.Series("other", index=pois.index)
    parts.append(pd.DataFrame({
        "x": pois.geometry.x, "y": pois.geometry.y,
        "kind": np.where(category == "village_hall", "village_hall", "poi"),
        "name": pois["name"].fillna("").astype(str), "ref": pois["osm_id"].astype(str),
        "point_source": "osm", "population": np.nan,
    }))
    grid = layers.load_population_grid(settings)
    grid = grid[grid["population"] >= min_cell_population].to_crs(settings.metric_crs)
    parts.append(pd.DataFrame({
        "x": grid.geometry.x, "y": grid.geometry.y, "kind": "grid_cell", "name": "",
        "ref": grid["cell_id"].astype(str), "point_source": "worldpop",
        "population": grid["population"].astype(float),
    }))
    return pd.concat(parts, ignore_index=True)


__all__ = ["DEFAULT_MIN_CELL_POPULATION", "settlements"]
