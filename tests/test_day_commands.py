"""``postplan day progress|close`` on a simulated day saved in a store, as named accounts."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from store_utils import account

from cli import main
from data.outcomes import VN_TZ, Outcome, record_outcome
from data.store import Store
from routing.result import Plan

DAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A simulated day of 8 jobs for 2 couriers, saved; every stop reported, one failed."""
    base = tmp_path_factory.mktemp("day")
    out = base / "plan.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POSTPLAN_CACHE_DIR", str(base / "cache"))
        assert main(["plan", "--simulate", "8", "--couriers", "2", "--date", DAY.isoformat(),
                     "--seconds", "2", "--iterations", "100", "--seed", "4", "--out",
                     str(out)]) == 0
    plan = Plan.from_json(out.read_text(encoding="utf-8"))
    url = f"sqlite:///{base / 'store.sqlite'}"
    offices = sorted({r.office_id for r in plan.routes})
    with Store(url) as store:
        root = account(store, "root")
        account(store, "lan", role="dispatcher", offices=offices)
        account(store, "other", role="dispatcher", offices=["po-nowhere"])
        saved = store.save_plan(plan, name="Thứ Tư", actor=root)
        failed_job = None
        for r in plan.routes:
            for s in r.job_stops:
                fail = failed_job is None
                failed_job = failed_job or s.job_id
                if s.job_id == failed_job and not fail:
                    continue
                record_outcome(store, Outcome(
                    outcome_id=str(uuid.uuid4()), plan_id=saved.id, plan_version=1,
                    plan_date=DAY, courier_id=r.courier_id, job_id=str(s.job_id),
                    role=s.kind, status="failed" if fail else "done",
                    reason="not_home" if fail else None,
                    at=datetime.combine(DAY, datetime.min.time(), VN_TZ)
                    + timedelta(seconds=s.departure_s)), actor=root)
    return {"url": url, "plan": plan, "failed": failed_job, "id": saved.id}


def _run(args: list[str], url: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv("POSTPLAN_DB_URL", url)
    code = main(args)
    return code, json.loads(capsys.readouterr().out)


def test_progress_lists_each_courier(day: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Every stop is reported but the failed job's second one: done, one failed, that left."""
    code, out = _run(["day", "progress", DAY.isoformat(), "--json", "--as", "lan"],
                     day["url"], monkeypatch, capsys)
    assert code == 0 and out["plan_id"] == day["id"]
    stops = [s.job_id for r in day["plan"].routes for s in r.job_stops]
    of_failed = stops.count(day["failed"])
    assert out["totals"] == {"done": len(stops) - of_failed, "failed": 1,
                             "left": of_failed - 1}


def test_close_carries_the_failed_job_to_the_next_working_day(
        day: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The failed job goes to Thursday with its reason; closing again changes nothing."""
    plan: Plan = day["plan"]
    code, out = _run(["day", "close", DAY.isoformat(), "--json", "--as", "lan"], day["url"],
                     monkeypatch, capsys)
    assert code == 0 and out["next_day"] == "2026-11-26"
    assert out["failed"] == 1 and out["left_jobs"][0]["job_id"] == day["failed"]
    assert out["left_jobs"][0]["reason"] == "not_home"
    assert out["done"] == len({j for r in plan.routes for j in r.job_ids}) - 1
    assert out["done"] + out["left"] == plan.jobs_total
    assert out["provenance"] == "simulated"
    again, out2 = _run(["day", "close", DAY.isoformat(), "--json", "--as", "lan"],
                       day["url"], monkeypatch, capsys)
    assert again == 0 and {k: out2[k] for k in ("done", "left", "next_day")} == {
        k: out[k] for k in ("done", "left", "next_day")}
    with Store(day["url"]) as store:
        from routing.dayloop import carried_for

        lan = account(store, "lan")
        carried = carried_for(store, actor=lan, day=date(2026, 11, 26),
                              offices=sorted({r.office_id for r in plan.routes}))
        assert [(p.job_id, [a.reason for a in p.attempts]) for p in carried
                if p.job_id == day["failed"]] == [(day["failed"], ["not_home"])]


def test_another_office_cannot_close_and_a_bad_date_is_named(
        day: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A dispatcher of another office sees no plan that day; a bad date says how to write it."""
    code, out = _run(["day", "close", DAY.isoformat(), "--json", "--as", "other"], day["url"],
                     monkeypatch, capsys)
    assert code == 2 and "has 0 saved plan(s)" in out["message"]
    code, out = _run(["day", "close", DAY.isoformat(), "--plan", str(day["id"]), "--json",
                      "--as", "other"], day["url"], monkeypatch, capsys)
    assert code == 1 and out["error"] == "AccessDenied"
    code, out = _run(["day", "close", "25/11/2026", "--json", "--as", "lan"], day["url"],
                     monkeypatch, capsys)
    assert code == 2 and "YYYY-MM-DD" in out["message"]
