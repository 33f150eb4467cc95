"""Where each pre-2025 commune *is*: one rule for every commune point.

The bundle's ``commune_points_legacy.csv`` (from ``vietnamadminunits``) gives one geocoded
point per commune. Ten of the 102 lie outside their own GADM polygon, three of them (Ia Đal,
Ia Dom, Ia Tơi) at one shared point, the province's centre, where the geocoder failed.
Offices, jobs placed by commune name, candidate sites for new posts, the simulator, the
proxy network's settlements and the reports all take a commune's position from
:func:`load_commune_points`, which applies this rule:

1. a geocoded point that lies inside its own commune and is shared with no other commune is
   kept (``source="geocoded"``, ``method="geocoded"``);
2. any other point is replaced by a point inside the commune, from real data only
   (``source="estimated"``):

   - an OpenStreetMap village hall (``amenity=community_centre``) inside the commune —
     when there are several, the one nearest the WorldPop point below
     (``method="osm_village_hall"``);
   - otherwise the population-weighted centre of the commune's populated WorldPop 2020
     1 km cells (``method="worldpop_centre"``), kept only when it lies inside the commune
     and within :data:`SETTLED_RADIUS_M` of a cell where at least
     :data:`SETTLED_CELL_PEOPLE` people live; else the centre of the commune's most
     populated cell (``method="worldpop_top_cell"``);
   - a commune without any populated cell or hall would get a point inside its polygon
     (``method="polygon_point"``; none in the bundle).

Every row says what was wrong and how its point was chosen, in Vietnamese and English
(``note_vi``, ``note_en``, ``location_note``), and keeps the published coordinates
(``geocoded_lon``, ``geocoded_lat``) so nothing is hidden. Distances are measured in
``Settings.metric_crs`` (EPSG:9216).

:func:`find_commune` looks a commune up by name or code and returns its row here, so a job
placed by commune name lands on the same point as everything else.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from data.bilingual import join
from data.errors import DataIntegrityError, InputError, Problem
from data.names import pick_commune
from data.settings import GEO_CRS, Settings

__all__ = [
    "POINT_COLUMNS",
    "POINT_METHODS",
    "SETTLED_CELL_PEOPLE",
    "SETTLED_RADIUS_M",
    "find_commune",
    "load_commune_points",
    "place_commune_points",
    "point_summary",
    "point_warnings",
]

#: How a commune point was obtained (the ``method`` column).
POINT_METHODS: tuple[str, ...] = (
    "geocoded",
    "osm_village_hall",
    "worldpop_centre",
    "worldpop_top_cell",
    "polygon_point",
)
#: A WorldPop cell with at least this many people counts as settled (the proxy network's
#: settlement threshold).
SETTLED_CELL_PEOPLE = 50.0
#: The population-weighted centre is kept only within this distance of a settled cell centre
#: (about half a 1 km cell: the centre lies in or at the edge of a settled cell).
SETTLED_RADIUS_M = 500.0
#: Two points closer than this (in degrees, ~0.1 m) are the same point.
_SAME_POINT_DECIMALS = 6

#: Columns the rule adds to a commune (:func:`place_commune_points`).
RULE_COLUMNS: tuple[str, ...] = (
    "commune_code",
    "point_lon",
    "point_lat",
    "source",
    "method",
    "location_note",
    "note_vi",
    "note_en",
    "geocoded_lon",
    "geocoded_lat",
    "geocoded_in_commune",
    "geocoded_outside_m",
    "geocoded_shared_with",
)
#: Columns of :func:`load_commune_points` (plus a Point ``geometry``).
POINT_COLUMNS: tuple[str, ...] = (
    "commune_code",
    "name",
    "name_gadm",
    "commune_type",
    "district",
    "population",
    "new_commune_code",
    "new_commune_name",
    *RULE_COLUMNS[1:],
)

_GEOCODED_VI = "điểm mã hóa địa lý của xã (vietnamadminunits), không phải vị trí trụ sở đo đạc"
_GEOCODED_EN = "geocoded commune centre (vietnamadminunits), not a surveyed building"


def _vi(value: float, decimals: int = 0) -> str:
    """Write a number as Vietnamese does: ``15.500``, ``0,6``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _problems_vi_en(outside_m: float, shared: list[str]) -> tuple[str, str]:
    """Say what is wrong with a geocoded point, in Vietnamese and English."""
    vi, en = [], []
    if outside_m > 0:
        vi.append(f"điểm mã hóa địa lý nằm ngoài ranh giới xã {_vi(outside_m / 1000, 1)} km")
        en.append(f"the geocoded point lies {outside_m / 1000:.1f} km outside the commune")
    if shared:
        listed = ", ".join(shared)
        vi.append(f"điểm này trùng với điểm của {listed} (mã hóa địa lý thất bại)")
        en.append(f"the same point is given to {listed} (the geocoder failed)")
    return "; ".join(vi), "; ".join(en)


def _check_frame(frame: gpd.GeoDataFrame, what: str, columns: tuple[str, ...]) -> None:
    problems = []
    if frame.crs is None:
        problems.append(Problem(f"{what} has no CRS; fix: load it with data.layers (EPSG:4326)",
                                column="geometry", source=what))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        problems.append(Problem(f"{what} lacks columns {missing}; fix: load it with data.layers",
                                source=what))
    if problems:
        raise InputError(problems, summary=f"cannot place commune points: bad {what}")


def place_commune_points(
    communes: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    halls: gpd.GeoDataFrame,
    *,
    metric_crs: str,
) -> pd.DataFrame:
    """Apply the commune-point rule (see the module docstring) to a table of communes.

    Parameters
    ----------
    communes
        Commune polygons with ``commune_code``, ``name``, ``geocoded_lon`` and
        ``geocoded_lat`` (:func:`data.layers.load_communes`).
    cells
        Populated WorldPop cells with ``population`` and Point geometry
        (:func:`data.layers.load_population_grid`); a cell belongs to the commune its
        centre lies in.
    halls
        Village halls with ``poi_id``, ``name`` and Point geometry (the ``village_hall``
        rows of :func:`data.layers.load_pois`); may be empty.
    metric_crs
        CRS for distances (``Settings.metric_crs``, EPSG:9216).

    Returns
    -------
    DataFrame
        One row per commune, in the order given, with :data:`RULE_COLUMNS`.

    Raises
    ------
    InputError
        When a frame has no CRS or lacks a column.
    DataIntegrityError
        When a chosen point is not inside its commune or two communes end up sharing a
        point (the rule guarantees neither happens on a sound bundle).
    """
    _check_frame(communes, "communes", ("commune_code", "name", "geocoded_lon", "geocoded_lat"))
    _check_frame(cells, "population cells", ("population",))
    _check_frame(halls, "village halls", ("poi_id", "name"))
    communes = communes.to_crs(GEO_CRS).reset_index(drop=True)
    cells = cells.to_crs(GEO_CRS)
    halls = halls.to_crs(GEO_CRS)
    codes = communes["commune_code"].astype(str).to_numpy()
    names = communes["name"].astype(str).to_numpy()
    glon = communes["geocoded_lon"].to_numpy(dtype=float)
    glat = communes["geocoded_lat"].to_numpy(dtype=float)

    polys_m = communes.geometry.to_crs(metric_crs)
    geocoded_m = gpd.GeoSeries(gpd.points_from_xy(glon, glat), crs=GEO_CRS).to_crs(metric_crs)
    inside = shapely.contains_xy(communes.geometry.values, glon, glat)
    outside_m = np.where(inside, 0.0, geocoded_m.distance(polys_m, align=False).to_numpy())
    same = pd.Series(list(zip(np.round(glon, _SAME_POINT_DECIMALS),
                              np.round(glat, _SAME_POINT_DECIMALS), strict=True)))
    groups = same.groupby(same).groups
    shared = [[names[j] for j in groups[same[i]] if j != i] for i in range(len(codes))]
    shared_codes = ["; ".join(codes[j] for j in groups[same[i]] if j != i)
                    for i in range(len(codes))]

    poly_frame = gpd.GeoDataFrame({"_i": np.arange(len(codes))}, geometry=communes.geometry,
                                  crs=GEO_CRS)
    cell_in = gpd.sjoin(cells[["population", "geometry"]], poly_frame, predicate="within")
    hall_in = gpd.sjoin(halls[["poi_id", "name", "geometry"]], poly_frame, predicate="within")
    to_metric = Transformer.from_crs(GEO_CRS, metric_crs, always_xy=True)
    to_geo = Transformer.from_crs(metric_crs, GEO_CRS, always_xy=True)

    rows = []
    for i, code in enumerate(codes):
        base = {"commune_code": code, "geocoded_lon": glon[i], "geocoded_lat": glat[i],
                "geocoded_in_commune": bool(inside[i]),
                "geocoded_outside_m": round(float(outside_m[i]), 1),
                "geocoded_shared_with": shared_codes[i]}
        if inside[i] and not shared[i]:
            rows.append({**base, "point_lon": glon[i], "point_lat": glat[i],
                         "source": "geocoded", "method": "geocoded",
                         "note_vi": _GEOCODED_VI, "note_en": _GEOCODED_EN})
            continue
        wrong_vi, wrong_en = _problems_vi_en(float(outside_m[i]), shared[i])
        lon, lat, method, how_vi, how_en = _worldpop_point(
            cell_in[cell_in["_i"] == i], polys_m.iloc[i], to_metric, to_geo)
        here = hall_in[hall_in["_i"] == i]
        if len(here):
            hall = _nearest_hall(here, lon, lat, to_metric)
            label = f"{hall['name']} ({hall['poi_id']})" if isinstance(hall["name"], str) \
                else str(hall["poi_id"])
            lon, lat, method = hall.geometry.x, hall.geometry.y, "osm_village_hall"
            how_vi = f"thay bằng nhà văn hóa thôn trong xã theo OpenStreetMap: {label}"
            how_en = f"replaced by the OpenStreetMap village hall inside the commune: {label}"
        elif not np.isfinite(lon):
            rp = communes.geometry.iloc[i].representative_point()
            lon, lat, method = rp.x, rp.y, "polygon_point"
            how_vi = "thay bằng một điểm bên trong ranh giới xã (xã không có ô dân cư nào)"
            how_en = "replaced by a point inside the commune polygon (no populated cell)"
        rows.append({**base, "point_lon": round(float(lon), _SAME_POINT_DECIMALS),
                     "point_lat": round(float(lat), _SAME_POINT_DECIMALS),
                     "source": "estimated", "method": method,
                     "note_vi": f"Ước tính: {wrong_vi}; {how_vi}",
                     "note_en": f"Estimated: {wrong_en}; {how_en}"})
    out = pd.DataFrame(rows)
    out["location_note"] = [join(vi, en) for vi, en in zip(out["note_vi"], out["note_en"],
                                                           strict=True)]
    out = out[list(RULE_COLUMNS)]
    _verify(out, communes)
    return out


def _nearest_hall(halls: gpd.GeoDataFrame, lon: float, lat: float,
                  to_metric: Transformer) -> pd.Series:
    """Return the hall nearest (lon, lat); ties and a missing point go by ``poi_id``."""
    ids = halls["poi_id"].astype(str).to_numpy()
    if not np.isfinite(lon):
        return halls.iloc[int(np.argsort(ids, kind="stable")[0])]
    hx, hy = to_metric.transform(halls.geometry.x.to_numpy(), halls.geometry.y.to_numpy())
    px, py = to_metric.transform(lon, lat)
    order = np.lexsort((ids, np.hypot(np.asarray(hx) - px, np.asarray(hy) - py)))
    return halls.iloc[int(order[0])]


def _worldpop_point(cells: gpd.GeoDataFrame, poly_m: shapely.Geometry,
                    to_metric: Transformer, to_geo: Transformer,
                    ) -> tuple[float, float, str, str, str]:
    """Place one commune by WorldPop: weighted centre, or the most populated cell."""
    if not len(cells):
        return np.nan, np.nan, "", "", ""
    w = cells["population"].to_numpy(dtype=float)
    x, y = to_metric.transform(cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy())
    x, y = np.asarray(x), np.asarray(y)
    cx, cy = float((w * x).sum() / w.sum()), float((w * y).sum() / w.sum())
    settled = w >= SETTLED_CELL_PEOPLE
    near = np.hypot(x[settled] - cx, y[settled] - cy)
    in_commune = bool(shapely.contains_xy(poly_m, cx, cy))
    if in_commune and len(near) and float(near.min()) <= SETTLED_RADIUS_M:
        lon, lat = to_geo.transform(cx, cy)
        return (float(lon), float(lat), "worldpop_centre",
                f"thay bằng tâm dân số (trọng số theo dân) của {len(w)} ô WorldPop 2020 1 km "
                f"có người ở trong xã ({_vi(w.sum())} người)",
                f"replaced by the population-weighted centre of the commune's {len(w)} "
                f"populated WorldPop 2020 1 km cells ({w.sum():,.0f} people)")
    top = int(np.argmax(w))
    why_vi = ("tâm dân số nằm ngoài xã" if not in_commune else
              f"tâm dân số rơi vào vùng ít dân, dưới {SETTLED_CELL_PEOPLE:.0f} người mỗi ô")
    why_en = ("the population-weighted centre falls outside the commune" if not in_commune
              else f"the population-weighted centre falls where fewer than "
                   f"{SETTLED_CELL_PEOPLE:.0f} people live per cell")
    return (float(cells.geometry.x.iloc[top]), float(cells.geometry.y.iloc[top]),
            "worldpop_top_cell",
            f"thay bằng tâm ô WorldPop 2020 1 km đông dân nhất của xã ({_vi(w[top])} người; "
            f"{why_vi})",
            f"replaced by the centre of the commune's most populated WorldPop 2020 1 km cell "
            f"({w[top]:,.0f} people; {why_en})")


def _verify(out: pd.DataFrame, communes: gpd.GeoDataFrame) -> None:
    lon = out["point_lon"].to_numpy(dtype=float)
    lat = out["point_lat"].to_numpy(dtype=float)
    bad = ~shapely.contains_xy(communes.geometry.values, lon, lat)
    key = pd.Series(list(zip(np.round(lon, _SAME_POINT_DECIMALS),
                             np.round(lat, _SAME_POINT_DECIMALS), strict=True)))
    dup = key.duplicated(keep=False).to_numpy()
    if bad.any() or dup.any():
        raise DataIntegrityError(
            "commune points: "
            + "; ".join([f"{c} is not inside its commune" for c in out["commune_code"][bad]]
                        + [f"{c} shares its point" for c in out["commune_code"][dup]])
            + "; fix: restore the original bundle files")


@lru_cache(maxsize=8)
def _points(settings: Settings) -> gpd.GeoDataFrame:
    from data.layers import load_communes, load_pois, load_population_grid

    communes = load_communes(settings)
    pois = load_pois(settings)
    halls = pois[pois["category"] == "village_hall"]
    rule = place_commune_points(communes, load_population_grid(settings), halls,
                                metric_crs=settings.metric_crs)
    table = communes.drop(columns=["geocoded_lon", "geocoded_lat", "geocoded_in_commune",
                                   "geometry", "gid_3", "population_urban",
                                   "population_rural"])
    table = pd.DataFrame(table).merge(rule, on="commune_code", how="left", validate="1:1")
    return gpd.GeoDataFrame(
        table[list(POINT_COLUMNS)],
        geometry=gpd.points_from_xy(table["point_lon"], table["point_lat"]),
        crs=GEO_CRS,
    )


def load_commune_points(settings: Settings) -> gpd.GeoDataFrame:
    """One point per pre-2025 commune, placed by the commune-point rule (module docstring).

    Parameters
    ----------
    settings
        Where the data lives; ``metric_crs`` is used for distances.

    Returns
    -------
    GeoDataFrame
        102 rows sorted by ``commune_code``, columns :data:`POINT_COLUMNS`: the commune's
        codes, names, district, 2019 population and 2025 unit; ``point_lon``,
        ``point_lat`` (the point to use, also the Point geometry, EPSG:4326); ``source``
        (``geocoded`` or ``estimated``); ``method`` (:data:`POINT_METHODS`);
        ``location_note`` (``note_vi`` + " / " + ``note_en``: what was wrong and how the
        point was chosen); ``geocoded_lon``, ``geocoded_lat`` (the published point),
        ``geocoded_in_commune``, ``geocoded_outside_m`` (0 when inside) and
        ``geocoded_shared_with`` (codes of other communes given the same point, "; ").
    """
    return _points(settings).copy()


def find_commune(query: str, settings: Settings) -> pd.Series:
    """Find one pre-2025 commune by old name, 2025 name or GSO code, with its point.

    The rules are :func:`data.names.pick_commune`'s (accents and spacing ignored; a 2025
    name gives the old commune whose code the new unit kept; ambiguous names are refused
    with the fix). Answers are cached: job files repeat names.

    Returns
    -------
    Series
        The commune's row of :func:`load_commune_points` (``point_lon``, ``point_lat``,
        ``source``, ``location_note`` … and ``matched_on``).

    Raises
    ------
    InputError
        When nothing matches or several old communes share the name.
    """
    return _find(str(query), settings).copy()


@lru_cache(maxsize=4096)
def _find(query: str, settings: Settings) -> pd.Series:
    return pick_commune(query, _points(settings))


def point_summary(points: pd.DataFrame) -> dict[str, Any]:
    """Count a :func:`load_commune_points` table, for ``postplan data check``.

    Returns
    -------
    dict
        ``total``, ``geocoded`` (kept), ``estimated`` (replaced), ``outside`` (geocoded
        point outside its commune), ``shared`` (geocoded point shared), ``by_method``
        (every method, zeros included) and ``replaced`` (one dict per replaced commune:
        code, name, district, method, point and geocoded coordinates, note).
    """
    replaced = points[points["source"] == "estimated"]
    return {
        "total": len(points),
        "geocoded": int((points["source"] == "geocoded").sum()),
        "estimated": len(replaced),
        "outside": int((~points["geocoded_in_commune"].astype(bool)).sum()),
        "shared": int((points["geocoded_shared_with"].astype(str) != "").sum()),
        "by_method": {m: int((points["method"] == m).sum()) for m in POINT_METHODS},
        "replaced": [
            {"commune_code": r["commune_code"], "name": r["name"], "district": r["district"],
             "method": r["method"], "point_lat": r["point_lat"], "point_lon": r["point_lon"],
             "geocoded_lat": r["geocoded_lat"], "geocoded_lon": r["geocoded_lon"],
             "geocoded_outside_m": r["geocoded_outside_m"],
             "geocoded_shared_with": r["geocoded_shared_with"], "note_en": r["note_en"]}
            for r in replaced.to_dict("records")
        ],
    }


def point_warnings(points: pd.DataFrame) -> list[str]:
    """Data-quality warnings about the commune points (English, for the CLI and reports)."""
    s = point_summary(points)
    if not s["estimated"]:
        return []
    shared = points[points["geocoded_shared_with"].astype(str) != ""]
    lines = [
        f"{s['estimated']} of {s['total']} geocoded commune points were replaced by a point "
        f"inside the commune (source=estimated): {s['outside']} lay outside their own "
        f"polygon, {s['shared']} shared one point with another commune; methods: "
        + ", ".join(f"{m} {n}" for m, n in s["by_method"].items() if n and m != "geocoded")
    ]
    if len(shared):
        lines.append(
            "communes given one shared geocoded point (the geocoder failed): "
            + ", ".join(f"{n} ({d}) at {la:.6f}, {lo:.6f}" for n, d, la, lo in zip(
                shared["name"], shared["district"], shared["geocoded_lat"],
                shared["geocoded_lon"], strict=True)))
    return lines
