"""Data-quality report of the bundle: WorldPop against the census, and the commune points.

``postplan data check`` prints :func:`data_quality_warnings`; the Data page shows
:func:`data_quality_table`. The commune-point rule itself lives in
:mod:`data.commune_points`; this module only reports what it did.
"""

from __future__ import annotations

import pandas as pd
from babel.numbers import format_decimal

from data.commune_points import load_commune_points, point_warnings
from data.layers import load_communes, load_population_grid
from data.settings import Settings

__all__ = ["QUALITY_COLUMNS", "data_quality_table", "data_quality_warnings"]

#: Columns of :func:`data_quality_table`.
QUALITY_COLUMNS: tuple[str, ...] = (
    "commune_code", "name", "district", "new_commune_name", "population_census",
    "population_grid", "grid_cells", "grid_to_census", "geocoded_in_commune", "point_source",
    "point_method", "warning", "warning_vi",
)


def data_quality_table(settings: Settings) -> pd.DataFrame:
    """Per-commune comparison of the WorldPop grid with the 2019 census, and its point.

    Returns
    -------
    DataFrame
        One row per pre-2025 commune, columns :data:`QUALITY_COLUMNS`: ``commune_code``,
        ``name``, ``district``, ``new_commune_name``, ``population_census`` (2019),
        ``population_grid`` (sum of WorldPop 2020 cells whose centre lies in the commune),
        ``grid_cells``, ``grid_to_census`` (ratio), ``geocoded_in_commune``,
        ``point_source`` and ``point_method`` (:func:`data.commune_points.load_commune_points`),
        and ``warning`` / ``warning_vi`` (English / Vietnamese; empty when fine).
    """
    communes = load_communes(settings)
    grid = load_population_grid(settings)
    points = load_commune_points(settings).set_index("commune_code")
    sums = grid.groupby("commune_code").agg(
        population_grid=("population", "sum"), grid_cells=("cell_id", "size")
    )
    table = pd.DataFrame(communes[
        ["commune_code", "name", "district", "new_commune_name", "population",
         "geocoded_in_commune"]
    ]).rename(columns={"population": "population_census"})
    table = table.merge(sums, left_on="commune_code", right_index=True, how="left")
    table["population_grid"] = table["population_grid"].fillna(0.0)
    table["grid_cells"] = table["grid_cells"].fillna(0).astype("int64")
    table["grid_to_census"] = table["population_grid"] / table["population_census"]
    table["point_source"] = table["commune_code"].map(points["source"])
    table["point_method"] = table["commune_code"].map(points["method"])
    table["_note"] = table["commune_code"].map(points["note_en"])
    table["_note_vi"] = table["commune_code"].map(points["note_vi"])
    warnings, warnings_vi = [], []
    for r in table.to_dict("records"):
        parts, parts_vi = [], []
        ratio = float(r["grid_to_census"])
        if int(r["grid_cells"]) == 0:
            parts.append("no populated WorldPop cell centre inside the commune")
            parts_vi.append("không có tâm ô WorldPop có dân nào nằm trong xã")
        elif not 0.5 <= ratio <= 2.0:
            grid, census = float(r["population_grid"]), int(r["population_census"])
            parts.append(
                f"WorldPop 2020 gives {grid:,.0f} people, {ratio:.2f}x the 2019 census "
                f"({census:,})"
            )
            parts_vi.append(
                f"WorldPop 2020 cho {format_decimal(grid, '#,##0', locale='vi')} người, "
                f"gấp {format_decimal(ratio, '0.00', locale='vi')} lần điều tra 2019 "
                f"({format_decimal(census, '#,##0', locale='vi')})"
            )
        if r["point_source"] == "estimated":
            parts.append("commune point replaced: "
                         + str(r["_note"]).removeprefix("Estimated: "))
            parts_vi.append("đã thay điểm xã: "
                            + str(r["_note_vi"]).removeprefix("Ước tính: "))
        warnings.append("; ".join(parts))
        warnings_vi.append("; ".join(parts_vi))
    table["warning"] = warnings
    table["warning_vi"] = warnings_vi
    return table[list(QUALITY_COLUMNS)].reset_index(drop=True)


def data_quality_warnings(settings: Settings) -> list[str]:
    """Human-readable data-quality warnings for ``postplan data check`` (English)."""
    table = data_quality_table(settings)
    out = point_warnings(load_commune_points(settings))
    out += [f"{r['name']} ({r['district']}, {r['commune_code']}): {r['warning']}"
            for r in table.to_dict("records") if r["warning"]]
    grid_total = float(table["population_grid"].sum())
    census_total = int(table["population_census"].sum())
    out.append(
        f"WorldPop 2020 (UN-adjusted) totals {grid_total:,.0f} people against the 2019 census "
        f"{census_total:,} ({grid_total / census_total - 1:+.1%}); the grid is a modelled "
        "estimate, use the census for commune totals"
    )
    return out
