"""The courier roster: who the couriers are, and who is on duty on a given day.

One row per courier (:data:`ROSTER_SCHEMA`): ``courier_id``, ``name``, ``phone``, home
``office_id``, vehicle ``profile`` (``data.vehicles.PROFILE_NAMES``; Vietnamese words such
as *xe máy* accepted), ``shift`` (``07:00-17:00``), ``days_off`` (weekdays ``Sa,Su`` or
``T7,CN``, dates ``05/09/2026``, date ranges ``01/09/2026..03/09/2026``, separated by
``;`` or ``,``), ``capacity`` (packages) and ``active``.

Files are read with the one reader (:mod:`data.table_reader`) and checked against the
declared schema, with the office registry for ``office_id`` — the same standard as the
office registry. :func:`on_duty` says who works on a day, and why each other courier does
not (inactive, day off, public holiday, office closed), using the working-day calendar
(:mod:`data.calendar`). ``routing.workday.couriers_from_roster`` turns the couriers on
duty into the planning model's couriers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from data.calendar import WEEKDAYS_EN, WEEKDAYS_VI, WorkCalendar, office_day
from data.errors import InputError
from data.hours import parse_shift
from data.table_reader import header_key
from data.table_schema import (
    DATE_FORMATS,
    CheckedTable,
    Column,
    TableSchema,
    frame_table,
    read_table,
)
from data.tables import csv_bytes, xlsx_bytes
from data.vehicles import DEFAULT_PROFILE, PROFILE_ALIASES, PROFILE_NAMES

DEFAULT_SHIFT = "07:00-17:00"
DEFAULT_CAPACITY = 40
_WEEKDAY_WORDS = {
    **{d: i for i, d in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su"))},
    **{f"t{i + 2}": i for i in range(6)}, "cn": 6,
    **{header_key(w): i for i, w in enumerate(WEEKDAYS_VI)},
    **{w.lower(): i for i, w in enumerate(WEEKDAYS_EN)},
}

#: The roster file, declared once (:mod:`data.table_schema`).
ROSTER_SCHEMA = TableSchema(
    "roster", "bưu tá", "courier",
    (
        Column("courier_id", required=True, blank=False, unique=True, formula=False,
               headers=("ma_buu_ta", "id"), vi="mã bưu tá",
               hint_vi="đặt cho mỗi bưu tá một mã riêng", hint_en="give every courier a unique id"),
        Column("name", required=True, blank=False, formula=False, headers=("ho_ten", "ten"),
               vi="họ tên", hint_vi="ghi họ tên bưu tá", hint_en="write the courier's name"),
        Column("phone", headers=("dien_thoai", "so_dien_thoai", "sdt"), vi="điện thoại",
               hint_vi="số di động 10 chữ số, ví dụ 0912345678",
               hint_en="a 10-digit mobile number, e.g. 0912345678"),
        Column("office_id", required=True, blank=False, headers=("ma_buu_cuc", "buu_cuc"),
               vi="bưu cục", hint_vi="office_id của bưu cục nơi bưu tá bắt đầu ngày",
               hint_en="the office_id the courier starts the day from"),
        Column("profile", "choice", default=DEFAULT_PROFILE,
               choices={**{p: p for p in PROFILE_NAMES},
                        **{a: p for p, words in PROFILE_ALIASES.items() for a in words}},
               headers=("phuong_tien", "xe"), vi="phương tiện",
               hint_vi="xe máy, xe gắn máy, ô tô hoặc đi bộ",
               hint_en="motorbike, moped, car or walk"),
        Column("shift", default=DEFAULT_SHIFT, headers=("ca", "ca_lam_viec"), vi="ca làm việc",
               hint_vi="HH:MM-HH:MM, ví dụ 07:00-17:00", hint_en="HH:MM-HH:MM, e.g. 07:00-17:00"),
        Column("days_off", headers=("ngay_nghi",), vi="ngày nghỉ",
               hint_vi="thứ (T7,CN) hoặc ngày (05/09/2026; 01/09/2026..03/09/2026)",
               hint_en="weekdays (Sa,Su) or dates (05/09/2026; 01/09/2026..03/09/2026)"),
        Column("capacity", "integer", default=DEFAULT_CAPACITY, min=1, max=1000,
               headers=("suc_cho",), vi="sức chở (kiện)",
               hint_vi="số kiện nguyên, từ 1", hint_en="a whole number of packages, at least 1"),
        Column("active", "bool", default=True, headers=("dang_lam", "hoat_dong"),
               vi="đang làm việc", hint_vi="có/không", hint_en="true or false"),
    ),
)
#: Columns of a roster table, in the template's order.
ROSTER_COLUMNS = ROSTER_SCHEMA.names


@dataclass(frozen=True)
class DaysOff:
    """A courier's days off: weekdays and date ranges (inclusive)."""

    weekdays: frozenset[int]
    ranges: tuple[tuple[dt.date, dt.date], ...]

    def covers(self, day: dt.date) -> str | None:
        """Return ``"weekday"`` or ``"date"`` when ``day`` is a day off, else None."""
        if day.weekday() in self.weekdays:
            return "weekday"
        if any(a <= day <= b for a, b in self.ranges):
            return "date"
        return None


def _date(text: str) -> dt.date:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_days_off(text: str) -> DaysOff:
    """Parse ``"T7,CN; 05/09/2026; 01/10/2026..03/10/2026"`` (see the module docstring).

    Raises
    ------
    ValueError
        Naming the part that is neither a weekday, a weekday range, a date nor a range.
    """
    weekdays: set[int] = set()
    ranges: list[tuple[dt.date, dt.date]] = []
    for part in re.split(r"[;,]", str(text or "")):
        part = part.strip()
        if not part:
            continue
        if ".." in part:
            a, b = (_date(x) for x in part.split("..", 1))
            if b < a:
                raise ValueError(f"{part!r} ends before it starts")
            ranges.append((a, b))
            continue
        key = header_key(part)
        if key in _WEEKDAY_WORDS:
            weekdays.add(_WEEKDAY_WORDS[key])
            continue
        bounds = key.split("_")
        if len(bounds) == 2 and all(b in _WEEKDAY_WORDS for b in bounds) and "-" in part:
            i, j = (_WEEKDAY_WORDS[b] for b in bounds)
            weekdays.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
            continue
        try:
            d = _date(part)
        except ValueError:
            raise ValueError(f"{part!r} is neither a weekday nor a date") from None
        ranges.append((d, d))
    return DaysOff(frozenset(weekdays), tuple(ranges))


def _phone(text: str) -> tuple[str | None, bool]:
    """Return ``(normalised number, leading zero restored)`` or ``(None, False)``."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if re.fullmatch(r"[1-9]\d{8}", digits):
        return "0" + digits, True  # Excel dropped the leading zero
    if re.fullmatch(r"0\d{9}", digits):
        return digits, False
    return None, False


def _roster_from(table: CheckedTable, office_ids: Iterable[str] | None) -> pd.DataFrame:
    if not table.header_ok:
        table.raise_if_problems()
    known = None if office_ids is None else {str(o) for o in office_ids}
    rows: list[dict[str, Any]] = []
    for row, rec in table.records():
        office = rec["office_id"]
        if office and known is not None and office not in known:
            table.bad(row, "office_id", "bưu cục không có trong danh mục; sửa: dùng một "
                      "office_id của danh mục bưu cục", "unknown office; fix: use an "
                      "office_id from the office registry", value=office)
        phone = rec["phone"] or ""
        if phone:
            number, restored = _phone(phone)
            if number is None:
                table.bad(row, "phone", "số điện thoại không hợp lệ; sửa: số di động 10 chữ số, "
                          "ví dụ 0912345678", "not a phone number; fix: a 10-digit mobile "
                          "number, e.g. 0912345678 (or +84912345678)", value=phone)
            else:
                if restored:
                    table.warn(row, "phone", f"thêm số 0 đầu đã bị Excel bỏ: {number}",
                               f"the leading 0 Excel dropped was restored: {number}",
                               value=phone)
                phone = number
        shift = rec["shift"] or DEFAULT_SHIFT
        try:
            parse_shift(shift)
        except InputError as exc:
            p = exc.problems[0]
            table.bad(row, "shift", p.message_vi or p.message, p.message, value=shift)
        days_off = rec["days_off"] or ""
        try:
            parse_days_off(days_off)
        except ValueError as exc:
            table.bad(row, "days_off", f"ngày nghỉ không đọc được: {exc}; sửa: thứ (T7,CN) hoặc "
                      "ngày (05/09/2026), cách nhau bằng ';'", f"days off cannot be read: "
                      f"{exc}; fix: weekdays (Sa,Su) or dates (05/09/2026), separated by ';'",
                      value=days_off)
        rows.append({"courier_id": rec["courier_id"], "name": rec["name"], "phone": phone,
                     "office_id": office, "profile": rec["profile"], "shift": shift,
                     "days_off": days_off, "capacity": rec["capacity"],
                     "active": bool(rec["active"])})
    table.raise_if_problems()
    out = pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))
    out["capacity"] = out["capacity"].astype(int)
    out["active"] = out["active"].astype(bool)
    out.attrs["warnings"] = [str(w) for w in table.warnings]
    return out


def read_roster(data: bytes | str | Path, *, office_ids: Iterable[str] | None = None,
                filename: str | None = None) -> pd.DataFrame:
    """Read and check a roster file (CSV in any common encoding, or XLSX).

    Parameters
    ----------
    data
        A path or the file's bytes.
    office_ids
        The office registry's ids (``office_id`` must be one of them); None skips that check.
    filename
        Name for messages and the file type when bytes are given.

    Returns
    -------
    pandas.DataFrame
        :data:`ROSTER_COLUMNS`; phones normalised (``0912345678``); warnings (unused
        columns, restored leading zeros) in ``attrs["warnings"]``.

    Raises
    ------
    InputError
        With every problem (row, column, value, fix); nothing of a rejected file is kept.
    """
    name = filename or ("roster.csv" if isinstance(data, bytes) else Path(data).name)
    return _roster_from(read_table(data, ROSTER_SCHEMA, filename=name), office_ids)


def roster_from_frame(frame: pd.DataFrame, *, office_ids: Iterable[str] | None = None,
                      source: str = "roster") -> pd.DataFrame:
    """Check an in-memory roster (an app editor, a stored one) as a file would be."""
    return _roster_from(frame_table(frame, ROSTER_SCHEMA, source=source), office_ids)


def roster_to_bytes(roster: pd.DataFrame, fmt: str) -> bytes:
    """Export a roster as ``"csv"`` (UTF-8 with BOM) or ``"xlsx"`` (read back unchanged)."""
    table = pd.DataFrame(roster)[list(ROSTER_COLUMNS)]
    if fmt == "csv":
        return csv_bytes(table)
    if fmt == "xlsx":
        return xlsx_bytes({"roster": table})
    raise InputError(f"unknown export format {fmt!r}; fix: use 'csv' or 'xlsx'")


def write_roster(roster: pd.DataFrame, path: str | Path) -> None:
    """Write a roster to ``path``; the suffix (.csv or .xlsx) chooses the format."""
    p = Path(path)
    p.write_bytes(roster_to_bytes(roster, p.suffix.lower().lstrip(".")))


# --------------------------------------------------------------------------- duty


@dataclass(frozen=True)
class DutyDay:
    """Who works on ``day``.

    Parameters
    ----------
    day
        The date.
    on_duty
        Roster rows of the couriers at work (roster order).
    absent
        The other rows, with ``reason`` (``inactive``, ``day_off``, ``holiday``,
        ``office_closed``) and ``why_vi`` / ``why_en`` sentences.
    """

    day: dt.date
    on_duty: pd.DataFrame
    absent: pd.DataFrame

    def summary(self, lang: str = "vi") -> str:
        """Say who works and who does not, and why (one line each)."""
        when = self.day.strftime("%d/%m/%Y")
        head = (f"Ngày {when}: {len(self.on_duty)} bưu tá làm việc, {len(self.absent)} nghỉ"
                if lang == "vi" else
                f"{when}: {len(self.on_duty)} courier(s) on duty, {len(self.absent)} absent")
        col = "why_vi" if lang == "vi" else "why_en"
        return "\n".join([head, *(f"- {r['name']} ({r['courier_id']}): {r[col]}"
                                  for r in self.absent.to_dict("records"))])


def on_duty(roster: pd.DataFrame, day: dt.date, *, offices: pd.DataFrame | None = None,
            calendar: WorkCalendar | None = None) -> DutyDay:
    """Split a roster into the couriers on duty on ``day`` and the absent ones, with why.

    A courier is absent when inactive, on a day off (weekday or date), on a public
    holiday their home office does not open, or when the home office is closed that day
    (its hours, an exception). ``offices`` (the registry) gives the home offices' hours
    and names; without it only holidays close them.
    """
    registry = {} if offices is None else {
        str(r["office_id"]): {str(k): v for k, v in r.items()}
        for r in offices.to_dict("records")}
    when = day.strftime("%d/%m/%Y")
    keep, out = [], []
    for rec in roster.to_dict("records"):
        rec = {str(k): v for k, v in rec.items()}
        reason = why_vi = why_en = ""
        if not bool(rec.get("active", True)):
            reason, why_vi, why_en = "inactive", "không còn hoạt động (active = không)", \
                "not active (active = false)"
        else:
            off = parse_days_off(str(rec.get("days_off") or "")).covers(day)
            office = registry.get(str(rec["office_id"]),
                                  {"office_id": rec["office_id"], "name": rec["office_id"]})
            oday = office_day(office, day, calendar)
            if off == "weekday":
                reason = "day_off"
                why_vi = f"ngày nghỉ hằng tuần ({WEEKDAYS_VI[day.weekday()]})"
                why_en = f"weekly day off ({WEEKDAYS_EN[day.weekday()]})"
            elif off == "date":
                reason, why_vi, why_en = "day_off", f"nghỉ ngày {when}", f"off on {when}"
            elif oday.closed:
                holiday = (calendar or WorkCalendar()).holiday(day)
                reason = "holiday" if holiday is not None and oday.reason_en == \
                    holiday.name_en else "office_closed"
                why_vi, why_en = oday.message("vi"), oday.message("en")
        if reason:
            out.append({**rec, "reason": reason, "why_vi": why_vi, "why_en": why_en})
        else:
            keep.append(rec)
    cols = list(roster.columns)
    return DutyDay(day, pd.DataFrame(keep, columns=cols),
                   pd.DataFrame(out, columns=[*cols, "reason", "why_vi", "why_en"]))


__all__ = [
    "DEFAULT_SHIFT",
    "ROSTER_COLUMNS",
    "ROSTER_SCHEMA",
    "DaysOff",
    "DutyDay",
    "on_duty",
    "parse_days_off",
    "read_roster",
    "roster_from_frame",
    "roster_to_bytes",
    "write_roster",
]
