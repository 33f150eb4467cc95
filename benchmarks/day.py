"""Province-scale day: the whole ``postplan plan`` command, and the same day by VROOM and PyVRP.

For each size (default 2,000 jobs with 120 couriers, and 5,000 jobs with 300), all post
offices of the registry as depots, on the bundled road network:

1. **the command** — ``postplan plan --simulate N --couriers C --seconds S --json`` in a
   subprocess: wall time from launch to exit, the command's own ``timings`` (phase →
   seconds), and the peak memory of its whole process tree (the PyVRP child included),
   sampled from ``/proc`` every 0.1 s;
2. **the same day, side by side** — built in this process exactly as the command builds
   it (same jobs, couriers, windows, door-to-door matrices), then solved
   - by the project's solver (``routing.solve.solve_matrix``) with ``S`` seconds
     (large days office by office, :mod:`routing.decompose`),
   - by the same solver as one search on the whole day (``decompose_above=None``, the
     solver before the decomposition; ``--no-single`` skips it),
   - by VROOM (``pyvroom``) on the same matrices with ``timeout = S`` (the same wall time),
   - by the project's solver with ``10 × S`` seconds (the reference);
   each plan is scored the same way: km driven, jobs served, and the project's objective
   (metres driven + the value of every job left out, ``PlanSettings.job_value_m`` ×
   priority weights); the table gives the ratios to the 10 × S reference.

VROOM's model here: every courier a vehicle (start and end office, capacity, shift as
its time window), every pair job a shipment (pickup and delivery with all their windows:
VROOM takes several windows natively, so the midday closure is exact), plain deliveries
and pickups as jobs, costs = the same length matrix in metres, durations = the same time
matrix rounded up to whole seconds.

Run: ``.venv/bin/python benchmarks/day.py`` (both sizes; ``--sizes 2000:120``,
``--seconds 30``, ``--no-reference`` to skip the 10× run, ``--json``). Needs the ``bench``
extra (``pip install -e .[bench]``) for VROOM; without it the VROOM column says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLAN_DATE = "2026-11-25"


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as fh:
                pages = int(fh.read().split()[1])
        except OSError:
            continue
        children.setdefault(int(parts[1]), []).append(int(entry))
        rss[int(entry)] = pages
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_command(n_jobs: int, couriers: int, seconds: float, out: Path) -> dict[str, Any]:
    """Run ``postplan plan`` as a user would and measure wall time and peak tree memory."""
    cmd = [sys.executable, "-m", "cli", "plan", "--simulate", str(n_jobs), "--couriers",
           str(couriers), "--seconds", str(seconds), "--date", PLAN_DATE, "--seed", "0",
           "--out", str(out), "--json"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_mb(proc.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"postplan plan failed ({proc.returncode}): {stdout[-2000:]} "
                           f"{stderr[-2000:]}")
    summary = json.loads(stdout)
    return {"wall_s": round(wall, 2), "peak_mb": round(peak, 1),
            "timings": summary["timings"], "assigned": summary["assigned"],
            "length_km": round(summary["length_km"], 1), "seconds": summary["seconds"],
            "stopped_by": summary["stopped_by"]}


def build_day(n_jobs: int, couriers: int) -> tuple[Any, np.ndarray, np.ndarray, float]:
    """The command's day in this process: problem and door-to-door matrices."""
    from data.offices import default_offices
    from data.settings import Settings
    from geo.matrix import TravelEngine
    from geo.network import cached_network
    from routing.adapter import network_matrices
    from routing.model import PlanSettings
    from routing.simulate import default_couriers, simulate_jobs
    from routing.workday import working_day

    settings = Settings.from_env()
    offices = default_offices(settings)
    jobs = simulate_jobs(settings, n_jobs=n_jobs, plan_date=PLAN_DATE, seed=0,
                         offices=offices)
    wd = working_day(offices, jobs, default_couriers(offices, couriers),
                     dt.date.fromisoformat(PLAN_DATE), provenance="simulated",
                     plan_settings=PlanSettings(seconds=10, seed=0, plan_date=PLAN_DATE))
    G = cached_network(settings, profile="motorbike")
    engine = TravelEngine(G)
    t0 = time.perf_counter()
    nm = network_matrices(wd.problem, G, engine=engine)
    return wd.problem, nm.time_s, nm.length_m, time.perf_counter() - t0


def score(problem: Any, served: set[str], length_m: float) -> dict[str, Any]:
    """km, jobs served and the project's objective (metres + value of jobs left out)."""
    left = [j for j in problem.jobs.values() if j.job_id not in served]
    objective = length_m + sum(problem.prize_of(j) for j in left)
    return {"km": round(length_m / 1000, 1), "served": len(served),
            "objective_km": round(objective / 1000, 1)}


def solve_project(problem: Any, t: np.ndarray, d: np.ndarray, seconds: float, *,
                  single: bool = False) -> dict[str, Any]:
    """The project's solver (PyVRP through ``routing.solve.solve_matrix``).

    ``single``: one search on the whole day (no decomposition by office, the solver
    before issue 13's decomposition).
    """
    from data.errors import SolverError
    from routing.decompose import MIN_JOBS
    from routing.solve import solve_matrix

    t0 = time.perf_counter()
    try:
        plan = solve_matrix(problem, t, d, seconds=seconds, seed=0,
                            decompose_above=None if single else MIN_JOBS)
    except SolverError as exc:
        return {"error": f"no plan: {exc}", "wall_s": round(time.perf_counter() - t0, 1)}
    wall = time.perf_counter() - t0
    served = {s.job_id for r in plan.routes for s in r.job_stops if s.job_id}
    out = score(problem, served, plan.total_length_m)
    out.update(wall_s=round(wall, 1), solver_s=round(plan.solve_time_s, 1),
               feasible=plan.feasible, stopped_by=plan.stopped_by)
    return out


def solve_vroom(problem: Any, t: np.ndarray, d: np.ndarray, seconds: float,
                level: int = 5) -> dict[str, Any]:
    """VROOM on the same matrices and the same model, with ``timeout = seconds``."""
    try:
        import vroom
    except ImportError:
        return {"error": "pyvroom is not installed (pip install -e .[bench])"}
    big = 10**9
    dur = np.where(np.isfinite(t), np.ceil(t - 1e-9), big).astype(np.int64)
    cost = np.where(np.isfinite(d), np.rint(d), big).astype(np.int64)
    np.fill_diagonal(dur, 0)
    np.fill_diagonal(cost, 0)
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=dur)
    inp.set_costs_matrix(profile="car", matrix_input=cost)
    index = problem.place_index()

    def tws(visit: Any) -> list[Any]:
        svc = problem.service_of(visit)
        wins = [w for w in problem.windows_of(visit) if w[1] - w[0] >= svc]
        return [vroom.TimeWindow(int(a), int(b - svc)) for a, b in wins]

    vehicles, by_id = [], {}
    for k, c in enumerate(problem.couriers.values(), start=1):
        shift = problem.shift_of(c)
        start = index[f"office:{c.office_id}"]
        end = index[f"office:{c.end_office_id or c.office_id}"]
        vehicles.append(vroom.Vehicle(k, start=start, end=end, capacity=[int(c.capacity)],
                                      time_window=vroom.TimeWindow(int(shift[0]),
                                                                   int(shift[1]))))
        by_id[k] = c.courier_id
    inp.add_vehicle(vehicles)
    job_of: dict[int, tuple[str, str]] = {}
    next_id = 1
    for j in problem.jobs.values():
        if j.is_pair:
            p_id, d_id = next_id, next_id + 1
            next_id += 2
            job_of[p_id], job_of[d_id] = (j.job_id, "pickup"), (j.job_id, "delivery")
            inp.add_shipment(
                vroom.ShipmentStep(p_id, location=index[problem.place_of(j, "pickup")],
                                   default_service=problem.service_of(j.pickup),
                                   time_windows=tws(j.pickup)),
                vroom.ShipmentStep(d_id, location=index[problem.place_of(j, "delivery")],
                                   default_service=problem.service_of(j.delivery),
                                   time_windows=tws(j.delivery)),
                amount=vroom.Amount([int(j.amount)]))
        else:
            role = "pickup" if j.pickup is not None else "delivery"
            visit = j.pickup if j.pickup is not None else j.delivery
            amount = [int(j.amount)]
            inp.add_job(vroom.Job(next_id, location=index[problem.place_of(j, role)],
                                  default_service=problem.service_of(visit),
                                  time_windows=tws(visit),
                                  delivery=amount if role == "delivery" else [0],
                                  pickup=amount if role == "pickup" else [0]))
            job_of[next_id] = (j.job_id, role)
            next_id += 1
    t0 = time.perf_counter()
    sol = inp.solve(exploration_level=level, nb_threads=1,
                    timeout=dt.timedelta(seconds=seconds))
    wall = time.perf_counter() - t0
    from routing.timing import initial_load_of, replay, run_of, steps_of

    served: set[str] = set()
    length = 0.0
    broken = 0
    for vid, r in sol.routes.groupby("vehicle_id", sort=False):
        locs = r["location_index"].astype(int).tolist()
        length += float(sum(d[a, b] for a, b in itertools.pairwise(locs)))
        steps: list[Any] = []
        for jid in r["id"].dropna().astype(int).tolist():
            job_id, role = job_of[jid]
            served.add(job_id)
            steps.extend(st for st in steps_of(problem, problem.jobs[job_id], index)
                         if st.role == role)
        courier = problem.couriers[by_id[int(vid)]]
        check = replay(run_of(problem, courier, index, initial_load_of(problem, steps)),
                       steps, t)
        broken += int(check is None or not check.feasible)
    out = score(problem, served, length)
    out.update(wall_s=round(wall, 1), vroom_cost_km=round(sol.summary.cost / 1000, 1),
               feasible=broken == 0, routes_breaking_project_rules=broken)
    return out


def one_size(n_jobs: int, couriers: int, seconds: float, reference: bool,
             workdir: Path, vroom_level: int = 5, single: bool = True) -> dict[str, Any]:
    """Measure one size: the command, then the three solvers on its day."""
    row: dict[str, Any] = {"jobs": n_jobs, "couriers": couriers, "seconds": seconds,
                           "load_before": os.getloadavg()[0]}
    row["command"] = run_command(n_jobs, couriers, seconds, workdir / f"plan-{n_jobs}.json")
    problem, t, d, matrix_s = build_day(n_jobs, couriers)
    row["places"] = int(t.shape[0])
    row["matrix_s"] = round(matrix_s, 2)
    row["pyvrp"] = solve_project(problem, t, d, seconds)
    if single:
        row["pyvrp_single"] = solve_project(problem, t, d, seconds, single=True)
    row["vroom"] = solve_vroom(problem, t, d, seconds, vroom_level)
    if reference:
        row["pyvrp_10x"] = solve_project(problem, t, d, 10 * seconds)
        ref = row["pyvrp_10x"]["objective_km"]
        for key in ("pyvrp", "pyvrp_single", "vroom"):
            if "objective_km" in row.get(key, {}):
                row[key]["vs_10x"] = round(row[key]["objective_km"] / ref, 4)
    if "objective_km" in row["vroom"]:
        for key in ("pyvrp", "pyvrp_single"):
            if key in row:
                row[f"{key}_vs_vroom"] = round(row[key]["objective_km"]
                                               / row["vroom"]["objective_km"], 4)
    row["load_after"] = os.getloadavg()[0]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000:120,5000:300",
                        help="comma-separated JOBS:COURIERS (default 2000:120,5000:300)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--no-reference", action="store_true",
                        help="skip PyVRP with 10 × the time")
    parser.add_argument("--vroom-level", type=int, default=5,
                        help="VROOM's exploration level 1-5 (5 may overrun its timeout while "
                             "it constructs)")
    parser.add_argument("--no-single", action="store_true",
                        help="skip PyVRP as one search on the whole day (no decomposition)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / "postplan-bench-day"
    workdir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "rows": []}
    for size in args.sizes.split(","):
        n, c = (int(x) for x in size.split(":"))
        row = one_size(n, c, args.seconds, not args.no_reference, workdir, args.vroom_level,
                       not args.no_single)
        out["rows"].append(row)
        if not args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"\nProvince-scale day, {out['date']}, {out['machine']}; {out['uptime']}")
    print(f"{'jobs':>5} {'cour':>4} {'places':>6} {'cmd wall s':>10} {'peak MB':>8} "
          f"{'matrix s':>8} {'solver s':>8} | {'served P/V/P10':>16} "
          f"{'km P/V/P10':>22} {'P/V':>6} {'P/P10':>6} {'V/P10':>6}")
    for r in out["rows"]:
        c = r["command"]
        p, v, ref = r["pyvrp"], r["vroom"], r.get("pyvrp_10x", {})
        served = f"{p['served']}/{v.get('served', '-')}/{ref.get('served', '-')}"
        km = f"{p['km']:.0f}/{v.get('km', math.nan):.0f}/{ref.get('km', math.nan):.0f}"
        print(f"{r['jobs']:>5} {r['couriers']:>4} {r['places']:>6} {c['wall_s']:>10.1f} "
              f"{c['peak_mb']:>8.0f} {c['timings'].get('matrix', math.nan):>8.1f} "
              f"{c['timings'].get('solve', math.nan):>8.1f} | {served:>16} {km:>22} "
              f"{r.get('pyvrp_vs_vroom', math.nan):>6.3f} "
              f"{p.get('vs_10x', math.nan):>6.3f} {v.get('vs_10x', math.nan):>6.3f}")
        print("      objective km: " + ", ".join(
            f"{key} {r[key]['objective_km']:.0f}" for key in
            ("pyvrp", "pyvrp_single", "vroom", "pyvrp_10x") if "objective_km" in r.get(key, {})))
        if "pyvrp_single" in r:
            one = r["pyvrp_single"]
            print(f"      one search on the whole day: served {one['served']}, km "
                  f"{one['km']:.0f}, /VROOM {r.get('pyvrp_single_vs_vroom', math.nan):.3f}")
        print("      command timings: " + ", ".join(f"{k} {s:.1f}"
                                                     for k, s in c["timings"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
