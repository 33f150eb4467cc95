"""geo.field.roads and geo.field.osc: repeated off-network stretches become proposed roads."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from field_net import lonlat, small_network

from geo.field.osc import roads_to_osc
from geo.field.roads import RoadParams, add_trace_roads, propose_roads


def _stretch(trace: str, pts: list[tuple[float, float]], *, t0: float, dt: float = 10.0,
             provenance: str = "observed") -> list[dict[str, object]]:
    rows = []
    for i, (x, y) in enumerate(pts):
        lon, lat = lonlat(x, y)
        rows.append({"stretch_id": f"{trace}/1", "trace_id": trace, "seq": i, "lon": lon,
                     "lat": lat, "time_s": t0 + i * dt, "attach": i in (0, len(pts) - 1),
                     "provenance": provenance, "vehicle": "motorbike"})
    return rows


def _diagonal(offset: float = 0.0) -> list[tuple[float, float]]:
    """A ride from near A to near E along the diagonal (no road there), 100 m steps."""
    return [(x + offset, x - offset) for x in np.linspace(60, 940, 10)]


def _offroad(n_traces: int, **kw: object) -> pd.DataFrame:
    rows = []
    for k in range(n_traces):
        rows += _stretch(f"t{k}", _diagonal(offset=5.0 * k), t0=1_790_000_000 + 86400 * k,
                         **kw)  # type: ignore[arg-type]
    return pd.DataFrame(rows)


def test_three_traces_on_the_same_stretch_make_one_road() -> None:
    """A→E is proposed: joined at A and E, 1414 m, speed = distance ridden / time."""
    G = small_network()
    p = propose_roads(_offroad(3), G)
    assert len(p.roads) == 1
    road = p.roads.iloc[0]
    assert {road["u"], road["v"]} == {"A", "E"}
    assert road["length_m"] == pytest.approx(1000 * np.sqrt(2), rel=0.01)
    # each pass covers 60→940 m on both axes (1244 m) in 90 s
    assert road["observed_speed_kph"] == pytest.approx(880 * np.sqrt(2) / 90 * 3.6, rel=0.02)
    assert (road["n_traces"], road["n_passes"], road["source"]) == (3, 3, "trace")
    assert road["first_seen"] < road["last_seen"]


def test_fewer_traces_than_required_propose_nothing() -> None:
    """Two traces with min_traces 3: nothing; with min_traces 2: the road."""
    G = small_network()
    assert propose_roads(_offroad(2), G).roads.empty
    assert len(propose_roads(_offroad(2), G, params=RoadParams(min_traces=2)).roads) == 1


def test_an_out_and_back_becomes_a_dead_end() -> None:
    """Three rides from B 600 m south and back: a dead-end road from B."""
    G = small_network()
    rows = []
    pts = [(1000, -60)] + [(1000, -y) for y in (150, 300, 450, 600, 450, 300, 150)] + [
        (1000, -60)]
    for k in range(3):
        rows += _stretch(f"t{k}", pts, t0=1_790_000_000 + 1000 * k)
    p = propose_roads(pd.DataFrame(rows), G)
    assert len(p.roads) == 1
    road = p.roads.iloc[0]
    assert road["u"] == "B" and bool(road["dead_end"])
    assert road["length_m"] == pytest.approx(600, abs=20)
    assert road["n_passes"] == 6


def test_accepted_roads_join_the_network_at_their_observed_speed() -> None:
    """The proposed A–E road is added both ways; motorbikes ride it at the observed speed."""
    G = small_network()
    roads = propose_roads(_offroad(3), G).roads
    H = add_trace_roads(G, roads)
    assert H.number_of_edges() == G.number_of_edges() + 2
    d = next(iter(H["A"]["E"].values()))
    assert d["source"] == "trace"
    assert d["speed_kph"] == pytest.approx(float(roads.iloc[0]["observed_speed_kph"]))
    assert d["travel_time_s"] == pytest.approx(d["length_m"] / (d["speed_kph"] / 3.6))
    assert "E" in H["A"] and "A" in H["E"]


def test_osc_file_creates_a_way_tagged_for_review() -> None:
    """One way, two junction nodes (fixme: join), tags saying where it came from."""
    G = small_network()
    roads = propose_roads(_offroad(3), G).roads
    root = ET.fromstring(roads_to_osc(roads, network_kind="proxy"))
    assert root.tag == "osmChange" and root.get("version") == "0.6"
    ways = root.findall("./create/way")
    assert len(ways) == 1
    tags = {t.get("k"): t.get("v") for t in ways[0].findall("tag")}
    assert tags["highway"] == "track" and "3 GPS traces" in tags["note"]
    refs = [int(nd.get("ref")) for nd in ways[0].findall("nd")]
    assert all(r < 0 for r in refs)
    ends = [n for n in root.findall("./create/node") if int(n.get("id")) in (refs[0], refs[-1])]
    assert all(any(t.get("k") == "fixme" for t in n.findall("tag")) for n in ends)


def test_osc_on_an_osm_network_reuses_osm_node_ids_and_flags_simulation() -> None:
    """Numeric OSM node ids are referenced, not created; simulated roads say so."""
    G = small_network()
    roads = propose_roads(_offroad(3, provenance="simulated"), G).roads
    roads = roads.assign(u="1001", v="1002")
    text = roads_to_osc(roads, network_kind="osm").decode()
    root = ET.fromstring(text)
    refs = [int(nd.get("ref")) for nd in root.findall("./create/way/nd")]
    assert refs[0] == 1001 and refs[-1] == 1002
    assert "SIMULATED" in text and "do not upload" in text
