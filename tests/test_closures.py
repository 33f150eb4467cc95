import datetime as dt

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from data.errors import InputError
from geo.closures import (
    Closure,
    apply_closures,
    closed_edges,
    closures_from_frame,
    closures_to_frame,
    parse_edge_ids,
    read_closures,
)
from geo.matrix import TravelEngine

DAY = dt.date(2026, 10, 15)


def _line() -> nx.MultiDiGraph:
    """Nodes 1-2-3 on a line (two-way), plus a slower bypass 1-4-3."""
    G = nx.MultiDiGraph(kind="proxy")
    for n, (x, y) in {1: (107.90, 14.30), 2: (107.91, 14.30), 3: (107.92, 14.30),
                      4: (107.91, 14.32)}.items():
        G.add_node(n, x=x, y=y)
    for u, v, t in ((1, 2, 60), (2, 3, 60), (1, 4, 200), (4, 3, 200)):
        G.add_edge(u, v, travel_time_s=float(t), length_m=1000.0, source="proxy")
        G.add_edge(v, u, travel_time_s=float(t), length_m=1000.0, source="proxy")
    return G


def test_edge_closure_only_on_its_dates() -> None:
    """A closure by edge id removes the road both ways within its dates, and not outside."""
    c = Closure("C1", dt.date(2026, 10, 10), dt.date(2026, 10, 20), "landslide", ((2, 3, None),))
    H = apply_closures(_line(), [c], DAY)
    assert not H.has_edge(2, 3) and not H.has_edge(3, 2) and H.has_edge(1, 2)
    assert H.graph["closures_applied"] == ["C1"] and H.graph["closed_edges"] == 2
    assert TravelEngine(H).matrix([1], [3])[0][0, 0] == 400.0  # the bypass
    assert apply_closures(_line(), [c], dt.date(2026, 10, 21)).has_edge(2, 3)
    assert _line().has_edge(2, 3)  # input unchanged
    one_way = Closure("C2", DAY, None, "one lane", ((2, 3, 0),))
    H2 = apply_closures(_line(), [one_way], dt.date(2030, 1, 1))
    assert not H2.has_edge(2, 3) and H2.has_edge(3, 2)


def test_blank_end_date_in_a_frame_means_open_ended() -> None:
    """A NaT end date (a blank date cell in a table) reads as 'until further notice'."""
    frame = pd.DataFrame({"closure_id": ["C1"], "valid_from": [pd.Timestamp("2026-10-10")],
                          "valid_to": [pd.NaT], "reason": ["landslide"], "edges": ["2>3"]})
    (c,) = closures_from_frame(frame)
    assert (c.valid_from, c.valid_to) == (dt.date(2026, 10, 10), None)
    assert not apply_closures(_line(), [c], dt.date(2031, 1, 1)).has_edge(2, 3)


def test_repeated_closure_id_is_reported_at_the_repeat() -> None:
    """Two rows with one closure_id are rejected, naming the first row and the fix."""
    frame = pd.DataFrame({"closure_id": ["C1", "C1"], "valid_from": ["2026-10-10"] * 2,
                          "reason": ["landslide"] * 2, "edges": ["2>3", "1>2"]})
    with pytest.raises(InputError, match="already used on row 2") as err:
        closures_from_frame(frame)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "closure_id")]


def test_area_closure_and_map_layer() -> None:
    """A polygon closes every edge it touches; closed_edges lists them with the reason."""
    area = box(107.905, 14.295, 107.915, 14.305)  # around node 2 only
    c = Closure("flood", DAY, DAY, "cầu tràn ngập", area=area)
    H = apply_closures(_line(), [c], DAY)
    assert sorted(H.edges()) == [(1, 4), (3, 4), (4, 1), (4, 3)]
    layer = closed_edges(_line(), [c], DAY)
    assert len(layer) == 4 and set(layer["reason"]) == {"cầu tràn ngập"}
    assert layer.crs == "EPSG:4326"


def test_read_closures_csv_round_trip(tmp_path) -> None:
    """CSV with edge ids, WKT and a circle, Vietnamese dates, reads and writes back."""
    text = (
        "closure_id,valid_from,valid_to,reason,edges,wkt,lat,lon,radius_m\n"
        "Q24,01/10/2026,31/10/2026,sạt lở Km76,2>3,,,,\n"
        "W,2026-10-15,,ngập,,\"POLYGON ((107.905 14.29, 107.915 14.29, 107.915 14.31, "
        "107.905 14.31, 107.905 14.29))\",,,\n"
        ",2026-10-15,2026-10-15,cầu,,,14.30,107.91,300\n"
    )
    path = tmp_path / "closures.csv"
    path.write_text(text, encoding="utf-8")
    items = read_closures(path)
    assert [c.closure_id for c in items] == ["Q24", "W", "C3"]
    assert items[0].valid_from == dt.date(2026, 10, 1) and items[1].valid_to is None
    assert items[0].edges == ((2, 3, None),)
    assert items[2].area is not None and items[2].area.contains(
        gpd.points_from_xy([107.91], [14.30])[0])
    again = read_closures(closures_to_frame(items).to_csv(index=False).encode())
    assert [(c.closure_id, c.valid_from, c.valid_to, c.edges) for c in again] == [
        (c.closure_id, c.valid_from, c.valid_to, c.edges) for c in items]
    H = apply_closures(_line(), [items[0], items[2]], DAY)  # W alone covers most of it
    assert not H.has_edge(1, 2) and not H.has_edge(2, 3)


def test_bad_closure_rows_are_all_reported() -> None:
    """Every bad row is reported with its row number, column and value."""
    text = (
        b"valid_from,valid_to,reason,edges\n"
        b"15/13/2026,,landslide,1>2\n"
        b"2026-10-15,2026-10-01,flood,1>2\n"
        b"2026-10-15,,,1>2\n"
        b"2026-10-15,,flood,1-2\n"
        b"2026-10-15,,flood,\n"
    )
    with pytest.raises(InputError) as err:
        read_closures(text)
    msgs = [str(p) for p in err.value.problems]
    assert len(msgs) == 5
    assert "row 2" in msgs[0] and "'15/13/2026'" in msgs[0]
    assert "row 3" in msgs[1] and "ends before it starts" in msgs[1]
    assert "row 4" in msgs[2] and "reason" in msgs[2]
    assert "row 5" in msgs[3] and "'1-2' is not an edge id" in msgs[3]
    assert "row 6" in msgs[4] and "say where" in msgs[4]


def test_unknown_edge_is_input_error_and_parse_ids() -> None:
    """Edge ids parse to typed node ids; an id not in the graph is an InputError."""
    assert parse_edge_ids("1>2; gap-0>5>0") == ((1, 2, None), ("gap-0", 5, 0))
    c = Closure("X", DAY, None, "test", ((7, 8, None),))
    with pytest.raises(InputError, match="no road between 7 and 8"):
        apply_closures(_line(), [c], DAY)


def test_closures_on_proxy_network_cut_a_highway(proxy_network) -> None:
    """A small area on QL14 closes the highway there; the trip along it takes a detour."""
    G = proxy_network
    hw = [(u, v) for u, v, d in G.edges(data=True) if d.get("ref") == "QL14"]
    u, v = hw[len(hw) // 2]
    w = next(b for _, b, d in G.out_edges(u, data=True) if d.get("ref") == "QL14" and b != v)
    x, y = G.nodes[u]["x"], G.nodes[u]["y"]
    c = Closure("QL14", DAY, DAY, "landslide",
                area=box(x - 0.001, y - 0.001, x + 0.001, y + 0.001))
    H = apply_closures(G, [c], DAY)
    assert H.graph["closed_edges"] >= 4 and not H.has_edge(u, v) and not H.has_edge(w, u)
    assert u in TravelEngine(G).path(w, v)
    before = TravelEngine(G).matrix([w], [v])[0][0, 0]
    after = TravelEngine(H).matrix([w], [v])[0][0, 0]
    assert after > before


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_closures_or_input_error(data: bytes) -> None:
    """Arbitrary uploads are read or rejected with an InputError, never another exception."""
    try:
        items = read_closures(data)
    except InputError as err:
        assert err.problems
    else:
        assert all(isinstance(c, Closure) for c in items)


CELLS = st.sampled_from(["", "2026-10-15", "31/02/2026", "x", "1>2", "a>b>c>d", ">",
                         "POLYGON ((0 0, 1 0, 1 1, 0 0))", "POINT (1 2)", "nan", "1e400",
                         "-91", "14.3", "107.9", "0", "=1+1", "LINESTRING (0 0, 1 1)"])


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.lists(CELLS, min_size=8, max_size=8), min_size=1, max_size=5))
def test_random_cells_under_the_header_give_row_problems(rows: list[list[str]]) -> None:
    """Random cells under the real header: closures, or problems that each name a data row."""
    header = "valid_from,valid_to,reason,edges,wkt,lat,lon,radius_m"
    text = "\n".join([header, *(",".join(f'"{c}"' for c in r) for r in rows)]) + "\n"
    try:
        items = read_closures(text.encode())
    except InputError as err:
        assert all((p.row is not None and 2 <= p.row <= len(rows) + 1)
                   or (p.row is None and "no closure rows" in p.message)
                   for p in err.problems)
    else:
        assert len(items) == len(rows)
        assert all(c.edges or c.area is not None for c in items)


def test_closures_cutting_most_of_the_network_are_refused(proxy_network) -> None:  # type: ignore[no-untyped-def]
    """A polygon over the whole province is refused with the figure, not applied."""
    frame = pd.DataFrame({"closure_id": ["ALL"], "valid_from": ["2026-10-01"],
                          "reason": ["typo"], "wkt": ["POLYGON ((107 13.5, 109 13.5, 109 15.6, "
                                                      "107 15.6, 107 13.5))"]})
    with pytest.raises(InputError, match=r"would close [\d,]+ of [\d,]+ roads \(100%"):
        apply_closures(proxy_network, frame, DAY)


def test_huge_radius_is_a_row_problem() -> None:
    """radius_m=1e9 is refused at its row (it would otherwise close half the province)."""
    with pytest.raises(InputError, match="radius_m must be above 0 and at most 50,000"):
        read_closures(b"valid_from,reason,lat,lon,radius_m\n2026-10-01,x,14.3,108.0,1e9\n")
