"""geo.field.speeds: per-cell speeds, intervals, counts, seasons and stop legs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from field_net import NODES, lonlat, small_network

from data.errors import InputError
from geo.field.speeds import SpeedParams, propose_speeds, season_of, stop_legs, table_cell
from geo.profiles import load_speed_table
from geo.speed_tables import default_ref


def _traversals(n: int, *, highway: str = "tertiary", surface: str = "paved",
                length_m: float = 1000.0, time_s: float | list[float] = 120.0,
                mountain: bool = False, date: str = "2026-11-25") -> pd.DataFrame:
    times = np.broadcast_to(np.asarray(time_s, dtype=float), (n,))
    return pd.DataFrame({
        "trace_id": [f"t{i}" for i in range(n)], "u": 1, "v": 2, "key": 0,
        "highway": highway, "surface": surface, "mountain": mountain, "length_m": length_m,
        "entered_at": 0.0, "exited_at": times, "travel_time_s": times,
        "speed_kph": length_m / times * 3.6, "date": date, "time_of_day_s": 30000.0,
        "vehicle": "motorbike"})


def test_ratio_of_total_times_gives_the_speed() -> None:
    """40 rides of 1 km in 120 s on tertiary/paved (table 35): proposed 30 km/h, a change."""
    p = propose_speeds(_traversals(40), load_speed_table(), default_ref(),
                       params=SpeedParams(n_boot=50))
    row = p.rows[p.rows["season"] == "all"].iloc[0]
    assert (row["highway"], row["surface"], row["n"]) == ("tertiary", "paved", 40)
    assert row["proposed_kph"] == pytest.approx(30.0)
    assert row["measured_kph"] == pytest.approx(30.0)
    assert row["ci_low_kph"] == pytest.approx(30.0) and row["ci_high_kph"] == pytest.approx(30.0)
    assert row["status"] == "change"
    table = p.proposed_table()
    mask = (table["highway"] == "tertiary") & (table["surface"] == "paved")
    assert float(table.loc[mask, "motorbike_kph"].iloc[0]) == 30.0
    assert float(table.loc[mask, "car_kph"].iloc[0]) == 40.0  # other vehicles untouched


def test_mountain_factor_is_divided_out() -> None:
    """On a mountain edge the table predicts 35 × 0.8 = 28 km/h; 30 observed → table 37.5."""
    p = propose_speeds(_traversals(40, mountain=True), load_speed_table(), default_ref(),
                       params=SpeedParams(n_boot=0))
    assert p.rows.iloc[0]["proposed_kph"] == pytest.approx(37.5)
    assert p.rows.iloc[0]["measured_kph"] == pytest.approx(30.0)


def test_too_few_observations_change_nothing() -> None:
    """29 rides (min_n 30) are reported but the table keeps its speed."""
    p = propose_speeds(_traversals(29), load_speed_table(), default_ref(),
                       params=SpeedParams(n_boot=20))
    assert list(p.rows["status"]) == ["too_few"]
    assert p.changes.empty
    assert p.proposed_table().equals(load_speed_table())


def test_an_interval_containing_the_table_speed_keeps_it() -> None:
    """Rides scattered around the table speed: status keep."""
    times = list(np.tile([90.0, 120.0, 150.0], 20) * (35 / 36))
    p = propose_speeds(_traversals(60, time_s=times, length_m=1000 * 35 / 36 * 120 / 103.0),
                       load_speed_table(), default_ref(), params=SpeedParams(n_boot=200))
    row = p.rows.iloc[0]
    assert row["ci_low_kph"] < 35.0 < row["ci_high_kph"]
    assert row["status"] == "keep"


def test_short_traversals_are_left_out() -> None:
    """Edges shorter than min_length_m do not count; the row says 40 were set aside as short."""
    p = propose_speeds(_traversals(40, length_m=50.0, time_s=1.0), load_speed_table(),
                       default_ref(), params=SpeedParams(n_boot=0))
    row = p.rows.iloc[0]
    assert (row["n"], row["set_aside_short"], row["status"]) == (0, 40, "too_few")
    assert np.isnan(row["proposed_kph"])
    assert p.changes.empty


def test_unknown_classes_fall_in_the_star_row() -> None:
    """A class the table does not list is estimated in its '*' row."""
    assert table_cell(load_speed_table(), "bridleway", "gravel") == ("*", "unpaved")
    p = propose_speeds(_traversals(30, highway="bridleway", surface="gravel", time_s=360.0),
                       load_speed_table(), default_ref(), params=SpeedParams(n_boot=0))
    assert (p.rows.iloc[0]["highway"], p.rows.iloc[0]["proposed_kph"]) == ("*", 10.0)


def test_seasons_get_rows_only_with_enough_data() -> None:
    """30 dry-season rides and 10 rainy ones: an 'all' and a 'dry' row, no 'rainy' row."""
    tv = pd.concat([_traversals(30, date="2026-12-01"),
                    _traversals(10, date="2026-07-01", time_s=180.0)], ignore_index=True)
    p = propose_speeds(tv, load_speed_table(), default_ref(), params=SpeedParams(n_boot=0))
    assert sorted(p.rows["season"]) == ["all", "dry"]
    assert season_of("2026-05-01") == "rainy" and season_of("2026-04-30") == "dry"
    dry = p.rows[p.rows["season"] == "dry"].iloc[0]
    assert dry["proposed_kph"] == pytest.approx(30.0)


def test_an_unknown_vehicle_is_an_input_error() -> None:
    """Only motorbike, car and walk have speed columns."""
    tv = _traversals(3).assign(vehicle="tractor")
    with pytest.raises(InputError, match="unknown vehicle"):
        propose_speeds(tv, load_speed_table(), default_ref())


def test_stop_legs_split_a_trip_over_classes_and_join_the_estimate() -> None:
    """Stops at A, C and D: legs A→C (trunk+tertiary) and C→D (track), service taken off."""
    G = small_network()
    table = load_speed_table()
    t0 = 1_790_000_000.0
    rows = []
    for i, (node, t, service) in enumerate((("A", 0.0, 0.0), ("C", 300.0, 60.0),
                                           ("D", 600.0, 60.0))):
        lon, lat = lonlat(*NODES[node])
        rows.append({"courier_id": "c1", "job_id": f"j{i}", "address_id": node,
                     "status": "done", "time_s": t0 + t, "lon": lon, "lat": lat,
                     "accuracy_m": 5.0, "service_s": service})
    legs = stop_legs(G, pd.DataFrame(rows), table)
    assert list(legs["observed_s"]) == [240.0, 240.0]
    assert legs.iloc[0]["exp:trunk|paved"] == pytest.approx(1000 / (50 / 3.6))
    assert legs.iloc[0]["exp:tertiary|paved"] == pytest.approx(1000 / (35 / 3.6))
    assert legs.iloc[1]["exp:track|unpaved"] == pytest.approx(1000 / (15 / 3.6))
    p = propose_speeds(_traversals(0), table, default_ref(), legs=legs,
                       params=SpeedParams(n_boot=0, min_n=1))
    track = p.rows[(p.rows["highway"] == "track") & (p.rows["season"] == "all")].iloc[0]
    assert track["proposed_kph"] == pytest.approx(15.0)  # 1 km in 240 s = 15 km/h
    assert track["n_legs"] == 1


def test_traversals_far_from_their_edge_are_left_out() -> None:
    """30 good rides at 30 km/h and 30 whose fixes sit 100 m off the edge (another road)."""
    good = _traversals(30).assign(fit_m=8.0)
    bad = _traversals(30, time_s=60.0).assign(fit_m=100.0)
    p = propose_speeds(pd.concat([good, bad], ignore_index=True), load_speed_table(),
                       default_ref(), params=SpeedParams(n_boot=0, max_fit_m=40.0))
    assert (p.rows.iloc[0]["n"], p.rows.iloc[0]["proposed_kph"]) == (30, pytest.approx(30.0))
    assert p.rows.iloc[0]["set_aside_off_edge"] == 30


def test_traversals_far_faster_than_their_cell_are_set_aside() -> None:
    """30 rides of 1 km in 240 s on a track and 4 matcher detours of 20 s: 15 km/h, 4 set aside."""
    tv = pd.concat([_traversals(30, highway="track", surface="unpaved", time_s=240.0),
                    _traversals(4, highway="track", surface="unpaved", time_s=20.0)],
                   ignore_index=True)
    p = propose_speeds(tv, load_speed_table(), default_ref(), params=SpeedParams(n_boot=0))
    row = p.rows.iloc[0]
    assert (row["n"], row["set_aside_implausible"]) == (30, 4)
    assert row["proposed_kph"] == pytest.approx(15.0)
    assert "set aside 4 implausible" in p.summary()
    assert p.to_dict()["set_aside_rules"]["implausible"] == {"ratio_to_cell_median":
                                                            [1 / 3, 3.0]}


def test_the_ratio_screen_keeps_its_bounds_and_sets_aside_beyond() -> None:
    """Against a median of 240 s, 80 s and 720 s (1/3 and 3×, bounds) count; 79 s, 721 s do not."""
    times = [240.0] * 31 + [80.0, 720.0, 79.0, 721.0]
    tv = _traversals(len(times), highway="track", surface="unpaved", time_s=times)
    p = propose_speeds(tv, load_speed_table(), default_ref(), params=SpeedParams(n_boot=0))
    row = p.rows.iloc[0]
    assert (row["n"], row["set_aside_implausible"]) == (33, 2)
    assert row["proposed_kph"] == pytest.approx(33 * 3.6 / (31 * 240 + 80 + 720) * 1000)


def test_the_ratio_screen_uses_the_median_not_the_table() -> None:
    """Every ride 4× slower than the table (track, 3.75 km/h) is kept: the median is the gauge."""
    p = propose_speeds(_traversals(30, highway="track", surface="unpaved", time_s=960.0),
                       load_speed_table(), default_ref(), params=SpeedParams(n_boot=0))
    row = p.rows.iloc[0]
    assert (row["n"], row["set_aside_implausible"]) == (30, 0)
    assert row["proposed_kph"] == pytest.approx(3.75)


def test_set_aside_counts_follow_the_season() -> None:
    """A detour in July counts in the 'all' and 'rainy' rows, not in the 'dry' one."""
    tv = pd.concat([_traversals(30, date="2026-12-01"), _traversals(30, date="2026-07-01"),
                    _traversals(1, date="2026-07-02", time_s=10.0)], ignore_index=True)
    p = propose_speeds(tv, load_speed_table(), default_ref(), params=SpeedParams(n_boot=0))
    aside = dict(zip(p.rows["season"], p.rows["set_aside_implausible"], strict=True))
    assert aside == {"all": 1, "rainy": 1, "dry": 0}
