"""What a planner accepted from the field: the speed table in use and the roads added.

Nothing learnt from traces changes planning until a planner accepts it:

* :func:`accept_speeds` saves the proposed table as a new version of the stored
  ``speed_table`` named :data:`SPEED_TABLE_NAME` (history, author and time kept by the
  store; an older version comes back with ``postplan plans restore``).
* :func:`accept_roads` adds roads to the stored ``trace_roads`` table
  :data:`ROADS_NAME`.

:func:`field_state` reads both; :func:`apply_field_state` gives a network the accepted
roads and re-times it with the table in use, recording which table in
``G.graph["speed_table"]`` (so plans and coverage reports can say it).
:func:`geo.network.cached_network` does this for every network it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import pandas as pd

from data.errors import ConflictError, InputError, Problem
from data.settings import GEO_CRS, Settings
from geo.field.roads import ROAD_COLUMNS, add_trace_roads
from geo.field.speeds import SpeedProposal
from geo.profiles import apply_profile, get_profile, load_speed_table
from geo.speed_tables import SpeedTableRef, default_ref, stamp, table_sha256

if TYPE_CHECKING:
    from data.access import Account
    from data.store import Store

#: Stored name of the accepted (calibrated) speed table.
SPEED_TABLE_NAME = "field-calibrated"
#: Stored name of the accepted roads.
ROADS_NAME = "accepted"
SPEED_KIND = "speed_table"
ROADS_KIND = "trace_roads"


@dataclass(frozen=True)
class FieldState:
    """The accepted speed table (None: the default) and accepted roads."""

    ref: SpeedTableRef
    table: pd.DataFrame | None = field(default=None, repr=False)
    roads: gpd.GeoDataFrame | None = field(default=None, repr=False)
    roads_version: int = 0

    @property
    def is_default(self) -> bool:
        """True when nothing was ever accepted."""
        return self.table is None and (self.roads is None or not len(self.roads))

    def speed_table(self) -> pd.DataFrame:
        """Return the table in use (the default one when none was accepted)."""
        return load_speed_table() if self.table is None else self.table


def _empty_roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(columns=list(ROAD_COLUMNS)),
                            geometry=gpd.GeoSeries([], crs=GEO_CRS), crs=GEO_CRS)


def field_state(store: Store, *, actor: Account | None = None) -> FieldState:
    """Read the accepted speed table and roads from ``store``.

    Parameters
    ----------
    store
        The plan store.
    actor
        Who reads (default :data:`data.access.SYSTEM_READER`, the app's own read of the
        registries it needs to build a network).
    """
    from data.access import SYSTEM_READER
    from data.store import table_from_stored

    reader = actor or SYSTEM_READER
    ref = default_ref()
    table = None
    info = store.find(SPEED_KIND, SPEED_TABLE_NAME, actor=reader)
    if info is not None:
        obj = store.get(info.id, actor=reader)
        raw = table_from_stored(obj)
        table = load_speed_table(raw.to_csv(index=False).encode())
        ref = SpeedTableRef(SPEED_TABLE_NAME, obj.version, table_sha256(table), "accepted")
    roads = None
    version = 0
    rinfo = store.find(ROADS_KIND, ROADS_NAME, actor=reader)
    if rinfo is not None:
        robj = store.get(rinfo.id, actor=reader)
        roads = table_from_stored(robj)
        version = robj.version
    return FieldState(ref=ref, table=table, roads=roads, roads_version=version)


def field_state_for(settings: Settings) -> FieldState:
    """:func:`field_state` of the settings' store, without creating a database.

    With the default SQLite store and no database file yet, nothing can have been
    accepted: the default state is returned without opening anything.
    """
    if settings.db_url is None and not (Path(settings.user_dir) / "postplan.sqlite").exists():
        return FieldState(ref=default_ref())
    from data.store import Store

    store = Store.open(settings)
    try:
        return field_state(store)
    finally:
        store.close()


def apply_field_state(G: nx.MultiDiGraph, state: FieldState, *, profile: str | None = None
                      ) -> nx.MultiDiGraph:
    """``G`` with the accepted roads, timed with the accepted table, stamped with its ref.

    Returns ``G`` itself (stamped with the default table) when nothing was accepted.
    """
    name = str(profile or G.graph.get("profile") or "motorbike")
    if state.is_default:
        return stamp(G, state.ref)
    prof = get_profile(name, speed_table=state.table) if state.table is not None else \
        get_profile(name)
    H = apply_profile(G, prof) if state.table is not None else G.copy()
    if state.roads is not None and len(state.roads):
        H = add_trace_roads(H, state.roads, profile=prof)
        H.graph["trace_roads_version"] = state.roads_version
    return stamp(H, state.ref)


def accept_speeds(store: Store, proposal: SpeedProposal, *, actor: Account,
                  season: str = "all", message: str = "") -> SpeedTableRef:
    """Save the proposal's table as the new version of the table in use.

    Raises
    ------
    InputError
        When the proposal changes nothing for ``season``.
    ConflictError
        When the table in use changed since the proposal was computed (compute it again).
    """
    current = field_state(store, actor=actor)
    if current.ref.sha256 != proposal.base.sha256:
        raise ConflictError(
            f"bảng tốc độ đang dùng đã đổi ({current.ref.label()}) sau khi đề xuất được tính "
            f"trên {proposal.base.label()}; hãy tính lại đề xuất / the speed table in use "
            f"changed ({current.ref.label()}) since the proposal was computed against "
            f"{proposal.base.label()}; compute the proposal again. Nothing was saved.")
    rows = proposal.changes[proposal.changes["season"] == season]
    if not len(rows):
        raise InputError([Problem(
            "đề xuất không thay đổi ô nào (thiếu quan sát hoặc khoảng tin cậy chứa tốc độ "
            "hiện tại); không lưu gì / the proposal changes no cell (too few observations, or "
            "every interval contains the table speed); nothing was saved",
            column="season", value=season)])
    table = proposal.proposed_table(season=season)
    info = store.find(SPEED_KIND, SPEED_TABLE_NAME, actor=actor)
    sha = table_sha256(table)
    changed = [f"{r.vehicle} {r.highway}/{r.surface} {r.table_kph:g}→{r.proposed_kph:.1f}"
               for r in rows.itertuples()]
    obj = store.save_table(
        SPEED_KIND, SPEED_TABLE_NAME, table, actor=actor,
        expected_version=None if info is None else info.version,
        message=message or f"accepted field proposal ({proposal.provenance}, season {season})",
        meta={"sha256": sha, "base": proposal.base.label(), "provenance": proposal.provenance,
              "season": season, "changes": changed[:50]})
    return SpeedTableRef(SPEED_TABLE_NAME, obj.version, sha, "accepted")


def accept_roads(store: Store, roads: gpd.GeoDataFrame, *, actor: Account,
                 road_ids: Sequence[str] | None = None, message: str = "") -> int:
    """Add proposed roads (all, or those in ``road_ids``) to the accepted roads.

    Returns the new version of the stored roads table.

    Raises
    ------
    InputError
        When a named road is not in the proposal, or nothing is left to add.
    """
    from data.store import table_from_stored

    chosen = roads if road_ids is None else roads[roads["road_id"].isin(list(road_ids))]
    unknown = sorted(set(road_ids or ()) - set(roads["road_id"]))
    if unknown:
        raise InputError([Problem("không có trong đề xuất / not in the proposal",
                                  column="road_id", value=r) for r in unknown])
    info = store.find(ROADS_KIND, ROADS_NAME, actor=actor)
    current = _empty_roads() if info is None else table_from_stored(
        store.get(info.id, actor=actor))
    new = chosen[~chosen["road_id"].isin(set(current["road_id"]))]
    if not len(new):
        raise InputError([Problem("không có đường mới để thêm (đã chấp nhận hết) / no new road "
                                  "to add (all already accepted)", column="road_id")])
    new = new.assign(status="accepted")
    merged = gpd.GeoDataFrame(pd.concat([current, new], ignore_index=True), geometry="geometry",
                              crs=GEO_CRS)
    obj = store.save_table(ROADS_KIND, ROADS_NAME, merged, actor=actor,
                           expected_version=None if info is None else info.version,
                           message=message or f"accepted {len(new)} road(s) from traces",
                           meta={"added": list(new["road_id"])[:50],
                                 "km": round(float(merged["length_m"].sum()) / 1000, 3)})
    return obj.version


__all__ = [
    "ROADS_NAME",
    "SPEED_TABLE_NAME",
    "FieldState",
    "accept_roads",
    "accept_speeds",
    "apply_field_state",
    "field_state",
    "field_state_for",
]
