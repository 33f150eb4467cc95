"""One translation mechanism for every label in the app: Vietnamese first, English on request.

Every user-facing string goes through :func:`t` with a stable key (``"dispatch.plan"``);
the texts live in the gettext catalogues ``app/locale/<lang>/LC_MESSAGES/postplan.po``
(see :mod:`app.catalogues` and ARCHITECTURE.md, "Adding a label"). The language lives in
``st.session_state["lang"]`` (``"vi"`` by default) and is switched by the sidebar toggle
that :func:`language_toggle` draws. Numbers, dates and times are formatted by Babel with
CLDR's rules for the language (``540.438,5``, ``72,8%`` in Vietnamese); dates print as
dd/mm/yyyy and times on the 24-hour clock in both languages.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import unicodedata
from typing import Any

import streamlit as st
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent

from app.catalogues import compiled

LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"
LANG_KEY = "lang"


def N_(key: str) -> str:  # noqa: N802 (gettext's name for a no-op marker)
    """Mark a key that is looked up later (in a table, an option list), for extraction.

    Returns ``key`` unchanged; ``python -m app.catalogues update`` finds the literal.
    """
    return key


#: ``source`` column value -> label key.
SOURCE_KEYS = {
    "osm": N_("source.osm"),
    "user": N_("source.user"),
    "estimated": N_("source.estimated"),
    "geocoded": N_("source.geocoded"),
    "proxy": N_("source.proxy"),
    "simulated": N_("source.simulated"),
    "national_road": N_("source.national_road"),
    "census": N_("source.census"),
    "worldpop": N_("source.worldpop"),
    "trace": N_("source.trace"),
}
#: Office kind -> label key.
KIND_KEYS = {
    "post_office": N_("kind.post_office"),
    "commune_post": N_("kind.commune_post"),
    "one_stop_shop": N_("kind.one_stop_shop"),
}


@functools.cache
def _catalogue(lang: str) -> gettext.GNUTranslations:
    """Return the compiled catalogue of a language (read once per process)."""
    return gettext.GNUTranslations(io.BytesIO(compiled(lang)))


def current_lang() -> str:
    """Return the active language code (``"vi"`` unless the English toggle is on)."""
    try:
        lang = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    except Exception:  # outside a Streamlit run
        lang = DEFAULT_LANG
    return lang if lang in LANGUAGES else DEFAULT_LANG


def t(key: str, *, lang: str | None = None, **fmt: Any) -> str:
    """Translate ``key`` into the active language and fill its placeholders.

    Parameters
    ----------
    key
        A message id of the catalogues; an unknown key is returned as is so that a
        missing translation shows up on screen instead of failing.
    lang
        Force a language (``"vi"`` or ``"en"``); default the session's.
    **fmt
        Values for the ``{name}`` placeholders.
    """
    lang = lang or current_lang()
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    text = unicodedata.normalize("NFC", _catalogue(lang).gettext(key))
    return text.format(**fmt) if fmt else text



def language_toggle() -> None:
    """Draw the sidebar English toggle (Vietnamese is the default).

    The choice lives in the session and in the URL (``?lang=en``), so a reload keeps it.
    """

    def _sync() -> None:
        lang = "en" if st.session_state.get("lang_toggle") else "vi"
        st.session_state[LANG_KEY] = lang
        if lang == DEFAULT_LANG:
            st.query_params.pop("lang", None)
        else:
            st.query_params["lang"] = lang

    if LANG_KEY not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANG)
        st.session_state[LANG_KEY] = wanted if wanted in LANGUAGES else DEFAULT_LANG
    st.sidebar.toggle(
        t("app.english"),
        value=st.session_state[LANG_KEY] == "en",
        key="lang_toggle",
        on_change=_sync,
    )


def lkey(key: str) -> str:
    """Return a widget key that changes with the language.

    A widget whose options are shown through a translated ``format_func`` must be drawn
    afresh when the language changes (the browser keeps the old labels otherwise and loses
    the selection). Vietnamese keeps the plain key; pair it with :func:`kept` and
    :func:`keep` so the choice survives the switch.
    """
    lang = current_lang()
    return key if lang == DEFAULT_LANG else f"{key}__{lang}"


def option_labels(keys: dict[Any, str]) -> Any:
    """Return a ``format_func`` showing each option by its translation key.

    The language is fixed when the widget is drawn, so the labels match its key
    (:func:`lkey`) even when the function is called outside the script run (AppTest).
    """
    lang = current_lang()
    return lambda value: t(keys[value], lang=lang) if value in keys else str(value)


def kept(key: str, default: Any) -> Any:
    """Return the last value :func:`keep` stored for ``key`` (``default`` before any)."""
    return st.session_state.get(f"_keep_{key}", default)


def keep(key: str, value: Any) -> Any:
    """Remember a widget's value across language switches; return it unchanged."""
    st.session_state[f"_keep_{key}"] = value
    return value


#: The CLDR locale (Babel) that formats numbers, dates and times for each language; English
#: follows British usage so that dates stay day-first and times 24-hour, as in Vietnamese.
FORMAT_LOCALES = {"vi": "vi", "en": "en_GB"}
#: Dates print as dd/mm/yyyy in both languages (CLDR's Vietnamese short date is d/M/yy).
DATE_PATTERN = "dd/MM/y"
#: Times print on the 24-hour clock (CLDR's short time for vi and en_GB).
TIME_PATTERN = "HH:mm"


def format_locale(lang: str | None = None) -> str:
    """Return the Babel locale that formats numbers and dates for ``lang`` (default: session's)."""
    return FORMAT_LOCALES[lang or current_lang()]


def fmt_date(day: dt.date, *, lang: str | None = None) -> str:
    """Format a date as dd/mm/yyyy (``05/03/2026``, both languages)."""
    return format_date(day, DATE_PATTERN, locale=format_locale(lang))


def fmt_time(value: dt.time, *, lang: str | None = None) -> str:
    """Format a time of day on the 24-hour clock (``07:05``)."""
    return format_time(value, TIME_PATTERN, locale=format_locale(lang))


def fmt_datetime(value: dt.datetime, *, lang: str | None = None) -> str:
    """Format a date and time as ``dd/mm/yyyy HH:MM`` (in the zone ``value`` carries)."""
    return f"{fmt_date(value.date(), lang=lang)} {fmt_time(value.time(), lang=lang)}"


def fmt_clock(seconds: float | None, *, lang: str | None = None) -> str:
    """Format seconds since midnight as 24-hour ``HH:MM`` (``—`` for None/NaN).

    A time past midnight shows the days it runs over: ``00:30 (+1)``.
    """
    if seconds is None or seconds != seconds:
        return "—"
    days, minute = divmod(round(float(seconds) / 60.0), 24 * 60)
    text = fmt_time(dt.time(minute // 60, minute % 60), lang=lang)
    return text if days == 0 else f"{text} ({days:+d})"


def fmt_number(value: float, *, decimals: int | None = 0, lang: str | None = None) -> str:
    """Format a number with the language's separators (vi ``540.438,5``; en ``540,438.5``).

    ``decimals`` fixes the digits after the decimal mark; None shows up to three, without
    trailing zeros (``2,5``, ``32``).
    """
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=format_locale(lang))


def fmt_delta(value: float, *, decimals: int = 0, lang: str | None = None) -> str:
    """Format a change with its sign (``+2,5`` / ``−1,0``; ``0`` without a sign)."""
    text = fmt_number(abs(value), decimals=decimals, lang=lang)
    if round(value, decimals) == 0:
        return fmt_number(0.0, decimals=decimals, lang=lang)
    return ("+" if value > 0 else "−") + text


def fmt_pct(share: float, *, decimals: int = 1, lang: str | None = None) -> str:
    """Format a share (0–1) as the language's percentage (``72,8%``; CLDR's pattern)."""
    loc = format_locale(lang)
    pattern = Locale.parse(loc).percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    return format_percent(share, format=pattern, locale=loc)


def source_label(source: str) -> str:
    """Human label of a ``source`` value (``osm``, ``estimated``, ``simulated`` …)."""
    return t(SOURCE_KEYS[source]) if source in SOURCE_KEYS else str(source)


def kind_label(kind: str) -> str:
    """Human label of an office kind."""
    return t(KIND_KEYS[kind]) if kind in KIND_KEYS else str(kind)
