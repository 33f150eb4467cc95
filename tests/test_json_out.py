"""The --json documents of the storage and account commands (data.json_out)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from data.json_out import jsonable, print_json


def test_dates_times_and_paths_become_text_inside_containers() -> None:
    """Nested dates, aware times and paths come out as ISO text and plain strings."""
    doc = {"at": datetime(2026, 11, 26, 9, 5, tzinfo=UTC),
           "days": (date(2026, 9, 2), [Path("/tmp/x.db")]), "n": 3}
    assert jsonable(doc) == {"at": "2026-11-26T09:05:00+00:00",
                             "days": ["2026-09-02", ["/tmp/x.db"]], "n": 3}


def test_ok_is_true_unless_the_document_says_otherwise(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """Every document starts with ok; a check that failed keeps its own ok = false."""
    print_json({"name": "Bưu cục Kon Tum"})
    print_json({"ok": False})
    first, second = capsys.readouterr().out.split("}\n{")
    assert json.loads(first + "}") == {"ok": True, "name": "Bưu cục Kon Tum"}
    assert "Bưu cục" in first  # UTF-8 text, not \\u escapes
    assert json.loads("{" + second) == {"ok": False}
