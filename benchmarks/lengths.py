"""Fastest-route lengths on the Kon Tum network: lexicographic search vs shortest-path trees.

``TravelEngine.matrix(..., lengths=True)`` gives the time of every fastest route and the
length of the shortest of them, from one distance-only search per origin on the weight
``time_ms · 2^k + length_cm``. Until this change it walked scipy's predecessor trees back
from every destination (still in the engine as the fallback, ``_scipy_rows(lengths=True)``).
Both run here on the same origins × every node of the bundled network:

- seconds for ``--origins`` origins (lexicographic) and for ``--tree-origins`` of them
  (trees; scaled to ``--origins``), and the ratio;
- times equal cell for cell (and equal to the CCH's ``times_ms``), lengths never longer
  than the tree's, and how many cells differ (routes that tie on time).

Run: ``.venv/bin/python benchmarks/lengths.py [--origins 1000] [--tree-origins 100]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from data.settings import Settings
    from geo.matrix import TravelEngine
    from geo.network import cached_network

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=1000)
    parser.add_argument("--tree-origins", type=int, default=100)
    args = parser.parse_args()
    G = cached_network(Settings.from_env(), profile="motorbike")
    eng = TravelEngine(G)
    n = len(eng.nodes)
    rng = np.random.default_rng(0)
    o = rng.choice(n, min(args.origins, n), replace=False)
    d = np.arange(n)
    t0 = time.perf_counter()
    ms, length = eng._lengths_matrix(o, d)
    lex_s = time.perf_counter() - t0
    k = min(args.tree_origins, len(o))
    t0 = time.perf_counter()
    ms_tree, length_tree = eng._scipy_rows(o[:k], d, lengths=True)
    tree_s = time.perf_counter() - t0
    cch = eng.times_ms([eng.nodes[i] for i in o[:k]], eng.nodes)
    fin = ms_tree[:k] >= 0
    same_time = bool(np.array_equal(ms[:k], ms_tree) and np.array_equal(ms[:k], cch))
    diff = length[:k][fin] - length_tree[fin]
    scaled = tree_s * len(o) / k
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"lengths of fastest routes, Kon Tum network ({n:,} nodes, {len(eng.weights_ms):,} "
          f"arcs), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores; "
          f"{uptime}")
    print(f"{'method':<28} {'origins':>8} {'seconds':>9} {'per 1,000 origins':>18}")
    print(f"{'lexicographic search':<28} {len(o):>8} {lex_s:>9.2f} "
          f"{lex_s * 1000 / len(o):>18.2f}")
    print(f"{'shortest-path trees (old)':<28} {k:>8} {tree_s:>9.2f} "
          f"{scaled * 1000 / len(o):>18.2f}")
    print(f"speed-up: {scaled / lex_s:.0f}×; times equal (and = CCH): {same_time}; lengths "
          f"longer than the tree's: {int((diff > 1e-6).sum())}; shorter (time ties): "
          f"{int((diff < -1e-6).sum())} of {int(fin.sum()):,} cells, at most "
          f"{float(-diff.min()) if diff.size else 0.0:.2f} m")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
