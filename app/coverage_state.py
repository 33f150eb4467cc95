"""Cached coverage computations for the Coverage page (access surface, report, areas, siting).

Each result is cached on plain keys (profile, offices hash, kinds, network key, cutoff), so
moving a slider back re-uses what was computed, and panning the map computes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from app import network as appnet
from app import state as ss


@st.cache_resource(show_spinner=False, max_entries=4)
def access_network(
    data_dir: str, profile: str, speed_hash: str, closures_hash: str, day_iso: str, _G: Any = None
) -> Any:
    """Return a ``geo.coverage.AccessNetwork`` for the routing network of the same key."""
    from geo.coverage import AccessNetwork

    return AccessNetwork.build(_G)


def current_access_network(profile: str, day: dt.date) -> Any:
    """Return the access network for this session's speeds and closures on ``day``."""
    speed_hash, closures_hash, key = ss.network_cache_key()
    G = appnet.current_routing_network(profile, day)
    return access_network(key, profile, speed_hash, closures_hash, day.isoformat(), _G=G)


@st.cache_data(show_spinner=False, max_entries=16)
def surface(
    net_key: tuple[str, ...], offices_hash: str, kinds: tuple[str, ...], _net: Any, _offices: Any
) -> Any:
    """Return the access surface (travel time of every cell to its nearest office)."""
    from geo.coverage import access_surface

    settings = ss.get_settings()
    key = ss.data_key(settings)
    cells = ss.load_layer("population_grid", key)
    points = ss.load_layer("commune_points", key)
    return access_surface(_net, _offices, cells, points=points, kinds=list(kinds))


@st.cache_data(show_spinner=False, max_entries=32)
def report(
    net_key: tuple[str, ...],
    offices_hash: str,
    kinds: tuple[str, ...],
    minutes: float,
    _surface: Any,
) -> Any:
    """Return the coverage report at ``minutes``."""
    from geo.coverage import coverage_report

    key = ss.data_key(ss.get_settings())
    return coverage_report(
        _surface,
        ss.load_layer("communes", key),
        minutes=float(minutes),
        new_communes=ss.load_layer("new_communes", key),
        worst=15,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def areas(
    net_key: tuple[str, ...],
    offices_hash: str,
    kinds: tuple[str, ...],
    minutes: float,
    _net: Any,
    _offices: Any,
) -> gpd.GeoDataFrame:
    """Return the service areas of the chosen offices at ``minutes``."""
    from geo.isochrones import service_areas

    chosen = _offices[_offices["kind"].astype(str).isin(list(kinds))]
    return service_areas(_net, chosen, cutoffs_min=[float(minutes)])


def candidate_frame() -> pd.DataFrame:
    """Return the session's candidate sites (site_id, name, lat, lon, source)."""
    table = st.session_state.get(ss.CANDIDATES)
    if table is None:
        table = pd.DataFrame(columns=["site_id", "name", "lat", "lon", "source"])
    return table


def add_candidate(name: str, lat: float, lon: float, *, source: str = "user") -> None:
    """Add one candidate site to the session (ids ``new-1``, ``new-2`` …)."""
    table = candidate_frame()
    n = len(table) + 1
    row = pd.DataFrame(
        [
            {
                "site_id": f"new-{n}",
                "name": name,
                "lat": round(float(lat), 6),
                "lon": round(float(lon), 6),
                "source": source,
            }
        ]
    )
    st.session_state[ss.CANDIDATES] = pd.concat([table, row], ignore_index=True)
    st.session_state.pop(ss.SITING, None)


def _site_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame.reset_index(drop=True),
        geometry=gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float)),
        crs="EPSG:4326",
    )


def run_siting(
    net: Any,
    offices: gpd.GeoDataFrame,
    kinds: tuple[str, ...],
    candidates: pd.DataFrame,
    *,
    minutes: float,
    k: int,
    model: str = "mclp",
    time_limit_s: float = 30.0,
) -> Any:
    """Choose ``k`` new sites among ``candidates`` next to the existing offices of ``kinds``.

    The demand is the WorldPop grid; existing offices stay open. Returns a
    ``geo.siting.SitingPlan`` (result with before/after scores and greedy baseline, sites).
    """
    from geo.siting import site_new_posts

    key = ss.data_key(ss.get_settings())
    cells = ss.load_layer("population_grid", key)
    existing = offices[offices["kind"].astype(str).isin(list(kinds))]
    return site_new_posts(
        net,
        cells,
        _site_points(candidates),
        existing,
        k=int(k),
        minutes=float(minutes),
        model=model,
        time_limit_s=time_limit_s,
    )
