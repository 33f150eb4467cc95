"""Tests of the routing command line (postplan bench vrp, postplan plan)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main

VRP = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "vrp"


@pytest.mark.skipif(not VRP.exists(), reason="benchmark instances not present")
def test_bench_vrp_json(tmp_path, capsys):
    """bench vrp --json prints instance, cost, vehicles, routes, feasible and seconds."""
    lines = (VRP / "cordeau_mdvrp" / "p01").read_text().splitlines()
    head = lines[0].split()
    n_dep = int(head[3])
    small = [f"{head[0]} {head[1]} 8 {head[3]}", *lines[1:1 + n_dep],
             *lines[1 + n_dep:1 + n_dep + 8], *lines[1 + n_dep + 50:1 + n_dep + 50 + n_dep]]
    f = tmp_path / "p01_small"
    f.write_text("\n".join(small) + "\n")
    code = main(["bench", "vrp", str(f), "--seconds", "0.5", "--seed", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"instance", "cost", "vehicles", "routes", "feasible", "seconds"} <= set(out)
    assert out["instance"] == "p01_small" and out["feasible"] is True
    assert sorted(x for r in out["routes"] for x in r) == list(range(1, 9))
    assert out["vehicles"] == len(out["routes"])


def test_bench_vrp_missing_file_is_input_error(tmp_path, capsys):
    """A missing instance file gives exit code 2 and a JSON error."""
    code = main(["bench", "vrp", str(tmp_path / "nope.txt"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and out["error"] == "input_error"


def test_plan_simulated_day_end_to_end(tmp_path, monkeypatch, capsys):
    """plan --simulate writes a plan.json that reads back, and prints a JSON summary."""
    from routing.result import Plan

    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "plan.json"
    code = main(["plan", "--simulate", "15", "--couriers", "4", "--date", "2026-11-25",
                 "--seconds", "1", "--seed", "2", "--out", str(out), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["ok"] is True
    assert summary["jobs"] == 15 and summary["provenance"] == "simulated"
    assert summary["network_kind"] == "proxy"
    assert summary["assigned"] + len(summary["unassigned"]) == 15
    plan = Plan.from_json(out.read_text(encoding="utf-8"))
    assert plan.plan_date == "2026-11-25" and plan.seed == 2
    assert all(u["code"] and u["text_vi"] for u in summary["unassigned"])


def test_plan_from_jobs_file(tmp_path, monkeypatch, capsys):
    """plan --jobs reads a CSV; a bad date is an input error."""
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("job_id,kind,lat,lon,office_id\n"
                    "R1,result_delivery,14.3601,108.0012,oss-23281\n"
                    "V1,delivery,14.35,108.01,\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    code = main(["plan", "--jobs", str(jobs), "--couriers", "2", "--date", "2026-11-25",
                 "--seconds", "1", "--out", str(out), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["assigned"] == 2 and summary["provenance"] == "user"
    code = main(["plan", "--jobs", str(jobs), "--date", "25/11/2026", "--out", str(out),
                 "--json"])
    assert code == 2 and "YYYY-MM-DD" in json.loads(capsys.readouterr().out)["message"]
