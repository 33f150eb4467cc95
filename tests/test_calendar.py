"""Tests of the working-day calendar (data.calendar) and opening hours (data.hours)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.calendar import (
    DayException,
    WorkCalendar,
    exceptions_from_frame,
    office_day,
    public_holidays,
    read_exceptions,
)
from data.errors import InputError
from data.hours import is_open_at, parse_hours

KT = {"office_id": "po-23293", "name": "Bưu cục Kon Tum",
      "opening_hours": "Mo-Fr 07:00-11:30,13:30-17:00"}
H = 3600


def test_public_holidays_2026_2027_come_from_the_holidays_package() -> None:
    """VN holidays: Tết (lunar), Hùng Kings' day, 30/4, 1/5, 2/9 with Vietnamese names."""
    days = {h.day: h.name_vi for y in (2026, 2027) for h in public_holidays(y)}
    assert days[dt.date(2027, 2, 6)] == "Tết Nguyên Đán"
    assert days[dt.date(2026, 2, 17)] == "Tết Nguyên Đán"
    assert days[dt.date(2026, 4, 26)] == "Ngày Giỗ Tổ Hùng Vương"
    assert days[dt.date(2027, 4, 16)] == "Ngày Giỗ Tổ Hùng Vương"
    assert days[dt.date(2026, 4, 30)] == "Ngày Chiến thắng"
    assert days[dt.date(2026, 5, 1)] == "Ngày Quốc tế Lao động"
    assert days[dt.date(2026, 9, 2)] == "Quốc khánh"
    assert len([d for d in days if d.year == 2027 and d.month == 2]) == 7  # 4/2 … 10/2


@pytest.mark.parametrize(("day", "vi", "en"), [
    (dt.date(2027, 2, 8), "Mùng ba Tết Nguyên Đán", "Third Day of Lunar New Year"),
    (dt.date(2026, 4, 30), "Ngày Chiến thắng", "Liberation Day/Reunification Day"),
    (dt.date(2026, 5, 1), "Ngày Quốc tế Lao động", "International Labor Day"),
    (dt.date(2026, 9, 2), "Quốc khánh", "National Day"),
    (dt.date(2026, 9, 6), "Chủ nhật", "Sunday"),
])
def test_closed_days_are_said_plainly(day: dt.date, vi: str, en: str) -> None:
    """Tết 2027, 30/4, 1/5, 2/9 and a Sunday: closed, with the sentence app and CLI print."""
    od = office_day(KT, day)
    assert od.closed and od.windows == ()
    when = day.strftime("%d/%m/%Y")
    assert od.message("vi") == f"Bưu cục Kon Tum đóng cửa ngày {when}: {vi}"
    assert od.message("en") == f"Bưu cục Kon Tum is closed on {when}: {en}"


def test_an_ordinary_day_has_the_office_hours() -> None:
    """25/11/2026 (a Wednesday) is open 07:00–11:30 and 13:30–17:00."""
    od = office_day(KT, dt.date(2026, 11, 25))
    assert not od.closed
    assert od.windows == ((7 * H, 11 * H + 1800), (13 * H + 1800, 17 * H))


def test_ph_rules() -> None:
    """No PH rule: closed on holidays (public offices); 'PH off'; 'PH 08:00-11:00' opens."""
    holiday = dt.date(2026, 9, 2)
    assert office_day({**KT, "opening_hours": "Mo-Su 07:00-17:00"}, holiday).closed
    assert office_day({**KT, "opening_hours": "Mo-Su 07:00-17:00; PH off"}, holiday).closed
    od = office_day({**KT, "opening_hours": "Mo-Fr 07:00-17:00; PH 08:00-11:00"}, holiday)
    assert od.windows == ((8 * H, 11 * H),)
    assert parse_hours("Sa,PH 07:00-11:00").holiday == ((7 * H, 11 * H),)
    assert parse_hours("Mo-Fr 07:00-17:00").holiday is None


def test_exceptions_open_a_saturday_morning_and_close_a_day() -> None:
    """Per-office exceptions beat the hours; '*' applies to every office without its own."""
    cal = WorkCalendar.from_exceptions([
        DayException("po-23293", dt.date(2026, 10, 3), ((7 * H, 11 * H),), "Sáng thứ Bảy"),
        DayException("*", dt.date(2026, 10, 5), (), "Kiểm kê"),
        DayException("po-23293", dt.date(2026, 10, 6), (), "Sửa điện"),
    ])
    sat = office_day(KT, dt.date(2026, 10, 3), cal)
    assert sat.windows == ((7 * H, 11 * H),) and sat.reason_vi == "Sáng thứ Bảy"
    assert office_day(KT, dt.date(2026, 10, 5), cal).message("vi") == \
        "Bưu cục Kon Tum đóng cửa ngày 05/10/2026: Kiểm kê"
    other = {**KT, "office_id": "po-x", "name": "Bưu cục X"}
    assert office_day(other, dt.date(2026, 10, 5), cal).closed
    assert not office_day(other, dt.date(2026, 10, 6), cal).closed
    assert office_day(KT, dt.date(2026, 10, 6), cal).closed


def test_last_minute_of_a_window_is_open_closing_time_is_not() -> None:
    """16:59 and 11:29 are open; 17:00 and 11:30 are closed; the eve of a holiday works."""
    windows = office_day(KT, dt.date(2027, 9, 1)).windows
    assert is_open_at(windows, 16 * H + 59 * 60) and not is_open_at(windows, 17 * H)
    assert is_open_at(windows, 11 * H + 29 * 60) and not is_open_at(windows, 11 * H + 1800)
    assert is_open_at(windows, 7 * H) and not is_open_at(windows, 7 * H - 60)
    assert office_day(KT, dt.date(2027, 9, 2)).closed


def test_exceptions_file_is_read_through_the_one_reader() -> None:
    """An exceptions CSV (';', dd/mm/yyyy) gives a calendar; every problem is collected."""
    cal = read_exceptions("office_id;date;opening_hours;reason\r\n"
                          "po-23293;03/10/2026;07:00-11:00;Sáng thứ Bảy\r\n".encode(),
                          office_ids=["po-23293"], filename="ex.csv")
    assert office_day(KT, dt.date(2026, 10, 3), cal).windows == ((7 * H, 11 * H),)
    bad = pd.DataFrame({"office_id": ["nowhere", "po-23293", "po-23293"],
                        "date": ["2026-10-03", "2026-10-04", "2026-10-04"],
                        "opening_hours": ["off", "7h-11h", "off"], "reason": ["a", "b", "c"]})
    with pytest.raises(InputError) as err:
        exceptions_from_frame(bad, office_ids=["po-23293"])
    assert [(p.row, p.column) for p in err.value.problems] == [
        (2, "office_id"), (3, "opening_hours"), (4, "date")]
