"""Many HTML markers as one folium element: numbered stops, commune names, road numbers.

folium draws a marker with an HTML icon and a tooltip as four elements (``Marker``,
``DivIcon``, ``Tooltip``, ``SetIcon``), and compiles each element's output as a template
every time the map is rendered — on every run of the page that shows it. For the 200 stops
of a day and the province's 102 commune names that was about 2.5 s of each Dispatch run.
:class:`DivMarkers` draws the same Leaflet markers (``L.marker`` with an ``L.divIcon``,
a sticky tooltip) from one list, as one element.

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
        if not self._points:
            return [[None, None], [None, None]]
        lats = [lat for lat, _lon in self._points]
        lons = [lon for _lat, lon in self._points]
        return [[min(lats), min(lons)], [max(lats), max(lons)]]
