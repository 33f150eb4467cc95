"""folium helpers shared by the pages: base map, choropleths, offices, network and routes.

Layers are simplified before they reach the browser and the map uses the canvas renderer
(``prefer_canvas``), so the page stays light. The tile layer is configurable: environment
variable ``POSTPLAN_TILES`` = ``none`` (no tiles, offline and in tests), ``osm`` (the
default, OpenStreetMap) or any tile URL template.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import branca.colormap as cm
import folium
import geopandas as gpd
import networkx as nx
import streamlit as st
from streamlit_folium import st_folium

from app.i18n import current_lang, fmt_number, kind_label, source_label
from app.labels import HIGHWAY_KEYS
from app.labels import label as code_label
from app.map_routes import COURIER_COLOURS as COURIER_COLOURS  # re-exported: pages use maps.*
from app.map_routes import RouteLayer as RouteLayer
from app.map_routes import add_route_legend as add_route_legend
from app.map_routes import add_routes as add_routes
from app.map_routes import route_legend_html as route_legend_html
from app.safe import html_text

#: Centre of the former Kon Tum province (lat, lon) and a zoom that shows all of it.
KONTUM_CENTER = (14.65, 107.95)
KONTUM_ZOOM = 8

KIND_COLOURS = {"post_office": "#c0392b", "commune_post": "#2471a3", "one_stop_shop": "#1e8449"}

OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def tiles_from_env(environ: dict[str, str] | None = None) -> str | None:
    """Return the tile setting: None (no tiles) when ``POSTPLAN_TILES=none`` or under pytest.

    Parameters
    ----------
    environ
        Mapping to read instead of ``os.environ``.
    """
    env = os.environ if environ is None else environ
    value = env.get("POSTPLAN_TILES", "").strip()
    if value.lower() in {"none", "off", "0", "false"}:
        return None
    if not value and "PYTEST_CURRENT_TEST" in env:
        return None
    if not value or value.lower() in {"osm", "openstreetmap"}:
        return "OpenStreetMap"
    return value


def base_map(
    *,
    center: Sequence[float] = KONTUM_CENTER,
    zoom: float = KONTUM_ZOOM,
    tiles: str | bool | None = True,
    prefer_canvas: bool = True,
) -> folium.Map:
    """Create the map every page draws on.

    Parameters
    ----------
    center
        (lat, lon) of the initial view.
    zoom
        Initial zoom level.
    tiles
        ``True`` reads :func:`tiles_from_env`; None draws no tiles; otherwise a folium tile
        name or a URL template.
    prefer_canvas
        Draw vectors on a canvas (fast for many polygons). Route maps pass False: direction
        arrows (leaflet-textpath) need SVG paths.
    """
    chosen = tiles_from_env() if tiles is True else (tiles or None)
    kwargs: dict[str, Any] = {"zoom_start": zoom}  # fractional zooms are fine for Leaflet
    if chosen is not None and chosen != "OpenStreetMap":
        kwargs["attr"] = OSM_ATTRIBUTION
    m = folium.Map(
        location=list(center),
        tiles=chosen,
        prefer_canvas=prefer_canvas,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
        **kwargs,
    )
    if chosen is None:
        # Without tiles, a pale background keeps the layers readable.
        m.get_root().header.add_child(  # type: ignore[attr-defined]
            folium.Element("<style>.leaflet-container{background:#f4f1ea;}</style>")
        )
    return m


def simplified(gdf: gpd.GeoDataFrame, *, tolerance_m: float = 150.0) -> gpd.GeoDataFrame:
    """Return ``gdf`` (EPSG:4326) with geometries simplified by ``tolerance_m`` metres.

    Simplification is done in the province's metric CRS (EPSG:9216) so the tolerance is
    in metres, then brought back to EPSG:4326.
    """
    if gdf.crs is None:
        raise ValueError("GeoDataFrame has no CRS; set it to EPSG:4326 before drawing.")
    metric = gdf.to_crs("EPSG:9216")
    metric["geometry"] = metric.geometry.simplify(tolerance_m, preserve_topology=True)
    return metric.to_crs("EPSG:4326")


def jsonable(gdf: gpd.GeoDataFrame, columns: Iterable[str]) -> gpd.GeoDataFrame:
    """Keep ``columns`` and the geometry; text becomes HTML-safe (tooltips render HTML)."""
    keep = [c for c in dict.fromkeys(columns) if c in gdf.columns]
    out = gdf[[*keep, "geometry"]].copy()
    for col in keep:
        if out[col].dtype.kind not in "if":
            out[col] = out[col].map(html_text)
    return out


def add_choropleth(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    name: str,
    caption: str,
    tooltip_fields: Sequence[str] = (),
    tooltip_aliases: Sequence[str] = (),
    colours: Sequence[str] = ("#fff7bc", "#fec44f", "#d95f0e", "#7f2704"),
    vmin: float | None = None,
    vmax: float | None = None,
    tolerance_m: float = 150.0,
) -> tuple[folium.GeoJson, cm.LinearColormap]:
    """Draw ``gdf`` coloured by ``column``; return the layer and its colour map for a legend."""
    values = gdf[column].astype(float)
    lo = float(values.min()) if vmin is None else vmin
    hi = float(values.max()) if vmax is None else vmax
    if hi <= lo:
        hi = lo + 1.0
    cmap = cm.LinearColormap(list(colours), vmin=lo, vmax=hi, caption=caption)
    data = jsonable(simplified(gdf, tolerance_m=tolerance_m), [column, *tooltip_fields])

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        value = feature["properties"].get(column)
        fill = "#cccccc" if value is None else cmap.rgb_hex_str(float(value))
        return {"fillColor": fill, "color": "#555555", "weight": 0.6, "fillOpacity": 0.7}

    layer = folium.GeoJson(
        data.__geo_interface__,
        name=name,
        style_function=style,
        highlight_function=lambda _f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=list(tooltip_fields), aliases=list(tooltip_aliases) or None, localize=True
        )
        if tooltip_fields
        else None,
    )
    layer.add_to(m)
    return layer, cmap


def legend_html(cmap: cm.LinearColormap, *, caption: str, fmt: Any = None) -> str:
    """HTML gradient legend for a colour map, drawn by the page beside the map.

    branca's own legend needs d3 from a CDN; this one is plain HTML and works offline.
    """
    stops = ", ".join(
        cmap.rgb_hex_str(cmap.vmin + (cmap.vmax - cmap.vmin) * i / 10) for i in range(11)
    )
    show = fmt or fmt_number
    return (
        f'<div style="font-size:0.85rem">{html_text(caption)}'
        '<div style="height:12px;border:1px solid #999;'
        f'background:linear-gradient(to right, {stops})"></div>'
        f'<div style="display:flex;justify-content:space-between"><span>{show(cmap.vmin)}</span>'
        f"<span>{show(cmap.vmax)}</span></div></div>"
    )


def add_outline(
    m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str, colour: str = "#333333", weight: float = 2
) -> None:
    """Draw polygon outlines only (province or district boundaries)."""
    data = jsonable(simplified(gdf, tolerance_m=200.0), [])
    folium.GeoJson(
        data.__geo_interface__,
        name=name,
        style_function=lambda _f: {"fill": False, "color": colour, "weight": weight},
        interactive=False,
    ).add_to(m)


def add_offices(m: folium.Map, offices: gpd.GeoDataFrame, *, name: str) -> folium.FeatureGroup:
    """Draw offices coloured by kind; estimated positions are hollow, surveyed ones filled."""
    group = folium.FeatureGroup(name=name)
    for row in offices.itertuples(index=False):
        kind = str(getattr(row, "kind", ""))
        source = str(getattr(row, "source", ""))
        colour = KIND_COLOURS.get(kind, "#333333")
        estimated = source == "estimated"
        tip = (
            f"<b>{html_text(row.name)}</b><br>{html_text(kind_label(kind))}"
            f"<br>{html_text(source_label(source))}"
        )
        note = getattr(row, "location_note", None)
        if note:
            tip += f"<br><i>{html_text(note)}</i>"
        folium.CircleMarker(
            location=[float(row.lat), float(row.lon)],
            radius=7 if kind == "post_office" else 5,
            color=colour,
            weight=2,
            fill=True,
            fill_color="#ffffff" if estimated else colour,
            fill_opacity=0.9,
            tooltip=tip,
        ).add_to(group)
    group.add_to(m)
    return group


def add_commune_points(
    m: folium.Map, points: gpd.GeoDataFrame, *, name: str, lang: str | None = None
) -> folium.FeatureGroup:
    """Draw commune points (``data.commune_points``): geocoded filled, estimated hollow.

    An estimated point (``source="estimated"``: the geocoded one was outside its commune or
    shared) is drawn like an estimated office — white fill — with a dashed outline; its
    tooltip says what was wrong and how the point was chosen, in ``lang`` (default: the
    page's language).
    """
    group = folium.FeatureGroup(name=name)
    note_col = "note_vi" if (lang or current_lang()) == "vi" else "note_en"
    for row in points.itertuples(index=False):
        source = str(getattr(row, "source", ""))
        estimated = source == "estimated"
        tip = f"<b>{html_text(row.name)}</b><br>{html_text(source_label(source))}"
        note = getattr(row, note_col, None)
        if estimated and note:
            tip += f"<br><i>{html_text(note)}</i>"
        folium.CircleMarker(
            location=[float(row.point_lat), float(row.point_lon)],
            radius=4,
            color="#222222",
            weight=2 if estimated else 1,
            dash_array="3 3" if estimated else None,
            fill=True,
            fill_color="#ffffff" if estimated else "#222222",
            fill_opacity=0.9,
            tooltip=tip,
        ).add_to(group)
    group.add_to(m)
    return group


def edge_lines(G: nx.MultiDiGraph) -> list[tuple[list[tuple[float, float]], str, str]]:
    """Return one (lat/lon coordinates, source, highway) per undirected edge of ``G``."""
    seen: set[tuple[Any, Any]] = set()
    lines = []
    for u, v, data in G.edges(data=True):
        key = (u, v) if str(u) <= str(v) else (v, u)
        if key in seen:
            continue
        seen.add(key)
        geom = data.get("geometry")
        if geom is not None:
            coords = [(float(y), float(x)) for x, y in geom.coords]
        else:
            coords = [
                (float(G.nodes[u]["y"]), float(G.nodes[u]["x"])),
                (float(G.nodes[v]["y"]), float(G.nodes[v]["x"])),
            ]
        highway = data.get("highway", "")
        if isinstance(highway, list):
            highway = highway[0] if highway else ""
        lines.append((coords, str(data.get("source", "osm")), str(highway)))
    return lines


def add_network(m: folium.Map, G: nx.MultiDiGraph, *, name: str) -> folium.FeatureGroup:
    """Draw the road network: OSM/highway edges solid red, proxy links dashed grey."""
    group = folium.FeatureGroup(name=name)
    for coords, source, highway in edge_lines(G):
        if source == "proxy":
            style = {"color": "#7f8c8d", "weight": 1.5, "dash_array": "6 6", "opacity": 0.8}
        elif source == "trace":  # learnt from GPS traces and accepted by a planner
            style = {"color": "#8e44ad", "weight": 3, "dash_array": "2 6", "opacity": 0.9}
        elif source == "national_road" or highway in {"trunk", "primary", "motorway"}:
            style = {"color": "#c0392b", "weight": 3.5, "opacity": 0.9}
        else:
            style = {"color": "#d35400", "weight": 2, "opacity": 0.8}
        tip = html_text(f"{source_label(source)} · {code_label(HIGHWAY_KEYS, highway)}")
        folium.PolyLine(coords, tooltip=tip, **style).add_to(group)
    group.add_to(m)
    return group


def add_trace_roads(m: folium.Map, roads: gpd.GeoDataFrame, *, name: str) -> None:
    """Draw roads proposed from GPS traces: purple, dotted.

    The network map draws accepted ones the same way. Tooltip: id, length, observed speed
    and number of traces.
    """
    group = folium.FeatureGroup(name=name)
    for row in roads.to_dict("records"):
        coords = [(float(y), float(x)) for x, y in row["geometry"].coords]
        km = fmt_number(float(row["length_m"]) / 1000, decimals=2)
        kph = fmt_number(float(row["observed_speed_kph"]))
        tip = html_text(f"{row['road_id']}: {km} km, {kph} km/h, {int(row['n_traces'])} GPS")
        folium.PolyLine(coords, color="#8e44ad", weight=4, dash_array="2 6", opacity=0.95,
                        tooltip=tip).add_to(group)
    group.add_to(m)


def add_closed(m: folium.Map, closed: gpd.GeoDataFrame, *, name: str) -> None:
    """Draw closed roads as thick black-and-yellow dashes with the closure's reason."""
    group = folium.FeatureGroup(name=name)
    for row in closed.to_dict("records"):
        coords = [(float(y), float(x)) for x, y in row["geometry"].coords]
        tip = html_text(f"{row.get('closure_id', '')}: {row.get('reason', '')}")
        folium.PolyLine(coords, color="#111111", weight=6, opacity=0.9, tooltip=tip).add_to(group)
        folium.PolyLine(coords, color="#f1c40f", weight=3, dash_array="8 8").add_to(group)
    group.add_to(m)


def view_for_bounds(
    bounds: Sequence[float], *, width_px: int = 620, height_px: int = 540, max_zoom: int = 15
) -> tuple[tuple[float, float], float]:
    """Return the (lat, lon) centre and the largest zoom (quarter steps) showing ``bounds``.

    ``bounds`` is (min_lon, min_lat, max_lon, max_lat). Computed on the server because
    Leaflet's ``fitBounds`` runs before the map's frame has its size in st_folium.
    """
    import math

    minx, miny, maxx, maxy = (float(v) for v in bounds)

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    centre = ((miny + maxy) / 2, (minx + maxx) / 2)
    dx = max(maxx - minx, 1e-6) / 360.0
    dy = max(merc(maxy) - merc(miny), 1e-6) / (2 * math.pi)
    zoom_x = math.log2(width_px / 256.0 / dx)
    zoom_y = math.log2(height_px / 256.0 / dy)
    # quarter zoom steps (the maps use zoomSnap 0.25) fit a province much better
    return centre, max(1.0, min(float(max_zoom), math.floor(min(zoom_x, zoom_y) * 4) / 4))


def layer_view(gdf: gpd.GeoDataFrame, **kwargs: Any) -> tuple[tuple[float, float], float]:
    """Return the centre and zoom showing a whole layer (see :func:`view_for_bounds`)."""
    return view_for_bounds(gdf.to_crs("EPSG:4326").total_bounds, **kwargs)


def points_view(
    points: Iterable[tuple[float, float]], **kwargs: Any
) -> tuple[tuple[float, float], float]:
    """Return the centre and zoom showing (lat, lon) points (the province when empty)."""
    pts = list(points)
    if not pts:
        return KONTUM_CENTER, KONTUM_ZOOM
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    return view_for_bounds((min(lons), min(lats), max(lons), max(lats)), **kwargs)


#: CDN asset name -> path under ``static/`` (vendored copies, see static/vendor/README.md).
LOCAL_ASSETS = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "polylinetextpath": "vendor/leaflet-textpath/leaflet.textpath.js",
}


def _walk(element: Any) -> Iterable[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localise_assets(m: folium.Map, *, static_url: str) -> None:
    """Point the map's JavaScript and CSS at the app's vendored copies, dropping the rest.

    folium asks for Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; offline the map
    would never draw. The helpers in this module use only Leaflet and leaflet-textpath, so
    those two are served by the app itself and the other links are removed.

    Parameters
    ----------
    m
        The map (changed in place).
    static_url
        URL prefix of the app's static folder, e.g. ``"/app/static/"``.
    """
    for element in _walk(m):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if not links:
                continue
            local = [
                (name, static_url + LOCAL_ASSETS[name])
                for name, _url in links
                if name in LOCAL_ASSETS
            ]
            setattr(element, attr, local)


def static_url() -> str | None:
    """URL prefix of the app's static folder, or None when static serving is off."""
    try:
        if not st.get_option("server.enableStaticServing"):
            return None
        base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:
        return None
    return f"/{base}/app/static/" if base else "/app/static/"


def show_map(
    m: folium.Map,
    *,
    key: str,
    returned_objects: Sequence[str] = (),
    height: int = 560,
) -> dict[str, Any]:
    """Render ``m`` with st_folium, returning only ``returned_objects``.

    With ``returned_objects=()`` panning and zooming never rerun the app. Assets are served
    from the app itself when static serving is on (see ``.streamlit/config.toml``).
    """
    prefix = static_url()
    if prefix is not None:
        localise_assets(m, static_url=prefix)
    out = st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=list(returned_objects),
    )
    return dict(out or {})
