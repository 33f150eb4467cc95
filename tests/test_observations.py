"""data.observations: batches stored and read back, duplicates refused, address positions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from field_net import METRIC, lonlat
from store_utils import account

from data.errors import InputError
from data.observations import (
    TRAVERSAL_COLUMNS,
    ObservationBatch,
    address_positions,
    load_observations,
    local_date_time,
    save_batch,
)
from data.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store."""
    s = Store(f"sqlite:///{tmp_path / 'obs.sqlite'}")
    yield s
    s.close()


def _batch(provenance: str = "observed", sha: str = "abc") -> ObservationBatch:
    tv = pd.DataFrame([{c: 0 for c in TRAVERSAL_COLUMNS}])
    tv = tv.assign(trace_id="t", highway="trunk", surface="paved", mountain=True,
                   length_m=1000.0, travel_time_s=100.0, date="2026-11-25", vehicle="motorbike")
    return ObservationBatch(source="gps_trace", provenance=provenance, tables={"traversals": tv},
                            files=({"name": "a.gpx", "sha256": sha},))


def test_batches_round_trip_with_their_provenance(store: Store) -> None:
    """Two batches are read back concatenated, each row tagged with batch and provenance."""
    save_batch(store, _batch(), actor=account(store, "lan", role="planner"))
    save_batch(store, _batch("simulated", sha="def"),
               actor=account(store, "lan", role="planner"))
    obs = load_observations(store, actor=account(store))
    tv = obs.table("traversals")
    assert len(tv) == 2
    assert list(tv["provenance"]) == ["observed", "simulated"]
    assert obs.provenance == "observed+simulated"
    assert tv["mountain"].tolist() == [True, True]
    observed = load_observations(store, actor=account(store), provenance="observed")
    assert len(observed.table("traversals")) == 1
    assert obs.table("offroad").empty


def test_the_same_files_cannot_be_imported_twice(store: Store) -> None:
    """A batch of the same files is refused with the date of the first import."""
    save_batch(store, _batch(), actor=account(store, "lan", role="planner"))
    with pytest.raises(InputError, match="already imported"):
        save_batch(store, _batch(), actor=account(store, "minh", role="planner"))


def test_a_batch_with_a_missing_column_is_rejected() -> None:
    """Every table must carry its columns."""
    with pytest.raises(InputError, match="table traversals lacks"):
        ObservationBatch(source="gps_trace", provenance="observed",
                         tables={"traversals": pd.DataFrame({"u": [1]})})
    with pytest.raises(InputError, match="provenance must be one of"):
        ObservationBatch(source="gps_trace", provenance="guessed", tables={})


def test_address_position_is_the_median_with_count_and_spread() -> None:
    """Three reports 0, 10 and 100 m east: the median (10 m), n=3, spread 10 m."""
    rows = []
    for i, dx in enumerate((0.0, 10.0, 100.0)):
        lon, lat = lonlat(dx, 0.0)
        rows.append({"courier_id": "c", "job_id": f"j{i}", "address_id": "nhà 5",
                     "status": "done", "time_s": 1_790_000_000.0 + i, "lon": lon, "lat": lat,
                     "accuracy_m": 8.0, "service_s": 0.0})
    lon, lat = lonlat(0, 0)
    rows.append({**rows[0], "address_id": "xa", "accuracy_m": 500.0})
    out = address_positions(pd.DataFrame(rows), metric_crs=METRIC)
    assert list(out["address_id"]) == ["nhà 5"]  # the 500 m fix is left out
    row = out.iloc[0]
    exp_lon, exp_lat = lonlat(10.0, 0.0)
    assert (row["lon"], row["lat"]) == (pytest.approx(exp_lon, abs=1e-7),
                                        pytest.approx(exp_lat, abs=1e-7))
    assert (row["n"], row["spread_m"], row["placed_by"]) == (3, pytest.approx(10.0, abs=0.01),
                                                             "observed")


def test_local_date_and_time_are_vietnam_time() -> None:
    """23:30 UTC is 06:30 the next day in Vietnam."""
    dates, tod = local_date_time([pd.Timestamp("2026-11-24T23:30:00Z").timestamp()])
    assert dates[0] == "2026-11-25" and tod[0] == 6.5 * 3600
