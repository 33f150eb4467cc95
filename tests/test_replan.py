"""Tests of re-planning a day in progress (routing.replan)."""

from __future__ import annotations

import numpy as np
import pytest

from data.budget import Clock, Progress
from data.errors import CancelledError, InputError
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings, hm
from routing.replan import replan
from routing.result import Plan
from routing.solve import solve_matrix


def euclid(problem: PlanningProblem) -> tuple[np.ndarray, np.ndarray]:
    xy = np.array([[p.lon, p.lat] for p in problem.places()], dtype=float)
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    return d / 10.0, d


def day() -> tuple[PlanningProblem, Plan]:
    p = PlanningProblem(PlanSettings(seconds=0.5, seed=1))
    p.add_office(Office("PO", "Bưu điện", 0.0, 0.0))
    p.add_office(Office("SHOP", "Một cửa", 4000.0, 0.0, kind="one_stop_shop"))
    p.add_courier(Courier("C1", "PO"))
    p.add_courier(Courier("C2", "PO"))
    rng = np.random.default_rng(3)
    for k in range(6):
        x, y = rng.uniform(-6000, 6000, 2)
        p.add_job(Job.dossier_pickup(f"D{k}", x, y, "SHOP"))
    for k in range(4):
        x, y = rng.uniform(-6000, 6000, 2)
        p.add_job(Job.plain_delivery(f"V{k}", x, y))
    t, d = euclid(p)
    return p, solve_matrix(p, t, d)


def test_done_stops_kept_and_carried_pairs_stay_with_their_courier():
    """Stops done by the re-plan time stay first and unchanged; a carried pair stays put."""
    p, plan = day()
    assert plan.jobs_assigned == 10
    # pick a time just after some route's first pickup
    route = next(r for r in plan.routes if any(s.kind == "pickup" for s in r.job_stops))
    first_pickup = next(s for s in route.job_stops if s.kind == "pickup")
    now = first_pickup.departure_s
    new = replan(plan, p, now_s=now, matrix_fn=euclid,
                 new_jobs=[Job.plain_delivery("NEW", 1000.0, 1000.0)])
    again = new.route(route.courier_id)
    done = [s for s in again.stops if s.status == "done"]
    old_done = [s for s in route.job_stops if s.departure_s <= now]
    assert [(s.job_id, s.kind, s.start_s) for s in done] == [
        (s.job_id, s.kind, s.start_s) for s in old_done]
    # the carried dossier is delivered later by the same courier, nobody else
    carried = first_pickup.job_id
    deliveries = [(r.courier_id, s) for r in new.routes for s in r.job_stops
                  if s.job_id == carried and s.kind != "pickup"]
    assert len(deliveries) == 1
    assert deliveries[0][0] == route.courier_id and deliveries[0][1].start_s >= now
    # nothing new happens before now; the new job is planned
    for r in new.routes:
        for s in r.job_stops:
            if s.status != "done":
                assert s.start_s >= now
    assert new.jobs_total == 11
    assert new.jobs_assigned == 11
    assert any("NEW" in r.job_ids for r in new.routes)


def test_locked_route_is_unchanged():
    """A locked courier keeps its remaining stops in the same order and times."""
    p, plan = day()
    locked = plan.routes[0]
    new = replan(plan, p, now_s=hm("07:00"), matrix_fn=euclid, locked=[locked.courier_id],
                 new_jobs=[Job.plain_delivery("NEW", -500.0, 200.0)])
    again = new.route(locked.courier_id)
    assert again.locked
    assert [(s.job_id, s.kind, s.start_s) for s in again.stops] == [
        (s.job_id, s.kind, s.start_s) for s in locked.stops]
    assert "NEW" not in again.job_ids


def test_cancelled_job_dropped_and_same_result_type():
    """A cancelled job disappears; re-plan returns a Plan that round-trips through JSON."""
    p, plan = day()
    new = replan(plan, p, now_s=hm("07:00"), matrix_fn=euclid, cancelled=["V0"])
    assert isinstance(new, Plan)
    assert all("V0" not in r.job_ids for r in new.routes)
    assert new.jobs_total == 9
    assert Plan.from_json(new.to_json()) == new


def test_courier_starts_from_given_position():
    """A courier with a given position starts its new route there."""
    p, plan = day()
    cid = plan.routes[0].courier_id
    now = plan.routes[0].job_stops[0].departure_s
    new = replan(plan, p, now_s=now, matrix_fn=euclid, positions={cid: (2500.0, -2500.0)})
    r = new.route(cid)
    first_new = next(s for s in r.job_stops if s.status != "done")
    assert first_new.arrival_s >= now
    assert first_new.leg_length_m == pytest.approx(
        np.hypot(first_new.lon - 2500.0, first_new.lat + 2500.0))


def test_unknown_names_rejected():
    """Unknown locked couriers and cancelled jobs are input errors, all reported."""
    p, plan = day()
    with pytest.raises(InputError, match=r"(?s)locked courier 'X'.*cancelled job 'Y'"):
        replan(plan, p, now_s=0, matrix_fn=euclid, locked=["X"], cancelled=["Y"])


def _after_first_pickup(plan: Plan) -> tuple[str, int]:
    route = next(r for r in plan.routes if any(s.kind == "pickup" for s in r.job_stops))
    first = next(s for s in route.job_stops if s.kind == "pickup")
    return route.courier_id, first.departure_s


def test_replanned_plan_carries_the_day_and_replans_again():
    """A re-plan records its time and the day's problem; a second re-plan needs nothing else."""
    from routing.problem_io import problem_of

    p, plan = day()
    _, now = _after_first_pickup(plan)
    new = replan(plan, p, now_s=now, matrix_fn=euclid, cancelled=["V1"],
                 new_jobs=[Job.plain_delivery("NEW", 1000.0, 1000.0)])
    assert new.replanned_at_s == now
    day_problem, _ = problem_of(new)
    assert "NEW" in day_problem.jobs and "V1" not in day_problem.jobs
    assert day_problem.couriers["C1"].start_lon is None  # the day's couriers, not "now"
    later = now + 1800
    again = replan(Plan.from_json(new.to_json()), now_s=later, matrix_fn=euclid)
    assert again.replanned_at_s == later
    kept = {(s.job_id, s.kind) for r in new.routes for s in r.job_stops if s.status == "done"}
    still = {(s.job_id, s.kind) for r in again.routes for s in r.job_stops
             if s.status == "done"}
    assert kept <= still
    assert again.jobs_total == new.jobs_total == 10


def test_edit_after_replan_keeps_done_stops_and_the_clock():
    """Moving a remaining stop of a re-planned plan leaves done stops and starts after now."""
    from routing.edit import move_stop, plan_refs
    from routing.problem_io import problem_of

    p, plan = day()
    cid, now = _after_first_pickup(plan)
    new = replan(plan, p, now_s=now, matrix_fn=euclid)
    problem, _ = problem_of(new)
    t, d = euclid(problem)
    refs = plan_refs(problem, new)
    other = next(c for c in refs if c != cid)
    ref = next(r for seq in refs.values() for r in seq if r[1] == "delivery"
               and problem.jobs[r[0]].pickup is None)
    edited, _ = move_stop(problem, new, ref, other, 1, t, d)
    done_before = [(r.courier_id, s) for r in new.routes for s in r.job_stops
                   if s.status == "done"]
    done_after = [(r.courier_id, s) for r in edited.routes for s in r.job_stops
                  if s.status == "done"]
    assert done_after == done_before
    assert ref in plan_refs(problem, edited)[other]
    assert all(s.start_s >= now for r in edited.routes for s in r.job_stops
               if s.status != "done")


def test_edit_refuses_to_move_a_done_stop():
    """A stop already done cannot be moved: the error says so in both languages."""
    from routing.edit import move_stop
    from routing.problem_io import problem_of

    p, plan = day()
    cid, now = _after_first_pickup(plan)
    new = replan(plan, p, now_s=now, matrix_fn=euclid)
    problem, _ = problem_of(new)
    t, d = euclid(problem)
    done = next(s for s in new.route(cid).job_stops if s.status == "done")
    with pytest.raises(InputError, match=r"đã làm xong.*already done"):
        move_stop(problem, new, (done.job_id, done.kind), cid, 1, t, d)


def test_done_override_and_delivery_without_pickup():
    """A reported stop overrides the clock; a delivery done before its pickup is refused."""
    p, plan = day()
    cid, now = _after_first_pickup(plan)
    first = next(s for s in plan.route(cid).job_stops if s.kind == "pickup")
    new = replan(plan, p, now_s=now, matrix_fn=euclid,
                 done={(first.job_id, "pickup"): False})
    assert all(s.status != "done" for r in new.routes for s in r.job_stops
               if s.job_id == first.job_id)
    with pytest.raises(InputError, match=rf"job {first.job_id}: its delivery is marked done"):
        replan(plan, p, now_s=now, matrix_fn=euclid,
               done={(first.job_id, "pickup"): False, (first.job_id, "delivery"): True})


def test_plan_without_problem_cannot_be_replanned():
    """A plan saved before plans carried their problem gets an error naming the fix."""
    import dataclasses

    _, plan = day()
    old = dataclasses.replace(plan, problem=None)
    with pytest.raises(InputError, match="plan the day again"):
        replan(old, now_s=hm("10:00"), matrix_fn=euclid)


def test_replan_on_a_clock_times_its_matrix_and_stays_within_the_limit():
    """With the action's clock the re-plan's matrix and solver phases are timed on it and
    the whole call ends within its limit; a cancelled clock re-plans nothing."""
    p, plan = day()
    clock = Clock(8.0)
    new = replan(plan, p, now_s=hm("10:00"), matrix_fn=euclid, seconds=60.0, clock=clock)
    assert clock.elapsed() < 8.0
    timings = dict(new.timings)
    assert list(timings)[:3] == ["matrix", "solve", "repair"] and "total" in timings
    assert new.seconds < 8.0
    progress = Progress()
    progress.cancel()
    with pytest.raises(CancelledError):
        replan(plan, p, now_s=hm("10:00"), matrix_fn=euclid, clock=Clock(progress=progress))
