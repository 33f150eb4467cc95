"""Tests of routing.reasons: the exact code and Vietnamese / English text of each reason."""

from __future__ import annotations

import numpy as np
import pytest

from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings, hm
from routing.reasons import (
    REASON_CODES,
    best_insertion,
    insertion_reason,
    prescreen,
    reason,
    run_of,
    simulate,
    steps_of,
)

SPEED = 10.0  # m/s: a place 1 km away is 100 s away


def problem(*jobs: Job, capacity: int = 2, **settings: object) -> PlanningProblem:
    """One post office at the origin, one courier (07:00–17:00), the given jobs."""
    p = PlanningProblem(PlanSettings(seconds=1, **settings))  # type: ignore[arg-type]
    p.add_office(Office("PO", "Bưu điện", 0.0, 0.0))
    p.add_courier(Courier("C1", "PO", name="Nguyễn Văn A", capacity=capacity))
    for job in jobs:
        p.add_job(job)
    return p


def matrices(p: PlanningProblem) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line metres between the places and seconds at SPEED."""
    xy = np.array([[q.lon, q.lat] for q in p.places()], dtype=float)
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    return d / SPEED, d


def screen(p: PlanningProblem, job_id: str, time_s: np.ndarray | None = None):  # type: ignore[no-untyped-def]
    """Prescreen one job of ``p`` on its straight-line matrix (or ``time_s``)."""
    t = matrices(p)[0] if time_s is None else time_s
    return prescreen(p, p.jobs[job_id], t, p.place_index())


def test_codes_are_listed_in_the_order_they_are_checked() -> None:
    """The seven codes, pre-solve checks first; office_closed is decided before the solver."""
    assert REASON_CODES == ("unreachable", "over_capacity", "shift_too_short",
                            "window_infeasible", "no_room", "left_out_for_cost",
                            "office_closed")


def test_office_closed_reason_is_the_calendar_sentence() -> None:
    """office_closed repeats the calendar's sentence and says the job waits a working day."""
    job = Job.plain_delivery("J", 108.0, 14.3)
    u = reason(job, "office_closed",
               closed_vi="Bưu cục Kon Tum đóng cửa ngày 02/09/2026: Quốc khánh",
               closed_en="Bưu cục Kon Tum is closed on 02/09/2026: National Day")
    assert (u.code, u.text_vi, u.text_en) == (
        "office_closed",
        "Bưu cục Kon Tum đóng cửa ngày 02/09/2026: Quốc khánh; để lại cho ngày làm việc "
        "tiếp theo.",
        "Bưu cục Kon Tum is closed on 02/09/2026: National Day; left for the next working day.")


def test_unknown_code_is_refused_naming_the_codes() -> None:
    """A code outside REASON_CODES is a ValueError that lists the valid ones."""
    job = Job.plain_delivery("J", 100.0, 0.0)
    with pytest.raises(ValueError, match=r"unknown reason code 'late'.*no_room"):
        reason(job, "late")


def test_unreachable_names_the_place() -> None:
    """A stop no courier can reach or leave is 'unreachable', naming the stop's label."""
    p = problem(Job.plain_delivery("ISLAND", -700.0, 0.0, label="Thôn 5"))
    t, _ = matrices(p)
    i = p.place_index()["job:ISLAND:delivery"]
    t[i, :] = t[:, i] = np.inf
    t[i, i] = 0.0
    got = screen(p, "ISLAND", t)
    assert (got.job_id, got.job_kind, got.code) == ("ISLAND", "delivery", "unreachable")
    assert got.text_vi == ("Không có đường tới điểm Thôn 5 trên mạng lưới đường "
                           "(hoặc không quay về được).")
    assert got.text_en == "No courier can reach Thôn 5 on the road network (or get back from it)."


def test_over_capacity_names_amount_and_capacity() -> None:
    """Three packages for a courier carrying two: 'over_capacity' with both figures."""
    got = screen(problem(Job.plain_delivery("HEAVY", 600.0, 0.0, amount=3)), "HEAVY")
    assert got.code == "over_capacity"
    assert got.text_vi == "Cần chở 3 kiện, vượt quá sức chở lớn nhất của bưu tá (2 kiện)."
    assert got.text_en == "Carries 3 packages, more than the largest vehicle holds (2)."


def test_a_job_as_heavy_as_the_vehicle_fits() -> None:
    """Boundary: an amount equal to the capacity is servable."""
    assert screen(problem(Job.plain_delivery("FULL", 600.0, 0.0, amount=2)), "FULL") is None


def test_shift_too_short_names_need_and_shift() -> None:
    """200 km each way (5 h 33 min) plus 10 min of service exceeds a 10-hour shift."""
    got = screen(problem(Job.plain_delivery("FAR", 200_000.0, 0.0)), "FAR")
    assert got.code == "shift_too_short"
    assert got.text_vi == ("Cần ít nhất 11h16 (đi và phục vụ), dài hơn ca làm việc dài nhất "
                           "(10h00).")
    assert got.text_en == ("Needs at least 11h16 of driving and service, longer than any "
                           "shift (10h00).")


def test_a_round_trip_exactly_as_long_as_the_shift_fits() -> None:
    """Boundary: 177 km each way + 600 s service = 36,000 s = the shift; 10 m more is too long."""
    assert screen(problem(Job.plain_delivery("EDGE", 177_000.0, 0.0)), "EDGE") is None
    beyond = screen(problem(Job.plain_delivery("EDGE", 177_010.0, 0.0)), "EDGE")
    assert beyond.code == "shift_too_short"


def test_a_cached_prescreen_checks_each_courier_frame_once() -> None:
    """Three couriers, two of them alike: the cache keeps two frames and the reasons are
    the ones found without it."""
    p = problem(Job.plain_delivery("OK", 500.0, 0.0),
                Job.plain_delivery("FAR", 200_000.0, 0.0),
                Job.plain_delivery("HEAVY", 600.0, 0.0, amount=4))
    p.add_courier(Courier("C2", "PO", capacity=2))
    p.add_courier(Courier("C3", "PO", capacity=3))
    t, index = matrices(p)[0], p.place_index()
    cache: dict[object, object] = {}
    got = [prescreen(p, j, t, index, cache=cache) for j in p.jobs.values()]
    assert got == [prescreen(p, j, t, index) for j in p.jobs.values()]
    assert [None if g is None else g.code for g in got] == [None, "shift_too_short",
                                                            "over_capacity"]
    assert got[2] is not None and "(3)" in got[2].text_en
    # one entry per load on board (1 and 4 packages), two frames each
    assert [len(runs) for runs in cache.values()] == [2, 2]  # type: ignore[arg-type]


def test_window_infeasible_names_the_windows() -> None:
    """A stop one hour out with a 07:00–07:30 window cannot be met: 'window_infeasible'."""
    job = Job.plain_delivery("EARLY", 36_000.0, 0.0, windows=[(hm("07:00"), hm("07:30"))])
    got = screen(problem(job), "EARLY")
    assert got.code == "window_infeasible"
    assert got.text_vi == ("Không thể đến trong khung giờ 7h00-7h30 kể cả khi bưu tá chỉ làm "
                           "việc này.")
    assert got.text_en == ("Its windows 7h00-7h30 cannot be met even by a courier doing "
                           "nothing else.")


def test_a_servable_job_has_no_reason() -> None:
    """A near job without windows passes every pre-solve check."""
    assert screen(problem(Job.plain_delivery("OK", 500.0, 0.0)), "OK") is None


def test_no_room_when_the_route_is_full() -> None:
    """Capacity 1, one delivery already planned: the second gets 'no_room'."""
    p = problem(Job.plain_delivery("A", 500.0, 0.0), Job.plain_delivery("B", 0.0, 500.0),
                capacity=1)
    t, d = matrices(p)
    index = p.place_index()
    routes = [(p.couriers["C1"], steps_of(p, p.jobs["A"], index))]
    got = insertion_reason(p, p.jobs["B"], routes, t, d, index)
    assert (got.code, got.added_length_m, got.added_time_s) == ("no_room", None, None)
    assert got.text_vi == "Không bưu tá nào còn đủ thời gian hoặc chỗ chở trong kế hoạch này."
    assert got.text_en == "No courier has the time or capacity left for it in this plan."


def test_left_out_for_cost_names_what_it_would_add() -> None:
    """The cheapest insertion adds 7.5 km and 23 min to the named courier."""
    p = problem(Job.plain_delivery("OK", 500.0, 0.0), Job.plain_delivery("COSTLY", 0.0, 4000.0))
    t, d = matrices(p)
    index = p.place_index()
    routes = [(p.couriers["C1"], steps_of(p, p.jobs["OK"], index))]
    got = insertion_reason(p, p.jobs["COSTLY"], routes, t, d, index)
    assert got.code == "left_out_for_cost"
    added = 4000.0 + float(np.hypot(500.0, 4000.0)) - 500.0  # PO→COSTLY→OK→PO vs PO→OK→PO
    assert got.added_length_m == pytest.approx(added)
    # 400 s + 600 s + 403.1 s + 600 s + 50 s of work instead of 50 + 600 + 50
    assert got.added_time_s == pytest.approx(added / SPEED + 600.0)
    assert got.text_vi == "Bỏ qua vì chi phí: sẽ thêm 7.5 km và 23 phút cho bưu tá Nguyễn Văn A."
    assert got.text_en == ("Left out for cost: it would add 7.5 km and 23 min to courier "
                           "Nguyễn Văn A.")


def test_reason_formats_lengths_in_the_given_unit() -> None:
    """length_unit turns plane units into km in the text; the raw figures are kept."""
    job = Job.plain_delivery("J", 1.0, 0.0)
    got = reason(job, "left_out_for_cost", added_length_m=12.34, added_time_s=89.0,
                 length_unit=10.0, courier="C7")
    assert got.text_en == "Left out for cost: it would add 1.2 km and 1 min to courier C7."
    assert (got.added_length_m, got.added_time_s) == (12.34, 89.0)


def _exhaustive(p, job, routes, t, d, index, max_gap=8):  # type: ignore[no-untyped-def]
    """Every position simulated, the cheapest feasible kept (the definition)."""
    import itertools

    new = steps_of(p, job, index)
    best = None
    for r_idx, (courier, steps) in enumerate(routes):
        initial = sum(-s.delta for s in steps if s.delta < 0 and s.job_id is not None
                      and p.jobs[s.job_id].pickup is None)
        run = run_of(p, courier, index, initial + (job.amount if job.pickup is None else 0))
        run0 = run_of(p, courier, index, initial)
        base = [run0.start, *[s.place for s in steps], run0.end]
        base_len = sum(d[a, b] for a, b in itertools.pairwise(base))
        n = len(steps)
        if len(new) == 1:
            cands = [[*steps[:i], *new, *steps[i:]] for i in range(n + 1)]
        else:
            cands = [[*steps[:i], new[0], *steps[i:k], new[1], *steps[k:]]
                     for i in range(n + 1) for k in range(i, min(n, i + max_gap) + 1)]
        for cand in cands:
            seq = [run.start, *[s.place for s in cand], run.end]
            add = sum(d[a, b] for a, b in itertools.pairwise(seq)) - base_len
            if (best is None or add < best[0] - 1e-9) and simulate(run, cand, t)[0]:
                best = (add, r_idx)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_best_insertion_equals_trying_every_position(seed: int) -> None:
    """Cheapest-first with the shift filter finds what simulating every position finds."""
    rng = np.random.default_rng(seed)
    p = PlanningProblem(PlanSettings(seconds=1))
    p.add_office(Office("PO", "Bưu điện", 0.0, 0.0))
    p.add_office(Office("SHOP", "Một cửa", 3000.0, 1000.0))
    for c in range(3):
        p.add_courier(Courier(f"C{c}", "PO", capacity=int(rng.integers(3, 8))))
    for j in range(40):
        x, y = rng.uniform(-8000, 8000, 2)
        win = [(), ((hm("07:30"), hm("11:00")),), ((hm("13:30"), hm("16:30")),)][j % 3]
        kind = j % 4
        if kind == 0:
            p.add_job(Job.dossier_pickup(f"J{j}", x, y, "SHOP", windows=win))
        elif kind == 1:
            p.add_job(Job.result_delivery(f"J{j}", "SHOP", x, y, windows=win))
        elif kind == 2:
            p.add_job(Job.plain_delivery(f"J{j}", x, y, windows=win))
        else:
            p.add_job(Job.plain_pickup(f"J{j}", x, y, windows=win))
    t, d = matrices(p)
    index = p.place_index()
    jobs = list(p.jobs.values())
    routes = [(c, []) for c in p.couriers.values()]
    for job in jobs[:30]:  # build routes greedily with the function under test
        ins = best_insertion(p, job, routes, t, d, index)
        if ins is not None:
            routes[ins.route] = (routes[ins.route][0], list(ins.steps))
    assert sum(len(s) for _, s in routes) > 10
    for job in jobs[30:]:
        got = best_insertion(p, job, routes, t, d, index)
        want = _exhaustive(p, job, routes, t, d, index)
        if want is None:
            assert got is None
        else:
            assert got is not None and got.added_length == pytest.approx(want[0])
