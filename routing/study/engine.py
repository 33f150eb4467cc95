"""The study engine on Dask distributed: a LocalCluster by default, a real cluster by address.

:func:`open_client` gives a ``distributed.Client`` — to a ``LocalCluster`` of ``workers``
processes (one thread each) or to the scheduler at ``tcp://HOST:8786`` — and checks that
every worker may start child processes. :func:`run_fleet` and :func:`run_siting` build the
scenario on the client (calendar, simulated demand, road network, siting matrices),
scatter the network once to every worker, submit the tasks of :mod:`routing.study.tasks`
and gather them into :mod:`routing.study.results`.

Workers must not be daemonic processes
    Each office-day runs PyVRP in a child process (:mod:`routing.runner`: the only way to
    stop a solver that never returns). Python forbids children of a daemonic process, and
    Dask's nanny starts its worker processes as daemons unless the configuration key
    ``distributed.worker.daemon`` is False (dask/distributed#2718, PR #2739). The local
    cluster is started with it set; a cluster of your own needs
    ``DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker tcp://HOST:8786`` (or
    ``dask worker --no-nanny``), and :func:`check_workers` refuses it otherwise, naming
    the workers and the fix. Workers run one thread each (``--nthreads 1``): a task's
    solver child uses a core of its own.

Days of one office and fleet size form a chain (each day depends on the previous day's
backlog); chains run in parallel. Results do not depend on how many workers there are.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from data.calendar import WorkCalendar
from data.errors import InputError, Problem
from data.settings import Settings
from routing.study.demand import simulate_demand
from routing.study.results import FleetResult, SitingSweepResult, TaskKey, fleet_result
from routing.study.scenario import (
    FleetScenario,
    SitingSweep,
    allocate,
    area_weights,
    derive_seed,
    office_areas,
    sample_blocks,
    study_days,
)
from routing.study.tasks import DayResult, DayTask, run_office_day, solve_siting_case

#: What a worker must be started with on a cluster of your own.
WORKER_FIX = ("DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker tcp://HOST:8786 --nthreads 1 "
              "(or dask worker --no-nanny)")

Progress = Callable[[int, int], None]


def default_workers() -> int:
    """Return the local cluster's default size: one worker per core."""
    return max(1, os.cpu_count() or 1)


def _is_daemon() -> bool:  # pragma: no cover - runs on the workers
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def check_workers(client: Any, *, wait_s: float = 30.0) -> int:
    """Wait for a worker, check that none is a daemonic process; return how many there are.

    Raises
    ------
    InputError
        When no worker joins within ``wait_s``, or a worker is daemonic (it could not
        start the solver's child process) — naming the workers and the fix.
    """
    try:
        client.wait_for_workers(1, timeout=wait_s)
    except TimeoutError:
        raise InputError([Problem(
            f"no Dask worker joined the scheduler within {wait_s:g} s; start one with "
            f"{WORKER_FIX}", column="--scheduler",
            message_vi=f"không có Dask worker nào nối vào scheduler trong {wait_s:g} giây; "
                       f"hãy chạy {WORKER_FIX}")]) from None
    daemons = client.run(_is_daemon)
    bad = sorted(a for a, d in daemons.items() if d)
    if bad:
        raise InputError([Problem(
            f"Dask worker(s) {', '.join(bad)} run as daemonic processes, which cannot start "
            f"the route solver's child process; restart them with {WORKER_FIX}",
            column="--scheduler", value=", ".join(bad),
            message_vi=f"Dask worker {', '.join(bad)} chạy dạng tiến trình daemon nên không "
                       f"mở được tiến trình con của bộ giải; hãy khởi động lại bằng "
                       f"{WORKER_FIX}")])
    return len(daemons)


@contextlib.contextmanager
def open_client(*, workers: int | None = None, scheduler: str | None = None,
                wait_s: float = 30.0) -> Iterator[Any]:
    """Open a Dask client: a LocalCluster of ``workers`` processes, or ``scheduler``'s cluster.

    Parameters
    ----------
    workers
        Local worker processes (one thread each); default :func:`default_workers`.
    scheduler
        Address of a running scheduler (``tcp://HOST:8786``); its workers are used.
    wait_s
        How long to wait for the scheduler and a first worker.

    Yields
    ------
    distributed.Client
        Closed (and the local cluster shut down) on leaving, also on error.

    Raises
    ------
    InputError
        When both or a bad number are given, the scheduler cannot be reached, or its
        workers are daemonic (see :func:`check_workers`).
    """
    import dask
    from distributed import Client, LocalCluster

    if workers is not None and scheduler is not None:
        raise InputError([Problem("give --workers or --scheduler, not both",
                                  column="--workers",
                                  message_vi="chỉ dùng --workers hoặc --scheduler, không cả hai")])
    if workers is not None and workers < 1:
        raise InputError([Problem(f"--workers must be at least 1, got {workers}",
                                  column="--workers", value=str(workers),
                                  message_vi=f"--workers phải từ 1 trở lên (đang là {workers})")])
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{wait_s}s")
        except (OSError, TimeoutError) as exc:
            raise InputError([Problem(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it with "
                "`dask scheduler` and give its address, e.g. tcp://10.0.0.5:8786",
                column="--scheduler", value=scheduler,
                message_vi=f"không kết nối được Dask scheduler ở {scheduler}; hãy chạy "
                           "`dask scheduler` và cho địa chỉ của nó, ví dụ tcp://10.0.0.5:8786")]
            ) from None
        try:
            check_workers(client, wait_s=wait_s)
            yield client
        finally:
            client.close()
        return
    # kept set while the cluster lives: a worker the nanny restarts is non-daemonic too
    with dask.config.set({"distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                               processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        try:
            client = Client(cluster)
            try:
                check_workers(client, wait_s=wait_s)
                yield client
            finally:
                client.close()
        finally:
            cluster.close()


def _gather(client: Any, futures: dict[Any, Any], progress: Progress | None) -> dict[Any, Any]:
    from distributed import as_completed

    for done, _ in enumerate(as_completed(list(futures.values())), 1):
        if progress is not None:
            progress(done, len(futures))
    values = client.gather(list(futures.values()))
    return dict(zip(futures.keys(), values, strict=True))


def _post_offices(offices: pd.DataFrame, ids: tuple[str, ...] | None) -> pd.DataFrame:
    posts = offices[offices["kind"].astype(str) == "post_office"]
    if ids is None:
        if posts.empty:
            raise InputError([Problem("the office registry has no post_office to start "
                                      "couriers from", column="kind",
                                      message_vi="danh mục bưu cục không có bưu cục "
                                                 "(post_office) nào để bưu tá xuất phát")])
        return posts
    known = set(posts["office_id"].astype(str))
    unknown = [o for o in ids if o not in known]
    if unknown:
        raise InputError([Problem(
            f"--offices names {o!r}, which is not a post office of the registry; use one of "
            f"{', '.join(sorted(known))}", column="--offices", value=o,
            message_vi=f"--offices có {o!r}, không phải bưu cục trong danh mục; dùng một "
                       f"trong {', '.join(sorted(known))}") for o in unknown])
    return posts.set_index(posts["office_id"].astype(str)).loc[list(ids)].reset_index(drop=True)


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"total": 0.0, "mean": 0.0, "p90": 0.0, "max": 0.0}
    a = np.asarray(values)
    return {"total": round(float(a.sum()), 3), "mean": round(float(a.mean()), 4),
            "p90": round(float(np.quantile(a, 0.9)), 4), "max": round(float(a.max()), 4)}


def run_fleet(settings: Settings, scenario: FleetScenario, *, client: Any,
              offices: pd.DataFrame | None = None, calendar: WorkCalendar | None = None,
              G: Any = None, progress: Progress | None = None) -> FleetResult:
    """Run a capacity study on the client's cluster.

    Parameters
    ----------
    settings
        Where the bundle and caches are (read on the client only).
    scenario
        What to study.
    client
        A ``distributed.Client`` (:func:`open_client`).
    offices
        Office registry (default ``data.offices.default_offices``).
    calendar
        Holidays and exceptions (default: Vietnam's public holidays).
    G
        Road graph (default ``geo.network.cached_network`` for the scenario's profile).
    progress
        Called with (tasks done, tasks) as tasks finish.
    """
    from data.commune_points import load_commune_points
    from data.layers import load_communes
    from data.offices import default_offices
    from geo.network import cached_network

    t0 = time.perf_counter()
    offices = default_offices(settings) if offices is None else offices
    posts = _post_offices(offices, scenario.office_ids)
    ids = [str(o) for o in posts["office_id"]]
    names = dict(zip(ids, posts["name"].astype(str), strict=True))
    communes = load_communes(settings)
    all_posts = offices[offices["kind"].astype(str) == "post_office"]
    areas = office_areas(all_posts, communes, load_commune_points(settings))
    weights = area_weights(areas, communes, ids)
    allocations = {level: tuple(zip(ids, allocate(level, weights), strict=True))
                   for level in scenario.levels}
    days = study_days(posts, scenario.start, scenario.days, calendar)
    blocks = sample_blocks(days, sample=scenario.sample, block=scenario.block)
    demand = simulate_demand(settings, scenario, offices=offices,
                             days=[d for b in blocks for d in b], areas=areas,
                             office_ids=ids, calendar=calendar)
    t1 = time.perf_counter()
    G = cached_network(settings, profile=scenario.profile) if G is None else G
    t2 = time.perf_counter()
    graph = client.scatter(G, broadcast=True, hash=False)
    workers = len(client.nthreads())
    t3 = time.perf_counter()
    run = uuid.uuid4().hex[:8]
    fail_seed = derive_seed(scenario.seed, "fail")
    futures: dict[TaskKey, Any] = {}
    pairs = sorted({pair for alloc in allocations.values() for pair in alloc})
    for office, count in pairs:
        for b, block in enumerate(blocks):
            prev = None
            for i, day in enumerate(block):
                task = DayTask(
                    office_id=office, couriers=count, day=day, block=b, index=i,
                    offices=demand.offices[office], new_jobs=demand.new_jobs(office, day),
                    calendar=calendar, seconds=scenario.seconds,
                    iterations=scenario.iterations,
                    seed=derive_seed(scenario.seed, "solve", office, day.toordinal()),
                    profile=scenario.profile, capacity=scenario.capacity,
                    regular_work_s=scenario.regular_work_s, fail_rate=scenario.fail_rate,
                    fail_seed=fail_seed)
                prev = client.submit(run_office_day, task, prev, graph,
                                     key=f"postplan-day-{run}-{office}-{count}-{b}-{i}")
                futures[(office, count, b, i)] = prev
    results: dict[TaskKey, DayResult] = _gather(client, futures, progress)
    t4 = time.perf_counter()
    task_s = [r.seconds for r in results.values()]
    listed = [r.metrics.listed for r in results.values()]
    timings = {
        "workers": workers, "tasks": len(results), "chains": len(pairs) * len(blocks),
        "demand_s": round(t1 - t0, 3), "network_s": round(t2 - t1, 3),
        "scatter_s": round(t3 - t2, 3), "tasks_wall_s": round(t4 - t3, 3),
        "task_s": _stats(task_s), "solve_s": _stats([r.solve_s for r in results.values()]),
        "jobs_listed_mean": round(float(np.mean(listed)), 2) if listed else 0.0,
        "wall_s": round(time.perf_counter() - t0, 3),
    }
    return fleet_result(scenario.to_dict(), blocks, results, allocations=allocations,
                        names=names, network_kind=str(G.graph.get("kind", "")),
                        timings=timings)


def run_siting(settings: Settings, sweep: SitingSweep, *, client: Any,
               offices: pd.DataFrame | None = None,
               progress: Progress | None = None) -> SitingSweepResult:
    """Run a siting sweep (k × cutoff × profile) on the client's cluster.

    The cost matrix of each profile (populated cells × existing post offices and commune
    posts + candidates) is built once on the client, scattered, and every (cutoff, k)
    case is one task (``geo.siting.solve_siting``).
    """
    from data.layers import load_population_grid
    from data.offices import default_offices
    from geo.coverage import AccessNetwork, select_offices
    from geo.coverage_commands import POSTAL_KINDS
    from geo.network import cached_network
    from geo.siting import candidate_sites, siting_problem

    t0 = time.perf_counter()
    offices = default_offices(settings) if offices is None else offices
    present = set(offices["kind"].astype(str))
    existing = select_offices(offices, [k for k in POSTAL_KINDS if k in present])
    cells = load_population_grid(settings)
    candidates = candidate_sites(settings, sweep.candidates)
    problems: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for profile in sweep.profiles:
        G = cached_network(settings, profile=profile)
        kinds[profile] = str(G.graph.get("kind", ""))
        net = AccessNetwork.build(G, cache_dir=settings.cache_dir)
        problem, _ = siting_problem(net, cells, candidates, existing,
                                    minutes=sweep.cutoffs_min[0], k=sweep.ks[0])
        problems[profile] = client.scatter(problem, hash=False)
    t1 = time.perf_counter()
    run = uuid.uuid4().hex[:8]
    futures = {case: client.submit(solve_siting_case, problems[case[0]], profile=case[0],
                                   cutoff_min=case[1], k=case[2], model=sweep.model,
                                   time_limit_s=sweep.time_limit_s,
                                   key=f"postplan-site-{run}-{n}")
               for n, case in enumerate(sweep.cases())}
    results = _gather(client, futures, progress)
    t2 = time.perf_counter()
    cases = tuple(results[c] for c in sweep.cases())
    timings = {"workers": len(client.nthreads()),
               "tasks": len(cases), "matrices_s": round(t1 - t0, 3),
               "tasks_wall_s": round(t2 - t1, 3),
               "task_s": _stats([c.seconds for c in cases]),
               "wall_s": round(time.perf_counter() - t0, 3)}
    return SitingSweepResult(sweep.to_dict(), cases, kinds, timings)


__all__ = [
    "WORKER_FIX",
    "check_workers",
    "default_workers",
    "open_client",
    "run_fleet",
    "run_siting",
]
