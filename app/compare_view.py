"""Two versions of a plan side by side, as the Dispatch page shows them.

The differences come from :func:`routing.compare.compare_plans` (the same the command
``postplan plans compare`` prints); this module words them for a dispatcher: sentences
("stop X moved from courier A to courier B", jobs added, removed, newly unassigned), and
one table row per courier whose day changed (jobs, km and minutes in each version and the
change) plus the whole day. Names come from the plan or the page and are made safe for
markdown here.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from app.i18n import current_lang, fmt_delta, fmt_number, t
from app.safe import md_t, md_text
from routing.compare import PlanComparison


def _name(cid: str | None, names: Mapping[str, str], fallback: Mapping[str, str]) -> str:
    if cid is None:
        return "—"
    return names.get(cid) or fallback.get(cid) or cid


def comparison_lines(
    cmp: PlanComparison, names: Mapping[str, str], *, va: int, vb: int
) -> list[str]:
    """Sentences (markdown, data escaped) saying what changed from version ``va`` to ``vb``."""
    plan_names = {c.courier_id: c.courier_name for c in cmp.couriers if c.courier_name}
    en = current_lang() == "en"

    def who(cid: str | None) -> str:
        return _name(cid, names, plan_names)

    if cmp.identical:
        return [t("cmp.identical", a=f"v{va}", b=f"v{vb}")]
    lines = [
        md_t("cmp.moved", label=m.label, job=m.job_id, a=who(m.from_courier), b=who(m.to_courier))
        for m in cmp.moved
    ]
    for c in cmp.added:
        if c.courier_id is not None:
            lines.append(
                md_t("cmp.added_routed", job=c.job_id, label=c.label, courier=who(c.courier_id))
            )
        else:
            reason = c.reason_en if en else c.reason_vi
            lines.append(md_t("cmp.added_unassigned", job=c.job_id, reason=reason))
    lines += [md_t("cmp.removed", job=c.job_id) for c in cmp.removed]
    lines += [
        md_t(
            "cmp.unassigned",
            job=c.job_id,
            label=c.label,
            courier=who(c.courier_id),
            reason=c.reason_en if en else c.reason_vi,
        )
        for c in cmp.newly_unassigned
    ]
    lines += [
        md_t("cmp.assigned", job=c.job_id, label=c.label, courier=who(c.courier_id))
        for c in cmp.newly_assigned
    ]
    if cmp.times_changed:
        couriers = ", ".join(md_text(who(c)) for c in cmp.times_changed)
        lines.append(t("cmp.times", couriers=couriers))
    lines.append(
        t(
            "cmp.total",
            km=fmt_delta(cmp.delta_length_m / 1000.0, decimals=1),
            minutes=fmt_delta(cmp.delta_duration_s / 60.0),
            a=f"v{va}",
            b=f"v{vb}",
        )
    )
    return lines


def comparison_table(
    cmp: PlanComparison, names: Mapping[str, str], *, va: int, vb: int
) -> pd.DataFrame:
    """One row per courier whose day changed, then the whole day: jobs, km and minutes."""
    plan_names = {c.courier_id: c.courier_name for c in cmp.couriers if c.courier_name}
    a, b = f"v{va}", f"v{vb}"
    columns = [
        t("cmp.courier"),
        t("cmp.jobs", v=a),
        t("cmp.jobs", v=b),
        t("cmp.km", v=a),
        t("cmp.km", v=b),
        t("cmp.delta_km"),
        t("cmp.minutes", v=a),
        t("cmp.minutes", v=b),
        t("cmp.delta_min"),
        t("cmp.arrivals"),
        t("cmp.shift"),
    ]
    rows = []
    for c in cmp.changed_couriers:
        rows.append(
            [
                _name(c.courier_id, names, plan_names),
                c.jobs_a,
                c.jobs_b,
                fmt_number(c.length_m_a / 1000.0, decimals=1),
                fmt_number(c.length_m_b / 1000.0, decimals=1),
                fmt_delta(c.delta_length_m / 1000.0, decimals=1),
                fmt_number(c.duration_s_a / 60.0),
                fmt_number(c.duration_s_b / 60.0),
                fmt_delta(c.delta_duration_s / 60.0),
                c.arrivals_changed,
                fmt_number(c.max_shift_s / 60.0),
            ]
        )
    rows.append(
        [
            t("cmp.day"),
            sum(c.jobs_a for c in cmp.couriers),
            sum(c.jobs_b for c in cmp.couriers),
            fmt_number(cmp.length_m_a / 1000.0, decimals=1),
            fmt_number(cmp.length_m_b / 1000.0, decimals=1),
            fmt_delta(cmp.delta_length_m / 1000.0, decimals=1),
            fmt_number(cmp.duration_s_a / 60.0),
            fmt_number(cmp.duration_s_b / 60.0),
            fmt_delta(cmp.delta_duration_s / 60.0),
            sum(c.arrivals_changed for c in cmp.couriers),
            fmt_number(max((c.max_shift_s for c in cmp.couriers), default=0) / 60.0),
        ]
    )
    return pd.DataFrame(rows, columns=columns)
