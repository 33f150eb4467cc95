"""Clock times and time windows (data.hours): the one reader, errors in both languages."""

from __future__ import annotations

import pytest

from data.errors import InputError
from data.hours import format_windows, hm, parse_windows


def test_clock_time_is_seconds_since_midnight() -> None:
    """07:30 is 27,000 s; midnight at either end of the day is accepted."""
    assert hm("07:30") == 27_000
    assert hm(" 00:00 ") == 0
    assert hm("24:00") == 86_400


@pytest.mark.parametrize("text", ["24:60", "25:00", "noon", "7h30"])
def test_a_wrong_clock_time_is_named_in_both_languages(text: str) -> None:
    """The text is quoted, and the Vietnamese message says how to write it."""
    with pytest.raises(InputError, match="is not a clock time") as err:
        hm(text)
    [problem] = err.value.problems
    assert repr(text) in problem.text("vi") and "không phải giờ" in problem.text("vi")


def test_windows_sorted_and_written_back() -> None:
    """Windows in any order and separator come back sorted; formatting inverts parsing."""
    windows = parse_windows("13:30-17:00; 07:00-11:30")
    assert windows == ((25_200, 41_400), (48_600, 61_200))
    assert format_windows(windows) == "07:00-11:30,13:30-17:00"
    assert parse_windows("") == ()


def test_a_window_of_no_length_is_refused() -> None:
    """A window closing the minute it opens is refused like one closing before it opens."""
    with pytest.raises(InputError, match="'09:00-09:00' closes before it opens") as err:
        parse_windows("08:00-08:30,09:00-09:00")
    assert "đóng trước khi mở" in err.value.problems[0].text("vi")
    with pytest.raises(InputError, match="is not HH:MM-HH:MM"):
        parse_windows("08:00")
