import shutil
from pathlib import Path

import pytest
import shapely

from data import layers
from data.errors import DataIntegrityError
from data.settings import Settings


def test_communes_are_102_with_census_total(settings: Settings) -> None:
    """load_communes has 102 unique communes summing to the 2019 census total 540,438."""
    c = layers.load_communes(settings)
    assert len(c) == 102
    assert c["commune_code"].is_unique and c["gid_3"].is_unique
    assert int(c["population"].sum()) == 540_438
    assert c.crs.to_epsg() == 4326
    assert set(c.geom_type) == {"MultiPolygon"}
    assert list(c.columns) == layers.COMMUNE_COLUMNS
    assert c["commune_type"].value_counts().to_dict() == {"Xã": 85, "Phường": 10, "Thị trấn": 7}


def test_commune_join_keeps_names_codes_and_polygons(settings: Settings) -> None:
    """GADM polygons and commune points join by name within district, spelling variants included."""
    c = layers.load_communes(settings).set_index("commune_code")
    assert c.loc["23356", ["name", "name_gadm", "population"]].tolist() == [
        "Xã Đăk Choong", "ĐắkChoong", 3711]
    assert c.loc["23281", "name"] == "Phường Quang Trung"
    assert c.loc["23281", "gid_3"] == "VNM.34.7.15_1"


@pytest.mark.parametrize(
    ("code", "gadm_name"),
    [("23473", "ĐắkLong"), ("23458", "MăngBuk"), ("23344", "ĐắkPlô"), ("23377", "PleiCần")],
)
def test_gadm_aliases_are_confirmed_by_geometry(settings: Settings, code: str,
                                                gadm_name: str) -> None:
    """Each explicit GADM alias joins a polygon that contains the commune's geocoded point."""
    c = layers.load_communes(settings).set_index("commune_code")
    row = c.loc[code]
    assert row["name_gadm"] == gadm_name
    assert bool(row["geocoded_in_commune"])
    assert shapely.contains_xy(row.geometry, row["geocoded_lon"], row["geocoded_lat"])


def test_points_outside_their_polygon_are_flagged(settings: Settings) -> None:
    """Exactly the ten geocoded points that fall outside their GADM polygon are flagged."""
    c = layers.load_communes(settings)
    outside = sorted(c.loc[~c["geocoded_in_commune"], "commune_code"])
    assert outside == ["23401", "23504", "23510", "23515", "23535", "23536", "23537", "23538",
                       "23551", "23554"]


def test_loaders_return_copies(settings: Settings) -> None:
    """Changing a returned layer does not change what the next call returns."""
    first = layers.load_communes(settings)
    first.loc[0, "population"] = -1
    assert int(layers.load_communes(settings)["population"].sum()) == 540_438


def test_communes_keep_the_published_geocoded_points(settings: Settings) -> None:
    """load_communes carries the bundle's geocoded point unchanged, three of them shared."""
    c = layers.load_communes(settings).set_index("commune_code")
    assert tuple(c.loc["23281", ["geocoded_lon", "geocoded_lat"]]) == (107.996789, 14.359547)
    shared = c[c.duplicated(["geocoded_lon", "geocoded_lat"], keep=False)]
    assert sorted(shared.index) == ["23535", "23537", "23538"]
    assert set(zip(shared["geocoded_lat"], shared["geocoded_lon"], strict=True)) == {
        (14.517883, 107.858387)}


def test_population_grid_inside_province(settings: Settings) -> None:
    """WorldPop cells with centre in the province and population > 0: 11,607 cells, ~630,383."""
    g = layers.load_population_grid(settings)
    assert len(g) == 11_607
    assert g["population"].sum() == pytest.approx(630_382.8, abs=0.5)
    assert (g["population"] > 0).all()
    assert g["cell_id"].is_unique
    assert g["commune_code"].notna().all()
    assert set(g["commune_code"]) <= set(layers.load_communes(settings)["commune_code"])
    province = layers.load_province(settings).geometry.iloc[0]
    assert shapely.contains_xy(province, g.geometry.x.to_numpy(), g.geometry.y.to_numpy()).all()


def test_grid_cell_id_is_national_raster_index(settings: Settings) -> None:
    """cell_id = row * 879 + col of the national raster, and the centre matches that cell."""
    g = layers.load_population_grid(settings).iloc[0]
    assert g["cell_id"] == g["row"] * 879 + g["col"]
    lon = 102.14874960275003 + (g["col"] + 0.5) * 0.0083333333
    lat = 23.399583438627147 - (g["row"] + 0.5) * 0.0083333333
    assert (g.geometry.x, g.geometry.y) == pytest.approx((lon, lat), abs=1e-9)


def test_province_and_districts(settings: Settings) -> None:
    """The province is one row; the 10 districts carry census sums that add up to 540,438."""
    prov = layers.load_province(settings)
    assert len(prov) == 1 and int(prov["population"].iloc[0]) == 540_438
    d = layers.load_districts(settings)
    assert len(d) == 10 and int(d["population"].sum()) == 540_438
    assert d.set_index("name").loc["Thành phố Kon Tum", "commune_count"] == 21


def test_pois_and_roads(settings: Settings) -> None:
    """OSM POIs: 497 with 2 post offices and 21 village halls; 5 national-road lines, ~337 km."""
    p = layers.load_pois(settings)
    assert len(p) == 497
    assert p["category"].value_counts().to_dict() == {"other": 474, "village_hall": 21,
                                                      "post_office": 2}
    assert set(p["source"]) == {"osm"} and p["poi_id"].is_unique
    r = layers.load_national_roads(settings)
    assert sorted(r["ref"]) == ["QL14", "QL14", "QL14C", "QL24", "QL40"]
    assert r["length_m"].sum() / 1000 == pytest.approx(337, abs=1)


def test_loader_refuses_altered_bundle(settings: Settings, tmp_path: Path) -> None:
    """load_communes on a bundle with an altered GeoJSON raises DataIntegrityError."""
    bundle = tmp_path / "b"
    shutil.copytree(settings.data_dir, bundle)
    f = bundle / "communes_gadm41_census2019.geojson"
    f.chmod(0o644)
    f.write_text(f.read_text(encoding="utf-8").replace("3711", "3712"), encoding="utf-8")
    with pytest.raises(DataIntegrityError, match=r"communes_gadm41_census2019\.geojson"):
        layers.load_communes(Settings(data_dir=bundle))


def test_layers_use_the_callers_settings_not_a_rebuilt_one(settings) -> None:  # type: ignore[no-untyped-def]
    """National-road lengths are measured in the caller's metric_crs (Settings never rebuilt)."""
    from dataclasses import replace

    from data.layers import load_national_roads

    vn2000 = load_national_roads(settings)["length_m"].sum()
    utm = load_national_roads(replace(settings, metric_crs="EPSG:32648"))["length_m"].sum()
    assert vn2000 != utm and abs(vn2000 - utm) / vn2000 < 0.01
