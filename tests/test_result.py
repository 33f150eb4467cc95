"""Tests of the frozen Plan result (routing.result)."""

from __future__ import annotations

import dataclasses

import pytest

from routing.result import CourierRoute, Plan, PlannedStop, UnassignedJob, clock


def _stop(seq, kind, t, leg=0.0, load=0, **kw):
    return PlannedStop(sequence=seq, kind=kind, place_id=f"p{seq}", label=f"Điểm {seq}",
                       lon=108.0, lat=14.3, arrival_s=t, start_s=t + kw.pop("wait", 0),
                       departure_s=t + kw.pop("dep", 0), waiting_s=kw.pop("waiting", 0),
                       service_s=kw.pop("svc", 0), load=load, leg_length_m=leg,
                       leg_time_s=leg / 10, **kw)


def _plan() -> Plan:
    stops = (
        _stop(0, "start", 25200, load=1),
        _stop(1, "visit", 25800, leg=6000.0, svc=600, dep=600, job_id="V1",
              job_kind="delivery", amount=-1, window=(25200, 41400)),
        _stop(2, "pickup", 27000, leg=3000.0, load=1, svc=600, dep=600, wait=120,
              waiting=120, job_id="D1", job_kind="dossier_pickup", amount=1,
              approximate=True),
        _stop(3, "delivery", 28000, leg=2000.0, load=0, svc=300, dep=300, job_id="D1",
              job_kind="dossier_pickup", amount=-1, office_id="SHOP"),
        _stop(4, "end", 29000, leg=4000.0),
    )
    route = CourierRoute("C1", "PO", "PO", "motorbike", stops,
                         geometry=(((108.0, 14.3), (108.1, 14.3)),) * 4,
                         courier_name="Bưu tá Hà")
    return Plan(plan_date="2026-11-25", routes=(route,),
                unassigned=(UnassignedJob("X1", "delivery", "no_room", "Không …", "No …"),),
                network_kind="proxy", provenance="simulated", seed=3, seconds=2.0,
                input_hashes=(("jobs", "ab"), ("offices", "cd")),
                settings=(("seconds", 2.0), ("office_windows", "07:00-11:30,13:30-17:00")),
                solver="pyvrp 0.14.1", couriers_total=2, jobs_total=3)


def test_totals_are_sums_of_legs():
    """Route and plan totals are the sums of their stops' legs, waits and services."""
    plan = _plan()
    r = plan.routes[0]
    assert r.length_m == 15000.0
    assert r.travel_time_s == 1500.0
    assert r.waiting_s == 120
    assert r.service_s == 1500
    assert r.duration_s == 29000 - 25200
    assert r.job_ids == ("V1", "D1")
    assert r.max_load == 1
    assert plan.total_length_m == 15000.0
    assert plan.jobs_assigned == 2


def test_json_round_trip_is_exact():
    """to_json / from_json gives back an equal plan (Vietnamese text kept)."""
    plan = _plan()
    text = plan.to_json()
    assert "Không" in text
    again = Plan.from_json(text)
    assert again == plan
    assert again.routes[0].stops[1].window == (25200, 41400)
    assert again.routes[0].courier_name == "Bưu tá Hà"


def test_summary_names_counts_and_provenance():
    """summary() states assignment counts, the network kind and each route."""
    s = _plan().summary()
    assert "2/3 assigned" in s
    assert "proxy network, simulated jobs" in s
    assert "C1 (PO): 3 stops, 15.0 km, 07:00–08:03" in s
    assert "unassigned no_room: 1" in s


def test_plan_is_frozen():
    """A plan cannot be changed after it is built."""
    plan = _plan()
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.seed = 4  # type: ignore[misc]


def test_from_dict_rejects_other_documents():
    """A dictionary that is not a serialised plan is refused."""
    with pytest.raises(ValueError, match="not a serialised plan"):
        Plan.from_dict({"routes": []})


def test_clock_format():
    """Seconds since midnight format as HH:MM."""
    assert clock(48600) == "13:30"
    assert clock(None) == "--:--"
