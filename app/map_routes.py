"""Couriers' routes on a folium map: lines with arrows, numbered stops, offices, a legend.

A stop's marker shows how its address was placed (solid: coordinates given; ringed:
observed by couriers' phones; hollow and dashed: approximate, a commune point). Every text
(courier names, tooltips) is escaped here; the pages add no HTML of their own.
:mod:`app.maps` re-exports these names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import folium
from branca.element import MacroElement
from folium import plugins
from jinja2 import Template

from app.i18n import t
from app.labels import PLACEMENT_SHORT_KEYS
from app.map_markers import DivMarkers, Mark
from app.safe import html_text

#: Qualitative palette for couriers (ColorBrewer Set1 + Dark2, readable on a light map).
COURIER_COLOURS = (
    "#e41a1c",
    "#377eb8",
    "#4daf4a",
    "#984ea3",
    "#ff7f00",
    "#a65628",
    "#f781bf",
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#666666",
)


@dataclass
class RouteLayer:
    """What the map needs to draw one courier's route.

    Parameters
    ----------
    label
        Courier name shown in tooltips.
    colour
        Line and marker colour.
    path
        (lat, lon) points of the driven line, depot to depot.
    stops
        (lat, lon, sequence number, tooltip html) of each visit.
    placements
        How each stop's address was placed (``given``, ``observed``, ``approximate``;
        ``routing.model.PLACEMENTS``), parallel to ``stops``; missing ones are ``given``.
    """

    label: str
    colour: str
    path: list[tuple[float, float]]
    stops: list[tuple[float, float, int, str]] = field(default_factory=list)
    placements: list[str] = field(default_factory=list)


#: Marker style per placement: solid (coordinates given), ringed (observed by couriers'
#: phones), hollow and dashed (approximate: a commune point).
_PLACEMENT_STYLE = {
    "given": "background:{c};color:#fff;border:2px solid #fff;box-shadow:0 0 2px #000;",
    "observed": "background:{c};color:#fff;border:2px solid #fff;"
    "box-shadow:0 0 0 2px {c},0 0 3px 3px #000;",
    "approximate": "background:#fff;color:{c};border:2px dashed {c};box-shadow:0 0 2px #000;",
}


def _marker_html(text: str, colour: str, placement: str, *, cls: str = "stop-no") -> str:
    style = _PLACEMENT_STYLE.get(placement, _PLACEMENT_STYLE["given"]).format(c=colour)
    return (
        f'<div class="{cls} placed-{placement if placement in _PLACEMENT_STYLE else "given"}" '
        f'style="{style}border-radius:11px;width:22px;height:22px;line-height:18px;'
        f'text-align:center;font:bold 11px sans-serif;box-sizing:border-box;">{text}</div>'
    )


#: Pixel offsets given to the 2nd, 3rd, … marker drawn at one spot (a circle of 16 px).
_SPREAD = ((16, 0), (0, -16), (-16, 0), (0, 16), (11, -11), (-11, -11), (-11, 11), (11, 11))


def _spread(points: Sequence[tuple[float, float]]) -> list[tuple[int, int]]:
    """Return a pixel offset per point so that points at one spot do not hide each other.

    The first point at a spot keeps (0, 0); the next ones go round it. Two points closer
    than about a metre (5 decimals of a degree) count as one spot.
    """
    seen: dict[tuple[float, float], int] = {}
    out = []
    for lat, lon in points:
        spot = (round(lat, 5), round(lon, 5))
        k = seen.get(spot, 0)
        seen[spot] = k + 1
        out.append((0, 0) if k == 0 else _SPREAD[(k - 1) % len(_SPREAD)])
    return out


def add_routes(
    m: folium.Map, routes: Sequence[RouteLayer], *, depots: Sequence[tuple[float, float, str]] = ()
) -> None:
    """Draw each route as a coloured line with direction arrows and numbered stops.

    Offices the routes start from are drawn beneath the stops (``z_index_offset``), and a
    stop at an office or at the same spot as another stop is shifted a few pixels aside,
    so every stop stays visible and can be pointed at.
    """
    depot_spots = [(lat, lon) for lat, lon, _label in depots]
    stops = [(lat, lon) for route in routes for lat, lon, _seq, _tip in route.stops]
    shifts = iter(_spread([*depot_spots, *stops])[len(depot_spots) :])
    for route in routes:
        group = folium.FeatureGroup(name=html_text(route.label))
        if len(route.path) >= 2:
            line = folium.PolyLine(
                route.path,
                color=route.colour,
                weight=4,
                opacity=0.85,
                tooltip=html_text(route.label),
            )
            line.add_to(group)
            plugins.PolyLineTextPath(
                line,
                "   ►   ",
                repeat=True,
                offset=5,
                attributes={"fill": route.colour, "font-size": "13", "font-weight": "bold"},
            ).add_to(group)
        placements = iter(route.placements)
        marks: list[Mark] = []
        for lat, lon, seq, tip in route.stops:
            dx, dy = next(shifts)
            html = _marker_html(str(int(seq)), route.colour, next(placements, "given"))
            marks.append((lat, lon, html, (11 - dx, 11 - dy), tip))
        if marks:  # one element per route, not four per stop (app.map_markers)
            DivMarkers(marks, icon_size=(22, 22)).add_to(group)
        group.add_to(m)
    depot_html = (
        '<div class="depot" style="background:#222;color:#fff;border:2px solid #fff;'
        "border-radius:4px;width:26px;height:26px;line-height:22px;text-align:center;"
        'font:bold 14px sans-serif;box-shadow:0 0 3px #000;">&#8962;</div>'
    )
    if depots:  # given their icon before they are added: Leaflet's default image never loads
        DivMarkers(
            [(lat, lon, depot_html, (13, 13), html_text(label)) for lat, lon, label in depots],
            icon_size=(26, 26),
            options={"zIndexOffset": -1000},  # beneath the stops: a stop there stays clickable
        ).add_to(m)


class _Legend(MacroElement):
    """A Leaflet control holding ready-made (escaped) HTML, bottom left of the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: "bottomleft"});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", "route-legend");
                div.style.cssText = "background:rgba(255,255,255,0.9);padding:4px 8px;"
                    + "border-radius:4px;max-height:180px;overflow:auto;font:12px sans-serif;";
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "RouteLegend"
        self.html = html


def route_legend_html(routes: Sequence[RouteLayer]) -> str:
    """HTML of the route legend: one coloured line and courier name per route, escaped.

    When some stop is not placed by given coordinates, the legend also shows the three
    marker styles (given, observed, approximate).
    """
    lines = [
        f'<span style="color:{html_text(route.colour)};font-weight:bold">━</span> '
        f"{html_text(route.label)}"
        for route in routes
    ]
    used = {p for route in routes for p in route.placements}
    if used - {"given"}:
        for placement in _PLACEMENT_STYLE:
            mark = _marker_html("1", "#555", placement, cls="legend-mark")
            lines.append(
                f'<span style="display:inline-block;vertical-align:middle">{mark}</span> '
                f"{html_text(t(PLACEMENT_SHORT_KEYS[placement]))}"
            )
    return "<br>".join(lines)


def add_route_legend(m: folium.Map, routes: Sequence[RouteLayer]) -> None:
    """Put the route legend on the map (names escaped; the page adds no HTML of its own)."""
    if routes:
        _Legend(route_legend_html(routes)).add_to(m)
