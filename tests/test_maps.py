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
