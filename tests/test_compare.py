"""routing.compare: two plans compared job by job and courier by courier, exact answers."""

from __future__ import annotations

import json

from routing.compare import JobChange, JobMove, compare_plans
from routing.result import CourierRoute, Plan, PlannedStop, UnassignedJob


def _stop(seq: int, kind: str, at_s: int, leg_m: float, job: str | None = None,
          label: str = "Bưu điện tỉnh Kon Tum", office: str | None = None) -> PlannedStop:
    return PlannedStop(sequence=seq, kind=kind, place_id=f"p{seq}{job}", label=label,
                       lon=108.0, lat=14.35, arrival_s=at_s, start_s=at_s,
                       departure_s=at_s + (0 if job is None else 300), waiting_s=0,
                       service_s=0 if job is None else 300, load=0, leg_length_m=leg_m,
                       leg_time_s=leg_m / 10, job_id=job, job_kind=None if job is None
                       else "delivery", office_id=office)


def _route(cid: str, visits: list[tuple[str, int, float]], end_s: int, end_m: float,
           name: str = "") -> CourierRoute:
    """A route from BC-KT: (job, arrival_s, leg_m) per visit, then back at ``end_s``."""
    stops = [_stop(0, "start", 27000, 0.0, office="BC-KT")]
    stops += [_stop(i, "visit", at, m, job=j, label=f"Nhà {j}")
              for i, (j, at, m) in enumerate(visits, start=1)]
    stops.append(_stop(len(stops), "end", end_s, end_m, office="BC-KT"))
    return CourierRoute(courier_id=cid, office_id="BC-KT", end_office_id="BC-KT",
                        profile="motorbike", stops=tuple(stops), courier_name=name)


def _plan(routes: list[CourierRoute], unassigned: tuple[str, ...] = ()) -> Plan:
    return Plan(plan_date="2026-11-25", routes=tuple(routes),
                unassigned=tuple(UnassignedJob(j, "delivery", "no_room", "hết chỗ", "no room")
                                 for j in unassigned),
                network_kind="proxy", provenance="user", seed=1, seconds=1.0)


A = _plan([
    _route("C1", [("J1", 28000, 2000.0), ("J2", 29000, 3000.0)], 30000, 4000.0, "Lan"),
    _route("C2", [("J3", 28500, 5000.0)], 30500, 5000.0, "Minh"),
], unassigned=("J5",))


def test_identical_plans_have_no_difference() -> None:
    """A plan compared with itself is identical: no move, no delta, no time change."""
    result = compare_plans(A, A)
    assert result.identical
    assert result.delta_length_m == 0.0 and result.delta_duration_s == 0
    assert result.times_changed == () and result.changed_couriers == ()
    assert result.summary() == "the two plans are identical"


def test_one_moved_stop_is_one_move_with_km_and_minutes_per_courier() -> None:
    """J2 moved from C1 to C2: one move, C1 −3 km / −25 min, C2 +2.5 km / +20 min."""
    b = _plan([
        _route("C1", [("J1", 28000, 2000.0)], 28500, 2000.0, "Lan"),
        _route("C2", [("J3", 28500, 5000.0), ("J2", 29400, 1500.0)], 31700, 6000.0, "Minh"),
    ], unassigned=("J5",))
    result = compare_plans(A, b)
    assert result.moved == (JobMove("J2", "Nhà J2", "C1", "C2"),)
    assert result.added == result.removed == ()
    assert result.newly_unassigned == result.newly_assigned == ()
    c1, c2 = result.couriers
    assert (c1.courier_id, c1.jobs_a, c1.jobs_b) == ("C1", 2, 1)
    assert c1.delta_length_m == 4000.0 - 9000.0
    assert c1.delta_duration_s == 28500 - 30000
    assert (c1.arrivals_changed, c1.max_shift_s) == (0, 1500)  # J1 unchanged, back earlier
    assert (c2.courier_id, c2.courier_name) == ("C2", "Minh")
    assert c2.delta_length_m == 12500.0 - 10000.0
    assert c2.delta_duration_s == 31700 - 30500
    assert (c2.arrivals_changed, c2.max_shift_s, c2.order_changed) == (0, 1200, False)
    assert result.times_changed == ("C1", "C2")
    assert result.delta_length_m == -2500.0
    assert result.delta_duration_s == (28500 - 30000) + (31700 - 30500)
    assert "J2 (Nhà J2) moved from C1 to C2" in result.summary()


def test_added_removed_unassigned_and_assigned_jobs() -> None:
    """J4 added, J3 newly unassigned (with b's reason), J5 newly assigned, J1 removed."""
    b = _plan([
        _route("C1", [("J2", 29000, 3000.0), ("J5", 29600, 800.0)], 30400, 4000.0),
    ], unassigned=("J3", "J4"))
    result = compare_plans(A, b)
    assert result.moved == ()
    assert result.added == (JobChange("J4", reason_code="no_room", reason_vi="hết chỗ",
                                      reason_en="no room"),)
    assert result.removed == (JobChange("J1", label="Nhà J1", courier_id="C1"),)
    assert result.newly_unassigned == (JobChange("J3", label="Nhà J3", courier_id="C2",
                                                 reason_code="no_room", reason_vi="hết chỗ",
                                                 reason_en="no room"),)
    assert result.newly_assigned == (JobChange("J5", label="Nhà J5", courier_id="C1"),)
    c2 = next(c for c in result.couriers if c.courier_id == "C2")
    assert (c2.jobs_b, c2.length_m_b, c2.end_s_b, c2.delta_duration_s) == (0, 0.0, None, -3500)
    c1 = next(c for c in result.couriers if c.courier_id == "C1")
    assert (c1.arrivals_changed, c1.order_changed) == (0, False)  # J2 still at 29000


def test_changed_arrival_and_order_are_reported_per_courier() -> None:
    """C1 visiting J2 before J1 changes order and both arrival times (largest shift 1000 s)."""
    b = _plan([
        _route("C1", [("J2", 28000, 3000.0), ("J1", 29000, 2000.0)], 30000, 4000.0, "Lan"),
        _route("C2", [("J3", 28500, 5000.0)], 30500, 5000.0, "Minh"),
    ], unassigned=("J5",))
    result = compare_plans(A, b)
    c1, c2 = result.couriers
    assert (c1.arrivals_changed, c1.max_shift_s, c1.order_changed) == (2, 1000, True)
    assert c1.delta_length_m == 0.0 and c1.delta_duration_s == 0
    assert not c2.changed
    assert result.times_changed == ("C1",)
    assert not result.identical


def test_to_dict_is_json_with_deltas() -> None:
    """``to_dict`` is plain JSON holding every courier's deltas and the day's totals."""
    b = _plan([_route("C1", [("J1", 28000, 2000.0)], 28500, 2000.0)], unassigned=("J5",))
    doc = json.loads(json.dumps(compare_plans(A, b).to_dict()))
    assert doc["delta_length_m"] == 4000.0 - 19000.0
    assert [(c["job_id"], c["courier_id"]) for c in doc["removed"]] == [("J2", "C1"),
                                                                         ("J3", "C2")]
    assert [c["courier_id"] for c in doc["couriers"]] == ["C1", "C2"]
    assert doc["couriers"][0]["delta_length_m"] == -5000.0
    assert doc["couriers"][1]["changed"] is True
    assert doc["times_changed"] == ["C1", "C2"] and doc["identical"] is False
