"""Tests of the core solver door (routing.solve.solve_matrix) on small matrices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from data.errors import InputError
from routing.model import (
    Courier,
    Job,
    Office,
    PlanningProblem,
    PlanSettings,
    hm,
)
from routing.solve import solve_matrix

SPEED = 10.0  # m/s in these toy problems


def matrices(problem: PlanningProblem) -> tuple[np.ndarray, np.ndarray]:
    xy = np.array([[p.lon, p.lat] for p in problem.places()], dtype=float)
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    return d / SPEED, d


def base(**settings) -> PlanningProblem:
    p = PlanningProblem(PlanSettings(seconds=1, **settings))
    p.add_office(Office("PO", "Bưu điện", 0.0, 0.0))
    p.add_office(Office("SHOP", "Một cửa", 3000.0, 0.0, kind="one_stop_shop"))
    return p


def route_length(d, seq):
    return sum(d[a, b] for a, b in itertools.pairwise(seq))


def test_single_courier_matches_brute_force():
    """Six plain deliveries, one courier: the plan's length equals the brute-force optimum."""
    p = base()
    p.add_courier(Courier("C1", "PO", capacity=10))
    pts = [(1200, 300), (-800, 2200), (2500, -1700), (400, -2600), (-2100, -900), (1900, 1800)]
    for k, (x, y) in enumerate(pts):
        p.add_job(Job.plain_delivery(f"V{k}", x, y, service_s=0))
    t, d = matrices(p)
    idx = p.place_index()
    stops = [idx[f"job:V{k}:delivery"] for k in range(len(pts))]
    best = min(route_length(d, [0, *perm, 0]) for perm in itertools.permutations(stops))
    plan = solve_matrix(p, t, d, seed=1)
    assert plan.jobs_assigned == 6 and not plan.unassigned
    assert plan.total_length_m == pytest.approx(best, abs=1.0)


def test_pairs_keep_precedence_and_match_brute_force():
    """Three dossier pickups and a result delivery: precedence kept, brute-force optimal length."""
    p = base()
    p.add_courier(Courier("C1", "PO", capacity=10))
    pts = [(1000, 2000), (-1500, 500), (2000, -1500)]
    for k, (x, y) in enumerate(pts):
        p.add_job(Job.dossier_pickup(f"D{k}", x, y, "SHOP", service_s=0))
    p.add_job(Job.result_delivery("R0", "SHOP", -500, -2500, service_s=0))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d, seed=2)
    route = plan.routes[0]
    order = [(s.job_id, s.kind) for s in route.job_stops]
    for job_id in ("D0", "D1", "D2", "R0"):
        assert order.index((job_id, "pickup")) < order.index((job_id, "delivery"))
    # brute force over precedence-respecting sequences (office stops share the shop row)
    idx = p.place_index()
    nodes = []
    for j in p.jobs.values():
        nodes.append((j.job_id, "pickup", idx[p.place_of(j, "pickup")]))
        nodes.append((j.job_id, "delivery", idx[p.place_of(j, "delivery")]))
    best = np.inf
    for perm in itertools.permutations(nodes):
        pos = {(a, b): i for i, (a, b, _) in enumerate(perm)}
        if all(pos[(j, "pickup")] < pos[(j, "delivery")] for j in p.jobs):
            best = min(best, route_length(d, [0, *[n[2] for n in perm], 0]))
    assert route.length_m == pytest.approx(best, abs=1.0)
    # loads: 1 on board after each pickup, never negative, empty at the end
    assert route.stops[-1].load == 0 and min(s.load for s in route.stops) == 0


def test_midday_closure_pair_waits_for_afternoon():
    """A dossier picked up at 11:20 reaches the shop after 11:30 and is handed over at 13:30."""
    p = base()
    p.add_courier(Courier("C1", "PO"))
    p.add_job(Job.dossier_pickup("D1", 1500, 1500, "SHOP",
                                 windows=[(hm("11:15"), hm("11:35"))]))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d)
    stops = {s.kind: s for s in plan.routes[0].job_stops}
    assert stops["pickup"].start_s >= hm("11:15")
    assert stops["delivery"].arrival_s > hm("11:25")
    assert stops["delivery"].start_s == hm("13:30")
    assert stops["delivery"].window == (hm("13:30"), hm("17:00"))
    assert stops["delivery"].waiting_s == hm("13:30") - stops["delivery"].arrival_s
    assert plan.feasible


def test_no_office_stop_during_midday_closure():
    """With many shop hand-overs around noon, no office stop is served while it is closed."""
    p = base(seed=3)
    p.add_courier(Courier("C1", "PO"))
    p.add_courier(Courier("C2", "PO"))
    rng = np.random.default_rng(5)
    for k in range(8):
        x, y = rng.uniform(-3000, 3000, 2)
        p.add_job(Job.dossier_pickup(f"D{k}", x, y, "SHOP",
                                     windows=[(hm("10:45"), hm("12:30"))]))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d)
    assert plan.jobs_assigned == 8
    for r in plan.routes:
        for s in r.job_stops:
            if s.office_id is not None:
                assert s.start_s + s.service_s <= hm("11:30") or s.start_s >= hm("13:30")


def test_two_windows_single_visit_served_once():
    """A citizen with a morning and an afternoon slot is visited once, inside one slot."""
    p = base()
    p.add_courier(Courier("C1", "PO", shift=(hm("10:00"), hm("17:00"))))
    p.add_job(Job.plain_delivery("V1", 2000, 0,
                                 windows=[(hm("08:00"), hm("09:00")), (hm("14:00"), hm("15:00"))]))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d)
    visits = plan.routes[0].job_stops
    assert len(visits) == 1
    assert visits[0].window == (hm("14:00"), hm("15:00"))
    assert hm("14:00") <= visits[0].start_s <= hm("14:50")


def test_reasons_for_each_unassigned_job():
    """Every impossible job is reported with the right reason code; the rest is planned."""
    p = base(job_value_m=5000.0)
    p.add_courier(Courier("C1", "PO", capacity=2))
    p.add_job(Job.plain_delivery("OK", 500, 0))
    p.add_job(Job.plain_delivery("HEAVY", 600, 0, amount=3))
    p.add_job(Job.plain_delivery("FAR", 200_000, 0))            # 5.6 h each way
    p.add_job(Job.plain_delivery("EARLY", 36_000, 0, windows=[(hm("07:00"), hm("07:30"))]))
    p.add_job(Job.plain_delivery("ISLAND", -700, 0))
    p.add_job(Job.plain_delivery("COSTLY", 0, 4000))            # adds 7.5 km > 5 km value
    t, d = matrices(p)
    island = p.place_index()["job:ISLAND:delivery"]
    t[island, :] = t[:, island] = np.inf
    t[island, island] = 0
    plan = solve_matrix(p, t, d)
    codes = {u.job_id: u.code for u in plan.unassigned}
    assert codes == {"HEAVY": "over_capacity", "FAR": "shift_too_short",
                     "EARLY": "window_infeasible", "ISLAND": "unreachable",
                     "COSTLY": "left_out_for_cost"}
    costly = next(u for u in plan.unassigned if u.job_id == "COSTLY")
    # cheapest insertion: PO → COSTLY → OK → PO instead of PO → OK → PO
    assert costly.added_length_m == pytest.approx(4000 + np.hypot(500, 4000) - 500)
    assert "7.5 km" in costly.text_en and "7.5 km" in costly.text_vi
    assert plan.routes[0].job_ids == ("OK",)


def test_no_room_when_capacity_is_used_up():
    """Two plain deliveries, capacity for one: the other is 'no_room', not an error."""
    p = base()
    p.add_courier(Courier("C1", "PO", capacity=1))
    p.add_job(Job.plain_delivery("A", 500, 0))
    p.add_job(Job.plain_delivery("B", 0, 500))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d)
    assert plan.jobs_assigned == 1
    assert [u.code for u in plan.unassigned] == ["no_room"]


def test_many_depots_and_end_office():
    """Couriers start at their own office and may end at another."""
    p = base()
    p.add_office(Office("PO2", "Bưu điện 2", 20_000.0, 0.0))
    p.add_courier(Courier("C1", "PO"))
    p.add_courier(Courier("C2", "PO2", end_office_id="PO"))
    p.add_job(Job.plain_delivery("NEAR2", 20_500, 0))
    p.add_job(Job.plain_delivery("NEAR1", -500, 0))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d)
    assert plan.jobs_assigned == 2
    for r in plan.routes:
        assert r.stops[0].place_id == f"office:{r.office_id}"
        assert r.stops[-1].place_id == f"office:{r.end_office_id}"
    assert plan.route("C2").end_office_id == "PO"


def test_seed_reproduces_plan():
    """The same problem, seed and budget give the same routes."""
    p = base(seed=7)
    p.add_courier(Courier("C1", "PO"))
    p.add_courier(Courier("C2", "PO"))
    rng = np.random.default_rng(1)
    for k in range(12):
        x, y = rng.uniform(-4000, 4000, 2)
        p.add_job(Job.plain_delivery(f"V{k}", x, y))
    t, d = matrices(p)
    a = solve_matrix(p, t, d, seconds=0.5)
    b = solve_matrix(p, t, d, seconds=0.5)
    assert [r.job_ids for r in a.routes] == [r.job_ids for r in b.routes]


def test_matrix_shape_checked():
    """A matrix that does not match the places is an input error naming the shape."""
    p = base()
    p.add_courier(Courier("C1", "PO"))
    p.add_job(Job.plain_delivery("A", 500, 0))
    with pytest.raises(InputError, match=r"shape \(2, 2\).*\(3, 3\)"):
        solve_matrix(p, np.zeros((2, 2)), np.zeros((2, 2)))


def test_leg_geometry_from_callback():
    """A leg_path callback gives one geometry per leg."""
    p = base()
    p.add_courier(Courier("C1", "PO"))
    p.add_job(Job.plain_delivery("A", 500, 0))
    t, d = matrices(p)
    plan = solve_matrix(p, t, d, leg_path=lambda a, b: [(float(a), 0.0), (float(b), 1.0)])
    r = plan.routes[0]
    assert len(r.geometry) == len(r.stops) - 1
    assert r.geometry[0] == ((0.0, 0.0), (2.0, 1.0))


def test_iteration_budget_reproduces_plan_under_cpu_load():
    """Same inputs, seed and iteration budget: identical routes, even while the CPU is busy."""
    import subprocess
    import sys

    p = base(seed=5)
    for k in range(3):
        p.add_courier(Courier(f"C{k}", "PO", capacity=12))
    rng = np.random.default_rng(11)
    for k in range(30):
        x, y = rng.uniform(-6000, 6000, 2)
        p.add_job(Job.plain_delivery(f"V{k}", x, y, windows=[(hm("07:00"), hm("12:00"))]
                                     if k % 3 == 0 else ()))
    for k in range(6):
        x, y = rng.uniform(-6000, 6000, 2)
        p.add_job(Job.dossier_pickup(f"D{k}", x, y, "SHOP"))
    t, d = matrices(p)
    quiet = solve_matrix(p, t, d, seconds=60, iterations=400)
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        loaded = solve_matrix(p, t, d, seconds=60, iterations=400)
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert quiet.stopped_by == loaded.stopped_by == "iterations"
    assert quiet.iterations == 400 and quiet.seed == 5
    assert [(r.courier_id, [(s.job_id, s.kind, s.start_s) for s in r.stops])
            for r in quiet.routes] == [
        (r.courier_id, [(s.job_id, s.kind, s.start_s) for s in r.stops]) for r in loaded.routes]
    assert quiet.total_length_m == loaded.total_length_m
