import math

import networkx as nx
import numpy as np
import pytest

from data import layers
from data.errors import InputError
from geo.graph import network_summary
from geo.links import (
    DEFAULT_CIRCUITY,
    delaunay_edges,
    gabriel_edges,
    relative_neighbourhood_edges,
)
from geo.proxy import build_proxy_network


def test_rng_and_gabriel_on_hand_made_points() -> None:
    """RNG drops the long side of a near-equilateral triangle's lune; Gabriel keeps more."""
    # a unit square with its centre: Delaunay has the 4 sides and 4 half-diagonals
    pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]], dtype=float)
    assert len(delaunay_edges(pts)) == 8
    # the sides (length 1) have the centre (0.707 from both ends) in their lune: RNG drops
    # them; the centre is exactly on each side's Gabriel circle boundary, so Gabriel keeps
    assert relative_neighbourhood_edges(pts).tolist() == [[0, 4], [1, 4], [2, 4], [3, 4]]
    assert len(gabriel_edges(pts)) == 8
    # three points on a line: only neighbours are joined
    line = np.array([[0, 0], [1, 0], [3, 0]], dtype=float)
    assert relative_neighbourhood_edges(line).tolist() == [[0, 1], [1, 2]]


def test_proxy_network_is_strongly_connected_and_labelled(proxy_network, settings) -> None:
    """Every edge is national_road or proxy; the graph is strongly connected; kind=proxy."""
    G = proxy_network
    assert G.graph["kind"] == "proxy" and G.graph["profile"] == "motorbike"
    assert "estimated" in G.graph["method"]
    assert nx.is_strongly_connected(G)
    sources = {s for _, _, s in G.edges(data="source")}
    assert sources == {"national_road", "proxy"}
    summary = network_summary(G)
    roads_km = layers.load_national_roads(settings)["length_m"].sum() / 1000
    # both directions of every highway edge, with the real geometry's length
    assert summary["km_by_source"]["national_road"] == pytest.approx(2 * roads_km, rel=1e-6)
    assert summary["dropped_nodes"] == 0


def test_proxy_edges_follow_the_documented_method(proxy_network) -> None:
    """Proxy links: straight × circuity, class proxy_link, slower than highways; two-way."""
    G = proxy_network
    for u, v, d in G.edges(data=True):
        assert G.has_edge(v, u)
        if d["source"] == "proxy":
            assert d["highway"] == "proxy_link"
            assert d["length_m"] == pytest.approx(d["straight_m"] * DEFAULT_CIRCUITY)
            a, b = G.nodes[u], G.nodes[v]
            straight = math.hypot(a["x_m"] - b["x_m"], a["y_m"] - b["y_m"])
            assert d["straight_m"] == pytest.approx(straight, abs=0.05)
            assert d["speed_kph"] == 24.0  # 30 km/h × mountain factor 0.8
        else:
            assert d["highway"] == "trunk" and d["surface"] == "paved"
            assert d["speed_kph"] == 40.0  # 50 × 0.8
            assert d["ref"] in {"QL14", "QL14C", "QL24", "QL40"}
        assert d["travel_time_s"] == pytest.approx(d["length_m"] / (d["speed_kph"] / 3.6))


def test_proxy_nodes_cover_settlements(proxy_network) -> None:
    """Nodes come from real points: commune points, OSM POIs, WorldPop cells, highways."""
    kinds = {k for _, k in proxy_network.nodes(data="kind")}
    assert kinds == {"highway", "commune_point", "poi", "village_hall", "grid_cell", "junction"}
    assert proxy_network.graph["junctions"] > 0
    cells = [d for _, d in proxy_network.nodes(data=True) if d["kind"] == "grid_cell"]
    assert min(d["population"] for d in cells) >= 50
    assert all(d["point_source"] == "worldpop" for d in cells)


def test_circuity_below_one_is_rejected(settings) -> None:
    """A circuity factor under 1 is an input error."""
    with pytest.raises(InputError, match="circuity"):
        build_proxy_network(settings, circuity=0.9)


def test_grid_cells_have_diagonal_links(proxy_network) -> None:
    """Inside populated areas a WorldPop cell links to its 8 neighbours (no √2 detours)."""
    G = proxy_network
    cells = [n for n, k in G.nodes(data="kind") if k == "grid_cell"]
    cell_set = set(cells)
    most = max(len({v for v in G.successors(n) if v in cell_set}) for n in cells)
    assert most == 8
