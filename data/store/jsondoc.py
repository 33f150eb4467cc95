"""JSON documents as the store keeps them: canonical text, content hash, checks, diff.

Pure functions (no database): what a caller hands to ``Store.save`` becomes JSON text
stored byte for byte plus a canonical sha256 (:func:`to_json_text`, :func:`content_hash`),
and two versions are compared path by path (:func:`json_diff`).
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from typing import Any

from data.errors import InputError, Problem
from data.store.results import Change


def canonical_json(value: Any) -> str:
    """Serialise ``value`` canonically (sorted keys, no spaces, UTF-8 kept).

    Parameters
    ----------
    value
        Anything ``json.dumps`` accepts.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """Canonical sha256 (hex) of a JSON value: equal documents hash equal.

    Parameters
    ----------
    value
        A parsed JSON value (dict, list, str, number, bool or None).
    """
    # surrogatepass: JSON text may escape unpaired surrogates ("\\ud800"); hash them too.
    return hashlib.sha256(canonical_json(value).encode("utf-8", "surrogatepass")).hexdigest()


def to_json_text(content: Any) -> tuple[str, Any]:
    """Turn what a caller wants to store into JSON text and its parsed value.

    Parameters
    ----------
    content
        An object with ``to_json()`` (e.g. a ``routing.result.Plan``), JSON text (str or
        UTF-8 bytes), or a JSON-serialisable value (dict, list…).

    Returns
    -------
    tuple
        ``(text, parsed)``: the text that will be stored byte for byte and its value.

    Raises
    ------
    InputError
        The content is not valid JSON or cannot be serialised.
    """
    to_json = getattr(content, "to_json", None)
    if callable(to_json) and not isinstance(content, (str, bytes, dict, list)):
        content = to_json()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"content is not UTF-8 (byte {exc.start}); save the document as UTF-8 JSON.",
                summary="Nothing was saved",
            ) from exc
    if isinstance(content, str):
        try:
            content.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                f"content has an unpaired surrogate character at position {exc.start}, which "
                f"no database can store as text; write it as a JSON escape or remove it.",
                summary="Nothing was saved",
            ) from exc
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError as exc:
            raise InputError(
                [Problem(f"content is not valid JSON: {exc.msg} (line {exc.lineno}, "
                         f"column {exc.colno}); fix the document and save again.",
                         row=exc.lineno)],
                summary="Nothing was saved",
            ) from exc
        return content, parsed
    try:
        text_ = json.dumps(content, ensure_ascii=False, allow_nan=False)
        try:
            text_.encode("utf-8")
        except UnicodeEncodeError:  # unpaired surrogates: keep them as JSON escapes
            text_ = json.dumps(content, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"content cannot be stored as JSON: {exc}; convert it to plain dicts, lists, "
            f"strings and finite numbers first.",
            summary="Nothing was saved",
        ) from exc
    return text_, json.loads(text_)


def check_label(what: str, value: object, limit: int) -> list[Problem]:
    """Problems with a short label (a name, an author): empty, too long, control characters.

    Parameters
    ----------
    what
        The field's name, used as the problem's column.
    value
        The value given.
    limit
        Longest accepted length in characters.
    """
    if not isinstance(value, str) or not value.strip():
        return [Problem(f"{what} must be a non-empty text.", column=what, value=repr(value))]
    problems = []
    if len(value) > limit:
        problems.append(Problem(f"{what} is {len(value)} characters long; shorten it to at "
                                f"most {limit}.", column=what, value=value[:40] + "…"))
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        problems.append(Problem(f"{what} contains control characters; remove them.",
                                column=what, value=value))
    return problems



def json_diff(a: Any, b: Any, *, limit: int = 200) -> tuple[list[Change], bool]:
    """List differences between two JSON values, depth first, in document order.

    Parameters
    ----------
    a, b
        Parsed JSON values.
    limit
        List at most this many differences.

    Returns
    -------
    tuple
        ``(changes, truncated)``; ``truncated`` is True when there were more.
    """
    changes: list[Change] = []

    def full() -> bool:
        return len(changes) > limit

    def walk(x: Any, y: Any, path: str) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            for key in [*x, *(k for k in y if k not in x)]:
                if full():
                    return
                sub = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
                if key not in y:
                    changes.append(Change(sub, "removed", old=x[key]))
                elif key not in x:
                    changes.append(Change(sub, "added", new=y[key]))
                else:
                    walk(x[key], y[key], sub)
        elif isinstance(x, list) and isinstance(y, list):
            for i in range(max(len(x), len(y))):
                if full():
                    return
                sub = f"{path}/{i}"
                if i >= len(y):
                    changes.append(Change(sub, "removed", old=x[i]))
                elif i >= len(x):
                    changes.append(Change(sub, "added", new=y[i]))
                else:
                    walk(x[i], y[i], sub)
        else:
            same = x == y and type(x) is type(y)
            if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
                same = True
            if not same:
                changes.append(Change(path or "/", "changed", old=x, new=y))

    walk(a, b, "")
    return changes[:limit], len(changes) > limit
