"""Opening hours in OpenStreetMap's ``opening_hours`` style, with public-holiday rules.

The supported subset: rules separated by ``;``, each ``<days> <times>`` where days are
``Mo`` … ``Su`` and ``PH`` (public holiday), ranges (``Mo-Fr``) and lists (``Sa,PH``);
times are ``HH:MM-HH:MM`` lists separated by commas, or ``off``; ``24/7`` alone means
always open. A later rule replaces the hours of the days it names, as in OSM.

Public holidays: ``PH off`` closes the office on a public holiday, ``PH 07:00-11:00``
opens it those hours. When the text says nothing about ``PH`` the office is **closed** on
public holidays — Vietnamese public offices close on the days of Labour Code art. 112 —
and :class:`OpeningHours.holiday` is None so callers can say the rule was assumed.

The calendar (:mod:`data.calendar`) decides which days are public holidays and applies
per-office exceptions; this module only reads the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from data.errors import InputError, Problem

Window = tuple[int, int]
#: Mon–Fri 07:00–11:30 and 13:30–17:00, the usual hours of commune offices and post offices.
DEFAULT_OPENING_HOURS = "Mo-Fr 07:00-11:30,13:30-17:00"
_DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
PH = "ph"


def _error(vi: str, en: str) -> InputError:
    return InputError([Problem(en, message_vi=vi)])


@dataclass(frozen=True)
class OpeningHours:
    """Parsed opening hours.

    Parameters
    ----------
    text
        The text as written.
    week
        Weekday (0 = Monday … 6 = Sunday) → windows ``(open_s, close_s)`` (seconds after
        midnight, sorted); closed weekdays are absent.
    holiday
        Windows on a public holiday: ``()`` for ``PH off``, None when the text has no
        ``PH`` rule (closed, by the Vietnamese rule for public offices).
    """

    text: str
    week: Mapping[int, tuple[Window, ...]]
    holiday: tuple[Window, ...] | None = None

    def on_weekday(self, weekday: int) -> tuple[Window, ...]:
        """Windows on an ordinary ``weekday`` (empty when closed)."""
        return self.week.get(weekday, ())


def parse_hours(text: str) -> OpeningHours:
    """Parse an ``opening_hours`` value (see the module docstring).

    Raises
    ------
    InputError
        When the text is empty or uses syntax outside the supported subset; the message
        names the part and shows the expected form, in Vietnamese and English.
    """
    raw = str(text).strip()
    if not raw:
        raise _error("giờ mở cửa trống; sửa: viết ví dụ " + repr(DEFAULT_OPENING_HOURS),
                     "opening hours are empty; fix: write e.g. " + repr(DEFAULT_OPENING_HOURS))
    if raw == "24/7":
        return OpeningHours(raw, {d: ((0, 86400),) for d in range(7)}, ((0, 86400),))
    week: dict[int, tuple[Window, ...]] = {}
    holiday: tuple[Window, ...] | None = None
    for rule in (r.strip() for r in raw.split(";")):
        if not rule:
            continue
        m = re.match(r"^([A-Za-z,\-\s]+?)\s+(.+)$", rule)
        if not m:
            raise _error(
                f"quy tắc giờ mở cửa {rule!r} thiếu ngày hoặc giờ; sửa: viết ngày rồi giờ, ví "
                f"dụ {DEFAULT_OPENING_HOURS!r}",
                f"opening hours rule {rule!r} has no days or no times; fix: write days then "
                f"times, e.g. {DEFAULT_OPENING_HOURS!r}")
        days = _parse_days(m.group(1), rule)
        spec = m.group(2).replace(" ", "")
        spans: tuple[Window, ...] = ()
        if spec.lower() != "off":
            parsed = sorted(_parse_span(part, rule) for part in spec.split(","))
            for (_, c1), (o2, _) in itertools.pairwise(parsed):
                if o2 < c1:
                    raise _error(f"quy tắc giờ mở cửa {rule!r} có các khoảng giờ chồng nhau",
                                 f"opening hours rule {rule!r} has overlapping times")
            spans = tuple(parsed)
        for d in days:
            if isinstance(d, str):
                holiday = spans
            elif spans:
                week[d] = spans
            else:
                week.pop(d, None)
    return OpeningHours(raw, dict(sorted(week.items())), holiday)


def parse_opening_hours(text: str) -> dict[int, list[Window]]:
    """Parse opening hours into weekday → windows (closed days absent).

    The ordinary week of :func:`parse_hours`; public-holiday rules are accepted and left
    to the calendar.

    Raises
    ------
    InputError
        As :func:`parse_hours`.
    """
    return {d: list(w) for d, w in parse_hours(text).week.items()}


def _parse_days(text: str, rule: str) -> list[int | str]:
    days: list[int | str] = []
    for part in text.replace(" ", "").split(","):
        if part.lower() == PH:
            days.append(PH)
            continue
        bounds = part.lower().split("-")
        if len(bounds) not in (1, 2) or any(b not in _DAYS for b in bounds):
            raise _error(
                f"quy tắc giờ mở cửa {rule!r}: {part!r} không phải ngày hay khoảng ngày; sửa: "
                "dùng Mo, Tu, We, Th, Fr, Sa, Su, khoảng như Mo-Fr, và PH cho ngày lễ",
                f"opening hours rule {rule!r}: {part!r} is not a day or day range; fix: use "
                "Mo, Tu, We, Th, Fr, Sa, Su, ranges like Mo-Fr, and PH for public holidays "
                "(SH, dates and week numbers are not supported)")
        a = _DAYS.index(bounds[0])
        b = _DAYS.index(bounds[-1])
        days += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
    return days


def _parse_span(part: str, rule: str) -> Window:
    m = _TIME.match(part)
    if not m:
        raise _error(
            f"quy tắc giờ mở cửa {rule!r}: {part!r} không phải khoảng giờ; sửa: viết "
            "HH:MM-HH:MM, ví dụ 07:00-11:30",
            f"opening hours rule {rule!r}: {part!r} is not a time range; fix: write "
            "HH:MM-HH:MM, e.g. 07:00-11:30")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
        raise _error(f"quy tắc giờ mở cửa {rule!r}: {part!r} không phải giờ hợp lệ",
                     f"opening hours rule {rule!r}: {part!r} is not a valid time")
    open_s, close_s = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if close_s <= open_s or close_s > 86400:
        raise _error(
            f"quy tắc giờ mở cửa {rule!r}: {part!r} đóng trước khi mở; sửa: dùng giờ trong "
            "một ngày, ví dụ 13:30-17:00",
            f"opening hours rule {rule!r}: {part!r} closes before it opens; fix: use times "
            "within one day, e.g. 13:30-17:00")
    return open_s, close_s


def parse_shift(text: str) -> Window:
    """Parse a courier's shift ``"07:00-17:00"`` into ``(start_s, end_s)``.

    Raises
    ------
    InputError
        When it is not one ``HH:MM-HH:MM`` range that ends after it starts.
    """
    part = str(text).strip().replace(" ", "")
    if "," in part or ";" in part:
        raise _error(f"ca làm việc {part!r} phải là một khoảng giờ, ví dụ 07:00-17:00",
                     f"shift {part!r} must be one time range, e.g. 07:00-17:00")
    return _parse_span(part, part)


def hm(text: str) -> int:
    """Parse a 24-hour clock time ``"HH:MM"`` into seconds since midnight.

    Raises
    ------
    InputError
        When the text is not a clock time (hours 0–24, minutes 0–59).
    """
    try:
        hours, minutes = str(text).strip().split(":")[:2]
        h, m = int(hours), int(minutes)
    except ValueError:
        raise _error(f"{text!r} không phải giờ; sửa: viết HH:MM, ví dụ 07:30",
                     f"{text!r} is not a clock time; write it as HH:MM, e.g. 07:30") from None
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise _error(f"{text!r} không phải giờ; giờ 0–24, phút 0–59",
                     f"{text!r} is not a clock time; hours 0–24, minutes 0–59")
    return h * 3600 + m * 60


def parse_windows(text: str) -> tuple[Window, ...]:
    """Parse time windows ``"07:00-11:30,13:30-17:00"`` (also ``;`` or spaces between them).

    Returns
    -------
    tuple of (open_s, close_s)
        Sorted windows in seconds since midnight.

    Raises
    ------
    InputError
        When a window is not ``HH:MM-HH:MM`` or closes before it opens.
    """
    out = []
    for part in str(text).replace(";", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" not in part:
            raise _error(f"khung giờ {part!r} không phải HH:MM-HH:MM, ví dụ 08:00-11:00",
                         f"window {part!r} is not HH:MM-HH:MM, e.g. 08:00-11:00")
        a, b = part.split("-", 1)
        w = (hm(a), hm(b))
        if w[1] <= w[0]:
            raise _error(f"khung giờ {part!r} đóng trước khi mở",
                         f"window {part!r} closes before it opens")
        out.append(w)
    return tuple(sorted(out))


def format_windows(windows: tuple[Window, ...] | list[Window]) -> str:
    """Format windows as ``"07:00-11:30,13:30-17:00"``."""
    def f(s: int) -> str:
        return f"{s // 3600:02d}:{(s % 3600) // 60:02d}"
    return ",".join(f"{f(a)}-{f(b)}" for a, b in windows)


def is_open_at(windows: tuple[Window, ...], at_s: int) -> bool:
    """Tell whether ``at_s`` (seconds after midnight) falls in one of ``windows``.

    A window is ``[open_s, close_s)``: open in its last minute, closed at closing time.
    """
    return any(a <= at_s < b for a, b in windows)


__all__ = [
    "DEFAULT_OPENING_HOURS",
    "OpeningHours",
    "format_windows",
    "hm",
    "is_open_at",
    "parse_hours",
    "parse_opening_hours",
    "parse_shift",
    "parse_windows",
]
