"""Tables written for spreadsheets: CSV and XLSX that open cleanly and never run formulas.

Every CSV or XLSX the project writes goes through here, so a name such as
``=HYPERLINK("…")`` that came in with a user's file is shown as text in Excel and
LibreOffice, never evaluated (formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet treat a text cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    """Return True when ``value`` is text that a spreadsheet would run as a formula."""
    return isinstance(value, str) and value[:1] in FORMULA_PREFIXES and not _is_number(value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_csv_cell(value: Any) -> Any:
    """Return a CSV cell value: ``""`` for None, formula-like text prefixed with ``'``."""
    if value is None:
        return ""
    if looks_like_formula(value):
        return "'" + value
    return value


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(df).drop(columns="geometry", errors="ignore")


def csv_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a table as CSV in UTF-8 with a byte-order mark (Excel shows Vietnamese).

    The geometry column is dropped; formula-like text is defused with a leading ``'``.
    """
    plain = _plain(df)
    for col in plain.columns:
        if plain[col].dtype == object or pd.api.types.is_string_dtype(plain[col]):
            plain[col] = plain[col].map(safe_csv_cell)
    return plain.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(sheets: pd.DataFrame | Mapping[str, pd.DataFrame]) -> bytes:
    """Serialise one table (sheet "data") or several named tables as an XLSX workbook.

    Text cells are stored as text, never as formulas; geometry columns are dropped.
    """
    frames = {"data": sheets} if isinstance(sheets, pd.DataFrame) else dict(sheets)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in frames.items():
            _plain(frame).to_excel(writer, index=False, sheet_name=str(name)[:31])
        defuse_formulas(writer.book)
    return buf.getvalue()


def defuse_formulas(book: Any) -> None:
    """Store every formula-typed cell of an openpyxl workbook as plain text, in place."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
