"""The working-day calendar: public holidays, office exceptions, and each office's day.

One module decides whether an office works on a day and in which windows; the CLI
(``postplan plan``, ``postplan calendar``), the app's Dispatch page and the demand
simulator all call :func:`office_day` (through ``routing.workday`` for the model).

- **Public holidays** come from the ``holidays`` package (country ``VN``): New Year,
  lunar Tết (the eve and the following days, as the government fixes them), Hùng Kings'
  day (10/3 lunar), 30/4, 1/5, National Day (2/9 and the day next to it), Vietnam
  Cultural Day (24/11, from 2026), and their substitute days off. Names are given in
  Vietnamese and English.
- **Opening hours** (:mod:`data.hours`) give the ordinary week and the ``PH`` rule (closed
  on public holidays unless ``PH`` opens the office).
- **Exceptions** (:data:`EXCEPTIONS_SCHEMA`): one row per office (or ``*`` for every
  office) and date, with the hours that day (``off`` or ``07:00-11:30``) and why — an
  office closed for a day, a Saturday morning opened, a make-up working day.

A closed day is said plainly, the same way everywhere: :meth:`OfficeDay.message` —
"Bưu cục X đóng cửa ngày 02/09/2026: Quốc khánh" / "Bưu cục X is closed on 02/09/2026:
National Day".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from data.errors import InputError
from data.hours import DEFAULT_OPENING_HOURS, Window, format_windows, parse_hours
from data.table_schema import CheckedTable, Column, TableSchema, frame_table, read_table

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: The country whose public holidays apply.
COUNTRY = "VN"

EXCEPTIONS_SCHEMA = TableSchema(
    "calendar_exceptions", "ngoại lệ", "exception",
    (
        Column("office_id", required=True, blank=False, formula=False, vi="mã bưu cục",
               hint_vi="mã trong danh mục bưu cục, hoặc * cho mọi bưu cục",
               hint_en="an office_id of the registry, or * for every office"),
        Column("date", "date", required=True, blank=False, vi="ngày",
               hint_vi="dd/mm/yyyy", hint_en="dd/mm/yyyy or yyyy-mm-dd"),
        Column("opening_hours", required=True, blank=False, vi="giờ mở cửa",
               hint_vi="'off' (đóng cửa) hoặc 07:00-11:30", hint_en="'off' or 07:00-11:30"),
        Column("reason", required=True, blank=False, formula=False, vi="lý do",
               hint_vi="vì sao (ví dụ: kiểm kê)", hint_en="why (e.g. stock-taking)"),
    ),
)


@dataclass(frozen=True)
class Holiday:
    """A public holiday: the day and its name in Vietnamese and English."""

    day: dt.date
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class DayException:
    """One office's (or every office's, ``office_id="*"``) hours on one date."""

    office_id: str
    day: dt.date
    windows: tuple[Window, ...]
    reason: str

    @property
    def closed(self) -> bool:
        """True when the office does not open that day."""
        return not self.windows


@lru_cache(maxsize=16)
def _holidays(year: int) -> dict[dt.date, tuple[str, str]]:
    import holidays

    vi = holidays.country_holidays(COUNTRY, years=year, language="vi")
    en = holidays.country_holidays(COUNTRY, years=year, language="en_US")
    return {d: (str(vi[d]), str(en.get(d, vi[d]))) for d in sorted(vi)}


def public_holidays(year: int) -> list[Holiday]:
    """Vietnam's public holidays in ``year`` (``holidays`` package), in date order."""
    return [Holiday(d, v, e) for d, (v, e) in _holidays(int(year)).items()]


@dataclass(frozen=True)
class WorkCalendar:
    """Public holidays plus per-office exceptions.

    Parameters
    ----------
    exceptions
        Exceptions by ``(office_id, date)``; ``office_id="*"`` applies to every office
        without its own exception that day.
    """

    exceptions: Mapping[tuple[str, dt.date], DayException] = field(default_factory=dict)

    def holiday(self, day: dt.date) -> Holiday | None:
        """Return the public holiday on ``day``, or None."""
        hit = _holidays(day.year).get(day)
        return Holiday(day, *hit) if hit else None

    def exception(self, office_id: str, day: dt.date) -> DayException | None:
        """Return the exception for an office on ``day`` (its own, else the ``*`` one), or None."""
        return self.exceptions.get((office_id, day)) or self.exceptions.get(("*", day))

    @classmethod
    def from_exceptions(cls, items: Iterable[DayException]) -> WorkCalendar:
        """Build a calendar from exceptions."""
        return cls({(e.office_id, e.day): e for e in items})


#: Public holidays only, no exceptions.
DEFAULT_CALENDAR = WorkCalendar()


@dataclass(frozen=True)
class OfficeDay:
    """Whether one office works on one day, when, and why not.

    Parameters
    ----------
    office_id, name
        The office.
    day
        The date.
    windows
        Opening windows that day (empty when closed).
    reason_vi, reason_en
        Why it is closed (a holiday's name, the weekday, an exception's reason), or why
        its hours differ that day; "" for an ordinary open day.
    """

    office_id: str
    name: str
    day: dt.date
    windows: tuple[Window, ...]
    reason_vi: str = ""
    reason_en: str = ""

    @property
    def closed(self) -> bool:
        """True when the office does not open that day."""
        return not self.windows

    def message(self, lang: str = "vi") -> str:
        """Say it plainly: "X đóng cửa ngày dd/mm/yyyy: lý do" (or "X is closed on …")."""
        when = self.day.strftime("%d/%m/%Y")
        if lang == "vi":
            if self.closed:
                return f"{self.name} đóng cửa ngày {when}: {self.reason_vi}"
            return f"{self.name} mở cửa ngày {when}: {format_windows(self.windows)}"
        if self.closed:
            return f"{self.name} is closed on {when}: {self.reason_en}"
        return f"{self.name} is open on {when}: {format_windows(self.windows)}"


def office_day(office: Mapping[str, Any], day: dt.date, calendar: WorkCalendar | None = None
               ) -> OfficeDay:
    """Decide an office's windows on ``day`` — the one rule, for CLI, app and simulator.

    Order: an exception for the office (or ``*``) that day; else a public holiday (closed
    unless the hours have a ``PH`` rule that opens it); else the ordinary weekday hours.
    Blank hours are :data:`data.hours.DEFAULT_OPENING_HOURS`.

    Parameters
    ----------
    office
        A registry row (``office_id``, ``name``, ``opening_hours``).
    day
        The date.
    calendar
        Holidays and exceptions (default: public holidays only).

    Raises
    ------
    InputError
        When the office's opening hours cannot be read.
    """
    cal = calendar or DEFAULT_CALENDAR
    oid = str(office.get("office_id", ""))
    name = str(office.get("name") or oid)
    text = office.get("opening_hours")
    text = text if isinstance(text, str) and text.strip() else DEFAULT_OPENING_HOURS
    exc = cal.exception(oid, day)
    if exc is not None:
        return OfficeDay(oid, name, day, exc.windows, exc.reason, exc.reason)
    hours = parse_hours(text)
    hol = cal.holiday(day)
    if hol is not None:
        windows = hours.holiday or ()
        return OfficeDay(oid, name, day, windows, hol.name_vi, hol.name_en)
    windows = hours.on_weekday(day.weekday())
    if not windows:
        return OfficeDay(oid, name, day, (), WEEKDAYS_VI[day.weekday()],
                         WEEKDAYS_EN[day.weekday()])
    return OfficeDay(oid, name, day, windows)


def offices_on(offices: pd.DataFrame, day: dt.date, calendar: WorkCalendar | None = None
               ) -> list[OfficeDay]:
    """:func:`office_day` for every row of an office registry, in registry order."""
    return [office_day({str(k): v for k, v in rec.items()}, day, calendar)
            for rec in offices.to_dict("records")]


def closed_message(days: Iterable[OfficeDay], lang: str = "vi") -> str:
    """Return the closed offices among ``days``, one sentence per line (app and CLI text)."""
    return "\n".join(d.message(lang) for d in days if d.closed)


# --------------------------------------------------------------------------- exceptions


def _exceptions_from(table: CheckedTable, office_ids: Iterable[str] | None) -> WorkCalendar:
    known = None if office_ids is None else {str(o) for o in office_ids}
    items = []
    seen: dict[tuple[str, dt.date], int] = {}
    if table.header_ok:
        for row, rec in table.records():
            oid, day, text = rec["office_id"], rec["date"], rec["opening_hours"]
            if oid and known is not None and oid != "*" and oid not in known:
                table.bad(row, "office_id", "mã bưu cục không có trong danh mục; sửa: dùng "
                          "mã trong danh mục bưu cục, hoặc *",
                          "unknown office; fix: use an office_id of the registry, or *",
                          value=oid)
            if oid and day:
                if (oid, day) in seen:
                    table.bad(row, "date", f"đã có ngoại lệ cho {oid} ngày này ở dòng "
                              f"{seen[(oid, day)]}; sửa: giữ một dòng",
                              f"{oid} already has an exception that day on row "
                              f"{seen[(oid, day)]}; fix: keep one row", value=day.isoformat())
                else:
                    seen[(oid, day)] = row
            windows: tuple[Window, ...] = ()
            if text and text.strip().lower() != "off":
                try:
                    windows = parse_hours(f"Mo-Su {text}").week.get(0, ())
                except InputError as exc:
                    p = exc.problems[0]
                    table.bad(row, "opening_hours", p.message_vi or p.message, p.message,
                              value=text)
            if oid and day and table.row_ok(row):
                items.append(DayException(oid, day, windows, rec["reason"] or ""))
    table.raise_if_problems()
    return WorkCalendar.from_exceptions(items)


def read_exceptions(data: bytes | str | Path, *, office_ids: Iterable[str] | None = None,
                    filename: str | None = None) -> WorkCalendar:
    """Read an exceptions file (CSV/XLSX, :data:`EXCEPTIONS_SCHEMA`) into a calendar.

    Raises
    ------
    InputError
        With every problem (row, column, value, fix).
    """
    return _exceptions_from(read_table(data, EXCEPTIONS_SCHEMA, filename=filename), office_ids)


def exceptions_from_frame(frame: pd.DataFrame, *, office_ids: Iterable[str] | None = None,
                          source: str = "exceptions") -> WorkCalendar:
    """Check an in-memory exceptions table and return the calendar."""
    return _exceptions_from(frame_table(frame, EXCEPTIONS_SCHEMA, source=source), office_ids)


__all__ = [
    "DEFAULT_CALENDAR",
    "EXCEPTIONS_SCHEMA",
    "DayException",
    "Holiday",
    "OfficeDay",
    "WorkCalendar",
    "closed_message",
    "exceptions_from_frame",
    "office_day",
    "offices_on",
    "public_holidays",
    "read_exceptions",
]
