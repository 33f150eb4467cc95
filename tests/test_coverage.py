from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from geo.coverage import (
    AccessNetwork,
    SnappedPoints,
    nearest_destination,
    weighted_quantile,
)
from geo.coverage import point_times as _times_of
from geo.graph import add_metric_coordinates


def _line() -> nx.MultiDiGraph:
    """a — b — c — d, two-way, 60 / 120 / 180 s, plus a one-way shortcut d → a of 30 s."""
    G = nx.MultiDiGraph(kind="proxy", profile="motorbike")
    for i, name in enumerate("abcd"):
        G.add_node(name, x=107.5 + 0.01 * i, y=14.3)
    for u, v, t in (("a", "b", 60.0), ("b", "c", 120.0), ("c", "d", 180.0)):
        G.add_edge(u, v, travel_time_s=t, length_m=t * 10)
        G.add_edge(v, u, travel_time_s=t, length_m=t * 10)
    G.add_edge("d", "a", travel_time_s=30.0, length_m=300.0)
    add_metric_coordinates(G, "EPSG:9216")
    return G


def _snapped(net: AccessNetwork, rows: list[tuple[str, str, float, float]]) -> SnappedPoints:
    """Build snapped points by hand: (u, v, fraction along u→v, access seconds)."""
    u = net.engine.node_index([r[0] for r in rows])
    v = net.engine.node_index([r[1] for r in rows])
    f = np.array([r[2] for r in rows])
    acc = np.array([r[3] for r in rows])
    t_uv = net.arc_time_s(u, v)
    t_vu = net.arc_time_s(v, u)
    return SnappedPoints(
        origin_nodes=np.column_stack([v, u]),
        origin_s=np.column_stack([acc + (1 - f) * t_uv, acc + f * t_vu]),
        destination_nodes=np.column_stack([u, v]),
        destination_s=np.column_stack([f * t_uv + acc, (1 - f) * t_vu + acc]),
        access_time_s=acc, access_length_m=acc * 5, too_far=np.zeros(len(rows), bool))


def test_multi_source_counts_office_legs_exactly() -> None:
    """One search from two offices gives door-to-office times with both off-network legs."""
    net = AccessNetwork.build(_line())
    # office 0 halfway along a→b, 10 s off the road; office 1 at d, 100 s off the road
    offices = _snapped(net, [("a", "b", 0.5, 10.0), ("c", "d", 1.0, 100.0)])
    node_t, owner = nearest_destination(net, offices)
    at = {n: (node_t[i], owner[i]) for i, n in enumerate(net.engine.nodes)}
    assert at["a"] == (40.0, 0)  # 30 s along a→b + 10 s leg
    assert at["b"] == (40.0, 0)
    assert at["c"] == (160.0, 0)  # c→b→office: 120 + 30 + 10 (via d: 180 + 100 = 280)
    assert at["d"] == (70.0, 0)  # d→a by the one-way shortcut, 30 + 40
    # a cell a quarter along c→d, 5 s off the road: via c (45 + 160) or via d (135 + 70)
    cells = _snapped(net, [("c", "d", 0.25, 5.0)])
    t, dest = _times_of(cells, node_t, owner)
    assert t.tolist() == [5.0 + 45.0 + 160.0] and dest.tolist() == [0]


def test_multi_source_matches_matrix_brute_force() -> None:
    """On a random one-way-rich network the multi-source times equal the matrix minimum."""
    from geo.links import relative_neighbourhood_edges

    rng = np.random.default_rng(7)
    pts = rng.random((120, 2)) * 4000.0
    G = nx.MultiDiGraph(kind="proxy", profile="motorbike")
    for i, (x, y) in enumerate(pts):
        G.add_node(int(i), x=107.5 + x / 1e5, y=14.3 + y / 1e5)
    for u, v in relative_neighbourhood_edges(pts):
        for a, b in ((u, v), (v, u)):
            G.add_edge(int(a), int(b), travel_time_s=float(rng.integers(5, 200)), length_m=1.0)
    G = G.subgraph(max(nx.strongly_connected_components(G), key=len)).copy()
    add_metric_coordinates(G, "EPSG:9216")
    net = AccessNetwork.build(G)
    nodes = list(G.nodes)
    edges = list(G.edges())

    def pick(k: int) -> list[tuple[object, object, float, float]]:
        idx = rng.choice(len(edges), k, replace=False)
        return [(edges[i][0], edges[i][1], float(rng.random()), float(rng.integers(0, 60)))
                for i in idx]

    offices = _snapped(net, pick(6))  # type: ignore[arg-type]
    cells = _snapped(net, pick(40))  # type: ignore[arg-type]
    node_t, owner = nearest_destination(net, offices)
    t, _ = _times_of(cells, node_t, owner)
    m, _ = net.engine.matrix(nodes, nodes, lengths=False)
    expect = np.full(40, np.inf)
    for i in range(40):
        for a in range(2):
            for j in range(6):
                for b in range(2):
                    o = cells.origin_nodes[i, a]
                    d = offices.destination_nodes[j, b]
                    expect[i] = min(expect[i], cells.origin_s[i, a] + m[o, d]
                                    + offices.destination_s[j, b])
    np.testing.assert_allclose(t, expect, rtol=0, atol=1e-9)


def test_weighted_quantile() -> None:
    """The weighted 90th percentile is the smallest time reaching 90 % of the people."""
    assert weighted_quantile([10, 20, 30], [5, 4, 1], 0.9) == 20
    assert weighted_quantile([10, 20, np.inf], [1, 1, 8], 0.5) == np.inf
    assert np.isnan(weighted_quantile([1.0], [0.0], 0.9))


@pytest.mark.parametrize("limit", [None, 50.0])
def test_limit_marks_far_nodes_unreachable(limit: float | None) -> None:
    """A search limit leaves nodes beyond it at inf with no owner."""
    net = AccessNetwork.build(_line())
    offices = _snapped(net, [("a", "b", 0.0, 0.0)])
    node_t, owner = nearest_destination(net, offices, limit_s=limit)
    c = net.engine.nodes.index("c")
    if limit is None:
        assert node_t[c] == 180.0 and owner[c] == 0
    else:
        assert np.isinf(node_t[c]) and owner[c] == -1


# --------------------------------------------------------------------------- real Kon Tum data

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import pyogrio  # noqa: E402

from data import layers  # noqa: E402
from data.commune_points import load_commune_points  # noqa: E402
from data.errors import InputError  # noqa: E402
from data.offices import default_offices  # noqa: E402
from data.settings import Settings  # noqa: E402
from geo.coverage import (  # noqa: E402
    AccessSurface,
    access_surface,
    coverage_report,
    export_coverage,
)
from geo.siting import cost_matrix  # noqa: E402


@pytest.fixture(scope="module")
def kontum_net(proxy_network: nx.MultiDiGraph) -> AccessNetwork:
    return AccessNetwork.build(proxy_network)


@pytest.fixture(scope="module")
def surface(kontum_net: AccessNetwork, settings: Settings) -> AccessSurface:
    return access_surface(kontum_net, default_offices(settings),
                          layers.load_population_grid(settings),
                          points=load_commune_points(settings), kinds=["post_office"])


def test_access_surface_equals_matrix_minimum(kontum_net: AccessNetwork, settings: Settings,
                                              surface: AccessSurface) -> None:
    """The one multi-source search gives, per cell, the minimum over offices of the matrix."""
    cells = layers.load_population_grid(settings).iloc[::97]
    offices = default_offices(settings)
    offices = offices[offices["kind"] == "post_office"]
    m = cost_matrix(kontum_net, cells, offices)
    got = surface.cells.set_index("cell_id").loc[cells["cell_id"], "travel_time_s"]
    np.testing.assert_allclose(got.to_numpy(), m.min(axis=1), rtol=0, atol=1e-6)
    ids = offices["office_id"].to_numpy()[m.argmin(axis=1)]
    assert (surface.cells.set_index("cell_id").loc[cells["cell_id"], "office_id"].to_numpy()
            == ids).all()


def test_access_surface_on_kontum(surface: AccessSurface, settings: Settings) -> None:
    """Every cell and commune point gets a time that includes its off-road leg."""
    cells = surface.cells
    assert len(cells) == len(layers.load_population_grid(settings))
    assert np.isfinite(cells["travel_time_s"]).all()
    assert (cells["travel_time_s"] >= cells["access_time_s"]).all()
    assert len(surface.points) == 102 and np.isfinite(surface.points["travel_time_s"]).all()
    assert set(cells["office_id"]) <= set(surface.offices["office_id"])
    assert surface.network_kind == "proxy" and surface.kinds == ("post_office",)
    assert "PROXY" in surface.summary()


def test_coverage_report_adds_up(surface: AccessSurface, settings: Settings) -> None:
    """Totals, per-commune, per-new-commune and the curve agree with each other."""
    communes = layers.load_communes(settings)
    report = coverage_report(surface, communes, minutes=30,
                             new_communes=layers.load_new_communes(settings))
    w = surface.cells["population"].to_numpy()
    t = surface.cells["travel_time_s"].to_numpy()
    assert report.population_total == pytest.approx(w.sum())
    assert report.population_covered == pytest.approx(w[t <= 1800].sum())
    assert len(report.communes) == 102 and len(report.new_communes) == 40
    assert report.communes["population_covered"].sum() == pytest.approx(
        report.population_covered)
    assert report.new_communes["population"].sum() == pytest.approx(report.population_total)
    assert report.communes["population_census_2019"].sum() == 540_438
    curve = report.curve.set_index("minutes")["population_covered"]
    assert curve.loc[30] == pytest.approx(report.population_covered)
    assert curve.is_monotonic_increasing
    beyond = report.worst_communes["population_beyond"].to_numpy()
    assert (np.diff(beyond) <= 0).all()
    assert report.worst_communes.iloc[0]["population_beyond"] == pytest.approx(
        report.communes["population_beyond"].max())
    assert report.p90_time_s >= report.mean_time_s > 0
    d = report.to_dict()
    assert d["network_kind"] == "proxy" and len(d["worst_communes"]) == 10
    assert {"name", "population", "minutes"} <= set(d["worst_communes"][0])
    assert report.worst_places["population"].min() >= 50


def test_more_minutes_cover_more(surface: AccessSurface, settings: Settings) -> None:
    """Coverage at 60 minutes is at least coverage at 30 minutes, commune by commune."""
    communes = layers.load_communes(settings)
    r30 = coverage_report(surface, communes, minutes=30)
    r60 = coverage_report(surface, communes, minutes=60)
    assert r60.population_covered >= r30.population_covered
    assert (r60.communes["population_covered"].to_numpy()
            >= r30.communes["population_covered"].to_numpy() - 1e-9).all()


def test_exports(surface: AccessSurface, settings: Settings, tmp_path: Path) -> None:
    """GeoPackage, GeoJSON and CSV exports hold the figures and say network_kind."""
    report = coverage_report(surface, layers.load_communes(settings), minutes=45,
                             new_communes=layers.load_new_communes(settings))
    gpkg = export_coverage(report, tmp_path / "cov.gpkg")
    names = {row[0] for row in pyogrio.list_layers(gpkg)}
    assert names == {"communes", "new_communes", "cells", "worst_places", "curve"}
    geo = gpd.read_file(export_coverage(report, tmp_path / "cov.geojson"))
    assert len(geo) == 102 and set(geo["network_kind"]) == {"proxy"}
    csv_path = export_coverage(report, tmp_path / "cov.csv")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(csv_path, encoding="utf-8-sig", dtype={"commune_code": str})
    assert "Phường Quang Trung" in set(table["name"])
    assert table["population_covered"].sum() == pytest.approx(report.population_covered,
                                                              rel=1e-9)
    with pytest.raises(InputError, match=r"\.gpkg, \.geojson or \.csv"):
        export_coverage(report, tmp_path / "cov.shp")


def test_unknown_kind_and_far_office_are_errors(kontum_net: AccessNetwork,
                                                settings: Settings) -> None:
    """An absent office kind names the kinds present; an office at sea is refused."""
    offices = default_offices(settings)
    cells = layers.load_population_grid(settings).head(5)
    with pytest.raises(InputError, match="kinds present: one_stop_shop, post_office"):
        access_surface(kontum_net, offices, cells, kinds=["commune_post"])
    far = offices.head(1).copy()
    far["geometry"] = gpd.points_from_xy([109.5], [14.0], crs="EPSG:4326")
    with pytest.raises(InputError, match="from the nearest road"):
        access_surface(kontum_net, far, cells)


def test_census_scaled_cells(settings: Settings) -> None:
    """Census-scaled cells sum to each commune's 2019 census count; WorldPop is kept."""
    from geo.coverage import CENSUS_SOURCE, census_scaled_cells

    communes = layers.load_communes(settings)
    grid = layers.load_population_grid(settings)
    scaled = census_scaled_cells(grid, communes)
    sums = scaled.groupby("commune_code")["population"].sum()
    census = communes.set_index("commune_code")["population"]
    np.testing.assert_allclose(sums.to_numpy(), census.loc[sums.index].to_numpy(), rtol=1e-9)
    assert scaled["population_worldpop"].sum() == pytest.approx(grid["population"].sum())
    surf = AccessSurface(cells=scaled.assign(travel_time_s=0.0, office_id="x"),
                         points=gpd.GeoDataFrame({"commune_code": [], "travel_time_s": [],
                                                  "office_id": []}, geometry=[]),
                         offices=gpd.GeoDataFrame(), profile="walk", kinds=("x",),
                         network_kind="proxy", seconds=0.0)
    report = coverage_report(surf, communes, minutes=10)
    assert report.population_source == CENSUS_SOURCE
    assert report.population_total == pytest.approx(float(sums.sum()))


def test_worst_places_are_labelled_with_nearby_villages(settings: Settings) -> None:
    """A cell next to an OSM 'Thôn …' point carries that village's name."""
    from geo.coverage import named_villages
    from geo.coverage.report import _nearest_names

    villages = named_villages(layers.load_pois(settings))
    assert len(villages) >= 15 and villages["name"].str.startswith(("Thôn", "Làng")).all()
    chun = villages[villages["name"] == "Thôn Đắk Chun"].head(1)
    grid = layers.load_population_grid(settings).to_crs("EPSG:9216")
    d = grid.distance(chun.to_crs("EPSG:9216").geometry.iloc[0])
    near = grid.loc[[d.idxmin()]].to_crs("EPSG:4326")
    assert _nearest_names(near, villages, 3000.0) == ["Thôn Đắk Chun"]
    far = grid.loc[[d.idxmax()]].to_crs("EPSG:4326")
    assert _nearest_names(far, chun, 3000.0) == [""]
