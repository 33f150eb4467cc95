"""Tuyến của tôi / My route: a courier's own route of the day, as a table.

The table is ``st.table`` (read whole on a phone); its cells are markdown, so every text
from the plan goes through :func:`app.safe.md_text`.

Stands in at ``/courier`` until the courier's phone page (``app/pages/courier.py``) lands.
The route comes from :meth:`data.store.Store.courier_route` (the store checks the role and
audits the opening): only the logged-in courier's own route, never another courier's.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from app import state as ss
from app.i18n import fmt_clock, fmt_date, t
from app.messages import error_md
from app.safe import md_t, md_text
from data.errors import PostplanError

ss.enter_page("courier")
st.title(t("route.title"))
today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
try:
    mine = ss.plan_store().courier_route(actor=ss.current_account(), plan_date=today.isoformat())
except PostplanError as exc:
    st.error(error_md(exc))
    st.stop()
if mine is None:
    st.info(t("route.none", day=fmt_date(today)))
    st.stop()
if mine.provenance == "simulated":
    st.warning(t("dispatch.banner_simulated"))
if mine.network_kind != "osm":
    st.warning(t("dispatch.banner_proxy"))
st.caption(md_t("route.from_plan", day=fmt_date(today), name=mine.plan_name,
                version=mine.version))
stops = [s for s in mine.route.get("stops") or [] if isinstance(s, dict)]
table = pd.DataFrame({
    t("route.col_order"): [i + 1 for i in range(len(stops))],
    t("route.col_arrival"): [fmt_clock(s.get("arrival_s")) for s in stops],
    t("route.col_kind"): [t(f"route.kind_{s.get('kind')}") for s in stops],
    t("route.col_place"): [md_text(str(s.get("label") or "")) for s in stops],
    t("route.col_job"): [md_text(str(s.get("job_id") or "")) for s in stops],
    t("route.col_window"): [
        f"{fmt_clock(s['window'][0])}–{fmt_clock(s['window'][1])}"
        if isinstance(s.get("window"), list) and len(s["window"]) == 2 else ""
        for s in stops
    ],
})
# a plain table a phone shows whole; cells are markdown, so the data in them is escaped
st.table(table, hide_index=True)
