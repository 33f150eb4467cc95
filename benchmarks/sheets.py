"""Route-sheet rendering time per format, on plans solved for real (routing.solve).

Jobs sit near the bundled commune points of former Kon Tum city; the matrix is straight-line
(×1.3) at 30 km/h, labelled ``proxy`` so every sheet carries the ESTIMATED label. The PDF is
also rendered with reportlab's own QR widget (the peer) to show what the vector QR path buys.

    .venv/bin/python benchmarks/sheets.py            # table
    .venv/bin/python benchmarks/sheets.py --json     # one JSON document
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data.commune_points import load_commune_points
from data.layers import load_communes
from data.settings import Settings
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings
from routing.sheets import FORMATS, build_sheets, render
from routing.sheets import pdf as sheets_pdf
from routing.solve import solve_matrix


def make_plan(n_jobs: int, n_couriers: int, points: Any) -> Any:
    pts_src = points.head(22)
    p = PlanningProblem(PlanSettings(seconds=2.0, seed=1, plan_date="2026-11-25"),
                        provenance="simulated")
    p.add_office(Office("PO1", "Bưu điện Quang Trung", 107.996789, 14.359547))
    for k in range(n_couriers):
        p.add_courier(Courier(f"C{k}", "PO1", name=f"Bưu tá số {k + 1}", capacity=n_jobs))
    rng = np.random.default_rng(0)
    for j in range(n_jobs):
        r = pts_src.iloc[j % len(pts_src)]
        p.add_job(Job.plain_delivery(
            f"J{j}", float(r.point_lon + rng.normal(0, 0.01)),
            float(r.point_lat + rng.normal(0, 0.01)), label=f"Nhà số {j}"))
    pts = [(q.lon, q.lat) for q in p.places()]
    length = np.array([[1.3 * 111_000.0 * math.dist(a, b) for b in pts] for a in pts])
    return solve_matrix(p, length / (30 / 3.6), length, network_kind="proxy")


def _widget_qr(url: str, size: float) -> Any:
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(url, barLevel="L")
    x0, y0, x1, y1 = widget.getBounds()
    d = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    d.add(widget)
    return d


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sizes", default="20,200", help="jobs per plan, comma-separated")
    args = ap.parse_args()
    communes = load_communes(Settings.from_env())
    points = load_commune_points(Settings.from_env())
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        plan = make_plan(n, max(1, n // 40), points)
        build_s, sheets = timed(lambda plan=plan: build_sheets(plan, communes=communes), 3)
        row: dict[str, Any] = {"jobs": n, "couriers": len(sheets.couriers),
                               "stops": sum(c.n_stops for c in sheets.couriers),
                               "build_s": round(build_s, 3)}
        for fmt in FORMATS:
            sec, blob = timed(lambda fmt=fmt, sheets=sheets: render(sheets, fmt),
                              1 if fmt == "pdf" else 3)
            row[f"{fmt}_s"] = round(sec, 3)
            row[f"{fmt}_kb"] = round(len(blob) / 1024)
        original = sheets_pdf._qr
        sheets_pdf._qr = _widget_qr  # type: ignore[assignment]
        try:
            sec, _ = timed(lambda sheets=sheets: render(sheets, "pdf"), 1)
        finally:
            sheets_pdf._qr = original  # type: ignore[assignment]
        row["pdf_reportlab_qr_widget_s"] = round(sec, 3)
        row["pdf_speedup"] = round(sec / row["pdf_s"], 1)
        results.append(row)
    if args.json:
        print(json.dumps({"benchmark": "sheets", "results": results}, ensure_ascii=False))
        return 0
    cols = ["jobs", "couriers", "stops", "build_s", *[f"{f}_s" for f in FORMATS],
            "pdf_kb", "pdf_reportlab_qr_widget_s", "pdf_speedup"]
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r[c]) for c in cols))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
