"""Many markers as one folium element (app.map_markers), rendered as the browser gets it."""

from __future__ import annotations

import json
import re

import folium
from folium.vector_layers import path_options

from app.map_markers import CircleMarkers, DivMarkers

HOSTILE = '</script><img src=x onerror="alert(1)">`${alert(2)}`'


def _script(m: folium.Map) -> str:
    return m.get_root().render()


def test_every_marker_is_drawn_from_one_list_with_its_icon_anchor_and_tooltip() -> None:
    """Two markers: one list in the page, each with its icon, anchor and tooltip (or none)."""
    m = folium.Map(tiles=None)
    group = folium.FeatureGroup(name="g").add_to(m)
    layer = DivMarkers([(14.35, 108.0, '<div class="stop-no">1</div>', (11, 11), "<b>An</b>"),
                        (14.36, 108.01, '<div class="stop-no">2</div>', (-5, 11), None)],
                       icon_size=(22, 22), options={"pane": "p1", "interactive": False})
    layer.add_to(group)
    html = _script(m)
    listed = re.search(rf"var {layer.get_name()} = (\[.*?\]);\n", html)
    assert listed is not None
    assert json.loads(listed.group(1)) == [
        [14.35, 108.0, '<div class="stop-no">1</div>', [11, 11], "<b>An</b>"],
        [14.36, 108.01, '<div class="stop-no">2</div>', [-5, 11], None]]
    assert f".addTo({group.get_name()});" in html
    assert '{"interactive": false, "pane": "p1"}' in html
    assert "iconSize: [22, 22]" in html and html.count("L.marker(") == 1
    assert m.get_bounds() == [[14.35, 108.0], [14.36, 108.01]]


def test_texts_reach_the_page_as_data_never_as_markup_or_code() -> None:
    """A tooltip that tries to close the script or run a template is JSON-escaped text."""
    m = folium.Map(tiles=None)
    DivMarkers([(14.0, 108.0, HOSTILE, (0, 0), HOSTILE)], icon_size=(1, 1)).add_to(m)
    html = _script(m)
    assert "</script><img" not in html and "<img src=x" not in html
    assert "\\u003c/script\\u003e\\u003cimg src=x" in html


def test_an_empty_list_draws_nothing_and_has_no_bounds() -> None:
    """No markers: an empty list, and folium's bounds are not widened."""
    m = folium.Map(tiles=None)
    DivMarkers([], icon_size=(22, 22)).add_to(m)
    assert "= [];" in _script(m)
    assert m.get_bounds() == [[None, None], [None, None]]


def test_circles_carry_folium_s_own_options_and_their_tooltips() -> None:
    """Each circle gets the options folium.CircleMarker would, and its tooltip (or none)."""
    kwargs = {"radius": 4, "color": "#c0392b", "weight": 1.5, "fill": True,
              "fill_color": "#ffffff", "fill_opacity": 0.9, "pane": "offices"}
    m = folium.Map(tiles=None)
    layer = CircleMarkers([(14.35, 108.0, path_options(line=False, **kwargs), "<b>BĐ</b>"),
                           (14.4, 108.2, path_options(line=False, **kwargs), None)])
    layer.add_to(m)
    listed = re.search(rf"var {layer.get_name()} = (\[.*?\]);\n", _script(m))
    assert listed is not None
    first, second = json.loads(listed.group(1))
    assert first[2] == folium.CircleMarker([14.35, 108.0], **kwargs).options
    assert first[3] == "<b>BĐ</b>" and second[3] is None
    assert m.get_bounds() == [[14.35, 108.0], [14.4, 108.2]]
