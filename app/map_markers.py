"""Many markers as one folium element: numbered stops, commune names, road numbers, offices.

folium draws a marker with an HTML icon and a tooltip as four elements (``Marker``,
``DivIcon``, ``Tooltip``, ``SetIcon``), and compiles each element's output as a template
every time the map is rendered — on every run of the page that shows it. For the 200 stops
of a day and the province's 102 commune names that was about 2.5 s of each Dispatch run.
:class:`DivMarkers` draws the same Leaflet markers (``L.marker`` with an ``L.divIcon``,
a sticky tooltip) from one list, as one element; :class:`CircleMarkers` does the same for
``L.circleMarker`` (the base map's offices).

Texts are not escaped here: the caller passes icon and tooltip HTML it has escaped
(:func:`app.safe.html_text`); they reach the page as JSON (``tojson``), never as code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from branca.element import MacroElement
from jinja2 import Template

#: One marker: (lat, lon, icon HTML, icon anchor (x, y) in pixels, tooltip HTML or None).
Mark = tuple[float, float, str, tuple[int, int], str | None]


class DivMarkers(MacroElement):
    """Leaflet markers with an HTML icon and an optional tooltip, drawn from one list.

    Parameters
    ----------
    marks
        One :data:`Mark` per marker, drawn in this order.
    icon_size
        Width and height of every icon, pixels.
    options
        Leaflet marker options shared by all (``pane``, ``interactive``,
        ``zIndexOffset`` …).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.marks|tojson }};
            {{ this.get_name() }}.forEach(function (s) {
                var marker = L.marker([s[0], s[1]], {{ this.options|tojson }}).setIcon(
                    L.divIcon({html: s[2], iconSize: {{ this.icon_size|tojson }},
                               iconAnchor: s[3], className: "empty"}));
                if (s[4] !== null) {
                    marker.bindTooltip("<div>" + s[4] + "</div>", {sticky: true});
                }
                marker.addTo({{ this._parent.get_name() }});
            });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        marks: Sequence[Mark],
        *,
        icon_size: tuple[int, int],
        options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._name = "DivMarkers"
        self._points = [(float(mark[0]), float(mark[1])) for mark in marks]
        self.marks = [
            [float(lat), float(lon), str(html), [int(anchor[0]), int(anchor[1])], tip]
            for lat, lon, html, anchor, tip in marks
        ]
        self.icon_size = [int(icon_size[0]), int(icon_size[1])]
        self.options = dict(options or {})

    def _get_self_bounds(self) -> list[list[float | None]]:
        """South-west and north-east corners of the markers (folium's ``get_bounds``)."""
        return _bounds(self._points)


#: One circle: (lat, lon, Leaflet path options, tooltip HTML or None).
Circle = tuple[float, float, Mapping[str, Any], str | None]


class CircleMarkers(MacroElement):
    """Leaflet circle markers, each with its own options and an optional tooltip, in one list.

    The same circles ``folium.CircleMarker`` + ``Tooltip`` draw (build each one's options
    with :func:`folium.vector_layers.path_options`), as one element.

    Parameters
    ----------
    circles
        One :data:`Circle` per marker, drawn in this order.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.circles|tojson }};
            {{ this.get_name() }}.forEach(function (s) {
                var circle = L.circleMarker([s[0], s[1]], s[2]);
                if (s[3] !== null) {
                    circle.bindTooltip("<div>" + s[3] + "</div>", {sticky: true});
                }
                circle.addTo({{ this._parent.get_name() }});
            });
        {% endmacro %}
        """
    )

    def __init__(self, circles: Sequence[Circle]) -> None:
        super().__init__()
        self._name = "CircleMarkers"
        self._points = [(float(c[0]), float(c[1])) for c in circles]
        self.circles = [[float(lat), float(lon), dict(options), tip]
                        for lat, lon, options, tip in circles]

    def _get_self_bounds(self) -> list[list[float | None]]:
        """South-west and north-east corners of the circles (folium's ``get_bounds``)."""
        return _bounds(self._points)


def _bounds(points: Sequence[tuple[float, float]]) -> list[list[float | None]]:
    if not points:
        return [[None, None], [None, None]]
    lats = [lat for lat, _lon in points]
    lons = [lon for _lat, lon in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
