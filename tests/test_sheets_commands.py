"""``postplan sheets``: a saved plan in, route-sheet files out (tiny plan solved for real)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import gpxpy
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from cli import main
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings
from routing.sheets import ESTIMATED_LABEL, SIMULATED_LABEL
from routing.solve import solve_matrix

# Bundled commune points (lon, lat): Phường Quang Trung, Xã Ngọk Bay, Xã Đoàn Kết.
OFFICE = (107.996789, 14.359547)
NGOK_BAY = (107.923556, 14.383961)
DOAN_KET = (107.947258, 14.337342)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One courier, two simulated deliveries, solved on a straight-line proxy matrix."""
    p = PlanningProblem(PlanSettings(seconds=0.2, seed=3, plan_date="2026-11-26"),
                        provenance="simulated")
    p.add_office(Office("PO1", "Bưu điện Quang Trung", *OFFICE))
    p.add_courier(Courier("C7", "PO1"))
    p.add_job(Job.plain_delivery("D1", *NGOK_BAY, label="Thôn Kon Jơ Ri"))
    p.add_job(Job.plain_delivery("D2", *DOAN_KET, label="Làng Plei Đôn"))
    pts = [(pl.lon, pl.lat) for pl in p.places()]
    length = np.array([[111_000.0 * math.dist(a, b) for b in pts] for a in pts])
    plan = solve_matrix(p, length / 8.0, length, network_kind="proxy")
    path = tmp_path_factory.mktemp("cli") / "plan.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    return path


def test_all_formats_written_with_json_report(plan_file: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """--format all writes five files and --json reports them with counts and labels."""
    out = tmp_path / "sheets"
    code = main(["sheets", str(plan_file), "--format", "all", "--out", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    names = sorted(Path(f).name for f in report["files"])
    assert names == sorted(f"route_sheets_2026-11-26.{e}"
                           for e in ("pdf", "xlsx", "gpx", "geojson", "csv"))
    assert (report["couriers"], report["stops"], report["unassigned"]) == (1, 2, 0)
    assert report["provenance_labels"] == [f"{ESTIMATED_LABEL} network (proxy)",
                                           f"{SIMULATED_LABEL} jobs"]
    pdf = PdfReader(out / "route_sheets_2026-11-26.pdf")
    assert len(pdf.pages) >= 1
    text = pdf.pages[0].extract_text()
    assert "C7" in text and "Xã Ngọk Bay" in text and "Phường Quang Trung" in text
    gpx = gpxpy.parse((out / "route_sheets_2026-11-26.gpx").read_text(encoding="utf-8"))
    assert len(gpx.routes[0].points) == 4 and len(gpx.waypoints) == 2


def test_jobs_and_couriers_tables_fill_the_sheet(plan_file: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """--jobs adds dossier codes and fees, --couriers the display name, in every row."""
    jobs = tmp_path / "jobs.csv"
    pd.DataFrame({"job_id": ["D1", "D2"], "name": ["Bà Y Bla", "Ông A Thút"],
                  "dossier_code": ["H34-0001", "H34-0002"], "fee_vnd": ["30000", ""],
                  "n_documents": ["2", "1"]}).to_csv(jobs, index=False, encoding="utf-8-sig")
    couriers = tmp_path / "couriers.xlsx"
    pd.DataFrame({"courier_id": ["C7"], "name": ["Lê Thị Ngọc Ánh"]}).to_excel(couriers,
                                                                              index=False)
    code = main(["sheets", str(plan_file), "--format", "csv,xlsx", "--out", str(tmp_path),
                 "--jobs", str(jobs), "--couriers", str(couriers), "--no-communes"])
    assert code == 0
    assert "route_sheets_2026-11-26.csv" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "route_sheets_2026-11-26.csv", encoding="utf-8-sig",
                        dtype=str, keep_default_na=False)
    assert set(table["Bưu tá / Courier"]) == {"Lê Thị Ngọc Ánh"}
    visits = table[table["Mã việc / Job id"] != ""].set_index("Mã việc / Job id")
    assert visits.loc["D1", "Mã hồ sơ / Dossier code"] == "H34-0001"
    assert visits.loc["D1", "Phí thu (đồng) / Fee to collect (VND)"] == "30000"
    assert visits.loc["D2", "Phí thu (đồng) / Fee to collect (VND)"] == ""
    assert visits.loc["D2", "Tên / Name"] == "Ông A Thút"
    assert (table["Xã/phường mới / Commune (2025)"] == "").all()  # --no-communes


def test_unknown_format_exits_2_with_the_fix(plan_file: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A bad --format is an input error (exit 2) naming the value and the valid formats."""
    code = main(["sheets", str(plan_file), "--format", "pdf,docx", "--out", str(tmp_path),
                 "--json"])
    assert code == 2
    report = json.loads(capsys.readouterr().out)
    assert report["error"] == "input_error"
    assert report["problems"] == ["column '--format', value 'docx': unknown format; use one "
                                  "of pdf, xlsx, gpx, geojson, csv or 'all'."]
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_plan_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Missing files, non-JSON and JSON that is not a plan each give a clear input error."""
    cases = {
        "missing.json": None,
        "broken.json": "{not json",
        "other.json": json.dumps({"type": "FeatureCollection"}),
    }
    expected = {
        "missing.json": "plan file not found",
        "broken.json": "not JSON",
        "other.json": "not a saved plan",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        assert main(["sheets", str(path), "--out", str(tmp_path / "o"), "--json"]) == 2
        report = json.loads(capsys.readouterr().out)
        assert expected[name] in report["message"]


def test_bad_jobs_table_lists_every_problem(plan_file: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A jobs table with a non-numeric fee is rejected with its row and value."""
    jobs = tmp_path / "jobs.csv"
    jobs.write_bytes(io.BytesIO("job_id,fee_vnd\nD1,ba mươi\n".encode()).getvalue())
    code = main(["sheets", str(plan_file), "--jobs", str(jobs), "--out", str(tmp_path / "o"),
                 "--no-communes", "--json"])
    assert code == 2
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == ["row 2, column 'fee_vnd', value 'ba mươi': fee must be a "
                                  "number of đồng ≥ 0, e.g. 25000."]
