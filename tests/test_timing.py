"""The one route-timing replay (routing.timing.replay) on a hand-made matrix."""

from __future__ import annotations

import numpy as np

from routing.timing import Run, Step, replay

H = 3600
#: rows: 0 office, 1 stop A, 2 stop B; 600 s between any two places
T = np.full((3, 3), 600.0)
np.fill_diagonal(T, 0.0)


def test_waits_for_the_window_and_leaves_later_instead():
    """A stop opening at 08:00: the courier leaves at 07:50 instead of waiting there."""
    run = Run(0, 0, 7 * H, 17 * H, 10 * H, 10, initial_load=1)
    r = replay(run, [Step(1, ((8 * H, 9 * H),), 300, -1, "A", "delivery")], T)
    assert r is not None and r.feasible
    assert r.depart_s == 8 * H - 600
    (a,) = r.stops
    assert (a.arrival_s, a.start_s, a.departure_s, a.window) == (8 * H, 8 * H, 8 * H + 300,
                                                                 (8 * H, 9 * H))
    assert r.end_s == 8 * H + 900 and r.work_s == 1500


def test_closure_is_waited_through_and_a_missed_window_is_late():
    """Second window after the midday closure is used; a stop fitting no window is late."""
    run = Run(0, 0, 11 * H, 17 * H, 10 * H, 10, initial_load=2)
    steps = [Step(1, ((7 * H, 11 * H + 600), (13 * H, 17 * H)), 300, -1, "A", "delivery"),
             Step(2, ((7 * H, 12 * H),), 300, -1, "B", "delivery")]
    r = replay(run, steps, T)
    assert r is not None
    assert r.stops[0].window == (13 * H, 17 * H) and r.stops[0].start_s == 13 * H
    assert r.stops[1].late and r.stops[1].window is None
    assert r.stops[1].start_s == r.stops[1].arrival_s == 13 * H + 900
    assert not r.feasible
    assert replay(run, steps, T, strict=True) is None


def test_capacity_and_unreachable_leg_are_flagged():
    """A load above capacity and an unreachable leg make the replay infeasible (not fatal)."""
    t = T.copy()
    t[1, 2] = np.inf
    run = Run(0, 0, 7 * H, 17 * H, 10 * H, 1, initial_load=2)
    r = replay(run, [Step(1, (), 0, -1, "A", "delivery"), Step(2, (), 0, -1, "B", "delivery")],
               t)
    assert r is not None and not r.feasible
    assert not r.stops[1].reachable and r.stops[1].leg_time_s == 0.0
    assert [s.load for s in r.stops] == [1, 0]
