"""The saved plans' aggregate figures (no stop, name or address), shown on the Reports page.

The figures come from :meth:`data.store.Store.plan_figures`, which every role but couriers
may read and which holds nothing personal; estimated networks and simulated jobs say so.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import state as ss
from app.i18n import fmt_date, fmt_number, fmt_pct, t
from app.messages import error_md
from data.errors import PostplanError


def _day(iso: str | None) -> str:
    try:
        return fmt_date(dt.date.fromisoformat(iso or ""))
    except ValueError:
        return iso or ""


def show_plan_figures() -> None:
    """Draw the figures of the saved plans the logged-in account may read (a note if none)."""
    st.subheader(t("figures.title"))
    try:
        figures = ss.plan_store().plan_figures(actor=ss.current_account(), limit=200)
    except PostplanError as exc:
        st.error(error_md(exc))
        return
    if not figures:
        st.info(t("figures.none"))
        return
    st.caption(t("figures.caption"))
    offices = ss.current_offices()
    office_names = {str(r.office_id): str(r.name) for r in offices.itertuples()}
    table = pd.DataFrame(
        {
            t("figures.col_name"): [f.name for f in figures],
            t("figures.col_version"): [f.version for f in figures],
            t("figures.col_date"): [_day(f.plan_date) for f in figures],
            t("figures.col_offices"): [
                ", ".join(office_names.get(o, o) for o in f.offices) for f in figures
            ],
            t("figures.col_jobs"): [f.jobs_assigned for f in figures],
            t("figures.col_unassigned"): [f.jobs_unassigned for f in figures],
            t("figures.col_couriers"): [f.couriers_used for f in figures],
            t("figures.col_km"): [fmt_number(f.length_km, decimals=1) for f in figures],
            t("figures.col_hours"): [fmt_number(f.duration_h, decimals=1) for f in figures],
            t("figures.col_on_time"): [
                fmt_pct(f.on_time_share) if f.on_time_share is not None else "—" for f in figures
            ],
            t("figures.col_basis"): [
                " · ".join(
                    x
                    for x in (
                        t("figures.simulated") if f.provenance == "simulated" else "",
                        t("figures.estimated") if f.network_kind != "osm" else "",
                    )
                    if x
                )
                or "—"
                for f in figures
            ],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="figures_table")
