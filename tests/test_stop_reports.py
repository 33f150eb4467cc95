"""Stop reports from the courier page and the observed positions they give the next plan."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from courier_fixtures import ADDRESS_J1, OFFICE, courier_plan
from store_utils import account

from data.access import Account
from data.errors import AccessDenied
from data.observations import address_key, load_observations
from data.outcomes import Outcome, new_outcome_id, record_outcome
from data.stop_reports import (
    COURIER_PAGE_BATCH,
    courier_page_reports,
    observed_positions,
    record_stop_report,
    stop_report_table,
)
from data.store import Store

DAY = dt.date(2026, 11, 25)
VN = dt.timezone(dt.timedelta(hours=7))
METRIC = "EPSG:9216"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'store.sqlite'}") as s:
        yield s


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    """The admin, courier BT01 and BT02, a dispatcher of the office, a planner, a viewer."""
    return {
        "admin": account(store, "root"),
        "bt01": account(store, "bt01", role="courier", courier_id="BT01"),
        "bt02": account(store, "bt02", role="courier", courier_id="BT02"),
        "disp": account(store, "disp", role="dispatcher", offices=[OFFICE]),
        "planner": account(store, "ha", role="planner"),
        "viewer": account(store, "xem", role="viewer"),
    }


@pytest.fixture
def plan_id(store: Store, people: dict[str, Account]) -> int:
    """BT01's plan of DAY, saved by the admin."""
    return store.save_plan(courier_plan(DAY.isoformat()), name="ngày 25", actor=people["admin"]).id


def _stop(job_id: str, role: str) -> dict[str, Any]:
    route = courier_plan(DAY.isoformat()).to_dict()["routes"][0]
    return next(s for s in route["stops"] if s["job_id"] == job_id and s["kind"] == role)


def _record(store: Store, actor: Account, plan_id: int, job_id: str, role: str, *,
            lat: float | None, lon: float | None, minute: int, accuracy_m: float = 10.0,
            status: str = "done") -> Outcome:
    outcome = Outcome(
        outcome_id=new_outcome_id(), plan_id=plan_id, plan_version=1, plan_date=DAY,
        courier_id="BT01", job_id=job_id, role=role, status=status,
        reason="not_home" if status == "failed" else None,
        at=dt.datetime(2026, 11, 25, 9, minute, tzinfo=VN), lat=lat, lon=lon,
        accuracy_m=accuracy_m if lat is not None else None)
    saved, _ = record_outcome(store, outcome, actor=actor)
    return saved


def test_a_report_is_kept_once_per_outcome_with_its_address_key(store, people, plan_id) -> None:  # type: ignore[no-untyped-def]
    """The position, time, address key and placement are kept; a resend adds nothing."""
    saved = _record(store, people["bt01"], plan_id, "J1", "delivery", lat=14.3811,
                    lon=108.0612, minute=5)
    assert record_stop_report(store, saved, _stop("J1", "delivery"), actor=people["bt01"])
    assert not record_stop_report(store, saved, _stop("J1", "delivery"), actor=people["bt01"])
    (row,) = courier_page_reports(store, actor=people["planner"]).to_dict("records")
    assert (row["courier_id"], row["job_id"], row["address_id"], row["placed_by"]) == (
        "BT01", "J1", ADDRESS_J1, "approximate")
    assert (row["lat"], row["lon"], row["accuracy_m"]) == (14.3811, 108.0612, 10.0)
    assert (row["planned_lat"], row["planned_lon"]) == (14.3802, 108.0601)
    assert row["time_s"] == dt.datetime(2026, 11, 25, 2, 5, tzinfo=dt.UTC).timestamp()
    assert (row["batch"], row["provenance"], row["outcome_id"]) == (
        COURIER_PAGE_BATCH, "observed", saved.outcome_id)


def test_an_outcome_without_a_position_is_no_report(store, people, plan_id) -> None:  # type: ignore[no-untyped-def]
    """Without the courier's consent (no position) nothing is kept."""
    saved = _record(store, people["bt01"], plan_id, "J3", "delivery", lat=None, lon=None,
                    minute=7)
    assert not record_stop_report(store, saved, _stop("J3", "delivery"), actor=people["bt01"])
    assert len(courier_page_reports(store, actor=people["admin"])) == 0


def test_reports_are_written_and_read_by_the_right_roles(store, people, plan_id) -> None:  # type: ignore[no-untyped-def]
    """Another courier may not write BT01's report; couriers and viewers may not read them."""
    saved = _record(store, people["bt01"], plan_id, "J1", "delivery", lat=14.38, lon=108.06,
                    minute=9)
    with pytest.raises(AccessDenied, match="own route"):
        record_stop_report(store, saved, _stop("J1", "delivery"), actor=people["bt02"])
    assert record_stop_report(store, saved, _stop("J1", "delivery"), actor=people["disp"])
    for who in ("bt01", "viewer"):
        with pytest.raises(AccessDenied, match="field observations"):
            courier_page_reports(store, actor=people[who])
    assert len(stop_report_table(store, actor=people["planner"])) == 1
    assert len(observed_positions(store, actor=people["viewer"], metric_crs=METRIC)) == 0


def test_load_observations_counts_the_courier_page_as_a_stop_report_batch(store, people,  # type: ignore[no-untyped-def]
                                                                          plan_id) -> None:
    """The field-observation tables include the courier page's reports (batch 0)."""
    saved = _record(store, people["bt01"], plan_id, "J2", "pickup", lat=14.356, lon=108.012,
                    minute=11)
    record_stop_report(store, saved, _stop("J2", "pickup"), actor=people["bt01"])
    obs = load_observations(store, actor=people["planner"])
    reports = obs.table("stop_reports")
    assert list(reports["batch"]) == [COURIER_PAGE_BATCH]
    assert list(obs.batches["source"]) == ["stop_report"]
    assert len(load_observations(store, actor=people["planner"], provenance="simulated")
               .table("stop_reports")) == 0


def test_observed_position_places_the_next_plan(store, people, plan_id, settings) -> None:  # type: ignore[no-untyped-def]
    """Three reports at an address placed at its commune point move that job next time.

    The fourth report's phone accuracy (500 m) is too poor: it is left out.
    """
    from app.dispatch_logic import build_day
    from app.dispatch_logic import observed_positions as dl_positions
    from data.offices import default_offices
    from routing.jobs_io import read_jobs

    text = ("job_id,kind,commune,office_id,label\n"
            "N1,result_delivery,Đắk Tô,oss-23401,\"Thôn 3, xã Đăk Rơ Wa\"\n"
            "N2,result_delivery,Đắk Tô,oss-23401,\n")
    offices = default_offices(settings)
    jobs = read_jobs(text.encode(), settings=settings,
                     office_ids=offices["office_id"].astype(str), filename="next.csv")
    key = address_key("Thôn 3, xã Đăk Rơ Wa", "23401")
    stop = {**_stop("J1", "delivery"), "address_id": key}  # the same citizen's earlier stop
    for minute, (lat, lon, acc) in enumerate([(14.6701, 107.8402, 8.0), (14.6703, 107.8400, 12.0),
                                              (14.6702, 107.8405, 20.0),
                                              (14.70, 107.90, 500.0)]):
        saved = _record(store, people["bt01"], plan_id, "J1", "delivery", lat=lat, lon=lon,
                        minute=20 + minute, accuracy_m=acc,
                        status="failed" if minute < 2 else "done")
        record_stop_report(store, saved, stop, actor=people["bt01"])
    positions = dl_positions(store, actor=people["disp"], settings=settings)
    (row,) = positions.to_dict("records")
    assert (row["address_id"], row["n"], row["placed_by"]) == (key, 3, "observed")
    assert (row["lat"], row["lon"]) == pytest.approx((14.6702, 107.8402), abs=2e-5)
    assert 0 < row["spread_m"] < 60
    day = build_day(offices, jobs, ["po-23401"], 1, day=dt.date(2026, 11, 26),
                    profile="motorbike", seconds=1, seed=0, provenance="user",
                    positions=positions)
    placed = {j.job_id: j.delivery for j in day.problem.jobs.values()}
    assert (placed["N1"].lat, placed["N1"].lon) == (row["lat"], row["lon"])
    assert placed["N1"].placement == "observed"
    assert placed["N2"].placement == "approximate"  # no address text: stays at the commune
    assert (placed["N2"].lon, placed["N2"].lat) == (jobs[1].delivery.lon, jobs[1].delivery.lat)


def test_cli_plan_observed_places_jobs_as_the_app_does(store, people, plan_id, settings,  # type: ignore[no-untyped-def]
                                                       tmp_path, monkeypatch, capsys) -> None:
    """postplan plan --observed --as a dispatcher moves the job to where phones found it;
    a viewer asking for it is refused, naming who may."""
    from cli import main
    from routing.result import Plan

    monkeypatch.setenv("POSTPLAN_DB_URL", store.url)
    key = address_key("Thôn 3, xã Đăk Rơ Wa", "23401")
    stop = {**_stop("J1", "delivery"), "address_id": key}
    for minute, (lat, lon) in enumerate([(14.6701, 107.8402), (14.6703, 107.8400),
                                         (14.6702, 107.8405)]):
        saved = _record(store, people["bt01"], plan_id, "J1", "delivery", lat=lat, lon=lon,
                        minute=20 + minute)
        record_stop_report(store, saved, stop, actor=people["bt01"])
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("job_id,kind,commune,office_id,label\n"
                    "N1,result_delivery,Đắk Tô,oss-23401,\"Thôn 3, xã Đăk Rơ Wa\"\n",
                    encoding="utf-8")
    out = tmp_path / "plan.json"
    args = ["plan", "--jobs", str(jobs), "--date", "2026-11-26", "--couriers", "1",
            "--seconds", "1", "--observed", "--out", str(out), "--json"]
    assert main([*args, "--as", "disp"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "1 job address(es) placed by observed positions" in summary["notes"]
    [visit] = [s for r in Plan.from_json(out.read_text(encoding="utf-8")).routes
               for s in r.stops if s.job_id == "N1" and s.kind == "delivery"]
    assert visit.placed_by == "observed"
    assert (visit.lat, visit.lon) == pytest.approx((14.6702, 107.8402), abs=2e-5)
    assert main([*args, "--as", "xem"]) != 0
    refused = capsys.readouterr()
    assert "admin" in refused.out + refused.err and "dispatcher" in refused.out + refused.err
