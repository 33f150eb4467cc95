"""Tests of vehicle profiles and the speed table (geo.profiles)."""

from pathlib import Path

import networkx as nx
import pytest

from data.errors import InputError
from geo.profiles import (
    DEFAULT_SPEED_TABLE,
    PROFILES,
    apply_profile,
    check_speed_table,
    get_profile,
    load_speed_table,
    parse_maxspeed,
    surface_class,
)


def test_default_table_speeds_and_moped_cap() -> None:
    """The shipped table gives the documented speeds; mopeds never exceed 40 km/h."""
    moto, moped = PROFILES["motorbike"], PROFILES["moped"]
    assert moto.speed_kph("trunk", "asphalt") == 50.0
    assert moto.speed_kph("trunk", "asphalt", mountain=True) == 40.0
    assert moped.speed_kph("trunk", "asphalt") == 40.0
    assert moto.speed_kph("motorway", "asphalt") == 0.0  # expressways closed to motorbikes
    assert PROFILES["car"].speed_kph("motorway", "asphalt") == 90.0
    assert moto.speed_kph(["tertiary_link", "residential"], "gravel") == 20.0
    assert moto.speed_kph("no_such_class", None) == 15.0  # the '*' row
    assert moto.speed_kph("trunk", "asphalt", maxspeed="30") == 30.0
    assert PROFILES["walk"].speed_kph("steps") == 2.0


def test_surface_and_maxspeed_parsing() -> None:
    """OSM surface values map to three classes; maxspeed parses km/h and mph."""
    assert [surface_class(s) for s in ("asphalt", "dirt", None, "", "paved")] == [
        "paved", "unpaved", "unknown", "unknown", "paved"]
    assert parse_maxspeed("50") == 50.0
    assert parse_maxspeed("20 mph") == pytest.approx(32.18688)
    assert parse_maxspeed("signals") is None
    assert parse_maxspeed(["60", "40"]) == 40.0


def test_apply_profile_sets_times_drops_forbidden_and_respects_oneway() -> None:
    """apply_profile computes travel_time_s, drops forbidden edges, and walkers ignore oneway."""
    G = nx.MultiDiGraph(terrain="flat")
    G.add_edge(1, 2, length_m=1000.0, highway="trunk", surface="asphalt", oneway=True)
    G.add_edge(2, 3, length_m=1000.0, highway="footway", oneway=False)
    G.add_edge(3, 2, length_m=1000.0, highway="footway", oneway=False)
    moto = apply_profile(G, "motorbike")
    assert list(moto.edges(data="travel_time_s")) == [(1, 2, 72.0)]
    assert moto.graph["profile"] == "motorbike"
    assert G.number_of_edges() == 3 and "travel_time_s" not in G.edges[1, 2, 0]
    walk = apply_profile(G, "walk")
    assert walk.has_edge(2, 1) and walk.edges[2, 1, 0]["reversed"] is True
    assert walk.edges[2, 1, 0]["travel_time_s"] == pytest.approx(800.0)
    G.graph["terrain"] = "mountain"
    assert apply_profile(G, "motorbike").edges[1, 2, 0]["travel_time_s"] == 90.0


def test_edited_speed_table_changes_profile(tmp_path) -> None:
    """A planner's edited CSV is read back and used by get_profile."""
    table = load_speed_table()
    table.loc[(table.highway == "trunk") & (table.surface == "paved"), "motorbike_kph"] = 36
    path = tmp_path / "speeds.csv"
    table.to_csv(path, index=False)
    prof = get_profile("motorbike", speed_table=load_speed_table(path))
    assert prof.speed_kph("trunk", "paved") == 36.0


def test_bad_speed_table_lists_every_problem() -> None:
    """Bad rows are all reported, each with its spreadsheet row number."""
    text = (
        b"highway,surface,motorbike_kph,car_kph,walk_kph\n"
        b"trunk,paved,fast,60,4\n"
        b"trunk,muddy,30,30,4\n"
        b"trunk,paved,40,60,4\n"
    )
    with pytest.raises(InputError) as err:
        load_speed_table(text)
    messages = [str(p) for p in err.value.problems]
    assert any("row 2" in m and "'fast'" in m for m in messages)
    assert any("row 3" in m and "surface" in m for m in messages)
    assert any("row 4" in m and "duplicate of row 2" in m for m in messages)
    assert any("'*'" in m for m in messages)
    with pytest.raises(InputError, match="unknown profile"):
        get_profile("bicycle")


def test_one_profile_list_for_every_layer() -> None:
    """geo.profiles, routing.model and the app offer the same profiles (data.vehicles)."""
    from data.vehicles import PROFILE_NAMES
    from geo.profiles import PROFILES
    from routing.model import COURIER_PROFILES

    assert tuple(PROFILES) == PROFILE_NAMES == COURIER_PROFILES
    assert "moped" in PROFILE_NAMES
    source = (Path(__file__).parents[1] / "app" / "network.py").read_text(encoding="utf-8")
    assert "PROFILES = PROFILE_NAMES" in source


def test_speed_table_classes_and_surfaces_match_without_case() -> None:
    """'Trunk,Paved' is the trunk/paved row (not silently ignored); unknown classes warn."""
    text = DEFAULT_SPEED_TABLE.read_text(encoding="utf-8").replace(
        "trunk,paved,50", "Trunk,Paved,48") + "Trunkk,paved,30,30,4,typo\n"
    table = load_speed_table(text.encode(), filename="s.csv")
    row = table[(table.highway == "trunk") & (table.surface == "paved")]
    assert row["motorbike_kph"].tolist() == [48.0]
    assert get_profile("motorbike", speed_table=table).speed_kph("trunk", "asphalt") == 48.0
    assert any("highway 'Trunkk' is not a known value" in w for w in table.attrs["warnings"])


def test_all_zero_speed_table_is_refused_with_the_column() -> None:
    """A table where motorbikes may use no road is refused, naming the column."""
    lines = DEFAULT_SPEED_TABLE.read_text(encoding="utf-8").splitlines()
    zero = [lines[0]] + [",".join([*ln.split(",")[:2], "0", *ln.split(",")[3:]])
                         for ln in lines[1:]]
    with pytest.raises(InputError, match="motorbike_kph is 0 on every row"):
        load_speed_table("\n".join(zero).encode(), filename="s.csv")


def test_speed_table_cutting_most_of_the_network_is_refused(proxy_network) -> None:  # type: ignore[no-untyped-def]
    """Only national roads allowed: motorbikes keep a small share of the proxy network."""
    table = load_speed_table()
    mask = ~table["highway"].isin(["trunk", "primary"])
    table.loc[mask, "motorbike_kph"] = 0.0
    with pytest.raises(InputError, match=r"motorbike could use [\d,]+ km of the [\d,]+ km"):
        check_speed_table(table, proxy_network)
    check_speed_table(load_speed_table(), proxy_network)  # the default passes
