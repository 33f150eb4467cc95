"""Data page panel: what the field taught — observed vs table speeds, proposed roads, accept.

Everything here reads and writes through ``data.observations`` and ``geo.field.state``;
nothing changes planning until a planner presses an accept button. Figures from simulated
traces are labelled *MÔ PHỎNG / SIMULATED*.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app import maps
from app import state as ss
from app.i18n import fmt_number, t
from app.labels import HIGHWAY_KEYS, SURFACE_KEYS, label, labelled, profile_label
from app.safe import md_t, md_text
from data.errors import AccessDenied, ConflictError, InputError, PostplanError
from data.settings import Settings

#: Session keys of the panel.
SPEEDS_KEY = "field_speed_proposal"
ROADS_KEY = "field_road_proposal"


def _proposals(store: Any, settings: Settings) -> tuple[Any, Any, Any, str]:
    from data.observations import load_observations
    from geo.field.match import MatchParams
    from geo.field.pipeline import still_unexplained
    from geo.field.roads import propose_roads
    from geo.field.speeds import propose_speeds
    from geo.field.state import field_state
    from geo.network import cached_network

    actor = ss.current_account()
    obs = load_observations(store, actor=actor)
    state = field_state(store, actor=actor)
    speeds = propose_speeds(obs.table("traversals"), state.speed_table(), state.ref,
                            provenance=obs.provenance)
    G = cached_network(settings, profile="motorbike")
    off = still_unexplained(obs.table("offroad"), G, offroad_m=MatchParams().offroad_m)
    roads = propose_roads(off, G)
    return obs, speeds, roads, str(G.graph.get("kind", "proxy"))


def _speed_rows(proposal: Any) -> pd.DataFrame:
    from geo.field.speeds import SET_ASIDE_REASONS

    rows = proposal.rows[proposal.rows["season"] == "all"]
    status = {"change": t("field.status_change"), "keep": t("field.status_keep"),
              "too_few": t("field.status_too_few")}
    return pd.DataFrame({
        t("field.col_class"): [f"{label(HIGHWAY_KEYS, h)} ({label(SURFACE_KEYS, s).lower()})"
                               for h, s in zip(rows["highway"], rows["surface"], strict=True)],
        t("field.col_vehicle"): rows["vehicle"].map(profile_label),
        t("field.col_n"): rows["n"],
        t("field.col_set_aside"): sum(rows[f"set_aside_{r}"] for r in SET_ASIDE_REASONS),
        t("field.col_table"): rows["table_kph"].round(1),
        t("field.col_observed"): rows["proposed_kph"].round(1),
        t("field.col_ci"): [f"{fmt_number(a, decimals=1)}–{fmt_number(b, decimals=1)}"
                            if pd.notna(a) else "—"
                            for a, b in zip(rows["ci_low_kph"], rows["ci_high_kph"],
                                            strict=True)],
        t("field.col_status"): [status.get(s, s) for s in rows["status"]],
    })


def field_panel(settings: Settings) -> None:
    """Draw the panel (observations, speed proposal, road proposal, accept buttons)."""
    st.header(t("field.title"))
    st.caption(t("field.hint"))
    try:
        store = ss.plan_store()
        obs, speeds, roads, kind = _proposals(store, settings)
    except PostplanError as exc:
        st.error(md_t("field.error", error=str(exc)))
        return
    if not len(obs.batches):
        st.info(t("field.none"))
        return
    if "simulated" in obs.provenance:
        st.warning(t("field.simulated"))
    st.caption(md_t("field.observations", batches=len(obs.batches),
                 traversals=fmt_number(len(obs.table("traversals"))),
                 base=speeds.base.label()))
    st.dataframe(_speed_rows(speeds), hide_index=True, width="stretch", key="field_speeds")
    every = speeds.rows[speeds.rows["season"] == "all"]
    st.caption(t("field.set_aside_note",
                 short=fmt_number(int(every["set_aside_short"].sum())),
                 off_edge=fmt_number(int(every["set_aside_off_edge"].sum())),
                 implausible=fmt_number(int(every["set_aside_implausible"].sum())),
                 min_m=fmt_number(speeds.params.min_length_m),
                 fit_m=fmt_number(speeds.params.max_fit_m),
                 ratio=fmt_number(speeds.params.ratio_range[1])))
    st.text(f"{t('field.author')}: {ss.current_account().display_name}")
    if st.button(t("field.accept_speeds", n=len(speeds.changes[speeds.changes["season"] ==
                                                                "all"])),
                 key="field_accept_speeds", disabled=speeds.changes.empty):
        from geo.field.state import accept_speeds

        try:
            ref = accept_speeds(store, speeds, actor=ss.current_account())
        except (InputError, ConflictError, AccessDenied) as exc:
            st.error(md_text(str(exc)))
        else:
            st.success(md_t("field.accepted_speeds", label=ref.label()))

    st.subheader(t("field.roads_title"))
    table = roads.roads
    if not len(table):
        st.info(t("field.no_roads", stretches=roads.stretches))
        return
    st.caption(md_t("field.roads_found", n=len(table),
                 km=fmt_number(float(table["length_m"].sum()) / 1000, decimals=1)))
    m = maps.base_map(center=maps.KONTUM_CENTER, zoom=9)
    maps.add_trace_roads(m, table, name="trace_roads")
    maps.show_map(m, key="field_roads_map", height=380)
    shown = table.drop(columns="geometry")[["road_id", "length_m", "observed_speed_kph",
                                            "n_traces", "first_seen", "last_seen", "note"]]
    st.dataframe(labelled(shown.round(1)), hide_index=True, width="stretch", key="field_roads")
    from geo.field.osc import roads_to_osc

    c1, c2 = st.columns(2)
    if c1.button(t("field.accept_roads", n=len(table)), key="field_accept_roads"):
        from geo.field.state import accept_roads

        try:
            version = accept_roads(store, table, actor=ss.current_account())
        except (InputError, ConflictError, AccessDenied) as exc:
            st.error(md_text(str(exc)))
        else:
            st.success(t("field.accepted_roads", n=len(table), version=version))
    c2.download_button(t("field.download_osc"),
                       data=roads_to_osc(table, network_kind=kind),
                       file_name="roads.osc", mime="application/xml", key="field_osc",
                       on_click="ignore")
