"""Route-planning benchmark: the project's model layer against the literature and raw PyVRP.

For every Solomon and Li & Lim 100-customer instance and Cordeau p01–p10 (in
``../shared/benchmarks/vrp``), solve

- through the project's layer (``routing.instances`` → ``routing.solve.solve_matrix``),
- with raw PyVRP on the same instance (a minimal ``pyvrp.Model`` built here),

at the same time budget, one core each, and check every solution with an independent
feasibility checker (its own parser; no code shared with the solver). Gaps are against
``best_known.csv``: distance, unrounded Euclidean; Li & Lim best-knowns are
vehicles-then-distance (a distance-only solution with more vehicles may be shorter: a
negative gap is fine).

Also the Kon Tum day (``--family kontum``): simulated jobs, every post office a depot, 25
couriers, on the road network: matrix + solve time and whether every feasible job is
assigned.

    python benchmarks/vrp.py --seconds 10 --jobs 2 [--family solomon] [--instances C101,lr101]
        [--json] [--out report.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import multiprocessing as mp
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DIR = (ROOT / ".." / "shared" / "benchmarks" / "vrp").resolve()
SCALE = 10_000.0
FAMILY_OF = {"solomon": "solomon", "li_lim_100": "li_lim", "cordeau_mdvrp": "cordeau"}


# ---------------------------------------------------------------------------------------
# Independent instance parsing and feasibility checking (shares nothing with routing/)
# ---------------------------------------------------------------------------------------
def parse(path: Path, family: str) -> dict[str, Any]:
    """Parse an instance into plain dicts: nodes {id: (x, y, demand, ready, due, service)}."""
    rows = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    if family == "solomon":
        vi = next(i for i, r in enumerate(rows) if r[0].upper() == "VEHICLE")
        fleet, cap = int(rows[vi + 2][0]), int(rows[vi + 2][1])
        ci = next(i for i, r in enumerate(rows) if r[0].upper() == "CUSTOMER")
        nodes = {}
        for r in rows[ci + 1:]:
            if r[0].isdigit():
                v = [float(x) for x in r]
                nodes[int(v[0])] = (v[1], v[2], v[3], v[4], v[5], v[6])
        return {"family": family, "fleet": fleet, "cap": cap, "nodes": nodes, "depots": [0]}
    if family == "li_lim":
        fleet, cap = int(rows[0][0]), int(rows[0][1])
        nodes, sibling = {}, {}
        for r in rows[1:]:
            v = [float(x) for x in r]
            i = int(v[0])
            nodes[i] = (v[1], v[2], v[3], v[4], v[5], v[6])
            if v[3] > 0:
                sibling[i] = int(v[8])
        return {"family": family, "fleet": fleet, "cap": cap, "nodes": nodes, "depots": [0],
                "pairs": sibling}
    _, m, n, t = (int(x) for x in rows[0][:4])
    limits = [(float(r[0]), float(r[1])) for r in rows[1:1 + t]]
    nodes = {}
    for r in rows[1 + t:1 + t + n]:
        v = [float(x) for x in r[:5]]
        nodes[int(v[0])] = (v[1], v[2], v[4], 0.0, math.inf, v[3])
    depots = []
    for r in rows[1 + t + n:1 + t + n + t]:
        i = int(r[0])
        nodes[i] = (float(r[1]), float(r[2]), 0.0, 0.0, math.inf, 0.0)
        depots.append(i)
    return {"family": family, "fleet": m, "cap": limits[0][1], "nodes": nodes,
            "depots": depots, "limits": {d: limits[k] for k, d in enumerate(depots)}}


def _dist(a: tuple, b: tuple) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def check(inst: dict[str, Any], routes: list[list[int]], depots: list[int] | None = None,
          eps: float = 1e-6) -> tuple[bool, float, list[str]]:
    """Check a solution independently; return (feasible, recomputed cost, problems)."""
    nodes, cap = inst["nodes"], inst["cap"]
    problems: list[str] = []
    customers = [i for i in nodes if i not in inst["depots"]]
    seen: dict[int, int] = {}
    for r in routes:
        for c in r:
            seen[c] = seen.get(c, 0) + 1
    missing = [c for c in customers if c not in seen]
    twice = [c for c, k in seen.items() if k > 1]
    if missing:
        problems.append(f"{len(missing)} customers not served")
    if twice:
        problems.append(f"{len(twice)} customers served more than once")
    depots = depots or [inst["depots"][0]] * len(routes)
    per_depot: dict[int, int] = {}
    cost = 0.0
    for r, dep in zip(routes, depots, strict=True):
        per_depot[dep] = per_depot.get(dep, 0) + 1
        d0 = nodes[dep]
        t, load, length, prev = d0[3], 0.0, 0.0, d0
        if inst["family"] == "li_lim":
            pos = {c: k for k, c in enumerate(r)}
            for p, dl in inst["pairs"].items():
                if (p in pos) != (dl in pos):
                    problems.append(f"pair {p}->{dl} split over routes")
                elif p in pos and pos[p] > pos[dl]:
                    problems.append(f"pair {p}->{dl} delivered before picked up")
        else:
            load = sum(nodes[c][2] for c in r)
            if load > cap + eps:
                problems.append(f"route load {load} > capacity {cap}")
        for c in r:
            n = nodes[c]
            leg = _dist(prev, n)
            length += leg
            t = max(t + leg, n[3])
            if t > n[4] + eps:
                problems.append(f"customer {c} served at {t:.4f} after due {n[4]}")
            t += n[5]
            if inst["family"] == "li_lim":
                load += n[2]
                if load > cap + eps:
                    problems.append(f"load {load} > capacity {cap} after {c}")
            prev = n
        leg = _dist(prev, d0)
        length += leg
        t += leg
        if t > d0[4] + eps:
            problems.append(f"route back at depot {dep} at {t:.4f} after {d0[4]}")
        if inst["family"] == "cordeau":
            limit = inst["limits"][dep][0]
            dur = length + sum(nodes[c][5] for c in r)
            if limit > 0 and dur > limit + eps:
                problems.append(f"route from depot {dep} lasts {dur:.3f} > {limit}")
        cost += length
    for dep, k in per_depot.items():
        fleet = inst["fleet"]
        if inst["family"] != "cordeau" and sum(per_depot.values()) > fleet:
            problems.append(f"{sum(per_depot.values())} vehicles > fleet {fleet}")
            break
        if inst["family"] == "cordeau" and k > fleet:
            problems.append(f"depot {dep} uses {k} vehicles > {fleet}")
    return not problems, cost, problems


# ---------------------------------------------------------------------------------------
# Raw PyVRP on the same instance (the peer the project's layer is measured against)
# ---------------------------------------------------------------------------------------
def raw_pyvrp(inst: dict[str, Any], seconds: float, seed: int
              ) -> tuple[list[list[int]], list[int], float]:
    """Solve with a minimal pyvrp.Model; return (routes, depots, wall seconds)."""
    import numpy as np
    from pyvrp import Model, solve
    from pyvrp.stop import MaxRuntime

    nodes = inst["nodes"]
    fam = inst["family"]
    m = Model()
    order: list[int] = list(inst["depots"])
    depot_objs = []
    for d in inst["depots"]:
        x, y, _, ready, due, _ = nodes[d]
        loc = m.add_location(x, y)
        depot_objs.append(m.add_depot(loc))
        late = int(due * SCALE) if math.isfinite(due) else np.iinfo(np.int64).max
        if fam == "cordeau":
            limit = inst["limits"][d][0]
            m.add_vehicle_type(inst["fleet"], capacity=int(inst["cap"]),
                               start_depot=depot_objs[-1], end_depot=depot_objs[-1],
                               shift_duration=int(limit * SCALE) if limit > 0
                               else np.iinfo(np.int64).max)
        else:
            m.add_vehicle_type(inst["fleet"], capacity=int(inst["cap"]),
                               start_depot=depot_objs[-1], end_depot=depot_objs[-1],
                               tw_early=int(ready * SCALE), tw_late=late)
    kinds: list[tuple[str, int]] = []
    loc_of: dict[int, Any] = {}
    for i, n in nodes.items():
        if i in inst["depots"]:
            continue
        loc_of[i] = m.add_location(n[0], n[1])
    if fam == "li_lim":
        for p, dl in inst["pairs"].items():
            a, b = nodes[p], nodes[dl]
            m.add_shipment(loc_of[p], loc_of[dl], pickup_tw_early=int(a[3] * SCALE),
                           pickup_tw_late=int(a[4] * SCALE),
                           pickup_service_duration=int(a[5] * SCALE),
                           delivery_tw_early=int(b[3] * SCALE), delivery_tw_late=int(b[4] * SCALE),
                           delivery_service_duration=int(b[5] * SCALE), amount=int(a[2]))
            kinds.append(("shipment", p))
            order += [p, dl]
    else:
        for i in loc_of:
            n = nodes[i]
            late = int(n[4] * SCALE) if math.isfinite(n[4]) else np.iinfo(np.int64).max
            m.add_client(loc_of[i], delivery=int(n[2]), service_duration=int(n[5] * SCALE),
                         tw_early=int(n[3] * SCALE), tw_late=late)
            order.append(i)
    # matrices in location order: depots first, then customers as added
    loc_ids = list(inst["depots"]) + list(loc_of)
    xy = np.array([[nodes[i][0], nodes[i][1]] for i in loc_ids])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    dist = np.rint(d * SCALE).astype(np.int64)
    dur = np.ceil(d * SCALE - 1e-9).astype(np.int64)
    data = m.data().replace(distance_matrices=[dist], duration_matrices=[dur])
    t0 = time.perf_counter()
    res = solve(data, MaxRuntime(seconds), seed=seed, collect_stats=False, display=False)
    wall = time.perf_counter() - t0
    routes, depots = [], []
    ship_ids = [p for _, p in kinds]
    client_ids = list(loc_of)
    for r in res.best.routes():
        seq = []
        for a in r.schedule():
            if a.is_depot():
                continue
            if a.is_shipment():
                p = ship_ids[a.idx]
                seq.append(p if a.is_pickup() else inst["pairs"][p])
            else:
                seq.append(client_ids[a.idx])
        if seq:
            routes.append(seq)
            depots.append(inst["depots"][r.start_depot()])
    return routes, depots, wall


# ---------------------------------------------------------------------------------------
def run_instance(task: tuple[str, str, str, float, float, int, int | None, bool]
                 ) -> dict[str, Any]:
    name, family, file, bks, seconds, seed, bks_routes, with_raw = task
    from routing.instances import solve_instance

    path = DEFAULT_DIR / file
    inst = parse(path, family)
    rec = solve_instance(path, seconds=seconds, seed=seed, family=family)
    ok, cost, problems = check(inst, rec["routes"], rec.get("route_depots"))
    out = {"instance": name, "family": family, "best_known": bks,
           "best_known_vehicles": bks_routes, "seconds": seconds,
           "project_cost": cost, "project_reported": rec["cost"],
           "project_vehicles": rec["vehicles"], "project_feasible": ok and rec["feasible"],
           "project_problems": problems[:3], "project_wall_s": rec["seconds"],
           "project_gap_pct": 100.0 * (cost - bks) / bks}
    if not with_raw:
        return out
    routes, depots, wall = raw_pyvrp(inst, seconds, seed)
    ok2, cost2, problems2 = check(inst, routes, depots)
    out.update({"raw_cost": cost2, "raw_vehicles": len(routes), "raw_feasible": ok2,
                "raw_problems": problems2[:3], "raw_wall_s": wall,
                "raw_gap_pct": 100.0 * (cost2 - bks) / bks})
    return out


def run_kontum(seconds: float, seed: int, n_jobs: int = 200, couriers: int = 25
               ) -> dict[str, Any]:
    """Plan a simulated Kon Tum day on the road network; time matrix + solve."""
    from data.settings import Settings
    from routing.simulate import kontum_day

    settings = Settings.from_env()
    t0 = time.perf_counter()
    plan, timings = kontum_day(settings, n_jobs=n_jobs, couriers=couriers, seconds=seconds,
                               seed=seed)
    wall = time.perf_counter() - t0
    feasible_unassigned = [u for u in plan.unassigned
                           if u.code in ("left_out_for_cost", "no_room")]
    return {"instance": "kontum_day", "family": "kontum", "jobs": plan.jobs_total,
            "assigned": plan.jobs_assigned, "unassigned": len(plan.unassigned),
            "unassigned_feasible": len(feasible_unassigned),
            "unassigned_codes": sorted({u.code for u in plan.unassigned}),
            "couriers_used": len(plan.routes), "length_km": plan.total_length_m / 1000,
            "feasible": plan.feasible,
            "office_stops_in_closure": sum(
                1 for r in plan.routes for s in r.job_stops if s.office_id is not None
                and s.start_s + s.service_s > 11 * 3600 + 1800 and s.start_s < 13 * 3600 + 1800),
            "network_kind": plan.network_kind, "wall_s": wall, **timings}


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for fam in ("solomon", "li_lim", "cordeau"):
        rs = [r for r in rows if r["family"] == fam]
        if not rs:
            continue
        pg = [r["project_gap_pct"] for r in rs]
        fam_out: dict[str, Any] = {
            "family": fam, "n": len(rs),
            "project_mean_gap_pct": sum(pg) / len(pg), "project_worst_gap_pct": max(pg),
            "project_feasible": sum(r["project_feasible"] for r in rs),
            "project_vehicles_over_best_known": sum(
                r["project_vehicles"] - r["best_known_vehicles"] for r in rs
                if r["best_known_vehicles"] is not None),
        }
        if all("raw_gap_pct" in r for r in rs):
            rg = [r["raw_gap_pct"] for r in rs]
            fam_out.update({
                "raw_mean_gap_pct": sum(rg) / len(rg), "raw_worst_gap_pct": max(rg),
                "raw_feasible": sum(r["raw_feasible"] for r in rs),
                "project_vs_raw_cost_ratio": sum(r["project_cost"] for r in rs)
                / sum(r["raw_cost"] for r in rs),
                "project_vs_raw_mean_gap_diff_pct": (sum(pg) - sum(rg)) / len(rs),
            })
        out.append(fam_out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--family", default="solomon,li_lim,cordeau",
                    help="comma list of solomon, li_lim, cordeau, kontum")
    ap.add_argument("--instances", default="", help="comma list of instance names")
    ap.add_argument("--jobs", type=int, default=1, help="parallel processes")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-raw", action="store_true",
                    help="skip raw PyVRP (halves the time; no project-vs-raw comparison)")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    args = ap.parse_args(argv)
    families = {f.strip() for f in args.family.split(",") if f.strip()}
    wanted = {x.strip().lower() for x in args.instances.split(",") if x.strip()}
    tasks = []
    with open(DEFAULT_DIR / "best_known.csv") as fh:
        for row in csv.DictReader(fh):
            fam = FAMILY_OF.get(row["family"])
            if fam not in families:
                continue
            name = row["instance"]
            if fam == "cordeau" and not (name[0] == "p" and name[1:].isdigit()
                                         and int(name[1:]) <= 10):
                continue
            if wanted and row["instance"].lower() not in wanted:
                continue
            routes = int(row["routes"]) if row.get("routes") else None
            tasks.append((row["instance"], fam, row["file"], float(row["best_known"]),
                          args.seconds, args.seed, routes, not args.no_raw))
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    t0 = time.perf_counter()
    if args.jobs > 1 and len(tasks) > 1:
        with mp.get_context("spawn").Pool(args.jobs) as pool:
            rows = pool.map(run_instance, tasks, chunksize=1)
    else:
        rows = [run_instance(t) for t in tasks]
    kontum = run_kontum(args.seconds, args.seed) if "kontum" in families else None
    report = {"started": started, "wall_s": time.perf_counter() - t0,
              "seconds_per_instance": args.seconds, "seed": args.seed, "jobs": args.jobs,
              "machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
                         f"{mp.cpu_count()} cores",
              "convention": "distance, unrounded Euclidean; Li & Lim best-known is "
                            "vehicles-then-distance",
              "families": summarise(rows), "instances": rows, "kontum": kontum}
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=1))
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{'instance':10} {'bks':>10} {'project':>10} {'gap%':>7} {'veh':>4} {'ok':>3} "
          f"{'raw':>10} {'gap%':>7} {'veh':>4} {'ok':>3}")
    for r in rows:
        raw = (f"{r['raw_cost']:10.2f} {r['raw_gap_pct']:7.2f} {r['raw_vehicles']:4d} "
               f"{'y' if r['raw_feasible'] else 'N':>3}") if "raw_cost" in r else "   (no raw run)"
        print(f"{r['instance']:10} {r['best_known']:10.2f} {r['project_cost']:10.2f} "
              f"{r['project_gap_pct']:7.2f} {r['project_vehicles']:4d} "
              f"{'y' if r['project_feasible'] else 'N':>3} {raw}")
    print()
    print(f"{'family':8} {'n':>3} {'proj mean':>9} {'proj worst':>10} {'raw mean':>9} "
          f"{'raw worst':>9} {'feas p/r':>9} {'cost p/r':>8}")
    for s in report["families"]:
        raw = (f"{s['raw_mean_gap_pct']:9.3f} {s['raw_worst_gap_pct']:9.3f} "
               f"{s['project_feasible']:>4}/{s['raw_feasible']:<4} "
               f"{s['project_vs_raw_cost_ratio']:8.4f}") if "raw_mean_gap_pct" in s else (
            f"{'-':>9} {'-':>9} {s['project_feasible']:>4}/-    {'-':>8}")
        print(f"{s['family']:8} {s['n']:3d} {s['project_mean_gap_pct']:9.3f} "
              f"{s['project_worst_gap_pct']:10.3f} {raw}")
    if kontum:
        print()
        print("Kon Tum day: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                          for k, v in kontum.items()))
    print(f"\n{started}, {args.seconds:g} s per instance and solver, {args.jobs} process(es), "
          f"wall {report['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
