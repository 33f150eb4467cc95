"""Dữ liệu / Data: the province, communes, offices, speeds, closures and network status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import drafts, maps
from app import messages as msg
from app import state as ss
from app.field_panel import field_panel
from app.i18n import (
    N_,
    current_lang,
    fmt_number,
    keep,
    kept,
    kind_label,
    lkey,
    option_labels,
    source_label,
    t,
)
from app.labels import DATASET_KEYS, column_config, keep_stored_notes, label
from app.network import network_status_panel
from app.roster_panel import roster_panel
from app.safe import md_t
from data.bilingual import part
from data.errors import InputError, PostplanError
from data.offices import OFFICE_KINDS, offices_to_bytes

settings = ss.get_settings()
key = ss.data_key(settings)
ss.enter_page("data")
drafts.restore("data")

st.title(t("data.title"))
drafts.banner("data")
st.caption(t("data.intro"))

try:
    communes = ss.load_layer("communes", key)
    province = ss.load_layer("province", key)
    offices = ss.current_offices()
except PostplanError as exc:  # a broken bundle: say which file and how to fix it
    st.error(msg.error_md(exc))
    st.stop()

# ---- headline figures -------------------------------------------------------------------
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("data.metric_communes"), f"{len(communes)}")
c2.metric(t("data.metric_new_communes"), f"{communes['new_commune_code'].nunique()}")
c3.metric(t("data.metric_population"), fmt_number(int(communes["population"].sum())))
c4.metric(t("data.metric_offices"), f"{len(offices)}")

# ---- commune points the bundle got wrong (data.commune_points replaced them) ---------------
points = ss.load_layer("commune_points", key)
replaced = points[points["source"] == "estimated"]
if len(replaced):
    shared = replaced[replaced["geocoded_shared_with"] != ""]
    st.warning(
        t(
            "data.points_warning",
            n=len(replaced),
            total=len(points),
            outside=int((~replaced["geocoded_in_commune"]).sum()),
            shared=len(shared),
            names=", ".join(shared["name"]),
        )
    )

# ---- map ------------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    units = keep(
        "data_units",
        st.radio(
            t("data.units"),
            ["old", "new"],
            index=["old", "new"].index(kept("data_units", "old")),
            format_func=option_labels({"old": N_("data.units_old"), "new": N_("data.units_new")}),
            horizontal=True,
            key=lkey("data_units"),
        ),
    )
    show_offices = st.checkbox(t("data.show_offices"), value=True, key="data_show_offices")
    show_points = st.checkbox(t("data.show_points"), value=True, key="data_show_points")
    centre, zoom = maps.layer_view(province)
    m = maps.base_map(center=centre, zoom=zoom)
    maps.add_outline(m, province, name="province")
    if units == "old":
        layer = communes.copy()
        fields = ["name", "new_commune_name", "district", "population"]
        aliases = [
            t("data.commune"),
            t("data.new_commune"),
            t("data.district"),
            t("data.population"),
        ]
    else:
        layer = ss.load_layer("new_communes", key)
        fields = ["new_commune_name", "old_commune_names", "population"]
        aliases = [t("data.new_commune"), t("data.units_old"), t("data.population")]
    _layer, cmap = maps.add_choropleth(
        m,
        layer,
        "population",
        name="communes",
        caption=t("data.population"),
        tooltip_fields=fields,
        tooltip_aliases=aliases,
    )
    if show_offices:
        maps.add_offices(m, offices, name="offices")
    if show_points:
        maps.add_commune_points(m, points, name="commune_points")
    maps.show_map(m, key="data_map", height=520)
    st.markdown(
        maps.legend_html(cmap, caption=t("data.population"), fmt=lambda v: fmt_number(v)),
        unsafe_allow_html=True,
    )

# ---- sources and what is estimated ------------------------------------------------------
with right:
    st.subheader(t("data.sources_title"))
    n_est = int((offices["source"] == "estimated").sum())
    n_osm = int((offices["source"] == "osm").sum())
    st.markdown(
        "\n".join(
            [
                f"- {t('data.estimated_offices', n_est=n_est, n=len(offices), n_osm=n_osm)}",
                f"- {t('data.estimated_population')}",
                f"- {t('data.estimated_boundaries')}",
            ]
        )
    )
    by = (
        offices.groupby(["kind", "source"]).size().rename("n").reset_index()
        if len(offices)
        else pd.DataFrame(columns=["kind", "source", "n"])
    )
    by["kind"] = by["kind"].map(kind_label)
    by["source"] = by["source"].map(source_label)
    by.columns = [t("data.kind"), t("data.source"), t("data.count")]
    st.dataframe(by, hide_index=True, width="stretch")
    with st.expander(t("data.quality_title")):
        from data.quality import data_quality_table

        quality = data_quality_table(settings)
        st.caption(t("data.quality_hint"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("data.commune"): quality["name"],
                    t("data.district"): quality["district"],
                    t("data.quality_census"): quality["population_census"],
                    t("data.quality_grid"): quality["population_grid"].round(0).astype(int),
                    t("data.quality_ratio"): quality["grid_to_census"].round(2),
                    t("data.quality_point"): quality["point_source"].map(source_label),
                    t("data.quality_warning"): quality[
                        "warning_vi" if current_lang() == "vi" else "warning"
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            key="data_quality",
        )
    catalogue = ss.optional_module("data.catalogue")
    if catalogue is not None:
        with st.expander(t("data.sources_table")):
            rows = [
                {
                    t("data.catalogue_name"): label(DATASET_KEYS, e.name),
                    t("data.catalogue_file"): e.file,
                    t("data.catalogue_licence"): e.licence_in(current_lang()),
                    t("data.source"): e.source_in(current_lang()),
                }
                for e in catalogue.CATALOGUE
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

# ---- offices: view / upload / edit / download -------------------------------------------
st.header(t("data.offices_title"))
st.caption(
    t(
        "data.offices_current",
        what=t("data.offices_custom")
        if st.session_state.get(ss.OFFICES) is not None
        else t("data.offices_default"),
    )
)
upload = st.file_uploader(t("data.offices_upload"), type=["csv", "xlsx"], key="offices_upload")
if upload is not None and st.session_state.get("offices_upload_done") != upload.file_id:
    from data.offices import read_offices

    try:
        new = read_offices(upload.getvalue(), settings=settings, filename=upload.name)
    except InputError as exc:
        st.session_state["offices_errors"] = list(exc.problems)
    except Exception as exc:  # a file no reader foresaw: say so, never show Python's text
        st.session_state["offices_errors"] = [msg.error_md(exc)]
    else:
        st.session_state[ss.OFFICES] = new
        st.session_state["offices_errors"] = []
        st.session_state["offices_message"] = md_t(
            "data.offices_uploaded", n=len(new), name=upload.name
        )
    st.session_state["offices_upload_done"] = upload.file_id
    st.rerun()  # redraw the figures and the map with what is now in use
errors = st.session_state.get("offices_errors") or []
if errors:
    st.error(msg.problems_box(errors))
elif st.session_state.get("offices_message"):
    st.success(st.session_state["offices_message"])

offices = ss.current_offices()
stored = pd.DataFrame(offices.drop(columns="geometry", errors="ignore"))
# notes are stored "Vietnamese / English"; the editor shows the reader's half
editable = stored.assign(location_note=stored["location_note"].map(
    lambda note: part(note, current_lang())
)) if "location_note" in stored.columns else stored
st.caption(t("data.offices_edit_hint"))
edited = st.data_editor(
    editable,
    key="offices_editor",
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    column_config=column_config(
        editable,
        {
            "kind": st.column_config.SelectboxColumn(
                options=OFFICE_KINDS, format_func=lambda kind: kind_label(str(kind))
            )
        },
    ),
)
b1, b2, b3, b4 = st.columns(4)
if b1.button(t("common.apply"), key="offices_apply"):
    from data.offices import offices_from_frame

    changed = ss.mark_user_edits(editable, edited, id_column="office_id")
    changed = keep_stored_notes(changed, shown=editable, stored=stored, id_column="office_id")
    try:
        new = offices_from_frame(
            changed.fillna("").astype(str), settings=settings, source_name=t("data.offices_title")
        )
    except InputError as exc:
        st.session_state["offices_errors"] = list(exc.problems)
    else:
        st.session_state[ss.OFFICES] = new
        st.session_state["offices_errors"] = []
        st.session_state["offices_message"] = t("data.offices_applied", n=len(new))
    st.rerun()
if b2.button(t("common.reset"), key="offices_reset"):
    st.session_state.pop(ss.OFFICES, None)
    st.session_state["offices_errors"] = []
    st.session_state["offices_message"] = ""
    st.rerun()
b3.download_button(
    t("common.download_csv"),
    data=offices_to_bytes(offices, "csv"),
    file_name="offices.csv",
    mime="text/csv",
    key="offices_csv",
    on_click="ignore",
)
b4.download_button(
    t("common.download_xlsx"),
    data=offices_to_bytes(offices, "xlsx"),
    file_name="offices.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="offices_xlsx",
    on_click="ignore",
)

# ---- speed table, closures, network status ---------------------------------------------
network_status_panel(settings)

# ---- learnt from the field (GPS traces) --------------------------------------------------
field_panel(settings)

# ---- the courier roster ------------------------------------------------------------------
roster_panel(settings)
drafts.keep("data")
