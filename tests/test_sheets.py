"""Route sheets built from a real solved plan (routing.model + routing.solve on a tiny matrix).

Stops sit on the bundled, geocoded commune points of former Kon Tum city (from
``commune_points_legacy.csv``), so each stop's commune is known exactly.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import unicodedata
from pathlib import Path

import geopandas as gpd
import gpxpy
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from data.errors import InputError, PostplanError
from data.layers import load_communes
from data.settings import Settings
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings, hm
from routing.result import Plan
from routing.sheets import (
    COLUMNS,
    ESTIMATED_LABEL,
    SIMULATED_LABEL,
    JobDetails,
    build_sheets,
    column_headers,
    job_details,
    render,
    to_csv,
    to_geojson,
    to_gpx,
    to_pdf,
    to_xlsx,
    write_sheets,
)
from routing.sheets import pdf as sheets_pdf
from routing.solve import solve_matrix

# Commune points of the bundled layer (lon, lat) and their old / 2025 commune names.
QUANG_TRUNG = (107.996789, 14.359547)  # Phường Quang Trung → Phường Kon Tum
DUY_TAN = (108.002473, 14.368675)  # Phường Duy Tân → Phường Đăk Cấm
VINH_QUANG = (107.970961, 14.413852)  # Xã Vinh Quang → Xã Ngọk Bay
DAK_BLA = (108.047105, 14.371836)  # Xã Đăk Blà → Xã Đăk Rơ Wa
IA_CHIM = (107.927423, 14.312029)  # Xã Ia Chim → Xã Ia Chim
HOA_BINH = (107.988740, 14.272589)  # Xã Hòa Bình → Xã Đăk Rơ Wa

COURIER_NAMES = {"C1": "Phạm Đức Thắng", "C2": "Y Hằng Niê"}
DETAILS = {
    "J1": JobDetails(name="Nguyễn Thị Hằng", address="Thôn 2, xã Vinh Quang",
                     dossier_code="000.00.23.H34-261125-0001", n_documents=3, fee_vnd=50000),
    "J2": JobDetails(name="A Blưk", dossier_code="000.00.23.H34-261125-0002",
                     n_documents=2, fee_vnd=25000),
    "J3": JobDetails(name="Trần Văn Đức", dossier_code="000.00.23.H34-251125-0107",
                     n_documents=1),
}


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _solve(*, with_geometry: bool = False) -> Plan:
    """Solve a tiny day: 2 couriers, 4 jobs of three kinds, one job impossible in time."""
    p = PlanningProblem(PlanSettings(seconds=0.3, seed=1, plan_date="2026-11-25"),
                        provenance="simulated")
    p.add_office(Office("PO1", "Bưu điện Quang Trung", *QUANG_TRUNG))
    p.add_office(Office("OSS", "Trung tâm Phục vụ hành chính công", *DUY_TAN, "one_stop_shop"))
    p.add_courier(Courier("C1", "PO1", name=COURIER_NAMES["C1"], capacity=5))
    p.add_courier(Courier("C2", "PO1", name=COURIER_NAMES["C2"], capacity=5))
    p.add_job(Job.dossier_pickup("J1", *VINH_QUANG, "OSS", label="Thôn 2, Vinh Quang",
                                 windows=[(hm("07:30"), hm("11:00"))]))
    p.add_job(Job.dossier_pickup("J2", *DAK_BLA, "OSS", label="Làng Kon Klor, Đăk Blà"))
    p.add_job(Job.result_delivery("J3", "OSS", *IA_CHIM, label="Thôn Plei Sar, Ia Chim"))
    p.add_job(Job.plain_delivery("J4", *HOA_BINH, label="UBND xã Hòa Bình"))
    # window closes before anyone can get there: must be reported unassigned
    p.add_job(Job.plain_delivery("J5", *IA_CHIM, label="Trễ", windows=[(0, 60)]))
    places = p.places()
    n = len(places)
    length = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            length[i, j] = 1.3 * _haversine_m((places[i].lon, places[i].lat),
                                              (places[j].lon, places[j].lat))
    time_s = length / (30 / 3.6)

    def leg(i: int, j: int) -> list[tuple[float, float]]:
        a, b = places[i], places[j]
        mid = ((a.lon + b.lon) / 2, (a.lat + b.lat) / 2 + 0.002)
        return [(a.lon, a.lat), mid, (b.lon, b.lat)]

    return solve_matrix(p, time_s, length, network_kind="proxy",
                        leg_path=leg if with_geometry else None)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """The tiny plan, saved to JSON and read back as the CLI and the store do."""
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(_solve().to_json(), encoding="utf-8")
    return Plan.from_json(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    return load_communes(Settings())


@pytest.fixture(scope="module")
def sheets(plan: Plan, communes: gpd.GeoDataFrame):  # type: ignore[no-untyped-def]
    return build_sheets(plan, details=DETAILS, communes=communes, courier_names=COURIER_NAMES)


def _pdf_text(blob: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(blob)).pages]


# -- the row model ------------------------------------------------------------------------


def test_rows_mirror_the_plan_stops(plan: Plan, sheets) -> None:  # type: ignore[no-untyped-def]
    """Each courier sheet has the plan's stops in order, with its times, jobs and positions."""
    assert [c.courier_id for c in sheets.couriers] == [r.courier_id for r in plan.routes]
    assert len(plan.unassigned) >= 1
    for route, sheet in zip(plan.routes, sheets.couriers, strict=True):
        assert [r.sequence for r in sheet.rows] == [s.sequence for s in route.stops]
        assert [r.job_id or None for r in sheet.rows] == [s.job_id for s in route.stops]
        assert [(r.lon, r.lat) for r in sheet.rows] == [(s.lon, s.lat) for s in route.stops]
        assert [r.arrival_s for r in sheet.rows[1:]] == [s.arrival_s for s in route.stops[1:]]
        assert sheet.rows[0].departure_s == route.start_s
        assert sheet.n_stops == len(route.job_stops)
        assert sheet.distance_m == pytest.approx(route.length_m)
        assert sheet.courier_name == COURIER_NAMES[route.courier_id]
        assert sheet.vehicle == "Xe máy / Motorbike"
        assert sheet.office_name == "Bưu điện Quang Trung"


def test_job_details_and_fee_only_at_the_citizen(sheets) -> None:  # type: ignore[no-untyped-def]
    """Dossier code and documents print at both ends of a job; the fee only at the citizen."""
    rows = [r for c in sheets.couriers for r in c.rows if r.job_id == "J1"]
    assert [r.kind for r in rows] == ["pickup", "delivery"]
    citizen, shop = rows
    assert (citizen.name, citizen.address) == ("Nguyễn Thị Hằng", "Thôn 2, xã Vinh Quang")
    assert citizen.kind_vi == "Nhận hồ sơ" and citizen.fee_vnd == 50000
    assert shop.kind_vi == "Nộp hồ sơ (một cửa)" and shop.fee_vnd is None
    assert shop.name == "Trung tâm Phục vụ hành chính công" and shop.at_office
    assert citizen.dossier_code == shop.dossier_code == "000.00.23.H34-261125-0001"
    assert citizen.n_documents == shop.n_documents == 3
    j4 = next(r for c in sheets.couriers for r in c.rows if r.job_id == "J4")
    assert (j4.name, j4.dossier_code, j4.n_documents, j4.fee_vnd) == (
        "UBND xã Hòa Bình", "", None, None)  # unknown facts stay empty


def test_communes_new_and_old_by_polygon(sheets) -> None:  # type: ignore[no-untyped-def]
    """Each stop gets the 2025 commune and the pre-2025 commune it lies in."""
    by_job = {(r.job_id, r.kind): r for c in sheets.couriers for r in c.rows}
    assert (by_job["J1", "pickup"].commune_new, by_job["J1", "pickup"].commune_old) == (
        "Xã Ngọk Bay", "Xã Vinh Quang")
    assert (by_job["J2", "pickup"].commune_new, by_job["J2", "pickup"].commune_old) == (
        "Xã Đăk Rơ Wa", "Xã Đăk Blà")
    assert by_job["J3", "delivery"].commune_text == "Xã Ia Chim"
    start = sheets.couriers[0].rows[0]
    assert (start.commune_new, start.commune_old) == ("Phường Kon Tum", "Phường Quang Trung")


def test_unassigned_jobs_keep_their_reason(plan: Plan, sheets) -> None:  # type: ignore[no-untyped-def]
    """Jobs left out are listed with the solver's Vietnamese and English reason."""
    assert [u.job_id for u in sheets.unassigned] == [u.job_id for u in plan.unassigned]
    j5 = next(u for u in sheets.unassigned if u.job_id == "J5")
    u5 = next(u for u in plan.unassigned if u.job_id == "J5")
    assert j5.reason == f"{u5.text_vi} / {u5.text_en}"
    assert (j5.job_kind, j5.kind_text) == ("delivery", "Giao / Delivery")


def test_road_geometry_is_used_when_the_plan_has_it(communes) -> None:  # type: ignore[no-untyped-def]
    """With leg geometry the map path follows it; without, stops are joined straight."""
    with_geom = build_sheets(_solve(with_geometry=True))
    c = with_geom.couriers[0]
    assert not c.path_is_straight
    assert len(c.path_lonlat) == 3 * (len(c.rows) - 1)
    straight = build_sheets(_solve())
    s = straight.couriers[0]
    assert s.path_is_straight and s.path_lonlat == tuple((r.lon, r.lat) for r in s.rows)


def test_text_is_nfc_normalised(plan: Plan) -> None:
    """Decomposed (NFD) names from a file come out composed (NFC) in the rows."""
    nfd = unicodedata.normalize("NFD", "Phạm Đức Thắng")
    assert nfd != "Phạm Đức Thắng"
    s = build_sheets(plan, courier_names={"C1": nfd, "C2": nfd})
    assert s.couriers[0].courier_name == "Phạm Đức Thắng"


def test_plan_without_positions_is_refused(plan: Plan) -> None:
    """A benchmark-plane plan (no lon/lat) cannot be printed, and the error says why."""
    route = plan.routes[0]
    stops = tuple(dataclasses.replace(s, lon=None, lat=None) for s in route.stops)
    flat = dataclasses.replace(plan, routes=(dataclasses.replace(route, stops=stops),))
    with pytest.raises(InputError, match="no longitude/latitude") as info:
        build_sheets(flat)
    assert len(info.value.problems) == len(stops)


def test_job_details_table_reports_every_bad_cell() -> None:
    """A jobs table with bad numbers is rejected once, naming each row, column and value."""
    table = pd.DataFrame({"job_id": ["J1", "J2", "J3"], "fee_vnd": ["25000", "abc", "-5"],
                          "n_documents": ["2", "1.5", None]})
    with pytest.raises(InputError, match="row 3, column 'fee_vnd', value 'abc'") as info:
        job_details(table)
    assert {(p.row, p.column) for p in info.value.problems} == {
        (3, "fee_vnd"), (4, "fee_vnd"), (3, "n_documents")}
    ok = job_details(pd.DataFrame({"job_id": ["J1"], "fee_vnd": ["25000"],
                                   "dossier_code": ["X-1"]}))
    assert ok == {"J1": JobDetails(dossier_code="X-1", fee_vnd=25000.0)}
    with pytest.raises(InputError, match="no 'job_id' column"):
        job_details(pd.DataFrame({"id": ["J1"]}))


def test_provenance_labels_follow_the_plan(plan: Plan) -> None:
    """Proxy network and simulated jobs are labelled; an OSM plan of user jobs is not."""
    s = build_sheets(plan)
    assert s.provenance_labels == (f"{ESTIMATED_LABEL} network (proxy)",
                                   f"{SIMULATED_LABEL} jobs")
    real = build_sheets(dataclasses.replace(plan, network_kind="osm", provenance="user"))
    assert real.provenance_labels == ()
    assert ESTIMATED_LABEL not in to_csv(real).decode("utf-8-sig")
    assert SIMULATED_LABEL not in to_csv(real).decode("utf-8-sig")


# -- the formats ----------------------------------------------------------------------------


def test_pdf_has_a_page_per_courier_with_names_and_labels(sheets) -> None:  # type: ignore[no-untyped-def]
    """The PDF has pages, each courier's name (with diacritics) extracts, labels on every page."""
    blob = to_pdf(sheets)
    assert blob.startswith(b"%PDF")
    pages = _pdf_text(blob)
    assert len(pages) >= len(sheets.couriers)
    firsts = []
    for c in sheets.couriers:
        hits = [i for i, t in enumerate(pages) if c.courier_name in t]
        assert hits, f"{c.courier_name} not in the PDF text"
        firsts.append(hits[0])
    assert len(set(firsts)) == len(firsts)  # one section (page) per courier
    for text in pages:
        assert "ƯỚC TÍNH / ESTIMATED" in text and "MÔ PHỎNG / SIMULATED" in text
    first = pages[firsts[0]]
    assert "PHIẾU LỘ TRÌNH BƯU TÁ" in first and "25/11/2026" in first
    assert "Niêm phong" in first
    assert "Việc chưa phân công / Unassigned jobs" in pages[-1] and "J5" in pages[-1]
    assert "000.00.23.H34-261125-0001" in "".join("".join(pages).split())


def test_pdf_links_navigate_to_each_stop(sheets) -> None:  # type: ignore[no-untyped-def]
    """Every visit has a Google Maps directions link and a geo: link to its position."""
    reader = PdfReader(io.BytesIO(to_pdf(sheets)))
    uris = set()
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.add(str(action["/URI"]))
    for c in sheets.couriers:
        for r in c.visits:
            assert (f"https://www.google.com/maps/dir/?api=1&destination={r.lat:.6f},"
                    f"{r.lon:.6f}&travelmode=driving") in uris
            assert f"geo:{r.lat:.6f},{r.lon:.6f}" in uris


def test_missing_font_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    """Without DejaVu Sans the error lists the folders searched and the Debian package."""
    monkeypatch.setattr(sheets_pdf, "_font_dirs", lambda: [tmp_path])
    with pytest.raises(PostplanError, match="fonts-dejavu-core"):
        sheets_pdf.find_fonts()


def test_xlsx_has_a_sheet_per_courier_with_one_row_per_stop(sheets) -> None:  # type: ignore[no-untyped-def]
    """Summary sheet first, then per courier: header + one row per stop, same columns as CSV."""
    wb = load_workbook(io.BytesIO(to_xlsx(sheets)))
    assert wb.sheetnames == ["Tổng hợp", *[c.courier_name for c in sheets.couriers]]
    summary = [c for row in wb["Tổng hợp"].iter_rows(values_only=True) for c in row if c]
    assert any(str(v).startswith(f"{ESTIMATED_LABEL} network") for v in summary)
    assert f"{SIMULATED_LABEL} jobs" in summary
    assert "J5" in summary and "Giao / Delivery" in summary  # unassigned listed
    for c in sheets.couriers:
        rows = list(wb[c.courier_name].iter_rows(values_only=True))
        assert list(rows[0]) == column_headers()
        assert len(rows) - 1 == len(c.rows)
        keys = [k for k, _, _ in COLUMNS]
        assert [r[keys.index("sequence")] for r in rows[1:]] == [r.sequence for r in c.rows]
        assert all(r[keys.index("network")].startswith(ESTIMATED_LABEL) for r in rows[1:])


def test_gpx_has_a_route_per_courier_and_waypoints(sheets) -> None:  # type: ignore[no-untyped-def]
    """gpxpy reads one route per courier (every stop) and a waypoint per visit."""
    gpx = gpxpy.parse(to_gpx(sheets).decode("utf-8"))
    assert [r.name for r in gpx.routes] == [c.courier_name for c in sheets.couriers]
    for route, c in zip(gpx.routes, sheets.couriers, strict=True):
        assert len(route.points) == len(c.rows)
        assert [(p.latitude, p.longitude) for p in route.points] == [
            (r.lat, r.lon) for r in c.rows]
        assert SIMULATED_LABEL in route.description
    assert len(gpx.waypoints) == sum(c.n_stops for c in sheets.couriers)
    assert ESTIMATED_LABEL in gpx.description and SIMULATED_LABEL in gpx.description
    assert any("Nguyễn Thị Hằng" in (w.name or "") for w in gpx.waypoints)


def test_geojson_reads_in_geopandas_with_points_and_lines(sheets) -> None:  # type: ignore[no-untyped-def]
    """GeoJSON parses with geopandas: a line per courier, a point per stop, labelled."""
    blob = to_geojson(sheets)
    gdf = gpd.read_file(io.BytesIO(blob))
    assert gdf.crs.to_epsg() == 4326
    lines = gdf[gdf["feature"] == "route"]
    points = gdf[gdf["feature"] == "stop"]
    assert len(lines) == len(sheets.couriers)
    assert set(lines.geom_type) == {"LineString"}
    assert len(points) == sum(len(c.rows) for c in sheets.couriers)
    assert set(points.geom_type) == {"Point"}
    assert (gdf["network"] == f"{ESTIMATED_LABEL} (proxy)").all()
    assert json.loads(blob)["provenance"] == sheets.provenance_text
    j1 = points[(points["job_id"] == "J1") & (points["sequence"] > 0)].iloc[0]
    assert j1["dossier_code"] == "000.00.23.H34-261125-0001"


def test_csv_has_bom_and_round_trips(sheets) -> None:  # type: ignore[no-untyped-def]
    """CSV starts with a UTF-8 BOM, reads back with pandas to the same rows and labels."""
    blob = to_csv(sheets)
    assert blob.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(blob), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == column_headers()
    assert len(table) == sum(len(c.rows) for c in sheets.couriers)
    names = [c.courier_name for c in sheets.couriers for _ in c.rows]
    assert table["Bưu tá / Courier"].tolist() == names
    assert (table["Mạng đường / Road network"] == f"{ESTIMATED_LABEL} (proxy)").all()
    visits = table[table["Mã việc / Job id"] != ""]
    assert (visits["Nguồn việc / Job source"] == SIMULATED_LABEL).all()
    rows = list(csv.reader(io.StringIO(blob.decode("utf-8-sig"))))
    assert rows[0] == column_headers()


def test_write_sheets_writes_each_format_and_refuses_unknown(sheets, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """write_sheets saves one dated file per format; an unknown format writes nothing."""
    paths = write_sheets(sheets, tmp_path / "out", formats=["pdf", "csv", "gpx"])
    assert [p.name for p in paths] == [
        "route_sheets_2026-11-25.pdf", "route_sheets_2026-11-25.csv",
        "route_sheets_2026-11-25.gpx"]
    assert all(p.stat().st_size > 0 for p in paths)
    with pytest.raises(InputError, match="unknown route-sheet format"):
        write_sheets(sheets, tmp_path / "bad", formats=["csv", "docx"])
    assert not (tmp_path / "bad").exists()
    with pytest.raises(InputError, match="value 'kml'"):
        render(sheets, "kml")


def test_qr_matrix_is_a_well_formed_qr_code() -> None:
    """The QR modules have a valid QR size and the three 7×7 finder patterns."""
    url = "https://www.google.com/maps/dir/?api=1&destination=14.359547,107.996789&travelmode=driving"
    m = sheets_pdf.qr_matrix(url)
    n = len(m)
    assert n >= 21 and (n - 21) % 4 == 0 and all(len(row) == n for row in m)
    finder = [[i in (0, 6) or j in (0, 6) or (2 <= i <= 4 and 2 <= j <= 4) for j in range(7)]
              for i in range(7)]
    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
        assert [row[c0:c0 + 7] for row in m[r0:r0 + 7]] == finder


def test_spreadsheet_formulas_in_names_stay_text(plan: Plan) -> None:
    """A name like '=HYPERLINK(…)' is text in XLSX and defused with ' in CSV."""
    evil = '=HYPERLINK("http://x","y")'
    s = build_sheets(plan, courier_names={"C1": evil, "C2": evil})
    wb = load_workbook(io.BytesIO(to_xlsx(s)))
    cell = wb.worksheets[1]["A2"]
    assert (cell.value, cell.data_type) == (evil, "s")
    table = pd.read_csv(io.BytesIO(to_csv(s)), encoding="utf-8-sig", dtype=str)
    assert set(table["Bưu tá / Courier"]) == {"'" + evil}


def test_a_plan_without_routes_still_renders_every_format(plan: Plan) -> None:
    """With no route every format still renders, with the unassigned jobs and the labels."""
    empty = build_sheets(dataclasses.replace(plan, routes=()))
    assert empty.couriers == () and len(empty.unassigned) == len(plan.unassigned)
    pages = _pdf_text(to_pdf(empty))
    assert "Không có tuyến nào" in pages[0] and SIMULATED_LABEL in pages[0]
    assert to_csv(empty).decode("utf-8-sig").strip() == ",".join(column_headers())
    assert json.loads(to_geojson(empty))["features"] == []
    assert gpxpy.parse(to_gpx(empty).decode("utf-8")).routes == []
    assert load_workbook(io.BytesIO(to_xlsx(empty))).sheetnames == ["Tổng hợp"]


def test_courier_names_travel_with_the_plan(plan: Plan) -> None:
    """Without a names table the sheets print the names the plan was solved with."""
    assert {r.courier_id: r.courier_name for r in plan.routes} == {
        cid: COURIER_NAMES[cid] for cid in (r.courier_id for r in plan.routes)}
    sheets = build_sheets(plan)
    assert [c.courier_name for c in sheets.couriers] == [
        COURIER_NAMES[r.courier_id] for r in plan.routes]


def test_sheet_prints_the_commune_the_job_named(communes: gpd.GeoDataFrame) -> None:
    """A job imported as "Đắk Tô" prints Thị trấn Đăk Tô, even where its point is in Tân Cảnh."""
    from routing.jobs_io import jobs_to_table, read_jobs, read_jobs_table

    # D1 by name only (placed at the commune point); D2 at the published geocoded point of
    # Thị trấn Đăk Tô, which lies in Xã Tân Cảnh, with the address naming Đắk Tô
    text = ("job_id,kind,lat,lon,commune,office_id\n"
            "D1,result_delivery,,,Đắk Tô,OSS\n"
            "D2,result_delivery,14.661348,107.816923,Đắk Tô,OSS\n"
            "D3,result_delivery,14.661348,107.816923,,OSS\n").encode()
    jobs = read_jobs(text, settings=Settings(), office_ids=["OSS"], filename="jobs.csv")
    p = PlanningProblem(PlanSettings(seconds=0.3, seed=1, plan_date="2026-11-25"))
    p.add_office(Office("OSS", "Trung tâm Phục vụ hành chính công", *DUY_TAN, "one_stop_shop"))
    p.add_courier(Courier("C1", "OSS", capacity=5))
    p.add_jobs(jobs)
    places = p.places()
    length = np.array([[1.3 * _haversine_m((a.lon, a.lat), (b.lon, b.lat)) for b in places]
                       for a in places])
    plan = solve_matrix(p, length / (30 / 3.6), length, network_kind="proxy")
    assert not plan.unassigned

    def rows(details: pd.DataFrame | None) -> dict[tuple[str, str], tuple[str, str]]:
        sheets = build_sheets(plan, details=details, communes=communes)
        return {(r.job_id, r.kind): (r.commune_old, r.commune_new)
                for c in sheets.couriers for r in c.rows if r.job_id}

    named = ("Thị trấn Đăk Tô", "Xã Đăk Tô")
    by_code = rows(jobs_to_table(jobs))  # what the app passes
    assert by_code["D1", "delivery"] == by_code["D2", "delivery"] == named
    assert by_code["D3", "delivery"] == ("Xã Tân Cảnh", "Xã Đăk Tô")  # no name: by polygon
    assert by_code["D1", "pickup"] == ("Phường Duy Tân", "Phường Đăk Cấm")  # at the office
    by_name = rows(read_jobs_table(text, filename="jobs.csv").frame)  # `postplan sheets --jobs`
    assert by_name["D2", "delivery"] == named
    assert rows(None)["D2", "delivery"] == ("Xã Tân Cảnh", "Xã Đăk Tô")  # without the jobs
