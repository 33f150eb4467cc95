"""Writing geo layers to a file whose suffix names the format (GeoPackage, GeoJSON, CSV).

Every export of ``geo`` (coverage reports, siting plans) accepts the same suffixes and
refuses any other with the same message: :func:`export_format` decides, :func:`write_gpkg`
writes a GeoPackage of several layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from data.errors import InputError, Problem

ExportFormat = Literal["gpkg", "geojson", "csv"]
#: File suffixes the exports accept, and the format each one writes.
EXPORT_SUFFIXES: dict[str, ExportFormat] = {
    ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".csv": "csv",
}


def export_format(path: str | Path) -> ExportFormat:
    """Return the format the suffix of ``path`` names.

    Raises
    ------
    InputError
        For any other suffix, naming the ones accepted.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError([Problem("Unsupported export format; use .gpkg, .geojson or .csv.",
                                  value=suffix or str(path))])
    return EXPORT_SUFFIXES[suffix]


def write_gpkg(path: Path, layers: Mapping[str, pd.DataFrame]) -> Path:
    """Write a new GeoPackage (an existing file is replaced) with one layer per entry.

    Parameters
    ----------
    path
        Target ``.gpkg`` file.
    layers
        Layer name → GeoDataFrame, or a plain DataFrame written as a table without
        geometry.
    """
    if path.exists():
        path.unlink()
    for name, frame in layers.items():
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_file(path, layer=name, driver="GPKG")
        else:
            import pyogrio

            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


__all__ = ["EXPORT_SUFFIXES", "ExportFormat", "export_format", "write_gpkg"]
