"""The road network as the app uses it: cached, with the user's speeds and closures applied.

``base_network`` is the network built (or read from the on-disk cache) by
``geo.network.cached_network``; ``routing_network`` applies the session's speed table and
the closures valid on the plan day; ``travel_engine`` prepares many-to-many queries on it.
All three are ``st.cache_resource`` (one shared object per key), keyed on plain values so a
widget rerun never rebuilds them.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

import networkx as nx
import pandas as pd
import streamlit as st

from app import maps
from app import messages as msg
from app import state as ss
from app.i18n import fmt_number, option_labels, source_label, t
from app.labels import PROFILE_KEYS, column_config
from app.safe import md_text
from data.errors import InputError, PostplanError
from data.settings import GEO_CRS, METRIC_CRS, Settings
from data.vehicles import DEFAULT_PROFILE, PROFILE_NAMES

_LOG = logging.getLogger(__name__)

#: The vehicle profiles offered in the app: the one list, ``data.vehicles.PROFILE_NAMES``.
PROFILES = PROFILE_NAMES

#: Columns of the app's closures editor (a circle around a point, valid over a date range).
CLOSURE_COLUMNS = ("lat", "lon", "radius_m", "valid_from", "valid_to", "reason")


@st.cache_resource(show_spinner=False, max_entries=4)
def base_network(data_dir: str, profile: str) -> nx.MultiDiGraph:
    """Return the network for ``profile`` from ``geo.network.cached_network`` (disk-cached)."""
    from geo.network import cached_network

    return cached_network(ss.get_settings(), profile=profile)


@st.cache_resource(show_spinner=False, max_entries=8)
def routing_network(
    data_dir: str,
    profile: str,
    speed_hash: str,
    closures_hash: str,
    day_iso: str,
    _speed_table: pd.DataFrame | None = None,
    _closures: pd.DataFrame | None = None,
) -> nx.MultiDiGraph:
    """Return the network with the session's speed table and the closures valid on ``day_iso``.

    The hashes are the cache key; the underscored tables are not hashed (Streamlit skips
    arguments whose name starts with ``_``).
    """
    G = base_network(data_dir, profile)
    if _speed_table is not None:
        from geo.profiles import apply_profile, check_speed_table, get_profile

        check_speed_table(_speed_table, G)
        G = apply_profile(G, get_profile(profile, speed_table=_speed_table))
    if _closures is not None and len(_closures):
        G = apply_day_closures(G, _closures, dt.date.fromisoformat(day_iso))
    return G


def apply_day_closures(G: nx.MultiDiGraph, closures: pd.DataFrame, day: dt.date) -> nx.MultiDiGraph:
    """Apply the session's closure table on ``day`` (``geo.closures.apply_closures``)."""
    from geo.closures import apply_closures

    return apply_closures(G, closures_for_geo(closures), day)


def closures_for_geo(table: pd.DataFrame) -> pd.DataFrame:
    """Return the editor's closure table with dates as text (empty for none).

    The editor holds datetimes (and NaT for an open end); ``geo.closures`` reads text and
    dates, and compares a NaT end date with the start date, so dates are passed as
    ``yyyy-mm-dd`` strings.
    """
    out = pd.DataFrame(table).copy()
    for col in ("valid_from", "valid_to"):
        if col in out.columns:
            out[col] = ["" if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in out[col]]
    return out


def current_routing_network(profile: str, day: dt.date) -> nx.MultiDiGraph:
    """Return the routing network for this session (speeds and closures applied) on ``day``."""
    speed_hash, closures_hash, key = ss.network_cache_key()
    return routing_network(
        key,
        profile,
        speed_hash,
        closures_hash,
        day.isoformat(),
        _speed_table=st.session_state.get(ss.SPEED_TABLE),
        _closures=st.session_state.get(ss.CLOSURES),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def travel_engine(
    data_dir: str, profile: str, speed_hash: str, closures_hash: str, day_iso: str, _G: Any = None
) -> Any:
    """Return a ``geo.matrix.TravelEngine`` on the routing network of the same key."""
    from geo.matrix import TravelEngine

    return TravelEngine(_G, cache_dir=ss.get_settings().cache_dir / "cch")


def current_engine(profile: str, day: dt.date, G: nx.MultiDiGraph) -> Any:
    """Return the travel engine for this session's routing network on ``day``."""
    speed_hash, closures_hash, key = ss.network_cache_key()
    return travel_engine(key, profile, speed_hash, closures_hash, day.isoformat(), _G=G)


def session_loaders(profile: str, day: dt.date) -> tuple[Any, Any]:
    """Return the session's network and matrices on ``day`` as functions any thread may call.

    Returns ``(network, matrices)``: ``network()`` gives ``(G, engine)``
    (:func:`current_routing_network`, :func:`current_engine`) and ``matrices(problem, G,
    engine)`` gives :func:`problem_matrices`. The session's speed table and closures are
    read here, in the script's thread; the functions only use the shared caches, so the
    background planning thread (``app.background``) may call them.
    """
    speed_hash, closures_hash, key = ss.network_cache_key()
    speed_table = st.session_state.get(ss.SPEED_TABLE)
    closures = st.session_state.get(ss.CLOSURES)
    day_iso = day.isoformat()

    def network() -> tuple[nx.MultiDiGraph, Any]:
        G = routing_network(key, profile, speed_hash, closures_hash, day_iso,
                            _speed_table=speed_table, _closures=closures)
        return G, travel_engine(key, profile, speed_hash, closures_hash, day_iso, _G=G)

    def matrices(problem: Any, G: nx.MultiDiGraph, engine: Any) -> Any:
        return problem_matrices(places_key(problem),
                                (speed_hash, closures_hash, key, profile, day_iso),
                                _problem=problem, _G=G, _engine=engine)

    return network, matrices


@st.cache_resource(show_spinner=False, max_entries=8)
def _warming(
    data_dir: str, profile: str, speed_hash: str, closures_hash: str, day_iso: str,
    _load: Any = None,
) -> threading.Thread:
    """Start loading one network key in a daemon thread (once per key and process)."""
    thread = threading.Thread(target=_load, daemon=True, name=f"postplan-warm-{profile}")
    thread.start()
    return thread


def preload(profile: str = DEFAULT_PROFILE) -> threading.Thread:
    """Start reading ``profile``'s road network (:func:`base_network`) in a daemon thread.

    Once per server process and profile: the first run of the first session calls it
    (``streamlit_app.py``, before the login). The network takes 1–2 s to read, and a first
    Plan click soon after the login otherwise waited for it; the Dispatch page's
    :func:`warm` then only applies the session's speeds and closures. Not called from the
    server's start-up hook: a component (the maps) imported there is never served.
    """
    from app import background  # noqa: F401  serialises ast.parse (numpy.load parses)

    return _preloading(ss.data_key(ss.get_settings()), profile)


@st.cache_resource(show_spinner=False, max_entries=4)
def _preloading(data_dir: str, profile: str) -> threading.Thread:
    def load() -> None:
        try:
            base_network(data_dir, profile)
        except Exception:  # the page loads it again and reports the error
            _LOG.warning("reading the %s network at start-up failed", profile, exc_info=True)

    thread = threading.Thread(target=load, daemon=True, name=f"postplan-preload-{profile}")
    thread.start()
    return thread


def warm(profile: str, day: dt.date) -> None:
    """Load this session's network and travel engine for ``day`` in the background.

    Called when the Dispatch page opens, so that the first Plan click does not spend its
    time budget loading the network (the caches make a click during the load wait for it
    instead of loading twice). Once per network key and server process.
    """
    speed_hash, closures_hash, key = ss.network_cache_key()
    network, _matrices = session_loaders(profile, day)

    def load() -> None:
        try:
            network()
        except Exception:  # the Plan click will load it again and report the error
            _LOG.warning("loading the %s network in the background failed", profile,
                         exc_info=True)

    _warming(key, profile, speed_hash, closures_hash, day.isoformat(), _load=load)


@st.cache_data(show_spinner=False, max_entries=8)
def problem_matrices(
    places_key: str, net_key: tuple[str, ...], _problem: Any, _G: Any, _engine: Any
) -> Any:
    """Return the door-to-door matrices over a problem's places (cached per places + network).

    Re-planning the same jobs with another budget, seed or courier count reuses them.
    """
    from app.dispatch_logic import compute_matrices

    return compute_matrices(_problem, _G, _engine)


def places_key(problem: Any) -> str:
    """Return a hash of a problem's places (ids and positions), the matrices' cache key."""
    import hashlib

    text = "|".join(f"{p.place_id}:{p.lon:.6f}:{p.lat:.6f}" for p in problem.places())
    return hashlib.sha256(text.encode()).hexdigest()


def network_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """``geo.network.network_summary`` when available, else the graph's own attributes."""
    try:
        from geo.graph import network_summary as summary

        return dict(summary(G))
    except ImportError:
        return {
            "kind": G.graph.get("kind"),
            "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges(),
        }


def is_proxy(kind: str | None) -> bool:
    """Tell whether the network kind involves the proxy (estimated) links."""
    return "proxy" in str(kind or "")


# ---------------------------------------------------------------------------------------
# Data page panels
# ---------------------------------------------------------------------------------------


def _speed_panel() -> None:
    st.header(t("data.speeds_title"))
    st.caption(t("data.speeds_hint"))
    try:
        from geo.profiles import load_speed_table
    except ImportError:
        st.info(t("common.not_ready", module="geo.profiles"))
        return
    table = st.session_state.get(ss.SPEED_TABLE)
    if table is None:
        table = load_speed_table()
    edited = st.data_editor(
        table,
        key="speed_editor",
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=["highway", "surface"],
        column_config=column_config(table),
    )
    c1, c2, c3 = st.columns(3)
    if c1.button(t("common.apply"), key="speed_apply"):
        try:
            from data.vehicles import DEFAULT_PROFILE
            from geo.profiles import check_speed_table

            checked = load_speed_table(ss.to_csv_bytes(edited))
            check_speed_table(
                checked, base_network(ss.data_key(ss.get_settings()), DEFAULT_PROFILE)
            )
        except InputError as exc:
            st.error(msg.problems_box(exc.problems))
        else:
            st.session_state[ss.SPEED_TABLE] = checked
            st.success(t("data.speeds_applied"))
    if c2.button(t("common.reset"), key="speed_reset"):
        st.session_state.pop(ss.SPEED_TABLE, None)
        st.rerun()
    c3.download_button(
        t("common.download_csv"),
        data=ss.to_csv_bytes(edited),
        file_name="speeds.csv",
        mime="text/csv",
        key="speed_csv",
        on_click="ignore",
    )


def _empty_closures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "closure_id": pd.Series(dtype=str),
            "lat": pd.Series(dtype=float),
            "lon": pd.Series(dtype=float),
            "radius_m": pd.Series(dtype=float),
            "valid_from": pd.Series(dtype="datetime64[ns]"),
            "valid_to": pd.Series(dtype="datetime64[ns]"),
            "reason": pd.Series(dtype=str),
        }
    )


def _circle_of(area: Any) -> tuple[float, float, float] | None:
    """Return (lat, lon, radius_m) when ``area`` is a circle, else None.

    ``geo.closures`` turns a closure given as lat, lon and radius into a polygon of many
    vertices, all at the radius from the centre in the metric CRS; this finds that centre
    and radius again so the table shows what the user wrote, not the polygon.
    """
    import numpy as np
    from pyproj import Transformer

    if area is None or area.geom_type != "Polygon" or len(area.interiors):
        return None
    lon, lat = np.asarray(area.exterior.coords)[:-1].T
    if len(lon) < 16:
        return None
    to_m = Transformer.from_crs(GEO_CRS, METRIC_CRS, always_xy=True)
    x, y = to_m.transform(lon, lat)
    cx, cy = float(np.mean(x)), float(np.mean(y))
    dist = np.hypot(np.asarray(x) - cx, np.asarray(y) - cy)
    radius = float(np.mean(dist))
    if radius <= 0 or float(np.ptp(dist)) > 0.005 * radius:
        return None
    c_lon, c_lat = Transformer.from_crs(METRIC_CRS, GEO_CRS, always_xy=True).transform(cx, cy)
    return round(float(c_lat), 6), round(float(c_lon), 6), round(radius, 1)


def closures_table(closures: Any) -> pd.DataFrame:
    """Closures as the page's editor shows them: a circle as lat, lon and radius_m.

    Closures given by road ids keep an ``edges`` column and other polygons a ``wkt``
    column; those columns appear only when some closure needs them.

    Parameters
    ----------
    closures
        ``geo.closures.Closure`` objects (e.g. from ``read_closures``).
    """
    from geo.closures import edge_id

    rows = []
    for c in closures:
        circle = _circle_of(c.area)
        lat, lon, radius = circle if circle is not None else (None, None, None)
        rows.append(
            {
                "closure_id": c.closure_id,
                "lat": lat,
                "lon": lon,
                "radius_m": radius,
                "valid_from": pd.Timestamp(c.valid_from),
                "valid_to": pd.Timestamp(c.valid_to) if c.valid_to else pd.NaT,
                "reason": c.reason,
                "edges": ";".join(edge_id(*e) for e in c.edges),
                "wkt": c.area.wkt if c.area is not None and circle is None else "",
            }
        )
    if not rows:
        return _empty_closures()
    out = pd.concat([_empty_closures(), pd.DataFrame(rows)], ignore_index=True)
    out = out.astype({"lat": float, "lon": float, "radius_m": float})
    for extra in ("edges", "wkt"):
        if extra in out.columns and not out[extra].fillna("").astype(str).str.len().any():
            out = out.drop(columns=extra)
    return out


def _closures_panel() -> None:
    st.header(t("data.closures_title"))
    st.caption(t("data.closures_hint"))
    from geo.closures import closures_from_frame, read_closures

    upload = st.file_uploader(t("data.closures_upload"), type=["csv"], key="closures_upload")
    if upload is not None and st.session_state.get("closures_upload_done") != upload.file_id:
        st.session_state["closures_upload_done"] = upload.file_id
        try:
            items = read_closures(upload.getvalue(), filename=upload.name)
        except InputError as exc:
            st.session_state["closures_errors"] = list(exc.problems)
        except Exception as exc:  # a file no reader foresaw: say so, never show Python's text
            st.session_state["closures_errors"] = [msg.error_md(exc)]
        else:
            st.session_state[ss.CLOSURES] = closures_table(items)
            st.session_state["closures_errors"] = []
            st.session_state["closures_message"] = t("data.closures_applied", n=len(items))
    current = st.session_state.get(ss.CLOSURES)
    table = _empty_closures() if current is None else current
    edited = st.data_editor(
        table,
        key="closures_editor",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=column_config(
            table,
            {
                "valid_from": st.column_config.DateColumn(format="DD/MM/YYYY"),
                "valid_to": st.column_config.DateColumn(format="DD/MM/YYYY"),
                "radius_m": st.column_config.NumberColumn(
                    min_value=10, max_value=20_000, step=10
                ),
            },
        ),
    )
    c1, c2 = st.columns(2)
    if c1.button(t("common.apply"), key="closures_apply"):
        try:
            items = closures_from_frame(
                closures_for_geo(edited), source_name=t("data.closures_title")
            )
        except InputError as exc:
            st.session_state["closures_errors"] = list(exc.problems)
        else:
            st.session_state[ss.CLOSURES] = edited.reset_index(drop=True) if len(edited) else None
            st.session_state["closures_errors"] = []
            st.session_state["closures_message"] = t("data.closures_applied", n=len(items))
    if c2.button(t("common.reset"), key="closures_reset"):
        st.session_state.pop(ss.CLOSURES, None)
        st.session_state["closures_errors"] = []
        st.session_state["closures_message"] = ""
        st.rerun()
    errors = st.session_state.get("closures_errors") or []
    if errors:
        st.error(msg.problems_box(errors))
    elif st.session_state.get("closures_message"):
        st.success(st.session_state["closures_message"])


def _status_panel(settings: Settings) -> None:
    st.header(t("data.network_title"))
    profile = st.selectbox(
        t("data.speeds_profile"),
        PROFILES,
        format_func=option_labels(PROFILE_KEYS),
        key="network_profile",
    )
    try:
        with st.spinner(t("dispatch.step_network")):
            G = current_routing_network(profile, dt.date.today())
    except ImportError:
        st.info(t("common.not_ready", module="geo.network"))
        return
    except PostplanError as exc:
        st.error(msg.error_md(exc))
        return
    info = network_summary(G)
    kind = str(info.get("kind") or G.graph.get("kind"))
    if is_proxy(kind):
        st.warning(t("data.network_proxy_warning"))
    # words go in sentences and tables, numbers in metrics: a metric box cuts long text off
    st.markdown(f"**{t('data.network_kind')}:** {md_text(network_kind_text(kind))}")
    km = {str(k): float(v) for k, v in (info.get("km_by_source") or {}).items()}
    c1, c2, c3 = st.columns(3)
    c1.metric(t("data.network_nodes"), fmt_number(int(info.get("nodes", G.number_of_nodes()))))
    c2.metric(t("data.network_edges"), fmt_number(int(info.get("edges", G.number_of_edges()))))
    c3.metric(t("data.network_km_total"), fmt_number(sum(km.values())))
    if km:
        st.dataframe(
            pd.DataFrame(
                {
                    t("data.source"): [source_label(k) for k in km],
                    t("data.network_km"): [fmt_number(v) for v in km.values()],
                }
            ),
            hide_index=True,
            key="network_km_table",
        )
    st.caption(network_file_text(G))
    if G.graph.get("closed_edges"):
        st.warning(t("data.closed_today", n=int(G.graph["closed_edges"])))
    if st.checkbox(t("data.show_network"), value=False, key="network_show"):
        m = maps.base_map(center=maps.KONTUM_CENTER, zoom=9)
        maps.add_network(m, G, name="network")
        closures = st.session_state.get(ss.CLOSURES)
        if closures is not None and len(closures):
            from geo.closures import closed_edges

            closed = closed_edges(
                base_network(ss.data_key(settings), profile),
                closures_for_geo(closures),
                dt.date.today(),
            )
            maps.add_closed(m, closed, name="closed")
            st.caption(t("data.closed_edges", n=len(closed)))
        maps.show_map(m, key="network_map", height=480)
        st.caption(t("data.network_legend"))


def network_kind_text(kind: str) -> str:
    """Return the network's kind in words (``proxy`` is the estimated proxy network)."""
    if kind == "osm+proxy":
        return f"{source_label('osm')} + {source_label('proxy')}"
    return source_label(kind)


def network_file_text(G: nx.MultiDiGraph) -> str:
    """Return one line (markdown) naming the file the network came from, or saying how."""
    source_file = str(G.graph.get("source_file") or "").strip()
    if source_file:
        return t("data.network_file", file=md_text(source_file))
    if is_proxy(G.graph.get("kind")):
        return t("data.network_file_proxy")
    return t("data.network_file_none")


def network_status_panel(settings: Settings) -> None:
    """Draw the speed table editor, the closures table and the network status."""
    _speed_panel()
    _closures_panel()
    _status_panel(settings)
