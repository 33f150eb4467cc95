"""The small route map on each courier's PDF page, drawn without tiles (works offline)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from routing.sheets.model import CourierSheet, SheetRow
from routing.sheets.text import nfc

_ROUTE_COLOURS = ("#1F5FBF", "#C0392B", "#1E8449", "#8E44AD", "#D35400", "#117A65")


def route_map(courier: CourierSheet, width: float, height: float, *, font: str,
              font_bold: str) -> Any:
    """Draw a small map of the stops and route in the projected VN-2000 frame (no tiles).

    Parameters
    ----------
    courier
        The courier's sheet (stops and path).
    width, height
        Size of the drawing in points.
    font, font_bold
        Registered reportlab font names for the labels.

    Returns
    -------
    reportlab.graphics.shapes.Drawing
        The map, ready to add to a story.
    """
    from pyproj import Transformer
    from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
    from reportlab.lib.colors import HexColor, white
    from reportlab.lib.units import mm

    from data.settings import GEO_CRS, METRIC_CRS

    d = Drawing(width, height)
    d.add(Rect(0, 0, width, height, fillColor=HexColor("#F7F9FB"),
               strokeColor=HexColor("#999999"), strokeWidth=0.5))
    to_m = Transformer.from_crs(GEO_CRS, METRIC_CRS, always_xy=True)
    pts = [(r.lon, r.lat) for r in courier.rows] + list(courier.path_lonlat)
    if not pts:
        return d
    xs, ys = to_m.transform([p[0] for p in pts], [p[1] for p in pts])
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    pad = 9 * mm
    span_x = max(maxx - minx, 200.0)
    span_y = max(maxy - miny, 200.0)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0

    def proj(lon: float, lat: float) -> tuple[float, float]:
        x, y = to_m.transform(lon, lat)
        return width / 2.0 + (x - cx) * scale, height / 2.0 + (y - cy) * scale

    path = [proj(lon, lat) for lon, lat in courier.path_lonlat]
    colour = HexColor(_ROUTE_COLOURS[0])
    if len(path) >= 2:
        flat = [v for p in path for v in p]
        d.add(PolyLine(flat, strokeColor=colour, strokeWidth=1.4,
                       strokeDashArray=[3, 2] if courier.path_is_straight else None))
        for (x0, y0), (x1, y1) in itertools.pairwise(path):
            _arrow(d, x0, y0, x1, y1, colour)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    start = next((r for r in courier.rows if r.kind == "start"), None)
    if start is not None:
        x, y = proj(start.lon, start.lat)
        d.add(Rect(x - 5, y - 5, 10, 10, fillColor=HexColor("#C62828"),
                   strokeColor=white, strokeWidth=0.8))
        name = nfc(start.name)[:40]
        w = stringWidth(name, font_bold, 6)
        d.add(Rect(x - w / 2 - 1.5, y - 14.5, w + 3, 8, fillColor=white, strokeColor=None,
                   fillOpacity=0.8))
        d.add(String(x, y - 12.5, name, fontName=font_bold, fontSize=6, textAnchor="middle",
                     fillColor=HexColor("#C62828")))
    # visits closer than a marker's width on the page share one marker listing them all
    clusters: list[tuple[float, float, list[SheetRow]]] = []
    for r in courier.visits:
        x, y = proj(r.lon, r.lat)
        for cx_, cy_, members in clusters:
            if math.hypot(x - cx_, y - cy_) < 11.0:
                members.append(r)
                break
        else:
            clusters.append((x, y, [r]))
    for x, y, rows in clusters:
        label = _sequence_label([r.sequence for r in rows])
        pickups = sum(r.role == "pickup" for r in rows)
        fill = (HexColor("#FFB300") if pickups == len(rows)
                else HexColor("#43A047") if pickups == 0 else HexColor("#B0BEC5"))
        if len(rows) == 1:
            d.add(Circle(x, y, 6, fillColor=fill, strokeColor=HexColor("#333333"),
                         strokeWidth=0.5))
        else:
            w = stringWidth(label, font_bold, 6.5) + 6
            d.add(Rect(x - w / 2, y - 6, w, 12, rx=6, ry=6, fillColor=fill,
                       strokeColor=HexColor("#333333"), strokeWidth=0.5))
        d.add(String(x, y - 2.4, label, fontName=font_bold, fontSize=6.5,
                     textAnchor="middle", fillColor=HexColor("#000000")))
    # scale bar: a round length near a fifth of the width
    target_m = (width / 5.0) / scale
    step = 10 ** math.floor(math.log10(target_m))
    bar_m = max(s * step for s in (1, 2, 5) if s * step <= target_m)
    bar = bar_m * scale
    x0, y0 = 6, 6
    d.add(Line(x0, y0, x0 + bar, y0, strokeColor=HexColor("#000000"), strokeWidth=1.2))
    d.add(Line(x0, y0 - 2, x0, y0 + 2, strokeWidth=0.8))
    d.add(Line(x0 + bar, y0 - 2, x0 + bar, y0 + 2, strokeWidth=0.8))
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    d.add(String(x0 + bar + 3, y0 - 2, label, fontName=font, fontSize=6))
    # north arrow (the TM-3 grid is within a degree of true north here)
    nx, ny = width - 10, height - 20
    d.add(Polygon([nx, ny + 12, nx - 4, ny, nx + 4, ny], fillColor=HexColor("#333333"),
                  strokeColor=None))
    d.add(String(nx, ny - 8, "B", fontName=font_bold, fontSize=7, textAnchor="middle"))
    note = "VN-2000 / TM-3 107-30"
    if courier.path_is_straight:
        note = "Nét đứt: nối thẳng giữa các điểm, không phải đường đi thực / dashed: " \
               "straight lines between stops · " + note
    d.add(String(width - 4, 3, note, fontName=font, fontSize=5.5, textAnchor="end",
                 fillColor=HexColor("#555555")))
    return d


def _sequence_label(seqs: Sequence[int]) -> str:
    """Return stop numbers compactly: consecutive runs as ranges (``1,6–9``)."""
    seqs = sorted(seqs)
    parts: list[str] = []
    start = prev = seqs[0]
    for n in [*seqs[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else
                     f"{start},{prev}" if prev == start + 1 else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ",".join(parts)


def _arrow(d: Any, x0: float, y0: float, x1: float, y1: float, colour: Any) -> None:
    """Add a small direction arrowhead at the middle of a segment."""
    from reportlab.graphics.shapes import Polygon

    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    if length < 18:
        return
    ux, uy = dx / length, dy / length
    mx, my = x0 + dx * 0.55, y0 + dy * 0.55
    size = 4.0
    left = (mx - ux * size - uy * size * 0.6, my - uy * size + ux * size * 0.6)
    right = (mx - ux * size + uy * size * 0.6, my - uy * size - ux * size * 0.6)
    d.add(Polygon([mx, my, *left, *right], fillColor=colour, strokeColor=None))


__all__ = ["route_map"]
