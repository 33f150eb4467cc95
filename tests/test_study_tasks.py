"""A study's tasks (routing.study.tasks) run directly: carry-over, closed days, failures."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from routing.study import DayTask, FleetScenario, derive_seed, run_office_day, simulate_demand
from routing.study.tasks import _failures

OFFICE = "po-23401"  # Bưu cục Đắk Tô
MON, TUE, SAT = dt.date(2027, 3, 1), dt.date(2027, 3, 2), dt.date(2027, 3, 6)


@pytest.fixture(scope="module")
def demand(settings):
    from data.commune_points import load_commune_points
    from data.layers import load_communes
    from data.offices import default_offices
    from routing.study import office_areas

    offices = default_offices(settings)
    areas = office_areas(offices[offices["kind"] == "post_office"], load_communes(settings),
                         load_commune_points(settings))
    scenario = FleetScenario(start=MON, days=2, levels=(1,), jobs_per_day=60, seed=3)
    return simulate_demand(settings, scenario, offices=offices, days=[MON, TUE], areas=areas,
                           office_ids=[OFFICE])


def task(demand, day: dt.date, *, couriers: int = 1, fail_rate: float = 0.0) -> DayTask:
    return DayTask(office_id=OFFICE, couriers=couriers, day=day, block=0, index=0,
                   offices=demand.offices[OFFICE], new_jobs=demand.new_jobs(OFFICE, day),
                   calendar=None, seconds=30.0, iterations=150,
                   seed=derive_seed(3, "solve", OFFICE, day.toordinal()), profile="motorbike",
                   capacity=40, regular_work_s=8 * 3600, fail_rate=fail_rate,
                   fail_seed=derive_seed(3, "fail"))


def test_demand_is_simulated_renamed_by_day_and_in_the_office_area(demand):
    """Ids carry the day; the office's rows come first; every job is labelled simulated."""
    jobs = demand.new_jobs(OFFICE, MON)
    assert jobs and all(j.job_id.startswith("20270301-S") for j in jobs)
    assert {j.source for j in jobs} == {"simulated"}
    assert demand.offices[OFFICE][0]["office_id"] == OFFICE
    assert sum(demand.per_day.values()) == len(demand.new_jobs(OFFICE, MON)) + len(
        demand.new_jobs(OFFICE, TUE)) + demand.outside


def test_two_days_carry_every_unfinished_job_and_lose_none(demand, proxy_network):
    """Day 2 lists day 1's left jobs first; every listed job ends done or left, once."""
    first = run_office_day(task(demand, MON, fail_rate=0.3), None, proxy_network)
    m = first.metrics
    assert m.listed == m.new == len(demand.new_jobs(OFFICE, MON)) and m.carried == 0
    assert m.done + m.left == m.listed and m.left == len(first.left) and m.failed >= 1
    assert m.on_time + m.late <= m.done and m.stopped_by == "iterations"
    second = run_office_day(task(demand, TUE, fail_rate=0.3), first, proxy_network)
    assert second.metrics.carried == m.left
    assert second.metrics.listed == m.left + len(demand.new_jobs(OFFICE, TUE))
    again = run_office_day(task(demand, MON, fail_rate=0.3), None, proxy_network)
    assert again == first  # same inputs and seed, same result (wall times aside)


def test_closed_day_carries_everything_with_the_plain_reason(demand, proxy_network):
    """On a Saturday (offices Mon–Fri) nothing is planned; the list goes on, office_closed."""
    jobs = demand.new_jobs(OFFICE, MON)
    out = run_office_day(dataclasses.replace(task(demand, SAT), new_jobs=jobs), None,
                         proxy_network)
    assert out.metrics.routes == 0 and out.metrics.done == 0 and out.metrics.listed > 0
    assert [p.job_id for p in out.left] == [j.job_id for j in jobs]
    assert {(a.day, a.outcome, a.reason) for p in out.left for a in p.attempts} == {
        (SAT, "unserved", "office_closed")}


def test_failure_draws_are_per_job_and_day():
    """A job's failure does not depend on which other jobs were served; rate 0 fails none."""
    ids = [f"j{i}" for i in range(40)]
    both = _failures(ids, MON, 0.5, 7)
    alone = {j: _failures([j], MON, 0.5, 7).get(j) for j in ids}
    assert both == {j: r for j, r in alone.items() if r is not None}
    assert 0 < len(both) < 40
    assert _failures(ids, MON, 0.0, 7) == {}
    assert _failures(ids, TUE, 0.5, 7) != both
