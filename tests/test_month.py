"""A simulated month: 20 working days through plan → reports → close → next day, checked
figure by figure against the simulation's own ground truth; no job lost or duplicated."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from store_utils import account

from data.db_models import Base
from data.store import Store
from routing.dayloop import summaries_between
from routing.reports import build_report
from routing.study.month import MonthRun, run_month

OFFICE = "po-23401"  # Bưu cục Đắk Tô
START = dt.date(2026, 11, 2)
FAIL_RATE = 0.25
DAY_OFF = dt.date(2026, 11, 13)


@pytest.fixture(scope="module")
def month(settings: Any, proxy_network: Any, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Store, MonthRun, str]]:
    """Run the month once into a fresh SQLite store (≈ 1–2 minutes)."""
    from data.commune_points import load_commune_points
    from data.layers import load_communes
    from data.offices import default_offices
    from data.roster import roster_from_frame
    from routing.study import FleetScenario, office_areas, simulate_demand, study_days

    registry = default_offices(settings)
    posts = registry[registry["kind"] == "post_office"]
    days = list(study_days(posts, START, 20))
    areas = office_areas(posts, load_communes(settings), load_commune_points(settings))
    demand = simulate_demand(settings, FleetScenario(start=START, days=20, levels=(2,),
                                                     jobs_per_day=110, seed=11),
                             offices=registry, days=days, areas=areas, office_ids=[OFFICE])
    roster = roster_from_frame(pd.DataFrame([
        {"courier_id": "C01", "name": "Nguyễn Văn An", "phone": "0905123456",
         "office_id": OFFICE, "days_off": ""},
        {"courier_id": "C02", "name": "Y Blưk", "phone": "0912345678", "office_id": OFFICE,
         "days_off": DAY_OFF.strftime("%d/%m/%Y")},
    ]), office_ids=registry["office_id"])
    url = f"sqlite:///{tmp_path_factory.mktemp('month') / 'store.sqlite'}"
    store = Store(url)
    account(store, "root")
    lan = account(store, "lan", role="dispatcher", offices=[OFFICE])
    couriers = {c: account(store, c.lower(), role="courier", courier_id=c)
                for c in ("C01", "C02")}
    run = run_month(store, demand, office_id=OFFICE, days=days, roster=roster,
                    registry=registry, G=proxy_network, dispatcher=lan, couriers=couriers,
                    fail_rate=FAIL_RATE, seed=11, seconds=30.0, iterations=150)
    yield store, run, url
    store.close()


def _truth(run: MonthRun, key: str) -> dict[str, dict[str, Any]]:
    """The ground truth's figures per group, computed from the ledger alone."""
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "dossiers_picked_up": 0, "results_delivered": 0, "other_done": 0,
        "done_with_due": 0, "on_time": 0, "unserved": 0, "flagged": 0,
        "failed": Counter()})
    for job in run.jobs.values():
        failures = 0
        for day, outcome, reason, courier in job.days:
            g = out[{"commune": job.commune_code, "courier": courier}[key]]
            if outcome == "done":
                g[{"dossier_pickup": "dossiers_picked_up",
                   "result_delivery": "results_delivered"}.get(job.kind, "other_done")] += 1
                if job.due is not None:
                    g["done_with_due"] += 1
                    g["on_time"] += day <= job.due
                continue
            if outcome == "failed":
                failures += 1
                g["failed"][reason] += 1
            else:
                g["unserved"] += 1
            g["flagged"] += failures >= 3
    return out


def _row_figures(row: Any) -> dict[str, Any]:
    return {"dossiers_picked_up": row.dossiers_picked_up,
            "results_delivered": row.results_delivered, "other_done": row.other_done,
            "done_with_due": row.done_with_due, "on_time": row.on_time,
            "unserved": row.unserved, "flagged": row.flagged,
            "failed": Counter(row.failed_by_reason)}


def test_twenty_working_days_ran_with_named_couriers(month: tuple[Store, MonthRun, str]
                                                     ) -> None:
    """20 working days (no weekend, no holiday), one courier off on his day off, reports
    never doubled."""
    store, run, _ = month
    assert len(run.days) == 20 and all(d.weekday() < 5 for d in run.days)
    assert run.absent[DAY_OFF] == [f"C02: off on {DAY_OFF:%d/%m/%Y}"]
    assert sum(bool(a) for a in run.absent.values()) == 1
    on_day_off = {r.courier_id for r in run.routes if r.day == DAY_OFF}
    assert on_day_off == {"C01"}
    with store.engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(
            Base.metadata.tables["outcomes"])).scalar_one()
    assert rows == run.reports_sent and run.reports_repeated >= 10


def test_no_job_lost_or_duplicated_across_days(month: tuple[Store, MonthRun, str]) -> None:
    """Each job is on each day's list once, done at most once and last; the rest is carried."""
    _, run, _ = month
    done = [j for j in run.jobs.values() if j.done_on is not None]
    for job in run.jobs.values():
        days = [d for d, *_ in job.days]
        assert days == sorted(set(days)) and days[0] == job.received
        outcomes = [o for _, o, *_ in job.days]
        assert outcomes.count("done") <= 1 and "done" not in outcomes[:-1]
        # carried from one working day to the next, never skipping one
        idx = [run.days.index(d) for d in days]
        assert idx == list(range(idx[0], idx[0] + len(idx)))
    assert sorted(run.left_at_end) == sorted(j.job_id for j in run.jobs.values()
                                             if j.done_on is None)
    assert len(done) + len(run.left_at_end) == len(run.jobs) > 150
    listed = sum(c.closed.close.done.__len__() + len(c.closed.close.left) for c in run.closes)
    assert listed == sum(len(j.days) for j in run.jobs.values())


def test_failures_follow_the_known_rate_and_carry_their_history(
        month: tuple[Store, MonthRun, str]) -> None:
    """About a quarter of visits fail; a job's carried attempts are its ledger's days."""
    _, run, _ = month
    visits = [o for j in run.jobs.values() for _, o, *_ in j.days if o != "unserved"]
    share = visits.count("failed") / len(visits)
    assert 0.15 < share < 0.35
    last = run.closes[-1].closed.close
    for p in last.left:
        truth = run.jobs[p.job_id]
        assert [(a.day, a.outcome) for a in p.attempts] == [
            (d, o) for d, o, *_ in truth.days]
        assert [a.reason for a in p.attempts if a.outcome == "failed"] == [
            r for _, o, r, _c in truth.days if o == "failed"]


def test_report_by_commune_equals_the_ground_truth(month: tuple[Store, MonthRun, str]
                                                  ) -> None:
    """Every figure of every commune (and the total) equals what the simulation did."""
    store, run, _ = month
    viewer = account(store, "xem", role="viewer")
    summaries = summaries_between(store, actor=viewer, date_from=run.days[0],
                                  date_to=run.days[-1])
    assert len(summaries) == 20
    report = build_report(summaries, date_from=run.days[0], date_to=run.days[-1],
                          by="commune")
    truth = _truth(run, "commune")
    assert {r.key for r in report.rows} == set(truth)
    for row in report.rows:
        assert _row_figures(row) == truth[row.key], row.key
    everything = Counter()
    for t in truth.values():
        everything.update({k: v for k, v in t.items() if k != "failed"})
    assert {k: getattr(report.total, k) for k in everything} == dict(everything)
    assert report.total.failed_attempts == sum(sum(t["failed"].values())
                                               for t in truth.values())
    assert report.total.km == pytest.approx(sum(r.length_m for r in run.routes) / 1000)
    assert report.simulated and report.estimated
    frame = report.frame(lang="vi")
    assert frame.iloc[-1]["Tên"] == "Tổng cộng"


def test_report_by_courier_has_exact_km_hours_and_figures(month: tuple[Store, MonthRun, str]
                                                          ) -> None:
    """Per courier: the ledger's figures, and every route's km and hours, to the metre."""
    store, run, _ = month
    report = build_report(summaries_between(store, actor=account(store, "root"),
                                            date_from=run.days[0], date_to=run.days[-1]),
                          date_from=run.days[0], date_to=run.days[-1], by="courier")
    truth = _truth(run, "courier")
    km: Counter[str] = Counter()
    hours: Counter[str] = Counter()
    for r in run.routes:
        km[r.courier_id] += r.length_m / 1000
        hours[r.courier_id] += r.duration_s / 3600
    for row in report.rows:
        assert _row_figures(row) == truth[row.key]
        assert row.km == pytest.approx(km.get(row.key, 0.0), abs=1e-6)
        assert row.courier_hours == pytest.approx(hours.get(row.key, 0.0), abs=1e-6)
        if row.key:
            assert row.km_per_dossier == pytest.approx(km[row.key] / row.done)


def test_weeks_and_month_add_up_to_the_total(month: tuple[Store, MonthRun, str]) -> None:
    """Five ISO weeks (24/11 is Vietnam Cultural Day, so the 20th working day is 30/11) and
    one month: their done jobs equal the ground truth's per period."""
    store, run, _ = month
    summaries = summaries_between(store, actor=account(store, "root"), date_from=run.days[0],
                                  date_to=run.days[-1])
    weekly = build_report(summaries, date_from=run.days[0], date_to=run.days[-1],
                          by="office", period="week")
    per_week: Counter[str] = Counter()
    for job in run.jobs.values():
        if job.done_on is not None:
            year, week, _ = job.done_on.isocalendar()
            per_week[f"{year}-W{week:02d}"] += 1
    got: Counter[str] = Counter()
    for row in weekly.rows:
        got[row.period] += row.done
    assert got == per_week and len(got) == 5
    assert dt.date(2026, 11, 24) not in run.days
    monthly = build_report(summaries, date_from=run.days[0], date_to=run.days[-1],
                           by="office", period="month")
    assert {r.period for r in monthly.rows} == {"2026-11"}
    assert sum(r.done for r in monthly.rows) == sum(per_week.values())


def test_postplan_report_cli_gives_the_same_figures(
        month: tuple[Store, MonthRun, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``postplan report --json`` on the month's store gives the report's figures and files."""
    from cli import main

    store, run, url = month
    account(store, "xem", role="viewer")
    monkeypatch.setenv("POSTPLAN_DB_URL", url)
    code = main(["report", "--from", run.days[0].isoformat(), "--to", run.days[-1].isoformat(),
                 "--by", "commune_new", "--json", "--as", "xem",
                 "--xlsx", str(tmp_path / "r.xlsx"), "--pdf", str(tmp_path / "r.pdf")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["days"] == 20 and out["provenance"] == "simulated"
    truth_done = sum(1 for j in run.jobs.values() if j.done_on is not None)
    assert out["total"]["done"] == truth_done
    assert sum(r["done"] for r in out["rows"]) == truth_done
    assert all(r["key"] == "" or len(r["key"]) == 5 for r in out["rows"])
    assert (tmp_path / "r.xlsx").stat().st_size > 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
