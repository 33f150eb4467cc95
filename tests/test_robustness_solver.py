"""The route solver never crashes on degenerate days: it plans, or reports why it cannot."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness import check_problems

from data.errors import InputError
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings
from routing.reasons import REASON_CODES
from routing.result import Plan
from routing.solve import solve_matrix

# Kon Tum city post office and the Đắk Tô post office (positions from the bundled registry).
KONTUM = Office("PO-KT", "Bưu điện tỉnh Kon Tum", 108.0005, 14.3497)
DAKTO = Office("PO-DT", "Bưu điện Đắk Tô", 107.8307, 14.6936)
SHOP = Office("SHOP", "Bộ phận một cửa phường Quyết Thắng", 108.0049, 14.3541,
              kind="one_stop_shop")
SPEED_MPS = 30 / 3.6  # 30 km/h, straight-line legs (the solver's core door takes any matrix)


def matrices(problem: PlanningProblem, island: set[int] = frozenset()  # type: ignore[assignment]
             ) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line lengths and times; places in ``island`` are cut off from the rest."""
    places = problem.places()
    lon = np.array([p.lon for p in places])
    lat = np.array([p.lat for p in places])
    kx = 111_320 * math.cos(math.radians(14.5))
    d = np.hypot((lon[:, None] - lon[None, :]) * kx, (lat[:, None] - lat[None, :]) * 110_574)
    t = d / SPEED_MPS
    for i in range(len(places)):
        for j in range(len(places)):
            if (i in island) != (j in island):
                d[i, j] = t[i, j] = np.inf
    return t, d


def check_plan(plan: Plan, problem: PlanningProblem) -> None:
    """Every job is served exactly once or unassigned with a known reason."""
    served = [j for r in plan.routes for j in r.job_ids]
    unassigned = [u.job_id for u in plan.unassigned]
    assert sorted(served + unassigned) == sorted(problem.jobs)
    assert {u.code for u in plan.unassigned} <= set(REASON_CODES)
    assert plan.jobs_total == len(problem.jobs)


def problem_with(jobs: list[Job], couriers: int = 1, **settings_: object) -> PlanningProblem:
    p = PlanningProblem(PlanSettings(seconds=0.3, seed=1, **settings_))  # type: ignore[arg-type]
    p.add_offices([KONTUM, DAKTO, SHOP])
    for i in range(couriers):
        p.add_courier(Courier(f"C{i + 1}", KONTUM.office_id if i % 2 == 0 else DAKTO.office_id))
    p.add_jobs(jobs)
    return p


def test_zero_couriers_is_an_input_error() -> None:
    """A day without couriers is reported, not solved or crashed."""
    p = problem_with([Job.plain_delivery("J1", 108.01, 14.36)], couriers=0)
    with pytest.raises(InputError, match="no courier"):
        solve_matrix(p, *matrices(p))


def test_no_jobs_gives_an_empty_plan() -> None:
    """A day without jobs is a plan with no routes."""
    p = problem_with([])
    plan = solve_matrix(p, *matrices(p))
    assert plan.routes == () and plan.unassigned == ()


def test_all_jobs_at_one_place() -> None:
    """Twelve jobs at the same coordinates (one commune point) are all served."""
    jobs = [Job.plain_delivery(f"J{i}", 108.012, 14.356, approximate=True) for i in range(12)]
    p = problem_with(jobs)
    plan = solve_matrix(p, *matrices(p))
    check_plan(plan, p)
    assert plan.jobs_assigned == 12


def test_window_that_closes_before_it_opens_is_reported() -> None:
    """A reversed window is an InputError naming the job and its column."""
    p = problem_with([Job.plain_delivery("J1", 108.01, 14.36, windows=[(40000, 30000)])])
    with pytest.raises(InputError, match="J1: delivery window closes before it opens") as err:
        solve_matrix(p, *matrices(p))
    assert err.value.problems[0].column == "delivery_windows"


def test_disconnected_places_are_unassigned_as_unreachable() -> None:
    """Jobs on a piece of network cut off from every office are 'unreachable', others served."""
    jobs = [Job.plain_delivery("NEAR", 108.01, 14.36),
            Job.dossier_pickup("FAR", 107.70, 14.90, SHOP.office_id)]
    p = problem_with(jobs)
    index = p.place_index()
    plan = solve_matrix(p, *matrices(p, island={index["job:FAR:pickup"]}))
    check_plan(plan, p)
    assert [(u.job_id, u.code) for u in plan.unassigned] == [("FAR", "unreachable")]


def test_nan_in_matrix_is_an_input_error() -> None:
    """A NaN travel time is rejected with a fix (use inf for unreachable)."""
    p = problem_with([Job.plain_delivery("J1", 108.01, 14.36)])
    t, d = matrices(p)
    t[0, 3] = np.nan
    with pytest.raises(InputError, match=r"use np\.inf for unreachable"):
        solve_matrix(p, t, d)


WINDOW = st.tuples(st.integers(0, 24 * 3600), st.integers(0, 24 * 3600))


@st.composite
def days(draw: st.DrawFn) -> tuple[PlanningProblem, set[int]]:
    """Small random days: duplicate points, odd windows, huge amounts, 0–3 couriers."""
    spots = draw(st.lists(st.tuples(st.floats(107.6, 108.3), st.floats(14.0, 15.0)),
                          min_size=1, max_size=3))
    jobs = []
    for i in range(draw(st.integers(0, 6))):
        lon, lat = draw(st.sampled_from(spots))
        windows = draw(st.lists(WINDOW, max_size=2))
        amount = draw(st.sampled_from([0, 1, 1, 5, 1000]))
        priority = draw(st.sampled_from([1, 2, 3]))
        kind = draw(st.sampled_from(["delivery", "pickup", "dossier", "result", "counter"]))
        if kind == "delivery":
            jobs.append(Job.plain_delivery(f"J{i}", lon, lat, windows=windows, amount=amount,
                                           priority=priority))
        elif kind == "pickup":
            jobs.append(Job.plain_pickup(f"J{i}", lon, lat, windows=windows, amount=amount,
                                         priority=priority))
        elif kind == "dossier":
            jobs.append(Job.dossier_pickup(f"J{i}", lon, lat, SHOP.office_id, windows=windows,
                                           amount=amount, priority=priority))
        elif kind == "result":
            jobs.append(Job.result_delivery(f"J{i}", SHOP.office_id, lon, lat, windows=windows,
                                            amount=amount, priority=priority))
        else:
            jobs.append(Job.counter_transfer(f"J{i}", DAKTO.office_id, SHOP.office_id,
                                             amount=amount))
    p = problem_with(jobs, couriers=draw(st.integers(0, 3)))
    n = len(p.places())
    island = set(draw(st.lists(st.integers(0, n - 1), max_size=2)))
    return p, island


@settings(max_examples=25, deadline=None)
@given(day=days())
def test_random_degenerate_days_plan_or_report(day: tuple[PlanningProblem, set[int]]) -> None:
    """Random small days give a plan that accounts for every job, or an InputError."""
    problem, island = day
    try:
        plan = solve_matrix(problem, *matrices(problem, island), seconds=0.1)
    except InputError as exc:
        check_problems(exc)
        return
    check_plan(plan, problem)
    assert Plan.from_json(plan.to_json()) == plan
