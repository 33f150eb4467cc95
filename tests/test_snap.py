import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from data.errors import InputError
from geo.graph import add_metric_coordinates
from geo.matrix import TravelEngine, point_matrix
from geo.snap import snap_points

TO_GEO = Transformer.from_crs(9216, 4326, always_xy=True)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_GEO.transform(x, y)
    return float(lon), float(lat)


def _graph() -> nx.MultiDiGraph:
    """A two-way road A–B (1000 m, 100 s each way) and a one-way B→C (1000 m, 100 s)."""
    G = nx.MultiDiGraph(kind="osm", profile="motorbike", metric_crs="EPSG:9216")
    for name, (x, y) in {"A": (500000, 1600000), "B": (501000, 1600000),
                         "C": (501000, 1601000)}.items():
        lon, lat = _lonlat(x, y)
        G.add_node(name, x=lon, y=lat)
    add_metric_coordinates(G, "EPSG:9216")
    for u, v in (("A", "B"), ("B", "A"), ("B", "C")):
        G.add_edge(u, v, length_m=1000.0, travel_time_s=100.0, source="osm")
    return G


def _points(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"p{i + 1}" for i in range(len(xy))]},
                            geometry=[Point(_lonlat(x, y)) for x, y in xy], crs=4326)


PTS = [(500250, 1600100), (500750, 1599950), (501020, 1600400), (510000, 1600000)]


def test_snap_to_nearest_edge_with_access_leg() -> None:
    """Points join the nearest edge (not node) at the foot of the perpendicular."""
    snap = snap_points(_graph(), _points(*PTS), speed_kph=3.6)
    assert snap.edge[:3] == (("A", "B", 0), ("A", "B", 0), ("B", "C", 0))
    assert snap.fraction[:3] == pytest.approx([0.25, 0.75, 0.4])
    assert snap.access_length_m[:3] == pytest.approx([100.0, 50.0, 20.0])
    assert snap.access_time_s[:3] == pytest.approx([100.0, 50.0, 20.0])  # 1 m/s
    assert snap.node[:3] == ("A", "B", "B")
    assert snap.too_far.tolist() == [False, False, False, True]
    assert snap.distance_m[3] == pytest.approx(9000.0)
    assert snap.edge[3] is None and np.isnan(snap.access_length_m[3])
    assert "3 of 4 points snapped" in snap.summary()
    assert snap.table()["too_far"].tolist() == [False, False, False, True]


def test_point_matrix_exact_with_oneway_and_same_edge() -> None:
    """Door-to-door times: along the same road, via nodes, one-way respected, self = 0."""
    res = point_matrix(_graph(), _points(*PTS[:3]), speed_kph=3.6)
    expected_t = [[0, 50 + 100 + 50, 75 + 40 + 100 + 20],
                  [50 + 50 + 100, 0, 25 + 40 + 50 + 20],
                  [np.inf, np.inf, 0]]
    assert res.time_s == pytest.approx(np.array(expected_t, dtype=float))
    assert res.length_m[0, 2] == pytest.approx(750 + 400 + 100 + 20)
    assert res.length_m[0, 1] == pytest.approx(500 + 100 + 50)
    assert res.network_kind == "osm" and "3×3 motorbike" in res.summary()


def test_point_matrix_reports_too_far_points() -> None:
    """A point beyond max_distance_m is an InputError naming it, or inf on request."""
    pts = _points(*PTS)
    with pytest.raises(InputError, match=r"origin 3 is 9000 m from the nearest road"):
        point_matrix(_graph(), pts, max_distance_m=2000)
    res = point_matrix(_graph(), pts, max_distance_m=2000, on_too_far="inf", speed_kph=3.6,
                       engine=TravelEngine(_graph()))
    assert np.isinf(res.time_s[3]).all() and np.isinf(res.time_s[:, 3]).all()
    assert res.time_s[0, 1] == pytest.approx(200.0)


def test_snap_rejects_points_without_crs() -> None:
    """Snapping a GeoDataFrame without CRS is an InputError."""
    pts = gpd.GeoDataFrame(geometry=[Point(107.9, 14.3)])
    with pytest.raises(InputError, match="no CRS"):
        snap_points(_graph(), pts)


def test_commune_points_snap_onto_proxy_network(proxy_network, settings) -> None:
    """All 102 commune points lie within 2 km of the proxy network and get finite times."""
    from data.commune_points import load_commune_points

    pts = load_commune_points(settings)
    snap = snap_points(proxy_network, pts)
    assert not snap.too_far.any()
    res = point_matrix(proxy_network, pts.iloc[:5], pts.iloc[5:10])
    assert np.isfinite(res.time_s).all() and (res.time_s > 0).all()
    assert "proxy network (estimated" in res.summary()


def test_invalid_coordinates_are_input_errors() -> None:
    """NaN or out-of-range lon/lat are reported by row, never snapped or crashed on."""
    pts = gpd.GeoDataFrame(geometry=[Point(_lonlat(500250, 1600100)), Point(np.nan, np.nan),
                                     Point(200.0, 14.0)], crs=4326)
    with pytest.raises(InputError) as err:
        snap_points(_graph(), pts)
    assert [p.row for p in err.value.problems] == [2, 3]
    assert "coordinates are not valid" in str(err.value)
    empty = snap_points(_graph(), pts.iloc[:0])
    assert empty.too_far.shape == (0,)
