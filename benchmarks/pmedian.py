"""p-median on the 422-candidate Kon Tum problem: radius cuts vs the compact MILP vs spopt.

The problem is the siting benchmark's (``benchmarks/coverage.py``): all 11,607 populated
WorldPop cells as demand (people as weights), 412 new candidates (102 commune points, 21
OSM village halls, 289 cells with >= 300 people) and the 10 post offices kept, motorbike
times on the bundled network. For k = 1..10 it solves

- **ours**: ``geo.siting.solve_siting(problem, "pmedian")`` — radius cuts
  (``geo.siting.pmedian.solve_pmedian``; k = 1 by evaluating every candidate),
- **today's**: the compact radius MILP (``solve_pmedian_compact``, the previous default)
  with the same greedy start,
- **spopt** (``spopt.locate.PMedian`` + PuLP/CBC, the dev extra) on a random sample of
  demand cells (``--spopt-cells``, default 1,000: spopt's assignment model has one variable
  per demand × candidate, 4.9 million on the full problem, beyond what PuLP builds here in
  reasonable time), against ours on the same sample,

and checks that every optimum is equal (relative 1e-9). Target: ours proven optimal in
<= 10 s for every k.

Run: ``.venv/bin/python benchmarks/pmedian.py [--kmax 10] [--spopt-cells 1000]
[--spopt-k 1,2,3,5] [--compact-limit 120] [--json]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PENALTY_S = 86_400.0


def build_problem() -> Any:
    """The 11,607 × 422 problem of the siting benchmark (k = 1)."""
    import geopandas as gpd
    import pandas as pd

    from data import layers
    from data.offices import default_offices
    from data.settings import Settings
    from geo.coverage import AccessNetwork
    from geo.network import cached_network
    from geo.siting import candidate_sites, siting_problem

    settings = Settings.from_env()
    net = AccessNetwork.build(cached_network(settings, profile="motorbike"))
    cells = layers.load_population_grid(settings)
    offices = default_offices(settings)
    existing = offices[offices["kind"] == "post_office"]
    cand = pd.concat([candidate_sites(settings, "communes"),
                      candidate_sites(settings, "halls"),
                      candidate_sites(settings, "cells", cell_min_people=300)],
                     ignore_index=True)
    cand = gpd.GeoDataFrame(cand, geometry="geometry", crs="EPSG:4326")
    problem, _ = siting_problem(net, cells, cand, existing, minutes=30, k=1)
    return problem


def weighted_time(problem: Any, cols: list[int]) -> float:
    """Population-weighted seconds to the nearest kept or chosen site."""
    mask = problem.existing.copy()
    mask[list(cols)] = True
    cost = np.where(np.isfinite(problem.cost_s), problem.cost_s, PENALTY_S)
    return float((problem.weight * cost[:, mask].min(axis=1)).sum())


def spopt_pmedian(problem: Any) -> tuple[float, float]:
    """spopt's p-median (PuLP + CBC) with the kept offices predefined; objective, seconds."""
    import pulp
    from spopt.locate import PMedian

    cost = np.where(np.isfinite(problem.cost_s), problem.cost_s, PENALTY_S)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = PMedian.from_cost_matrix(
            cost, problem.weight, p_facilities=problem.k + int(problem.existing.sum()),
            predefined_facilities_arr=problem.existing.astype(int))
        model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    return float(pulp.value(model.problem.objective)), time.perf_counter() - t0


def main() -> int:
    from geo.siting import solve_siting
    from geo.siting.greedy import greedy_choice
    from geo.siting.pmedian import solve_pmedian_compact
    from geo.siting.problem import SitingProblem

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kmax", type=int, default=10)
    parser.add_argument("--compact-limit", type=float, default=120.0,
                        help="time limit of today's compact MILP per k (s)")
    parser.add_argument("--spopt-cells", type=int, default=1000)
    parser.add_argument("--spopt-k", default="1,2,3,5")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
    t0 = time.perf_counter()
    base = build_problem()
    out["problem"] = {"shape": list(base.cost_s.shape),
                      "new_candidates": int((~base.existing).sum()),
                      "build_s": round(time.perf_counter() - t0, 1)}
    rows = []
    for k in range(1, args.kmax + 1):
        p = base.with_k(k)
        res = solve_siting(p, "pmedian", time_limit_s=60.0)
        ours = weighted_time(p, list(res.chosen_index))
        start = greedy_choice(p, "pmedian", k, PENALTY_S)
        t1 = time.perf_counter()
        cols, status_c, gap_c = solve_pmedian_compact(p, k, PENALTY_S, args.compact_limit,
                                                      0.0, start)
        compact_s = time.perf_counter() - t1
        today = weighted_time(p, cols) if cols is not None else float("nan")
        row = {"k": k, "ours_s": round(res.seconds, 2), "ours_status": res.status,
               "ours_gap": res.gap, "objective": round(ours, 1),
               "mean_min": round(ours / p.weight.sum() / 60, 3),
               "today_s": round(compact_s, 2), "today_status": status_c,
               "today_gap": round(gap_c, 6), "today_objective": round(today, 1),
               "equal_today": bool(abs(ours - today) <= 1e-9 * ours),
               "greedy_objective": round(weighted_time(p, start), 1),
               "load": os.getloadavg()[0]}
        rows.append(row)
        if not args.json:
            print(json.dumps(row), flush=True)
    out["rows"] = rows
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(base.n_demand, min(args.spopt_cells, base.n_demand),
                              replace=False))
    sample = SitingProblem(base.cost_s[pick], base.weight[pick], base.existing,
                           base.site_id, base.cutoff_s, 1)
    spopt_rows = []
    for k in (int(x) for x in args.spopt_k.split(",") if x.strip()):
        p = sample.with_k(k)
        res = solve_siting(p, "pmedian", time_limit_s=60.0)
        ours = weighted_time(p, list(res.chosen_index))
        theirs, secs = spopt_pmedian(p)
        srow = {"k": k, "cells": len(pick), "ours_s": round(res.seconds, 2),
                "objective": round(ours, 1), "spopt_s": round(secs, 1),
                "spopt_objective": round(theirs, 1),
                "equal_spopt": bool(abs(ours - theirs) <= 1e-9 * ours)}
        spopt_rows.append(srow)
        if not args.json:
            print(json.dumps(srow), flush=True)
    out["spopt"] = spopt_rows
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"\np-median, {out['date']}, {out['machine']}; {out['uptime']}")
    print(f"problem {out['problem']}")
    print(f"{'k':>3} {'mean min':>9} {'ours s':>7} {'status':>8} {'today s':>8} "
          f"{'today':>11} {'equal':>6} {'today/ours':>10} {'greedy gap':>10}")
    for r in rows:
        ratio = r["today_s"] / max(r["ours_s"], 1e-9)
        ggap = (r["greedy_objective"] - r["objective"]) / r["objective"]
        print(f"{r['k']:>3} {r['mean_min']:>9.3f} {r['ours_s']:>7.2f} {r['ours_status']:>8} "
              f"{r['today_s']:>8.1f} {r['today_status']:>11} {r['equal_today']!s:>6} "
              f"{ratio:>9.1f}x {ggap:>10.2%}")
    print(f"\nspopt (PuLP + CBC) on {args.spopt_cells} sampled cells × 422 candidates:")
    for r in spopt_rows:
        print(f"  k={r['k']}: ours {r['ours_s']:.2f} s, spopt {r['spopt_s']:.1f} s, "
              f"equal optimum: {r['equal_spopt']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
