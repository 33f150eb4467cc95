import itertools

import networkx as nx
import numpy as np
import pytest

from data.errors import InputError
from geo.matrix import TravelEngine


def _toy() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for i, name in enumerate("abcd"):
        G.add_node(name, x=107.5 + 0.01 * i, y=14.3)
    G.add_edge("a", "b", travel_time_s=10.0, length_m=100.0)
    G.add_edge("a", "b", travel_time_s=12.0, length_m=80.0)  # slower parallel edge
    G.add_edge("b", "c", travel_time_s=10.0, length_m=100.0)
    G.add_edge("a", "c", travel_time_s=25.0, length_m=150.0)  # shorter but slower
    G.add_edge("c", "a", travel_time_s=5.0, length_m=50.0)
    G.add_edge("c", "c", travel_time_s=1.0, length_m=5.0)  # self-loop, ignored
    return G


def _road_like(n: int, seed: int) -> nx.MultiDiGraph:
    from geo.links import relative_neighbourhood_edges

    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2)) * 3000.0
    G = nx.MultiDiGraph()
    for i, (x, y) in enumerate(pts):
        G.add_node(int(i), x=107.5 + x / 1e5, y=14.3 + y / 1e5)
    for u, v in relative_neighbourhood_edges(pts):
        length = float(np.hypot(*(pts[u] - pts[v])))
        for a, b in ((u, v), (v, u)):
            if rng.random() < 0.9:  # some one-way edges: asymmetric times
                kph = float(rng.choice([15.0, 25.0, 40.0]))
                G.add_edge(int(a), int(b), length_m=length, travel_time_s=length / (kph / 3.6))
    return G


@pytest.mark.parametrize("backend", ["cch", "scipy"])
def test_toy_matrix_exact(backend: str) -> None:
    """Times and lengths on a hand-built graph equal the hand-computed fastest routes."""
    eng = TravelEngine(_toy(), backend=backend)  # type: ignore[arg-type]
    time_s, length_m = eng.matrix(["a", "b", "c", "d"], ["a", "b", "c", "d"])
    inf = np.inf
    assert time_s.tolist() == [
        [0, 10, 20, inf], [15, 0, 10, inf], [5, 15, 0, inf], [inf, inf, inf, 0]]
    assert length_m.tolist() == [
        [0, 100, 200, inf], [150, 0, 100, inf], [50, 150, 0, inf], [inf, inf, inf, 0]]
    assert eng.backend == backend


@pytest.mark.parametrize("backend", ["cch", "scipy"])
def test_toy_path_and_times_ms(backend: str) -> None:
    """path() follows the fastest route; times_ms marks unreachable cells with -1."""
    eng = TravelEngine(_toy(), backend=backend)  # type: ignore[arg-type]
    assert eng.path("a", "c") == ["a", "b", "c"]
    assert eng.path("b", "a") == ["b", "c", "a"]
    assert eng.path("a", "d") == []
    assert eng.path_length_m(["a", "b", "c"]) == 200.0
    assert eng.times_ms(["a", "d"], ["c"]).tolist() == [[20000], [-1]]
    t, _ = eng.matrix(["b"], ["a", "c"], lengths=False)
    assert t.tolist() == [[15.0, 10.0]]


def test_nearest_multi_source_from_and_to() -> None:
    """nearest() gives each node its closest source, in both directions, -1 if none."""
    eng = TravelEngine(_toy())
    t_from, src_from = eng.nearest(["b", "c"])
    assert dict(zip(eng.nodes, t_from.tolist(), strict=True)) == {
        "a": 5.0, "b": 0.0, "c": 0.0, "d": np.inf}
    assert dict(zip(eng.nodes, src_from.tolist(), strict=True)) == {
        "a": 1, "b": 0, "c": 1, "d": -1}
    t_to, _src_to = eng.nearest(["a"], direction="to")
    assert dict(zip(eng.nodes, t_to.tolist(), strict=True)) == {
        "a": 0.0, "b": 15.0, "c": 5.0, "d": np.inf}
    t_lim, _ = eng.nearest(["a"], limit_s=12)
    assert t_lim.tolist() == [0.0, 10.0, np.inf, np.inf]


def test_weights_are_rounded_to_milliseconds() -> None:
    """Weights are whole milliseconds, at least 1, and parallel edges keep the fastest."""
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, travel_time_s=0.0004, length_m=1.0)
    G.add_edge(1, 2, travel_time_s=1.2345, length_m=1.0)
    G.add_edge(1, 2, travel_time_s=1.2344, length_m=2.0)
    eng = TravelEngine(G)
    assert sorted(eng.weights_ms.tolist()) == [1, 1234]
    assert eng.matrix([0], [2])[0].tolist() == [[1.235]]


def test_unknown_node_and_missing_weight_are_input_errors() -> None:
    """Unknown nodes and unweighted edges raise InputError naming the value."""
    eng = TravelEngine(_toy())
    with pytest.raises(InputError, match=r"'zz'.*not in the network"):
        eng.matrix(["a"], ["zz"])
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, length_m=3.0)
    with pytest.raises(InputError, match="apply a profile"):
        TravelEngine(G)


def test_cch_equals_scipy_and_networkx_on_road_like_graph(tmp_path) -> None:
    """On a 600-node road-like graph CCH == scipy == networkx Dijkstra on the same ms weights."""
    G = _road_like(600, seed=3)
    cch = TravelEngine(G, backend="cch", cache_dir=tmp_path)
    ref = TravelEngine(G, backend="scipy")
    rng = np.random.default_rng(0)
    o = rng.choice(600, 40, replace=False).tolist()
    d = rng.choice(600, 30, replace=False).tolist()
    fast = cch.times_ms(o, d)
    assert np.array_equal(fast, ref.times_ms(o, d))
    # networkx on the same rounded weights
    H = nx.DiGraph()
    for u, v, w in G.edges(data="travel_time_s"):
        ms = max(1, round(w * 1000))
        if not H.has_edge(u, v) or H[u][v]["w"] > ms:
            H.add_edge(u, v, w=ms)
    for i, s in enumerate(o[:10]):
        dist = nx.single_source_dijkstra_path_length(H, s, weight="w")
        assert [dist.get(t, -1) for t in d] == fast[i].tolist()
    # lengths: the length of the path the engine reports, either direction of search
    t1, l1 = cch.matrix(o[:5], d)
    t2, l2 = cch.matrix(o, d[:3])
    for i, s in enumerate(o[:3]):
        for j, t in enumerate(d[:3]):
            if np.isfinite(t1[i, j]):
                assert t1[i, j] == t2[i, j]
                path = cch.path(s, t)
                assert sum(H[a][b]["w"] for a, b in itertools.pairwise(path)) == fast[i, j]
    assert np.allclose(l1[:3, :3], l2[:3, :3], equal_nan=True)
    # the order comes from the cache the second time
    again = TravelEngine(G, backend="cch", cache_dir=tmp_path)
    assert again.info.order_cached and not cch.info.order_cached
    assert "cch engine on 600 nodes" in again.info.summary()


def test_graph_without_edges_uses_reference_and_reports_unreachable() -> None:
    """A graph with nodes but no edges still answers: 0 on the diagonal, inf elsewhere."""
    G = nx.MultiDiGraph()
    G.add_nodes_from([(1, {"x": 107.9, "y": 14.3}), (2, {"x": 107.91, "y": 14.3})])
    eng = TravelEngine(G)
    assert eng.backend == "scipy"
    assert eng.matrix([1, 2], [1, 2])[0].tolist() == [[0.0, np.inf], [np.inf, 0.0]]


def test_cached_engine_reuses_the_order_across_weights(tmp_path) -> None:
    """The node order is keyed by layout: new weights on the same roads reuse it."""
    from dataclasses import replace

    from data.settings import Settings
    from geo.matrix import cached_engine

    s = replace(Settings(), cache_dir=tmp_path)
    G = _road_like(200, seed=1)
    first = cached_engine(G, s)
    for _, _, d in G.edges(data=True):
        d["travel_time_s"] *= 2
    second = cached_engine(G, s)
    assert not first.info.order_cached and second.info.order_cached
    o, d = list(G.nodes)[:5], list(G.nodes)[5:10]
    assert np.array_equal(second.times_ms(o, d), TravelEngine(G, backend="scipy").times_ms(o, d))
    assert len(list((tmp_path / "cch").glob("cch-order-*.npy"))) == 1
