"""A study's demand: simulated dossiers for every planned day, split by post-office area.

Built once on the client (it reads the Kon Tum bundle through :mod:`routing.simulate`), then
shipped with the tasks, so workers need the code but not the data. Every job is
``source="simulated"``.

A day's volume is Poisson with mean ``FleetScenario.jobs_per_day`` (seeded by the day);
the jobs come from :func:`routing.simulate.simulate_jobs` (communes by 2019 census
population, addresses in populated WorldPop cells, due dates, closed offices) and are
renamed ``yyyymmdd-S0001`` so ids stay unique over the year. A job belongs to the post
office of its citizen's commune (:func:`routing.study.scenario.office_areas`); a counter
transfer to the post office it visits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from data.calendar import WorkCalendar
from data.settings import Settings
from routing.model import Job
from routing.study.scenario import FleetScenario, derive_seed

#: Registry columns shipped to the tasks (no geometry: a task needs rows, not shapes).
OFFICE_COLUMNS = ("office_id", "name", "kind", "lat", "lon", "commune_code", "opening_hours")


@dataclass(frozen=True)
class Demand:
    """New jobs per post office and day, and the registry rows each office's days need.

    Parameters
    ----------
    jobs
        ``(office_id, day)`` → the jobs received that day in the office's area.
    offices
        ``office_id`` → registry rows (the post office first, then every office its jobs
        visit), as plain dicts with :data:`OFFICE_COLUMNS`.
    per_day
        Day → jobs simulated in the whole province.
    outside
        Jobs simulated in areas not studied (left out).
    """

    jobs: Mapping[tuple[str, dt.date], tuple[Job, ...]]
    offices: Mapping[str, tuple[dict[str, Any], ...]]
    per_day: Mapping[dt.date, int]
    outside: int

    def new_jobs(self, office_id: str, day: dt.date) -> tuple[Job, ...]:
        """Return the jobs received on ``day`` in the area of ``office_id``."""
        return self.jobs.get((office_id, day), ())


def job_office(job: Job, areas: Mapping[str, str], post_ids: Iterable[str]) -> str | None:
    """Return the post office a job belongs to (its citizen's commune's, or the one visited)."""
    posts = set(post_ids)
    for _, visit in job.visits:
        if visit.office_id is not None and visit.office_id in posts:
            return visit.office_id
    for _, visit in job.visits:
        if visit.commune_code is not None:
            return areas.get(str(visit.commune_code))
    return None


def _rows(offices: pd.DataFrame) -> dict[str, dict[str, Any]]:
    cols = [c for c in OFFICE_COLUMNS if c in offices.columns]
    return {str(r["office_id"]): {c: r[c] for c in cols}
            for r in offices[cols].to_dict("records")}


def simulate_demand(settings: Settings, scenario: FleetScenario, *, offices: pd.DataFrame,
                    days: Sequence[dt.date], areas: Mapping[str, str],
                    office_ids: Sequence[str], calendar: WorkCalendar | None = None
                    ) -> Demand:
    """Simulate every planned day's jobs and split them by post-office area.

    Parameters
    ----------
    settings
        Where the bundle is.
    scenario
        Volume and seed.
    offices
        The office registry.
    days
        The planned days (all blocks).
    areas
        ``commune_code`` → post office (:func:`routing.study.scenario.office_areas`).
    office_ids
        The post offices studied.
    calendar
        Holidays and exceptions.
    """
    from routing.simulate import simulate_jobs

    rows = _rows(offices)
    posts = [str(o) for o in offices.loc[offices["kind"] == "post_office", "office_id"]]
    studied = set(office_ids)
    jobs: dict[tuple[str, dt.date], list[Job]] = {}
    used: dict[str, dict[str, None]] = {o: {o: None} for o in office_ids}
    per_day: dict[dt.date, int] = {}
    outside = 0
    for day in sorted(set(days)):
        rng = np.random.default_rng(derive_seed(scenario.seed, "volume", day.toordinal()))
        n = int(rng.poisson(scenario.jobs_per_day)) if scenario.jobs_per_day > 0 else 0
        drawn = simulate_jobs(settings, n_jobs=n, plan_date=day.isoformat(),
                              seed=derive_seed(scenario.seed, "jobs", day.toordinal()),
                              offices=offices, calendar=calendar)
        per_day[day] = len(drawn)
        for job in drawn:
            office = job_office(job, areas, posts)
            if office is None or office not in studied:
                outside += 1
                continue
            job = dataclasses.replace(job, job_id=f"{day:%Y%m%d}-{job.job_id}")
            jobs.setdefault((office, day), []).append(job)
            for _, visit in job.visits:
                if visit.office_id is not None:
                    used[office].setdefault(visit.office_id, None)
    return Demand(jobs={k: tuple(v) for k, v in jobs.items()},
                  offices={o: tuple(rows[i] for i in ids if i in rows)
                           for o, ids in used.items()},
                  per_day=per_day, outside=outside)


__all__ = ["OFFICE_COLUMNS", "Demand", "job_office", "simulate_demand"]
