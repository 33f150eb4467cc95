"""Storage under load: N concurrent sessions saving and reloading plans, SQLite vs PostgreSQL.

Each session is a separate process with its own ``data.store.Store`` (as separate app
servers or CLI runs would be). A session repeatedly edits a plan (a new seed and note on a
``routing.result.Plan`` whose stops are the 102 Kon Tum commune points — a **synthetic**
plan document built here, labelled ``provenance="simulated"``; this measures storage, not
solving), saves it on top of the version it last saw, and reloads it. Three modes:

``own``
    every session edits its own plan: no conflicts expected; measures throughput.
``shared``
    all sessions edit one plan: most saves meet a ``ConflictError``; the session reopens
    the latest version and retries (measures how the store behaves under contention and
    checks that no save is ever lost or overwritten).
``plan``
    planning and saving: each iteration plans a simulated Kon Tum day end to end
    (``routing.simulate.plan_kontum``: cached road network, ``--plan-jobs`` simulated jobs,
    5 couriers, 1 s solver budget) and saves the real ``Plan`` on the session's own object.

After each run every (object, version) a session saved is reloaded and compared byte for
byte with what it sent; a version that reloads different, or is missing, is a mismatch.
PostgreSQL runs on a throwaway cluster (``tests/pg.py``) with default durability (fsync on,
synchronous commit) on a unix socket; SQLite runs in WAL mode with ``synchronous=FULL``.

    python benchmarks/load.py [--sessions 1 4 8] [--iterations 25] [--stops 60]
        [--backends sqlite postgresql] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from data.accounts import add_account, create_first_admin, get_account  # noqa: E402
from data.errors import ConflictError  # noqa: E402
from data.store import Store  # noqa: E402

#: Solver budget per planned day in mode ``plan`` (seconds).
PLAN_SECONDS = 1.0


def build_plan(stops: int, seed: int, note: str) -> Any:
    """A synthetic plan: couriers of 15 stops each over the Kon Tum commune points."""
    from data.commune_points import load_commune_points
    from data.settings import Settings
    from routing.result import CourierRoute, Plan, PlannedStop

    points = load_commune_points(Settings.from_env())
    routes = []
    per_route = 15
    for r in range(max(1, (stops + per_route - 1) // per_route)):
        rows = points.iloc[[(r * per_route + i) % len(points)
                             for i in range(min(per_route, stops - r * per_route))]]
        t = 27000
        seq = []
        for i, (_, p) in enumerate(rows.iterrows()):
            seq.append(PlannedStop(
                sequence=i, kind="pickup", place_id=str(p.commune_code), label=str(p["name"]),
                lon=float(p.geometry.x), lat=float(p.geometry.y), arrival_s=t, start_s=t,
                departure_s=t + 300, waiting_s=0, service_s=300, load=i + 1,
                leg_length_m=1000.0 + 37.5 * i, leg_time_s=120.0 + i, job_id=f"J{r}-{i}",
                job_kind="pickup", window=(27000, 61200), amount=1))
            t += 900
        routes.append(CourierRoute(courier_id=f"C{r + 1}", office_id="BC-KONTUM",
                                   end_office_id="BC-KONTUM", profile="motorbike",
                                   stops=tuple(seq)))
    return Plan(plan_date="2026-11-23", routes=tuple(routes), unassigned=(),
                network_kind="proxy", provenance="simulated", seed=seed, seconds=1.0,
                input_hashes=(("jobs", hashlib.sha256(note.encode()).hexdigest()),),
                settings=(("benchmark", "load"),), solver="none (synthetic)",
                jobs_total=stops, couriers_total=len(routes), notes=(note,))


def session(args: tuple[str, str, int, int, int], barrier: Any, out: Any) -> None:
    """One session: edit/save/reload ``iterations`` times; put timings and saves on ``out``."""
    url, mode, index, iterations, stops = args
    store = Store(url, migrate=False)
    me = get_account(store, f"session{index}")  # made by run(); each session is an account
    assert me is not None
    base = build_plan(stops, seed=index, note="start")
    plan_s: list[float] = []
    if mode == "plan":
        from data.settings import Settings
        from routing.simulate import plan_kontum

        settings = Settings.from_env()
        plan_kontum(settings, simulate=stops, plan_date="2026-11-23", seconds=0.2,
                    seed=index, couriers=5)  # warm up: network cache, imports
    barrier.wait()  # every session is set up (imports, plan built): start together
    started = time.time()
    name = "shared plan" if mode == "shared" else f"plan of session {index}"
    save_ms: list[float] = []
    load_ms: list[float] = []
    saved: list[tuple[int, int, str]] = []
    conflicts = mismatches = 0
    current = store.find("plan", name, actor=me)
    version = current.version if current else None
    done = 0
    while done < iterations:
        from dataclasses import replace

        if mode == "plan":  # plan a simulated day on the road network, then save it
            t0 = time.perf_counter()
            text = plan_kontum(settings, simulate=stops, plan_date="2026-11-23",
                               seconds=PLAN_SECONDS, seed=index * 10_000 + done,
                               couriers=5).to_json()
            plan_s.append(time.perf_counter() - t0)
        else:
            text = replace(base, seed=index * 10_000 + done,
                           notes=(f"session {index} edit {done}",)).to_json()
        t0 = time.perf_counter()
        try:
            obj = store.save_plan(text, name=name, actor=me, expected_version=version)
        except ConflictError:
            conflicts += 1
            latest = store.find("plan", name, actor=me)
            version = latest.version if latest else None
            continue
        save_ms.append((time.perf_counter() - t0) * 1000)
        version = obj.version
        saved.append((obj.id, obj.version, hashlib.sha256(text.encode()).hexdigest()))
        t0 = time.perf_counter()
        back = store.get(obj.id, version=obj.version, actor=me)
        load_ms.append((time.perf_counter() - t0) * 1000)
        if back.content != text:
            mismatches += 1
        done += 1
    finished = time.time()
    store.close()
    out.put({"save_ms": save_ms, "load_ms": load_ms, "saved": saved, "conflicts": conflicts,
             "plan_s": plan_s,
             "mismatches": mismatches, "bytes": len(text.encode()), "started": started,
             "finished": finished})


def run(url: str, backend: str, mode: str, sessions: int, iterations: int,
        stops: int) -> dict[str, Any]:
    """Run ``sessions`` concurrent sessions on a fresh database and verify every save."""
    with Store(url) as setup:  # migrate once; one admin account per session
        root = create_first_admin(setup, "root", password=None)
        for i in range(sessions):
            add_account(setup, f"session{i}", actor=root, role="admin", password=None)
    jobs = [(url, mode, i, iterations, stops) for i in range(sessions)]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(sessions)
    queue = ctx.Queue()
    procs = [ctx.Process(target=session, args=(job, barrier, queue)) for job in jobs]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=1800) for _ in procs]
    for proc in procs:
        proc.join()
    # Wall time of the work itself (after every session's imports and set-up).
    wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
    saves = sum(len(r["save_ms"]) for r in results)
    # Verify: every version any session saved reloads byte-identical, and none is missing.
    store = Store(url, migrate=False)
    missing = reloaded_wrong = 0
    for r in results:
        for object_id, version, digest in r["saved"]:
            try:
                text = store.get(object_id, version=version, actor=root).content
            except Exception:
                missing += 1
                continue
            if hashlib.sha256(text.encode()).hexdigest() != digest:
                reloaded_wrong += 1
    versions = sum(len(store.history(o.id, actor=root))
                   for o in store.list_objects("plan", actor=root))
    store.close()
    all_save = [x for r in results for x in r["save_ms"]]
    all_load = [x for r in results for x in r["load_ms"]]
    return {
        "backend": backend, "mode": mode, "sessions": sessions, "saves": saves,
        "versions_stored": versions, "wall_s": round(wall, 2),
        "saves_per_s": round(saves / wall, 1), "loads_per_s": round(len(all_load) / wall, 1),
        "save_p50_ms": round(statistics.median(all_save), 1),
        "save_p95_ms": round(_p95(all_save), 1),
        "load_p50_ms": round(statistics.median(all_load), 1),
        "conflicts": sum(r["conflicts"] for r in results),
        "mismatches": sum(r["mismatches"] for r in results) + reloaded_wrong + missing
        + (saves - versions),
        "plan_bytes": results[0]["bytes"],
        "plans_per_min": round(60 * saves / wall, 1) if mode == "plan" else None,
        "plan_p50_s": round(statistics.median([x for r in results for x in r["plan_s"]]), 2)
        if mode == "plan" else None,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--iterations", type=int, default=25, help="saves per session")
    parser.add_argument("--stops", type=int, default=60, help="stops per plan")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--modes", nargs="+", default=["own", "shared", "plan"],
                        help="own, shared, and plan (each iteration plans a simulated day)")
    parser.add_argument("--plan-iterations", type=int, default=3,
                        help="plans per session in mode 'plan'")
    parser.add_argument("--plan-jobs", type=int, default=30,
                        help="simulated jobs per planned day in mode 'plan'")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="postplan-load-"))
    for backend in args.backends:
        for mode in args.modes:
            for n in args.sessions:
                if backend == "sqlite":
                    url = f"sqlite:///{tmp / f'{mode}-{n}.sqlite'}"
                else:
                    import pg

                    url = pg.cluster(durable=True).create_database("load")
                if mode == "plan":
                    rows.append(run(url, backend, mode, n, args.plan_iterations, args.plan_jobs))
                else:
                    rows.append(run(url, backend, mode, n, args.iterations, args.stops))
                if not args.json:
                    print(_line(rows[-1]), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    meta = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
            "cpus": mp.cpu_count(), "iterations": args.iterations, "stops": args.stops,
            # the machine is shared: 1-minute load average before and after the runs
            "loadavg_before": round(load_before[0], 2),
            "loadavg_after": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps({"meta": meta, "runs": rows}, indent=2))
    bad = sum(r["mismatches"] for r in rows)
    if not args.json:
        print(f"{meta}; mismatches in total: {bad}")
    return 1 if bad else 0


HEAD = ("backend", "mode", "sessions", "saves", "wall_s", "saves_per_s", "loads_per_s",
        "save_p50_ms", "save_p95_ms", "load_p50_ms", "conflicts", "mismatches",
        "plans_per_min", "plan_p50_s")


def _line(row: dict[str, Any]) -> str:
    return "  ".join(f"{k}={row[k]}" for k in HEAD)


if __name__ == "__main__":
    sys.exit(main())
