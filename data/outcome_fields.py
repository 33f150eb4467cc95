"""The fields of a stop report: the one reason list, their labels, and their checks.

:mod:`data.outcomes` (the outcomes store) re-exports every name here; import them from
there. This module only knows the values, never the database.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from data.errors import InputError, Problem

#: What a report says about a stop.
OUTCOME_STATUSES = ("done", "failed")
#: Which stop of a job: a pair's pickup or delivery, or a single visit.
OUTCOME_ROLES = ("pickup", "delivery", "visit")
#: Why a stop failed — the ONE list (the phone's choices, carry-over, reports):
#: code → (Vietnamese, English).
OUTCOME_REASONS: Mapping[str, tuple[str, str]] = {
    "not_home": ("Không có người ở nhà", "Not at home"),
    "wrong_address": ("Sai địa chỉ", "Wrong address"),
    "refused": ("Từ chối nhận", "Refused"),
    "road_closed": ("Đường bị chặn", "Road closed"),
    "office_closed": ("Cơ quan đóng cửa", "Office closed"),
    "other": ("Lý do khác (ghi chú)", "Other (write a note)"),
}
#: Measured on the road, or made by the simulator.
OUTCOME_PROVENANCES = ("observed", "simulated")
#: The report's fields that are a citizen's personal data (in data.privacy's list).
PERSONAL_COLUMNS = ("receiver_name", "note")
#: Longest accepted note and receiver name.
MAX_NOTE_CHARS = 1000
MAX_RECEIVER_CHARS = 200
#: Largest fee accepted on one stop (đồng).
MAX_FEE_VND = 100_000_000


def reason_label(code: str | None, lang: str = "vi") -> str:
    """Return a failure reason's label in ``lang`` (``vi``/``en``); the code if unknown."""
    if code is None:
        return ""
    vi_en = OUTCOME_REASONS.get(code)
    if vi_en is None:
        return code
    return vi_en[0] if lang == "vi" else vi_en[1]


def field_problem(en: str, vi: str, column: str, value: Any) -> Problem:
    """Return a problem with one field, in English and Vietnamese (value cut to 80 chars)."""
    return Problem(en, column=column, value=None if value is None else str(value)[:80],
                   message_vi=vi)


def outcome_problems(o: Any) -> list[Problem]:
    """Every problem with a report's own fields (the plan is checked on recording)."""
    p: list[Problem] = []
    try:
        uuid.UUID(str(o.outcome_id))
    except ValueError:
        p.append(field_problem("must be a UUID generated on the phone (e.g. crypto.randomUUID())",
                               "phải là UUID do điện thoại tạo", "outcome_id", o.outcome_id))
    for key in ("plan_id", "plan_version"):
        value = getattr(o, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            p.append(field_problem("must be a whole number ≥ 1", "phải là số nguyên ≥ 1", key,
                                   value))
    if not isinstance(o.plan_date, date) or isinstance(o.plan_date, datetime):
        p.append(field_problem("must be a date", "phải là một ngày", "plan_date", o.plan_date))
    for key in ("courier_id", "job_id"):
        value = getattr(o, key)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            p.append(field_problem("must be a non-empty id (at most 200 characters)",
                                   "phải là mã không rỗng (tối đa 200 ký tự)", key, value))
    if o.role not in OUTCOME_ROLES:
        p.append(field_problem(f"must be one of {', '.join(OUTCOME_ROLES)}",
                               f"phải là một trong {', '.join(OUTCOME_ROLES)}", "role", o.role))
    if o.status not in OUTCOME_STATUSES:
        p.append(field_problem("must be done or failed", "phải là done hoặc failed", "status",
                               o.status))
    if not isinstance(o.at, datetime) or o.at.tzinfo is None or o.at.utcoffset() is None:
        p.append(field_problem("must be a time with its timezone (the phone's clock, e.g. "
                               "2026-11-25T09:30:00+07:00)", "phải là thời điểm có múi giờ (giờ "
                               "của điện thoại, ví dụ 2026-11-25T09:30:00+07:00)", "at", o.at))
    if o.status == "failed":
        if o.reason not in OUTCOME_REASONS:
            p.append(field_problem(f"a failed stop needs a reason, one of "
                                   f"{', '.join(OUTCOME_REASONS)}",
                                   f"điểm thất bại cần lý do, một trong "
                                   f"{', '.join(OUTCOME_REASONS)}",
                                   "reason", o.reason))
        elif o.reason == "other" and not str(o.note or "").strip():
            p.append(field_problem("the reason 'other' needs a note saying what happened",
                                   "lý do 'khác' cần ghi chú nói rõ chuyện gì xảy ra", "note", ""))
    elif o.status == "done" and o.reason is not None:
        p.append(field_problem("a stop that was done has no failure reason; leave it empty",
                               "điểm đã xong không có lý do thất bại; để trống", "reason",
                               o.reason))
    for key, limit in (("note", MAX_NOTE_CHARS), ("receiver_name", MAX_RECEIVER_CHARS)):
        value = getattr(o, key)
        if not isinstance(value, str):
            p.append(field_problem("must be text", "phải là văn bản", key, value))
        elif len(value) > limit or "\x00" in value:
            p.append(field_problem(f"must be at most {limit} characters, without NUL",
                                   f"tối đa {limit} ký tự, không có ký tự NUL", key, value[:40]))
    if o.fee_vnd is not None and (not isinstance(o.fee_vnd, int) or isinstance(o.fee_vnd, bool)
                                  or not 0 <= o.fee_vnd <= MAX_FEE_VND):
        p.append(field_problem(f"must be a whole number of đồng from 0 to {MAX_FEE_VND:,}",
                               f"phải là số đồng nguyên từ 0 đến {MAX_FEE_VND:,}", "fee_vnd",
                               o.fee_vnd))
    if (o.lat is None) != (o.lon is None):
        p.append(field_problem("give both lat and lon, or neither", "cần cả lat và lon, hoặc không "
                               "có cả hai", "lat" if o.lat is None else "lon", None))
    for key, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0),
                           ("accuracy_m", 0.0, 100_000.0)):
        value = getattr(o, key)
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)
                                      and low <= value <= high):
            p.append(field_problem(f"must be a number from {low:g} to {high:g}",
                                   f"phải là số từ {low:g} đến {high:g}", key, value))
    if o.provenance not in OUTCOME_PROVENANCES:
        p.append(field_problem("must be observed or simulated", "phải là observed hoặc simulated",
                               "provenance", o.provenance))
    return p


def parse_fields(cls: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn JSON values into the arguments of ``cls`` (:class:`data.outcomes.Outcome`).

    Every problem is collected and raised at once.

    Raises
    ------
    InputError
        Missing fields, unknown fields, or values of the wrong type.
    """
    problems: list[Problem] = []
    known = {f.name for f in dataclasses.fields(cls)}
    for key in sorted(set(values) - known):
        problems.append(field_problem(f"unknown field; the fields are {', '.join(sorted(known))}",
                                      f"trường không có; các trường là "
                                      f"{', '.join(sorted(known))}", key, values[key]))
    required = ("outcome_id", "plan_id", "plan_version", "plan_date", "courier_id",
                "job_id", "role", "status", "at")
    for key in required:
        if values.get(key) in (None, ""):
            problems.append(field_problem("is missing", "bị thiếu", key, None))
    kwargs: dict[str, Any] = {k: values.get(k) for k in known & set(values)
                              if k not in ("office_id", "recorded_at", "actor")}
    for key in ("plan_id", "plan_version", "fee_vnd"):
        value = kwargs.get(key)
        if value is not None and not isinstance(value, bool):
            try:
                kwargs[key] = int(value)
            except (TypeError, ValueError):
                problems.append(field_problem("must be a whole number", "phải là số nguyên",
                                              key, value))
    for key in ("lat", "lon", "accuracy_m"):
        value = kwargs.get(key)
        if value is not None:
            try:
                kwargs[key] = float(value)
            except (TypeError, ValueError):
                problems.append(field_problem("must be a number", "phải là số", key, value))
    if isinstance(kwargs.get("plan_date"), str):
        try:
            kwargs["plan_date"] = date.fromisoformat(kwargs["plan_date"])
        except ValueError:
            problems.append(field_problem("must be a date YYYY-MM-DD", "phải là ngày YYYY-MM-DD",
                                          "plan_date", kwargs["plan_date"]))
    if isinstance(kwargs.get("at"), str):
        try:
            kwargs["at"] = datetime.fromisoformat(kwargs["at"].replace("Z", "+00:00"))
        except ValueError:
            problems.append(field_problem("must be an ISO 8601 time with its offset, e.g. "
                                          "2026-11-25T09:30:00+07:00",
                                          "phải là thời điểm ISO 8601 có múi giờ, ví dụ "
                                          "2026-11-25T09:30:00+07:00", "at", kwargs["at"]))
    for key in ("note", "receiver_name"):
        if kwargs.get(key) is None:
            kwargs.pop(key, None)
    if problems:
        raise InputError(problems, summary="Báo cáo kết quả không đọc được. / The outcome "
                                           "report cannot be read.")
    return kwargs
