"""A simulated day of public-service postal work in Kon Tum (for demos and load tests).

Everything made here is labelled ``source="simulated"``; nothing is presented as real.

How a day is drawn (seeded, reproducible)
- Volume: about 40,000 results were delivered in 9 months of 2018 (Vietnam Post), about
  200 per working day across the province; dossiers picked up come on top. ``n_jobs``
  jobs are drawn with the kind mix :data:`KIND_SHARES` (results, dossiers, counter
  transfers between a post office and a one-stop shop).
- Where: a commune is drawn with probability proportional to its 2019 census population;
  the address is a WorldPop 1 km cell of that commune with at least
  :data:`MIN_CELL_POPULATION` people, drawn by its population, plus a uniform offset
  inside the cell; the job records that commune (``Visit.commune_code``). Communes without
  populated cells use the commune point of :mod:`data.commune_points` (marked approximate).
- The one-stop shop is the commune's own (pre-2025) shop; the provincial centre takes a
  share of dossiers from the city.
- Windows: most citizens are home all day (no window), some only in the morning or the
  afternoon. Priorities 1/2/3 with shares 80/15/5 %; urgent and high jobs are due on the
  plan date, others within three days.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data.errors import InputError
from data.settings import Settings
from routing.model import Courier, Job, PlanSettings, Visit, hm
from routing.result import Plan

#: Kind mix of a simulated day.
KIND_SHARES = {"result_delivery": 0.62, "dossier_pickup": 0.33, "counter_transfer": 0.05}
#: Citizen windows and their shares (None: all day).
WINDOW_SHARES: tuple[tuple[tuple[tuple[int, int], ...] | None, float], ...] = (
    (None, 0.6),
    (((hm("07:30"), hm("11:00")),), 0.2),
    (((hm("13:30"), hm("16:30")),), 0.15),
    (((hm("07:30"), hm("10:00")), (hm("14:00"), hm("16:30"))), 0.05),
)
PRIORITY_SHARES = (0.80, 0.15, 0.05)
#: Cells with fewer people are not drawn (the proxy network's settlement threshold).
MIN_CELL_POPULATION = 50.0


def simulate_jobs(settings: Settings, *, n_jobs: int = 200, plan_date: str | None = None,
                  seed: int = 0, offices: pd.DataFrame | None = None) -> list[Job]:
    """Draw a day's jobs (see the module docstring); every job has ``source="simulated"``.

    Parameters
    ----------
    settings
        Where the Kon Tum data lives.
    n_jobs
        Number of jobs.
    plan_date
        ISO date (for due dates); default today.
    seed
        Random seed: the same seed gives the same jobs.
    offices
        Office registry (default ``data.offices.default_offices``).

    Returns
    -------
    list of Job
    """
    from data.commune_points import load_commune_points
    from data.layers import load_communes, load_population_grid
    from data.offices import default_offices

    if n_jobs < 0:
        raise InputError(f"n_jobs must be at least 0, got {n_jobs}")
    rng = np.random.default_rng(seed)
    day = date.fromisoformat(plan_date) if plan_date else date.today()
    communes = load_communes(settings)
    points = load_commune_points(settings).set_index("commune_code")
    grid = load_population_grid(settings)
    offs = offices if offices is not None else default_offices(settings)
    shops = offs[offs["kind"] == "one_stop_shop"]
    posts = offs[offs["kind"] == "post_office"]
    shop_of = {str(c): str(o) for c, o in zip(shops["commune_code"], shops["office_id"],
                                               strict=False)
               if not str(o).startswith("oss-province")}
    province_shop = next((str(o) for o in shops["office_id"] if str(o) == "oss-province"),
                         None)
    weights = communes["population"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    grid = grid[grid["population"] >= MIN_CELL_POPULATION]
    cells = {code: g for code, g in grid.groupby("commune_code")}
    kinds = list(KIND_SHARES)
    kind_p = np.array([KIND_SHARES[k] for k in kinds])
    win_p = np.array([w for _, w in WINDOW_SHARES])
    jobs: list[Job] = []
    for k in range(n_jobs):
        kind = kinds[rng.choice(len(kinds), p=kind_p / kind_p.sum())]
        priority = int(rng.choice(3, p=PRIORITY_SHARES)) + 1
        due = day if priority > 1 else day + timedelta(days=int(rng.integers(0, 4)))
        common: dict[str, Any] = {"priority": priority, "due_date": due.isoformat(),
                                  "source": "simulated",
                                  "amount": 1 if rng.random() < 0.9 else 2}
        if kind == "counter_transfer":
            po = posts.iloc[int(rng.integers(len(posts)))]
            shop = shop_of.get(str(po["commune_code"])) or province_shop
            if shop is None:
                continue
            a, b = (str(po["office_id"]), shop) if rng.random() < 0.5 else (
                shop, str(po["office_id"]))
            jobs.append(Job(f"S{k + 1:04d}", kind, Visit(office_id=a), Visit(office_id=b),
                            **common))
            continue
        ci = int(rng.choice(len(communes), p=weights))
        commune = communes.iloc[ci]
        code = str(commune["commune_code"])
        g = cells.get(code)
        if g is not None and len(g) and g["population"].sum() > 0:
            pw = g["population"].to_numpy(dtype=float)
            cell = g.iloc[int(rng.choice(len(g), p=pw / pw.sum()))]
            # a uniform offset inside the 1 km cell (~0.0045° lat; lon scaled by latitude)
            lat = float(cell.geometry.y) + float(rng.uniform(-0.0045, 0.0045))
            lon = float(cell.geometry.x) + float(rng.uniform(-0.0045, 0.0045)) / np.cos(
                np.radians(lat))
            approximate = False
        else:
            point = points.loc[code]
            lon, lat = float(point["point_lon"]), float(point["point_lat"])
            approximate = True
        windows = WINDOW_SHARES[int(rng.choice(len(WINDOW_SHARES), p=win_p))][0] or ()
        shop = shop_of.get(code) or province_shop
        if shop is None:
            continue
        if kind == "dossier_pickup" and province_shop and code in _city_codes(communes) \
                and rng.random() < 0.3:
            shop = province_shop
        what = "Nhận hồ sơ" if kind == "dossier_pickup" else "Trả kết quả"
        addr = Visit(lon=lon, lat=lat, windows=windows,
                     label=f"{what} — {commune['name']} (mô phỏng)", approximate=approximate,
                     commune_code=code)
        if kind == "dossier_pickup":
            jobs.append(Job(f"S{k + 1:04d}", kind, addr, Visit(office_id=shop), **common))
        else:
            jobs.append(Job(f"S{k + 1:04d}", kind, Visit(office_id=shop), addr, **common))
    return jobs


def _city_codes(communes: pd.DataFrame) -> set[str]:
    district = communes.get("district")
    if district is None:
        return set()
    mask = district.astype(str).str.contains("Kon Tum", case=False, na=False)
    return set(communes.loc[mask, "commune_code"].astype(str))


def default_couriers(offices: pd.DataFrame, n: int = 25, *, profile: str = "motorbike",
                     capacity: int = 40) -> list[Courier]:
    """Spread ``n`` couriers over the post offices (round robin in registry order)."""
    posts = [str(o) for o in offices.loc[offices["kind"] == "post_office", "office_id"]]
    if not posts:
        raise InputError("the office registry has no post_office to start couriers from")
    return [Courier(f"BT{k + 1:02d}", posts[k % len(posts)], profile=profile,
                    capacity=capacity, name=f"Bưu tá {k + 1:02d}") for k in range(n)]


def plan_kontum(settings: Settings, *, jobs_file: str | Path | None = None,
                simulate: int | None = None, plan_date: str, seconds: float = 10.0,
                seed: int = 0, couriers: int = 25, profile: str = "motorbike",
                timings: dict[str, float] | None = None) -> Plan:
    """Plan a Kon Tum day end to end: offices, network, jobs (file or simulated), solve.

    Depots are the registry's post offices; ``couriers`` couriers are spread over them.

    Parameters
    ----------
    settings
        Settings.
    jobs_file
        A jobs .csv/.xlsx (see :mod:`routing.jobs_io`), or None with ``simulate``.
    simulate
        Number of simulated jobs.
    plan_date
        ISO date.
    seconds, seed
        Solver budget and seed (also the simulator's seed).
    couriers
        Number of couriers.
    profile
        Vehicle profile of the network and couriers.
    timings
        Filled with ``network_s``, ``matrix_and_solve_s`` when given.
    """
    from data.offices import default_offices
    from geo.matrix import TravelEngine
    from geo.network import cached_network
    from routing.jobs_io import read_jobs
    from routing.solve import plan_day

    offices = default_offices(settings)
    if jobs_file is not None:
        jobs = read_jobs(jobs_file, settings=settings, office_ids=offices["office_id"])
        provenance = "user"
        if jobs and all(j.source == "simulated" for j in jobs):
            provenance = "simulated"
    elif simulate is not None:
        jobs = simulate_jobs(settings, n_jobs=simulate, plan_date=plan_date, seed=seed,
                             offices=offices)
        provenance = "simulated"
    else:
        raise InputError("give a jobs file or a number of jobs to simulate")
    t0 = time.perf_counter()
    G = cached_network(settings, profile=profile)
    engine = TravelEngine(G)
    t1 = time.perf_counter()
    ps = PlanSettings(seconds=seconds, seed=seed, plan_date=plan_date)
    plan = plan_day(jobs, default_couriers(offices, couriers, profile=profile), offices, G,
                    settings=settings, plan_settings=ps, provenance=provenance,
                    engine=engine)
    t2 = time.perf_counter()
    if timings is not None:
        timings["network_s"] = t1 - t0
        timings["matrix_and_solve_s"] = t2 - t1
        timings["solve_s"] = plan.solve_time_s
    return plan


def kontum_day(settings: Settings, *, n_jobs: int = 200, couriers: int = 25,
               seconds: float = 10.0, seed: int = 0, plan_date: str = "2026-11-25"
               ) -> tuple[Plan, dict[str, float]]:
    """Plan a simulated Kon Tum day for the benchmark; return the plan and its timings."""
    timings: dict[str, float] = {}
    plan = plan_kontum(settings, simulate=n_jobs, plan_date=plan_date, seconds=seconds,
                       seed=seed, couriers=couriers, timings=timings)
    return plan, timings
