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


def _lex_reference(G: nx.MultiDiGraph, sources: list, targets: list) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Lexicographic (ms, cm) Dijkstra by networkx on tuples: the definition of the answer."""
    import heapq

    best: dict = {}
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        w = (max(1, round(d["travel_time_s"] * 1000)), round(d["length_m"] * 100))
        if (u, v) not in best or w < best[(u, v)]:
            best[(u, v)] = w
    adj: dict = {}
    for (u, v), w in best.items():
        adj.setdefault(u, []).append((v, w))
    ms = np.full((len(sources), len(targets)), -1, dtype=np.int64)
    cm = np.full((len(sources), len(targets)), np.inf)
    for i, s in enumerate(sources):
        dist = {s: (0, 0)}
        heap = [((0, 0), s)]
        while heap:
            dv, v = heapq.heappop(heap)
            if dv > dist[v]:
                continue
            for x, (wt, wl) in adj.get(v, []):
                nd = (dv[0] + wt, dv[1] + wl)
                if x not in dist or nd < dist[x]:
                    dist[x] = nd
                    heapq.heappush(heap, (nd, x))
        for j, t in enumerate(targets):
            if t in dist:
                ms[i, j], cm[i, j] = dist[t]
    return ms, cm


def test_lengths_are_those_of_the_shortest_fastest_route() -> None:
    """Two routes tie on time: the length reported is the shorter one's, whichever search."""
    G = nx.MultiDiGraph()
    for i in range(4):
        G.add_node(i, x=107.5 + 0.01 * i, y=14.3)
    G.add_edge(0, 1, travel_time_s=10.0, length_m=300.0)  # 0-1-3: 20 s, 500 m
    G.add_edge(1, 3, travel_time_s=10.0, length_m=200.0)
    G.add_edge(0, 2, travel_time_s=10.0, length_m=100.0)  # 0-2-3: 20 s, 250 m
    G.add_edge(2, 3, travel_time_s=10.0, length_m=150.0)
    G.add_edge(0, 3, travel_time_s=20.001, length_m=10.0)  # 1 ms slower, much shorter
    eng = TravelEngine(G)
    t, length = eng.matrix([0], [3])
    assert t.tolist() == [[20.0]] and length.tolist() == [[250.0]]
    t2, length2 = eng.matrix([0, 1, 2], [3])  # fewer destinations: reversed search
    assert t2[:, 0].tolist() == [20.0, 10.0, 10.0]
    assert length2[:, 0].tolist() == [250.0, 200.0, 150.0]


def test_lexicographic_lengths_equal_the_tuple_dijkstra_on_a_road_like_graph() -> None:
    """Every cell equals a (ms, cm) tuple Dijkstra; lengths are rounded to whole centimetres."""
    G = _road_like(400, seed=5)
    eng = TravelEngine(G)
    rng = np.random.default_rng(1)
    o = rng.choice(400, 25, replace=False).tolist()
    d = rng.choice(400, 60, replace=False).tolist()
    ms, _ = _lex_reference(G, o, d)
    for a, b in ((o, d), (d, o[:10])):  # both search directions
        t, length = eng.matrix(a, b)
        ref_ms, ref_cm = _lex_reference(G, a, b)
        assert np.array_equal(np.where(np.isfinite(t), np.rint(t * 1000), -1), ref_ms)
        assert np.allclose(length, ref_cm / 100.0, rtol=0, atol=1e-6)
    assert np.array_equal(eng.times_ms(o, d), ms)  # the CCH agrees on the times


def test_lengths_fall_back_to_trees_when_the_weight_cannot_hold_them() -> None:
    """Missing lengths or a week-long route: the tree reference answers, the same cells."""
    G = nx.MultiDiGraph()
    for i in range(3):
        G.add_node(i, x=107.5 + 0.01 * i, y=14.3)
    G.add_edge(0, 1, travel_time_s=3 * 86_400.0, length_m=5_000_000.0)
    G.add_edge(1, 2, travel_time_s=3 * 86_400.0, length_m=5_000_000.0)
    eng = TravelEngine(G)
    t, length = eng.matrix([0], [1, 2])
    assert eng._lex_rows(np.array([0]), np.array([1, 2]), np.array([0]),
                         np.array([1, 2]), reverse=False) is None
    assert t.tolist() == [[259_200.0, 518_400.0]]
    assert length.tolist() == [[5_000_000.0, 10_000_000.0]]
    del G[1][2][0]["length_m"]
    eng = TravelEngine(G)
    t, length = eng.matrix([0], [1, 2])
    assert t.tolist() == [[259_200.0, 518_400.0]] and length[0, 0] == 5_000_000.0
    assert np.isnan(length[0, 1])


def test_memory_estimate_refuses_a_province_of_addresses_before_allocating() -> None:
    """100,000 points: refused with the estimate in GiB and the limit, nothing allocated."""
    from geo.matrix import check_memory, memory_estimate_bytes

    need = memory_estimate_bytes(100_000, 100_000, end_nodes=3_600, plan=True)
    assert need > 1.4e12
    with pytest.raises(InputError, match=r"planning on a 100,000 × 100,000 travel matrix "
                                         r"needs about 1\d{3}\.\d GiB of memory, more than "
                                         r"the limit of 8\.0 GiB") as exc:
        check_memory(100_000, 100_000, limit_bytes=8 * 2**30, end_nodes=3_600, plan=True)
    assert "POSTPLAN_MAX_MEMORY_MB" in str(exc.value)
    assert "GiB bộ nhớ" in exc.value.problems[0].message_vi


def test_memory_estimate_at_the_limit_is_accepted() -> None:
    """Boundary: an estimate equal to the limit passes and is returned."""
    from geo.matrix import check_memory, memory_estimate_bytes

    need = memory_estimate_bytes(2_000, 2_000, end_nodes=3_600, plan=True)
    assert check_memory(2_000, 2_000, limit_bytes=need, end_nodes=3_600, plan=True) == need
    with pytest.raises(InputError, match="Not enough memory"):
        check_memory(2_000, 2_000, limit_bytes=need - 1, end_nodes=3_600, plan=True)


def test_point_matrix_checks_memory_first() -> None:
    """point_matrix refuses before snapping when its estimate exceeds the limit given."""
    import geopandas as gpd

    from geo.matrix import point_matrix

    G = _road_like(50, seed=2)
    G.graph.update(crs="EPSG:4326", metric_crs="EPSG:9216", kind="proxy")
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([107.5] * 3, [14.3] * 3),
                           crs="EPSG:4326")
    with pytest.raises(InputError, match=r"a 3 × 3 travel matrix needs about"):
        point_matrix(G, pts, max_memory_bytes=1000)
