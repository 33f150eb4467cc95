"""Whose people a coverage figure counts: WorldPop cells, or cells rescaled to the census."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

#: Where the people counts of an access surface come from.
POPULATION_SOURCE = "WorldPop 2020, 1 km, UN-adjusted"
#: The same cells rescaled so each commune's cells sum to its 2019 census population.
CENSUS_SOURCE = "2019 census per commune, spread over its cells by WorldPop 2020 (1 km)"
#: ``source`` value of census-scaled cells.
CENSUS_CELL_SOURCE = "census2019_worldpop"

def census_scaled_cells(cells: gpd.GeoDataFrame, communes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Rescale cell populations so each commune's cells sum to its 2019 census count.

    WorldPop says where people live; the census says how many. The result keeps the
    WorldPop figure in ``population_worldpop`` and sets ``source`` to
    :data:`CENSUS_CELL_SOURCE`, so reports say which people they count.

    Parameters
    ----------
    cells
        Populated cells with ``population`` and ``commune_code``.
    communes
        Communes with ``commune_code`` and ``population`` (2019 census).

    Returns
    -------
    GeoDataFrame
        A copy of ``cells``; communes whose cells hold no WorldPop people keep zeros.
    """
    out = cells.copy()
    census = communes.set_index(communes["commune_code"].astype(str))["population"]
    code = out["commune_code"].astype(str)
    wp_sum = out.groupby(code)["population"].transform("sum").to_numpy(dtype=float)
    target = code.map(census).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(wp_sum > 0, target / wp_sum, 0.0)
    out["population_worldpop"] = out["population"]
    out["population"] = out["population"].to_numpy(dtype=float) * np.nan_to_num(factor)
    out["source"] = CENSUS_CELL_SOURCE
    return out


__all__ = ["CENSUS_CELL_SOURCE", "CENSUS_SOURCE", "POPULATION_SOURCE", "census_scaled_cells"]
