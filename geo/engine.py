"""Exact node-to-node travel times and lengths on the road network: the travel engine.

:class:`TravelEngine` is built once per graph and weight. Edge weights are rounded to whole
milliseconds (at least 1 ms), lengths to whole centimetres, and every answer is exact on
those rounded values: the fast
path, RoutingKit's customizable contraction hierarchies (``routingkit-cch``), gives the same
numbers cell for cell as the reference path, ``scipy.sparse.csgraph.dijkstra`` on the same
integer weights (both are kept; ``backend="scipy"`` forces the reference).

- ``matrix(origins, destinations)`` → travel time (s) and the length (m) of that fastest
  route; asymmetric (one-way streets), ``np.inf`` when unreachable.
- ``nearest(sources)`` → for every node, the time from (or to) its nearest source, and
  which source it is — one multi-source search, not one per source;
  ``nearest_positions`` does the same for sources that join the network part-way along an
  edge (an office, a cell), each with its own seconds to its node (the only
  implementation of the multi-source search in the project).
- ``arcs(u, v)`` → time and length of the arc the engine uses between two nodes.
- ``path(u, v)`` → the node list of a fastest route.

Lengths (``matrix(..., lengths=True)``) are exact without shortest-path trees: arc lengths
are rounded to whole centimetres and folded into one lexicographic weight, ``time_ms · 2^k +
length_cm`` (``k`` chosen per query so the length part cannot carry into the time part and
every label stays an exact float64 integer), so one distance-only search per origin gives
both the fastest time and the length of the *shortest of the fastest* routes, a well-defined
tie-break. RoutingKit's weights are 32-bit, too narrow for that weight, so this search runs
in scipy; when the bound cannot be met (times beyond ~18 h or missing lengths) the engine
falls back to walking shortest-path trees (the reference, same answers on untied routes).
``lengths=False`` and :meth:`TravelEngine.times_ms` use the compiled backend alone.
The CCH node order depends only on the road layout and can be cached on disk
(``cache_dir``), so new weights (another profile, a closure) only need a re-customisation.
Points off the nodes (snapped addresses, offices) are handled by :mod:`geo.matrix`.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from data.errors import InputError, NetworkError, Problem
from geo.engine_input import collapsed_arcs, node_order

_rk: Any
try:  # the compiled fast path; the scipy reference works without it
    import routingkit_cch as _rk
except ImportError:  # pragma: no cover - routingkit-cch is a declared dependency
    _rk = None

Backend = Literal["auto", "cch", "scipy"]
Direction = Literal["from", "to"]

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
        tail, head, w_ms, length = collapsed_arcs(G, self._index, weight)
        length = np.where(np.isfinite(length), np.rint(length * 100.0) / 100.0, length)
        self._tail, self._head, self._w_ms, self._length = tail, head, w_ms, length
        # lexicographic (time, length) search: lengths in whole centimetres
        self._lex_ok = bool(len(length) == 0 or np.isfinite(length).all())
        self._length_cm = np.rint(np.nan_to_num(length) * 100.0).astype(np.int64)
        self._cm_per_ms = float((self._length_cm / w_ms).max()) if len(w_ms) else 0.0
        self._lex_csr: dict[tuple[int, bool], sp.csr_matrix] = {}
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
            order, cached = node_order(G, self.nodes, tail, head, cache_dir=cache_dir)
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
            Also compute the length of each fastest route (of the shortest one where
            several are equally fast), in whole centimetres: one distance-only search per
            origin (per destination on the reversed graph when there are fewer
            destinations) on the lexicographic weight ``time_ms · 2^k + length_cm``; no
            shortest-path tree is kept or walked. With ``lengths=False`` the compiled
            backend answers alone and the length array is all NaN.

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
            ms, length = self._lengths_matrix(o, d)
        else:
            ms = self._cch_times(o, d) if self._metric is not None else \
                self._scipy_rows(o, d, lengths=False)[0]
            length = np.full(shape, np.nan)
        time_s = np.where(ms < 0, np.inf, ms / 1000.0)
        if lengths:
            length = np.where(ms < 0, np.inf, length)
        return time_s, np.ascontiguousarray(length)

    def _lengths_matrix(self, o: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Integer ms and metres from ``o`` to ``d`` (the lexicographic search, else trees)."""
        reverse = len(d) < len(o)
        rows, cols = (d, o) if reverse else (o, d)
        out = self._lex_rows(o, d, rows, cols, reverse=reverse)
        if out is None:  # the bound cannot be met: walk shortest-path trees (reference)
            out = self._scipy_rows(rows, cols, lengths=True, reverse=reverse)
        ms, length = out
        return (ms.T, length.T) if reverse else (ms, length)

    def _time_bound_ms(self, o: np.ndarray, d: np.ndarray) -> float:
        """Bound every finite time from ``o`` to ``d`` through one hub: T(s,r) + T(r,t)."""
        hub = int(o[0])
        to_hub = dijkstra(self._csr_t, indices=hub)[o]
        from_hub = dijkstra(self._csr, indices=hub)[d]
        return float(to_hub.max() + from_hub.max())

    def _lex_rows(self, o: np.ndarray, d: np.ndarray, rows: np.ndarray, cols: np.ndarray, *,
                  reverse: bool) -> tuple[np.ndarray, np.ndarray] | None:
        """Search from ``rows`` on ``time_ms · 2^k + length_cm``; None when no ``k`` fits.

        ``k`` must make ``2^k`` exceed the length of every fastest route (at most the
        fastest speed, in cm per ms, times its time) and keep every label below ``2^53``.
        The choice is checked on the answer (decoded times) and retried once.
        """
        if not self._lex_ok or len(self._w_ms) == 0:
            return None
        bound = self._time_bound_ms(o, d)
        w_max = float(self._w_ms.max())
        for _ in range(2):
            if not np.isfinite(bound):
                bound = 2.0 ** 24  # 4.7 h: a guess, checked below
            k = max(1, int(np.ceil(np.log2(self._cm_per_ms * bound + 2.0))))
            if (bound + 2.0) * 2.0 ** k + w_max * 2.0 ** k >= 2.0 ** 53:
                return None
            graph = self._lex_graph(k, reverse)
            ms = np.empty((len(rows), len(cols)), dtype=np.int64)
            cm = np.empty((len(rows), len(cols)), dtype=np.float64)
            step = max(1, _BLOCK_BYTES // max(1, 8 * len(self.nodes)))
            top = 0.0
            for start in range(0, len(rows), step):
                block = dijkstra(graph, indices=rows[start:start + step])[:, cols]
                finite = np.isfinite(block)
                t = np.floor(np.where(finite, block, 0.0) / 2.0 ** k)
                ms[start:start + step] = np.where(finite, t, -1).astype(np.int64)
                cm[start:start + step] = np.where(finite, block - t * 2.0 ** k, np.inf)
                if finite.any():
                    top = max(top, float(block[finite].max()))
            t_max = float(ms.max()) if ms.size else 0.0
            if self._cm_per_ms * t_max < 2.0 ** k and top + w_max * 2.0 ** k < 2.0 ** 53:
                return ms, cm / 100.0
            bound = t_max
        return None

    def _lex_graph(self, k: int, reverse: bool) -> sp.csr_matrix:
        key = (k, reverse)
        if key not in self._lex_csr:
            n = len(self.nodes)
            w = self._w_ms.astype(np.float64) * 2.0 ** k + self._length_cm
            a, b = (self._head, self._tail) if reverse else (self._tail, self._head)
            self._lex_csr[key] = sp.csr_matrix((w, (a, b)), shape=(n, n))
        return self._lex_csr[key]

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

    # -- arcs ------------------------------------------------------------------------
    def arcs(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Time and length of the arc ``u → v`` per pair of node positions.

        Parameters
        ----------
        u, v
            Positions in :attr:`nodes` (see :meth:`node_index`).

        Returns
        -------
        time_s, length_m
            The arc this engine routes on (the fastest of parallel edges, in whole
            milliseconds, then the shortest); ``np.inf`` where there is no arc.
        """
        u = np.asarray(u, dtype=np.int64).reshape(-1)
        v = np.asarray(v, dtype=np.int64).reshape(-1)
        if len(u) == 0 or len(self._arc_key_sorted) == 0:
            return np.full(len(u), np.inf), np.full(len(u), np.inf)
        key = u * len(self.nodes) + v
        pos = np.searchsorted(self._arc_key_sorted, key)
        found = pos < len(self._arc_key_sorted)
        found[found] = self._arc_key_sorted[pos[found]] == key[found]
        arc = self._arc_order[np.where(found, pos, 0)]
        time_s = np.where(found, self._w_ms[arc] / 1000.0, np.inf)
        length_m = np.where(found, self._length[arc], np.inf)
        return time_s, length_m

    # -- nearest source --------------------------------------------------------------
    def nearest(self, sources: Sequence[Hashable] | np.ndarray, *,
                direction: Direction = "from",
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
        first: dict[int, int] = {}  # a node given twice counts at its first position
        for pos, node in enumerate(s.tolist()):
            first.setdefault(node, pos)
        nodes = np.fromiter(first.keys(), dtype=np.int64, count=len(first))
        owner = np.fromiter(first.values(), dtype=np.int64, count=len(first))
        return self.nearest_positions(nodes, np.zeros(len(nodes)), owner=owner,
                                      direction=direction, limit_s=limit_s)

    def nearest_positions(self, nodes: np.ndarray, offsets_s: np.ndarray, *,
                          owner: np.ndarray | None = None, direction: Direction = "from",
                          limit_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Multi-source search from sources that join the network at a cost.

        Each source ``i`` is a virtual node joined to node position ``nodes[i]`` by an arc
        of ``offsets_s[i]`` seconds (the off-network leg and the part of the edge a snapped
        point must cover), so one search gives every node the exact time to (or from) its
        nearest source. A point joining the network at both ends of its edge is two
        sources with the same ``owner``.

        Parameters
        ----------
        nodes
            Node positions (:meth:`node_index`) where the sources join the network.
        offsets_s
            Seconds between each source and its node; ``inf`` entries are left out.
        owner
            What each source belongs to (e.g. the office's row); default ``arange``.
        direction
            ``from``: time from the nearest source to each node; ``to``: from each node
            to its nearest source (the search runs on the reversed graph).
        limit_s
            Stop searching beyond this many seconds (those nodes get ``np.inf``).

        Returns
        -------
        time_s, owner
            Per node (aligned with :attr:`nodes`): seconds (``np.inf`` unreachable) and
            the ``owner`` of the nearest source (``-1`` unreachable).
        """
        n = len(self.nodes)
        at = np.asarray(nodes, dtype=np.int64).reshape(-1)
        secs = np.asarray(offsets_s, dtype=np.float64).reshape(-1)
        who = np.arange(len(at), dtype=np.int64) if owner is None else \
            np.asarray(owner, dtype=np.int64).reshape(-1)
        ok = np.isfinite(secs)
        at, secs, who = at[ok], secs[ok], who[ok]
        k = len(at)
        if k == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        base = (self._csr if direction == "from" else self._csr_t).tocoo()
        rows = np.concatenate([base.row, n + np.arange(k)])
        cols = np.concatenate([base.col, at])
        vals = np.concatenate([base.data, secs * 1000.0])  # an explicit 0 is still an arc
        graph = sp.csr_matrix((vals, (rows, cols)), shape=(n + k, n + k))
        limit = np.inf if limit_s is None else float(limit_s) * 1000.0
        dist, _, src = dijkstra(graph, indices=n + np.arange(k), min_only=True, limit=limit,
                                return_predecessors=True)
        time_s = dist[:n] / 1000.0
        found = (src[:n] >= n) & np.isfinite(time_s)
        nearest = np.where(found, who[np.clip(src[:n] - n, 0, k - 1)], -1)
        return time_s, nearest.astype(np.int64)

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


def cached_engine(G: nx.MultiDiGraph, settings: Any, *, weight: str = "travel_time_s",
                  backend: Backend = "auto") -> TravelEngine:
    """Build a :class:`TravelEngine` whose CCH node order is cached in ``settings.cache_dir``.

    The order depends only on the road layout, so it is shared by every profile, speed
    table and closure set on the same network (only the fast customisation is redone).
    """
    return TravelEngine(G, weight=weight, backend=backend,
                        cache_dir=Path(settings.cache_dir) / "cch")


__all__ = ["Backend", "Direction", "EngineInfo", "TravelEngine", "cached_engine"]
