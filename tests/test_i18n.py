"""app.i18n: labels from the catalogues, Vietnamese first; numbers and dates by Babel."""

from __future__ import annotations

import datetime as dt

import pytest

from app.i18n import (
    fmt_clock,
    fmt_date,
    fmt_datetime,
    fmt_delta,
    fmt_number,
    fmt_pct,
    fmt_time,
    kind_label,
    option_labels,
    source_label,
    t,
)


def test_t_reads_each_language_from_its_catalogue() -> None:
    """The same key gives the Vietnamese and the English text."""
    assert t("nav.dispatch", lang="vi") == "Điều phối"
    assert t("nav.dispatch", lang="en") == "Dispatch"


def test_t_fills_the_placeholders() -> None:
    """Named placeholders are filled in the chosen language."""
    assert t("common.problems", lang="vi", n=2) == "2 lỗi — dữ liệu trước đó được giữ nguyên:"
    assert t("common.problems", lang="en", n=2) == "2 problems — the previous data is kept:"


def test_t_defaults_to_vietnamese_outside_a_session() -> None:
    """Without a Streamlit session the language is Vietnamese."""
    assert t("nav.data") == "Dữ liệu"


def test_an_unknown_key_shows_itself() -> None:
    """A key missing from the catalogues is shown as is (visible, not a crash)."""
    assert t("nowhere.key", lang="vi") == "nowhere.key"


def test_an_unknown_language_is_refused() -> None:
    """Only vi and en exist; another code names the choices."""
    with pytest.raises(ValueError, match="unknown language 'fr'; use one of vi, en"):
        t("nav.data", lang="fr")


def test_source_and_kind_labels_use_the_catalogue_and_keep_unknown_values() -> None:
    """Known values are translated (vi by default); an unknown one is kept as given."""
    assert source_label("estimated") == "ước tính"
    assert kind_label("commune_post") == "Bưu điện văn hóa xã"
    assert source_label("survey-2031") == "survey-2031"


def test_option_labels_fix_the_language_when_drawn() -> None:
    """The format function shows the option's label; an unlisted option as text."""
    fmt = option_labels({"old": "data.units_old"})
    assert fmt("old") == t("data.units_old", lang="vi")
    assert fmt(7) == "7"


def test_numbers_use_each_language_separators() -> None:
    """Babel/CLDR: vi ``540.438,5``, en ``540,438.5``; no decimals by default."""
    assert fmt_number(540438.5, decimals=1, lang="vi") == "540.438,5"
    assert fmt_number(540438.5, decimals=1, lang="en") == "540,438.5"
    assert fmt_number(540438, lang="vi") == "540.438"
    assert fmt_number(-1234.5, decimals=2, lang="vi") == "-1.234,50"


def test_numbers_without_fixed_decimals_drop_trailing_zeros() -> None:
    """``decimals=None`` shows what is needed, up to three digits."""
    assert fmt_number(32.0, decimals=None, lang="vi") == "32"
    assert fmt_number(2.5, decimals=None, lang="vi") == "2,5"
    assert fmt_number(2.5, decimals=None, lang="en") == "2.5"


def test_percentages_follow_cldr() -> None:
    """A share of 0.728 is ``72,8%`` in Vietnamese, ``72.8%`` in English."""
    assert fmt_pct(0.728, lang="vi") == "72,8%"
    assert fmt_pct(0.728, lang="en") == "72.8%"
    assert fmt_pct(1.0, decimals=0, lang="vi") == "100%"
    assert fmt_pct(0.0, lang="vi") == "0,0%"


def test_deltas_carry_a_sign_except_zero() -> None:
    """``+2,5`` and ``−1,0`` (true minus); a change that rounds to zero has no sign."""
    assert fmt_delta(2.5, decimals=1, lang="vi") == "+2,5"
    assert fmt_delta(-1.04, decimals=1, lang="vi") == "−1,0"
    assert fmt_delta(0.04, decimals=1, lang="en") == "0.0"


def test_dates_are_day_first_with_the_full_year_in_both_languages() -> None:
    """05/03/2026 — day first, zero-padded, four-digit year, vi and en."""
    assert fmt_date(dt.date(2026, 3, 5), lang="vi") == "05/03/2026"
    assert fmt_date(dt.date(2026, 3, 5), lang="en") == "05/03/2026"


def test_times_are_on_the_24_hour_clock() -> None:
    """Seconds since midnight round to the minute; 17:30 stays 17:30 in English."""
    assert fmt_clock(7 * 3600 + 5 * 60 + 29, lang="vi") == "07:05"
    assert fmt_clock(17 * 3600 + 30 * 60, lang="en") == "17:30"
    assert fmt_time(dt.time(13, 30), lang="en") == "13:30"
    assert fmt_datetime(dt.datetime(2026, 11, 2, 14, 5), lang="vi") == "02/11/2026 14:05"


def test_a_time_past_midnight_says_the_day_it_falls_on() -> None:
    """00:30 the next day is ``00:30 (+1)``; no time is ``—``."""
    assert fmt_clock(24 * 3600 + 1800, lang="vi") == "00:30 (+1)"
    assert fmt_clock(None) == "—"
    assert fmt_clock(float("nan")) == "—"
