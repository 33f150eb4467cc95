"""The one rule for commune points (data.commune_points), checked on all 102 real communes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data import layers
from data.commune_points import (
    POINT_COLUMNS,
    find_commune,
    load_commune_points,
    place_commune_points,
    point_summary,
    point_warnings,
)
from data.errors import InputError
from data.settings import Settings

#: The three communes the geocoder put on one point, the province's centre.
SHARED = {"23535", "23537", "23538"}  # Ia Đal, Ia Dom, Ia Tơi
#: The ten communes whose geocoded point lies outside their own GADM polygon.
OUTSIDE = {"23401", "23504", "23510", "23515", "23535", "23536", "23537", "23538", "23551",
           "23554"}
#: How each replaced point was chosen (weighted centre, or the most populated cell when the
#: centre falls where fewer than 50 people live per cell).
METHODS = {
    "23401": "worldpop_centre", "23504": "worldpop_centre", "23510": "worldpop_centre",
    "23515": "worldpop_centre", "23554": "worldpop_centre", "23535": "worldpop_top_cell",
    "23536": "worldpop_top_cell", "23537": "worldpop_top_cell", "23538": "worldpop_top_cell",
    "23551": "worldpop_top_cell",
}


@pytest.fixture(scope="module")
def points(settings: Settings) -> gpd.GeoDataFrame:
    return load_commune_points(settings)


@pytest.fixture(scope="module")
def communes(settings: Settings) -> gpd.GeoDataFrame:
    return layers.load_communes(settings)


def _inputs(settings: Settings) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    pois = layers.load_pois(settings)
    return layers.load_population_grid(settings), pois[pois["category"] == "village_hall"]


def test_every_commune_point_lies_inside_its_own_polygon(points, communes) -> None:  # type: ignore[no-untyped-def]
    """All 102 points lie inside the GADM polygon of their own commune."""
    assert len(points) == 102 and list(points.columns) == [*POINT_COLUMNS, "geometry"]
    polys = communes.set_index("commune_code").loc[points["commune_code"]].geometry.values
    assert shapely.contains_xy(polys, points["point_lon"].to_numpy(),
                               points["point_lat"].to_numpy()).all()
    assert np.allclose(points.geometry.x, points["point_lon"])
    assert np.allclose(points.geometry.y, points["point_lat"])


def test_no_two_communes_share_a_point(points) -> None:  # type: ignore[no-untyped-def]
    """No two of the 102 communes have the same point (at 1e-6 degrees, ~0.1 m)."""
    key = list(zip(points["point_lon"].round(6), points["point_lat"].round(6), strict=True))
    assert len(set(key)) == 102


def test_exactly_the_outside_and_shared_points_are_replaced(points) -> None:  # type: ignore[no-untyped-def]
    """The ten outside points (the three shared ones among them) are replaced, no other."""
    p = points.set_index("commune_code")
    replaced = set(p.index[p["source"] == "estimated"])
    assert replaced == OUTSIDE and replaced >= SHARED
    assert set(p.index[~p["geocoded_in_commune"]]) == OUTSIDE
    assert set(p.index[p["geocoded_shared_with"] != ""]) == SHARED
    assert p.loc["23537", "geocoded_shared_with"] == "23535; 23538"
    kept = p[p["source"] == "geocoded"]
    assert len(kept) == 92 and set(kept["method"]) == {"geocoded"}
    assert (kept["point_lon"] == kept["geocoded_lon"]).all()
    assert (kept["point_lat"] == kept["geocoded_lat"]).all()
    assert (kept["geocoded_outside_m"] == 0).all()


def test_each_replaced_point_names_its_method_and_what_was_wrong(points) -> None:  # type: ignore[no-untyped-def]
    """A replaced point records its method and a Vietnamese + English note on why and how."""
    p = points.set_index("commune_code")
    est = p[p["source"] == "estimated"]
    assert est["method"].to_dict() == METHODS
    for code, r in est.iterrows():
        assert r["note_vi"].startswith("Ước tính: ") and r["note_en"].startswith("Estimated: ")
        assert r["location_note"] == f"{r['note_vi']} / {r['note_en']}"
        assert "outside the commune" in r["note_en"] and "ngoài ranh giới xã" in r["note_vi"]
        assert ("the geocoder failed" in r["note_en"]) == (code in SHARED)
        assert "WorldPop 2020" in r["note_en"] and "WorldPop 2020" in r["note_vi"]
    # the published point stays visible, with how far out it was (EPSG:9216 metres)
    ia_toi = p.loc["23538"]
    assert (ia_toi["geocoded_lat"], ia_toi["geocoded_lon"]) == (14.517883, 107.858387)
    assert ia_toi["geocoded_outside_m"] == pytest.approx(51_203.8, abs=0.1)
    assert "51.2 km outside" in ia_toi["note_en"] and "51,2 km" in ia_toi["note_vi"]


def test_top_cell_is_the_most_populated_cell_inside_the_commune(points, communes,  # type: ignore[no-untyped-def]
                                                                settings: Settings) -> None:
    """Ia Dom's point is the centre of its most populated WorldPop cell (83 people)."""
    poly = communes.set_index("commune_code").loc["23537"].geometry
    grid = layers.load_population_grid(settings)
    inside = grid[shapely.contains_xy(poly, grid.geometry.x, grid.geometry.y)]
    top = inside.loc[inside["population"].idxmax()]
    p = points.set_index("commune_code").loc["23537"]
    assert (p["point_lon"], p["point_lat"]) == (round(top.geometry.x, 6), round(top.geometry.y, 6))
    assert round(top["population"]) == 83 and "(83 people;" in p["note_en"]


def test_weighted_centre_is_the_population_weighted_mean_in_metres(points, communes,  # type: ignore[no-untyped-def]
                                                                   settings: Settings) -> None:
    """Thị trấn Đăk Tô's point is the population-weighted centre of its cells in EPSG:9216."""
    poly = communes.set_index("commune_code").loc["23401"].geometry
    grid = layers.load_population_grid(settings)
    cells = grid[shapely.contains_xy(poly, grid.geometry.x, grid.geometry.y)]
    metric = cells.to_crs(settings.metric_crs)
    w = metric["population"].to_numpy()
    centre = gpd.GeoSeries(gpd.points_from_xy([np.average(metric.geometry.x, weights=w)],
                                              [np.average(metric.geometry.y, weights=w)]),
                           crs=settings.metric_crs).to_crs(4326).iloc[0]
    p = points.set_index("commune_code").loc["23401"]
    assert (p["point_lon"], p["point_lat"]) == pytest.approx((centre.x, centre.y), abs=1e-6)
    assert len(cells) == 48 and "48 populated WorldPop 2020 1 km cells" in p["note_en"]


def test_a_village_hall_inside_the_commune_wins_over_worldpop(communes,  # type: ignore[no-untyped-def]
                                                              settings: Settings) -> None:
    """Two communes sharing a point each get the OSM village hall inside them, named."""
    c = communes.copy()
    mang_but = c.index[c["commune_code"] == "23458"][0]
    ngok_yeu = c.index[c["commune_code"] == "23413"][0]
    c.loc[ngok_yeu, ["geocoded_lon", "geocoded_lat"]] = c.loc[
        mang_but, ["geocoded_lon", "geocoded_lat"]].to_numpy()
    cells, halls = _inputs(settings)
    out = place_commune_points(c, cells, halls, metric_crs=settings.metric_crs)
    out = out.set_index("commune_code")
    assert set(out.index[out["source"] == "estimated"]) == OUTSIDE | {"23413", "23458"}
    ny, mb = out.loc["23413"], out.loc["23458"]
    assert (ny["method"], mb["method"]) == ("osm_village_hall", "osm_village_hall")
    # of Ngọk Yêu's two halls, the one nearest its WorldPop point
    assert (ny["point_lon"], ny["point_lat"]) == pytest.approx((108.15487, 14.9149), abs=1e-5)
    assert ny["note_en"].endswith("Thôn Đắk Chun (nodes/5773615556)")
    assert "the same point is given to Xã Măng Bút" in ny["note_en"]
    assert "nhà văn hóa thôn" in mb["note_vi"] and "(nodes/5772768555)" in mb["note_en"]


def test_a_commune_without_cells_or_halls_gets_a_point_in_its_polygon(communes,  # type: ignore[no-untyped-def]
                                                                      settings: Settings) -> None:
    """With no populated cell and no hall, a wrong point falls back to a polygon point."""
    cells, halls = _inputs(settings)
    one = communes[communes["commune_code"] == "23537"]
    out = place_commune_points(one, cells.iloc[0:0], halls.iloc[0:0],
                               metric_crs=settings.metric_crs).iloc[0]
    assert out["method"] == "polygon_point" and out["source"] == "estimated"
    assert shapely.contains_xy(one.geometry.iloc[0], out["point_lon"], out["point_lat"])
    assert "no populated cell" in out["note_en"]


def test_frames_without_crs_or_columns_are_refused(communes, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """A commune table without a CRS or without geocoded columns is an InputError."""
    cells, halls = _inputs(settings)
    with pytest.raises(InputError, match="communes has no CRS"):
        place_commune_points(communes.set_crs(None, allow_override=True), cells, halls,
                             metric_crs=settings.metric_crs)
    with pytest.raises(InputError, match=r"lacks columns \['geocoded_lon'\]"):
        place_commune_points(communes.drop(columns="geocoded_lon"), cells, halls,
                             metric_crs=settings.metric_crs)


def test_find_commune_returns_the_rule_point(settings: Settings) -> None:
    """find_commune("Ia Dom") gives Ia Dom's replaced point, inside Ia Dom, marked estimated."""
    row = find_commune("ia dom", settings)
    assert row["commune_code"] == "23537" and row["source"] == "estimated"
    poly = layers.load_communes(settings).set_index("commune_code").loc["23537"].geometry
    assert shapely.contains_xy(poly, row["point_lon"], row["point_lat"])
    assert find_commune("Kon Braih", settings)["commune_code"] == "23497"  # a 2025 name
    with pytest.raises(InputError, match=r"matches 3 communes.*add the district"):
        find_commune("Đắk Long", settings)


def test_summary_and_warnings_count_the_replacements(points) -> None:  # type: ignore[no-untyped-def]
    """The data-check summary counts 92 kept, 10 replaced (10 outside, 3 shared) by method."""
    s = point_summary(points)
    assert (s["total"], s["geocoded"], s["estimated"], s["outside"], s["shared"]) == (
        102, 92, 10, 10, 3)
    assert s["by_method"] == {"geocoded": 92, "osm_village_hall": 0, "worldpop_centre": 5,
                              "worldpop_top_cell": 5, "polygon_point": 0}
    assert sorted(r["commune_code"] for r in s["replaced"]) == sorted(OUTSIDE)
    w = point_warnings(points)
    assert w[0].startswith("10 of 102 geocoded commune points were replaced")
    assert "Xã Ia Dom (Huyện Ia H'Drai) at 14.517883, 107.858387" in w[1]
