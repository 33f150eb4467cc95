"""Deadlines and horizon: the value rule, must-take jobs, and on-time risk of a plan."""

from __future__ import annotations

import pytest
from test_solve import base, matrices

from routing.deadlines import deadline_state, job_weight, must_take
from routing.model import Courier, Job, PlanSettings, hm
from routing.on_time import on_time_risk
from routing.solve import solve_matrix

DAY = "2026-11-25"


def _job(due: str | None, priority: int = 1) -> Job:
    """A plain delivery due on ``due``."""
    return Job.plain_delivery("J", 100.0, 0.0, priority=priority, due_date=due)


@pytest.mark.parametrize(("due", "priority", "weight", "state"), [
    (None, 1, 1.0, "no_date"),
    ("2026-12-30", 2, 3.0, "later"),
    ("2026-11-30", 1, 1.0, "later"),            # 5 days away: the horizon's edge
    ("2026-11-29", 1, 1.25, "due_soon"),        # 4 days: a quarter of the way up
    ("2026-11-26", 1, 2.0, "due_soon"),         # tomorrow: due_soon_weight
    ("2026-11-26", 3, 20.0, "due_soon"),
    ("2026-11-25", 1, 500.0, "due_today"),      # the most urgent weight × 50
    ("2026-11-23", 1, 600.0, "overdue"),        # + 10 % a day late
    ("2026-10-01", 1, 1000.0, "overdue"),       # at most double
])
def test_value_grows_as_the_date_nears(due: str | None, priority: int, weight: float,
                                       state: str) -> None:
    """Each state of the rule, with its exact weight."""
    job = _job(due, priority)
    assert job_weight(job, PlanSettings(plan_date=DAY)) == pytest.approx(weight)
    assert deadline_state(job, DAY) == state
    assert must_take(job, DAY) == (state in ("due_today", "overdue"))


def test_no_plan_date_means_priority_only() -> None:
    """Without a plan date a due date cannot be judged: the priority's weight."""
    assert job_weight(_job(DAY, 2), PlanSettings()) == 3.0


def test_a_job_due_today_is_taken_before_optional_urgent_ones() -> None:
    """Room for three: the far job due today goes in, two of four near urgent ones wait."""
    p = base(plan_date=DAY)
    p.add_courier(Courier("C1", "PO", capacity=3))
    p.add_job(Job.plain_delivery("MUST", 4000.0, 0.0, service_s=0, due_date=DAY))
    for k in range(4):
        p.add_job(Job.plain_delivery(f"OPT{k}", 200.0 + 50 * k, 100.0, service_s=0,
                                     priority=3, due_date="2026-11-27"))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d, seed=1)
    served = {s.job_id for r in plan.routes for s in r.job_stops}
    assert "MUST" in served and len(served) == 3
    risk = on_time_risk(plan, p)
    assert risk.must == (1, 1) and risk.will_miss == ()
    assert [(r.state, r.days_left, r.planned) for r in risk.at_risk] == [
        ("due_soon", 2, False), ("due_soon", 2, False)]
    assert risk.at_risk[0].text("en").startswith("due in 2 day(s), not planned: ")


def test_the_sooner_date_wins_when_only_one_fits() -> None:
    """Same priority, room for one: the job due tomorrow beats the one due in four days."""
    p = base(plan_date=DAY)
    p.add_courier(Courier("C1", "PO", capacity=1))
    p.add_job(Job.plain_delivery("LATER", 500.0, 0.0, service_s=0, due_date="2026-11-29"))
    p.add_job(Job.plain_delivery("SOON", 900.0, 0.0, service_s=0, due_date="2026-11-26"))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d, seed=1)
    assert [s.job_id for r in plan.routes for s in r.job_stops] == ["SOON"]


def test_risk_lists_what_will_miss_and_what_is_already_late() -> None:
    """A due job that cannot be served will miss (with the solver's reason); overdue = late."""
    p = base(plan_date=DAY)
    p.add_courier(Courier("C1", "PO", capacity=10, shift=(hm("07:00"), hm("17:00"))))
    p.add_job(Job.plain_delivery("LATE", 300.0, 0.0, service_s=0, due_date="2026-11-23"))
    p.add_job(Job.plain_delivery("NIGHT", 300.0, 300.0, service_s=0, due_date=DAY,
                                 windows=[(hm("19:00"), hm("20:00"))]))
    p.add_job(Job.plain_delivery("FREE", 200.0, 0.0, service_s=0))
    t, d = matrices(p)
    risk = on_time_risk(solve_matrix(p, t, d, seed=1), p)
    assert risk.must == (2, 1)
    assert [(r.job_id, r.state, r.planned) for r in risk.at_risk] == [
        ("NIGHT", "due_today", False), ("LATE", "overdue", True)]
    miss = risk.will_miss[0]
    assert miss.code != "late" and miss.text("vi").startswith("đến hạn hôm nay, không được")
    assert risk.at_risk[1].text("en") == "2 day(s) overdue; served today, still late"
    assert risk.summary("en").startswith("Jobs due today or overdue: 1/2 planned; 1 will miss")
    assert risk.to_dict()["counts"]["no_date"] == {"jobs": 1, "planned": 1}
