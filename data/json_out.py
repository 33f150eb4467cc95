"""JSON printed by the ``--json`` commands of the storage and account CLIs: one way to write it.

Dates and times become ISO 8601 text; dicts, lists and tuples are walked; every document
starts with ``"ok": true`` unless it says otherwise.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any


def jsonable(value: Any) -> Any:
    """Return ``value`` with dates/times as ISO text and paths as text, containers walked."""
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def print_json(doc: dict[str, Any]) -> None:
    """Print ``{"ok": true, **doc}`` (``doc`` may set ``ok`` itself) as indented UTF-8 JSON."""
    print(json.dumps(jsonable({"ok": True, **doc}), ensure_ascii=False, indent=2))


__all__ = ["jsonable", "print_json"]
