"""geo.field.match: traversals and off-network stretches on the six-node fixture."""

from __future__ import annotations

import numpy as np
import pytest
from field_net import METRIC, NODES, TO_LL, X0, Y0, small_network, straight_trace

from geo.field.clean import clean_trace
from geo.field.match import MatchNetwork, MatchParams, match_trace
from geo.field.traces import Trace


@pytest.fixture(scope="module")
def net() -> MatchNetwork:
    """The fixture network prepared for matching."""
    return MatchNetwork.build(small_network())


def test_a_straight_ride_gives_each_edge_its_exact_time(net: MatchNetwork) -> None:
    """A→D at 10 m/s: three 1 km edges, 100 s each, dated and timed in Vietnam time."""
    m = match_trace(net, clean_trace(straight_trace([NODES["A"], NODES["D"]]),
                                     metric_crs=METRIC))
    tv = m.traversals
    assert list(zip(tv["u"], tv["v"], strict=True)) == [("A", "B"), ("B", "C"), ("C", "D")]
    assert tv["travel_time_s"].to_numpy() == pytest.approx([100.0, 100.0, 100.0], abs=0.01)
    assert list(tv["highway"]) == ["trunk", "tertiary", "track"]
    assert tv["date"].iloc[0] == "2026-09-21"  # 1_790_000_000 s = 21:13:20 in Vietnam
    assert tv["time_of_day_s"].iloc[0] == pytest.approx(21 * 3600 + 13 * 60 + 20)
    assert len(m.offroad) == 0


def test_partly_ridden_edges_are_not_traversals(net: MatchNetwork) -> None:
    """A ride from the middle of A-B to the middle of C-D counts only B-C."""
    m = match_trace(net, clean_trace(straight_trace([(500, 0), (2500, 0)]), metric_crs=METRIC))
    assert list(zip(m.traversals["u"], m.traversals["v"], strict=True)) == [("B", "C")]


def test_a_turn_is_followed_through_the_junction(net: MatchNetwork) -> None:
    """A→B→E→F: the matcher follows the turn at B and the corner at E."""
    ride = [NODES["A"], NODES["B"], NODES["E"], NODES["F"]]
    m = match_trace(net, clean_trace(straight_trace(ride), metric_crs=METRIC))
    assert list(zip(m.traversals["u"], m.traversals["v"], strict=True)) == [
        ("A", "B"), ("B", "E"), ("E", "F")]


def test_a_stretch_far_from_every_edge_is_kept_with_its_bracketing_fixes(
        net: MatchNetwork) -> None:
    """Cutting from A straight to E (500 m from any road) is off the network, not matched."""
    ride = [NODES["A"], NODES["E"], NODES["F"], NODES["C"]]
    m = match_trace(net, clean_trace(straight_trace(ride), metric_crs=METRIC))
    off = m.offroad
    assert off["stretch_id"].nunique() == 1
    assert bool(off["attach"].iloc[0]) and bool(off["attach"].iloc[-1])
    assert not off["attach"].iloc[1:-1].any()
    assert m.offroad_m > 1000
    assert next(zip(m.traversals["u"], m.traversals["v"], strict=True)) == ("E", "F")


def test_short_excursions_are_noise_not_stretches(net: MatchNetwork) -> None:
    """A 150 m detour beyond the threshold is shorter than min_offroad_m: no stretch."""
    ride = [NODES["A"], (400, 0), (450, 140), (500, 140), (550, 0), NODES["D"]]
    m = match_trace(net, clean_trace(straight_trace(ride), metric_crs=METRIC),
                    params=MatchParams(offroad_m=120.0, min_offroad_m=250.0))
    assert len(m.offroad) == 0
    assert ("B", "C") in set(zip(m.traversals["u"], m.traversals["v"], strict=True))


def test_distance_to_network(net: MatchNetwork) -> None:
    """Distance from fixture points to the nearest edge, in metres."""
    from field_net import X0, Y0

    d = net.distance_m(np.array([X0 + 500, X0 + 500]), np.array([Y0 + 0, Y0 + 300]))
    assert d == pytest.approx([0.0, 300.0], abs=0.01)


def _ride(stops: list[tuple[float, float, float]], *, every_s: float = 2.0,
          t0: float = 1_790_000_000.0) -> Trace:
    """A noiseless trace through (x, y, time from start) waypoints, a fix every ``every_s``."""
    xy = np.array([[x, y] for x, y, _ in stops])
    at = np.array([s[2] for s in stops])
    ts = np.arange(0.0, at[-1] + 1e-9, every_s)
    lon, lat = TO_LL.transform(X0 + np.interp(ts, at, xy[:, 0]), Y0 + np.interp(ts, at, xy[:, 1]))
    return Trace(trace_id="v.gpx:1.1", file="v.gpx", track="t", lon=np.asarray(lon),
                 lat=np.asarray(lat), time_s=t0 + ts)


def test_a_slow_edge_between_fast_ones_keeps_its_time(net: MatchNetwork) -> None:
    """A→B at 20 m/s, B→C at 4 m/s (250 s), C→D at 20 m/s: B→C is timed from every fix.

    Timing it from the matcher's fixes only (150 m apart) gave 238 s: the slow edge lent
    time to its fast neighbours.
    """
    trace = _ride([(0, 0, 0.0), (1000, 0, 50.0), (2000, 0, 300.0), (3000, 0, 350.0)])
    m = match_trace(net, clean_trace(trace, metric_crs=METRIC))
    tv = m.traversals
    assert list(zip(tv["u"], tv["v"], strict=True)) == [("A", "B"), ("B", "C"), ("C", "D")]
    assert tv["travel_time_s"].to_numpy() == pytest.approx([50.0, 250.0, 50.0], abs=1.0)
