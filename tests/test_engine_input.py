"""geo.engine_input: the arcs the travel engine is built from and its cached node order."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from data.errors import InputError, NetworkError
from geo.engine_input import RK_INF, collapsed_arcs, node_order


def _graph(edges: list[tuple[int, int, float, float]]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for i in range(4):
        G.add_node(i, x=107.8 + 0.01 * i, y=14.3 + 0.005 * (i % 2))
    for u, v, t, m in edges:
        G.add_edge(u, v, travel_time_s=t, length_m=m)
    return G


def test_parallel_edges_collapse_to_the_fastest_then_the_shortest() -> None:
    """Of three 0→1 edges the 2 s ones win, and of those the 30 m one; self-loops go."""
    G = _graph([(0, 1, 3.0, 10.0), (0, 1, 2.0, 50.0), (0, 1, 2.0, 30.0), (1, 2, 0.0004, 5.0),
                (2, 2, 1.0, 1.0)])
    tail, head, w_ms, length = collapsed_arcs(G, {n: n for n in G.nodes}, "travel_time_s")
    assert tail.tolist() == [0, 1]
    assert head.tolist() == [1, 2]
    assert w_ms.tolist() == [2000, 1]  # 0.4 ms rounds up to the 1 ms floor
    assert length.tolist() == [30.0, 5.0]


def test_an_edge_without_a_weight_is_named_with_the_fix() -> None:
    """A missing or negative weight lists the edge and says to apply a profile."""
    G = _graph([(0, 1, 1.0, 1.0)])
    G.add_edge(1, 2, length_m=4.0)
    G.add_edge(2, 3, travel_time_s=-1.0, length_m=4.0)
    with pytest.raises(InputError, match="apply a profile") as err:
        collapsed_arcs(G, {n: n for n in G.nodes}, "travel_time_s")
    assert [p.value for p in err.value.problems] == ["None", "-1.0"]


def test_a_weight_at_routingkits_infinity_is_refused() -> None:
    """Exactly 2^31 − 1 ms is refused; one millisecond less is kept."""
    just_under = (RK_INF - 1) / 1000.0
    arcs = collapsed_arcs(_graph([(0, 1, just_under, 1.0)]), {n: n for n in range(4)},
                          "travel_time_s")
    assert arcs[2].tolist() == [RK_INF - 1]
    with pytest.raises(NetworkError, match="must stay under 596 h"):
        collapsed_arcs(_graph([(0, 1, RK_INF / 1000.0, 1.0)]), {n: n for n in range(4)},
                       "travel_time_s")


def test_the_node_order_is_computed_once_and_read_back(tmp_path: Path) -> None:
    """The second call reads the cached order (same order); another layout is not confused."""
    G = _graph([(0, 1, 1.0, 1.0), (1, 2, 1.0, 1.0), (2, 3, 1.0, 1.0), (3, 0, 1.0, 1.0)])
    nodes = list(G.nodes)
    tail, head, _, _ = collapsed_arcs(G, {n: n for n in nodes}, "travel_time_s")
    first, cached_first = node_order(G, nodes, tail, head, cache_dir=tmp_path)
    second, cached_second = node_order(G, nodes, tail, head, cache_dir=tmp_path)
    assert (cached_first, cached_second) == (False, True)
    assert sorted(first) == [0, 1, 2, 3] and second == first
    assert len(list(tmp_path.glob("cch-order-*.npy"))) == 1
    _, cached_other = node_order(G, nodes, tail[:3], head[:3], cache_dir=tmp_path)
    assert cached_other is False
    assert len(list(tmp_path.glob("cch-order-*.npy"))) == 2
    assert np.load(next(iter(sorted(tmp_path.glob("cch-order-*.npy"))))).dtype == np.int64
