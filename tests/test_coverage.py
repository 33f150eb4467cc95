import networkx as nx
import numpy as np
import pytest

from geo.coverage import (
    AccessNetwork,
    SnappedPoints,
    _times_of,
    nearest_destination,
    weighted_quantile,
)
from geo.network import add_metric_coordinates


def _line() -> nx.MultiDiGraph:
    """a — b — c — d, two-way, 60 / 120 / 180 s, plus a one-way shortcut d → a of 30 s."""
    G = nx.MultiDiGraph(kind="proxy", profile="motorbike")
    for i, name in enumerate("abcd"):
        G.add_node(name, x=107.5 + 0.01 * i, y=14.3)
    for u, v, t in (("a", "b", 60.0), ("b", "c", 120.0), ("c", "d", 180.0)):
        G.add_edge(u, v, travel_time_s=t, length_m=t * 10)
        G.add_edge(v, u, travel_time_s=t, length_m=t * 10)
    G.add_edge("d", "a", travel_time_s=30.0, length_m=300.0)
    add_metric_coordinates(G, "EPSG:9216")
    return G


def _snapped(net: AccessNetwork, rows: list[tuple[str, str, float, float]]) -> SnappedPoints:
    """Build snapped points by hand: (u, v, fraction along u→v, access seconds)."""
    u = net.engine.node_index([r[0] for r in rows])
    v = net.engine.node_index([r[1] for r in rows])
    f = np.array([r[2] for r in rows])
    acc = np.array([r[3] for r in rows])
    t_uv = net.arc_time_s(u, v)
    t_vu = net.arc_time_s(v, u)
    return SnappedPoints(
        origin_nodes=np.column_stack([v, u]),
        origin_s=np.column_stack([acc + (1 - f) * t_uv, acc + f * t_vu]),
        destination_nodes=np.column_stack([u, v]),
        destination_s=np.column_stack([f * t_uv + acc, (1 - f) * t_vu + acc]),
        access_time_s=acc, access_length_m=acc * 5, too_far=np.zeros(len(rows), bool))


def test_multi_source_counts_office_legs_exactly() -> None:
    """One search from two offices gives door-to-office times with both off-network legs."""
    net = AccessNetwork.build(_line())
    # office 0 halfway along a→b, 10 s off the road; office 1 at d, 100 s off the road
    offices = _snapped(net, [("a", "b", 0.5, 10.0), ("c", "d", 1.0, 100.0)])
    node_t, owner = nearest_destination(net, offices)
    at = {n: (node_t[i], owner[i]) for i, n in enumerate(net.engine.nodes)}
    assert at["a"] == (40.0, 0)  # 30 s along a→b + 10 s leg
    assert at["b"] == (40.0, 0)
    assert at["c"] == (160.0, 0)  # c→b→office: 120 + 30 + 10 (via d: 180 + 100 = 280)
    assert at["d"] == (70.0, 0)  # d→a by the one-way shortcut, 30 + 40
    # a cell a quarter along c→d, 5 s off the road: via c (45 + 160) or via d (135 + 70)
    cells = _snapped(net, [("c", "d", 0.25, 5.0)])
    t, dest = _times_of(cells, node_t, owner)
    assert t.tolist() == [5.0 + 45.0 + 160.0] and dest.tolist() == [0]


def test_multi_source_matches_matrix_brute_force() -> None:
    """On a random one-way-rich network the multi-source times equal the matrix minimum."""
    from geo.proxy import relative_neighbourhood_edges

    rng = np.random.default_rng(7)
    pts = rng.random((120, 2)) * 4000.0
    G = nx.MultiDiGraph(kind="proxy", profile="motorbike")
    for i, (x, y) in enumerate(pts):
        G.add_node(int(i), x=107.5 + x / 1e5, y=14.3 + y / 1e5)
    for u, v in relative_neighbourhood_edges(pts):
        for a, b in ((u, v), (v, u)):
            G.add_edge(int(a), int(b), travel_time_s=float(rng.integers(5, 200)), length_m=1.0)
    G = G.subgraph(max(nx.strongly_connected_components(G), key=len)).copy()
    add_metric_coordinates(G, "EPSG:9216")
    net = AccessNetwork.build(G)
    nodes = list(G.nodes)
    edges = list(G.edges())

    def pick(k: int) -> list[tuple[object, object, float, float]]:
        idx = rng.choice(len(edges), k, replace=False)
        return [(edges[i][0], edges[i][1], float(rng.random()), float(rng.integers(0, 60)))
                for i in idx]

    offices = _snapped(net, pick(6))  # type: ignore[arg-type]
    cells = _snapped(net, pick(40))  # type: ignore[arg-type]
    node_t, owner = nearest_destination(net, offices)
    t, _ = _times_of(cells, node_t, owner)
    m, _ = net.engine.matrix(nodes, nodes, lengths=False)
    expect = np.full(40, np.inf)
    for i in range(40):
        for a in range(2):
            for j in range(6):
                for b in range(2):
                    o = cells.origin_nodes[i, a]
                    d = offices.destination_nodes[j, b]
                    expect[i] = min(expect[i], cells.origin_s[i, a] + m[o, d]
                                    + offices.destination_s[j, b])
    np.testing.assert_allclose(t, expect, rtol=0, atol=1e-9)


def test_weighted_quantile() -> None:
    """The weighted 90th percentile is the smallest time reaching 90 % of the people."""
    assert weighted_quantile([10, 20, 30], [5, 4, 1], 0.9) == 20
    assert weighted_quantile([10, 20, np.inf], [1, 1, 8], 0.5) == np.inf
    assert np.isnan(weighted_quantile([1.0], [0.0], 0.9))


@pytest.mark.parametrize("limit", [None, 50.0])
def test_limit_marks_far_nodes_unreachable(limit: float | None) -> None:
    """A search limit leaves nodes beyond it at inf with no owner."""
    net = AccessNetwork.build(_line())
    offices = _snapped(net, [("a", "b", 0.0, 0.0)])
    node_t, owner = nearest_destination(net, offices, limit_s=limit)
    c = net.engine.nodes.index("c")
    if limit is None:
        assert node_t[c] == 180.0 and owner[c] == 0
    else:
        assert np.isinf(node_t[c]) and owner[c] == -1
