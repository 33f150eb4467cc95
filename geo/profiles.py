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

import io
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


def load_speed_table(path: str | Path | bytes | None = None) -> pd.DataFrame:
    """Read and check a speed table (CSV).

    Parameters
    ----------
    path
        A CSV file path or its bytes; ``None`` reads the default table ``geo/speeds.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``highway``, ``surface`` and the three speed columns (float, km/h).

    Raises
    ------
    InputError
        With one problem per bad row or value (row numbers as a spreadsheet shows them).
    """
    name = "speeds.csv" if path is None else (
        "speed table" if isinstance(path, bytes) else Path(path).name
    )
    source: Any = DEFAULT_SPEED_TABLE if path is None else (
        io.BytesIO(path) if isinstance(path, bytes) else path
    )
    try:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the speed table: {exc}",
                         summary=f"{name} was rejected") from exc
    problems: list[Problem] = []
    missing = [c for c in ("highway", "surface", *SPEED_COLUMNS) if c not in raw.columns]
    if missing:
        raise InputError(
            [Problem(f"column {c!r} is missing; the header must be highway,surface,"
                     f"{','.join(SPEED_COLUMNS)}", column=c, source=name) for c in missing],
            summary=f"{name} was rejected",
        )
    rows = []
    seen: dict[_SpeedKey, int] = {}
    for i, rec in enumerate(raw.to_dict("records")):
        row = i + 2
        hw = str(rec["highway"]).strip()
        sf = str(rec["surface"]).strip().lower()
        if not hw:
            problems.append(Problem("the highway class is empty; write an OSM highway value "
                                    "such as 'tertiary', or '*' for all others",
                                    row=row, column="highway", value=hw, source=name))
        if sf not in SURFACES:
            problems.append(Problem(f"surface must be one of {', '.join(SURFACES)}",
                                    row=row, column="surface", value=sf, source=name))
        speeds = {}
        for col in SPEED_COLUMNS:
            text = str(rec[col]).strip().replace(",", ".")
            try:
                kph = float(text)
            except ValueError:
                kph = math.nan
            if not math.isfinite(kph) or kph < 0 or kph > 150:
                problems.append(Problem("speed must be a number of km/h from 0 (not allowed) "
                                        "to 150", row=row, column=col, value=text,
                                        source=name))
            speeds[col] = kph
        key = (hw, sf)
        if key in seen:
            problems.append(Problem(f"duplicate of row {seen[key]} ({hw}, {sf}); keep one",
                                    row=row, column="highway", value=hw, source=name))
        seen[key] = row
        rows.append({"highway": hw, "surface": sf, **speeds})
    for sf in SURFACES:
        if ("*", sf) not in seen:
            problems.append(Problem(f"a row for highway '*' with surface '{sf}' is required "
                                    "(the speed of every class not listed)", column="highway",
                                    source=name))
    if problems:
        raise InputError(problems, summary=f"{name} was rejected")
    return pd.DataFrame(rows, columns=["highway", "surface", *SPEED_COLUMNS])


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
    return {
        "motorbike": Profile("motorbike", moto, mountain_factor=0.8, access_speed_kph=10.0),
        "moped": Profile("moped", moto, mountain_factor=0.8, max_speed_kph=40.0,
                         access_speed_kph=10.0),
        "car": Profile("car", _speeds(table, "car_kph"), mountain_factor=0.75,
                       access_speed_kph=5.0),
        "walk": Profile("walk", _speeds(table, "walk_kph"), mountain_factor=0.8,
                        respects_oneway=False, access_speed_kph=4.0),
    }


#: The profiles built from the default speed table; ``motorbike`` is the default.
PROFILES: Mapping[str, Profile] = MappingProxyType(make_profiles())
DEFAULT_PROFILE = "motorbike"


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
        mountain = bool(data.get("mountain", mountain_net))
        kph = prof.speed_kph(data.get("highway"), data.get("surface"), mountain=mountain,
                             maxspeed=data.get("maxspeed"))
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
    "PROFILES",
    "Profile",
    "apply_profile",
    "get_profile",
    "highway_class",
    "load_speed_table",
    "make_profiles",
    "parse_maxspeed",
    "surface_class",
]
