"""Siting plans written as GeoPackage, GeoJSON or CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.tables import csv_bytes
from geo.export import export_format, write_gpkg
from geo.siting.adapters import SitingPlan


def export_sites(plan: SitingPlan, path: str | Path) -> Path:
    """Write a siting plan's sites as GeoPackage, GeoJSON or CSV (chosen by the suffix).

    Every row carries ``model``, ``minutes``, ``network_kind`` and whether the site is
    ``existing``, ``chosen`` (exact) or ``greedy_chosen``; CSV adds ``lon``/``lat`` and is
    UTF-8 with BOM for Excel.

    Parameters
    ----------
    plan
        The plan (:func:`site_new_posts`).
    path
        Target file (``.gpkg``, ``.geojson`` or ``.csv``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For another suffix.
    """
    target = Path(path)
    out = plan.sites.copy()
    out["source"] = out["source"].astype(str)
    out["model"] = plan.result.model
    out["minutes"] = plan.result.cutoff_s / 60.0
    out["network_kind"] = plan.network_kind
    fmt = export_format(target)
    if fmt == "gpkg":
        write_gpkg(target, {"sites": out})
    elif fmt == "geojson":
        out.to_file(target, driver="GeoJSON")
    else:
        table = pd.DataFrame(out.drop(columns="geometry"))
        table["lon"] = out.geometry.x.round(6)
        table["lat"] = out.geometry.y.round(6)
        target.write_bytes(csv_bytes(table))
    return target


__all__ = ["export_sites"]
