from dataclasses import replace

import networkx as nx
import pytest
from pyproj import Transformer

from data.errors import NetworkError
from geo.graph import (
    edge_lines,
    finish_network,
    load_network,
    network_summary,
    node_points,
    save_network,
)
from geo.network import cached_network, latest_network


def _raw() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node(1, x=107.90, y=14.35)
    G.add_node(2, x=107.91, y=14.35)
    G.add_node(3, x=107.92, y=14.35)
    G.add_node(9, x=108.00, y=14.40)  # only reachable one way: dropped
    G.add_edge(1, 2, length_m=1000.0, highway="trunk", surface="asphalt", oneway=False,
               source="osm", osmid=[11, 12])
    G.add_edge(2, 1, length_m=1000.0, highway="trunk", surface="asphalt", oneway=False,
               source="osm", osmid=[11, 12])
    G.add_edge(2, 3, length_m=500.0, highway="proxy_link", surface="unknown", oneway=False,
               source="proxy")
    G.add_edge(3, 2, length_m=500.0, highway="proxy_link", surface="unknown", oneway=False,
               source="proxy")
    G.add_edge(3, 9, length_m=100.0, highway="track", surface="dirt", oneway=True, source="osm")
    return G


def test_finish_network_keeps_largest_scc_and_reports_dropped() -> None:
    """finish_network applies the profile, keeps the largest SCC, and counts dropped nodes."""
    G = finish_network(_raw(), kind="osm+proxy", profile="car", metric_crs="EPSG:9216",
                       terrain="flat")
    assert sorted(G.nodes) == [1, 2, 3]
    assert G.graph["dropped_nodes"] == 1
    assert G.edges[1, 2, 0]["travel_time_s"] == pytest.approx(60.0)  # 60 km/h car on trunk
    x_m, y_m = Transformer.from_crs(4326, 9216, always_xy=True).transform(107.90, 14.35)
    assert (G.nodes[1]["x_m"], G.nodes[1]["y_m"]) == pytest.approx((x_m, y_m))
    summary = network_summary(G)
    assert summary == {"nodes": 3, "edges": 4, "km_by_source": {"osm": 2.0, "proxy": 1.0},
                       "kind": "osm+proxy", "profile": "car", "dropped_nodes": 1,
                       "source_file": None}


@pytest.mark.parametrize("name", ["net", "net.graphml"])
def test_save_and_load_round_trip(tmp_path, name: str) -> None:
    """A saved network reads back with the same nodes, edges, attributes and summary."""
    G = finish_network(_raw(), kind="osm", profile="motorbike", metric_crs="EPSG:9216")
    path = save_network(G, tmp_path / name)
    H = load_network(path)
    assert network_summary(H) == network_summary(G)
    assert H.edges[2, 3, 0]["travel_time_s"] == pytest.approx(G.edges[2, 3, 0]["travel_time_s"])
    assert H.nodes[3]["y_m"] == pytest.approx(G.nodes[3]["y_m"])
    if name == "net":
        assert H.edges[1, 2, 0]["osmid"] == "11;12"  # lists are stored as text


def test_load_network_missing_is_network_error(tmp_path) -> None:
    """Loading from a folder without a network says how to build one."""
    with pytest.raises(NetworkError, match="postplan network build"):
        load_network(tmp_path)


def test_cached_network_builds_once_then_reads(settings, tmp_path, proxy_network) -> None:
    """cached_network writes the proxy network to cache_dir and reads it back the next time."""
    s = replace(settings, cache_dir=tmp_path)
    first = cached_network(s, profile="motorbike")
    folders = list((tmp_path / "networks").glob("proxy-motorbike-*"))
    assert len(folders) == 1
    again = cached_network(s, profile="motorbike")
    assert network_summary(again) == network_summary(first) == network_summary(proxy_network)
    assert again.graph["cache_key"] == folders[0].name.split("-")[-1]
    assert network_summary(latest_network(s))["nodes"] == proxy_network.number_of_nodes()


def test_node_and_edge_tables() -> None:
    """node_points and edge_lines give GeoDataFrames in EPSG:4326 with straight fallbacks."""
    G = finish_network(_raw(), kind="osm", profile="motorbike", metric_crs="EPSG:9216")
    nodes, edges = node_points(G), edge_lines(G)
    assert nodes.crs == "EPSG:4326" and len(nodes) == 3
    assert len(edges) == 4 and set(edges["source"]) == {"osm", "proxy"}
    assert edges.geometry.iloc[0].coords[0] == (107.90, 14.35)
