"""Travel times never crash on degenerate graphs: disconnected parts, duplicate points, loops."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import InputError
from geo.matrix import TravelEngine


def graph(n: int, edges: list[tuple[int, int, float, float]],
          coords: list[tuple[float, float]]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4326", kind="proxy")
    for i in range(n):
        G.add_node(i, x=coords[i][0], y=coords[i][1])
    for u, v, t, length in edges:
        G.add_edge(u, v, travel_time_s=t, length_m=length)
    return G


def two_islands() -> nx.MultiDiGraph:
    """0⇄1⇄2 and 3⇄4, with node 5 at node 0's coordinates but no edges."""
    coords = [(108.0, 14.35), (108.01, 14.36), (108.02, 14.37), (107.8, 14.7), (107.81, 14.71),
              (108.0, 14.35)]
    edges = []
    for u, v, t in [(0, 1, 60.0), (1, 2, 90.0), (3, 4, 30.0)]:
        edges += [(u, v, t, t * 10), (v, u, t, t * 10)]
    return graph(6, edges, coords)


@pytest.mark.parametrize("backend", ["cch", "scipy"])
def test_disconnected_graph_gives_inf_not_an_error(backend: str) -> None:
    """Times between islands are inf, paths between them empty, nearest reports -1."""
    engine = TravelEngine(two_islands(), backend=backend)
    time_s, length_m = engine.matrix([0, 3, 5], [2, 4, 5])
    assert time_s[0, 0] == 150.0 and length_m[0, 0] == 1500.0
    assert time_s[1, 1] == 30.0
    assert np.isinf(time_s[0, 1]) and np.isinf(time_s[1, 0]) and np.isinf(length_m[0, 1])
    assert np.isinf(time_s[2, 0]) and time_s[2, 2] == 0.0
    assert engine.path(0, 4) == []
    near_s, near_i = engine.nearest([0])
    assert near_i.tolist() == [0, 0, 0, -1, -1, -1]
    assert np.isinf(near_s[3:]).all()


@pytest.mark.parametrize("backend", ["cch", "scipy"])
def test_unknown_nodes_and_empty_inputs(backend: str) -> None:
    """Unknown nodes are an InputError naming each; empty origin lists give empty results."""
    engine = TravelEngine(two_islands(), backend=backend)
    with pytest.raises(InputError) as err:
        engine.matrix([0, 99, "x"], [1])
    assert [(p.row, p.value) for p in err.value.problems] == [(2, "99"), (3, "x")]
    assert engine.matrix([], [1])[0].shape == (0, 1)
    assert engine.nearest([])[1].tolist() == [-1] * 6


def test_empty_graph() -> None:
    """A graph without nodes builds an engine whose matrices are empty."""
    engine = TravelEngine(nx.MultiDiGraph(crs="EPSG:4326"))
    assert engine.matrix([], [])[0].shape == (0, 0)


@st.composite
def graphs(draw: st.DrawFn) -> nx.MultiDiGraph:
    n = draw(st.integers(1, 9))
    pool = [(108.0, 14.35), (108.0, 14.35), (107.9, 14.5), (108.1, 14.2)]  # duplicates on purpose
    coords = [draw(st.sampled_from(pool)) for _ in range(n)]
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                    st.sampled_from([0.0, 0.001, 1.0, 59.5, 3600.0]),
                                    st.sampled_from([0.0, 1.0, 1000.0])), max_size=20))
    return graph(n, edges, coords)


@settings(max_examples=60, deadline=None)
@given(G=graphs())
def test_cch_and_scipy_agree_on_random_degenerate_graphs(G: nx.MultiDiGraph) -> None:
    """Self-loops, parallel edges, zero times, duplicate coordinates: both backends agree."""
    nodes = list(G.nodes)
    cch, ref = TravelEngine(G, backend="cch"), TravelEngine(G, backend="scipy")
    a = cch.matrix(nodes, nodes)
    b = ref.matrix(nodes, nodes)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])
    assert (np.diag(a[0]) == 0).all()
    reach = np.isfinite(a[0])
    for u in nodes:
        for v in nodes:
            for engine in (cch, ref):
                path = engine.path(u, v)
                assert (path != []) == bool(reach[u, v])
                if path:
                    assert path[0] == u and path[-1] == v
