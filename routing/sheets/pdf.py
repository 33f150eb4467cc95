"""The printable Vietnamese PDF route sheet (reportlab, DejaVu Sans).

One section per courier, each starting on a new A4 page: a header (date, courier, vehicle,
office, start and end, km, hours, number of stops), a small route map drawn with reportlab
graphics in the VN-2000 / TM-3 107-30 projected frame (no tiles, works offline), then one
row per stop with sequence, type, name and address, commune (new and old name), time
window, arrival, dossier code, number of documents, fee to collect, seal and signature
boxes, a navigation link and its QR code. Every page's footer names the plan's
provenance and, when the network is the proxy or the jobs are simulated, says so in red.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from data.errors import PostplanError
from routing.sheets.model import CourierSheet, RouteSheets, SheetRow
from routing.sheets.pdf_map import route_map
from routing.sheets.text import format_clock, format_duration, format_vnd, nfc

#: Where the DejaVu fonts are looked for, in order (``POSTPLAN_FONT_DIR`` first).
FONT_SEARCH_PATH: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

_RED = "#B00020"
_GREY = "#F1F1F1"


def _font_dirs() -> list[Path]:
    dirs = []
    env = os.environ.get("POSTPLAN_FONT_DIR")
    if env:
        dirs.append(Path(env))
    dirs += [Path(p) for p in FONT_SEARCH_PATH]
    try:  # matplotlib ships DejaVu Sans with every wheel
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:  # pragma: no cover - matplotlib is optional
        pass
    return dirs


def find_fonts() -> tuple[Path, Path]:
    """Locate ``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf``.

    Returns
    -------
    tuple of Path
        Regular and bold font files.

    Raises
    ------
    PostplanError
        When neither file is found; the message lists every folder searched and the fix.
    """
    dirs = _font_dirs()
    for d in dirs:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise PostplanError(
        "The PDF route sheet needs the DejaVu Sans fonts (DejaVuSans.ttf and "
        "DejaVuSans-Bold.ttf) for Vietnamese letters, but they were not found in: "
        + ", ".join(str(d) for d in dirs)
        + ". Install the Debian package fonts-dejavu-core, or set POSTPLAN_FONT_DIR to a "
        "folder holding both files."
    )


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab once per process."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = find_fonts()
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)


def _esc(text: object) -> str:
    """NFC text escaped for reportlab's paragraph mini-markup."""
    return (
        nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def render_pdf(sheets: RouteSheets) -> bytes:
    """Render the route sheets as an A4 PDF and return its bytes.

    Parameters
    ----------
    sheets
        Built by :func:`routing.sheets.build_sheets`.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    register_fonts()
    st = _styles()
    buf = io.BytesIO()
    margin = 12 * mm
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=margin, rightMargin=margin,
        topMargin=margin, bottomMargin=16 * mm,
        title=nfc(f"Phiếu lộ trình bưu tá {sheets.day_text}"),
        author="postplan", subject=nfc(sheets.provenance_text),
        creator="postplan",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    state: dict[str, Any] = {"courier": ""}

    def footer(canvas: Any, _doc: Any) -> None:
        _draw_footer(canvas, _doc, sheets, state)

    doc.addPageTemplates([PageTemplate(id="sheet", frames=[frame], onPageEnd=footer)])

    story: list[Any] = []
    if not sheets.couriers:
        story.append(Paragraph(_esc("Không có tuyến nào / No routes in this plan."), st["h1"]))
        story += _provenance_banner(sheets, st)
    for i, courier in enumerate(sheets.couriers):
        if i:
            story.append(PageBreak())
        story.append(_courier_marker(courier.courier_name, state))
        story += _courier_section(sheets, courier, st, doc.width)
    if sheets.unassigned:
        story.append(PageBreak())
        story.append(_courier_marker("", state))
        story.append(Paragraph(_esc("Việc chưa phân công / Unassigned jobs"), st["h1"]))
        story.append(Spacer(1, 3 * mm))
        story.append(_unassigned_table(sheets, st, doc.width))
    doc.build(story)
    return buf.getvalue()


def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=8, leading=10)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=6.5, leading=8),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=5.5, leading=6.8,
                               textColor=HexColor("#333333")),
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=14, leading=17),
        "warn": ParagraphStyle("warn", parent=base, fontName=FONT_BOLD, fontSize=9, leading=11,
                               textColor=HexColor(_RED)),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=7, leading=8.5),
        "seq": ParagraphStyle("seq", parent=base, fontName=FONT_BOLD, fontSize=12, leading=14,
                              alignment=1),
    }


def _make_marker_class() -> type:
    from reportlab.platypus import Flowable

    class CourierMarker(Flowable):
        """Zero-size flowable that tells the footer whose sheet the page belongs to."""

        def __init__(self, name: str, state: dict[str, Any]) -> None:
            super().__init__()
            self.name = name
            self.state = state
            self.width = self.height = 0

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            return 0, 0

        def draw(self) -> None:
            self.state["courier"] = self.name
            self.state["first_page"] = self.canv.getPageNumber()

    return CourierMarker


def _courier_marker(name: str, state: dict[str, Any]) -> Any:
    return _make_marker_class()(name, state)


def _provenance_banner(sheets: RouteSheets, st: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Paragraph

    out = []
    for label in sheets.provenance_labels:
        if label.startswith("ƯỚC TÍNH"):
            text = (f"⚠ {label}: thời gian và quãng đường là ước tính trên mạng đường gần đúng, "
                    "không phải bản đồ đường thực / times and distances are estimates.")
        else:
            text = (f"⚠ {label}: các việc là dữ liệu mô phỏng, không phải hồ sơ thật / "
                    "the jobs are simulated, not real dossiers.")
        out.append(Paragraph(_esc(text), st["warn"]))
    return out


def _courier_section(
    sheets: RouteSheets, courier: CourierSheet, st: dict[str, Any], width: float
) -> list[Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    story: list[Any] = [
        Paragraph(_esc("PHIẾU LỘ TRÌNH BƯU TÁ") + " <font size=9>/ COURIER ROUTE SHEET</font>",
                  st["h1"]),
        Spacer(1, 1.5 * mm),
    ]
    story += _provenance_banner(sheets, st)
    story.append(Spacer(1, 1.5 * mm))

    def cell(label: str, value: str) -> Any:
        return Paragraph(f"<font size=6.5 color='#555555'>{_esc(label)}</font><br/>"
                         f"<b>{_esc(value)}</b>", st["base"])

    hours = courier.duration_s / 3600.0
    header = [
        [cell("Ngày / Date", sheets.day_text or "—"),
         cell("Bưu tá / Courier", courier.courier_name),
         cell("Phương tiện / Vehicle", courier.vehicle or "—"),
         cell("Bưu cục / Office", courier.office_name or "—")],
        [cell("Xuất phát – Về / Start – End",
              f"{format_clock(courier.start_s)} – {format_clock(courier.end_s)}"),
         cell("Quãng đường / Distance", f"{courier.distance_m / 1000.0:.1f} km"),
         cell("Thời gian / Duration", f"{format_duration(courier.duration_s)} ({hours:.1f} h)"),
         cell("Số điểm dừng / Stops", str(courier.n_stops))],
    ]
    col = width / 4.0
    t = Table(header, colWidths=[col] * 4)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, -1), HexColor("#FAFAF5")),
    ]))
    story += [t, Spacer(1, 2 * mm),
              route_map(courier, width, 72 * mm, font=FONT, font_bold=FONT_BOLD),
              Spacer(1, 2 * mm), _stops_table(courier, st, width)]
    return story


def qr_matrix(text: str) -> list[list[bool]]:
    """Return the QR code modules of ``text`` (True = dark), without the quiet zone.

    Parameters
    ----------
    text
        What the code encodes (a navigation URL).
    """
    import qrcode
    from qrcode.constants import ERROR_CORRECT_L

    # a fixed mask skips qrcode's 8-way mask search (~85% of its time); any mask decodes
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0, mask_pattern=2)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(v) for v in row] for row in code.get_matrix()]


def _qr(url: str, size: float) -> Any:
    """Return a vector QR code flowable (``qrcode`` modules drawn as one PDF path).

    reportlab's own QR widget draws one rectangle object per module and is ~10x slower on a
    200-stop plan; here each horizontal run of dark modules is one rectangle in one path.
    """
    from reportlab.platypus import Flowable

    matrix = qr_matrix(url)

    class QrFlowable(Flowable):
        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            return size, size

        def draw(self) -> None:
            n = len(matrix)
            cell = size / n
            path = self.canv.beginPath()
            for i, row in enumerate(matrix):
                y = size - (i + 1) * cell
                j = 0
                while j < n:
                    if row[j]:
                        k = j
                        while k < n and row[k]:
                            k += 1
                        path.rect(j * cell, y, (k - j) * cell, cell)
                        j = k
                    else:
                        j += 1
            self.canv.setFillColorRGB(0, 0, 0)
            self.canv.drawPath(path, fill=1, stroke=0)

    return QrFlowable()


def _stops_table(courier: CourierSheet, st: dict[str, Any], width: float) -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph, Table, TableStyle

    widths_mm = [8, 26, 53, 37, 38, 24]
    total = sum(widths_mm)
    col_w = [w / total * width for w in widths_mm]
    head = [Paragraph(_esc(t), st["head"]) for t in (
        "STT", "Loại · giờ / Type · time", "Tên, địa chỉ, xã / Name, address, commune",
        "Hồ sơ / Dossier", "Niêm phong · ký / Seal · sign", "Chỉ đường / Navigate")]
    data: list[list[Any]] = [head]
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, HexColor("#888888")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor("#FFE8A8")),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for r in courier.rows:
        i = len(data)
        if r.is_visit:
            data.append(_visit_cells(r, st, col_w))
            style.append(("VALIGN", (0, i), (0, i), "MIDDLE"))
        else:
            data.append(_office_cells(r, st))
            style += [("BACKGROUND", (0, i), (-1, i), HexColor(_GREY)),
                      ("SPAN", (2, i), (-1, i))]
    t = Table(data, colWidths=col_w, repeatRows=1)
    t.setStyle(TableStyle(style))
    return t


def _office_cells(r: SheetRow, st: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Paragraph

    when = format_clock(r.departure_s if r.kind == "start" else r.arrival_s)
    verb = "Rời" if r.kind == "start" else "Đến"
    return [
        Paragraph(str(r.sequence), st["seq"]),
        Paragraph(f"<b>{_esc(r.kind_vi)}</b><br/>{verb}: <b>{when}</b>", st["small"]),
        Paragraph(f"<b>{_esc(r.name)}</b>" + (f" · {_esc(r.address)}" if r.address else "")
                  + (f" · {_esc(r.commune_text)}" if r.commune_text else ""), st["small"]),
        "", "", "",
    ]


def _visit_cells(r: SheetRow, st: dict[str, Any], col_w: Sequence[float]) -> list[Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    kind_colour = "#B26A00" if r.role == "pickup" else "#1E6B2A"
    when = (
        f"<font color='{kind_colour}'><b>{_esc(r.kind_vi)}</b></font><br/>"
        f"<font size=5.5>{_esc(r.kind_en)}</font><br/>"
        f"Khung / Window:<br/><b>{_esc(r.window_text or '—')}</b><br/>"
        f"Đến / Arrive: <b>{format_clock(r.arrival_s)}</b>"
    )
    if r.waiting_s >= 60:
        when += f"<br/><font size=5.5>chờ / wait {round(r.waiting_s / 60)} ph</font>"
    where = f"<b>{_esc(r.name)}</b><br/>{_esc(r.address)}"
    if r.commune_new or r.commune_old:
        where += (f"<br/><font color='#555555'>Xã mới / New:</font> {_esc(r.commune_new or '—')}"
                  f"<br/><font color='#555555'>Xã cũ / Old:</font> {_esc(r.commune_old or '—')}")
    where += f"<br/><font size=5.5>Mã việc / Job: {_esc(r.job_id)}"
    if r.source == "simulated":
        where += " · <font color='#B00020'>MÔ PHỎNG / SIMULATED</font>"
    where += "</font>"
    dossier = (
        f"Mã / Code:<br/><font size=6><b>{_esc(r.dossier_code or '—')}</b></font><br/>"
        f"Số giấy tờ / Docs: <b>{'—' if r.n_documents is None else r.n_documents}</b><br/>"
        f"Phí thu / Fee:<br/><b>{_esc(format_vnd(r.fee_vnd) or '—')}</b>"
    )
    box_h = 9 * mm
    boxes = Table(
        [[Paragraph(_esc("☐ Niêm phong / Sealed"), st["tiny"]),
          Paragraph(_esc("☐ Đã thu phí / Paid"), st["tiny"])],
         [Paragraph(_esc("Cán bộ ký / Officer" if r.at_office else "Người dân ký / Citizen"),
                    st["tiny"]),
          Paragraph(_esc("Bưu tá ký / Courier"), st["tiny"])],
         ["", ""],
         [Paragraph(_esc("Giờ thực tế / Actual: ____:____"), st["tiny"]), ""]],
        colWidths=[(col_w[4] - 5) / 2.0] * 2,
        rowHeights=[None, None, box_h, None],
    )
    boxes.setStyle(TableStyle([
        ("BOX", (0, 1), (0, 2), 0.5, HexColor("#555555")),
        ("BOX", (1, 1), (1, 2), 0.5, HexColor("#555555")),
        ("SPAN", (0, 3), (1, 3)),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    qr_size = min(col_w[5] - 6, 19 * mm)
    nav = Table(
        [[_qr(r.maps_url, qr_size)],
         [Paragraph(f"<a href='{_esc(r.maps_url)}' color='#1F5FBF'><u>Google Maps</u></a>"
                    f"<br/><a href='{_esc(r.geo_uri)}' color='#1F5FBF'>geo: {r.lat:.5f}, "
                    f"{r.lon:.5f}</a>",
                    st["tiny"])]],
        colWidths=[col_w[5] - 5],
    )
    nav.setStyle(TableStyle([
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
    ]))
    return [
        Paragraph(str(r.sequence), st["seq"]),
        Paragraph(when, st["small"]),
        Paragraph(where, st["small"]),
        Paragraph(dossier, st["small"]),
        boxes,
        nav,
    ]


def _unassigned_table(sheets: RouteSheets, st: dict[str, Any], width: float) -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [[Paragraph(_esc(t), st["head"]) for t in
             ("Mã việc / Job", "Loại / Kind", "Tên / Name", "Lý do / Reason")]]
    data += [[Paragraph(_esc(u.job_id), st["small"]), Paragraph(_esc(u.kind_text), st["small"]),
              Paragraph(_esc(u.name), st["small"]), Paragraph(_esc(u.reason), st["small"])]
             for u in sheets.unassigned]
    t = Table(data, colWidths=[width * f for f in (0.12, 0.2, 0.18, 0.5)], repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor("#FFE8A8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return t


def _draw_footer(canvas: Any, doc: Any, sheets: RouteSheets, state: dict[str, Any]) -> None:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm

    canvas.saveState()
    left = doc.leftMargin
    right = doc.leftMargin + doc.width
    y = 10 * mm
    canvas.setStrokeColor(HexColor("#999999"))
    canvas.setLineWidth(0.4)
    canvas.line(left, y + 3.5 * mm, right, y + 3.5 * mm)
    labels = sheets.provenance_labels
    canvas.setFont(FONT_BOLD if labels else FONT, 7)
    canvas.setFillColor(HexColor(_RED) if labels else HexColor("#333333"))
    text = " · ".join(labels) if labels else nfc(sheets.provenance_text)
    canvas.drawString(left, y, nfc(text))
    canvas.setFont(FONT, 6.5)
    canvas.setFillColor(HexColor("#333333"))
    who = nfc(state.get("courier") or "")
    page = f"Trang / Page {canvas.getPageNumber()}"
    canvas.drawRightString(right, y, nfc(f"{who} · {sheets.day_text} · {page}".strip(" ·")))
    if who and canvas.getPageNumber() != state.get("first_page"):
        top = doc.pagesize[1] - 8 * mm
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawString(left, top, nfc(f"Bưu tá / Courier: {who} · {sheets.day_text}"
                                         " (tiếp / continued)"))
    canvas.setFont(FONT, 5.5)
    canvas.drawString(left, y - 3 * mm, nfc(
        f"{sheets.provenance_text} · Kế hoạch / Plan {sheets.plan_id}"
        " · postplan — QĐ 45/2016/QĐ-TTg"))
    canvas.restoreState()


def to_pdf(sheets: RouteSheets) -> bytes:
    """Render the printable Vietnamese PDF (the same as :func:`render_pdf`)."""
    return render_pdf(sheets)
