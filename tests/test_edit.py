"""Manual plan edits (routing.edit): moving stops re-times routes and reports every violation."""

from __future__ import annotations

import numpy as np
import pytest

from routing.edit import move_stop, plan_refs, retime_plan
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings
from routing.result import Plan

H = 3600


def _problem() -> PlanningProblem:
    p = PlanningProblem(PlanSettings(seconds=0.5, seed=1))
    p.add_office(Office("PO1", "Bưu điện Kon Tum", 108.00, 14.35))
    p.add_office(Office("OSS", "Bộ phận một cửa", 108.02, 14.36, kind="one_stop_shop"))
    p.add_courier(Courier("C1", "PO1", name="Bưu tá 1"))
    p.add_courier(Courier("C2", "PO1", name="Bưu tá 2", capacity=1))
    p.add_job(Job.plain_delivery("J1", 108.01, 14.35, label="Nhà A"))
    p.add_job(Job.plain_delivery("J2", 108.02, 14.35, label="Nhà B"))
    p.add_job(
        Job.plain_delivery("J3", 108.03, 14.35, label="Nhà C", windows=[(7 * H, 7 * H + 2400)])
    )
    p.add_job(Job.dossier_pickup("D1", 108.01, 14.36, "OSS", label="Nhà D"))
    return p


def _matrices(p: PlanningProblem) -> tuple[np.ndarray, np.ndarray]:
    # places: PO1, OSS, J1, J2, J3, D1:pickup — travel time = 600 s per 0.01° of |dlon|+|dlat|
    pts = np.array([[pl.lon, pl.lat] for pl in p.places()])
    time_s = np.abs(pts[:, None, :] - pts[None, :, :]).sum(axis=2) / 0.01 * 600
    return np.round(time_s), np.round(time_s) * 10


def _empty_plan() -> Plan:
    return Plan(None, (), (), "matrix", "user", 0, 0.5)


def test_retime_gives_hand_computed_arrivals() -> None:
    """Arrivals follow the matrix: 07:00 start, 10 min legs, 10 min service at citizens."""
    p = _problem()
    t, d = _matrices(p)
    refs = {"C1": [("J1", "delivery"), ("J2", "delivery")], "C2": [("J3", "delivery")]}
    plan, violations = retime_plan(p, _empty_plan(), refs, t, d)
    assert violations == []
    c1 = plan.route("C1")
    assert [s.arrival_s for s in c1.stops] == [7 * H, 7 * H + 600, 7 * H + 1800, 7 * H + 3600]
    assert [s.load for s in c1.stops] == [2, 1, 0, 0]
    assert c1.length_m == pytest.approx(24_000)  # legs of 600 + 600 + 1200 s at 10 m/s
    assert plan.feasible


def test_move_to_other_courier_retimes_and_flags_late_window() -> None:
    """Moving J2 ahead of J3 on C2 makes J3 miss its 07:00–07:40 window and overload C2."""
    p = _problem()
    t, d = _matrices(p)
    refs = {"C1": [("J1", "delivery"), ("J2", "delivery")], "C2": [("J3", "delivery")]}
    plan, _ = retime_plan(p, _empty_plan(), refs, t, d)
    edited, violations = move_stop(p, plan, ("J2", "delivery"), "C2", 1, t, d)
    assert plan_refs(p, edited) == {
        "C1": [("J1", "delivery")],
        "C2": [("J2", "delivery"), ("J3", "delivery")],
    }
    c2 = edited.route("C2")
    assert [s.arrival_s for s in c2.stops[1:3]] == [7 * H + 1200, 7 * H + 2400]
    codes = sorted(v.code for v in violations)
    assert codes == ["capacity", "late"]
    late = next(v for v in violations if v.code == "late")
    assert (late.courier_id, late.sequence, late.job_id) == ("C2", 2, "J3")
    assert late.detail["arrival"] == "07:40"
    assert not edited.feasible
    assert "manually edited" in edited.notes
    # C1 was re-timed without J2: back at 07:00 + 10 + 10 + 10 min
    assert edited.route("C1").end_s == 7 * H + 1800


def test_moving_one_stop_of_a_pair_moves_its_partner() -> None:
    """A dossier pickup moved to another courier takes its delivery to the shop along."""
    p = _problem()
    t, d = _matrices(p)
    refs = {"C1": [("D1", "pickup"), ("D1", "delivery")], "C2": []}
    plan, violations = retime_plan(p, _empty_plan(), refs, t, d)
    assert violations == []
    edited, violations = move_stop(p, plan, ("D1", "pickup"), "C2", 1, t, d)
    assert plan_refs(p, edited) == {"C1": [], "C2": [("D1", "pickup"), ("D1", "delivery")]}
    assert violations == []


def test_delivery_before_pickup_is_an_order_violation() -> None:
    """Within one route, putting the shop delivery first is reported, not refused."""
    p = _problem()
    t, d = _matrices(p)
    refs = {"C1": [("D1", "pickup"), ("D1", "delivery")], "C2": []}
    plan, _ = retime_plan(p, _empty_plan(), refs, t, d)
    edited, violations = move_stop(p, plan, ("D1", "delivery"), "C1", 1, t, d)
    assert plan_refs(p, edited)["C1"] == [("D1", "delivery"), ("D1", "pickup")]
    assert [(v.code, v.sequence, v.job_id) for v in violations] == [("order", 1, "D1")]


def test_unknown_stop_raises() -> None:
    """Moving a stop that is not in the plan is a KeyError naming it."""
    p = _problem()
    t, d = _matrices(p)
    plan, _ = retime_plan(p, _empty_plan(), {"C1": [("J1", "delivery")], "C2": []}, t, d)
    with pytest.raises(KeyError, match="J2"):
        move_stop(p, plan, ("J2", "delivery"), "C1", 1, t, d)


def test_edit_of_a_solved_plan_keeps_every_job() -> None:
    """After solving with PyVRP, moving any stop keeps each job exactly once in the plan."""
    from routing.solve import solve_matrix

    p = _problem()
    t, d = _matrices(p)
    plan = solve_matrix(p, t, d, seconds=0.5, seed=3)
    refs = plan_refs(p, plan)
    served = sorted({j for seq in refs.values() for j, _ in seq})
    assert served == sorted(j for r in plan.routes for j in r.job_ids)
    assert served  # the solver serves something
    first = next(seq[0] for seq in refs.values() if seq)
    edited, _ = move_stop(p, plan, first, "C1", 1, t, d)
    after = sorted({j for seq in plan_refs(p, edited).values() for j, _ in seq})
    assert after == served


@pytest.mark.parametrize(("kind", "job_kind", "label"), [
    ("pickup", "dossier_pickup", "Nhận hồ sơ"),
    ("delivery", "dossier_pickup", "Nộp hồ sơ (một cửa)"),
    ("pickup", "result_delivery", "Nhận kết quả (một cửa)"),
    ("delivery", "result_delivery", "Trả kết quả"),
])
def test_stop_words_follow_the_job(kind: str, job_kind: str, label: str) -> None:
    """At a one-stop shop a dossier is handed in or a result collected, never mixed up."""
    from app.plan_view import stop_type

    assert stop_type(kind, job_kind) == label
