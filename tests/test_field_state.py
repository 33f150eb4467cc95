"""geo.field.state: nothing changes until accepted; accepted speeds and roads are versioned."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from field_net import small_network
from store_utils import account
from test_field_roads import _offroad
from test_field_speeds import _traversals

from data.errors import ConflictError, InputError
from data.settings import Settings
from data.store import Store
from geo.field.speeds import SpeedParams, propose_speeds
from geo.field.state import (
    accept_roads,
    accept_speeds,
    apply_field_state,
    field_state,
    field_state_for,
)
from geo.speed_tables import default_ref, network_speed_table


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store."""
    s = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield s
    s.close()


def test_without_a_database_the_default_table_is_in_use(tmp_path: Path) -> None:
    """No store file: the default state, and no database is created."""
    settings = Settings(user_dir=tmp_path, cache_dir=tmp_path)
    assert field_state_for(settings).ref == default_ref()
    assert not (tmp_path / "postplan.sqlite").exists()


def test_accepting_speeds_makes_a_new_version_that_retimes_the_network(store: Store) -> None:
    """tertiary/paved 35 → 30 km/h: version 1, the B–C edge takes 120 s, the graph says so."""
    state = field_state(store)
    proposal = propose_speeds(_traversals(40), state.speed_table(), state.ref,
                              params=SpeedParams(n_boot=20))
    G = small_network()
    assert network_speed_table(apply_field_state(G, field_state(store))) == default_ref()
    ref = accept_speeds(store, proposal, actor=account(store, "lan", role="planner"))
    assert (ref.name, ref.version, ref.source) == ("field-calibrated", 1, "accepted")
    H = apply_field_state(G, field_state(store))
    assert next(iter(H["B"]["C"].values()))["travel_time_s"] == pytest.approx(120.0)
    assert next(iter(G["B"]["C"].values()))["travel_time_s"] == pytest.approx(1000 / (35 / 3.6))
    assert network_speed_table(H).label().startswith("field-calibrated v1")


def test_a_proposal_against_an_older_table_is_refused(store: Store) -> None:
    """Two proposals from the same table: the second accept is a conflict, nothing saved."""
    state = field_state(store)
    first = propose_speeds(_traversals(40), state.speed_table(), state.ref,
                           params=SpeedParams(n_boot=0))
    second = propose_speeds(_traversals(40, time_s=150.0), state.speed_table(), state.ref,
                            params=SpeedParams(n_boot=0))
    accept_speeds(store, first, actor=account(store, "lan", role="planner"))
    with pytest.raises(ConflictError, match="compute the proposal again"):
        accept_speeds(store, second, actor=account(store, "minh", role="planner"))
    assert field_state(store).ref.version == 1


def test_a_proposal_without_changes_saves_nothing(store: Store) -> None:
    """Too few observations: InputError, no table stored."""
    state = field_state(store)
    proposal = propose_speeds(_traversals(5), state.speed_table(), state.ref)
    with pytest.raises(InputError, match="changes no cell"):
        accept_speeds(store, proposal, actor=account(store, "lan", role="planner"))
    assert field_state(store).table is None


def test_accepted_roads_join_the_network_once(store: Store) -> None:
    """Accepting the A–E road adds it; accepting it again is refused."""
    from geo.field.roads import propose_roads

    G = small_network()
    roads = propose_roads(_offroad(3), G).roads
    assert accept_roads(store, roads, actor=account(store, "lan", role="planner")) == 1
    H = apply_field_state(G, field_state(store))
    assert H.has_edge("A", "E") and H.has_edge("E", "A")
    assert set(pd.Series([d["source"] for *_, d in H.edges(data=True)])) == {"osm", "trace"}
    with pytest.raises(InputError, match="no new road"):
        accept_roads(store, roads, actor=account(store, "lan", role="planner"))
    with pytest.raises(InputError, match="not in the proposal"):
        accept_roads(store, roads, actor=account(store, "lan", role="planner"),
                     road_ids=["trace-nope"])


def test_coverage_network_says_which_speed_table_timed_it(store: Store) -> None:
    """An access network built on the accepted network carries the table's label."""
    from geo.coverage import AccessNetwork

    state = field_state(store)
    proposal = propose_speeds(_traversals(40), state.speed_table(), state.ref,
                              params=SpeedParams(n_boot=0))
    accept_speeds(store, proposal, actor=account(store, "lan", role="planner"))
    G = apply_field_state(small_network(), field_state(store))
    assert AccessNetwork.build(G).speed_table.startswith("field-calibrated v1 (sha256 ")
    assert AccessNetwork.build(small_network()).speed_table.startswith("default v0")
