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


def test_plan_reports_on_time_risk(tmp_path, monkeypatch, capsys):
    """Jobs with received and appointment dates: the plan says how many due jobs it took."""
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("job_id,kind,lat,lon,office_id,due_date,received_date\n"
                    "R1,result_delivery,14.3601,108.0012,oss-23281,25/11/2026,20/11/2026\n"
                    "V1,delivery,14.35,108.01,,2026-11-28,2026-11-25\n"
                    "V2,delivery,14.36,108.02,,,\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    code = main(["plan", "--jobs", str(jobs), "--couriers", "2", "--date", "2026-11-25",
                 "--seconds", "1", "--out", str(out), "--json"])
    on_time = json.loads(capsys.readouterr().out)["on_time"]
    assert code == 0
    assert (on_time["must_take"], on_time["must_planned"], on_time["will_miss"]) == (1, 1, 0)
    assert on_time["counts"]["due_soon"] == {"jobs": 1, "planned": 1}
    assert on_time["at_risk"] == []
    code = main(["plan", "--jobs", str(jobs), "--couriers", "2", "--date", "2026-11-25",
                 "--seconds", "1", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "Việc đến hạn hoặc quá hạn: 1/1 được lập tuyến" in text
    assert "Jobs due today or overdue: 1/1 planned; 0 will miss their date" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("job_id,kind,lat,lon,due_date,received_date\n"
                   "V1,delivery,14.35,108.01,2026-11-24,2026-11-25\n", encoding="utf-8")
    code = main(["plan", "--jobs", str(bad), "--date", "2026-11-25", "--out", str(out),
                 "--json"])
    message = json.loads(capsys.readouterr().out)["message"]
    assert code == 2 and "received after its appointment date 2026-11-24" in message


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A simulated day of 15 jobs planned with an iteration budget, and its cache folder."""
    base = tmp_path_factory.mktemp("replan")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POSTPLAN_CACHE_DIR", str(base / "cache"))
        out = base / "plan.json"
        code = main(["plan", "--simulate", "15", "--couriers", "4", "--date", "2026-11-25",
                     "--seconds", "20", "--iterations", "60", "--seed", "3", "--out",
                     str(out), "--json"])
    assert code == 0
    return out, base / "cache"


def test_plan_records_iterations_and_seed(planned, capsys):
    """plan --iterations N stops after N iterations and the plan records N and the seed."""
    from routing.result import Plan

    plan = Plan.from_json(planned[0].read_text(encoding="utf-8"))
    assert (plan.iterations, plan.seed, plan.stopped_by) == (60, 3, "iterations")
    assert plan.iterations_done >= 60
    assert plan.problem is not None and len(plan.problem["jobs"]) == 15


def test_replan_from_ten_within_budget(planned, tmp_path, monkeypatch, capsys):
    """replan --at 10:00 keeps the stops done by then and returns within its budget."""
    from routing.result import Plan

    path, cache = planned
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(cache))
    capsys.readouterr()
    out = tmp_path / "new.json"
    code = main(["replan", str(path), "--at", "10:00", "--seconds", "2", "--out", str(out),
                 "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["ok"] is True and summary["at"] == "10:00"
    assert summary["solve_time_s"] < 2 + 2 + 1  # budget + the runner's grace
    assert {"solve", "reasons", "total"} <= set(summary["timings"])
    old = Plan.from_json(path.read_text(encoding="utf-8"))
    new = Plan.from_json(out.read_text(encoding="utf-8"))
    assert new.replanned_at_s == 36_000
    before = {(s.job_id, s.kind) for r in old.routes for s in r.job_stops
              if s.departure_s <= 36_000}
    done = {(s.job_id, s.kind) for r in new.routes for s in r.job_stops if s.status == "done"}
    assert done == before and summary["done_kept"] == len(before)
    assert all(s.start_s >= 36_000 for r in new.routes for s in r.job_stops
               if s.status != "done")
    assert new.jobs_total == 15


def test_replan_done_file_overrides_the_clock(planned, tmp_path, monkeypatch, capsys):
    """A stop before --at reported not done is planned again; one after it reported done is kept."""
    from routing.result import Plan

    path, cache = planned
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(cache))
    old = Plan.from_json(path.read_text(encoding="utf-8"))
    stops = sorted((s for r in old.routes for s in r.job_stops), key=lambda s: s.departure_s)
    early = next(s for s in stops if s.job_kind == "result_delivery" and s.kind == "pickup")
    at = early.departure_s + 60
    late = next(s for s in stops if s.departure_s > at and s.job_id != early.job_id
                and (s.kind == "pickup" or s.job_kind not in ("result_delivery",
                                                                "dossier_pickup",
                                                                "counter_transfer")))
    done_csv = tmp_path / "done.csv"
    done_csv.write_text(f"job_id,role,status\n{early.job_id},,not_done\n"
                        f"{late.job_id},{late.kind if late.kind != 'visit' else ''},done\n",
                        encoding="utf-8")
    out = tmp_path / "new.json"
    minute = at // 60 + 1
    clock = f"{minute // 60:02d}:{minute % 60:02d}"
    code = main(["replan", str(path), "--at", clock, "--done", str(done_csv), "--seconds",
                 "2", "--out", str(out), "--json"])
    assert code == 0, capsys.readouterr().out
    new = Plan.from_json(out.read_text(encoding="utf-8"))
    status = {(s.job_id, s.kind): s.status for r in new.routes for s in r.job_stops}
    assert status.get((early.job_id, early.kind)) != "done"
    assert status[(late.job_id, late.kind)] == "done"


def test_replan_bad_input_lists_every_problem(planned, tmp_path, capsys):
    """A bad time, budget and done file are all reported at once, with rows; exit code 2."""
    path, _ = planned
    done_csv = tmp_path / "done.csv"
    done_csv.write_text("job_id,status,role\nNOPE,done,\nS0001,maybe,\nS0002,done,middle\n",
                        encoding="utf-8")
    code = main(["replan", str(path), "--at", "25:99", "--seconds", "0", "--iterations", "0",
                 "--done", str(done_csv), "--out", str(tmp_path / "x.json"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and out["error"] == "input_error"
    text = "\n".join(out["problems"])
    assert "--at" in text and "'25:99'" in text
    assert "--seconds must be positive" in text and "--iterations must be at least 1" in text
    assert "row 2" in text and "'NOPE'" in text and "no such job" in text
    assert "row 3" in text and "'maybe'" in text
    assert "row 4" in text and "'middle'" in text
    assert not (tmp_path / "x.json").exists()


def test_replan_of_an_old_plan_names_the_fix(planned, tmp_path, capsys):
    """A plan saved before plans carried their problem is refused with what to do."""
    path, _ = planned
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("problem")
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    code = main(["replan", str(old), "--at", "10:00", "--out", str(tmp_path / "x.json"),
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert "saved before plans carried their planning problem" in out["message"]
    assert "postplan plan" in out["message"] and "lập tuyến lại" in out["message"]


def test_plan_time_limit_bounds_the_command_and_reports_timings(planned, tmp_path,
                                                                 monkeypatch, capsys):
    """--time-limit: the whole command fits it, and the JSON and the plan say where it went."""
    from routing.result import Plan

    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(planned[1]))  # the network is built
    capsys.readouterr()
    out = tmp_path / "plan.json"
    code = main(["plan", "--simulate", "30", "--couriers", "4", "--date", "2026-11-25",
                 "--seconds", "3", "--time-limit", "90", "--out", str(out), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["time_limit_s"] == 90.0
    timings = summary["timings"]
    assert {"jobs", "network", "matrix", "solve", "reasons", "write", "total"} <= set(timings)
    assert timings["total"] <= 90.0
    assert summary["seconds"] <= 3.0  # --seconds still caps the solver within the limit
    plan = Plan.from_json(out.read_text(encoding="utf-8"))
    recorded = dict(plan.timings)
    assert recorded["matrix"] == timings["matrix"] and "write" not in recorded


def test_plan_time_limit_too_short_names_the_smallest_that_would_do(tmp_path, monkeypatch,
                                                                    capsys):
    """A limit spent before the solver starts: exit 2, the figures, nothing written."""
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "plan.json"
    code = main(["plan", "--simulate", "30", "--couriers", "4", "--date", "2026-11-25",
                 "--time-limit", "0.2", "--out", str(out), "--json"])
    err = json.loads(capsys.readouterr().out)
    assert code == 2 and err["error"] == "input_error"
    assert "--time-limit 0.2 s leaves" in err["problems"][0]
    assert "give at least --time-limit" in err["problems"][0]
    assert not out.exists()


def test_plan_refuses_a_100000_row_jobs_file_quickly(tmp_path, monkeypatch, capsys):
    """A 100,000-row jobs file: exit 2 within seconds, naming the row limit and the fix."""
    import time

    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    big = tmp_path / "jobs.csv"
    rows = "".join(f"J{i},result_delivery,14.35,108.0,KT-PO-01\n" for i in range(100_000))
    big.write_text("job_id,kind,lat,lon,office_id\n" + rows, encoding="utf-8")
    t0 = time.perf_counter()
    code = main(["plan", "--jobs", str(big), "--date", "2026-11-25", "--out",
                 str(tmp_path / "p.json"), "--json"])
    seconds = time.perf_counter() - t0
    err = json.loads(capsys.readouterr().out)
    assert code == 2 and err["error"] == "input_error"
    assert "more than 20,000 rows" in err["problems"][0]
    assert "POSTPLAN_MAX_JOB_ROWS" in err["problems"][0]
    assert seconds < 15


def test_plan_refuses_a_day_beyond_the_memory_limit_with_the_figures(tmp_path, monkeypatch,
                                                                     capsys):
    """POSTPLAN_MAX_MEMORY_MB below the estimate: refused before any matrix, with GiB."""
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("POSTPLAN_MAX_MEMORY_MB", "100")
    code = main(["plan", "--simulate", "20", "--couriers", "3", "--date", "2026-11-25",
                 "--seconds", "1", "--out", str(tmp_path / "p.json"), "--json"])
    err = json.loads(capsys.readouterr().out)
    assert code == 2
    assert "more than the limit of 0.1 GiB" in err["problems"][0]
    assert not (tmp_path / "p.json").exists()
