"""Reports for the province and Vietnam Post: what closed days add up to, with no personal data.

Built from the closed days' facts (:class:`routing.dayclose.DaySummary`, one row per job of
the day's list and one per route), grouped by commune (the 102 pre-2025 communes or the 40
units of July 2025), post office or courier, over the whole period or per ISO week or
calendar month:

``dossiers_picked_up`` / ``results_delivered`` / ``other_done``
    Jobs done that day: dossiers collected at citizens' homes (``dossier_pickup``), results
    returned (``result_delivery``), the rest (transfers, plain deliveries and pickups).
``on_time`` / ``done_with_due`` / ``on_time_share``
    Of the jobs done that had an appointment date, those done on or before it.
``failed_attempts`` and ``failed_<reason>``
    Stops a courier went to that failed, by reason (:data:`data.outcomes.OUTCOME_REASONS`).
``unserved``
    Job-days left without a visit (not planned, left out, not reported).
``flagged``
    Jobs left after three failures (phone the citizen).
``km`` / ``courier_hours`` and per dossier
    Each route's planned length and working time, shared equally among the jobs it served
    or tried that day, added up per group, divided by the group's jobs done.

One job counts once per day it was on the list; a job done counts once, on the day it was
done. Every figure says when it rests on simulated outcomes (``provenance``) or on the
estimated road network (``network_kind``). :mod:`routing.report_export` writes XLSX and PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data.errors import InputError
from data.outcomes import OUTCOME_REASONS
from routing.dayclose import DaySummary, JobFact

#: What rows can be grouped by.
GROUPINGS = ("commune", "commune_new", "office", "courier")
#: Periods: the whole range, ISO weeks, calendar months.
PERIODS = ("total", "week", "month")
#: Figures of a row, in the order tables show them.
FIGURES = ("dossiers_picked_up", "results_delivered", "other_done", "done", "done_with_due",
           "on_time", "on_time_share", "failed_attempts",
           *(f"failed_{r}" for r in OUTCOME_REASONS), "unserved", "flagged", "km",
           "courier_hours", "km_per_dossier", "hours_per_dossier")
#: Every column label, Vietnamese / English (tables, XLSX, PDF, the app).
LABELS: Mapping[str, tuple[str, str]] = {
    "period": ("Kỳ", "Period"),
    "key": ("Mã", "Code"),
    "name": ("Tên", "Name"),
    "dossiers_picked_up": ("Hồ sơ đã nhận", "Dossiers picked up"),
    "results_delivered": ("Kết quả đã trả", "Results delivered"),
    "other_done": ("Việc khác đã xong", "Other jobs done"),
    "done": ("Tổng việc đã xong", "Jobs done"),
    "done_with_due": ("Đã xong có ngày hẹn", "Done with an appointment date"),
    "on_time": ("Đúng hẹn", "On time"),
    "on_time_share": ("Tỷ lệ đúng hẹn", "On-time share"),
    "failed_attempts": ("Lần phát không thành công", "Failed attempts"),
    **{f"failed_{code}": (f"Không thành công: {vi}", f"Failed: {en}")
       for code, (vi, en) in OUTCOME_REASONS.items()},
    "unserved": ("Lượt chưa phục vụ", "Job-days unserved"),
    "flagged": ("Cần gọi điện (3 lần không thành công)", "To phone (failed 3 times)"),
    "km": ("Km (theo kế hoạch)", "Km (planned)"),
    "courier_hours": ("Giờ công bưu tá", "Courier-hours"),
    "km_per_dossier": ("Km mỗi hồ sơ", "Km per dossier"),
    "hours_per_dossier": ("Giờ công mỗi hồ sơ", "Courier-hours per dossier"),
}
#: Names of the groupings and periods, Vietnamese / English.
GROUPING_LABELS: Mapping[str, tuple[str, str]] = {
    "commune": ("Xã (trước 2025, 102 xã)", "Commune (before 2025, 102)"),
    "commune_new": ("Xã (từ 7/2025, 40 xã)", "Commune (from July 2025, 40)"),
    "office": ("Bưu cục", "Post office"),
    "courier": ("Bưu tá", "Courier"),
}
PERIOD_LABELS: Mapping[str, tuple[str, str]] = {
    "total": ("Cả kỳ", "Whole period"),
    "week": ("Theo tuần", "Per week"),
    "month": ("Theo tháng", "Per month"),
}
#: A group without a key (a transfer between offices has no commune; a job never planned
#: has no courier).
UNKNOWN = ("(không xác định)", "(none)")
#: The name of the total row.
TOTAL = ("Tổng cộng", "Total")


def label(column: str, lang: str = "vi") -> str:
    """Return a column's label in ``lang``."""
    vi, en = LABELS[column]
    return vi if lang == "vi" else en


@dataclass(frozen=True)
class ReportRow:
    """The figures of one group (see the module docstring)."""

    period: str
    key: str
    name: str
    dossiers_picked_up: int = 0
    results_delivered: int = 0
    other_done: int = 0
    done_with_due: int = 0
    on_time: int = 0
    failed_by_reason: Mapping[str, int] = field(default_factory=dict)
    unserved: int = 0
    flagged: int = 0
    km: float = 0.0
    courier_hours: float = 0.0

    @property
    def done(self) -> int:
        """Jobs done."""
        return self.dossiers_picked_up + self.results_delivered + self.other_done

    @property
    def failed_attempts(self) -> int:
        """Failed stops, every reason."""
        return sum(self.failed_by_reason.values())

    @property
    def on_time_share(self) -> float | None:
        """On time among done jobs with an appointment date (None without any)."""
        return self.on_time / self.done_with_due if self.done_with_due else None

    @property
    def km_per_dossier(self) -> float | None:
        """Km per job done (None when none was done)."""
        return self.km / self.done if self.done else None

    @property
    def hours_per_dossier(self) -> float | None:
        """Courier-hours per job done (None when none was done)."""
        return self.courier_hours / self.done if self.done else None

    def values(self) -> dict[str, Any]:
        """Return every figure of :data:`FIGURES` (and period, key, name)."""
        out: dict[str, Any] = {"period": self.period, "key": self.key, "name": self.name}
        for f in FIGURES:
            if f.startswith("failed_") and f != "failed_attempts":
                out[f] = int(self.failed_by_reason.get(f.removeprefix("failed_"), 0))
            else:
                out[f] = getattr(self, f)
        return out


@dataclass(frozen=True)
class Report:
    """A report over closed days.

    Parameters
    ----------
    date_from, date_to
        The period asked for.
    by, period
        Grouping (:data:`GROUPINGS`) and period (:data:`PERIODS`).
    rows
        One row per (period, group), in period then key order.
    total
        The whole range, every group.
    days
        Closed days (office days) it adds up.
    provenance
        ``simulated`` when any day's outcomes or jobs were simulated, else ``observed``.
    network_kind
        ``osm`` when every day's km rest on the OSM network, else ``proxy`` (estimated).
    """

    date_from: dt.date
    date_to: dt.date
    by: str
    period: str
    rows: tuple[ReportRow, ...]
    total: ReportRow
    days: int
    provenance: str
    network_kind: str

    @property
    def simulated(self) -> bool:
        """True when the figures rest on simulated days."""
        return self.provenance == "simulated"

    @property
    def estimated(self) -> bool:
        """True when km and hours rest on the estimated (proxy) network."""
        return self.network_kind != "osm"

    def frame(self, *, lang: str | None = None) -> pd.DataFrame:
        """Return the rows (and a total row) as a table.

        With ``lang`` it is the table people read: labelled columns, periods in words
        (:func:`period_label`), the unknown group and the total named in that language.
        """
        rows = [r.values() for r in (*self.rows, self.total)]
        df = pd.DataFrame(rows, columns=["period", "key", "name", *FIGURES])
        if lang is not None:
            i = 0 if lang == "vi" else 1
            df["period"] = df["period"].map(lambda p: period_label(p, lang))
            df["name"] = [TOTAL[i] if n == TOTAL[0] else UNKNOWN[i] if n == UNKNOWN[0] else n
                          for n in df["name"]]
            df = df.rename(columns={c: label(c, lang) for c in df.columns})
        return df

    def notes(self, lang: str = "vi") -> list[str]:
        """Return what the reader must know: simulated figures, estimated km, what counts."""
        vi = lang == "vi"
        out = []
        if self.simulated:
            out.append("MÔ PHỎNG — số liệu từ các ngày mô phỏng, không phải thực tế."
                       if vi else "SIMULATED — figures from simulated days, not real ones.")
        if self.estimated:
            out.append("ƯỚC TÍNH — km và giờ công theo mạng đường ước tính."
                       if vi else "ESTIMATED — km and hours on the estimated road network.")
        out.append("Km và giờ công là của tuyến đã lập, chia đều cho các việc của tuyến; không "
                   "có dữ liệu cá nhân." if vi else "Km and hours are the planned routes', "
                   "shared equally among each route's jobs; no personal data.")
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values (the figures, their labels and the notes)."""
        return {
            "date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
            "by": self.by, "period": self.period, "days": self.days,
            "provenance": self.provenance, "network_kind": self.network_kind,
            "labels": {k: {"vi": v[0], "en": v[1]} for k, v in LABELS.items()},
            "rows": [r.values() for r in self.rows], "total": self.total.values(),
            "notes_vi": self.notes("vi"), "notes_en": self.notes("en"),
        }


def group_names(settings: Any, by: str) -> tuple[dict[str, str], dict[str, str]]:
    """Names to show per group key (communes, offices), and old → new commune codes.

    Parameters
    ----------
    settings
        Where the bundle is (``data.settings.Settings``).
    by
        One of :data:`GROUPINGS` (couriers are shown by id: a report names no person).
    """
    from data.layers import load_communes
    from data.offices import default_offices

    communes = load_communes(settings)
    new_of = dict(zip(communes["commune_code"].astype(str),
                      communes["new_commune_code"].astype(str), strict=True))
    if by == "commune":
        names = dict(zip(communes["commune_code"].astype(str), communes["name"].astype(str),
                         strict=True))
    elif by == "commune_new":
        names = dict(zip(communes["new_commune_code"].astype(str),
                         communes["new_commune_name"].astype(str), strict=True))
    elif by == "office":
        offices = default_offices(settings)
        names = dict(zip(offices["office_id"].astype(str), offices["name"].astype(str),
                         strict=True))
    else:
        names = {}
    return names, new_of


def period_label(period: str, lang: str = "vi") -> str:
    """Say a period id in words: ``2026-W48`` → "tuần 48/2026", ``2026-11`` → "11/2026"."""
    if "-W" in period:
        year, week = period.split("-W")
        return f"tuần {int(week)}/{year}" if lang == "vi" else f"week {int(week)} of {year}"
    if len(period) == 7:
        return f"{period[5:]}/{period[:4]}"
    return period


def period_of(day: dt.date, period: str) -> str:
    """Return the period a day falls in: ``""`` (total), ``2026-W48`` or ``2026-11``."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day:%Y-%m}"
    return ""


def _key(fact: JobFact, by: str, new_of: Mapping[str, str]) -> str:
    if by == "commune":
        return fact.commune_code
    if by == "commune_new":
        return new_of.get(fact.commune_code, "") if fact.commune_code else ""
    if by == "office":
        return fact.office_id
    return fact.courier_id


class _Acc:
    """Running sums of one group."""

    def __init__(self) -> None:
        self.n = {"dossiers_picked_up": 0, "results_delivered": 0, "other_done": 0,
                  "done_with_due": 0, "on_time": 0, "unserved": 0, "flagged": 0}
        self.failed: dict[str, int] = {}
        self.km = 0.0
        self.hours = 0.0

    def add(self, f: JobFact, km: float, hours: float) -> None:
        if f.status == "done":
            what = {"dossier_pickup": "dossiers_picked_up",
                    "result_delivery": "results_delivered"}.get(f.kind, "other_done")
            self.n[what] += 1
            if f.due:
                self.n["done_with_due"] += 1
                self.n["on_time"] += bool(f.on_time)
        elif f.status == "failed":
            self.failed[f.reason] = self.failed.get(f.reason, 0) + 1
        else:
            self.n["unserved"] += 1
        self.n["flagged"] += f.needs_call
        self.km += km
        self.hours += hours

    def row(self, period: str, key: str, name: str) -> ReportRow:
        return ReportRow(period, key, name, failed_by_reason=dict(sorted(self.failed.items())),
                         km=self.km, courier_hours=self.hours, **self.n)


def build_report(summaries: Iterable[DaySummary], *, date_from: dt.date, date_to: dt.date,
                 by: str = "commune", period: str = "total",
                 names: Mapping[str, str] | None = None,
                 new_commune_of: Mapping[str, str] | None = None) -> Report:
    """Add up closed days (see the module docstring).

    Parameters
    ----------
    summaries
        Closed days' facts; days outside ``[date_from, date_to]`` are left out.
    date_from, date_to
        The period (inclusive).
    by
        One of :data:`GROUPINGS`.
    period
        One of :data:`PERIODS`.
    names
        Key → name shown (commune, office or courier names); the key itself otherwise.
    new_commune_of
        Pre-2025 commune code → July 2025 unit code (needed for ``by="commune_new"``).

    Raises
    ------
    InputError
        Unknown grouping or period, an empty or reversed range, or ``commune_new`` without
        the mapping.
    """
    problems = []
    if by not in GROUPINGS:
        problems.append(f"--by {by!r}: dùng một trong / use one of {', '.join(GROUPINGS)}")
    if period not in PERIODS:
        problems.append(f"period {period!r}: dùng một trong / use one of {', '.join(PERIODS)}")
    if date_to < date_from:
        problems.append(f"--to {date_to} trước --from {date_from} / --to {date_to} is before "
                        f"--from {date_from}")
    if by == "commune_new" and not new_commune_of:
        problems.append("commune_new cần bảng xã cũ → xã mới / commune_new needs the old → new "
                        "commune mapping")
    if problems:
        raise InputError("; ".join(problems), summary="Không lập được báo cáo. / The report "
                                                     "cannot be made.")
    names = dict(names or {})
    new_of = dict(new_commune_of or {})
    days = [s for s in summaries if date_from <= dt.date.fromisoformat(s.day) <= date_to]
    groups: dict[tuple[str, str], _Acc] = {}
    total = _Acc()
    for s in days:
        day = dt.date.fromisoformat(s.day)
        per = period_of(day, period)
        tried: dict[str, int] = {}
        for f in s.jobs:
            if f.courier_id and f.status != "unserved":
                tried[f.courier_id] = tried.get(f.courier_id, 0) + 1
        share = {r.courier_id: (r.length_m / 1000.0 / tried[r.courier_id],
                                r.duration_s / 3600.0 / tried[r.courier_id])
                 for r in s.routes if tried.get(r.courier_id)}
        unshared = [r for r in s.routes if not tried.get(r.courier_id)]
        for f in s.jobs:
            km, hours = share.get(f.courier_id, (0.0, 0.0)) if f.status != "unserved" \
                else (0.0, 0.0)
            key = _key(f, by, new_of)
            groups.setdefault((per, key), _Acc()).add(f, km, hours)
            total.add(f, km, hours)
        for r in unshared:  # a route that served nothing still drove: its courier's group
            km, hours = r.length_m / 1000.0, r.duration_s / 3600.0
            key = r.courier_id if by == "courier" else r.office_id if by == "office" else ""
            acc = groups.setdefault((per, key), _Acc())
            acc.km += km
            acc.hours += hours
            total.km += km
            total.hours += hours
    rows = tuple(acc.row(per, key, names.get(key, key) if key else UNKNOWN[0])
                 for (per, key), acc in sorted(groups.items(), key=lambda kv: (
                     kv[0][0], kv[0][1] == "", kv[0][1])))
    provenance = "simulated" if any(
        s.provenance == "simulated" or any(f.provenance == "simulated" for f in s.jobs)
        for s in days) else "observed"
    network = "osm" if days and all(s.network_kind == "osm" for s in days) else "proxy"
    return Report(date_from, date_to, by, period, rows,
                  total.row("", "", TOTAL[0]), len(days), provenance, network)


__all__ = [
    "FIGURES",
    "GROUPINGS",
    "GROUPING_LABELS",
    "LABELS",
    "PERIODS",
    "PERIOD_LABELS",
    "TOTAL",
    "UNKNOWN",
    "Report",
    "ReportRow",
    "build_report",
    "group_names",
    "label",
    "period_label",
    "period_of",
]
