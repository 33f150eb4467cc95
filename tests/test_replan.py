"""Tests of re-planning a day in progress (routing.replan)."""

from __future__ import annotations

import numpy as np
import pytest

from data.errors import InputError
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
