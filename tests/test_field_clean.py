"""geo.field.clean: duplicate times, jumps, stops and gaps, counted exactly."""

from __future__ import annotations

import numpy as np
import pytest
from field_net import METRIC, TO_LL, X0, Y0

from geo.field.clean import CleanParams, clean_trace
from geo.field.traces import Trace


def _trace(x: list[float], y: list[float], t: list[float]) -> Trace:
    lon, lat = TO_LL.transform(np.asarray(x) + X0, np.asarray(y) + Y0)
    return Trace("c.gpx:1.1", "c.gpx", "c", np.asarray(lon), np.asarray(lat),
                 np.asarray(t, dtype=float))


def test_duplicate_and_backward_times_are_dropped() -> None:
    """Two repeated and one earlier time stamp go; the rest stays in one piece."""
    x = [0, 10, 20, 20, 30, 25, 40]
    t = [0, 1, 2, 2, 3, 1.5, 4]
    c = clean_trace(_trace(x, [0] * 7, t), metric_crs=METRIC)
    assert c.dropped_duplicate == 2
    assert c.points_kept == 5
    assert len(c.pieces) == 1


def test_a_single_wild_fix_is_dropped_as_a_jump() -> None:
    """A fix 2 km off between two fixes 1 s apart needs > 130 km/h: dropped."""
    x = [0, 10, 2000, 30, 40]
    c = clean_trace(_trace(x, [0] * 5, [0, 1, 2, 3, 4]), metric_crs=METRIC)
    assert c.dropped_jump == 1
    assert c.points_kept == 4


def test_a_run_of_far_fixes_restarts_the_trace() -> None:
    """Five fixes in a row far away: the trace really moved; it is cut and goes on."""
    x = [0, 10, 20] + [50_000 + 10 * i for i in range(6)]
    t = list(range(9))
    c = clean_trace(_trace(x, [0] * 9, t), metric_crs=METRIC,
                    params=CleanParams(jump_reset_points=5, min_piece_points=3))
    assert [len(p) for p in c.pieces] == [3, 6]


def test_a_stay_becomes_a_stop_and_cuts_the_trace() -> None:
    """Standing 100 s within 80 m is a stop at the median position; riding either side stays."""
    ride_in = [(i * 20.0, 0.0, float(i)) for i in range(10)]          # 0..180 m
    stay = [(200.0 + (i % 3), 0.0, 10.0 + i * 10) for i in range(11)]  # 10..110 s at ~200 m
    ride_out = [(300.0 + i * 20, 0.0, 120.0 + i) for i in range(10)]
    pts = ride_in + stay + ride_out
    c = clean_trace(_trace([p[0] for p in pts], [p[1] for p in pts], [p[2] for p in pts]),
                    metric_crs=METRIC, params=CleanParams(stop_radius_m=80, stop_min_s=60))
    assert len(c.stops) == 1
    stop = c.stops.iloc[0]
    assert stop["left_at"] - stop["arrived_at"] >= 60
    x, _ = __import__("pyproj").Transformer.from_crs("EPSG:4326", METRIC, always_xy=True) \
        .transform(stop["lon"], stop["lat"])
    assert x - X0 == pytest.approx(181, abs=25)
    assert len(c.pieces) == 2


def test_a_long_silence_cuts_the_trace() -> None:
    """Fixes 5 minutes apart are two pieces (max_gap_s 60)."""
    x = [0, 10, 20, 30, 5000, 5010, 5020]
    t = [0, 1, 2, 3, 303, 304, 305]
    c = clean_trace(_trace(x, [0] * 7, t), metric_crs=METRIC)
    assert [len(p) for p in c.pieces] == [4, 3]
    assert c.dropped_jump == 0


def _stay(seconds: float) -> Trace:
    """Ride in at 97 km/h (81 m every 3 s), stand at x = 1000 m for ``seconds``, ride out."""
    ride_in = [(1000.0 - 81 * k, -3.0 * k) for k in range(10, 0, -1)]
    stay = [(1000.0, float(s)) for s in np.arange(0.0, seconds, 10.0)] + [(1000.0, seconds)]
    ride_out = [(1000.0 + 81 * k, seconds + 3.0 * k) for k in range(1, 11)]
    pts = ride_in + stay + ride_out
    return _trace([p[0] for p in pts], [0.0] * len(pts), [p[1] for p in pts])


def test_a_stay_of_exactly_two_minutes_is_a_stop() -> None:
    """Standing 120 s (the default stop_min_s, bound included) is one stop between two pieces."""
    c = clean_trace(_stay(120.0), metric_crs=METRIC)
    assert len(c.stops) == 1
    assert c.stops.iloc[0]["left_at"] - c.stops.iloc[0]["arrived_at"] == pytest.approx(120.0)
    assert len(c.pieces) == 2


def test_a_stay_just_under_two_minutes_is_riding() -> None:
    """Standing 119 s is not a stop by default: the trace stays one piece."""
    c = clean_trace(_stay(119.0), metric_crs=METRIC)
    assert len(c.stops) == 0
    assert len(c.pieces) == 1


def test_a_rider_at_walking_pace_is_not_stopped() -> None:
    """4.3 km/h up a track for 5 min (80 m left behind after 67 s): riding, not a stop."""
    t = np.arange(0.0, 300.0, 2.0)
    c = clean_trace(_trace(list(1.2 * t), [0.0] * len(t), list(t)), metric_crs=METRIC)
    assert len(c.stops) == 0
    assert [len(p) for p in c.pieces] == [len(t)]
    old = clean_trace(_trace(list(1.2 * t), [0.0] * len(t), list(t)), metric_crs=METRIC,
                      params=CleanParams(stop_min_s=60.0))
    assert len(old.stops) >= 1  # what the 1-minute rule did
