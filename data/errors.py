"""The project's exception hierarchy, in one place.

Every error a user can cause derives from :class:`PostplanError`. Input problems are
collected first and raised once as an :class:`InputError` whose ``problems`` list names
each row, column and value, and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Parameters
    ----------
    message
        What is wrong and how to fix it, as a full sentence.
    row
        1-based row number in the file as a spreadsheet shows it (header = row 1), or None.
    column
        Column name, or None when the problem is not about one column.
    value
        The offending value as text, or None.
    source
        File or object name the problem was found in.
    message_vi
        The same in Vietnamese, or None (then :meth:`text` gives the English one).
    """

    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    source: str | None = None
    message_vi: str | None = None

    def text(self, lang: str = "en") -> str:
        """Return the problem in one language (``"vi"`` or ``"en"``), with where it is."""
        vi = lang == "vi" and self.message_vi is not None
        words = ("dòng", "cột", "giá trị") if vi else ("row", "column", "value")
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"{words[0]} {self.row}")
        if self.column:
            where.append(f"{words[1]} '{self.column}'")
        if self.value is not None:
            where.append(f"{words[2]} {self.value!r}")
        prefix = ", ".join(where)
        message = self.message_vi if vi and self.message_vi else self.message
        return f"{prefix}: {message}" if prefix else message

    def __str__(self) -> str:
        text = self.text("en")
        if not self.message_vi:
            return text
        prefix = text[: len(text) - len(self.message)]
        return f"{prefix}{self.message_vi} / {self.message}"


class PostplanError(Exception):
    """Base class of every error this project raises on purpose."""


class InputError(PostplanError, ValueError):
    """An input (file, table, argument) is invalid; ``problems`` lists every problem found.

    Parameters
    ----------
    problems
        Every problem found, or a single message.
    summary
        One line saying what was being read, e.g. "offices.csv was rejected".
    """

    def __init__(self, problems: Iterable[Problem] | str, summary: str | None = None) -> None:
        if isinstance(problems, str):
            self.problems: tuple[Problem, ...] = (Problem(problems),)
        else:
            self.problems = tuple(problems)
        self.summary = summary
        lines = [summary] if summary else []
        lines += [f"- {p}" if summary else str(p) for p in self.problems]
        super().__init__("\n".join(lines))


class DataIntegrityError(PostplanError):
    """A bundled data file is missing, truncated or altered (its sha256 does not match)."""


class NetworkError(PostplanError):
    """The road network cannot be built, loaded or queried as asked."""


class StorageError(PostplanError):
    """Saved plans or scenarios cannot be read or written."""


class ConflictError(StorageError):
    """Someone else saved the same object since it was opened (optimistic concurrency)."""


class SolverError(PostplanError):
    """The route solver stopped (hard deadline or crash) before it found any plan.

    Parameters
    ----------
    message_vi, message_en
        What happened and what to do, in Vietnamese and in English.
    """

    def __init__(self, message_vi: str, message_en: str) -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(f"{message_vi} / {message_en}")


class CancelledError(PostplanError):
    """The user cancelled the work (e.g. the app's Cancel button); nothing was changed.

    Parameters
    ----------
    message_vi, message_en
        What was stopped and what was kept, in Vietnamese and in English.
    """

    def __init__(self, message_vi: str = "Đã huỷ; kế hoạch đang có được giữ nguyên.",
                 message_en: str = "Cancelled; the current plan is kept.") -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(f"{message_vi} / {message_en}")


class AccessDenied(PostplanError):  # noqa: N818 (the name the issue asks for)
    """The acting account's role (or offices) does not allow this; nothing was written.

    Parameters
    ----------
    message
        What was refused and which role (or office) it would need, Vietnamese / English.
    needed
        The roles that would be allowed.
    message_vi, message_en
        The same in one language each (default: ``message`` split at its ``". / "``), so a
        page shows the refusal in its own language.
    """

    def __init__(self, message: str, *, needed: tuple[str, ...] = (),
                 message_vi: str | None = None, message_en: str | None = None) -> None:
        super().__init__(message)
        self.needed = needed
        vi, sep, en = message.partition(". / ")
        self.message_vi = message_vi or (vi + "." if sep else message)
        self.message_en = message_en or (en if sep else message)


class LoginError(PostplanError):
    """A login or a session was refused (wrong password, locked, expired…).

    Parameters
    ----------
    message
        What happened and what to do, Vietnamese / English.
    reason
        ``"wrong"``, ``"throttled"``, ``"locked"``, ``"disabled"``, ``"expired"``,
        ``"unknown_identity"`` or ``"setup"``.
    retry_after_s
        Seconds before the next attempt is accepted (throttled or locked), else 0.
    """

    def __init__(self, message: str, *, reason: str, retry_after_s: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after_s = retry_after_s
