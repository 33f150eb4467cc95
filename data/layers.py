"""Base layers of the former Kon Tum province as validated GeoDataFrames.

Every loader verifies the sha256 of the files it reads (:mod:`data.catalogue`), checks what
it builds (row counts, joins, totals) and raises :class:`~data.errors.DataIntegrityError`
when the bundle does not hold what it should. Results are cached per data folder and every
call returns a fresh copy, so callers may modify what they get.

All layers are in EPSG:4326 (:data:`data.settings.GEO_CRS`). The communes carry the bundle's
geocoded points as published (``geocoded_lon``, ``geocoded_lat``); the rule deciding where a
commune *is* lives in :mod:`data.commune_points`, and the data-quality report in
:mod:`data.quality`.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.transform
import rasterio.windows
import shapely
from shapely.geometry import MultiPolygon, Polygon

from data.catalogue import dataset_path
from data.errors import DataIntegrityError
from data.names import name_key, split_joined_name
from data.settings import GEO_CRS, Settings

__all__ = [
    "commune_mapping",
    "load_communes",
    "load_districts",
    "load_national_roads",
    "load_new_communes",
    "load_pois",
    "load_population_grid",
    "load_province",
]

#: Number of pre-2025 communes (xã, phường, thị trấn) in the bundle.
N_COMMUNES = 102
#: 2019 census population of the province (sum of the 102 communes).
CENSUS_TOTAL = 540_438
#: Province key of the 2025 Quảng Ngãi in vietnamadminunits' converter.
NEW_PROVINCE_KEY = "tinhquangngai"
#: Province key of the former Kon Tum in vietnamadminunits' legacy table.
OLD_PROVINCE_KEY = "tinhkontum"

#: GADM 4.1 names that differ from the current (2019–2025) names beyond spelling, keyed by
#: (district key, GADM commune key) → commune key in commune_points_legacy.csv. Each pair is
#: confirmed geometrically by the test suite (the geocoded point lies in the GADM polygon).
GADM_ALIASES: dict[tuple[str, str], str] = {
    # GADM still shows Xã Đắk Long of Kon Plông, which became Thị trấn Măng Đen.
    ("konplong", "daklong"): "mangden",
    ("konplong", "mangbuk"): "mangbut",  # Măng Bút
    ("dakglei", "dakplo"): "dakblo",  # Đăk Blô
    ("ngokhoi", "pleican"): "pleikan",  # Plei Kần
}

COMMUNE_COLUMNS = [
    "commune_code",
    "gid_3",
    "name",
    "name_gadm",
    "commune_type",
    "district",
    "population",
    "population_urban",
    "population_rural",
    "new_commune_code",
    "new_commune_name",
    "geocoded_lon",
    "geocoded_lat",
    "geocoded_in_commune",
    "geometry",
]


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    raise DataIntegrityError(f"expected a polygon, found {type(geom).__name__}")


# --------------------------------------------------------------------------- points


@lru_cache(maxsize=8)
def _geocoded_points(settings: Settings) -> pd.DataFrame:
    path = dataset_path("commune_points", settings)
    df = pd.read_csv(path, dtype={"wardCode": str}, encoding="utf-8")
    needed = {"district", "ward", "wardCode", "wardLat", "wardLon", "wardBounds"}
    if missing := needed - set(df.columns):
        raise DataIntegrityError(f"{path.name} lacks columns {sorted(missing)}")
    if len(df) != N_COMMUNES or df["wardCode"].duplicated().any():
        raise DataIntegrityError(
            f"{path.name} should hold {N_COMMUNES} communes with unique wardCode; "
            f"found {len(df)} rows, {df['wardCode'].nunique()} codes"
        )
    return df


# --------------------------------------------------------------------------- 2025 mapping


@lru_cache(maxsize=2)
def _new_units(settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old→new mapping (per old code) and the 2025 units table, from vietnamadminunits."""
    db_path = dataset_path("vietnamadminunits", settings)
    conv_path = db_path.parent / "converter_2025.json"  # verified with the entry
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as con:
        legacy = pd.read_sql_query(
            "SELECT wardCode, provinceKey, districtKey, wardKey FROM admin_units_legacy "
            "WHERE provinceKey = ?",
            con,
            params=(OLD_PROVINCE_KEY,),
        )
        new = pd.read_sql_query(
            "SELECT wardCode, ward, wardType, wardKey, wardLat, wardLon, wardAreaKm2 "
            "FROM admin_units WHERE provinceKey = ?",
            con,
            params=(NEW_PROVINCE_KEY,),
        )
    converter = json.loads(conv_path.read_text(encoding="utf-8"))
    no_div: dict[str, list[str]] = converter["DICT_PROVINCE_WARD_NO_DIVIDED"][NEW_PROVINCE_KEY]
    div: dict[str, list[dict[str, object]]] = converter["DICT_PROVINCE_WARD_DIVIDED"].get(
        NEW_PROVINCE_KEY, {}
    )
    old_to_new: dict[str, str] = {}
    for new_key, olds in no_div.items():
        for old in olds:
            old_to_new[old] = new_key
    split: set[str] = set()
    for old, options in div.items():
        defaults = [o for o in options if o.get("isDefaultNewWard")]
        if defaults:
            old_to_new.setdefault(old, str(defaults[0]["newWardKey"]))
            split.add(old)
    legacy["old_key"] = (
        legacy["provinceKey"] + "_" + legacy["districtKey"] + "_" + legacy["wardKey"]
    )
    legacy["new_key"] = legacy["old_key"].map(old_to_new)
    legacy["new_commune_split"] = legacy["old_key"].isin(split)
    if legacy["new_key"].isna().any():
        missing = legacy.loc[legacy["new_key"].isna(), "old_key"].tolist()
        raise DataIntegrityError(
            f"vietnamadminunits has no 2025 unit for {missing}; fix: reinstall "
            "vietnamadminunits==1.0.4"
        )
    new = new.rename(
        columns={
            "wardCode": "new_commune_code",
            "ward": "new_commune_name",
            "wardType": "new_commune_type",
            "wardKey": "new_key",
            "wardLat": "new_point_lat",
            "wardLon": "new_point_lon",
            "wardAreaKm2": "new_area_km2",
        }
    )
    mapping = legacy.merge(new, on="new_key", how="left", validate="many_to_one")
    if mapping["new_commune_code"].isna().any():
        raise DataIntegrityError("vietnamadminunits: a 2025 unit key has no admin_units row")
    mapping = mapping.rename(columns={"wardCode": "commune_code"})
    return mapping, new


def commune_mapping(settings: Settings) -> pd.DataFrame:
    """Old (pre-2025) → new (July 2025) commune table from ``vietnamadminunits``.

    Returns
    -------
    DataFrame
        One row per old Kon Tum commune: ``commune_code``, ``old_key``, ``new_key``,
        ``new_commune_code``, ``new_commune_name``, ``new_commune_type``, ``new_point_lon``,
        ``new_point_lat``, ``new_area_km2``, ``new_commune_split`` (True when the old
        commune was divided and the package's default new unit is used).
    """
    mapping, _ = _new_units(settings)
    return mapping.copy()


# --------------------------------------------------------------------------- communes


@lru_cache(maxsize=8)
def _communes(settings: Settings) -> gpd.GeoDataFrame:
    path = dataset_path("communes", settings)
    gadm = gpd.read_file(path)
    if gadm.crs is None or gadm.crs.to_epsg() != 4326:
        raise DataIntegrityError(f"{path.name}: expected EPSG:4326, found {gadm.crs}")
    if len(gadm) != N_COMMUNES:
        raise DataIntegrityError(f"{path.name}: expected {N_COMMUNES} rows, found {len(gadm)}")
    points = _geocoded_points(settings).copy()

    gadm["_d"] = gadm["NAME_2"].map(name_key)
    gadm["_c"] = gadm["NAME_3"].map(name_key)
    gadm["_c"] = [GADM_ALIASES.get((d, c), c) for d, c in zip(gadm["_d"], gadm["_c"], strict=True)]
    points["_d"] = points["district"].map(name_key)
    points["_c"] = points["ward"].map(name_key)
    joined = gadm.merge(points, on=["_d", "_c"], how="outer", indicator=True)
    unmatched = joined[joined["_merge"] != "both"]
    if len(unmatched) or len(joined) != N_COMMUNES:
        listed = "; ".join(
            f"{r.NAME_2}/{r.NAME_3}" if r._merge == "left_only" else f"{r.district}/{r.ward}"
            for r in unmatched.itertuples()
        )
        raise DataIntegrityError(
            f"GADM communes and commune points do not match one to one ({len(unmatched)} "
            f"unmatched: {listed}); fix: restore the original bundle files"
        )
    joined = gpd.GeoDataFrame(joined, geometry="geometry", crs=GEO_CRS)

    mapping, _ = _new_units(settings)
    joined = joined.merge(
        mapping[["commune_code", "new_commune_code", "new_commune_name"]],
        left_on="wardCode",
        right_on="commune_code",
        how="left",
        validate="one_to_one",
    )
    if joined["new_commune_code"].isna().any():
        missing = joined.loc[joined["new_commune_code"].isna(), "ward"].tolist()
        raise DataIntegrityError(f"no 2025 unit found for {missing}")

    out = gpd.GeoDataFrame(
        {
            "commune_code": joined["wardCode"].astype(str),
            "gid_3": joined["GID_3"],
            "name": joined["ward"],
            "name_gadm": joined["NAME_3"],
            "commune_type": joined["ward"].map(_unit_type),
            "district": joined["district"],
            "population": joined["total"].astype("int64"),
            "population_urban": joined["urban"].fillna(0).astype("int64"),
            "population_rural": joined["rural"].fillna(0).astype("int64"),
            "new_commune_code": joined["new_commune_code"].astype(str),
            "new_commune_name": joined["new_commune_name"],
            "geocoded_lon": joined["wardLon"].astype(float),
            "geocoded_lat": joined["wardLat"].astype(float),
        },
        geometry=[_as_multipolygon(g) for g in joined.geometry],
        crs=GEO_CRS,
    )
    out["geocoded_in_commune"] = shapely.contains_xy(
        out.geometry.values, out["geocoded_lon"].to_numpy(), out["geocoded_lat"].to_numpy()
    )
    out = out[COMMUNE_COLUMNS].sort_values("commune_code").reset_index(drop=True)
    total = int(out["population"].sum())
    if total != CENSUS_TOTAL:
        raise DataIntegrityError(
            f"census population of the communes sums to {total}, expected {CENSUS_TOTAL}"
        )
    return out


def _unit_type(name: str) -> str:
    for prefix in ("Thị trấn", "Phường", "Xã"):
        if name.startswith(prefix + " "):
            return prefix
    return ""


def load_communes(settings: Settings) -> gpd.GeoDataFrame:
    """Load the 102 pre-2025 communes with 2019 census population and their 2025 unit.

    Returns
    -------
    GeoDataFrame
        Columns ``commune_code`` (GSO code, str), ``gid_3``, ``name`` (with diacritics,
        e.g. "Phường Quang Trung"), ``name_gadm`` (GADM spelling), ``commune_type``
        (Xã / Phường / Thị trấn), ``district``, ``population`` (2019 census total),
        ``population_urban``, ``population_rural``, ``new_commune_code``,
        ``new_commune_name`` (July 2025 unit), ``geocoded_lon``, ``geocoded_lat`` (the
        bundle's geocoded commune point, as published), ``geocoded_in_commune`` (whether that
        point lies inside the polygon), and a MultiPolygon geometry in EPSG:4326. Sorted by
        ``commune_code``. Where a commune *is* (for offices, jobs, candidate sites, reports)
        is decided by :func:`data.commune_points.load_commune_points`, not by these raw
        columns.

    Raises
    ------
    DataIntegrityError
        When a file fails its hash, or the GADM polygons and the commune points do not match
        one to one, or the census total is not 540,438.
    """
    return _communes(settings).copy()


def load_new_communes(settings: Settings) -> gpd.GeoDataFrame:
    """Load the 2025 communes covering former Kon Tum, dissolved from the old communes.

    Returns
    -------
    GeoDataFrame
        One row per 2025 unit: ``new_commune_code``, ``new_commune_name``,
        ``new_commune_type``, ``population`` (sum of the old communes' 2019 census),
        ``old_commune_count``, ``old_commune_codes`` and ``old_commune_names`` (joined with
        "; "), ``point_lon``, ``point_lat`` (the package's point for the new unit),
        ``area_km2`` (official area from the package) and the dissolved geometry.
    """
    return _new_communes(settings).copy()


@lru_cache(maxsize=8)
def _new_communes(settings: Settings) -> gpd.GeoDataFrame:
    communes = _communes(settings)
    _, new = _new_units(settings)
    grouped = communes.dissolve(
        by="new_commune_code",
        aggfunc={
            "new_commune_name": "first",
            "population": "sum",
            "commune_code": lambda s: "; ".join(s),
            "name": lambda s: "; ".join(s),
        },
    ).reset_index()
    grouped["old_commune_count"] = grouped["commune_code"].str.count(";") + 1
    grouped = grouped.rename(
        columns={"commune_code": "old_commune_codes", "name": "old_commune_names"}
    )
    grouped = grouped.merge(
        new[["new_commune_code", "new_commune_type", "new_point_lon", "new_point_lat",
             "new_area_km2"]],
        on="new_commune_code",
        how="left",
    ).rename(
        columns={"new_point_lon": "point_lon", "new_point_lat": "point_lat",
                 "new_area_km2": "area_km2"}
    )
    grouped["geometry"] = [_as_multipolygon(g) for g in grouped.geometry]
    cols = [
        "new_commune_code",
        "new_commune_name",
        "new_commune_type",
        "population",
        "old_commune_count",
        "old_commune_codes",
        "old_commune_names",
        "point_lon",
        "point_lat",
        "area_km2",
        "geometry",
    ]
    return gpd.GeoDataFrame(grouped[cols], geometry="geometry", crs=GEO_CRS).sort_values(
        "new_commune_code"
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- province, districts


@lru_cache(maxsize=8)
def _province(settings: Settings) -> gpd.GeoDataFrame:
    communes = _communes(settings)
    geom = _as_multipolygon(shapely.union_all(communes.geometry.values))
    return gpd.GeoDataFrame(
        {
            "name": ["Kon Tum (former province)"],
            "population": [int(communes["population"].sum())],
            "commune_count": [len(communes)],
            "source": ["GADM 4.1 communes, dissolved"],
        },
        geometry=[geom],
        crs=GEO_CRS,
    )


def load_province(settings: Settings) -> gpd.GeoDataFrame:
    """Load the former province as one row: the 102 GADM communes dissolved.

    Columns ``name``, ``population`` (2019 census), ``commune_count``, ``source`` and a
    MultiPolygon geometry.
    """
    return _province(settings).copy()


@lru_cache(maxsize=8)
def _districts(settings: Settings) -> gpd.GeoDataFrame:
    path = dataset_path("districts", settings)
    raw = gpd.read_file(path)
    if len(raw) != 10:
        raise DataIntegrityError(f"{path.name}: expected 10 districts, found {len(raw)}")
    communes = _communes(settings)
    pop = communes.groupby(communes["district"].map(name_key))["population"].sum()
    counts = communes.groupby(communes["district"].map(name_key)).size()
    keys = raw["name"].map(name_key)
    if set(keys) != set(pop.index):
        raise DataIntegrityError(
            f"district names of {path.name} do not match the communes' districts: "
            f"{sorted(set(keys) ^ set(pop.index))}"
        )
    return gpd.GeoDataFrame(
        {
            "district_code": raw["level2_id"].astype(str),
            "name": raw["name"],
            "population": keys.map(pop).astype("int64").to_numpy(),
            "commune_count": keys.map(counts).astype("int64").to_numpy(),
        },
        geometry=[_as_multipolygon(g) for g in raw.geometry],
        crs=GEO_CRS,
    )


def load_districts(settings: Settings) -> gpd.GeoDataFrame:
    """Load the 10 former districts (dvhcvn boundaries as of 2025-03-01).

    Columns ``district_code`` (GSO level-2 code), ``name``, ``population`` (2019 census sum
    of its communes), ``commune_count`` and a MultiPolygon geometry.
    """
    return _districts(settings).copy()


# --------------------------------------------------------------------------- population grid


@lru_cache(maxsize=4)
def _grid(settings: Settings) -> gpd.GeoDataFrame:
    path = dataset_path("worldpop", settings)
    province = _province(settings).geometry.iloc[0]
    communes = _communes(settings)
    with rasterio.open(path) as src:
        if src.crs is None or src.crs.to_epsg() != 4326:
            raise DataIntegrityError(f"{path.name}: expected EPSG:4326, found {src.crs}")
        t = src.transform
        if t.b != 0 or t.d != 0:
            raise DataIntegrityError(f"{path.name}: rotated rasters are not supported")
        minx, miny, maxx, maxy = province.bounds
        col0 = int(np.floor((minx - t.c) / t.a)) - 1  # one spare cell on each side
        row0 = int(np.floor((maxy - t.f) / t.e)) - 1
        col1 = int(np.ceil((maxx - t.c) / t.a)) + 1
        row1 = int(np.ceil((miny - t.f) / t.e)) + 1
        if col0 < 0 or row0 < 0 or col1 > src.width or row1 > src.height:
            raise DataIntegrityError(f"{path.name} does not cover the province")
        win = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)
        values = src.read(1, window=win)
        transform = rasterio.Affine(t.a, 0.0, t.c + col0 * t.a, 0.0, t.e, t.f + row0 * t.e)
        nodata = src.nodata
        width = src.width
    rows, cols = np.indices(values.shape)
    xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel(), offset="center")
    xs = np.asarray(xs)
    ys = np.asarray(ys)
    v = values.ravel().astype("float64")
    valid = np.isfinite(v) & (v > 0)
    if nodata is not None:
        valid &= v != nodata
    inside = np.zeros(v.shape, dtype=bool)
    inside[valid] = shapely.contains_xy(province, xs[valid], ys[valid])
    g_rows = rows.ravel()[inside] + int(win.row_off)
    g_cols = cols.ravel()[inside] + int(win.col_off)
    grid = gpd.GeoDataFrame(
        {
            "cell_id": (g_rows * width + g_cols).astype("int64"),
            "row": g_rows.astype("int64"),
            "col": g_cols.astype("int64"),
            "population": v[inside],
        },
        geometry=gpd.points_from_xy(xs[inside], ys[inside]),
        crs=GEO_CRS,
    )
    joined = gpd.sjoin(
        grid, communes[["commune_code", "geometry"]], how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    grid["commune_code"] = joined["commune_code"].to_numpy()
    if grid["commune_code"].isna().any():
        # centre on a shared border: take the nearest commune
        lost = grid["commune_code"].isna()
        near = gpd.sjoin_nearest(grid.loc[lost, ["geometry"]],
                                 communes[["commune_code", "geometry"]])
        near = near[~near.index.duplicated(keep="first")]
        grid.loc[lost, "commune_code"] = near["commune_code"]
    grid["source"] = "worldpop"
    cols_out = ["cell_id", "row", "col", "population", "commune_code", "source", "geometry"]
    return grid[cols_out].sort_values("cell_id").reset_index(drop=True)


def load_population_grid(settings: Settings) -> gpd.GeoDataFrame:
    """WorldPop 2020 1 km cells whose centre lies in the province and whose count is > 0.

    Returns
    -------
    GeoDataFrame
        ``cell_id`` (row * raster width + column in the national raster, stable),
        ``row``, ``col``, ``population`` (WorldPop 2020 UN-adjusted count, float),
        ``commune_code`` (pre-2025 commune containing the cell centre), ``source``
        (``"worldpop"``) and the cell centre as Point geometry (EPSG:4326).
    """
    return _grid(settings).copy()


# --------------------------------------------------------------------------- OSM, roads


@lru_cache(maxsize=8)
def _pois(settings: Settings) -> gpd.GeoDataFrame:
    path = dataset_path("pois", settings)
    raw = gpd.read_file(path)
    if raw.crs is None or raw.crs.to_epsg() != 4326:
        raise DataIntegrityError(f"{path.name}: expected EPSG:4326, found {raw.crs}")
    raw = raw.rename(columns={"source": "osm_source_tag"})
    amenity = raw["amenity"].fillna("")
    category = np.select(
        [amenity == "post_office", amenity == "community_centre"],
        ["post_office", "village_hall"],
        default="other",
    )
    raw.insert(0, "poi_id", raw["osm_type"].astype(str) + "/" + raw["osm_id"].astype(str))
    raw["category"] = category
    raw["source"] = "osm"
    return raw


def load_pois(settings: Settings) -> gpd.GeoDataFrame:
    """OpenStreetMap points of interest in Kon Tum (HOT export 2026-08-10).

    The OSM tags are kept as columns (``name``, ``amenity``, ``opening_hours`` …; the OSM
    ``source`` tag is renamed ``osm_source_tag``). Added columns: ``poi_id``
    (``"<osm_type>/<osm_id>"``), ``category`` (``post_office``, ``village_hall`` for
    ``amenity=community_centre``, or ``other``) and ``source="osm"``.
    """
    return _pois(settings).copy()


@lru_cache(maxsize=8)
def _roads(settings: Settings) -> gpd.GeoDataFrame:
    path = dataset_path("national_roads", settings)
    raw = gpd.read_file(path)
    ref = raw["ten"].str.replace("Quốc lộ", "QL", regex=False).str.replace(" ", "", regex=False)
    out = gpd.GeoDataFrame(
        {
            "road_id": raw["gid"].astype(int),
            "ref": ref,
            "name": raw["ten"],
            "road_class": raw["cap_duong"],
        },
        geometry=raw.geometry.values,
        crs=GEO_CRS,
    )
    out["length_m"] = out.to_crs(settings.metric_crs).length.to_numpy()
    out["source"] = "legocity"
    return out


def load_national_roads(settings: Settings) -> gpd.GeoDataFrame:
    """Load the national highways crossing Kon Tum (QL14, QL14C, QL24, QL40), geometry only.

    Columns ``road_id``, ``ref`` (e.g. "QL14"), ``name``, ``road_class``, ``length_m``
    (measured in ``settings.metric_crs``), ``source`` and LineString geometry.
    """
    return _roads(settings).copy()


def split_gadm_name(name: str) -> str:
    """Readable form of a GADM name without spaces (``'ĐắkChoong'`` → ``'Đắk Choong'``)."""
    return split_joined_name(name)
