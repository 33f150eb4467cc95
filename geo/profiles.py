"""Vehicle profiles: speed by road class × surface, a mountain factor, one-way rules.

The default speeds live in ``geo/speeds.csv``, a table the planner can edit (in the app or
in a spreadsheet) and load with :func:`load_speed_table`. One row per OSM ``highway`` class
and surface class (``paved``, ``unpaved``, ``unknown``), one speed column per vehicle
(``motorbike_kph``, ``car_kph``, ``walk_kph``); a speed of 0 means the vehicle may not use
that road. The class ``*`` covers every class not listed, and ``proxy_link`` is the class of
the straight links of the proxy network (see :mod:`geo.proxy`).

Where the defaults come from (all **estimates**, not a survey of courier trips; no such
survey of the Central Highlands was found — calibrate against real trip times):

- Circular 38/2024/TT-BGTVT (in force 1 Jan 2025) caps mopeds (*xe gắn máy*, ≤ 50 cc) at
  40 km/h on every road; the ``moped`` profile applies that cap. Couriers ride motorcycles
  (*xe mô tô*), which may go faster on national roads; the ``motorbike`` table stays at or
  below 50 km/h, under the posted limits of two-lane rural roads, because routers
  overestimate speeds on winding and unpaved roads (organicmaps #7801, ORS #1806).
- Expressways (``motorway``) are closed to motorbikes and pedestrians in Vietnam.
- Walking is 4.5 km/h on paved and 4 km/h on unpaved ground, 2 km/h on steps.
- The mountain factor multiplies every speed on edges of a mountain network (the graph
  attribute ``terrain == "mountain"``, overridable per edge with a boolean ``mountain``
  attribute). There is no elevation model in the bundle, so the factor is flat: 0.8 for
  two-wheelers and walking, 0.75 for cars (Valhalla's ``motor_scooter`` costing is the
  precedent for slowing down on hills; the value itself is a planning estimate).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import networkx as nx
import pandas as pd

from data.errors import InputError, Problem
from data.table_schema import CheckedTable, Column, TableSchema, frame_table, read_table
from data.vehicles import DEFAULT_PROFILE, PROFILE_NAMES

#: The default, editable speed table shipped with the package.
DEFAULT_SPEED_TABLE = Path(__file__).with_name("speeds.csv")
#: Surface classes of the speed table.
SURFACES = ("paved", "unpaved", "unknown")
#: Speed columns of the speed table, one per vehicle.
SPEED_COLUMNS = ("motorbike_kph", "car_kph", "walk_kph")
#: The OSM ``surface`` values counted as paved; every other known value is unpaved.
PAVED_SURFACES = frozenset(
    {
        "paved", "asphalt", "concrete", "concrete:plates", "concrete:lanes", "paving_stones",
        "sett", "cobblestone", "unhewn_cobblestone", "metal", "wood", "chipseal",
        "bricks", "brick",
    }
)

_SpeedKey = tuple[str, str]
#: OSM classes whose ``*_link`` ramps take the class's speed.
_LINK_BASES = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary"})


#: OSM ``highway`` classes a speed table may name without a warning (``*`` = all others,
#: ``proxy_link`` = the proxy network's straight links).
KNOWN_HIGHWAYS = (
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "living_street", "service", "road", "track", "path", "footway", "pedestrian", "steps",
    "cycleway", "bridleway", "busway", "proxy_link", "*",
)
#: A speed table may leave at most this share of the default table's usable road length
#: unusable for a vehicle on a given network; more is refused (:func:`check_speed_table`).
MIN_KEPT_SHARE = 0.5

#: The speed table, declared once (:mod:`data.table_schema`).
SPEEDS_SCHEMA = TableSchema(
    "speeds", "tốc độ", "speed",
    (
        Column("highway", "choice", required=True, blank=False,
               choices={h: h for h in KNOWN_HIGHWAYS}, unknown="warn", headers=("loai_duong",),
               vi="loại đường", hint_vi="một giá trị highway của OSM như 'tertiary', hoặc '*'",
               hint_en="write an OSM highway value such as 'tertiary', or '*' for all others"),
        Column("surface", "choice", required=True, blank=False,
               choices={**{sf: sf for sf in SURFACES}, **dict.fromkeys(PAVED_SURFACES, "paved"),
                        **dict.fromkeys(("gravel", "dirt", "ground", "compacted", "sand",
                                         "grass", "mud", "earth", "fine_gravel"), "unpaved"),
                        "trai nhua": "paved", "be tong": "paved", "dat": "unpaved",
                        "cap phoi": "unpaved"},
               headers=("mat_duong",), vi="mặt đường",
               hint_vi="paved (trải nhựa/bê tông), unpaved (đất, cấp phối) hoặc unknown",
               hint_en="paved, unpaved or unknown (an unknown surface would match no road)"),
        *(Column(col, "number", required=True, blank=False, min=0, max=150,
                 vi=f"tốc độ {col.removesuffix('_kph')} (km/h)",
                 hint_vi="số km/h từ 0 (cấm đi) đến 150",
                 hint_en="a number of km/h from 0 (not allowed) to 150")
          for col in SPEED_COLUMNS),
        Column("note", vi="ghi chú"),
    ),
)


def _speed_table_from(table: CheckedTable) -> pd.DataFrame:
    if not table.header_ok:
        table.raise_if_problems()
    rows = []
    seen: dict[_SpeedKey, int] = {}
    for row, rec in table.records():
        hw, sf = rec["highway"], rec["surface"]
        if hw is not None and sf is not None:
            key = (str(hw), str(sf))
            if key in seen:
                table.bad(row, "highway", f"trùng dòng {seen[key]} ({hw}, {sf}); giữ một dòng",
                          f"duplicate of row {seen[key]} ({hw}, {sf}); keep one", value=hw)
            else:
                seen[key] = row
        rows.append({"highway": hw, "surface": sf, **{c: rec[c] for c in SPEED_COLUMNS}})
    if table.raw.rows and table.header_ok:
        for sf in SURFACES:
            if ("*", sf) not in seen:
                table.bad(None, "highway", f"cần một dòng highway '*' với surface '{sf}' (tốc "
                          "độ của mọi loại đường không liệt kê)", f"a row for highway '*' with "
                          f"surface '{sf}' is required (the speed of every class not listed)")
        frame = pd.DataFrame(rows)
        for col in SPEED_COLUMNS:
            speeds = pd.to_numeric(frame[col], errors="coerce")
            if speeds.notna().all() and (speeds == 0).all():
                vehicle = col.removesuffix("_kph")
                table.bad(None, col, f"{col} bằng 0 ở mọi dòng: {vehicle} không đi được đường "
                          "nào (mạng lưới rỗng); sửa: ghi tốc độ lớn hơn 0 cho các đường được "
                          "phép đi", f"{col} is 0 on every row: {vehicle} could use no road "
                          "at all (an empty network); fix: give a speed above 0 to the roads "
                          "it may use", value="0")
    table.raise_if_problems()
    out = pd.DataFrame(rows, columns=["highway", "surface", *SPEED_COLUMNS])
    for col in SPEED_COLUMNS:
        out[col] = out[col].astype(float)
    out.attrs["warnings"] = [str(w) for w in table.warnings]
    return out


def load_speed_table(path: str | Path | bytes | pd.DataFrame | None = None, *,
                     filename: str | None = None) -> pd.DataFrame:
    """Read and check a speed table (CSV or XLSX, or a table from the app's editor).

    Parameters
    ----------
    path
        A file path, its bytes, or a DataFrame; ``None`` reads the default table
        ``geo/speeds.csv``. Classes and surfaces are matched without case (``Trunk,Paved``
        is ``trunk,paved``); an unknown road class is kept with a warning
        (``result.attrs["warnings"]``).
    filename
        Name for messages when bytes are given.

    Returns
    -------
    pandas.DataFrame
        Columns ``highway``, ``surface`` and the three speed columns (float, km/h).

    Raises
    ------
    InputError
        With one problem per bad row or value (row numbers as a spreadsheet shows them),
        and when a vehicle's speed is 0 on every row.
    """
    if isinstance(path, pd.DataFrame):
        return _speed_table_from(frame_table(path, SPEEDS_SCHEMA, source=filename or
                                             "speed table"))
    source: str | Path | bytes = DEFAULT_SPEED_TABLE if path is None else path
    name = filename or ("speeds.csv" if path is None else (
        "speed table.csv" if isinstance(path, bytes) else Path(path).name))
    return _speed_table_from(read_table(source, SPEEDS_SCHEMA, filename=name))


def check_speed_table(table: pd.DataFrame, G: nx.MultiDiGraph) -> None:
    """Refuse a speed table that would make most of ``G`` unusable for a vehicle.

    For each vehicle, the road length it may use under ``table`` is compared with the
    length it may use under the default table; keeping less than :data:`MIN_KEPT_SHARE`
    of it is refused, naming the figure.

    Raises
    ------
    InputError
        Naming the vehicle, the kilometres kept and lost, and the fix.
    """
    lengths: dict[_SpeedKey, float] = {}
    for _, _, data in G.edges(data=True):
        key = (highway_class(data.get("highway")), surface_class(data.get("surface")))
        lengths[key] = lengths.get(key, 0.0) + float(data.get("length_m", 0.0))
    default = load_speed_table()
    problems = []
    for col in SPEED_COLUMNS:
        new, old = _speeds(table, col), _speeds(default, col)

        def usable(speeds: Mapping[_SpeedKey, float]) -> float:
            return sum(m for (hw, sf), m in lengths.items()
                       if speeds.get((hw, sf), speeds.get(("*", sf), 0.0)) > 0)

        kept, before = usable(new), usable(old)
        if before > 0 and kept < MIN_KEPT_SHARE * before:
            vehicle = col.removesuffix("_kph")
            problems.append(Problem(
                f"with this table {vehicle} could use {kept / 1000:,.0f} km of the "
                f"{before / 1000:,.0f} km of roads it uses with the default table "
                f"({kept / before:.0%}); most of the network would be cut; fix: give a speed "
                f"above 0 to the road classes {vehicle} may use", column=col,
                message_vi=f"với bảng này {vehicle} chỉ đi được {kept / 1000:,.0f} km trong "
                           f"{before / 1000:,.0f} km đường của bảng mặc định "
                           f"({kept / before:.0%}); phần lớn mạng lưới bị cắt; sửa: ghi tốc độ "
                           f"lớn hơn 0 cho các loại đường {vehicle} được đi"))
    if problems:
        raise InputError(problems, summary="speed table refused: it would cut most of the "
                                           "network")


@dataclass(frozen=True)
class Profile:
    """How one kind of traveller uses the road network.

    Parameters
    ----------
    name
        Profile name (``motorbike``, ``moped``, ``car``, ``walk``).
    speeds_kph
        Speed by ``(highway, surface)``; 0 = not allowed. ``("*", surface)`` is the fallback.
    mountain_factor
        Multiplier of every speed on mountain edges.
    respects_oneway
        Whether one-way streets bind this traveller (motor vehicles yes, walkers no).
    max_speed_kph
        Legal or practical cap applied after the table and the mountain factor, or None.
    access_speed_kph
        Speed of the off-network leg between a point and the road (see :mod:`geo.snap`).
    """

    name: str
    speeds_kph: Mapping[_SpeedKey, float] = field(repr=False)
    mountain_factor: float = 1.0
    respects_oneway: bool = True
    max_speed_kph: float | None = None
    access_speed_kph: float = 5.0

    def speed_kph(self, highway: Any, surface: Any = None, *, mountain: bool = False,
                  maxspeed: Any = None) -> float:
        """Speed on a road of this class and surface (0 when not allowed).

        Parameters
        ----------
        highway
            OSM ``highway`` value (a list takes its first item; ``_link`` is dropped).
        surface
            OSM ``surface`` value or None.
        mountain
            Apply the mountain factor.
        maxspeed
            OSM ``maxspeed`` value; caps the speed when it parses as km/h.
        """
        hw = highway_class(highway)
        sf = surface_class(surface)
        kph = self.speeds_kph.get((hw, sf))
        if kph is None:
            kph = self.speeds_kph[("*", sf)]
        if kph <= 0:
            return 0.0
        if mountain:
            kph *= self.mountain_factor
        legal = parse_maxspeed(maxspeed)
        if legal is not None:
            kph = min(kph, legal)
        if self.max_speed_kph is not None:
            kph = min(kph, self.max_speed_kph)
        return float(kph)


def highway_class(value: Any) -> str:
    """Normalise an OSM ``highway`` value: first of a list, without ``_link``."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "*"
    text = str(value).strip().lower()
    base = text.removesuffix("_link")
    return base if base in _LINK_BASES else (text or "*")


def surface_class(value: Any) -> str:
    """Classify an OSM ``surface`` value as ``paved``, ``unpaved`` or ``unknown``."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    text = str(value).strip().lower()
    if not text:
        return "unknown"
    if text in SURFACES:
        return text
    return "paved" if text in PAVED_SURFACES else "unpaved"


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` tag to km/h (``"50"``, ``"30 mph"``); None if unusable."""
    if isinstance(value, list | tuple):
        parsed = [parse_maxspeed(v) for v in value]
        values = [p for p in parsed if p is not None]
        return min(values) if values else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*", str(value).lower())
    if not m:
        return None
    kph = float(m.group(1)) * (1.609344 if m.group(2) == "mph" else 1.0)
    return kph if kph > 0 else None


def _speeds(table: pd.DataFrame, column: str) -> Mapping[_SpeedKey, float]:
    return MappingProxyType(
        {(str(hw), str(sf)): float(kph)
         for hw, sf, kph in zip(table["highway"], table["surface"], table[column], strict=True)}
    )


def make_profiles(table: pd.DataFrame | None = None) -> dict[str, Profile]:
    """Build the four profiles from a speed table.

    Parameters
    ----------
    table
        A table from :func:`load_speed_table`; None uses the default table.

    Returns
    -------
    dict
        ``motorbike`` (the default), ``moped`` (capped at 40 km/h), ``car``, ``walk``.
    """
    table = load_speed_table() if table is None else table
    moto = _speeds(table, "motorbike_kph")
    built = {
        "motorbike": Profile("motorbike", moto, mountain_factor=0.8, access_speed_kph=10.0),
        "moped": Profile("moped", moto, mountain_factor=0.8, max_speed_kph=40.0,
                         access_speed_kph=10.0),
        "car": Profile("car", _speeds(table, "car_kph"), mountain_factor=0.75,
                       access_speed_kph=5.0),
        "walk": Profile("walk", _speeds(table, "walk_kph"), mountain_factor=0.8,
                        respects_oneway=False, access_speed_kph=4.0),
    }
    if tuple(built) != PROFILE_NAMES:
        raise RuntimeError("geo.profiles and data.vehicles.PROFILE_NAMES disagree")
    return built


#: The profiles built from the default speed table; ``motorbike`` is the default. Names
#: and order are :data:`data.vehicles.PROFILE_NAMES`, the one list every layer uses.
PROFILES: Mapping[str, Profile] = MappingProxyType(make_profiles())


def get_profile(profile: str | Profile, *, speed_table: pd.DataFrame | None = None) -> Profile:
    """Look a profile up by name (or pass a :class:`Profile` through).

    Parameters
    ----------
    profile
        Profile name or object.
    speed_table
        Use this table instead of the default one.

    Raises
    ------
    InputError
        When the name is unknown.
    """
    if isinstance(profile, Profile):
        return profile
    table = PROFILES if speed_table is None else make_profiles(speed_table)
    if profile not in table:
        raise InputError([Problem(f"unknown profile; use one of {', '.join(table)}",
                                  column="profile", value=str(profile))])
    return table[profile]


def _is_oneway(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_is_oneway(v) for v in value)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1", "-1"}
    return bool(value) if value is not None and value == value else False


#: Which traced vehicle a profile's observed speeds come from (see ``geo.field.roads``).
OBSERVED_VEHICLE = MappingProxyType({"motorbike": "motorbike", "moped": "motorbike",
                                     "car": "car", "walk": "walk"})


def edge_speed_kph(prof: Profile, data: Mapping[str, Any], *, mountain_net: bool) -> float:
    """Speed of one edge for a profile (0: not allowed).

    The table speed of the edge's class and surface, with the mountain factor and caps —
    except on a road learnt from GPS traces (``observed_speed_kph``), which the profile of
    the vehicle that was traced rides at the observed speed (capped by the profile's
    legal limit).
    """
    observed = data.get("observed_speed_kph")
    if observed and OBSERVED_VEHICLE.get(prof.name) == data.get("observed_vehicle"):
        kph = float(observed)
        return min(kph, prof.max_speed_kph) if prof.max_speed_kph is not None else kph
    return prof.speed_kph(data.get("highway"), data.get("surface"),
                          mountain=bool(data.get("mountain", mountain_net)),
                          maxspeed=data.get("maxspeed"))


def apply_profile(G: nx.MultiDiGraph, profile: str | Profile) -> nx.MultiDiGraph:
    """Return a copy of ``G`` with ``speed_kph`` and ``travel_time_s`` for one profile.

    Edges the profile may not use (speed 0) are left out. For a profile that ignores
    one-way rules (walking), every one-way edge without a reverse edge gains one
    (``reversed=True``).

    Parameters
    ----------
    G
        A network in the project's graph form (edges need ``length_m`` and ``highway``).
    profile
        Profile name or object.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; ``G.graph["profile"]`` names the profile.
    """
    prof = get_profile(profile)
    mountain_net = G.graph.get("terrain") == "mountain"
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.graph["profile"] = prof.name
    H.add_nodes_from(G.nodes(data=True))
    for u, v, k, data in G.edges(keys=True, data=True):
        kph = edge_speed_kph(prof, data, mountain_net=mountain_net)
        if kph <= 0:
            continue
        new = dict(data)
        new["speed_kph"] = kph
        new["travel_time_s"] = float(data["length_m"]) / (kph / 3.6)
        H.add_edge(u, v, key=k, **new)
        if not prof.respects_oneway and _is_oneway(data.get("oneway")) and not G.has_edge(v, u):
            back = dict(new)
            back["reversed"] = True
            if "geometry" in back and hasattr(back["geometry"], "reverse"):
                back["geometry"] = back["geometry"].reverse()
            H.add_edge(v, u, **back)
    return H


__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_SPEED_TABLE",
    "KNOWN_HIGHWAYS",
    "PROFILES",
    "SPEEDS_SCHEMA",
    "Profile",
    "apply_profile",
    "check_speed_table",
    "edge_speed_kph",
    "get_profile",
    "highway_class",
    "load_speed_table",
    "make_profiles",
    "parse_maxspeed",
    "surface_class",
]
