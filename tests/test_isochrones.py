import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from data import layers
from data.errors import InputError
from data.offices import default_offices
from data.settings import Settings
from geo.coverage import AccessNetwork, EdgeTable, access_surface
from geo.isochrones import reachable_area, service_areas


def _line() -> nx.MultiDiGraph:
    """Three nodes 1 km apart on a west–east line, 100 s per edge, both ways."""
    G = nx.MultiDiGraph(kind="proxy", profile="motorbike", metric_crs="EPSG:9216")
    for i, name in enumerate("abc"):
        G.add_node(name, x=0.0, y=0.0, x_m=500_000.0 + 1000.0 * i, y_m=1_600_000.0)
    for u, v in (("a", "b"), ("b", "c")):
        G.add_edge(u, v, travel_time_s=100.0, length_m=1000.0)
        G.add_edge(v, u, travel_time_s=100.0, length_m=1000.0)
    return G


def test_reachable_area_cuts_the_last_edge_exactly() -> None:
    """With 150 s to reach a, the area is the 1.5 km of road from a, buffered by 100 m."""
    G = _line()
    edges = EdgeTable.from_graph(G)
    t = np.array([0.0, 100.0, 200.0])  # seconds from each node to a
    area = reachable_area(edges, t, 150.0, direction="to", buffer_m=100.0)
    expect = shapely.LineString([(500_000, 1_600_000), (501_500, 1_600_000)]).buffer(
        100.0, quad_segs=4)
    assert shapely.symmetric_difference(area, expect).area < 1.0
    nothing = reachable_area(edges, np.full(3, np.inf), 150.0)
    assert nothing.is_empty


def test_reachable_area_follows_direction() -> None:
    """On a one-way road only the stretch that can reach the target counts."""
    G = nx.MultiDiGraph(metric_crs="EPSG:9216")
    G.add_node("a", x=0.0, y=0.0, x_m=0.0, y_m=0.0)
    G.add_node("b", x=0.0, y=0.0, x_m=1000.0, y_m=0.0)
    G.add_edge("a", "b", travel_time_s=100.0, length_m=1000.0)
    edges = EdgeTable.from_graph(G)
    # target b: every point of a→b drives on to b; with 40 s only the last 400 m
    to_b = reachable_area(edges, np.array([np.inf, 0.0]), 40.0, direction="to", buffer_m=10)
    assert to_b.bounds[0] == pytest.approx(600.0 - 10.0)
    # leaving a: the first 400 m
    from_a = reachable_area(edges, np.array([0.0, np.inf]), 40.0, direction="from",
                            buffer_m=10)
    assert from_a.bounds[2] == pytest.approx(400.0 + 10.0)


@pytest.fixture(scope="module")
def kontum_net(proxy_network: nx.MultiDiGraph) -> AccessNetwork:
    return AccessNetwork.build(proxy_network)


def test_service_areas_on_kontum(kontum_net: AccessNetwork, settings: Settings) -> None:
    """Areas nest by cutoff and hold every cell that reaches the office in time."""
    offices = default_offices(settings)
    office = offices[offices["office_id"] == "po-23473"]  # Bưu cục Kon Plông
    areas = service_areas(kontum_net, office, cutoffs_min=(15, 30, 60), buffer_m=500)
    assert list(areas["minutes"]) == [60.0, 30.0, 15.0]
    assert areas.crs == "EPSG:4326" and set(areas["network_kind"]) == {"proxy"}
    metric = areas.to_crs("EPSG:9216").set_index("minutes").geometry
    assert metric[15.0].difference(metric[30.0]).area < 1.0
    assert metric[30.0].difference(metric[60.0]).area < 1.0
    assert areas["area_km2"].is_monotonic_decreasing
    # every cell whose road point reaches the office within 30 min, with an off-road leg
    # shorter than the buffer, lies inside the 30-minute area
    cells = layers.load_population_grid(settings)
    surf = access_surface(kontum_net, office, cells)
    inside = surf.cells[(surf.cells["travel_time_s"] <= 1800)
                        & (surf.cells["off_road_m"] < 500)]
    assert len(inside) > 20
    pts = inside.to_crs("EPSG:9216").geometry
    assert pts.within(metric[30.0].buffer(1.0)).all()
    # and the area does not leak: no cell beyond 60 min lies in the 15-minute area
    far = surf.cells[surf.cells["travel_time_s"] > 3600].to_crs("EPSG:9216").geometry
    assert not far.within(metric[15.0]).any()


def test_service_area_errors(kontum_net: AccessNetwork, settings: Settings) -> None:
    """Bad cutoffs and offices without a CRS are reported together."""
    offices = default_offices(settings).head(1)
    bare = gpd.GeoDataFrame(offices.drop(columns="geometry"),
                            geometry=list(offices.geometry), crs=None)
    with pytest.raises(InputError) as info:
        service_areas(kontum_net, bare, cutoffs_min=(0, 30))
    assert {p.column for p in info.value.problems} == {"cutoffs_min", "geometry"}
