"""Route sheets as CSV (UTF-8 with BOM, formula-safe cells)."""

from __future__ import annotations

import csv
import io

from data.tables import safe_csv_cell
from routing.sheets.model import COLUMNS, RouteSheets, column_headers, records


def to_csv(sheets: RouteSheets) -> bytes:
    """All couriers' rows as CSV, UTF-8 with BOM so Excel shows Vietnamese correctly.

    The provenance is in every row (``Nguồn việc`` and ``Mạng đường`` columns), so a CSV
    cut from a simulated plan still says so. Text cells that a spreadsheet would run as a
    formula (starting with ``= + - @``) get a leading ``'``.
    """
    buf = io.StringIO(newline="")
    keys = [k for k, _, _ in COLUMNS]
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(column_headers())
    for rec in records(sheets):
        writer.writerow([safe_csv_cell(rec[k]) for k in keys])
    return buf.getvalue().encode("utf-8-sig")


__all__ = ["to_csv"]
