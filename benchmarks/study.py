"""Capacity study on Dask: the same study with 1 and 2 local workers, and per-task times.

1. 1 vs 2 workers: one scenario (all 10 post offices, ``--couriers`` province fleet sizes,
   ``--days`` working days, ``--jobs-per-day`` dossiers, an iteration budget) run on a
   LocalCluster of 1 worker, then of 2; wall times, per-task times, the speed-up, and
   whether the two results are equal (they must be).
2. Denser days (``--dense-jobs-per-day``, default 860: about the national average of
   dossiers per post office and day, see BENCHMARKS.md) on 2 workers, for the per-task time
   the national projection uses.

The machine's load (``os.getloadavg``, as ``uptime`` prints it) is recorded before and
after every run. Every figure is simulated.

Run: ``.venv/bin/python benchmarks/study.py [--json] [--days 3] [--couriers 10,20]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import time
from typing import Any

from data.settings import Settings
from routing.study import FleetScenario, open_client, run_fleet


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False,
                              timeout=5).stdout.strip()
    except OSError:
        return ""


def _run(settings: Settings, scenario: FleetScenario, workers: int, G: Any) -> dict[str, Any]:
    load_before, uptime_before = _load(), _uptime()
    t0 = time.perf_counter()
    with open_client(workers=workers) as client:
        t1 = time.perf_counter()
        result = run_fleet(settings, scenario, client=client, G=G)
    wall = time.perf_counter() - t0
    return {"workers": workers, "wall_s": round(wall, 2),
            "cluster_start_s": round(t1 - t0, 2), **result.timings,
            "load_before": load_before, "load_after": _load(),
            "uptime_before": uptime_before, "uptime_after": _uptime(),
            "not_reproducible": result.not_reproducible,
            "roster": {r.office_id: r.couriers for r in result.roster}, "result": result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--couriers", default="10,20")
    parser.add_argument("--jobs-per-day", type=float, default=200.0)
    parser.add_argument("--dense-jobs-per-day", type=float, default=860.0)
    parser.add_argument("--dense-days", type=int, default=1)
    parser.add_argument("--dense-couriers", default="40")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--start", default="2027-03-01")
    parser.add_argument("--skip-dense", action="store_true")
    args = parser.parse_args()

    from geo.network import cached_network
    from routing.study import parse_levels

    settings = Settings.from_env()
    G = cached_network(settings, profile="motorbike")
    start = dt.date.fromisoformat(args.start)
    scenario = FleetScenario(start=start, days=args.days, levels=parse_levels(args.couriers),
                             jobs_per_day=args.jobs_per_day, iterations=args.iterations,
                             seconds=args.seconds)
    runs = [_run(settings, scenario, w, G) for w in (1, 2)]
    equal = runs[0]["result"] == runs[1]["result"]
    doc: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "network_kind": str(G.graph.get("kind", "")),
        "scenario": scenario.to_dict(),
        "runs": [{k: v for k, v in r.items() if k != "result"} for r in runs],
        "equal_1_vs_2": equal,
        "speedup_tasks": round(runs[0]["tasks_wall_s"] / runs[1]["tasks_wall_s"], 3),
        "speedup_wall": round(runs[0]["wall_s"] / runs[1]["wall_s"], 3),
    }
    if not args.skip_dense:
        dense = FleetScenario(start=start, days=args.dense_days,
                              levels=parse_levels(args.dense_couriers),
                              jobs_per_day=args.dense_jobs_per_day,
                              iterations=args.iterations, seconds=args.seconds)
        run = _run(settings, dense, 2, G)
        doc["dense"] = {"scenario": dense.to_dict(),
                        **{k: v for k, v in run.items() if k != "result"}}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        for r in doc["runs"]:
            print(f"{r['workers']} worker(s): wall {r['wall_s']} s, tasks {r['tasks']} in "
                  f"{r['tasks_wall_s']} s, task mean {r['task_s']['mean']} s "
                  f"(load {r['load_before']} → {r['load_after']})")
        print(f"equal: {equal}; speed-up {doc['speedup_tasks']}× (tasks), "
              f"{doc['speedup_wall']}× (wall)")
        if "dense" in doc:
            d = doc["dense"]
            print(f"dense: {d['tasks']} tasks, mean {d['task_s']['mean']} s, "
                  f"{d['jobs_listed_mean']} jobs per office-day (load {d['load_before']})")
    return 0 if equal else 1


if __name__ == "__main__":
    raise SystemExit(main())
