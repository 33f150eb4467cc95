"""Capacity study and siting sweeps on Dask distributed (issue 13 §4).

Laid out as scenario → tasks → engine → results (every name importable from here):

- :mod:`routing.study.scenario` — what a study asks (:class:`FleetScenario`,
  :class:`SitingSweep`), working days, sampled blocks, fleet levels and their allocation,
  post-office areas; pure.
- :mod:`routing.study.demand` — simulated dossiers per planned day and office area (client).
- :mod:`routing.study.tasks` — pure tasks a worker runs: one office-day
  (:func:`run_office_day`, carry-over by :mod:`routing.carryover`) or one siting case.
- :mod:`routing.study.engine` — the Dask client (LocalCluster or a scheduler address),
  :func:`run_fleet`, :func:`run_siting`.
- :mod:`routing.study.results` — curves, fleet levels, recommended roster; siting rows.
- :mod:`routing.study.commands` — ``postplan study fleet|siting``.
"""

from routing.study.demand import Demand, job_office, simulate_demand
from routing.study.engine import (
    WORKER_FIX,
    check_workers,
    default_workers,
    open_client,
    run_fleet,
    run_siting,
)
from routing.study.results import (
    CurvePoint,
    FleetResult,
    LevelPoint,
    Recommendation,
    SitingSweepResult,
    Totals,
    fleet_result,
)
from routing.study.scenario import (
    DEFAULT_TARGET,
    REGULAR_WORK_S,
    FleetScenario,
    SitingSweep,
    allocate,
    area_weights,
    derive_seed,
    office_areas,
    parse_levels,
    sample_blocks,
    study_days,
)
from routing.study.tasks import (
    DayMetrics,
    DayResult,
    DayTask,
    SitingCase,
    run_office_day,
    solve_siting_case,
)

__all__ = [
    "DEFAULT_TARGET",
    "REGULAR_WORK_S",
    "WORKER_FIX",
    "CurvePoint",
    "DayMetrics",
    "DayResult",
    "DayTask",
    "Demand",
    "FleetResult",
    "FleetScenario",
    "LevelPoint",
    "Recommendation",
    "SitingCase",
    "SitingSweep",
    "SitingSweepResult",
    "Totals",
    "allocate",
    "area_weights",
    "check_workers",
    "default_workers",
    "derive_seed",
    "fleet_result",
    "job_office",
    "office_areas",
    "open_client",
    "parse_levels",
    "run_fleet",
    "run_office_day",
    "run_siting",
    "sample_blocks",
    "simulate_demand",
    "solve_siting_case",
    "study_days",
]
