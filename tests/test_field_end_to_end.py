"""End to end on a small hidden truth (SIMULATED): traces → import → proposals → accepted →
better arrival-time predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from field_net import METRIC, grid_network
from store_utils import account

from data.observations import address_positions, save_batch
from data.store import Store
from geo.field.pipeline import import_traces
from geo.field.roads import propose_roads
from geo.field.simulate import (
    build_world,
    courier_days,
    predicted_arrivals,
    true_arrivals,
    world_profile_table,
)
from geo.field.speeds import propose_speeds
from geo.field.state import accept_roads, accept_speeds, apply_field_state, field_state

FACTORS = {("tertiary", "paved"): 0.8, ("unclassified", "unpaved"): 0.6}


def test_hidden_truth_is_recovered_and_predictions_improve(tmp_path: Path) -> None:
    """Speeds within 10 %, the missing diagonal found, arrival errors shrink after accepting."""
    G = grid_network(6, diagonals=[((0, 0), (1, 1)), ((1, 1), (2, 2))])
    world = build_world(G, seed=3, assign_classes=False, overlap_m=0.0, factors=FACTORS,
                        remove=[("0,0", "1,1"), ("1,1", "2,2")])
    assert not world.planner.has_edge("0,0", "1,1") and world.truth.has_edge("0,0", "1,1")
    days = [f"2026-11-{d:02d}" for d in range(2, 14)]
    rides = courier_days(world, ["0,0"], days=days, radius_m=5000, addresses_per_office=12,
                         seed=3)
    result = import_traces([(f"{r.trace_id}.gpx", r.gpx) for r in rides], world.planner)
    batch = result.batch
    assert result.traces == len(rides)

    with Store(f"sqlite:///{tmp_path / 'e2e.sqlite'}") as store:
        save_batch(store, batch, actor=account(store, "sim", role="planner"))
        state = field_state(store)
        proposal = propose_speeds(batch.table("traversals"), state.speed_table(), state.ref,
                                  provenance="simulated")
        truth = world_profile_table(world).set_index(["highway", "surface"])["true_kph"]
        rows = proposal.rows[proposal.rows["season"] == "all"].set_index(["highway", "surface"])
        for cell, true_kph in truth.items():
            assert rows.loc[cell, "n"] >= 30
            assert rows.loc[cell, "proposed_kph"] == pytest.approx(true_kph, rel=0.10)
        roads = propose_roads(batch.table("offroad"), world.planner).roads
        assert len(roads) >= 1
        missing = shapely.MultiLineString([list(g.coords) for g in world.missing["geometry"]])
        to_m = __import__("pyproj").Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
        for geom in roads.geometry:
            line = shapely.transform(geom, lambda c: np.column_stack(to_m.transform(*c.T)))
            miss_m = shapely.transform(missing,
                                       lambda c: np.column_stack(to_m.transform(*c.T)))
            assert shapely.hausdorff_distance(line, miss_m) < 1500  # lies on the diagonal
            assert line.distance(miss_m) < 50
        accept_speeds(store, proposal, actor=account(store, "planner", role="planner"))
        accept_roads(store, roads, actor=account(store, "planner", role="planner"))
        after = apply_field_state(world.planner, field_state(store))

    rng = np.random.default_rng(9)
    errors_before, errors_after = [], []
    for ride in rides[:6]:
        stops = ["0,0", *ride.stops["node"], "0,0"]
        dwell = [*ride.stops["left_at"] - ride.stops["arrived_at"], 0.0]
        truth_t = true_arrivals(world, stops, dwell, rng=rng)
        errors_before.append(np.abs(predicted_arrivals(world.planner, stops, dwell) - truth_t))
        errors_after.append(np.abs(predicted_arrivals(after, stops, dwell) - truth_t))
    before = float(np.mean(np.concatenate(errors_before)))
    after_err = float(np.mean(np.concatenate(errors_after)))
    assert after_err < 0.5 * before

    # stops seen in the traces and the reports sit where the courier stood
    reports = pd.concat([r.reports for r in rides], ignore_index=True)
    pos = address_positions(reports, metric_crs=METRIC)
    assert (pos["n"] >= 2).any()
    detected = batch.table("trace_stops")
    assert len(detected) >= 0.8 * sum(len(r.stops) for r in rides)
