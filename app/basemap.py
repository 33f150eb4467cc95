"""The offline base map: commune borders and names, national highways and offices.

Without background tiles (``POSTPLAN_TILES=none``, or no internet) a route map would show
lines on a blank page. :func:`add_base_layers` draws what a dispatcher finds their way by,
from the bundled data, in Leaflet panes beneath the routes; borders, roads and names never
catch the mouse, so they cannot hide a stop.
"""

from __future__ import annotations

import folium
import geopandas as gpd
from folium.vector_layers import path_options

from app.i18n import kind_label
from app.map_markers import Circle, CircleMarkers, DivMarkers
from app.maps import KIND_COLOURS, jsonable, simplified
from app.safe import html_text

#: Leaflet panes of the offline base map: under the routes (overlayPane is 400, markers 600).
BASE_PANE = "postplan-base"
LABEL_PANE = "postplan-labels"
OFFICE_PANE = "postplan-offices"


def add_base_layers(
    m: folium.Map,
    *,
    communes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    offices: gpd.GeoDataFrame | None = None,
) -> None:
    """Draw what a dispatcher finds their way by when there are no background tiles.

    Commune borders and names, the national highways with their numbers, and the offices,
    all in panes beneath the route lines and stops; borders, roads and names never catch
    the mouse, so they cannot hide a stop. Names are escaped (:func:`app.safe.html_text`).

    Parameters
    ----------
    m
        The map.
    communes
        Commune polygons with ``name`` (EPSG:4326), or None.
    roads
        National highways with ``ref`` (e.g. ``QL14``), or None.
    offices
        Offices as :func:`add_offices` draws them, or None.
    """
    folium.map.CustomPane(BASE_PANE, z_index=250, pointer_events=False).add_to(m)
    folium.map.CustomPane(LABEL_PANE, z_index=350, pointer_events=False).add_to(m)
    folium.map.CustomPane(OFFICE_PANE, z_index=390, pointer_events=True).add_to(m)
    if communes is not None and len(communes):
        data = jsonable(simplified(communes, tolerance_m=200.0), [])
        folium.GeoJson(
            data.__geo_interface__,
            name="communes",
            style_function=lambda _f: {
                "fill": True,
                "fillColor": "#ffffff",
                "fillOpacity": 0.35,
                "color": "#8c8c8c",
                "weight": 1,
            },
            interactive=False,
            pane=BASE_PANE,
        ).add_to(m)
        points = communes.to_crs("EPSG:9216").representative_point().to_crs("EPSG:4326")
        DivMarkers(
            [
                (
                    float(point.y),
                    float(point.x),
                    '<div class="commune-label" style="font:11px sans-serif;color:#555;'
                    "text-align:center;white-space:nowrap;text-shadow:0 0 3px #fff,"
                    f'0 0 3px #fff">{html_text(name)}</div>',
                    (70, 7),
                    None,
                )
                for name, point in zip(communes["name"], points, strict=True)
            ],
            icon_size=(140, 14),
            options={"interactive": False, "pane": LABEL_PANE},
        ).add_to(m)
    if roads is not None and len(roads):
        data = jsonable(roads, ["ref"])
        folium.GeoJson(
            data.__geo_interface__,
            name="roads",
            style_function=lambda _f: {"color": "#e67e22", "weight": 3, "opacity": 0.8},
            interactive=False,
            pane=BASE_PANE,
        ).add_to(m)
        labels = []
        for ref, line in zip(roads["ref"], roads.geometry, strict=True):
            point = line.interpolate(0.5, normalized=True)
            html = ('<div class="road-label" style="font:bold 10px sans-serif;color:#fff;'
                    "background:#e67e22;border-radius:3px;text-align:center;"
                    f'padding:0 2px">{html_text(ref)}</div>')
            labels.append((float(point.y), float(point.x), html, (20, 7), None))
        DivMarkers(labels, icon_size=(40, 14),
                   options={"interactive": False, "pane": LABEL_PANE}).add_to(m)
    if offices is not None and len(offices):
        group = folium.FeatureGroup(name="offices")
        circles: list[Circle] = []
        for row in offices.itertuples(index=False):
            kind = str(getattr(row, "kind", ""))
            options = path_options(line=False, radius=4, color=KIND_COLOURS.get(kind, "#333333"),
                                   weight=1.5, fill=True, fill_color="#ffffff",
                                   fill_opacity=0.9, pane=OFFICE_PANE)
            tip = f"<b>{html_text(row.name)}</b><br>{html_text(kind_label(kind))}"
            circles.append((float(row.lat), float(row.lon), options, tip))
        CircleMarkers(circles).add_to(group)
        group.add_to(m)
