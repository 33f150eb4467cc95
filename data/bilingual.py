"""Notes stored in two languages in one text field: ``"<Vietnamese> / <English>"``.

Provenance notes the program writes into files and registries (``location_note`` of
offices and commune points) carry both languages, Vietnamese first, so an exported file
reads in either; pages show the half of the reader's language. A note someone typed in
one language has no separator and is shown as typed.
"""

from __future__ import annotations

__all__ = ["SEPARATOR", "join", "part"]

#: Between the Vietnamese and the English half.
SEPARATOR = " / "


def join(vi: str, en: str) -> str:
    """Return the stored form of a note: Vietnamese, separator, English."""
    return f"{vi}{SEPARATOR}{en}"


def part(note: str, lang: str) -> str:
    """Return the half of ``note`` in ``lang`` (``"vi"`` or ``"en"``).

    A note without the separator, or whose halves cannot be told apart, is returned whole.
    """
    text = str(note)
    if text.count(SEPARATOR) != 1:
        return text
    vi, en = text.split(SEPARATOR)
    return vi if lang == "vi" else en
