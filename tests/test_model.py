"""Tests of the planning model builder (routing.model)."""

from __future__ import annotations

import pytest

from data.errors import InputError
from routing.model import (
    DEFAULT_OFFICE_WINDOWS,
    Courier,
    Job,
    Office,
    PlanningProblem,
    PlanSettings,
    Visit,
    format_windows,
    hm,
    parse_windows,
)


def _problem() -> PlanningProblem:
    p = PlanningProblem(PlanSettings(seconds=1, plan_date="2026-11-25"))
    p.add_office(Office("PO", "Bưu điện Kon Tum", 108.0, 14.35))
    p.add_office(Office("SHOP", "Trung tâm phục vụ hành chính công", 108.01, 14.36,
                        kind="one_stop_shop"))
    p.add_courier(Courier("C1", "PO"))
    return p


def test_places_order_offices_then_job_addresses():
    """Matrix rows are offices first, then each job's address stops, office stops reuse offices."""
    p = _problem()
    p.add_job(Job.dossier_pickup("D1", 108.02, 14.37, "SHOP"))
    p.add_job(Job.result_delivery("R1", "SHOP", 108.03, 14.38))
    p.add_job(Job.counter_transfer("T1", "PO", "SHOP"))
    p.add_job(Job.plain_delivery("V1", 108.04, 14.39))
    assert [pl.place_id for pl in p.places()] == [
        "office:PO", "office:SHOP", "job:D1:pickup", "job:R1:delivery", "job:V1:delivery"]
    assert p.place_of(p.jobs["D1"], "delivery") == "office:SHOP"
    assert p.place_of(p.jobs["T1"], "pickup") == "office:PO"


def test_defaults_service_windows_and_midday_closure():
    """Office stops default to 5 min and the two opening periods; citizens to 10 min, no window."""
    p = _problem()
    job = p.add_job(Job.dossier_pickup("D1", 108.02, 14.37, "SHOP"))
    assert p.service_of(job.pickup) == 600
    assert p.service_of(job.delivery) == 300
    assert p.windows_of(job.delivery) == DEFAULT_OFFICE_WINDOWS
    assert ((hm("07:00"), hm("11:30")), (hm("13:30"), hm("17:00"))) == DEFAULT_OFFICE_WINDOWS
    assert p.windows_of(job.pickup) == ()


def test_validate_collects_every_problem():
    """validate() reports every bad reference and value at once."""
    p = _problem()
    p.add_courier(Courier("C2", "NOWHERE", profile="bicycle", capacity=-1))
    p.add_job(Job.dossier_pickup("D1", 108.02, 14.37, "NO_SHOP", priority=7))
    p.add_job(Job("X", "teleport", None, Visit(lon=1.0, lat=1.0)))
    with pytest.raises(InputError, match="not consistent") as err:
        p.validate()
    text = str(err.value)
    for piece in ("NOWHERE", "bicycle", "capacity", "NO_SHOP", "priority", "teleport"):
        assert piece in text
    assert len(err.value.problems) == 6


def test_duplicate_ids_rejected():
    """Adding the same job id twice is an input error."""
    p = _problem()
    p.add_job(Job.plain_delivery("V1", 108.04, 14.39))
    with pytest.raises(InputError, match="twice"):
        p.add_job(Job.plain_delivery("V1", 108.05, 14.39))


def test_prize_grows_with_priority_and_due_today():
    """Priority and a due date on the plan date raise a job's value."""
    p = _problem()
    a = Job.plain_delivery("A", 108.0, 14.0)
    b = Job.plain_delivery("B", 108.0, 14.0, priority=3)
    c = Job.plain_delivery("C", 108.0, 14.0, due_date="2026-11-25")
    assert p.prize_of(a) == 200_000.0
    assert p.prize_of(b) == 2_000_000.0
    assert p.prize_of(c) == 200_000.0 * 10 * 50  # due today: must be taken


def test_windows_parse_and_format_round_trip():
    """Window text parses into seconds and formats back."""
    w = parse_windows("13:30-17:00; 07:00-11:30")
    assert w == DEFAULT_OFFICE_WINDOWS
    assert format_windows(w) == "07:00-11:30,13:30-17:00"
    with pytest.raises(InputError, match="closes before"):
        parse_windows("10:00-09:00")
    with pytest.raises(InputError, match="HH:MM"):
        hm("noon")


def test_settings_validation():
    """Settings reject a non-positive budget and a bad date together."""
    with pytest.raises(InputError) as err:
        PlanSettings(seconds=0, plan_date="25/11/2026")
    assert len(err.value.problems) == 2


def test_fingerprint_changes_with_jobs():
    """The input hash changes when a job changes."""
    p = _problem()
    p.add_job(Job.plain_delivery("V1", 108.04, 14.39))
    h1 = p.fingerprint()["jobs"]
    q = _problem()
    q.add_job(Job.plain_delivery("V1", 108.04, 14.40))
    assert q.fingerprint()["jobs"] != h1
    assert q.fingerprint()["offices"] == p.fingerprint()["offices"]
