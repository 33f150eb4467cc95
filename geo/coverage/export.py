"""Coverage reports written as GeoPackage, GeoJSON or CSV."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data.settings import GEO_CRS
from data.tables import csv_bytes
from geo.coverage.report import CoverageReport
from geo.export import export_format, write_gpkg


def export_coverage(report: CoverageReport, path: str | Path) -> Path:
    """Write a coverage report as GeoPackage, GeoJSON or CSV (chosen by the suffix).

    ``.gpkg`` holds layers ``communes``, ``new_communes``, ``cells``, ``worst_places`` and
    ``curve``; ``.geojson`` the old communes with their figures; ``.csv`` the old communes
    as a table (UTF-8 with BOM so Excel shows the diacritics). Every row carries
    ``network_kind`` and ``population_source``.

    Parameters
    ----------
    report
        The report.
    path
        Target file; its suffix picks the format.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For an unsupported suffix.
    """
    target = Path(path)
    fmt = export_format(target)
    communes = _export_frame(report.communes, report)
    if fmt == "gpkg":
        layers: dict[str, pd.DataFrame] = {"communes": communes}
        newc = _export_frame(report.new_communes, report)
        if newc.geometry.notna().any():
            layers["new_communes"] = newc
        layers["cells"] = _export_frame(report.cells, report)
        layers["worst_places"] = _export_frame(report.worst_places, report)
        curve = report.curve.copy()
        curve["network_kind"] = report.network_kind
        layers["curve"] = curve
        write_gpkg(target, layers)
    elif fmt == "geojson":
        communes.to_file(target, driver="GeoJSON")
    else:
        target.write_bytes(csv_bytes(communes))
    return target


def _export_frame(gdf: gpd.GeoDataFrame, report: CoverageReport) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].dtype == float:
            out[col] = out[col].replace([np.inf, -np.inf], np.nan)
        elif out[col].dtype == object:
            out[col] = out[col].astype("string")
    out["minutes_threshold"] = report.minutes
    out["profile"] = report.profile
    out["network_kind"] = report.network_kind
    out["population_source"] = report.population_source
    if out.crs is not None and out.crs != GEO_CRS:
        out = out.to_crs(GEO_CRS)
    return out


__all__ = ["export_coverage"]
