"""Vietnamese place-name matching that ignores diacritics, spacing, case and spelling variants.

Kon Tum names are written many ways: GADM joins the syllables (``ĐắkChoong``), the official
2025 lists write ``Đăk`` and ``Ngọk`` where others write ``Đắk`` and ``Ngọc``, and users type
without accents (``Kon Plong``). :func:`normalise_name` maps all of them to one key;
:func:`find_communes` and :func:`pick_commune` look a commune up in a table of communes by its
old (pre-2025) or new (2025) name or by its GSO code. This module reads no data: the
settings-level look-up :func:`data.commune_points.find_commune` passes it the table.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd
from unidecode import unidecode

from data.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

#: Syllables spelled two ways in official and common usage (after removing diacritics).
SYLLABLE_VARIANTS: dict[str, str] = {
    "ngoc": "ngok",  # Ngọc / Ngọk (Ngọc Hồi, Ngọk Bay, Ngọc Tem)
    "dac": "dak",  # Đắc / Đắk / Đăk
}

#: Leading words naming the unit type, dropped by ``name_key`` (longest first).
UNIT_TYPES: tuple[tuple[str, ...], ...] = (
    ("thanh", "pho"),
    ("thi", "tran"),
    ("thi", "xa"),
    ("dac", "khu"),
    ("phuong",),
    ("huyen",),
    ("tinh",),
    ("xa",),
)

_TOKEN = re.compile(r"[a-z0-9]+")


def split_joined_name(text: str) -> str:
    """Insert the spaces GADM removed: ``'ĐắkChoong'`` → ``'Đắk Choong'``.

    A space goes before every capital letter that follows a lower-case letter; apostrophes
    and existing spaces are kept (``"IaH'Drai"`` → ``"Ia H'Drai"``).
    """
    text = unicodedata.normalize("NFC", str(text))
    out: list[str] = []
    for i, ch in enumerate(text):
        if i and ch.isupper() and text[i - 1].islower():
            out.append(" ")
        out.append(ch)
    return "".join(out)


def name_tokens(text: str) -> list[str]:
    """Split a name into ASCII, lower-case syllables with spelling variants unified."""
    spaced = split_joined_name(text)
    ascii_text = unidecode(spaced).lower()
    return [SYLLABLE_VARIANTS.get(tok, tok) for tok in _TOKEN.findall(ascii_text)]


@lru_cache(maxsize=16384)
def normalise_name(text: str) -> str:
    """Return a key that is equal for every spelling of the same place name.

    Diacritics, case, spacing and punctuation are ignored, ``Đ`` reads as ``D``, and the
    official variants Đăk/Đắk and Ngọk/Ngọc are unified. The unit type is kept
    (``"Xã Đăk Choong"`` → ``"xadakchoong"``); use :func:`name_key` to drop it.

    Examples
    --------
    >>> normalise_name("ĐắkChoong") == normalise_name("Đăk  Choong")
    True
    >>> normalise_name("Kon Plông") == normalise_name("kon plong")
    True
    """
    return "".join(name_tokens(text))


@lru_cache(maxsize=16384)
def name_key(text: str) -> str:
    """Like :func:`normalise_name` but without a leading unit type (Xã, Phường, Huyện …)."""
    tokens = name_tokens(text)
    for prefix in UNIT_TYPES:
        n = len(prefix)
        if len(tokens) > n and tuple(tokens[:n]) == prefix:
            tokens = tokens[n:]
            break
    return "".join(tokens)


def find_communes(query: str, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return every commune whose old name, new (2025) name or GSO code matches ``query``.

    Parameters
    ----------
    query
        A name in any spelling (``"dak choong"``, ``"Xã Đăk Choong"``, ``"ĐắkChoong"``), a
        GSO code (``"23356"``), or ``"name, district"`` to narrow by former district.
    communes
        The table of :func:`data.layers.load_communes`.

    Returns
    -------
    GeoDataFrame
        Matching rows with a ``matched_on`` column (``"code"``, ``"name"`` or
        ``"new_name"``); old-name matches first. Empty when nothing matches.
    """
    text = str(query).strip()
    district_key = ""
    if "," in text:
        text, district = (part.strip() for part in text.split(",", 1))
        district_key = name_key(district)
    full = normalise_name(text)
    key = name_key(text)
    cand = communes
    if district_key:
        cand = cand[cand["district"].map(name_key) == district_key]
    if text.isdigit():
        hit = cand[cand["commune_code"] == text]
        return hit.assign(matched_on="code")
    if not key:
        return cand.iloc[0:0].assign(matched_on=pd.Series(dtype=str))

    def matches(names: pd.Series) -> pd.Series:
        norm_full = names.map(normalise_name)
        norm_key = names.map(name_key)
        if key != full:  # the query names a unit type: it must agree
            return norm_full == full
        return norm_key == key

    old_hit = matches(cand["name"]) | matches(cand["name_gadm"])
    new_hit = matches(cand["new_commune_name"]) & ~old_hit
    parts = [cand[old_hit].assign(matched_on="name"), cand[new_hit].assign(matched_on="new_name")]
    return pd.concat(parts)


def pick_commune(query: str, communes: pd.DataFrame) -> pd.Series:
    """Pick the one pre-2025 commune ``query`` names, from a table of communes.

    Parameters
    ----------
    query
        See :func:`find_communes`.
    communes
        A table with the columns of :func:`data.layers.load_communes` (``commune_code``,
        ``name``, ``name_gadm``, ``district``, ``new_commune_code``, ``new_commune_name``),
        e.g. :func:`data.commune_points.load_commune_points`.

    Returns
    -------
    Series
        The matching row. When the query names a 2025 unit that merged several old
        communes, the row of the old commune whose GSO code the new unit kept (its seat) is
        returned; use :func:`find_communes` for all of them.

    Raises
    ------
    InputError
        When nothing matches, or when several old communes share the name (the message
        lists them and how to narrow the query).
    """
    hits = find_communes(query, communes)
    if hits.empty:
        raise InputError(
            f"no commune matches {query!r}; fix: check the spelling (accents and spaces do "
            "not matter), or give the GSO code, e.g. '23356' for Xã Đăk Choong",
            summary="Commune not found",
        )
    old = hits[hits["matched_on"].isin(["code", "name"])]
    if len(old) == 1:
        return old.iloc[0]
    if len(old) > 1:
        listed = "; ".join(
            f"{r.name} ({r.district}, code {r.commune_code})" for r in old.itertuples()
        )
        raise InputError(
            f"{query!r} matches {len(old)} communes: {listed}; fix: add the district after a "
            f"comma (e.g. '{old.iloc[0]['name']}, {old.iloc[0]['district']}') or use the code",
            summary="Ambiguous commune name",
        )
    new_codes = hits["new_commune_code"].unique()
    if len(new_codes) > 1:
        listed = "; ".join(sorted(set(hits["new_commune_name"])))
        raise InputError(
            f"{query!r} matches several 2025 units: {listed}; fix: use an old commune's "
            "name or GSO code",
            summary="Ambiguous commune name",
        )
    seat = hits[hits["commune_code"] == new_codes[0]]
    return (seat if len(seat) else hits).iloc[0]
