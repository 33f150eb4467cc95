"""Shared strategies and checks for the importer robustness tests (tests/test_robustness_*.py).

Every importer must, for any input, either return a table or raise
:class:`data.errors.InputError` whose problems are complete sentences and, where a row is
named, name a row that exists in the file. Any other exception fails the test with the
input that caused it (hypothesis shrinks it to a minimal example).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

import openpyxl
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from data.errors import InputError, Problem

#: Moderate example counts keep the suite fast; no deadline (the machine is shared).
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

#: Cell texts that trip importers: formulas, numbers in odd formats, blanks, control chars,
#: Vietnamese with diacritics, very long text.
NASTY_CELLS = st.one_of(
    st.sampled_from([
        "", " ", "=1+1", '=HYPERLINK("http://example.invalid","x")', "+cmd|' /C calc'!A0",
        "-1", "1e400", "NaN", "inf", "14,35", "0x1F", "None", "null", "Đắk Tô", "Kon Plông",
        "Phường Quang Trung", "\t", "\x00", "\u200b", "ủy ban", "'=SUM(A1:A2)", "—", "07:30",
        "25:00", "7h30-11h30", "T2-T6 07:30-17:00", "x" * 5000,
    ]),
    st.text(max_size=30),
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> bytes:
    """Write rows as CSV text encoded with ``encoding`` (unencodable characters → '?')."""
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def cp1258_bytes(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed base letters plus combining tone marks."""
    import unicodedata

    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            marks = "".join(c for c in parts if c in tones)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += (base + marks).encode("cp1258")
    return out


def xlsx_bytes(rows: Sequence[Sequence[Any]], *, sheets: int = 1) -> bytes:
    """Write rows to the first sheet of an XLSX workbook (cells starting '=' are formulas)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append([_xlsx_safe(v) for v in row])
    for i in range(1, sheets):
        wb.create_sheet(f"Sheet{i + 1}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_safe(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters other than tab/newline in cells.
        return "".join(ch for ch in value if ch in "\t\n" or ord(ch) >= 32)
    return value


def check_problems(exc: InputError, *, max_row: int | None = None) -> None:
    """Assert each problem is a sentence and names, if any, a row inside the file."""
    assert exc.problems, "InputError without problems"
    for p in exc.problems:
        assert isinstance(p, Problem)
        assert p.message and p.message.strip(), f"empty message in {p!r}"
        assert str(p)
        if p.row is not None and max_row is not None:
            assert 1 <= p.row <= max_row, f"row {p.row} outside the file (1..{max_row}): {p}"


def outcome(call: Callable[[], Any], *, max_row: int | None = None) -> Any:
    """Run an importer: return its result, or the InputError it raised (checked)."""
    try:
        return call()
    except InputError as exc:
        check_problems(exc, max_row=max_row)
        return exc
