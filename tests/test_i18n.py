"""app.i18n: labels from the catalogues, Vietnamese first; numbers and dates by Babel."""

from __future__ import annotations

import pytest

from app.i18n import kind_label, option_labels, source_label, t


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
