"""A report as an XLSX workbook or a printable PDF (Vietnamese or English labels).

Both carry the same labels (:data:`routing.reports.LABELS`), the period, the grouping and
the report's notes — *MÔ PHỎNG / SIMULATED* for simulated days, *ƯỚC TÍNH / ESTIMATED* for
km on the estimated network — and never any personal data.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from data.tables import xlsx_bytes
from routing.reports import FIGURES, GROUPING_LABELS, PERIOD_LABELS, Report, label
from routing.sheets.text import nfc

#: Sheet names of the workbook.
SHEETS = {"vi": ("Báo cáo", "Thông tin"), "en": ("Report", "About")}
#: Figures the PDF's main table shows (the failures by reason get their own table).
PDF_MAIN = ("dossiers_picked_up", "results_delivered", "other_done", "done", "on_time",
            "on_time_share", "failed_attempts", "unserved", "flagged", "km", "courier_hours",
            "km_per_dossier", "hours_per_dossier")
PDF_FAILED = tuple(f for f in FIGURES if f.startswith("failed_") and f != "failed_attempts")


def title(report: Report, lang: str = "vi") -> str:
    """Return the report's title line (period, grouping, period split)."""
    g = GROUPING_LABELS[report.by][0 if lang == "vi" else 1]
    p = PERIOD_LABELS[report.period][0 if lang == "vi" else 1]
    when = f"{report.date_from:%d/%m/%Y} – {report.date_to:%d/%m/%Y}"
    if lang == "vi":
        return f"Báo cáo bưu chính công ích {when} — {g} — {p}"
    return f"Public-service postal report {when} — {g} — {p}"


def about_rows(report: Report, lang: str = "vi") -> pd.DataFrame:
    """Return the workbook's second sheet: what the report is and what to know about it."""
    vi = lang == "vi"
    rows = [
        ("Báo cáo" if vi else "Report", title(report, lang)),
        ("Số ngày bưu cục đã chốt" if vi else "Office days closed", str(report.days)),
        ("Nguồn số liệu" if vi else "Provenance",
         ("mô phỏng" if vi else "simulated") if report.simulated
         else ("thực tế" if vi else "observed")),
        ("Mạng đường" if vi else "Road network",
         ("ước tính" if vi else "estimated") if report.estimated else "OpenStreetMap"),
        *(("Lưu ý" if vi else "Note", n) for n in report.notes(lang)),
    ]
    return pd.DataFrame(rows, columns=["Mục" if vi else "Item", "Nội dung" if vi else "Value"])


def report_xlsx(report: Report, *, lang: str = "vi") -> bytes:
    """Return the report as an XLSX workbook: the labelled table, then what it is."""
    main, about = SHEETS[lang]
    return xlsx_bytes({main: report.frame(lang=lang), about: about_rows(report, lang)})


def _esc(text: object) -> str:
    """NFC text escaped for reportlab's paragraph mini-markup."""
    return nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fmt(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if column == "on_time_share":
        return f"{100 * float(value):.1f} %"
    if isinstance(value, float):
        return f"{value:,.1f}" if column in ("km", "courier_hours") else f"{value:,.2f}"
    return str(value)


def report_pdf(report: Report, *, lang: str = "vi") -> bytes:
    """Return the report as a landscape A4 PDF (DejaVu Sans, Vietnamese letters)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from routing.sheets.pdf import FONT, FONT_BOLD, register_fonts

    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=7, leading=8.5)
    head = ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=6, leading=7,
                          splitLongWords=0)
    h1 = ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16)
    warn = ParagraphStyle("warn", parent=base, fontName=FONT_BOLD, fontSize=9, leading=11,
                          textColor=colors.HexColor("#b00020"))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=10 * mm,
                            rightMargin=10 * mm, topMargin=10 * mm, bottomMargin=10 * mm,
                            title=title(report, lang), author="postplan", creator="postplan")
    frame = report.frame()
    shown = report.frame(lang=lang)  # periods and names in words, same order
    frame["period"], frame["name"] = shown.iloc[:, 0].values, shown.iloc[:, 2].values
    story: list[Any] = [Paragraph(_esc(title(report, lang)), h1), Spacer(1, 2 * mm)]
    for n in report.notes(lang):
        story.append(Paragraph(_esc(n), warn if n.startswith(("MÔ", "SIM", "ƯỚC", "EST"))
                               else base))
    story.append(Spacer(1, 3 * mm))

    def table(columns: tuple[str, ...]) -> Any:
        cols = ["period", "name", *columns] if report.period != "total" else ["name", *columns]
        data = [[Paragraph(_esc(label(c, lang)), head) for c in cols]]
        for rec in frame.to_dict("records"):
            data.append([Paragraph(_esc(_fmt(rec[c], c)), base) for c in cols])
        first = 28 * mm
        per = 14 * mm if report.period != "total" else 0
        rest = (doc.width - first - per) / len(columns)
        widths = ([per] if per else []) + [first] + [rest] * len(columns)
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f5f5dc")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return t

    story.append(table(PDF_MAIN))
    story.append(Spacer(1, 5 * mm))
    story.append(Paragraph(_esc(label("failed_attempts", lang)), h1))
    story.append(Spacer(1, 2 * mm))
    story.append(table(("failed_attempts", *PDF_FAILED)))
    doc.build(story)
    return buf.getvalue()


__all__ = ["PDF_FAILED", "PDF_MAIN", "SHEETS", "about_rows", "report_pdf", "report_xlsx",
           "title"]
