"""Closing a day (routing.dayclose) and progress from outcomes (routing.progress), on a toy
plan with exact answers; the re-plan from the reports."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from test_solve import base, matrices

from data.outcomes import VN_TZ, Outcome
from routing.carryover import Attempt, PendingJob
from routing.dayclose import DaySummary, close_plan_day, pending_from_dicts, pending_to_dict
from routing.model import Courier, Job, hm
from routing.progress import day_progress, replan_inputs
from routing.replan import replan
from routing.result import Plan
from routing.solve import solve_matrix

DAY = dt.date(2026, 11, 25)
YESTERDAY = dt.date(2026, 11, 24)


def _jobs() -> list[Job]:
    """Three deliveries, a dossier pair and one job no courier can reach in time."""
    return [
        Job.plain_delivery("V1", 500.0, 0.0, service_s=60, due_date="2026-11-25"),
        Job.plain_delivery("V2", 800.0, 300.0, service_s=60),
        Job.plain_delivery("Y", 900.0, -300.0, service_s=60, due_date="2026-11-20"),
        Job.dossier_pickup("D1", 1000.0, 500.0, "SHOP", service_s=60,
                           due_date="2026-11-26"),
        Job.plain_delivery("NIGHT", 300.0, 300.0, service_s=60,
                           windows=[(hm("20:00"), hm("21:00"))]),
    ]


@pytest.fixture(scope="module")
def planned() -> tuple[Plan, object]:
    """The toy day planned for one courier (all but NIGHT served)."""
    p = base(plan_date=DAY.isoformat())
    p.add_courier(Courier("C1", "PO", capacity=10, shift=(hm("07:00"), hm("17:00"))))
    for j in _jobs():
        p.add_job(j)
    t, d = matrices(p)
    plan = solve_matrix(p, t, d, seed=1)
    assert {j for r in plan.routes for j in r.job_ids} == {"V1", "V2", "Y", "D1"}
    return plan, p


def tap(plan: Plan, job_id: str, role: str, status: str = "done", reason: str | None = None,
        *, late_s: int = 0, lonlat: tuple[float, float] | None = None) -> Outcome:
    """A report of a stop of the plan, at its planned departure plus ``late_s``."""
    stop = next(s for r in plan.routes for s in r.job_stops
                if s.job_id == job_id and s.kind == role)
    at = dt.datetime.combine(DAY, dt.time(), VN_TZ) + dt.timedelta(
        seconds=stop.departure_s + late_s)
    return Outcome(outcome_id=str(uuid.uuid4()), plan_id=1, plan_version=1, plan_date=DAY,
                   courier_id="C1", job_id=job_id, role=role, status=status, reason=reason,
                   at=at, office_id="PO", lat=lonlat[1] if lonlat else None,
                   lon=lonlat[0] if lonlat else None)


def test_close_decides_every_job_and_carries_history(planned: tuple[Plan, object]) -> None:
    """Done, failed, unserved (plan's reason, not reported, not planned); third failure flags."""
    plan, _ = planned
    y = next(j for j in _jobs() if j.job_id == "Y")
    old = Job.plain_delivery("OLD", 1.0, 1.0, due_date="2026-11-23")
    carried = (PendingJob(y, dt.date(2026, 11, 20), (
                   Attempt(dt.date(2026, 11, 20), "failed", "not_home"),
                   Attempt(YESTERDAY, "failed", "wrong_address"))),
               PendingJob(old, YESTERDAY, (Attempt(YESTERDAY, "unserved", "no_room"),)))
    reports = [tap(plan, "V1", "visit"),
               tap(plan, "V2", "visit", "failed", "not_home"),
               tap(plan, "V2", "visit", late_s=-600),  # an earlier tap: the failure counts
               tap(plan, "Y", "visit", "failed", "refused"),
               tap(plan, "D1", "pickup")]            # its delivery was never reported
    closed = close_plan_day(plan, reports, carried=carried)
    c = closed.close
    assert [d.job_id for d in c.done] == ["V1"] and c.done[0].on_time
    assert {p.job_id: p.attempts[-1] for p in c.left} == {
        "Y": Attempt(DAY, "failed", "refused"), "OLD": Attempt(DAY, "unserved", "not_planned"),
        "V2": Attempt(DAY, "failed", "not_home"),
        "D1": Attempt(DAY, "unserved", "not_reported"),
        "NIGHT": Attempt(DAY, "unserved", plan.unassigned[0].code)}
    assert [p.job_id for p in closed.flagged] == ["Y"]  # third failure: phone the citizen
    facts = {f.job_id: f for f in closed.summary.jobs}
    assert (facts["Y"].status, facts["Y"].reason, facts["Y"].attempts,
            facts["Y"].needs_call) == ("failed", "refused", 2, True)
    assert (facts["V1"].courier_id, facts["V1"].office_id, facts["V1"].on_time) == (
        "C1", "PO", True)
    assert (facts["OLD"].courier_id, facts["OLD"].received) == ("", "2026-11-24")
    assert [r.courier_id for r in closed.summary.routes] == ["C1"]
    assert DaySummary.from_dict(closed.summary.to_dict()) == closed.summary


def test_carried_jobs_round_trip_as_json(planned: tuple[Plan, object]) -> None:
    """A carried job and its history survive the store's JSON exactly."""
    y = next(j for j in _jobs() if j.job_id == "D1")
    p = PendingJob(y, YESTERDAY, (Attempt(YESTERDAY, "failed", "road_closed"),))
    assert pending_from_dicts([pending_to_dict(p)]) == (p,)


def test_a_job_twice_on_the_list_is_refused(planned: tuple[Plan, object]) -> None:
    """A carried job imported again as new is a duplicate: the close says so."""
    plan, _ = planned
    v1 = next(j for j in _jobs() if j.job_id == "V1")
    with pytest.raises(Exception, match="twice"):
        close_plan_day(plan, [], carried=(PendingJob(v1, YESTERDAY),
                                          PendingJob(v1, YESTERDAY)))


def test_progress_counts_stops_and_flags_lateness(planned: tuple[Plan, object]) -> None:
    """Done/failed/left per courier; late from the last report, or from an overdue stop."""
    plan, _ = planned
    first = plan.routes[0].job_stops[0]
    on_time = day_progress(plan, [tap(plan, str(first.job_id), first.kind)])
    c = on_time.couriers[0]
    assert (c.stops, c.done, c.failed, c.left, c.running_late) == (5, 1, 0, 4, False)
    late = day_progress(plan, [tap(plan, str(first.job_id), first.kind, late_s=1800)])
    assert late.couriers[0].late_s == 1800 and late.late == late.couriers
    second = plan.routes[0].job_stops[1]
    now = dt.datetime.combine(DAY, dt.time(), VN_TZ) + dt.timedelta(
        seconds=second.arrival_s + 20 * 60)
    waiting = day_progress(plan, [tap(plan, str(first.job_id), first.kind)], now=now)
    assert waiting.couriers[0].late_s == 20 * 60
    assert waiting.couriers[0].next_job_id == second.job_id
    assert waiting.totals == (1, 0, 4)


def test_replan_from_reports_keeps_done_drops_failed(planned: tuple[Plan, object]) -> None:
    """Done stops stay done, a failed job leaves today's plan, the courier restarts there."""
    plan, problem = planned
    stops = plan.routes[0].job_stops
    a, b = stops[0], stops[1]
    reports = [tap(plan, str(a.job_id), a.kind, lonlat=(450.0, 10.0)),
               tap(plan, str(b.job_id), b.kind, "failed", "not_home")]
    now = dt.datetime.combine(DAY, dt.time(10, 0), VN_TZ)
    inputs = replan_inputs(plan, problem, reports, now=now)
    assert inputs.now_s == 10 * 3600 and inputs.cancelled == (b.job_id,)
    assert inputs.positions == {"C1": (450.0, 10.0)}
    assert sum(inputs.done.values()) == 1
    new = replan(plan, problem, now_s=inputs.now_s, matrix_fn=matrices, done=inputs.done,
                 cancelled=inputs.cancelled, positions=inputs.positions, seconds=1, seed=1)
    served = [s.job_id for r in new.routes for s in r.job_stops]
    assert b.job_id not in served and served[0] == a.job_id
