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
- Closed days: only offices open on the plan date (``data.calendar``: opening hours,
  public holidays, exceptions) receive or send dossiers; on a Sunday or a public holiday
  the simulator produces no jobs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data.budget import Clock
from data.calendar import WorkCalendar, offices_on
from data.errors import InputError, Problem
from data.hours import hm
from data.settings import Settings
from data.vehicles import DEFAULT_PROFILE
from routing.model import Courier, Job, PlanSettings, Visit
from routing.result import Plan
from routing.workday import couriers_by_count, couriers_from_roster, working_day

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
                  seed: int = 0, offices: pd.DataFrame | None = None,
                  calendar: WorkCalendar | None = None) -> list[Job]:
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
    calendar
        Holidays and exceptions (default: Vietnam's public holidays).

    Returns
    -------
    list of Job
        Empty on a day every one-stop shop is closed (Sunday, public holiday).
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
    is_open = [not od.closed for od in offices_on(offs, day, calendar)]
    offs = offs[is_open]
    shops = offs[offs["kind"] == "one_stop_shop"]
    posts = offs[offs["kind"] == "post_office"]
    if shops.empty:
        return []
    shop_of = {str(c): str(o) for c, o in zip(shops["commune_code"], shops["office_id"],
                                               strict=False)
               if not str(o).startswith("oss-province")}
    province_shop = next((str(o) for o in shops["office_id"] if str(o) == "oss-province"),
                         None)
    weights = communes["population"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    grid = grid[grid["population"] >= MIN_CELL_POPULATION]
    # plain arrays per commune: drawing from them is the same draw, without pandas rows
    gx, gy = grid.geometry.x.to_numpy(), grid.geometry.y.to_numpy()
    gp = grid["population"].to_numpy(dtype=float)
    cells = {str(code): (gx[at], gy[at], gp[at])
             for code, at in grid.groupby("commune_code").indices.items()}
    codes = communes["commune_code"].astype(str).to_numpy()
    names = communes["name"].astype(str).to_numpy()
    city = _city_codes(communes)
    kinds = list(KIND_SHARES)
    kind_p = np.array([KIND_SHARES[k] for k in kinds])
    win_p = np.array([w for _, w in WINDOW_SHARES])
    jobs: list[Job] = []
    for k in range(n_jobs):
        kind = kinds[rng.choice(len(kinds), p=kind_p / kind_p.sum())]
        priority = int(rng.choice(3, p=PRIORITY_SHARES)) + 1
        due = day if priority > 1 else day + timedelta(days=int(rng.integers(0, 4)))
        common: dict[str, Any] = {"priority": priority, "due_date": due.isoformat(),
                                  "received_date": day.isoformat(),
                                  "source": "simulated",
                                  "amount": 1 if rng.random() < 0.9 else 2}
        if kind == "counter_transfer":
            if posts.empty:
                continue
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
        code = str(codes[ci])
        g = cells.get(code)
        if g is not None and len(g[2]) and g[2].sum() > 0:
            xs, ys, pw = g
            at = int(rng.choice(len(pw), p=pw / pw.sum()))
            # a uniform offset inside the 1 km cell (~0.0045° lat; lon scaled by latitude)
            lat = float(ys[at]) + float(rng.uniform(-0.0045, 0.0045))
            lon = float(xs[at]) + float(rng.uniform(-0.0045, 0.0045)) / np.cos(
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
        if kind == "dossier_pickup" and province_shop and code in city \
                and rng.random() < 0.3:
            shop = province_shop
        what = "Nhận hồ sơ" if kind == "dossier_pickup" else "Trả kết quả"
        addr = Visit(lon=lon, lat=lat, windows=windows,
                     label=f"{what} — {names[ci]} (mô phỏng)", approximate=approximate,
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


def default_couriers(offices: pd.DataFrame, n: int = 25, *, profile: str = DEFAULT_PROFILE,
                     capacity: int = 40) -> list[Courier]:
    """Spread ``n`` couriers over the post offices (``routing.workday.couriers_by_count``)."""
    posts = [str(o) for o in offices.loc[offices["kind"] == "post_office", "office_id"]]
    if not posts:
        raise InputError("the office registry has no post_office to start couriers from")
    return couriers_by_count(posts, n, profile=profile, capacity=capacity)


def plan_kontum(settings: Settings, *, jobs_file: str | Path | None = None,
                simulate: int | None = None, plan_date: str, seconds: float = 10.0,
                seed: int = 0, couriers: int = 25, profile: str = DEFAULT_PROFILE,
                timings: dict[str, float] | None = None, roster: pd.DataFrame | None = None,
                offices: pd.DataFrame | None = None, calendar: WorkCalendar | None = None,
                iterations: int | None = None, clock: Clock | None = None,
                positions: pd.DataFrame | None = None) -> Plan:
    """Plan a Kon Tum day end to end: offices, network, jobs (file or simulated), solve.

    Couriers are the roster's couriers on duty that day (``data.roster.on_duty``), or
    ``couriers`` couriers spread over the registry's post offices. The day goes through
    ``routing.workday.working_day``: offices closed that day (Sunday, public holiday,
    exception) start no courier and their jobs are left out with the plain reason; when no
    courier can start, an ``InputError`` says which office is closed and why.

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
        Number of couriers (without a roster).
    profile
        Vehicle profile of the network and couriers (``data.vehicles.PROFILE_NAMES``).
    timings
        Filled with ``network_s``, ``matrix_and_solve_s`` when given.
    roster
        A roster (``data.roster.read_roster``); its couriers on duty plan the day.
    offices
        Office registry (default ``data.offices.default_offices``).
    calendar
        Holidays and exceptions (default: Vietnam's public holidays).
    iterations
        Solver iteration budget (reproducible plans), or None.
    clock
        The command's :class:`~data.budget.Clock`: phases ``jobs``, ``network`` here,
        ``matrix`` and the solver's downstream; with a limit the solver gets what is left.
        The plan's ``timings`` are the clock's at the end.
    positions
        Observed positions per address (``data.stop_reports.observed_positions``): jobs
        placed approximately at a commune point take them (:func:`routing.placement.place_jobs`,
        the one rule the app uses too); the plan's notes say how many.
    """
    from data.offices import default_offices
    from data.roster import on_duty
    from geo.matrix import TravelEngine
    from geo.network import cached_network
    from routing.adapter import plan_day
    from routing.jobs_io import read_jobs

    day = date.fromisoformat(plan_date)
    clock = clock if clock is not None else Clock()
    offices = default_offices(settings) if offices is None else offices
    with clock.phase("jobs"):
        if jobs_file is not None:
            jobs = read_jobs(jobs_file, settings=settings, office_ids=offices["office_id"])
            provenance = "user"
            if jobs and all(j.source == "simulated" for j in jobs):
                provenance = "simulated"
        elif simulate is not None:
            jobs = simulate_jobs(settings, n_jobs=simulate, plan_date=plan_date, seed=seed,
                                 offices=offices, calendar=calendar)
            provenance = "simulated"
        else:
            raise InputError("give a jobs file or a number of jobs to simulate")
    absent_notes: list[str] = []
    if positions is not None and len(positions):
        from routing.placement import place_jobs

        placed = place_jobs(jobs, positions)
        jobs = list(placed.jobs)
        absent_notes.append(placed.summary())
    if roster is not None:
        duty = on_duty(roster, day, offices=offices, calendar=calendar)
        if duty.on_duty.empty:
            raise InputError([Problem(f"{r['name']} ({r['courier_id']}): {r['why_en']}",
                                      message_vi=f"{r['name']} ({r['courier_id']}): "
                                                 f"{r['why_vi']}")
                              for r in duty.absent.to_dict("records")],
                             summary=f"Không bưu tá nào làm việc ngày {day:%d/%m/%Y}. / "
                                     f"No courier is on duty on {day:%d/%m/%Y}.")
        crew = couriers_from_roster(duty.on_duty, profile=profile)
        absent_notes = duty.summary("vi").splitlines()[1:]
    else:
        crew = default_couriers(offices, couriers, profile=profile)
    wd = working_day(offices, jobs, crew, day, provenance=provenance, calendar=calendar,
                     plan_settings=PlanSettings(seconds=seconds, seed=seed,
                                                plan_date=plan_date, iterations=iterations))
    t0 = time.perf_counter()
    with clock.phase("network"):
        G = cached_network(settings, profile=profile)
        engine = TravelEngine(G)
    t1 = time.perf_counter()
    p = wd.problem
    plan = wd.complete(plan_day(list(p.jobs.values()), list(p.couriers.values()),
                                list(p.offices.values()), G, plan_settings=p.settings,
                                provenance=provenance, engine=engine, clock=clock,
                                max_memory_bytes=(None if settings.max_memory_mb is None
                                                  else settings.max_memory_mb * 2**20)))
    if absent_notes:
        plan = replace(plan, notes=(*plan.notes, *absent_notes))
    plan = replace(plan, timings=tuple(clock.as_dict().items()))
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
