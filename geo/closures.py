"""Dated road closures (landslides, flooded spillway bridges), applied before routing.

A closure names the roads it cuts either by **edge id** or by **area** (a polygon, or a
circle given as ``lat``, ``lon``, ``radius_m``), is valid from one day to another
(inclusive; an empty ``valid_to`` means "until further notice"), and says why.
:func:`apply_closures` returns a new graph without the edges closed on a given day, so
every route and coverage figure for that day avoids them; :func:`closed_edges` gives
those edges as lines for the map.

Edge ids: ``"u>v"`` closes the road between nodes ``u`` and ``v`` in both directions;
``"u>v>key"`` closes exactly that directed edge. Several ids are separated by ``;``.

CSV columns (header row required; dates as ``yyyy-mm-dd`` or ``dd/mm/yyyy``):
``closure_id`` (optional), ``valid_from``, ``valid_to`` (optional), ``reason``,
``source`` (optional, default ``user``), and at least one of ``edges``, ``wkt``
(a WGS84 polygon), or ``lat`` + ``lon`` + ``radius_m``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import wkt as shapely_wkt
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from data.errors import InputError, Problem
from data.settings import GEO_CRS, METRIC_CRS
from data.table_schema import CheckedTable, Column, TableSchema, frame_table, read_table

#: Columns of the closure table as written by :func:`closures_to_frame`.
CLOSURE_COLUMNS = ("closure_id", "valid_from", "valid_to", "reason", "source", "edges", "wkt")

EdgeRef = tuple[Hashable, Hashable, Hashable | None]
#: Largest circle a closure may draw (m): a landslide or a flooded spillway is a few
#: hundred metres; 50 km would already cover a whole former district.
MAX_RADIUS_M = 50_000.0
#: Largest share of the network's roads one day's closures may close; more ("most of the
#: network") is refused: a typo in a radius or a polygon, not a landslide.
MAX_CLOSED_SHARE = 0.5


@dataclass(frozen=True)
class Closure:
    """One dated closure.

    Parameters
    ----------
    closure_id
        Identifier shown on the map and in exports.
    valid_from, valid_to
        First and last day (inclusive); ``valid_to=None`` means open-ended.
    reason
        Why the road is closed (e.g. "sạt lở đất Km76 QL24").
    edges
        ``(u, v, key)`` references; ``key=None`` closes the road u–v both ways.
    area
        A WGS84 (Multi)Polygon; every edge that touches it is closed.
    source
        Who reported it (``user``, ``official`` …).
    """

    closure_id: str
    valid_from: dt.date
    valid_to: dt.date | None
    reason: str
    edges: tuple[EdgeRef, ...] = ()
    area: BaseGeometry | None = None
    source: str = "user"

    def active_on(self, day: dt.date) -> bool:
        """Whether the closure applies on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def edge_id(u: Hashable, v: Hashable, key: Hashable | None = None) -> str:
    """Text id of an edge (``"u>v>key"``) or of a road both ways (``"u>v"``)."""
    return f"{u}>{v}" if key is None else f"{u}>{v}>{key}"


def _node(text: str) -> Hashable:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def parse_edge_ids(text: str) -> tuple[EdgeRef, ...]:
    """Parse ``"u>v;u>v>key"`` into edge references.

    Raises
    ------
    ValueError
        When an item is not ``u>v`` or ``u>v>key``.
    """
    out: list[EdgeRef] = []
    for item in str(text).replace(",", ";").split(";"):
        item = item.strip()
        if not item:
            continue
        parts = item.split(">")
        if len(parts) not in (2, 3) or not all(p.strip() for p in parts):
            raise ValueError(f"{item!r} is not an edge id 'u>v' or 'u>v>key'")
        key = _node(parts[2]) if len(parts) == 3 else None
        out.append((_node(parts[0]), _node(parts[1]), key))
    return tuple(out)


@lru_cache(maxsize=1)
def _circle_transformers() -> tuple[Transformer, Transformer]:
    return (Transformer.from_crs(GEO_CRS, METRIC_CRS, always_xy=True),
            Transformer.from_crs(METRIC_CRS, GEO_CRS, always_xy=True))


def _circle(lat: float, lon: float, radius_m: float) -> BaseGeometry:
    to_m, to_geo = _circle_transformers()
    x, y = to_m.transform(lon, lat)
    ring = Point(x, y).buffer(radius_m, 32)
    return shapely.transform(ring, lambda c: np.column_stack(to_geo.transform(c[:, 0],
                                                                              c[:, 1])))


#: The closure file, declared once (:mod:`data.table_schema`).
CLOSURES_SCHEMA = TableSchema(
    "closures", "đoạn đường cấm", "closure",
    (
        Column("closure_id", unique=True, formula=False, headers=("ma",), vi="mã"),
        Column("valid_from", "date", required=True, blank=False, headers=("tu_ngay",),
               vi="từ ngày", hint_vi="ngày đầu tiên đường bị cấm, dd/mm/yyyy",
               hint_en="the first day of the closure, yyyy-mm-dd or dd/mm/yyyy"),
        Column("valid_to", "date", headers=("den_ngay",), vi="đến ngày",
               hint_vi="để trống nếu chưa biết ngày thông đường",
               hint_en="or leave empty for 'until further notice'"),
        Column("reason", required=True, blank=False, formula=False, headers=("ly_do",),
               vi="lý do", hint_vi="vì sao đường bị cấm (ví dụ: sạt lở Km76)",
               hint_en="say why the road is closed (e.g. 'landslide Km76')"),
        Column("source", default="user", vi="nguồn"),
        Column("edges", headers=("canh",), vi="cạnh"),
        Column("wkt", vi="vùng (WKT)"),
        Column("lat", "number", min=-90, max=90, headers=("vi_do",), vi="vĩ độ"),
        Column("lon", "number", min=-180, max=180, headers=("kinh_do",), vi="kinh độ"),
        Column("radius_m", "number", min=0, min_open=True, max=MAX_RADIUS_M,
               headers=("ban_kinh_m",), vi="bán kính (m)",
               hint_vi=f"số mét, lớn hơn 0 và không quá {MAX_RADIUS_M:,.0f}",
               hint_en=f"metres, above 0 and at most {MAX_RADIUS_M:,.0f} (a landslide or "
                       "flooded spillway is a few hundred metres)"),
    ),
)


def _closures_from(table: CheckedTable, geoms: Sequence[Any] | None) -> list[Closure]:
    if not table.header_ok:
        table.raise_if_problems()
    out: list[Closure] = []
    for i, (row, rec) in enumerate(table.records()):
        start, end = rec["valid_from"], rec["valid_to"]
        if start and end and end < start:
            table.bad(row, "valid_to", f"kết thúc trước khi bắt đầu ({start.isoformat()}); "
                      "sửa: đổi chỗ hai ngày", f"ends before it starts ({start.isoformat()}); "
                      "swap the dates", value=end.isoformat())
        edges: tuple[EdgeRef, ...] = ()
        if rec["edges"]:
            try:
                edges = parse_edge_ids(str(rec["edges"]))
            except ValueError as exc:
                table.bad(row, "edges", f"{exc}; cách nhau bằng ';'",
                          f"{exc}; separate several with ';'", value=rec["edges"])
        area: BaseGeometry | None = None
        if geoms is not None and geoms[i] is not None and not geoms[i].is_empty:
            area = geoms[i]
        elif rec["wkt"]:
            try:
                area = shapely_wkt.loads(str(rec["wkt"]))
            except Exception:  # shapely raises GEOSException subclasses
                table.bad(row, "wkt", "không phải WKT hợp lệ; viết ví dụ 'POLYGON ((lon lat, "
                          "...))' theo EPSG:4326", "not valid WKT; write e.g. 'POLYGON ((lon "
                          "lat, ...))' in EPSG:4326", value=rec["wkt"])
        elif "lat" in table.present or "lon" in table.present:
            lat, lon = rec["lat"], rec["lon"]
            if lat is not None and lon is not None:
                radius = 100.0 if rec["radius_m"] is None else float(rec["radius_m"])
                if table.row_ok(row, ("radius_m",)):
                    area = _circle(lat, lon, radius)
            elif (lat is None) != (lon is None) and table.row_ok(row, ("lat", "lon")):
                table.bad(row, "lat", "cần cả vĩ độ và kinh độ", "give both lat and lon "
                          "(WGS84 degrees)", value=f"{rec['lat']}, {rec['lon']}")
        if area is not None and area.geom_type not in ("Polygon", "MultiPolygon"):
            area = area.buffer(1e-5) if area.geom_type in ("Point", "LineString") else area
        if not edges and area is None and table.row_ok(row):
            table.bad(row, "edges", "ghi vị trí: 'edges' (u>v;…), một vùng 'wkt', hoặc lat, "
                      "lon và radius_m", "say where: give 'edges' (u>v;…), a 'wkt' polygon, "
                      "or lat, lon and radius_m", value="")
        if not table.row_ok(row) or start is None:
            continue
        cid = rec["closure_id"] or f"C{i + 1}"
        out.append(Closure(cid, start, end, str(rec["reason"]), edges, area,
                           str(rec["source"] or "user")))
    table.raise_if_problems()
    return out


def closures_from_frame(frame: pd.DataFrame, *, source_name: str = "closures"
                        ) -> list[Closure]:
    """Validate a closure table (DataFrame or GeoDataFrame) and return closures.

    A GeoDataFrame's polygon geometry is used as the closure area (reprojected to
    EPSG:4326). Rows are numbered as a spreadsheet shows them (header = row 1). The table
    is checked against :data:`CLOSURES_SCHEMA`, as a file would be.

    Raises
    ------
    InputError
        With every problem found, each naming its row, column and value.
    """
    geoms: Sequence[Any] | None = None
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        if frame.crs is None:
            raise InputError([Problem("the closure areas have no CRS; set EPSG:4326",
                                      column="geometry", source=source_name,
                                      message_vi="vùng cấm đường không có hệ tọa độ; đặt "
                                                 "EPSG:4326")])
        geoms = list(frame.geometry.to_crs(GEO_CRS))
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return _closures_from(frame_table(frame, CLOSURES_SCHEMA, source=source_name), geoms)


def read_closures(path: str | Path | bytes, *, filename: str | None = None) -> list[Closure]:
    """Read a closure file (CSV or XLSX; see the module docstring for its columns).

    Raises
    ------
    InputError
        With row-level messages for every bad row.
    """
    name = filename or ("closures.csv" if isinstance(path, bytes) else Path(path).name)
    return _closures_from(read_table(path, CLOSURES_SCHEMA, filename=name), None)


def closures_to_frame(closures: Iterable[Closure]) -> pd.DataFrame:
    """Return the closures as a table that :func:`read_closures` reads back (areas as WKT)."""
    return pd.DataFrame([{
        "closure_id": c.closure_id, "valid_from": c.valid_from.isoformat(),
        "valid_to": c.valid_to.isoformat() if c.valid_to else "", "reason": c.reason,
        "source": c.source, "edges": ";".join(edge_id(*e) for e in c.edges),
        "wkt": c.area.wkt if c.area is not None else "",
    } for c in closures], columns=list(CLOSURE_COLUMNS))


def _as_closures(closures: Iterable[Closure] | pd.DataFrame) -> list[Closure]:
    if isinstance(closures, pd.DataFrame):
        return closures_from_frame(closures)
    return list(closures)


def _closed(G: nx.MultiDiGraph, closures: list[Closure], day: dt.date
            ) -> dict[tuple[Hashable, Hashable, Hashable], Closure]:
    closed: dict[tuple[Hashable, Hashable, Hashable], Closure] = {}
    active = [c for c in closures if c.active_on(day)]
    problems = []
    for c in active:
        for u, v, key in c.edges:
            if key is not None:
                if not G.has_edge(u, v, key):
                    problems.append(Problem(f"closure {c.closure_id}: edge {edge_id(u, v, key)}"
                                            " is not in the network", column="edges",
                                            value=edge_id(u, v, key)))
                    continue
                closed.setdefault((u, v, key), c)
                continue
            found = False
            for a, b in ((u, v), (v, u)):
                for k in (G.get_edge_data(a, b) or {}):
                    closed.setdefault((a, b, k), c)
                    found = True
            if not found:
                problems.append(Problem(f"closure {c.closure_id}: no road between {u} and {v} "
                                        "in the network", column="edges", value=edge_id(u, v)))
    if problems:
        raise InputError(problems, summary="closures refer to unknown edges")
    areas = [c for c in active if c.area is not None]
    if areas:
        keys, lines = [], []
        for u, v, k, data in G.edges(keys=True, data=True):
            geom = data.get("geometry")
            if geom is None:
                geom = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                                   (G.nodes[v]["x"], G.nodes[v]["y"])])
            keys.append((u, v, k))
            lines.append(geom)
        tree = shapely.STRtree(lines)
        for c in areas:
            for i in tree.query(c.area, predicate="intersects"):
                closed.setdefault(keys[int(i)], c)
    total = G.number_of_edges()
    if total and len(closed) > MAX_CLOSED_SHARE * total:
        by_closure: dict[str, int] = {}
        for c in closed.values():
            by_closure[c.closure_id] = by_closure.get(c.closure_id, 0) + 1
        worst = sorted(by_closure.items(), key=lambda kv: -kv[1])
        share = len(closed) / total
        lines_en = ", ".join(f"{cid}: {n:,}" for cid, n in worst[:5])
        raise InputError([Problem(
            f"the closures valid on {day:%d/%m/%Y} would close {len(closed):,} of {total:,} "
            f"roads ({share:.0%}; by closure {lines_en}); more than "
            f"{MAX_CLOSED_SHARE:.0%} of the network is not a road closure; fix: check "
            "radius_m (metres) and the polygons of those closures",
            column="closure_id", value=worst[0][0],
            message_vi=f"các đoạn cấm ngày {day:%d/%m/%Y} sẽ cắt {len(closed):,} trong "
                       f"{total:,} đoạn đường ({share:.0%}; theo từng mục {lines_en}); quá "
                       f"{MAX_CLOSED_SHARE:.0%} mạng lưới thì không phải là cấm đường; sửa: "
                       "kiểm tra radius_m (mét) và vùng của các mục đó")],
            summary="closures refused: they would cut most of the network")
    return closed


def apply_closures(G: nx.MultiDiGraph, closures: Iterable[Closure] | pd.DataFrame,
                   day: dt.date) -> nx.MultiDiGraph:
    """Return a copy of ``G`` without the edges closed on ``day``.

    Parameters
    ----------
    G
        A network in the project's graph form.
    closures
        :class:`Closure` objects or a closure table.
    day
        The plan day.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; ``graph["closures_applied"]`` lists the active closure ids and
        ``graph["closed_edges"]`` counts the removed edges. Nodes stay (a village cut off
        by a landslide becomes unreachable, and routing says so).
    """
    items = _as_closures(closures)
    closed = _closed(G, items, day)
    H = G.copy()
    H.remove_edges_from(list(closed))
    H.graph["closures_applied"] = sorted({c.closure_id for c in closed.values()})
    H.graph["closed_edges"] = len(closed)
    H.graph["closure_day"] = day.isoformat()
    return H


def closed_edges(G: nx.MultiDiGraph, closures: Iterable[Closure] | pd.DataFrame,
                 day: dt.date) -> gpd.GeoDataFrame:
    """Return the edges closed on ``day`` as lines (EPSG:4326) with the closure id and reason."""
    items = _as_closures(closures)
    closed = _closed(G, items, day)
    rows, geoms = [], []
    for (u, v, k), c in closed.items():
        data = G.edges[u, v, k]
        geom = data.get("geometry") or LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                                                   (G.nodes[v]["x"], G.nodes[v]["y"])])
        rows.append({"u": u, "v": v, "key": k, "edge_id": edge_id(u, v, k),
                     "closure_id": c.closure_id, "reason": c.reason,
                     "valid_from": c.valid_from, "valid_to": c.valid_to,
                     "source": data.get("source")})
        geoms.append(geom)
    frame = pd.DataFrame(rows, columns=["u", "v", "key", "edge_id", "closure_id", "reason",
                                        "valid_from", "valid_to", "source"])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=GEO_CRS)


__all__ = [
    "CLOSURE_COLUMNS",
    "Closure",
    "apply_closures",
    "closed_edges",
    "closures_from_frame",
    "closures_to_frame",
    "edge_id",
    "parse_edge_ids",
    "read_closures",
]
