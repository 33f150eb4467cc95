"""Map helpers (app.maps) rendered to Leaflet HTML, read back as the browser gets them."""

from __future__ import annotations

import folium

from app import maps
from data.commune_points import load_commune_points
from data.settings import Settings


def test_replaced_commune_points_are_drawn_hollow_and_dashed(settings: Settings) -> None:
    """Geocoded points are filled; the 10 estimated ones hollow, dashed, with their note."""
    points = load_commune_points(settings)
    m = folium.Map(tiles=None)
    group = maps.add_commune_points(m, points, name="commune_points", lang="en")
    markers = [c for c in group._children.values() if isinstance(c, folium.CircleMarker)]
    assert len(markers) == 102
    by_place = {tuple(mk.location): mk for mk in markers}
    for r in points.itertuples():
        opts = by_place[(r.point_lat, r.point_lon)].options
        if r.source == "estimated":
            assert (opts["fillColor"], opts["dashArray"]) == ("#ffffff", "3 3")
        else:
            assert opts["fillColor"] == "#222222" and opts.get("dashArray") is None
    html = m.get_root().render()
    assert html.count('"dashArray": "3 3"') == 10
    assert "Estimated: the geocoded point lies 34.6 km outside the commune" in html


def test_route_stops_show_how_they_were_placed() -> None:
    """Given, observed and approximate stops get three marker styles and a legend."""
    layer = maps.RouteLayer(
        label="<b>Bưu tá</b>", colour="#c0392b", path=[(14.35, 108.0), (14.36, 108.01)],
        stops=[(14.351, 108.001, 1, "a"), (14.352, 108.002, 2, "b"), (14.353, 108.003, 3, "c")],
        placements=["given", "observed", "approximate"])
    m = folium.Map(tiles=None)
    maps.add_routes(m, [layer])
    html = m.get_root().render()
    for placement in ("given", "observed", "approximate"):
        assert html.count(f"stop-no placed-{placement}") == 1
    legend = maps.route_legend_html([layer])
    assert "&lt;b&gt;Bưu tá&lt;/b&gt;" in legend and "<b>Bưu" not in legend
    assert [p in legend for p in ("toạ độ cho sẵn", "vị trí quan sát", "gần đúng")] == [True] * 3
    plain = maps.RouteLayer(label="x", colour="#000", path=[], stops=[(14.0, 108.0, 1, "t")])
    assert "legend-mark" not in maps.route_legend_html([plain])  # all given: no placement key
