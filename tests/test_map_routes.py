"""Couriers' routes on a map (app.map_routes) rendered to Leaflet HTML, as the browser gets it."""

from __future__ import annotations

import folium

from app import map_routes


def test_route_stops_show_how_they_were_placed() -> None:
    """Given, observed and approximate stops get three marker styles and a legend."""
    layer = map_routes.RouteLayer(
        label="<b>Bưu tá</b>", colour="#c0392b", path=[(14.35, 108.0), (14.36, 108.01)],
        stops=[(14.351, 108.001, 1, "a"), (14.352, 108.002, 2, "b"), (14.353, 108.003, 3, "c")],
        placements=["given", "observed", "approximate"])
    m = folium.Map(tiles=None)
    map_routes.add_routes(m, [layer])
    html = m.get_root().render()
    for placement in ("given", "observed", "approximate"):
        assert html.count(f"stop-no placed-{placement}") == 1
    legend = map_routes.route_legend_html([layer])
    assert "&lt;b&gt;Bưu tá&lt;/b&gt;" in legend and "<b>Bưu" not in legend
    assert [p in legend for p in ("toạ độ cho sẵn", "vị trí quan sát", "gần đúng")] == [True] * 3
    plain = map_routes.RouteLayer(label="x", colour="#000", path=[], stops=[(14.0, 108.0, 1, "t")])
    assert "legend-mark" not in map_routes.route_legend_html([plain])  # all given: no placement key
