"""Vùng phục vụ / Coverage: who is within reach of an office, the gaps, and new sites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import folium
import pandas as pd
import streamlit as st

from app import coverage_state as cs
from app import drafts, maps
from app import messages as msg
from app import network as appnet
from app import state as ss
from app import store_view as sv
from app.i18n import (
    KIND_KEYS,
    LANGUAGES,
    N_,
    fmt_number,
    fmt_pct,
    keep,
    kept,
    lkey,
    option_labels,
    t,
)
from app.labels import PROFILE_KEYS, labelled, model_label, status_label
from app.safe import html_text, md_t
from data.errors import ConflictError, PostplanError

settings = ss.get_settings()
key = ss.data_key(settings)
ss.enter_page("coverage")

st.title(t("coverage.title"))

offices = ss.current_offices()
present_kinds = [
    k
    for k in ("post_office", "commune_post", "one_stop_shop")
    if k in set(offices["kind"].astype(str))
]


def _apply_scenario(doc: dict[str, Any], present: list[str]) -> None:
    """Put a saved scenario's settings and candidates into the session, before the widgets."""
    st.session_state["cov_cutoff"] = min(180, max(5, 5 * round(int(doc["cutoff_min"]) / 5)))
    if doc["profile"] in appnet.PROFILES:
        st.session_state["cov_profile"] = doc["profile"]
    chosen_kinds = [k for k in doc["office_kinds"] if k in present] or present
    for lang in LANGUAGES:  # the multiselect's key depends on the language (lkey)
        st.session_state.pop("cov_kinds" if lang == "vi" else f"cov_kinds__{lang}", None)
    st.session_state[lkey("cov_kinds")] = keep("cov_kinds", chosen_kinds)
    if doc["model"] in ("mclp", "pmedian"):
        for lang in LANGUAGES:
            st.session_state.pop("cov_model" if lang == "vi" else f"cov_model__{lang}", None)
        st.session_state[lkey("cov_model")] = keep("cov_model", doc["model"])
    st.session_state["cov_k"] = min(20, max(1, int(doc["k"])))
    cands = doc["candidates"]
    if len(cands):
        st.session_state[ss.CANDIDATES] = cands
    else:
        st.session_state.pop(ss.CANDIDATES, None)
    st.session_state.pop(ss.SITING, None)  # a saved answer is shown as saved, not as live
    st.session_state["cov_scenario_siting"] = doc.get("siting")


def _restore_draft(content: Mapping[str, Any]) -> None:
    """Apply a coverage draft (a scenario document) as an opened scenario would be."""
    st.session_state["cov_scenario_pending"] = sv.scenario_from_document(content["cov_draft"])


drafts.restore("coverage", _restore_draft)
drafts.banner("coverage")
pending = st.session_state.pop("cov_scenario_pending", None)
if pending is not None:
    _apply_scenario(pending, present_kinds)

c1, c2, c3, c4 = st.columns([2, 1, 3, 2])
minutes = c1.slider(t("coverage.cutoff"), 5, 180, 30, step=5, key="cov_cutoff")
profile = c2.selectbox(
    t("coverage.profile"),
    appnet.PROFILES,
    format_func=option_labels(PROFILE_KEYS),
    key="cov_profile",
)
kinds = keep(
    "cov_kinds",
    c3.multiselect(
        t("coverage.kinds"),
        present_kinds,
        default=[k for k in kept("cov_kinds", present_kinds) if k in present_kinds],
        format_func=option_labels(KIND_KEYS),
        placeholder=t("common.choose"),
        key=lkey("cov_kinds"),
    ),
)
units = keep(
    "cov_units",
    c4.radio(
        t("data.units"),
        ["old", "new"],
        index=["old", "new"].index(kept("cov_units", "old")),
        horizontal=True,
        key=lkey("cov_units"),
        format_func=option_labels({"old": N_("data.units_old"), "new": N_("data.units_new")}),
    ),
)
if not kinds:
    st.warning(t("coverage.no_kinds"))
    st.stop()

day = dt.date.today()
try:
    with st.spinner(t("coverage.computing")):
        net = cs.current_access_network(profile, day)
        net_key = (*ss.network_cache_key(), profile, day.isoformat())
        off_hash = ss.frame_hash(offices)
        surf = cs.surface(net_key, off_hash, tuple(kinds), _net=net, _offices=offices)
        rep = cs.report(net_key, off_hash, tuple(kinds), float(minutes), _surface=surf)
except ImportError as exc:
    st.info(t("common.not_ready", module=exc.name or "geo.coverage"))
    st.stop()
except PostplanError as exc:
    st.error(msg.error_md(exc))
    st.stop()

if appnet.is_proxy(rep.network_kind):
    st.warning(t("data.network_proxy_warning"))

m1, m2, m3, m4 = st.columns(4)
m1.metric(t("coverage.served_pct"), fmt_pct(rep.share_covered))
m2.metric(
    t("coverage.people_covered"),
    fmt_number(rep.population_covered),
    help=t("coverage.of_total", total=fmt_number(rep.population_total)),
)
m3.metric(t("coverage.mean_time"), f"{fmt_number(rep.mean_time_s / 60)} {t('coverage.min')}")
m4.metric(t("coverage.unreachable"), fmt_number(rep.population_unreachable))
st.caption(t("coverage.population_note"))

# ---- map -------------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    show_areas = st.checkbox(t("coverage.service_areas"), value=False, key="cov_areas")
    layer = rep.communes if units == "old" else rep.new_communes
    name_col = "name" if units == "old" else "new_commune_name"
    layer = layer[layer.geometry.notna()].copy()
    layer["share_pct"] = (layer["share_covered"].astype(float) * 100).round(1)
    layer["mean_min"] = (layer["mean_time_s"].astype(float) / 60).round(0)
    centre, zoom = maps.layer_view(layer)
    m = maps.base_map(center=centre, zoom=zoom)
    _l, cmap = maps.add_choropleth(
        m,
        layer,
        "share_pct",
        name="coverage",
        caption=t("coverage.share"),
        tooltip_fields=[name_col, "share_pct", "mean_min", "population_beyond"],
        tooltip_aliases=[
            t("data.commune"),
            t("coverage.share") + " (%)",
            t("coverage.time_min"),
            t("coverage.unserved"),
        ],
        colours=("#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#2166ac"),
        vmin=0,
        vmax=100,
    )
    if show_areas:
        try:
            sa = cs.areas(
                net_key, off_hash, tuple(kinds), float(minutes), _net=net, _offices=offices
            )
        except PostplanError as exc:
            st.error(msg.error_md(exc))
        else:
            data = maps.simplified(sa[["office_id", "geometry"]], tolerance_m=200.0)
            folium.GeoJson(
                data.__geo_interface__,
                name="areas",
                interactive=False,
                style_function=lambda _f: {
                    "color": "#1f4e79",
                    "weight": 1,
                    "fillColor": "#5dade2",
                    "fillOpacity": 0.15,
                },
            ).add_to(m)
    chosen_kinds = offices[offices["kind"].astype(str).isin(kinds)]
    maps.add_offices(m, chosen_kinds, name="offices")
    candidates = cs.candidate_frame()
    siting = st.session_state.get(ss.SITING)
    picked = set(siting.result.chosen) if siting is not None else set()
    marks = candidates
    if siting is not None:
        chosen_sites = siting.chosen_sites
        extra = pd.DataFrame(
            {
                "site_id": chosen_sites["site_id"].astype(str),
                "name": chosen_sites["name"].astype(str),
                "lat": chosen_sites.geometry.y,
                "lon": chosen_sites.geometry.x,
                "source": chosen_sites.get("source", ""),
            }
        )
        extra = extra[~extra["site_id"].isin(candidates["site_id"])]
        marks = pd.concat([candidates, extra], ignore_index=True)
    for row in marks.to_dict("records"):
        folium.Marker(
            [float(row["lat"]), float(row["lon"])],
            tooltip=html_text(f"{row['site_id']}: {row['name']}"),
            icon=folium.DivIcon(
                icon_size=(18, 18),
                icon_anchor=(9, 9),
                html=(
                    '<div style="width:16px;height:16px;border:3px '
                    f"{'dashed' if row.get('source') == 'estimated' else 'solid'} #6c3483;"
                    f"background:{'#f1c40f' if row['site_id'] in picked else '#ffffff'};"
                    'transform:rotate(45deg)"></div>'
                ),
            ),
        ).add_to(m)
    out = maps.show_map(m, key="cov_map", returned_objects=["last_clicked"], height=540)
    clicked = out.get("last_clicked")
    if clicked:
        st.session_state["cov_clicked"] = clicked
    st.markdown(
        maps.legend_html(cmap, caption=t("coverage.share") + " (%)", fmt=fmt_number),
        unsafe_allow_html=True,
    )

with right:
    st.subheader(t("coverage.gaps_title"))
    worst = rep.worst_communes.copy()
    gap = pd.DataFrame(
        {
            t("data.commune"): worst["name"],
            t("coverage.unserved"): worst["population_beyond"].round(0).astype(int),
            t("coverage.time_min"): worst["minutes"].round(0).astype(int),
            t("data.population"): worst["population"].round(0).astype(int),
            t("data.new_commune"): worst["new_commune_name"],
            t("data.district"): worst["district"],
        }
    )
    st.dataframe(gap, hide_index=True, width="stretch", key="cov_gaps")

# ---- candidates and siting --------------------------------------------------------------
st.header(t("coverage.candidates_title"))
st.caption(t("coverage.click_hint"))
communes = ss.load_layer("communes", key)
a, b, c = st.columns(3)
clicked = st.session_state.get("cov_clicked")
if clicked:
    lat, lon = float(clicked["lat"]), float(clicked["lng"])
    if a.button(t("coverage.add_clicked", lat=lat, lon=lon), key="cov_add_clicked"):
        cs.add_candidate(t("coverage.clicked_name", lat=lat, lon=lon), lat, lon)
        st.session_state.pop("cov_clicked", None)
        st.rerun()
else:
    a.caption(t("coverage.no_click"))
names = communes.sort_values("name")
pick = b.selectbox(
    t("coverage.from_list"),
    names["commune_code"].tolist(),
    index=None,
    key="cov_pick",
    placeholder=t("common.choose"),
    format_func=lambda code: (
        f"{names.set_index('commune_code').at[code, 'name']} "
        f"({names.set_index('commune_code').at[code, 'district']})"
    ),
)
if b.button(t("coverage.add_commune"), key="cov_add_commune", disabled=pick is None):
    row = ss.load_layer("commune_points", key).set_index("commune_code").loc[pick]
    cs.add_candidate(
        str(row["name"]),
        float(row["point_lat"]),
        float(row["point_lon"]),
        source=str(row["source"]),
    )
    st.rerun()
if c.button(t("coverage.clear"), key="cov_clear"):
    st.session_state.pop(ss.CANDIDATES, None)
    st.session_state.pop(ss.SITING, None)
    st.session_state.pop("cov_scenario_siting", None)
    st.rerun()
candidates = cs.candidate_frame()
if len(candidates):
    st.dataframe(
        labelled(candidates),
        hide_index=True,
        width="stretch",
        key="cov_candidates",
    )
    st.caption(t("coverage.candidate_source"))
else:
    st.caption(t("coverage.no_candidates"))

s1, s2, s3 = st.columns([1, 1, 2])
k = s1.number_input(t("coverage.n_new"), 1, 20, 3, key="cov_k")
model = keep(
    "cov_model",
    s2.selectbox(
        t("coverage.model"),
        ["mclp", "pmedian"],
        index=["mclp", "pmedian"].index(kept("cov_model", "mclp")),
        key=lkey("cov_model"),
        format_func=option_labels(
            {"mclp": N_("coverage.model_mclp"), "pmedian": N_("coverage.model_pmedian")}
        ),
    ),
)
use_all = s3.checkbox(t("coverage.use_all_communes"), value=True, key="cov_use_all")
if st.button(t("coverage.run_siting"), key="cov_run", type="primary"):
    cand = candidates
    if not len(cand) and use_all:
        points = ss.load_layer("commune_points", key)
        cand = pd.DataFrame(
            {
                "site_id": "commune-" + points["commune_code"].astype(str),
                "name": points["name"],
                "lat": points["point_lat"],
                "lon": points["point_lon"],
                "source": points["source"],
            }
        )
    if not len(cand):
        st.warning(t("coverage.no_candidates"))
    else:
        try:
            with st.spinner(t("coverage.siting_running")):
                result = cs.run_siting(
                    net, offices, tuple(kinds), cand, minutes=float(minutes), k=int(k), model=model
                )
        except PostplanError as exc:
            st.error(msg.error_md(exc))
        except ImportError as exc:
            st.info(t("common.not_ready", module=exc.name or "geo.coverage"))
        else:
            st.session_state[ss.SITING] = result
            st.rerun()

siting = st.session_state.get(ss.SITING)
if siting is not None:
    res = siting.result
    st.subheader(t("coverage.before_after"))
    b1, b2, b3 = st.columns(3)
    b1.metric(
        t("coverage.served_pct") + f" ≤ {fmt_number(res.cutoff_s / 60)} {t('coverage.min')}",
        fmt_pct(res.after.share_covered),
        delta=fmt_number((res.after.share_covered - res.before.share_covered) * 100, decimals=1)
        + " "
        + t("coverage.points"),
    )
    b2.metric(
        t("coverage.people_covered"),
        fmt_number(res.after.population_covered),
        delta=fmt_number(res.after.population_covered - res.before.population_covered),
    )
    b3.metric(
        t("coverage.mean_time"),
        f"{fmt_number(res.after.mean_time_s / 60, decimals=1)} {t('coverage.min')}",
        delta=fmt_number((res.after.mean_time_s - res.before.mean_time_s) / 60, decimals=1),
        delta_color="inverse",
    )
    site_names = dict(zip(siting.sites["site_id"].astype(str), siting.sites["name"], strict=True))
    chosen = pd.DataFrame(siting.chosen_sites.drop(columns="geometry"))
    chosen["lat"] = siting.chosen_sites.geometry.y.round(5)
    chosen["lon"] = siting.chosen_sites.geometry.x.round(5)
    st.markdown(f"**{t('coverage.chosen')}**")
    st.dataframe(labelled(chosen), hide_index=True, width="stretch", key="cov_chosen")
    if appnet.is_proxy(siting.network_kind):
        st.caption(t("dispatch.banner_proxy"))
    st.caption(
        md_t(
            "coverage.siting_note",
            model=model_label(res.model),
            status=status_label(res.status),
            seconds=fmt_number(res.seconds, decimals=1),
            greedy=", ".join(site_names.get(s, s) for s in res.greedy_chosen),
        )
    )
else:
    saved_siting = st.session_state.get("cov_scenario_siting")
    if saved_siting:
        total = float(saved_siting.get("population_total") or 0.0)

        def _share(covered: float | None) -> str:
            return fmt_pct(float(covered or 0.0) / total) if total else "—"

        st.info(
            md_t(
                "coverage.scenario_siting",
                model=saved_siting.get("model", ""),
                chosen=", ".join(
                    f"{c['site_id']} {c['name']}" for c in saved_siting.get("chosen_sites") or []
                )
                or ", ".join(saved_siting.get("chosen") or [])
                or "—",
                before=_share(saved_siting.get("population_covered_before")),
                after=_share(saved_siting.get("population_covered_after")),
            )
        )

# ---- saved scenarios: save the current one, open one ---------------------------------------
with st.expander(
    t("coverage.scenario_title"), expanded=False, key="cov_scenario_exp", on_change="rerun"
):
    scenario_ref = st.session_state.get("cov_scenario_ref")
    if scenario_ref is not None:
        st.caption(md_t("coverage.scenario_opened", name=scenario_ref[2], version=scenario_ref[1]))
    n1, n2, n3 = st.columns([3, 2, 1])
    scenario_name = n1.text_input(
        t("coverage.scenario_name"),
        value=scenario_ref[2] if scenario_ref else t("coverage.scenario_default", minutes=minutes),
        key="cov_scn_name",
    )
    n2.text(f"{t('coverage.scenario_author')}: {ss.current_account().display_name}")
    if n3.button(
        t("coverage.scenario_save"),
        key="cov_scn_save",
        disabled=not scenario_name.strip(),
    ):
        store = ss.plan_store()
        existing = store.find(
            "coverage_scenario", scenario_name.strip(), actor=ss.current_account()
        )
        if existing is not None and (scenario_ref is None or scenario_ref[0] != existing.id):
            # the name belongs to another scenario: never add a version on top of it blindly
            st.error(sv.name_taken(existing, kind_key=N_("coverage.scenario_taken")))
        else:
            live = st.session_state.get(ss.SITING)
            doc = sv.scenario_document(
                cutoff_min=int(minutes),
                profile=str(profile),
                office_kinds=list(kinds),
                model=str(model),
                k=int(k),
                candidates=cs.candidate_frame(),
                siting=live.to_dict()
                if live is not None
                else st.session_state.get("cov_scenario_siting"),
                network_kind=str(rep.network_kind),
            )
            try:
                stored = store.save(
                    "coverage_scenario",
                    scenario_name.strip(),
                    doc,
                    actor=ss.current_account(),
                    expected_version=(
                        scenario_ref[1] if existing is not None and scenario_ref else None
                    ),
                    meta={
                        "cutoff_min": int(minutes),
                        "profile": str(profile),
                        "candidates": len(doc["candidates"]),
                        "chosen": (doc["siting"] or {}).get("chosen", []),
                    },
                )
            except ConflictError:
                now = store.find(
                    "coverage_scenario", scenario_name.strip(), actor=ss.current_account()
                )
                if now is not None and scenario_ref is not None and now.id == scenario_ref[0]:
                    st.error(
                        sv.conflict_text(
                            now, opened=scenario_ref[1], kind_key=N_("coverage.scenario_conflict")
                        )
                    )
                elif now is not None:
                    st.error(sv.name_taken(now, kind_key=N_("coverage.scenario_taken")))
            except PostplanError as exc:
                st.error(msg.error_md(exc))
            else:
                ss.clear_messages()
                st.session_state["cov_scenario_ref"] = (stored.id, stored.version, stored.name)
                ss.flash(
                    "cov_flash",
                    "success",
                    md_t("coverage.scenario_saved", name=stored.name, version=stored.version),
                )
                st.rerun()
    ss.show_flash("cov_flash")
    try:
        scenarios = ss.plan_store().list_objects(
            "coverage_scenario", actor=ss.current_account(), limit=50
        )
    except PostplanError as exc:
        st.error(msg.error_md(exc))
        scenarios = []
    if scenarios:
        p1, p2 = st.columns([3, 1])
        scenario_id = p1.selectbox(
            t("coverage.scenario_pick"),
            [o.id for o in scenarios],
            format_func=lambda i: next(sv.object_label(o) for o in scenarios if o.id == i),
            key="cov_scn_pick",
        )
        if p2.button(t("coverage.scenario_open"), key="cov_scn_open"):
            scenario = None
            try:
                opened = ss.plan_store().get(int(scenario_id), actor=ss.current_account())
                doc = opened.data()
            except PostplanError as exc:
                st.error(msg.error_md(exc))
            except ValueError:  # stored text that is not JSON: no parser message is shown
                st.error(t("coverage.scenario_bad", error=t("coverage.scenario_not_app")))
            else:
                try:
                    scenario = sv.scenario_from_document(doc)
                except ValueError as exc:  # worded by store_view in the page's language
                    st.error(md_t("coverage.scenario_bad", error=str(exc)))
            if scenario is not None:
                st.session_state["cov_scenario_pending"] = scenario
                st.session_state["cov_scenario_ref"] = (opened.id, opened.version, opened.name)
                st.rerun()
    else:
        st.caption(t("coverage.scenario_none"))

# ---- the draft: these settings and candidates come back after a reload --------------------
drafts.keep(
    "coverage",
    {
        "cov_draft": sv.scenario_document(
            cutoff_min=int(minutes),
            profile=str(profile),
            office_kinds=list(kinds),
            model=str(model),
            k=int(k),
            candidates=cs.candidate_frame(),
            siting=None,
            network_kind=str(rep.network_kind),
        )
    },
)
