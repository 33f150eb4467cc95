"""Output encoding: the one place where user-supplied or stored text is made safe to show.

Every text that came from a file, the store or a form (office and courier names, stop
labels, file names, error messages quoting a cell) goes through one of these before it
reaches the browser:

- :func:`html_text` for HTML: folium tooltips, popups and labels, legends drawn with
  ``st.markdown(..., unsafe_allow_html=True)``. Besides ``& < > " '`` it encodes the
  backtick, ``$`` and the backslash, because folium writes tooltips into JavaScript
  template literals (`` `…${…}…` ``), where those three would end the string or run code.
- :func:`md_text` for Streamlit markdown: ``st.error``, ``st.info``, ``st.success``,
  ``st.caption``, ``st.markdown``, and the labels of tabs, expanders and metrics. Every
  ASCII punctuation character is backslash-escaped (CommonMark allows it for all of them),
  so a cell ``[text](https://example.org)`` stays text, ``**`` stays two stars and
  ``$…$`` is not read as a formula; an invisible word joiner inside ``://``, ``www.`` and
  ``@`` keeps a bare address from becoming a link; line breaks and other control
  characters become spaces, so data cannot open a heading, list or code block.
- :func:`md_t` fills a translated message (:func:`app.i18n.t`) with data made safe by
  :func:`md_text`; numbers are left as they are.
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Any

from app.i18n import t

#: HTML character references for the characters :func:`html_text` encodes.
_HTML = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "$": "&#x24;",
    "\\": "&#x5C;",
}
_HTML_TABLE = str.maketrans(_HTML)

#: Characters that change the direction of the text around them (display spoofing).
_BIDI = {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
}


def _plain(value: Any) -> str:
    """Return ``value`` as NFC text without direction overrides; None is empty text."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if ch not in _BIDI)


def html_text(value: Any) -> str:
    """Return ``value`` as text that HTML (and a JavaScript template literal) shows as is.

    Parameters
    ----------
    value
        Any value; None becomes empty text, anything else ``str(value)``.

    Examples
    --------
    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> html_text("${alert(1)}")
    '&#x24;{alert(1)}'
    """
    return _plain(value).translate(_HTML_TABLE)


#: Invisible WORD JOINER put inside web and e-mail addresses so they are not made links.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=[a-z]):(?=//)|(?<=\bwww)(?=\.)|(?<=@)")


def _no_autolink(text: str) -> str:
    """Break what GitHub-flavoured markdown would turn into a link on its own.

    Its "autolink literal" rule finds ``http://…``, ``www.…`` and ``name@host`` in the text
    after escapes are resolved, so backslashes cannot stop it; an invisible word joiner
    after the ``:`` of ``://``, after ``www`` and after ``@`` does.
    """
    return _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text)


def md_text(value: Any) -> str:
    """Return ``value`` as markdown that Streamlit shows literally, on one line.

    Parameters
    ----------
    value
        Any value; None becomes empty text, anything else ``str(value)``.

    Notes
    -----
    Every ASCII punctuation character gets a backslash in front of it, so
    ``[text](https://example.org)`` is shown as those characters, not as a link; a
    :data:`WORD_JOINER` after the ``:`` of ``://``, after ``www`` and after ``@`` keeps
    GitHub-flavoured markdown from making a link of a bare address.
    """
    out = []
    for ch in _no_autolink(_plain(value)):
        if ch in string.punctuation:
            out.append("\\" + ch)
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(" ")  # a line break or control character must not start a block
        else:
            out.append(ch)
    return "".join(out)


def md_t(key: str, **values: Any) -> str:
    """Translate ``key`` and fill it with ``values``, text values made safe for markdown.

    Numbers (and other non-text values) are passed unchanged, so format specifications such
    as ``{lat:.4f}`` keep working; they never come from a user's text.
    """
    return t(key, **{k: md_text(v) if isinstance(v, str) else v for k, v in values.items()})
