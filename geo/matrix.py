"""Exact many-to-many travel times and lengths on the road network.

:class:`TravelEngine` is built once per graph and weight. Edge weights are rounded to whole
milliseconds (at least 1 ms) and every answer is exact on those rounded weights: the fast
path, RoutingKit's customizable contraction hierarchies (``routingkit-cch``), gives the same
numbers cell for cell as the reference path, ``scipy.sparse.csgraph.dijkstra`` on the same
integer weights (both are kept; ``backend="scipy"`` forces the reference).

- ``matrix(origins, destinations)`` → travel time (s) and the length (m) of that fastest
  route; asymmetric (one-way streets), ``np.inf`` when unreachable.
- ``nearest(sources)`` → for every node, the time from (or to) its nearest source, and
  which source it is — one multi-source search, not one per source.
- ``path(u, v)`` → the node list of a fastest route.

Lengths need shortest-path trees, so ``matrix(..., lengths=True)`` runs the scipy
reference in both backends (the length is that of one fastest route; where routes tie for
the fastest, which one is taken is deterministic but arbitrary); ``lengths=False`` and
:meth:`TravelEngine.times_ms` use the compiled backend alone.
The CCH node order depends only on the road layout and can be cached on disk
(``cache_dir``), so new weights (another profile, a closure) only need a re-customisation.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from data.errors import InputError, NetworkError, Problem

_rk: Any
try:  # the compiled fast path; the scipy reference works without it
    import routingkit_cch as _rk
except ImportError:  # pragma: no cover - routingkit-cch is a declared dependency
    _rk = None

Backend = Literal["auto", "cch", "scipy"]

#: RoutingKit's infinity: weights must stay below it.
_RK_INF = 2**31 - 1
#: Bytes of one scipy distance block (chunks of origins are sized to stay under it).
_BLOCK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class EngineInfo:
    """What a :class:`TravelEngine` was built from and how long it took.

    Parameters
    ----------
    backend
        ``cch`` or ``scipy``.
    nodes, arcs
        Graph size (arcs after merging parallel edges and dropping self-loops).
    weight
        Edge attribute used as weight (seconds).
    preprocess_s
        Seconds spent on the CCH node order (0 when read from the cache).
    customise_s
        Seconds spent loading the weights.
    order_cached
        Whether the node order came from ``cache_dir``.
    """

    backend: str
    nodes: int
    arcs: int
    weight: str
    preprocess_s: float
    customise_s: float
    order_cached: bool

    def summary(self) -> str:
        """One line describing the engine."""
        cached = " (order from cache)" if self.order_cached else ""
        return (f"{self.backend} engine on {self.nodes} nodes / {self.arcs} arcs, weight "
                f"{self.weight} in ms; preprocessing {self.preprocess_s:.2f} s{cached}, "
                f"customisation {self.customise_s:.2f} s")


class TravelEngine:
    """Exact shortest travel times and lengths on one graph.

    Parameters
    ----------
    G
        A network in the project's graph form (edges carry ``weight`` in seconds and
        ``length_m``). Parallel edges collapse to the fastest; self-loops are ignored.
    weight
        Edge attribute with the travel time in seconds.
    backend
        ``auto`` (CCH when routingkit-cch is installed), ``cch`` or ``scipy``.
    cache_dir
        Folder for the CCH node order, keyed by a hash of the graph's layout.
    threads
        Threads for CCH matrix queries (the library releases the GIL); default: CPU count,
        at most 4.
    """

    def __init__(self, G: nx.MultiDiGraph, *, weight: str = "travel_time_s",
                 backend: Backend = "auto", cache_dir: str | Path | None = None,
                 threads: int | None = None) -> None:
        import time

        if backend not in ("auto", "cch", "scipy"):
            raise InputError([Problem("backend must be 'auto', 'cch' or 'scipy'",
                                      column="backend", value=str(backend))])
        if backend == "cch" and _rk is None:
            raise NetworkError("backend 'cch' needs the package routingkit-cch")
        self.weight = weight
        self.nodes: list[Hashable] = list(G.nodes)
        self._index = {n: i for i, n in enumerate(self.nodes)}
        n = len(self.nodes)
        tail, head, w_ms, length = _collapsed_arcs(G, self._index, weight)
        self._tail, self._head, self._w_ms, self._length = tail, head, w_ms, length
        # sorted arc keys for (u, v) -> arc lookups when walking predecessor trees
        self._arc_key = tail.astype(np.int64) * n + head
        self._arc_order = np.argsort(self._arc_key, kind="stable")
        self._arc_key_sorted = self._arc_key[self._arc_order]
        self._csr = sp.csr_matrix((w_ms.astype(np.float64), (tail, head)), shape=(n, n))
        self._csr_t = self._csr.T.tocsr()
        self.threads = max(1, threads or min(4, os.cpu_count() or 1))

        self._cch: Any = None
        self._metric: Any = None
        preprocess_s = customise_s = 0.0
        cached = False
        use_cch = backend == "cch" or (backend == "auto" and _rk is not None)
        if use_cch and n > 0 and len(tail) > 0:
            t0 = time.perf_counter()
            order, cached = self._node_order(G, cache_dir)
            self._cch = _rk.CCH(order, tail.tolist(), head.tolist(), False)
            preprocess_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            self._metric = _rk.CCHMetric(self._cch, w_ms.tolist())
            customise_s = time.perf_counter() - t0
        self.info = EngineInfo(
            backend="cch" if self._metric is not None else "scipy",
            nodes=n, arcs=len(tail), weight=weight, preprocess_s=preprocess_s,
            customise_s=customise_s, order_cached=cached,
        )

    # -- helpers -----------------------------------------------------------------------
    @property
    def backend(self) -> str:
        """``cch`` or ``scipy``."""
        return self.info.backend

    @property
    def weights_ms(self) -> np.ndarray:
        """The integer millisecond weight of every arc (after collapsing parallel edges)."""
        return self._w_ms.copy()

    def node_index(self, nodes: Sequence[Hashable] | np.ndarray) -> np.ndarray:
        """Positions of graph nodes in :attr:`nodes`.

        Raises
        ------
        InputError
            Listing every node that is not in the graph.
        """
        out = np.empty(len(nodes), dtype=np.int64)
        problems = []
        for i, node in enumerate(nodes):
            key = node.item() if isinstance(node, np.generic) else node
            j = self._index.get(key)
            if j is None:
                problems.append(Problem("node is not in the network; snap the point first "
                                        "(geo.snap.snap_points)", row=i + 1, value=str(node)))
                j = -1
            out[i] = j
        if problems:
            raise InputError(problems, summary="unknown nodes")
        return out

    def _node_order(self, G: nx.MultiDiGraph, cache_dir: str | Path | None) -> tuple[list[int],
                                                                                     bool]:
        n = len(self.nodes)
        digest = hashlib.sha256()
        digest.update(np.int64(n).tobytes())
        digest.update(self._tail.astype(np.int64).tobytes())
        digest.update(self._head.astype(np.int64).tobytes())
        path = None
        if cache_dir is not None:
            path = Path(cache_dir) / f"cch-order-{digest.hexdigest()[:20]}.npy"
            if path.exists():
                order = np.load(path)
                if len(order) == n:
                    return order.tolist(), True
        lat = [float(G.nodes[v].get("y", 0.0)) for v in self.nodes]
        lon = [float(G.nodes[v].get("x", 0.0)) for v in self.nodes]
        order = _rk.compute_order_inertial(n, self._tail.tolist(), self._head.tolist(), lat, lon)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, np.asarray(order, dtype=np.int64))
            tmp.replace(path)
        return list(order), False

    # -- matrices ----------------------------------------------------------------------
    def times_ms(self, origins: Sequence[Hashable] | np.ndarray,
                 destinations: Sequence[Hashable] | np.ndarray) -> np.ndarray:
        """Travel times in integer milliseconds (``-1`` where unreachable).

        Parameters
        ----------
        origins, destinations
            Graph nodes.

        Returns
        -------
        numpy.ndarray
            int64 array of shape ``(len(origins), len(destinations))``.
        """
        o = self.node_index(origins)
        d = self.node_index(destinations)
        if len(o) == 0 or len(d) == 0:
            return np.zeros((len(o), len(d)), dtype=np.int64)
        if self._metric is not None:
            return self._cch_times(o, d)
        return self._scipy_rows(o, d, lengths=False)[0]

    def matrix(self, origins: Sequence[Hashable] | np.ndarray,
               destinations: Sequence[Hashable] | np.ndarray, *,
               lengths: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Travel time and route length between every origin and destination.

        Parameters
        ----------
        origins, destinations
            Graph nodes.
        lengths
            Also compute the length of each fastest route. Lengths need shortest-path
            trees, so they always come from the scipy reference (one search per origin, or
            per destination on the reversed graph when there are fewer destinations); with
            ``lengths=False`` the compiled backend answers alone and the length array is
            all NaN.

        Returns
        -------
        time_s, length_m
            float arrays of shape ``(len(origins), len(destinations))``; ``np.inf`` where
            unreachable.
        """
        o = self.node_index(origins)
        d = self.node_index(destinations)
        shape = (len(o), len(d))
        if len(o) == 0 or len(d) == 0:
            return np.zeros(shape), np.zeros(shape)
        if lengths:
            if len(d) < len(o):
                ms_t, length_t = self._scipy_rows(d, o, lengths=True, reverse=True)
                ms, length = ms_t.T, length_t.T
            else:
                ms, length = self._scipy_rows(o, d, lengths=True)
        else:
            ms = self._cch_times(o, d) if self._metric is not None else \
                self._scipy_rows(o, d, lengths=False)[0]
            length = np.full(shape, np.nan)
        time_s = np.where(ms < 0, np.inf, ms / 1000.0)
        if lengths:
            length = np.where(ms < 0, np.inf, length)
        return time_s, np.ascontiguousarray(length)

    def _cch_times(self, o: np.ndarray, d: np.ndarray) -> np.ndarray:
        targets = d.tolist()
        out = np.empty((len(o), len(d)), dtype=np.int64)

        def work(rows: np.ndarray) -> None:
            query = _rk.CCHOneToMany(self._metric, targets)
            for r in rows:
                vals = np.array(query.distances_from(int(o[r])), dtype=np.float64)
                out[r] = np.where(np.isnan(vals), -1, vals).astype(np.int64)
            del query

        parts = [p for p in np.array_split(np.arange(len(o)), self.threads) if len(p)]
        if len(parts) == 1:
            work(parts[0])
        else:
            with ThreadPoolExecutor(len(parts)) as pool:
                list(pool.map(work, parts))
        return out

    def _scipy_rows(self, o: np.ndarray, d: np.ndarray, *, lengths: bool,
                    reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Search from ``o`` (on the reversed graph when ``reverse``) read at ``d``."""
        n = len(self.nodes)
        graph = self._csr_t if reverse else self._csr
        ms = np.empty((len(o), len(d)), dtype=np.int64)
        length = np.full((len(o), len(d)), np.nan)
        chunk = max(1, _BLOCK_BYTES // max(1, 8 * n))
        for start in range(0, len(o), chunk):
            rows = o[start:start + chunk]
            if lengths:
                dist, pred = dijkstra(graph, indices=rows, return_predecessors=True)
            else:
                dist = dijkstra(graph, indices=rows)
            block = dist[:, d]
            ms[start:start + len(rows)] = np.where(np.isinf(block), -1, block).astype(np.int64)
            if lengths:
                length[start:start + len(rows)] = self._tree_lengths(pred, d, reverse=reverse)
        return ms, length

    def _arc_of(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        n = len(self.nodes)
        pos = np.searchsorted(self._arc_key_sorted, u.astype(np.int64) * n + v)
        return self._arc_order[pos]

    def _tree_lengths(self, pred: np.ndarray, d: np.ndarray, *, reverse: bool) -> np.ndarray:
        """Sum arc lengths back along shortest-path trees (one row of ``pred`` per root)."""
        rows = np.repeat(np.arange(pred.shape[0]), len(d))
        cur = np.tile(d, pred.shape[0])
        acc = np.zeros(len(cur))
        active = pred[rows, cur] >= 0
        while active.any():
            r, c = rows[active], cur[active]
            p = pred[r, c]
            arcs = self._arc_of(c, p) if reverse else self._arc_of(p, c)
            acc[active] += self._length[arcs]
            cur[active] = p
            active[active] = pred[r, p] >= 0
        return acc.reshape(pred.shape[0], len(d))

    # -- nearest source --------------------------------------------------------------
    def nearest(self, sources: Sequence[Hashable] | np.ndarray, *,
                direction: Literal["from", "to"] = "from",
                limit_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Time between every node and its nearest source, in one multi-source search.

        Parameters
        ----------
        sources
            Graph nodes (e.g. the nodes of the post offices).
        direction
            ``from``: time from the nearest source to each node (a courier leaving an
            office); ``to``: time from each node to its nearest source (a citizen going to
            an office).
        limit_s
            Stop searching beyond this many seconds (those nodes get ``np.inf``).

        Returns
        -------
        time_s, source_index
            Arrays aligned with :attr:`nodes`: seconds (``np.inf`` unreachable) and the
            position in ``sources`` of the nearest source (``-1`` unreachable).
        """
        s = self.node_index(sources)
        n = len(self.nodes)
        if len(s) == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        graph = self._csr if direction == "from" else self._csr_t
        limit = np.inf if limit_s is None else float(limit_s) * 1000.0
        dist, _, nearest_node = dijkstra(graph, indices=s, min_only=True, limit=limit,
                                         return_predecessors=True)
        # map the winning source node back to its first position in `sources`
        first: dict[int, int] = {}
        for pos, node in enumerate(s.tolist()):
            first.setdefault(node, pos)
        lut = np.full(n, -1, dtype=np.int64)
        for node, pos in first.items():
            lut[node] = pos
        src = np.where(nearest_node >= 0, lut[np.maximum(nearest_node, 0)], -1)
        time_s = np.where(np.isinf(dist), np.inf, dist / 1000.0)
        return time_s, src.astype(np.int64)

    # -- paths -------------------------------------------------------------------------
    def path(self, u: Hashable, v: Hashable) -> list[Hashable]:
        """Nodes of a fastest route from ``u`` to ``v`` (empty when unreachable)."""
        s, t = self.node_index([u, v]).tolist()
        if s == t:
            return [self.nodes[s]]
        if self._metric is not None:
            query = _rk.CCHQuery(self._metric)
            res = query.run(s, t)
            nodes = list(res.node_path)
            del res, query
            return [self.nodes[i] for i in nodes]
        _, pred = dijkstra(self._csr, indices=s, return_predecessors=True)
        if pred[t] < 0:
            return []
        out = [t]
        while out[-1] != s:
            out.append(int(pred[out[-1]]))
        return [self.nodes[i] for i in reversed(out)]

    def path_length_m(self, path: Sequence[Hashable]) -> float:
        """Length of a node path along the arcs this engine uses (fastest parallel edge)."""
        if len(path) < 2:
            return 0.0
        idx = self.node_index(path)
        return float(self._length[self._arc_of(idx[:-1], idx[1:])].sum())


def _collapsed_arcs(G: nx.MultiDiGraph, index: dict[Hashable, int],
                    weight: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arcs (tail, head, weight_ms, length_m), one per (u, v): the fastest, then shortest."""
    tails, heads, secs, lengths = [], [], [], []
    problems: list[Problem] = []
    for u, v, data in G.edges(data=True):
        if u == v:
            continue
        w = data.get(weight)
        try:
            w = float(w)
        except (TypeError, ValueError):
            w = float("nan")
        if not np.isfinite(w) or w < 0:
            if len(problems) < 20:
                problems.append(Problem(f"edge {u}→{v} has no usable {weight}; apply a profile "
                                        "first (geo.profiles.apply_profile)", column=weight,
                                        value=str(data.get(weight))))
            continue
        tails.append(index[u])
        heads.append(index[v])
        secs.append(w)
        lengths.append(float(data.get("length_m", np.nan)))
    if problems:
        raise InputError(problems, summary="the network cannot be routed")
    tail = np.asarray(tails, dtype=np.int64)
    head = np.asarray(heads, dtype=np.int64)
    w_ms = np.maximum(1, np.rint(np.asarray(secs, dtype=np.float64) * 1000.0)).astype(np.int64)
    length = np.asarray(lengths, dtype=np.float64)
    if len(w_ms) and w_ms.max() >= _RK_INF:
        raise NetworkError(f"an edge takes {w_ms.max() / 3.6e6:.0f} h; weights must stay "
                           "under 596 h")
    order = np.lexsort((length, w_ms, head, tail))
    tail, head, w_ms, length = tail[order], head[order], w_ms[order], length[order]
    keep = np.ones(len(tail), dtype=bool)
    keep[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    return tail[keep], head[keep], w_ms[keep], length[keep]




def cached_engine(G: nx.MultiDiGraph, settings: Any, *, weight: str = "travel_time_s",
                  backend: Backend = "auto") -> TravelEngine:
    """Build a :class:`TravelEngine` whose CCH node order is cached in ``settings.cache_dir``.

    The order depends only on the road layout, so it is shared by every profile, speed
    table and closure set on the same network (only the fast customisation is redone).
    """
    return TravelEngine(G, weight=weight, backend=backend,
                        cache_dir=Path(settings.cache_dir) / "cch")


# --------------------------------------------------------------------------- points
@dataclass(frozen=True)
class MatrixResult:
    """Door-to-door travel times and lengths between two sets of points.

    Parameters
    ----------
    time_s, length_m
        ``(len(points_a), len(points_b))`` arrays including both off-network legs;
        ``np.inf`` where unreachable or where a point was too far from the network.
    snap_a, snap_b
        How each point joined the network (:class:`geo.snap.SnapResult`).
    network_kind
        ``osm``, ``proxy`` or ``osm+proxy`` — exports must say when it is ``proxy``.
    profile
        The network's vehicle profile.
    """

    time_s: np.ndarray
    length_m: np.ndarray
    snap_a: Any
    snap_b: Any
    network_kind: str
    profile: str

    def summary(self) -> str:
        """One line describing the matrix and its provenance."""
        finite = np.isfinite(self.time_s)
        longest = float(self.time_s[finite].max()) / 60 if finite.any() else 0.0
        note = " (estimated proxy network)" if "proxy" in self.network_kind else ""
        return (f"{self.time_s.shape[0]}×{self.time_s.shape[1]} {self.profile} travel-time "
                f"matrix on the {self.network_kind} network{note}; longest {longest:.0f} min, "
                f"{int((~finite).sum())} unreachable cells")


def point_matrix(G: nx.MultiDiGraph, points_a: Any, points_b: Any = None, *,
                 engine: TravelEngine | None = None, max_distance_m: float | None = None,
                 speed_kph: float | None = None,
                 on_too_far: Literal["raise", "inf"] = "raise") -> MatrixResult:
    """Travel times and lengths between points, snapped to the nearest edges.

    The route from ``a`` to ``b`` is: the off-network leg from ``a`` to its road, along
    that road to one of its ends (respecting one-way rules), the fastest route between
    nodes, along ``b``'s road, and ``b``'s off-network leg. Two points on the same road
    may go straight along it. A point to itself (same coordinates) is 0.

    Parameters
    ----------
    G
        A network in the project's graph form with ``travel_time_s``.
    points_a, points_b
        GeoDataFrames (or GeoSeries) of points with a CRS; ``points_b`` defaults to
        ``points_a``.
    engine
        A :class:`TravelEngine` of ``G`` to reuse.
    max_distance_m
        Snapping limit (default :data:`geo.snap.DEFAULT_MAX_DISTANCE_M`).
    speed_kph
        Off-network speed (default: the profile's access speed).
    on_too_far
        ``raise`` an :class:`InputError` listing every point too far from the network, or
        give those rows/columns ``np.inf``.

    Returns
    -------
    MatrixResult
    """
    from geo.snap import DEFAULT_MAX_DISTANCE_M, EdgeIndex, exits_and_entries, snap_points

    limit = DEFAULT_MAX_DISTANCE_M if max_distance_m is None else max_distance_m
    b_pts = points_a if points_b is None else points_b
    index = EdgeIndex(G)
    snap_a = snap_points(G, points_a, max_distance_m=limit, speed_kph=speed_kph, index=index)
    snap_b = snap_a if points_b is None else snap_points(
        G, b_pts, max_distance_m=limit, speed_kph=speed_kph, index=index)
    if on_too_far == "raise" and (snap_a.too_far.any() or snap_b.too_far.any()):
        problems = snap_a.too_far_problems(what="origin")
        if points_b is not None:
            problems += snap_b.too_far_problems(what="destination")
        raise InputError(problems, summary="points too far from the road network")
    eng = engine or TravelEngine(G)
    exits, _ = exits_and_entries(G, snap_a, weight=eng.weight)
    _, entries = exits_and_entries(G, snap_b, weight=eng.weight)
    o_nodes = list(dict.fromkeys(n for ex in exits for n, _, _ in ex))
    d_nodes = list(dict.fromkeys(n for en in entries for n, _, _ in en))
    T, L = eng.matrix(o_nodes, d_nodes)
    o_pos = {n: i for i, n in enumerate(o_nodes)}
    d_pos = {n: i for i, n in enumerate(d_nodes)}
    na, nb = len(exits), len(entries)

    def pack(items: list[list[tuple[Hashable, float, float]]],
             pos: dict[Hashable, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        idx = np.zeros((len(items), 2), dtype=np.int64)
        t = np.full((len(items), 2), np.inf)
        ln = np.full((len(items), 2), np.inf)
        for i, row in enumerate(items):
            for j, (node, ts, lm) in enumerate(row[:2]):
                idx[i, j], t[i, j], ln[i, j] = pos[node], ts, lm
        return idx, t, ln

    ex_i, ex_t, ex_l = pack(exits, o_pos)
    en_i, en_t, en_l = pack(entries, d_pos)
    time = np.full((na, nb), np.inf)
    length = np.full((na, nb), np.inf)
    if len(o_nodes) and len(d_nodes):
        for i in range(2):
            for j in range(2):
                t = ex_t[:, i, None] + T[np.ix_(ex_i[:, i], en_i[:, j])] + en_t[None, :, j]
                ln = ex_l[:, i, None] + L[np.ix_(ex_i[:, i], en_i[:, j])] + en_l[None, :, j]
                better = t < time
                time = np.where(better, t, time)
                length = np.where(better, ln, length)
    # two points on the same road may go straight along it
    by_edge_b: dict[Any, list[int]] = {}
    for j, e in enumerate(snap_b.edge):
        if e is not None:
            by_edge_b.setdefault(e, []).append(j)
    for i, e in enumerate(snap_a.edge):
        if e is None or e not in by_edge_b:
            continue
        u, v, _ = e
        fwd = G.get_edge_data(u, v) or {}
        back = G.get_edge_data(v, u) or {}
        fa = snap_a.fraction[i]
        for j in by_edge_b[e]:
            fb = snap_b.fraction[j]
            options = fwd.values() if fb >= fa else back.values()
            for d in options:
                t = abs(fb - fa) * float(d[eng.weight])
                if t < time[i, j]:
                    time[i, j] = t
                    length[i, j] = abs(fb - fa) * float(d["length_m"])
    time = time + snap_a.access_time_s[:, None] + snap_b.access_time_s[None, :]
    length = length + snap_a.access_length_m[:, None] + snap_b.access_length_m[None, :]
    time = np.where(np.isnan(time), np.inf, time)
    length = np.where(np.isnan(length), np.inf, length)
    ga = points_a.geometry if hasattr(points_a, "geometry") else points_a
    gb = b_pts.geometry if hasattr(b_pts, "geometry") else b_pts
    ca = shapely.get_coordinates(ga.to_crs(index.metric_crs).to_numpy())
    cb = shapely.get_coordinates(gb.to_crs(index.metric_crs).to_numpy())
    same = (ca[:, None, 0] == cb[None, :, 0]) & (ca[:, None, 1] == cb[None, :, 1])
    same &= ~snap_a.too_far[:, None] & ~snap_b.too_far[None, :]
    time[same] = 0.0
    length[same] = 0.0
    return MatrixResult(time_s=time, length_m=length, snap_a=snap_a, snap_b=snap_b,
                        network_kind=str(G.graph.get("kind", "unknown")),
                        profile=str(G.graph.get("profile", "unknown")))


__all__ = ["EngineInfo", "MatrixResult", "TravelEngine", "cached_engine", "point_matrix"]
