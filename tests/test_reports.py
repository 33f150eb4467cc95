"""Reports (routing.reports) on hand-made closed days, their XLSX and PDF, every label."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from data.errors import InputError
from data.outcomes import OUTCOME_REASONS
from routing.dayclose import DaySummary, JobFact, RouteFact
from routing.report_export import report_pdf, report_xlsx
from routing.reports import FIGURES, LABELS, build_report, label, period_of

MON, TUE, NEXT_MON = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 30)


def fact(day: dt.date, job_id: str, kind: str, status: str, *, commune: str = "23281",
         courier: str = "C1", due: str = "", on_time: bool | None = None, reason: str = "",
         needs_call: bool = False, provenance: str = "observed") -> JobFact:
    """One job-day."""
    return JobFact(day=day.isoformat(), job_id=job_id, kind=kind, office_id="PO",
                   courier_id=courier if status != "unserved" else "", commune_code=commune,
                   received=day.isoformat(), due=due, status=status, reason=reason,
                   on_time=on_time, attempts=0, needs_call=needs_call, provenance=provenance)


def summaries(provenance: str = "observed", network: str = "osm") -> list[DaySummary]:
    """Two days in two ISO weeks: two communes, two couriers, every outcome."""
    mon = DaySummary(MON.isoformat(), ("PO",), "user", network, (
        fact(MON, "A", "dossier_pickup", "done", due="2026-11-23", on_time=True),
        fact(MON, "B", "result_delivery", "done", due="2026-11-20", on_time=False),
        fact(MON, "C", "result_delivery", "failed", reason="not_home", courier="C2",
             commune="23284"),
        fact(MON, "D", "counter_transfer", "done", commune=""),
        fact(MON, "E", "result_delivery", "unserved", reason="no_room", commune="23284",
             provenance=provenance),
    ), (RouteFact(MON.isoformat(), "C1", "PO", 30_000.0, 3 * 3600, 3),
        RouteFact(MON.isoformat(), "C2", "PO", 12_000.0, 3600, 1)))
    nxt = DaySummary(NEXT_MON.isoformat(), ("PO",), "user", network, (
        fact(NEXT_MON, "C", "result_delivery", "failed", reason="refused", courier="C2",
             commune="23284", needs_call=True),
        fact(NEXT_MON, "E", "result_delivery", "done", commune="23284", courier="C2"),
    ), (RouteFact(NEXT_MON.isoformat(), "C2", "PO", 20_000.0, 2 * 3600, 2),))
    return [mon, nxt]


def test_by_commune_adds_up_every_figure() -> None:
    """Exact figures per commune, km and hours shared by a route's tried jobs, the total."""
    r = build_report(summaries(), date_from=MON, date_to=NEXT_MON, by="commune",
                     names={"23281": "Phường Quang Trung"})
    rows = {row.key: row for row in r.rows}
    a = rows["23281"]
    assert (a.name, a.dossiers_picked_up, a.results_delivered, a.done) == (
        "Phường Quang Trung", 1, 1, 2)
    assert (a.done_with_due, a.on_time, a.on_time_share) == (2, 1, 0.5)
    assert a.km == pytest.approx(20.0) and a.courier_hours == pytest.approx(2.0)
    b = rows["23284"]
    assert (b.results_delivered, b.failed_attempts, b.unserved, b.flagged) == (1, 2, 1, 1)
    assert b.failed_by_reason == {"not_home": 1, "refused": 1}
    assert b.km == pytest.approx(12.0 + 20.0) and b.km_per_dossier == pytest.approx(32.0)
    assert b.on_time_share is None  # nothing done with a date
    none = rows[""]
    assert (none.name, none.other_done, none.km) == ("(không xác định)", 1, pytest.approx(10.0))
    assert r.total.done == 4 and r.total.km == pytest.approx(62.0)
    assert r.total.courier_hours == pytest.approx(6.0)
    assert [row.key for row in r.rows] == ["23281", "23284", ""]
    assert r.days == 2 and not r.simulated and not r.estimated


def test_weeks_split_and_labels_of_periods() -> None:
    """Per ISO week: each week's done jobs; ids of periods."""
    r = build_report(summaries(), date_from=MON, date_to=NEXT_MON, by="courier",
                     period="week")
    assert {(row.period, row.key): row.done for row in r.rows} == {
        ("2026-W48", "C1"): 3, ("2026-W48", "C2"): 0, ("2026-W48", ""): 0,
        ("2026-W49", "C2"): 1}
    assert period_of(MON, "month") == "2026-11" and period_of(MON, "total") == ""


def test_a_day_outside_the_range_is_left_out() -> None:
    """Only days between --from and --to count."""
    r = build_report(summaries(), date_from=MON, date_to=TUE, by="office")
    assert r.days == 1 and r.total.done == 3


def test_simulated_and_estimated_are_said() -> None:
    """One simulated job or one estimated network day labels the whole report."""
    r = build_report(summaries("simulated", "proxy"), date_from=MON, date_to=NEXT_MON)
    assert r.simulated and r.estimated
    assert r.notes("vi")[:2] == ["MÔ PHỎNG — số liệu từ các ngày mô phỏng, không phải thực tế.",
                                 "ƯỚC TÍNH — km và giờ công theo mạng đường ước tính."]
    assert r.notes("en")[0].startswith("SIMULATED")


def test_bad_arguments_are_refused_at_once() -> None:
    """Unknown grouping and period and a reversed range: one error naming them all."""
    with pytest.raises(InputError, match=r"--by 'district'.*period 'day'.*before") as err:
        build_report([], date_from=NEXT_MON, date_to=MON, by="district", period="day")
    assert "commune_new" in str(err.value)
    with pytest.raises(InputError, match="old → new commune mapping"):
        build_report([], date_from=MON, date_to=MON, by="commune_new")


def test_every_figure_has_both_labels() -> None:
    """Each figure and each failure reason is labelled in Vietnamese and English."""
    assert set(FIGURES) | {"period", "key", "name"} == set(LABELS)
    assert label("failed_not_home", "vi") == "Không thành công: Không có người ở nhà"
    assert label("failed_road_closed", "en") == "Failed: Road closed"
    assert label("on_time_share", "vi") == "Tỷ lệ đúng hẹn"
    assert len([f for f in FIGURES if f.startswith("failed_")]) == len(OUTCOME_REASONS) + 1


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_xlsx_holds_every_label_and_the_notes(lang: str) -> None:
    """The workbook's header row is every label; the second sheet says simulated, estimated."""
    r = build_report(summaries("simulated", "proxy"), date_from=MON, date_to=NEXT_MON)
    book = load_workbook(io.BytesIO(report_xlsx(r, lang=lang)))
    main, about = book.worksheets
    header = [c.value for c in next(main.iter_rows(max_row=1))]
    index = 0 if lang == "vi" else 1
    assert header == [LABELS[c][index] for c in ("period", "key", "name", *FIGURES)]
    assert main.max_row == 1 + len(r.rows) + 1
    notes = [row[1].value for row in about.iter_rows(min_row=2)]
    assert any(str(n).startswith(("MÔ PHỎNG", "SIMULATED")) for n in notes)
    assert any(str(n).startswith(("ƯỚC TÍNH", "ESTIMATED")) for n in notes)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_shows_every_label_title_and_notes(lang: str) -> None:
    """Every figure's label, the title and the simulated/estimated notes are in the PDF."""
    r = build_report(summaries("simulated", "proxy"), date_from=MON, date_to=NEXT_MON,
                     by="commune", period="month")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(r, lang=lang)))
                   .pages)
    flat = " ".join(text.split()).replace("- ", "-")  # a cell may wrap after a hyphen
    index = 0 if lang == "vi" else 1
    for column in ("period", "name", *FIGURES):
        if column in ("done_with_due",):
            continue  # in the XLSX; the PDF shows on-time and the share
        words = " ".join(LABELS[column][index].split())
        assert words in flat, words
    assert ("Báo cáo bưu chính công ích 23/11/2026 – 30/11/2026" if lang == "vi"
            else "Public-service postal report 23/11/2026 – 30/11/2026") in flat
    assert ("MÔ PHỎNG" if lang == "vi" else "SIMULATED") in flat
