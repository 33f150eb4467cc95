"""Route sheets as an XLSX workbook: a summary sheet, then one sheet per courier."""

from __future__ import annotations

import io

from data.tables import defuse_formulas
from routing.sheets.model import COLUMNS, CourierSheet, RouteSheets, column_headers, row_record
from routing.sheets.text import format_clock, nfc


def to_xlsx(sheets: RouteSheets) -> bytes:
    """Render a workbook: a summary sheet, then one sheet per courier (CSV columns).

    The summary sheet names the date, each courier's totals, the unassigned jobs and the
    provenance; each courier sheet ends with the provenance line too.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    bold = Font(bold=True)
    warn = Font(bold=True, color="B00020")
    head_fill = PatternFill("solid", fgColor="FFE8A8")
    ws.append(["Phiếu lộ trình bưu tá / Courier route sheets"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["Ngày / Date", sheets.day_text])
    ws.append(["Kế hoạch / Plan", sheets.plan_id])
    ws.append(["Nguồn dữ liệu / Provenance", sheets.provenance_text])
    ws["B4"].font = warn if sheets.provenance_labels else bold
    for label in sheets.provenance_labels:
        ws.append(["Cảnh báo / Warning", label])
        ws.cell(row=ws.max_row, column=2).font = warn
    ws.append([])
    summary_head = [
        "Bưu tá / Courier", "Phương tiện / Vehicle", "Bưu cục / Office",
        "Xuất phát / Start", "Về / End", "Km", "Giờ / Hours", "Số điểm / Stops",
    ]
    ws.append(summary_head)
    for cell in ws[ws.max_row]:
        cell.font = bold
        cell.fill = head_fill
    for c in sheets.couriers:
        ws.append([
            nfc(c.courier_name), nfc(c.vehicle), nfc(c.office_name),
            format_clock(c.start_s), format_clock(c.end_s),
            round(c.distance_m / 1000.0, 1), round(c.duration_s / 3600.0, 2), c.n_stops,
        ])
    if sheets.unassigned:
        ws.append([])
        ws.append(["Chưa phân công / Unassigned", "Loại / Kind", "Tên / Name",
                   "Lý do / Reason"])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for u in sheets.unassigned:
            ws.append([nfc(u.job_id), u.kind_text, nfc(u.name), nfc(u.reason)])
    for col, width in zip("ABCDEFGH", (28, 24, 30, 12, 12, 8, 10, 10), strict=True):
        ws.column_dimensions[col].width = width

    keys = [k for k, _, _ in COLUMNS]
    widths = {"name": 28, "address": 30, "commune_new": 20, "commune_old": 20,
              "maps_url": 40, "network": 26, "job_source": 20, "kind": 22}
    used: set[str] = {ws.title}
    for c in sheets.couriers:
        sheet = wb.create_sheet(_sheet_title(c, used))
        sheet.append(column_headers())
        for cell in sheet[1]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r in c.rows:
            rec = row_record(sheets, c, r)
            sheet.append([rec[k] for k in keys])
            link_cell = sheet.cell(row=sheet.max_row, column=keys.index("maps_url") + 1)
            link_cell.hyperlink = rec["maps_url"]
        sheet.freeze_panes = "A2"
        for i, key in enumerate(keys, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = widths.get(key, 12)
    # nothing here is a formula: text such as "=HYPERLINK(...)" from a jobs file stays text
    defuse_formulas(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(courier: CourierSheet, used: set[str]) -> str:
    r"""Return an Excel-safe, unique sheet title (≤ 31 characters, none of ``[]:*?/\\``)."""
    bad = set("[]:*?/\\")
    raw = nfc(courier.courier_name or courier.courier_id)
    base = "".join("_" if ch in bad else ch for ch in raw)
    base = base.strip() or "Courier"
    title = base[:31]
    n = 2
    while title in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


__all__ = ["to_xlsx"]
