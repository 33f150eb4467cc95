"""Gathering a fleet study (routing.study.results): curves, levels and roster, exactly."""

from __future__ import annotations

import datetime as dt
import json

from routing.study import DayMetrics, DayResult, FleetScenario, fleet_result

D1, D2 = dt.date(2027, 3, 1), dt.date(2027, 3, 2)


def metrics(office: str, couriers: int, index: int, *, done: int, on_time: int, late: int = 0,
            left: int = 0, late_left: int = 0, km: float = 10.0, overtime_s: int = 0,
            carried: int = 0, stopped_by: str = "iterations") -> DayResult:
    m = DayMetrics(office_id=office, couriers=couriers, block=0, index=index,
                   day=(D1, D2)[index], listed=done + left, new=done + left - carried,
                   carried=carried, done=done, on_time=on_time, late=late, failed=0,
                   unserved=left, left=left, late_left=late_left, flagged=0,
                   length_m=km * 1000, work_s=6 * 3600 * couriers, overtime_s=overtime_s,
                   routes=couriers, stopped_by=stopped_by, iterations_done=100)
    return DayResult(m, (), seconds=1.0)


SCENARIO = FleetScenario(start=D1, days=2, levels=(2, 3), target=0.9).to_dict()
BLOCKS = ((D1, D2),)
RESULTS = {
    # office a with 1 courier: 8 of 10 on time on day 1; day 2 leaves 2 open, 1 past due
    ("a", 1, 0, 0): metrics("a", 1, 0, done=10, on_time=8, late=2, overtime_s=3600),
    ("a", 1, 0, 1): metrics("a", 1, 1, done=5, on_time=5, left=2, late_left=1),
    # office a with 2 couriers: all 19 on time
    ("a", 2, 0, 0): metrics("a", 2, 0, done=10, on_time=10, km=12.0),
    ("a", 2, 0, 1): metrics("a", 2, 1, done=9, on_time=9, km=8.0),
    ("b", 1, 0, 0): metrics("b", 1, 0, done=4, on_time=4),
    ("b", 1, 0, 1): metrics("b", 1, 1, done=4, on_time=4, stopped_by="time"),
}
ALLOC = {2: (("a", 1), ("b", 1)), 3: (("a", 2), ("b", 1))}


def result():
    return fleet_result(SCENARIO, BLOCKS, RESULTS, allocations=ALLOC,
                        names={"a": "Bưu cục A", "b": "Bưu cục B"}, network_kind="proxy",
                        timings={"wall_s": 1.0})


def test_curve_counts_open_jobs_past_due_only_at_the_block_end():
    """On time 13 over 13 + 2 late + 1 open past due = 13/16; the other open job is censored."""
    a1 = next(c for c in result().curves if (c.office_id, c.couriers) == ("a", 1))
    t = a1.totals
    assert (t.done, t.on_time, t.late, t.late_open, t.open_end) == (15, 13, 2, 1, 1)
    assert t.on_time_share == 13 / 16
    assert t.km_per_dossier == 20 / 15
    assert t.overtime_h_per_courier_day == 0.5  # 1 h over 2 courier-days


def test_levels_add_their_offices_points():
    """Fleet 3 = a with 2 couriers + b with 1: 27 done, all on time, 1 day not reproducible."""
    lv = {p.couriers: p for p in result().levels}
    assert lv[3].allocation == (("a", 2), ("b", 1))
    assert (lv[3].totals.done, lv[3].totals.on_time, lv[3].totals.courier_days) == (27, 27, 6)
    assert lv[3].totals.on_time_share == 1.0
    assert lv[2].totals.on_time_share == 21 / 24
    assert lv[3].totals.not_reproducible == 1


def test_roster_is_the_smallest_count_reaching_the_target():
    """Office a needs 2 (13/16 < 90 %); b reaches it with 1; 3 in all."""
    r = result()
    assert [(x.office_id, x.couriers, x.tried_max) for x in r.roster] == [("a", 2, 2),
                                                                        ("b", 1, 1)]
    assert r.roster_total == 3 and r.not_reproducible == 1


def test_unreached_target_reports_the_best_share():
    """With a target of 100 % office a never reaches it: None, with its best share."""
    r = fleet_result({**SCENARIO, "target": 1.0}, BLOCKS,
                     {k: v for k, v in RESULTS.items() if k[:2] != ("a", 2)},
                     allocations={2: (("a", 1), ("b", 1))}, names={}, network_kind="proxy")
    assert r.roster[0].couriers is None and r.roster[0].on_time_share == 13 / 16
    assert r.roster_total is None
    assert "not reached with 1 couriers" in r.summary()


def test_equal_results_ignore_wall_times_and_say_simulated():
    """Two gatherings differing only in wall times are equal; JSON and tables say simulated."""
    other = fleet_result(SCENARIO, BLOCKS, {k: DayResult(v.metrics, v.left, seconds=9.0)
                                            for k, v in RESULTS.items()},
                         allocations=ALLOC, names={"a": "Bưu cục A", "b": "Bưu cục B"},
                         network_kind="proxy", timings={"wall_s": 99.0})
    assert other == result()
    doc = json.loads(json.dumps(result().to_dict()))
    assert doc["provenance"] == "simulated" and doc["timings"] == {"wall_s": 1.0}
    assert "timings" not in result().to_dict(timings=False)
    frames = result().frames()
    assert set(frames) == {"roster", "levels", "curves", "days"}
    assert all(set(f["source"]) == {"simulated"} for f in frames.values())
    assert result().summary().startswith("MÔ PHỎNG / SIMULATED")
