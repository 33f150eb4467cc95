"""The office registry: the places couriers start from and carry dossiers to.

Three kinds of office (:data:`OFFICE_KINDS`):

``post_office``
    a bưu cục of Vietnam Post;
``commune_post``
    a bưu điện văn hóa xã (commune cultural post office);
``one_stop_shop``
    the bộ phận một cửa of a commune, or the provincial public administration service centre.

Every office records how its position was obtained: ``source`` is ``osm`` (mapped in
OpenStreetMap), ``user`` (imported by a planner) or ``estimated`` (placed by a documented
rule, never surveyed), and ``location_note`` says which rule or which OSM object.

:func:`default_offices` builds the bundled default for Kon Tum from real data only;
:func:`read_offices` imports CSV or XLSX files, collecting every problem before rejecting a
file; :func:`write_offices` exports them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from data.bilingual import join
from data.errors import InputError
from data.hours import DEFAULT_OPENING_HOURS, parse_hours, parse_opening_hours
from data.settings import GEO_CRS, Settings
from data.table_reader import ReadLimits
from data.table_schema import CheckedTable, Column, TableSchema, frame_table, read_table
from data.tables import csv_bytes, xlsx_bytes

OFFICE_KINDS: tuple[str, ...] = ("post_office", "commune_post", "one_stop_shop")
OFFICE_SOURCES: tuple[str, ...] = ("osm", "user", "estimated")
OFFICE_COLUMNS: tuple[str, ...] = (
    "office_id",
    "name",
    "kind",
    "lat",
    "lon",
    "commune_code",
    "opening_hours",
    "source",
    "location_note",
)

#: Vietnamese and informal names accepted for each kind in imported files (matched
#: without case or accents).
KIND_ALIASES: dict[str, str] = {
    alias: kind
    for kind, aliases in {
        "post_office": ("post_office", "post office", "bưu cục", "buu cuc", "bc"),
        "commune_post": (
            "commune_post",
            "commune post",
            "bưu điện văn hóa xã",
            "bưu điện văn hoá xã",
            "bdvhx",
            "điểm bưu điện văn hóa xã",
        ),
        "one_stop_shop": (
            "one_stop_shop",
            "one stop shop",
            "bộ phận một cửa",
            "một cửa",
            "trung tâm phục vụ hành chính công",
        ),
    }.items()
    for alias in aliases
}

#: The office file, declared once (:mod:`data.table_schema`).
OFFICES_SCHEMA = TableSchema(
    "offices", "bưu cục", "office",
    (
        Column("office_id", required=True, blank=False, unique=True, formula=False,
               headers=("ma_buu_cuc", "ma", "id"), vi="mã bưu cục",
               hint_vi="đặt cho mỗi bưu cục một mã riêng",
               hint_en="give every office a unique id"),
        Column("name", required=True, blank=False, formula=False, headers=("ten",), vi="tên",
               hint_vi="ghi tên bưu cục", hint_en="give the office a name"),
        Column("kind", "choice", required=True, blank=False, choices=KIND_ALIASES,
               headers=("loai",), vi="loại",
               hint_vi="bưu cục, bưu điện văn hóa xã hoặc bộ phận một cửa",
               hint_en="or bưu cục, bưu điện văn hóa xã, bộ phận một cửa"),
        # ±180 for both: a swapped pair is recognised by the province check and said so
        Column("lat", "number", required=True, blank=False, min=-180, max=180,
               headers=("vi_do", "latitude"), vi="vĩ độ",
               hint_vi="độ thập phân WGS84, ví dụ 14,3545",
               hint_en="write decimal degrees (WGS84), e.g. 14.3545"),
        Column("lon", "number", required=True, blank=False, min=-180, max=180,
               headers=("kinh_do", "longitude", "lng"), vi="kinh độ",
               hint_vi="độ thập phân WGS84, ví dụ 108,013",
               hint_en="write decimal degrees (WGS84), e.g. 108.013"),
        Column("commune_code", "code", headers=("ma_xa",), vi="mã xã"),
        Column("opening_hours", headers=("gio_mo_cua",), vi="giờ mở cửa"),
        Column("source", "choice", default="user",
               choices={s: s for s in ("osm", "user", "estimated")}, vi="nguồn",
               hint_vi="để trống cho 'user'", hint_en="or leave it blank for 'user'"),
        Column("location_note", formula=False, headers=("ghi_chu_vi_tri",),
               vi="ghi chú vị trí"),
    ),
)

#: District seats without a thị trấn, and Kon Tum city: which commune holds the seat.
#: Kon Tum city: Phường Thắng Lợi, the ward whose GSO code (23293) the 2025 Phường Kon Tum
#: kept and which contains vietnamadminunits' point for Phường Kon Tum.
#: Tu Mơ Rông and Ia H'Drai had no township; their seats were in Xã Đăk Hà and Xã Ia Tơi.
DISTRICT_SEATS: dict[str, str] = {
    "Thành phố Kon Tum": "23293",
    "Huyện Tu Mơ Rông": "23425",
    "Huyện Ia H'Drai": "23538",
}
#: Tolerance around the province boundary when checking imported coordinates (degrees, ~1 km).
PROVINCE_TOLERANCE_DEG = 0.01


# --------------------------------------------------------------------------- default bundle


def _empty_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype="float64" if c in ("lat", "lon") else "object")
         for c in OFFICE_COLUMNS},
        geometry=gpd.GeoSeries([], crs=GEO_CRS),
        crs=GEO_CRS,
    )


def _frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    if not records:
        return _empty_frame()
    df = pd.DataFrame.from_records(records, columns=list(OFFICE_COLUMNS))
    df["lat"] = df["lat"].astype(float)
    df["lon"] = df["lon"].astype(float)
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=GEO_CRS
    )


def _office_points(settings: Settings) -> pd.DataFrame:
    """Per commune: where an estimated office goes (the commune point) and why."""
    from data.commune_points import load_commune_points

    points = load_commune_points(settings)
    return pd.DataFrame({
        "commune_code": points["commune_code"], "name": points["name"],
        "district": points["district"], "lon": points["point_lon"], "lat": points["point_lat"],
        "note_vi": "điểm xã của " + points["name"] + " ("
        + points["note_vi"].str.removeprefix("Ước tính: ") + ")",
        "note_en": "commune point of " + points["name"] + " ("
        + points["note_en"].str.removeprefix("Estimated: ") + ")",
    }).set_index("commune_code")


def _lower_type(name: str) -> str:
    for prefix in ("Thị trấn", "Phường", "Xã"):
        if name.startswith(prefix + " "):
            return prefix.lower() + name[len(prefix):]
    return name


@lru_cache(maxsize=4)
def _default_offices(settings: Settings) -> gpd.GeoDataFrame:
    from data.layers import load_communes, load_new_communes, load_pois

    communes = load_communes(settings)
    points = _office_points(settings)
    hours = DEFAULT_OPENING_HOURS
    hours_vi = "; giờ mở cửa: mặc định, chưa khảo sát"
    hours_en = "; opening hours: default, not surveyed"
    records: list[dict[str, Any]] = []

    # 1. Post offices mapped in OpenStreetMap.
    pois = load_pois(settings)
    osm = pois[pois["category"] == "post_office"]
    osm = gpd.sjoin(osm, communes[["commune_code", "name", "geometry"]].rename(
        columns={"name": "commune_name"}), how="left", predicate="within")
    osm_communes = set()
    for r in osm.itertuples():
        osm_communes.add(r.commune_code)
        own_hours = getattr(r, "opening_hours", None)
        has_hours = isinstance(own_hours, str) and own_hours.strip() != ""
        records.append({
            "office_id": f"osm-{r.osm_type.rstrip('s')}-{r.osm_id}",
            "name": f"{r.name} ({r.commune_name})",
            "kind": "post_office",
            "lat": r.geometry.y,
            "lon": r.geometry.x,
            "commune_code": r.commune_code,
            "opening_hours": own_hours if has_hours else hours,
            "source": "osm",
            "location_note": join(
                f"OpenStreetMap {r.poi_id} (bản xuất HOT ngày 10/08/2026)"
                + ("" if has_hours else hours_vi),
                f"OpenStreetMap {r.poi_id} (HOT export 2026-08-10)"
                + ("" if has_hours else hours_en),
            ),
        })

    # 2. One post office per former district seat, unless OSM already has one there.
    for district, group in communes.groupby("district", sort=True):
        code = DISTRICT_SEATS.get(str(district))
        if code is None:
            towns = group[group["commune_type"] == "Thị trấn"]
            if len(towns) != 1:
                raise InputError(f"cannot tell the seat of {district}: {len(towns)} townships")
            code = str(towns["commune_code"].iloc[0])
        if code in osm_communes:
            continue
        p = points.loc[code]
        short = str(district).removeprefix("Huyện ").removeprefix("Thành phố ")
        listed = code in DISTRICT_SEATS.values()
        rule_en = "district seat (see DISTRICT_SEATS)" if listed else "district seat (township)"
        rule_vi = "trung tâm huyện (theo danh sách của postplan)" if listed \
            else "trung tâm huyện (thị trấn)"
        records.append({
            "office_id": f"po-{code}",
            "name": f"Bưu cục {short}",
            "kind": "post_office",
            "lat": p["lat"],
            "lon": p["lon"],
            "commune_code": code,
            "opening_hours": hours,
            "source": "estimated",
            "location_note": join(
                f"ước tính: {rule_vi} của {district}, đặt tại {p['note_vi']}" + hours_vi,
                f"estimated: {rule_en} of {district}, placed at the {p['note_en']}" + hours_en,
            ),
        })

    # 3. The provincial public administration service centre.
    new = load_new_communes(settings).set_index("new_commune_name")
    kt = new.loc["Phường Kon Tum"]
    kt_code = communes.loc[
        communes.contains(shapely.Point(kt["point_lon"], kt["point_lat"])), "commune_code"
    ]
    records.append({
        "office_id": "oss-province",
        "name": "Trung tâm Phục vụ hành chính công tỉnh Kon Tum",
        "kind": "one_stop_shop",
        "lat": float(kt["point_lat"]),
        "lon": float(kt["point_lon"]),
        "commune_code": str(kt_code.iloc[0]) if len(kt_code) else None,
        "opening_hours": hours,
        "source": "estimated",
        "location_note": join(
            "ước tính: không có trong OpenStreetMap; đặt tại điểm của vietnamadminunits cho "
            "Phường Kon Tum (2025), trung tâm thành phố tỉnh lỵ cũ" + hours_vi,
            "estimated: not in OpenStreetMap; placed at vietnamadminunits' point for the 2025 "
            "Phường Kon Tum (centre of the former provincial capital)" + hours_en,
        ),
    })

    # 4. One one-stop shop per pre-2025 commune.
    for ccode, p in points.sort_index().iterrows():
        records.append({
            "office_id": f"oss-{ccode}",
            "name": f"Bộ phận một cửa {_lower_type(str(p['name']))}",
            "kind": "one_stop_shop",
            "lat": p["lat"],
            "lon": p["lon"],
            "commune_code": str(ccode),
            "opening_hours": hours,
            "source": "estimated",
            "location_note": join(
                f"ước tính: {p['note_vi']}" + hours_vi, f"estimated: {p['note_en']}" + hours_en
            ),
        })
    return _frame(records)


def default_offices(settings: Settings) -> gpd.GeoDataFrame:
    """Build the bundled default office registry for Kon Tum, from real data only.

    It holds the OpenStreetMap-mapped Vietnam Post offices (``source="osm"``); one post
    office per former district seat where OSM has none, placed at the seat commune's point;
    one one-stop shop per pre-2025 commune at its commune point; and the provincial public
    administration service centre. Everything not mapped in OSM is ``source="estimated"``
    and its ``location_note`` says which rule placed it. Commune points come from
    :func:`data.commune_points.load_commune_points` (a geocoded point outside its commune
    or shared with another is replaced there by one inside the commune, and the note says
    how).

    Returns
    -------
    GeoDataFrame
        Columns :data:`OFFICE_COLUMNS` and Point geometry (EPSG:4326).
    """
    return _default_offices(settings).copy()


# --------------------------------------------------------------------------- import


@lru_cache(maxsize=4)
def _province_shape(settings: Settings) -> shapely.Geometry:
    from data.layers import load_province

    geom = load_province(settings).geometry.iloc[0]
    shape = geom.buffer(PROVINCE_TOLERANCE_DEG)
    shapely.prepare(shape)
    return shape


def _offices_from(table: CheckedTable, settings: Settings) -> gpd.GeoDataFrame:
    """Domain checks on a schema-checked office table; raise once with every problem."""
    from data.layers import load_communes

    if not table.header_ok:
        table.raise_if_problems()
    province = _province_shape(settings)
    communes = load_communes(settings)
    known_codes = set(communes["commune_code"])
    records: list[dict[str, Any]] = []
    for row, rec in table.records():
        lat, lon = rec["lat"], rec["lon"]
        if lat is not None and lon is not None and not shapely.contains_xy(province, lon, lat):
            if shapely.contains_xy(province, lat, lon):
                hint_vi = "vĩ độ và kinh độ bị đảo; sửa: đổi chỗ hai cột (vĩ độ khoảng 14–15)"
                hint_en = ("lat and lon look swapped; fix: exchange the two columns "
                           "(lat is about 14–15, lon about 107–108)")
            else:
                hint_vi = "sửa: kiểm tra tọa độ (độ thập phân, WGS84)"
                hint_en = ("fix: check the coordinates (decimal degrees, WGS84); only "
                           "offices in the former Kon Tum province are planned")
            table.bad(row, "lat/lon",
                      f"vị trí nằm ngoài tỉnh Kon Tum cũ (vĩ độ 13,92–15,42, kinh độ "
                      f"107,33–108,55); {hint_vi}",
                      "position lies outside the former Kon Tum province "
                      f"(lat 13.92–15.42, lon 107.33–108.55); {hint_en}", value=f"{lat}, {lon}")
        code = rec["commune_code"]
        if code and code not in known_codes:
            table.bad(row, "commune_code", "mã xã không có; sửa: dùng mã GSO 5 chữ số của một "
                      "xã Kon Tum trước 2025 (ví dụ 23281) hoặc để trống",
                      "unknown commune code; fix: use the 5-digit GSO code of a pre-2025 Kon "
                      "Tum commune (e.g. 23281) or leave it blank", value=code)
        hours = rec["opening_hours"] or DEFAULT_OPENING_HOURS
        try:
            parse_hours(hours)
        except InputError as exc:
            p = exc.problems[0]
            table.bad(row, "opening_hours", p.message_vi or p.message, p.message, value=hours)
        records.append({
            "office_id": rec["office_id"] or "", "name": rec["name"] or "", "kind": rec["kind"],
            "lat": lat, "lon": lon, "commune_code": code or None,
            "opening_hours": hours, "source": rec["source"],
            "location_note": rec["location_note"]
            or join(f"nhập từ {table.source}", f"imported from {table.source}"),
        })
    table.raise_if_problems()
    out = _frame(records)
    blank = out["commune_code"].isna()
    if blank.any():
        hit = gpd.sjoin(out.loc[blank, ["geometry"]], communes[["commune_code", "geometry"]],
                        how="left", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        out.loc[blank, "commune_code"] = hit["commune_code"]
    out.attrs["warnings"] = [str(w) for w in table.warnings]
    return out


def offices_from_frame(
    df: pd.DataFrame, *, settings: Settings, source_name: str = "offices"
) -> gpd.GeoDataFrame:
    """Validate a table of offices and return it as an office GeoDataFrame.

    Parameters
    ----------
    df
        One row per office (:data:`OFFICES_SCHEMA`; headers matched without case or
        accents). Required: ``office_id``, ``name``, ``kind``, ``lat``, ``lon``. Optional:
        ``commune_code`` (found from the position when blank), ``opening_hours`` (default
        :data:`DEFAULT_OPENING_HOURS`), ``source`` (default ``user``), ``location_note``.
    settings
        Settings giving the data folder (for the province boundary and commune codes).
    source_name
        Name used in problem messages (usually the file name).

    Raises
    ------
    InputError
        With every problem found (row as a spreadsheet shows it, column, value, fix).
    """
    return _offices_from(frame_table(df, OFFICES_SCHEMA, source=source_name), settings)


def read_offices(
    path_or_bytes: str | Path | bytes,
    *,
    settings: Settings,
    filename: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate an office file (CSV in any common encoding, or XLSX).

    The file goes through the one reader (:mod:`data.table_reader`) and the declared
    :data:`OFFICES_SCHEMA`; warnings (unused columns) are in ``result.attrs["warnings"]``.

    Parameters
    ----------
    path_or_bytes
        A file path, or the file's bytes (e.g. a Streamlit upload).
    settings
        Settings giving the data folder.
    filename
        Name used for the file type and in messages when bytes are given.

    Returns
    -------
    GeoDataFrame
        Columns :data:`OFFICE_COLUMNS` and Point geometry.

    Raises
    ------
    InputError
        With every problem of the file (empty file, legacy encoding, missing or duplicate
        columns, unknown kinds, duplicate ids, positions outside the province …). Nothing
        of a rejected file is returned.
    """
    name = filename or ("offices.csv" if isinstance(path_or_bytes, bytes)
                        else Path(path_or_bytes).name)
    table = read_table(path_or_bytes, OFFICES_SCHEMA, filename=name,
                       limits=ReadLimits.from_settings(settings))
    return _offices_from(table, settings)


# --------------------------------------------------------------------------- export


def _export_frame(offices: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in OFFICE_COLUMNS if c not in offices.columns]
    if missing:
        raise InputError(f"offices lack columns {missing}; fix: build them with "
                         "default_offices or read_offices")
    return pd.DataFrame(offices[list(OFFICE_COLUMNS)])


def offices_to_bytes(offices: pd.DataFrame, fmt: str) -> bytes:
    """Serialise offices as ``"csv"`` (UTF-8 with BOM, opens cleanly in Excel) or ``"xlsx"``."""
    table = _export_frame(offices)
    if fmt == "csv":
        return csv_bytes(table)
    if fmt == "xlsx":
        return xlsx_bytes({"offices": table})
    raise InputError(f"unknown export format {fmt!r}; fix: use 'csv' or 'xlsx'")


def write_offices(offices: pd.DataFrame, path: str | Path) -> None:
    """Write offices to ``path``; the suffix (.csv or .xlsx) chooses the format."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InputError(f"cannot write {p.name}: unsupported file type; fix: use .csv or .xlsx")
    p.write_bytes(offices_to_bytes(offices, fmt))


def office_counts(offices: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Count offices by kind and by source (every kind and source present, zeros included)."""
    by_kind = {k: int((offices["kind"] == k).sum()) for k in OFFICE_KINDS}
    by_source = {s: int((offices["source"] == s).sum()) for s in OFFICE_SOURCES}
    return {"by_kind": by_kind, "by_source": by_source}


__all__ = [
    "DEFAULT_OPENING_HOURS",
    "KIND_ALIASES",
    "OFFICES_SCHEMA",
    "OFFICE_COLUMNS",
    "OFFICE_KINDS",
    "OFFICE_SOURCES",
    "default_offices",
    "office_counts",
    "offices_from_frame",
    "offices_to_bytes",
    "parse_opening_hours",
    "read_offices",
    "write_offices",
]
