"""What the travel engine is built from: one arc per node pair, and the CCH node order.

:func:`collapsed_arcs` reads a graph in the project's form into integer arrays (parallel
edges collapse to the fastest, then the shortest; self-loops are dropped; weights become
whole milliseconds); :func:`node_order` computes RoutingKit's inertial-flow node order for
those arcs, or reads it from a cache keyed by the road layout alone (so every profile,
speed table and closure on one network shares it). :class:`geo.engine.TravelEngine` is the
only caller.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from data.errors import InputError, NetworkError, Problem

_rk: Any
try:  # the compiled fast path; the scipy reference works without it
    import routingkit_cch as _rk
except ImportError:  # pragma: no cover - routingkit-cch is a declared dependency
    _rk = None

#: RoutingKit's infinity: weights must stay below it.
RK_INF = 2**31 - 1


def collapsed_arcs(G: nx.MultiDiGraph, index: dict[Hashable, int],
                   weight: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the arcs ``(tail, head, weight_ms, length_m)``, one per ``(u, v)``.

    Parameters
    ----------
    G
        The network; every edge needs a finite, non-negative ``weight`` (seconds).
    index
        Position of every node of ``G`` (tails and heads are positions).
    weight
        Edge attribute with the travel time in seconds.

    Returns
    -------
    tuple of numpy.ndarray
        Tails, heads, weights in whole milliseconds (at least 1) and lengths in metres,
        sorted by (tail, head); of parallel edges the fastest, then the shortest, is kept.

    Raises
    ------
    InputError
        Listing (up to 20) edges without a usable weight, with the fix.
    NetworkError
        When an edge's weight does not fit RoutingKit's 32-bit weights.
    """
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
    if len(w_ms) and w_ms.max() >= RK_INF:
        raise NetworkError(f"an edge takes {w_ms.max() / 3.6e6:.0f} h; weights must stay "
                           "under 596 h")
    order = np.lexsort((length, w_ms, head, tail))
    tail, head, w_ms, length = tail[order], head[order], w_ms[order], length[order]
    keep = np.ones(len(tail), dtype=bool)
    keep[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    return tail[keep], head[keep], w_ms[keep], length[keep]


def node_order(G: nx.MultiDiGraph, nodes: Sequence[Hashable], tail: np.ndarray,
               head: np.ndarray, *, cache_dir: str | Path | None = None
               ) -> tuple[list[int], bool]:
    """Return RoutingKit's node order for the arcs ``tail → head``, and whether it was cached.

    Parameters
    ----------
    G
        The network (its nodes' ``x``/``y`` give the inertial-flow geometry).
    nodes
        The nodes in engine order (positions in ``tail``/``head``).
    tail, head
        The arcs, as from :func:`collapsed_arcs`.
    cache_dir
        Folder of cached orders, keyed by a hash of the layout (node count and arcs); the
        order is written there atomically when computed.
    """
    n = len(nodes)
    digest = hashlib.sha256()
    digest.update(np.int64(n).tobytes())
    digest.update(tail.astype(np.int64).tobytes())
    digest.update(head.astype(np.int64).tobytes())
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"cch-order-{digest.hexdigest()[:20]}.npy"
        if path.exists():
            cached = np.load(path)
            if len(cached) == n:
                return cached.tolist(), True
    lat = [float(G.nodes[v].get("y", 0.0)) for v in nodes]
    lon = [float(G.nodes[v].get("x", 0.0)) for v in nodes]
    order = _rk.compute_order_inertial(n, tail.tolist(), head.tolist(), lat, lon)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, np.asarray(order, dtype=np.int64))
        tmp.replace(path)
    return list(order), False


__all__ = ["RK_INF", "collapsed_arcs", "node_order"]
