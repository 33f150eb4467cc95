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

import csv
import datetime as dt
import io
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

#: Columns of the closure table as written by :func:`closures_to_frame`.
CLOSURE_COLUMNS = ("closure_id", "valid_from", "valid_to", "reason", "source", "edges", "wkt")

EdgeRef = tuple[Hashable, Hashable, Hashable | None]


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


def _parse_date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None  # None, NaN and NaT (a blank cell) all mean "no date"
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text.lower() in {"nan", "nat", "none"}:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


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


def closures_from_frame(frame: pd.DataFrame, *, source_name: str = "closures"
                        ) -> list[Closure]:
    """Validate a closure table (DataFrame or GeoDataFrame) and return closures.

    A GeoDataFrame's polygon geometry is used as the closure area (reprojected to
    EPSG:4326). Rows are numbered as a spreadsheet shows them (header = row 1).

    Raises
    ------
    InputError
        With every problem found, each naming its row, column and value.
    """
    problems: list[Problem] = []
    geoms: Sequence[Any] | None = None
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        if frame.crs is None:
            raise InputError([Problem("the closure areas have no CRS; set EPSG:4326",
                                      column="geometry", source=source_name)])
        geoms = list(frame.geometry.to_crs(GEO_CRS))
    if "valid_from" not in frame.columns or "reason" not in frame.columns:
        missing = [c for c in ("valid_from", "reason") if c not in frame.columns]
        raise InputError([Problem(f"column {c!r} is missing", column=c, source=source_name)
                          for c in missing], summary=f"{source_name} was rejected")
    out: list[Closure] = []
    first_row: dict[str, int] = {}
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        here: list[Problem] = []

        def bad(msg: str, col: str, val: Any, row: int = row, here: list[Problem] = here
                ) -> None:
            here.append(Problem(msg, row=row, column=col, value=None if val is None
                                else str(val), source=source_name))

        try:
            start = _parse_date(rec.get("valid_from"))
        except ValueError:
            start = None
            bad("not a date; write yyyy-mm-dd or dd/mm/yyyy", "valid_from", rec["valid_from"])
        else:
            if start is None:
                bad("the first day of the closure is required", "valid_from", None)
        try:
            end = _parse_date(rec.get("valid_to"))
        except ValueError:
            end = None
            bad("not a date; write yyyy-mm-dd or dd/mm/yyyy, or leave empty for "
                "'until further notice'", "valid_to", rec.get("valid_to"))
        if start and end and end < start:
            bad(f"ends before it starts ({start.isoformat()}); swap the dates", "valid_to",
                rec.get("valid_to"))
        reason = "" if _blank(rec.get("reason")) else str(rec["reason"]).strip()
        if not reason:
            bad("say why the road is closed (e.g. 'landslide Km76')", "reason", None)
        edges: tuple[EdgeRef, ...] = ()
        if not _blank(rec.get("edges")):
            try:
                edges = parse_edge_ids(str(rec["edges"]))
            except ValueError as exc:
                bad(f"{exc}; separate several with ';'", "edges", rec["edges"])
        area: BaseGeometry | None = None
        if geoms is not None and geoms[i] is not None and not geoms[i].is_empty:
            area = geoms[i]
        elif not _blank(rec.get("wkt")):
            try:
                area = shapely_wkt.loads(str(rec["wkt"]))
            except Exception:  # shapely raises GEOSException subclasses
                bad("not valid WKT; write e.g. 'POLYGON ((lon lat, ...))' in EPSG:4326", "wkt",
                    rec["wkt"])
        elif not (_blank(rec.get("lat")) and _blank(rec.get("lon"))):
            try:
                lat, lon = float(rec["lat"]), float(rec["lon"])
                radius = 100.0 if _blank(rec.get("radius_m")) else float(rec["radius_m"])
                if not (-90 <= lat <= 90 and -180 <= lon <= 180) or radius <= 0:
                    raise ValueError
                area = _circle(lat, lon, radius)
            except (TypeError, ValueError):
                bad("lat/lon must be WGS84 degrees and radius_m a positive number of metres",
                    "lat", f"{rec.get('lat')}, {rec.get('lon')}, {rec.get('radius_m')}")
        if area is not None and area.geom_type not in ("Polygon", "MultiPolygon"):
            area = area.buffer(1e-5) if area.geom_type in ("Point", "LineString") else area
        if not edges and area is None and not here:
            bad("say where: give 'edges' (u>v;…), a 'wkt' polygon, or lat, lon and radius_m",
                "edges", None)
        cid = (str(rec["closure_id"]).strip() if not _blank(rec.get("closure_id"))
               else f"C{i + 1}")
        if cid in first_row:
            bad(f"closure_id is already used on row {first_row[cid]}; fix: give every "
                "closure its own id (several roads of one event go in one row's 'edges')",
                "closure_id", cid)
        else:
            first_row[cid] = row
        if here:
            problems.extend(here)
            continue
        src = "user" if _blank(rec.get("source")) else str(rec["source"])
        assert start is not None
        out.append(Closure(cid, start, end, reason, edges, area, src))
    if problems:
        raise InputError(problems, summary=f"{source_name} was rejected")
    return out


def read_closures(path: str | Path | bytes, *, filename: str | None = None) -> list[Closure]:
    """Read a closure CSV (see the module docstring for its columns).

    Raises
    ------
    InputError
        With row-level messages for every bad row.
    """
    name = filename or ("closures.csv" if isinstance(path, bytes) else Path(path).name)
    source: Any = io.BytesIO(path) if isinstance(path, bytes) else path
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, sep=None,
                            engine="python", encoding="utf-8-sig")
    except (OSError, csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {name}: {exc}", summary=f"{name} was rejected") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return closures_from_frame(frame, source_name=name)


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
