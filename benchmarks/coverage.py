"""Coverage and siting benchmark on the full Kon Tum data.

1. Access surface: travel time from all ~11,600 populated WorldPop cells and the 102 commune
   points to the nearest post office, in one multi-source search (target <= 2 s).
2. MCLP with >= 300 candidates (commune points + OSM village halls + cells with >= 300
   people; existing post offices kept) for k = 1..10, solved exactly by our HiGHS model
   (target <= 10 s each) and by spopt (PuLP + CBC) in the same run: equal optimum and the
   time ratio.

Run: ``.venv/bin/python benchmarks/coverage.py [--json] [--minutes 30] [--kmax 10]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from data import layers
from data.commune_points import load_commune_points
from data.offices import default_offices
from data.settings import Settings
from geo.coverage import AccessNetwork, access_surface
from geo.proxy import build_proxy_network
from geo.siting import candidate_sites, siting_problem, solve_siting


def _spopt_mclp(problem, solver_name: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    import pulp
    from spopt.locate import MCLP

    solver = (pulp.PULP_CBC_CMD(msg=False) if solver_name == "cbc"
              else pulp.HiGHS(msg=False))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(
            problem.cost_s, problem.weight, service_radius=problem.cutoff_s,
            p_facilities=problem.k + int(problem.existing.sum()),
            predefined_facilities_arr=problem.existing.astype(int))
        model.solve(solver, results=False)
    seconds = time.perf_counter() - t0
    return float(pulp.value(model.problem.objective)), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--kmax", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--spopt-solvers", default="cbc",
                        help="comma-separated: cbc (spopt's usual PuLP solver), highs")
    args = parser.parse_args()
    settings = Settings.from_env()
    out: dict = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                 "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
                 "minutes": args.minutes}

    t0 = time.perf_counter()
    G = build_proxy_network(settings, profile="motorbike")
    out["network"] = {"kind": G.graph["kind"], "nodes": G.number_of_nodes(),
                      "edges": G.number_of_edges(),
                      "build_s": round(time.perf_counter() - t0, 2)}
    t0 = time.perf_counter()
    net = AccessNetwork.build(G)
    out["network"]["prepare_s"] = round(time.perf_counter() - t0, 3)

    cells = layers.load_population_grid(settings)
    points = load_commune_points(settings)
    offices = default_offices(settings)
    existing = offices[offices["kind"] == "post_office"]
    times = []
    surf = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        surf = access_surface(net, existing, cells, points=points)
        times.append(time.perf_counter() - t0)
    assert surf is not None
    out["access_surface"] = {
        "cells": len(cells), "commune_points": len(points), "offices": len(existing),
        "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
        "target_s": 2.0, "mean_minutes": round(float(
            np.average(surf.cells["travel_time_s"], weights=surf.cells["population"]) / 60),
            2)}

    cand = pd.concat([candidate_sites(settings, "communes"), candidate_sites(settings, "halls"),
                      candidate_sites(settings, "cells", cell_min_people=300)],
                     ignore_index=True)
    cand = gpd.GeoDataFrame(cand, geometry="geometry", crs="EPSG:4326")
    t0 = time.perf_counter()
    base, _ = siting_problem(net, cells, cand, existing, minutes=args.minutes, k=1)
    out["matrix"] = {"shape": list(base.cost_s.shape),
                     "candidates_new": int((~base.existing).sum()),
                     "seconds": round(time.perf_counter() - t0, 3)}
    solvers = [s.strip() for s in args.spopt_solvers.split(",") if s.strip()]
    rows = []
    for k in range(1, args.kmax + 1):
        problem = base.with_k(k)
        res = solve_siting(problem, "mclp", time_limit_s=60.0)
        row = {"k": k, "objective": round(res.objective, 3), "before": round(
            res.objective_before, 3), "gap": res.gap, "status": res.status,
            "ours_s": round(res.seconds, 3), "greedy": round(res.greedy_objective, 3),
            "greedy_s": round(res.greedy_seconds, 3), "chosen": list(res.chosen)}
        for name in solvers:
            obj, secs = _spopt_mclp(problem, name)
            row[f"spopt_{name}"] = round(obj, 3)
            row[f"spopt_{name}_s"] = round(secs, 3)
            row[f"spopt_{name}_equal"] = bool(abs(obj - res.objective) <= 1e-6 * max(1, obj))
            row[f"ratio_{name}"] = round(secs / max(res.seconds, 1e-9), 1)
        rows.append(row)
        if not args.json:
            print(f"k={k}: {row}", flush=True)
    out["mclp"] = rows

    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    a = out["access_surface"]
    print(f"\nCoverage benchmark, {out['date']}, {out['machine']}")
    print(f"network: {out['network']}")
    print(f"access surface: {a['cells']} cells + {a['commune_points']} commune points -> "
          f"{a['offices']} offices: median {a['median_s']} s, min {a['min_s']} s "
          f"(target <= 2 s)")
    print(f"cost matrix {out['matrix']['shape']} in {out['matrix']['seconds']} s")
    head = f"{'k':>3} {'covered':>12} {'before':>12} {'gap':>6} {'ours s':>8} {'greedy':>12}"
    for name in solvers:
        head += f" {'spopt ' + name + ' s':>14} {'equal':>6} {'ratio':>6}"
    print(head)
    for r in rows:
        line = (f"{r['k']:>3} {r['objective']:>12,.0f} {r['before']:>12,.0f} {r['gap']:>6.0%} "
                f"{r['ours_s']:>8.3f} {r['greedy']:>12,.0f}")
        for name in solvers:
            line += (f" {r[f'spopt_{name}_s']:>14.2f} {r[f'spopt_{name}_equal']!s:>6} "
                     f"{r[f'ratio_{name}']:>6.0f}")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
