"""data.bilingual: notes stored as "Vietnamese / English", shown in the reader's language."""

from __future__ import annotations

from data.bilingual import join, part


def test_join_puts_vietnamese_first() -> None:
    """The stored form is Vietnamese, " / ", English."""
    assert join("ước tính", "estimated") == "ước tính / estimated"


def test_part_returns_the_readers_half() -> None:
    """Each language gets its own half of a joined note."""
    note = join("sửa trong ứng dụng", "edited in the app")
    assert part(note, "vi") == "sửa trong ứng dụng"
    assert part(note, "en") == "edited in the app"


def test_a_typed_note_is_shown_whole() -> None:
    """A note without the separator, or with it twice, is not cut."""
    assert part("đường đất, mùa mưa khó đi", "en") == "đường đất, mùa mưa khó đi"
    assert part("a / b / c", "vi") == "a / b / c"
