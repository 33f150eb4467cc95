"""Error messages as the pages show them: in the page's language, quoted data made safe.

An :class:`~data.errors.InputError` lists :class:`~data.errors.Problem` s; each is shown as
"where: what and how to fix it" by ``Problem.text`` in the page's language (Vietnamese
when the problem carries ``message_vi``). Errors this project raises on purpose get a
sentence saying what failed; anything else never shows Python's own text (a codec or a
traceback line), only a sentence asking to report it. Every value quoted from the data goes through
:func:`app.safe.md_text`, so a cell ``[text](https://example.org)`` is not a link.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from app.i18n import N_, current_lang, t
from app.safe import md_text
from data.errors import (
    AccessDenied,
    ConflictError,
    DataIntegrityError,
    InputError,
    NetworkError,
    PostplanError,
    Problem,
    StorageError,
)

_log = logging.getLogger(__name__)

#: Error class -> key of the sentence that says what failed (most specific first).
_KIND_KEYS: tuple[tuple[type[PostplanError], str], ...] = (
    (AccessDenied, N_("error.access")),
    (ConflictError, N_("error.conflict")),
    (DataIntegrityError, N_("error.integrity")),
    (NetworkError, N_("error.network")),
    (StorageError, N_("error.storage")),
    (PostplanError, N_("error.postplan")),
)


def problem_text(problem: Problem, *, lang: str | None = None) -> str:
    """Return one problem as plain text in the page's language (``Problem.text``).

    Where it is (file, row, column, value) and what to do, in Vietnamese when the problem
    carries ``message_vi`` and the page is Vietnamese, else in English: one language per
    line.
    """
    return problem.text(lang or current_lang())


def problems_md(problems: Iterable[Problem | str], *, lang: str | None = None) -> str:
    """Return problems as a markdown list, one per line, every character of data escaped.

    Parameters
    ----------
    problems
        :class:`~data.errors.Problem` objects (or already-worded text).
    lang
        ``"vi"`` or ``"en"``; the page's language by default.
    """
    lines = []
    for p in problems:
        text = problem_text(p, lang=lang) if isinstance(p, Problem) else str(p)
        lines.append(f"- {md_text(text)}")
    return "\n".join(lines)


def problems_box(problems: Iterable[Problem | str], *, lang: str | None = None) -> str:
    """Return the body of a red error box: how many problems (data kept), then the list."""
    items = list(problems)
    return t("common.problems", lang=lang, n=len(items)) + "\n\n" + problems_md(items, lang=lang)


def error_md(exc: BaseException, *, lang: str | None = None) -> str:
    """Return an exception as markdown for ``st.error``, in the page's language.

    An :class:`~data.errors.InputError` lists its problems; another error of this project
    says what failed, then its details (escaped); any other exception shows no Python
    text at all, only a request to report it (the server log has the traceback).
    """
    if isinstance(exc, InputError):
        return problems_box(exc.problems, lang=lang)
    if isinstance(exc, PostplanError):
        key = next(k for cls, k in _KIND_KEYS if isinstance(exc, cls))
        in_vi = (lang or current_lang()) == "vi"
        detail = getattr(exc, "message_vi" if in_vi else "message_en", None)
        return t(key, lang=lang) + " " + md_text(detail or str(exc))
    _log.error("unexpected error shown to the user as a generic message", exc_info=exc)
    return t("error.unexpected", lang=lang)
