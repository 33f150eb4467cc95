"""Báo cáo / Reports: what the closed days add up to, by commune, office or courier.

Every role but couriers may open it; it shows no personal data (the closed days' facts,
:mod:`routing.reports`). Charts are Altair (Streamlit draws them natively); the table and
the XLSX/PDF downloads carry the same labels; simulated days and estimated km say so.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from app import messages as msg
from app import state as ss
from app.i18n import current_lang, fmt_date, t
from app.plan_figures import show_plan_figures
from data.errors import PostplanError
from routing.reports import (
    GROUPING_LABELS,
    GROUPINGS,
    PERIOD_LABELS,
    PERIODS,
    UNKNOWN,
    Report,
    build_report,
    label,
    period_label,
)

settings = ss.get_settings()
ss.enter_page("reports")
lang = current_lang()
index = 0 if lang == "vi" else 1

st.title(t("reports.title"))
st.caption(t("reports.caption"))

today = dt.date.today()
c1, c2, c3, c4 = st.columns([1, 1, 2, 1])
date_from = c1.date_input(
    t("reports.from"), value=today.replace(day=1), format="DD/MM/YYYY", key="rep_from"
)
date_to = c2.date_input(t("reports.to"), value=today, format="DD/MM/YYYY", key="rep_to")
by = c3.selectbox(
    t("reports.by"), GROUPINGS, format_func=lambda g: GROUPING_LABELS[g][index], key="rep_by"
)
period = c4.selectbox(
    t("reports.period"), PERIODS, format_func=lambda p: PERIOD_LABELS[p][index], key="rep_period"
)


@st.cache_data(show_spinner=False)
def _names(data_dir: str, by: str) -> tuple[dict[str, str], dict[str, str]]:
    from routing.reports import group_names

    return group_names(ss.get_settings(), by)


def _report() -> Report | None:
    from routing.dayloop import summaries_between

    names, new_of = _names(ss.data_key(settings), by)
    if by == "office":  # the registry in use names the offices
        offices = ss.current_offices()
        names = dict(
            zip(offices["office_id"].astype(str), offices["name"].astype(str), strict=True)
        )
    try:
        summaries = summaries_between(
            ss.plan_store(), actor=ss.current_account(), date_from=date_from, date_to=date_to
        )
        return build_report(
            summaries,
            date_from=date_from,
            date_to=date_to,
            by=by,
            period=period,
            names=names,
            new_commune_of=new_of,
        )
    except PostplanError as exc:
        st.error(msg.error_md(exc))
        return None


def _closed_days() -> None:
    """Draw the closed days' report: charts, the table and its files (a note if none)."""
    found = _report()
    if found is None:
        return
    report: Report = found
    if report.days == 0:
        st.info(t("reports.none"))
        return
    for note in report.notes(lang):
        (st.warning if note.startswith(("MÔ", "SIM", "ƯỚC", "EST")) else st.caption)(note)
    st.caption(t("reports.days", n=report.days) + f" {fmt_date(date_from)} – {fmt_date(date_to)}")

    # ---- charts ------------------------------------------------------------------------------
    rows = pd.DataFrame([r.values() for r in report.rows])
    rows["name"] = rows["name"].replace({UNKNOWN[0]: UNKNOWN[index]})
    rows["group"] = rows["name"] + (
        (" · " + rows["period"].map(lambda p: period_label(p, lang))) if period != "total" else ""
    )
    what = t("reports.what")
    count = t("reports.count")
    done = rows.melt(
        id_vars=["group"],
        value_vars=["dossiers_picked_up", "results_delivered", "other_done"],
        var_name=what,
        value_name=count,
    )
    done[what] = done[what].map(lambda c: label(c, lang))
    st.subheader(t("reports.chart_done"))
    st.altair_chart(
        alt.Chart(done)
        .mark_bar()
        .encode(
            x=alt.X(f"{count}:Q", title=count),
            y=alt.Y("group:N", title=None, sort="-x"),
            color=alt.Color(f"{what}:N", title=what),
            tooltip=["group", what, count],
        ),
        width="stretch",
        key="rep_chart_done",
    )
    share = rows.dropna(subset=["on_time_share"])
    if not share.empty:
        st.subheader(t("reports.chart_on_time"))
        shown = share.assign(**{label("on_time_share", lang): share["on_time_share"]})
        st.altair_chart(
            alt.Chart(shown)
            .mark_bar()
            .encode(
                x=alt.X(
                    f"{label('on_time_share', lang)}:Q",
                    axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1]),
                ),
                y=alt.Y("group:N", title=None),
                tooltip=["group", label("on_time_share", lang)],
            ),
            width="stretch",
            key="rep_chart_share",
        )
    failed_cols = [c for c in rows.columns if c.startswith("failed_") and c != "failed_attempts"]
    failed = rows.melt(id_vars=["group"], value_vars=failed_cols, var_name=what, value_name=count)
    failed = failed[failed[count] > 0]
    if not failed.empty:
        failed[what] = failed[what].map(lambda c: label(c, lang))
        st.subheader(t("reports.chart_failed"))
        st.altair_chart(
            alt.Chart(failed)
            .mark_bar()
            .encode(
                x=alt.X(f"{count}:Q"),
                y=alt.Y("group:N", title=None),
                color=alt.Color(f"{what}:N", title=what),
                tooltip=["group", what, count],
            ),
            width="stretch",
            key="rep_chart_failed",
        )

    # ---- the table and its files -------------------------------------------------------------
    st.dataframe(report.frame(lang=lang), hide_index=True, width="stretch", key="rep_table")

    def _download(fmt: str, report: Report = report) -> bytes:
        from routing.report_export import report_pdf, report_xlsx

        data = (report_xlsx if fmt == "xlsx" else report_pdf)(report, lang=lang)
        ss.plan_store().record(
            "export",
            actor=account,
            object_kind="report",
            object_name=f"{date_from}..{date_to}",
            detail={"format": fmt, "by": by, "period": period},
        )
        return data

    account = ss.current_account()
    name = f"bao_cao_{date_from:%Y%m%d}_{date_to:%Y%m%d}_{by}"
    d1, d2 = st.columns(2)
    d1.download_button(
        t("reports.xlsx"),
        data=lambda: _download("xlsx"),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="rep_xlsx",
        on_click="ignore",
    )
    d2.download_button(
        t("reports.pdf"),
        data=lambda: _download("pdf"),
        file_name=f"{name}.pdf",
        mime="application/pdf",
        key="rep_pdf",
        on_click="ignore",
    )


_closed_days()
st.divider()
show_plan_figures()
