"""Tables in the store: a (Geo)DataFrame as a JSON document and back, types and CRS kept.

Office registries, job lists, closure sets and speed tables are saved with
``Store.save_table`` as a pandas "table" JSON document (``format: "pandas-table"``) with the
geometry as WKT and the CRS beside it; :func:`table_from_stored` rebuilds the frame.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from data.errors import StorageError
from data.store.results import StoredObject

if TYPE_CHECKING:
    import pandas as pd


def table_to_json(frame: pd.DataFrame) -> str:
    """Serialise a (Geo)DataFrame as JSON with its column types (pandas table schema).

    Parameters
    ----------
    frame
        The table; a GeoDataFrame's geometry is written as WKT and its CRS kept.
    """
    import geopandas as gpd

    crs: str | None = None
    geometry: str | None = None
    data = frame
    if isinstance(frame, gpd.GeoDataFrame):
        geometry = frame.geometry.name
        crs = frame.crs.to_string() if frame.crs is not None else None
        data = frame.to_wkt()
    table = json.loads(data.to_json(orient="table", index=False, date_format="iso",
                                    force_ascii=False))
    return json.dumps({"format": "pandas-table", "crs": crs, "geometry": geometry,
                       "table": table}, ensure_ascii=False)


def table_from_stored(stored: StoredObject | str) -> pd.DataFrame:
    """Rebuild the table saved by :meth:`Store.save_table`.

    Parameters
    ----------
    stored
        The stored object, or its JSON text.
    """
    import geopandas as gpd
    import pandas as pd

    doc = json.loads(stored.content if isinstance(stored, StoredObject) else stored)
    if not isinstance(doc, dict) or doc.get("format") != "pandas-table":
        raise StorageError("this stored object is not a table saved by Store.save_table.")
    frame = pd.read_json(io.StringIO(json.dumps(doc["table"])), orient="table")
    frame = frame.reset_index(drop=True)
    if doc.get("geometry"):
        column = doc["geometry"]
        frame[column] = gpd.GeoSeries.from_wkt(frame[column])
        return gpd.GeoDataFrame(frame, geometry=column, crs=doc.get("crs"))
    return frame
