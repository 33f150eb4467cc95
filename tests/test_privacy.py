"""Citizens' personal data: retention purge keeps every figure; find, export, erase; audited."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from store_utils import account
from test_store import _postgres_url, make_plan

from cli import main
from data import privacy
from data.access import Account
from data.audit import list_audit
from data.errors import AccessDenied, InputError
from data.settings import Settings
from data.store import Store, table_from_stored
from routing.result import Plan

OLD_DAY, NEW_DAY, TODAY = "2026-01-05", "2026-04-20", date(2026, 5, 1)
PHONE = "0905 123 456"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store (SQLite file or a new PostgreSQL database)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}" if request.param == "sqlite" \
        else _postgres_url()
    with Store(url) as s:
        yield s


def _plan(day: str, *, who: str = "Nguyễn Văn An", phone: str = PHONE) -> dict[str, Any]:
    """A plan of ``day``: one citizen stop (address label) and the job's details beside it."""
    doc = json.loads(make_plan().to_json())
    doc["plan_date"] = day
    doc["details"] = [{"job_id": "J1", "name": who, "phone": phone,
                       "address": "12 Trần Hưng Đạo, Kon Tum", "dossier_code": "HS-0042",
                       "notes": f"gọi trước {phone}", "n_documents": 2}]
    return doc


def _jobs(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["job_id", "office_id", "name", "phone", "address",
                                       "service_min"])


@pytest.fixture
def filled(store: Store) -> dict[str, Any]:
    """An old plan (two versions), a recent plan and an old job list, saved by a dispatcher."""
    lan = account(store, "lan", role="dispatcher", offices=["BC-KONTUM"])
    old = store.save_plan(_plan(OLD_DAY), name="Cũ", actor=lan)
    store.save_plan({**_plan(OLD_DAY), "seed": 2}, name="Cũ", actor=lan, expected_version=1)
    new = store.save_plan(_plan(NEW_DAY, who="Lê Thị Bình", phone="0912000111"),
                          name="Mới", actor=lan)
    jobs = store.save_table("job_list", "Việc cũ", _jobs([
        {"job_id": "J1", "office_id": "BC-KONTUM", "name": "Nguyễn Văn An", "phone": PHONE,
         "address": "12 Trần Hưng Đạo", "service_min": 10},
        {"job_id": "J2", "office_id": "BC-KONTUM", "name": "Y Hiên", "phone": "0987654321",
         "address": "Làng Kon Klor", "service_min": 15}]),
        actor=lan, meta={"plan_date": OLD_DAY})
    return {"old": old, "new": new, "jobs": jobs, "admin": account(store), "lan": lan}


def _figures(plan: Plan) -> tuple[Any, ...]:
    return (plan.jobs_assigned, plan.total_length_m, plan.total_travel_time_s,
            plan.total_duration_s, plan.total_waiting_s, len(plan.unassigned),
            [(s.job_id, s.arrival_s, s.start_s, s.departure_s, s.window, s.load)
             for r in plan.routes for s in r.stops])


def test_purge_replaces_personal_fields_and_keeps_every_figure(
        store: Store, filled: dict[str, Any]) -> None:
    """Past retention every personal field becomes a pseudonym; counts, km, times, on-time stay."""
    admin: Account = filled["admin"]
    old_id = filled["old"].id
    before = [store.get(old_id, actor=admin, version=v).data() for v in (1, 2)]
    figures_before = store.plan_figures(actor=admin)
    jobs_before = table_from_stored(store.get(filled["jobs"].id, actor=admin))
    dry = privacy.purge(store, actor=admin, days=90, today=TODAY, dry_run=True)
    assert store.get(old_id, actor=admin).data() == before[1]  # a dry run writes nothing
    report = privacy.purge(store, actor=admin, days=90, today=TODAY)
    assert (report.versions, report.documents) == (3, 2) == (dry.versions, dry.documents)
    assert report.fields == dry.fields == 2 * 6 + 2 * 3
    assert report.cutoff == date(2026, 1, 31)
    for version, old_doc in zip((1, 2), before, strict=True):
        after = store.get(old_id, actor=admin, version=version)
        doc = after.data()
        assert _figures(Plan.from_dict(doc)) == _figures(Plan.from_dict(old_doc))
        assert after.meta[privacy.PURGED_META_KEY]
        citizen = doc["routes"][0]["stops"][1]
        assert citizen["label"].startswith("ẩn danh address ")
        assert doc["routes"][0]["stops"][0]["label"] == "Bưu điện tỉnh Kon Tum"  # an office
        details = doc["details"][0]
        assert details["n_documents"] == 2 and details["job_id"] == "J1"
        assert all(str(details[k]).startswith("ẩn danh ") for k in
                   ("name", "phone", "address", "dossier_code", "notes"))
        text = after.content
        assert "Nguyễn Văn An" not in text and "0905" not in text and "HS-0042" not in text
    assert store.plan_figures(actor=admin) == figures_before
    jobs_after = table_from_stored(store.get(filled["jobs"].id, actor=admin))
    assert jobs_after["job_id"].tolist() == jobs_before["job_id"].tolist()
    assert jobs_after["service_min"].tolist() == jobs_before["service_min"].tolist()
    assert not jobs_after["name"].isin(["Nguyễn Văn An", "Y Hiên"]).any()
    recent = store.get(filled["new"].id, actor=admin).data()
    assert recent["details"][0]["name"] == "Lê Thị Bình"  # within retention: untouched
    again = privacy.purge(store, actor=admin, days=90, today=TODAY)
    assert again.fields == 0  # pseudonyms are not purged twice
    entries = list_audit(store, actor=admin, action="privacy_purge")
    assert [e.detail["fields"] for e in entries] == [18, 18, 0]
    assert [e.detail["dry_run"] for e in entries] == [True, False, False]


def test_find_export_and_erase_a_citizen(store: Store, filled: dict[str, Any],
                                         tmp_path: Path) -> None:
    """A citizen's request by phone or name: everything held, a copy, then erasure."""
    admin = filled["admin"]
    by_phone = privacy.find(store, actor=admin, phone="+84 905-123-456")
    assert sorted((r.name, r.version) for r in by_phone) == [
        ("Cũ", 1), ("Cũ", 2), ("Việc cũ", 1)]
    assert all(r.fields["name"] == "Nguyễn Văn An" for r in by_phone)
    by_name = privacy.find(store, actor=admin, name="nguyen van AN")
    assert {(r.name, r.version, r.job_id) for r in by_name} == {
        (r.name, r.version, r.job_id) for r in by_phone}
    doc = privacy.export(store, actor=admin, phone=PHONE)
    assert doc["format"] == "postplan-personal-data-export" and len(doc["records"]) == 3
    report = privacy.erase(store, actor=admin, name="Nguyễn Văn An")
    assert report.versions == 3 and report.fields == 6 + 6 + 3  # stop, details, job row
    assert privacy.find(store, actor=admin, phone=PHONE) == []
    others = privacy.find(store, actor=admin, name="Y Hiên")
    assert [r.fields["phone"] for r in others] == ["0987654321"]
    assert privacy.find(store, actor=admin, name="Lê Thị Bình")[0].plan_date == NEW_DAY
    audit_text = json.dumps([asdict(e) for e in list_audit(store, actor=admin)],
                            default=str, ensure_ascii=False)
    for held in ("0905123456", PHONE, "Nguyễn", "nguyen van an", "Hiên", "hien"):
        assert held not in audit_text  # only the query's hash is kept
    actions = [e.action for e in list_audit(store, actor=admin, user=admin.username)]
    assert actions.count("privacy_find") == 6 and "privacy_export" in actions
    assert "privacy_erase" in actions


def test_privacy_is_for_admins_and_queries_are_checked(
        store: Store, filled: dict[str, Any]) -> None:
    """A dispatcher may not search citizens; a query must name one person clearly."""
    with pytest.raises(AccessDenied, match="may not handle personal data"):
        privacy.find(store, actor=filled["lan"], phone=PHONE)
    with pytest.raises(AccessDenied):
        privacy.purge(store, actor=filled["lan"])
    admin = filled["admin"]
    with pytest.raises(InputError, match="exactly one of --phone or --name"):
        privacy.find(store, actor=admin)
    with pytest.raises(InputError, match="too short"):
        privacy.find(store, actor=admin, phone="12")
    with pytest.raises(InputError, match="whole number of days"):
        privacy.purge(store, actor=admin, days=0)


def test_privacy_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    """privacy purge / find / export --as an admin, with the retention from the environment."""
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.delenv("POSTPLAN_DB_URL", raising=False)
    monkeypatch.setenv("POSTPLAN_RETENTION_DAYS", "200")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with Store.open(Settings.from_env()) as store:
        lan = account(store, "lan", role="dispatcher", offices=["BC-KONTUM"])
        account(store, "root")
        store.save_plan(_plan(OLD_DAY), name="Cũ", actor=lan)

    def run(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        code = main([*argv, "--json", "--as", "root"])
        return code, json.loads(capsys.readouterr().out)

    code, out = run("privacy", "purge", "--today", "2026-05-01")
    assert code == 0 and out["purge"]["versions"] == 0  # 200 days: still kept
    code, out = run("privacy", "find", "--phone", PHONE)
    assert [r["name"] for r in out["records"]] == ["Cũ"]
    target = tmp_path / "citizen.json"
    code, out = run("privacy", "export", "--name", "Nguyễn Văn An", "-o", str(target))
    assert code == 0 and json.loads(target.read_text(encoding="utf-8"))["records"]
    code, out = run("privacy", "purge", "--today", "2026-05-01", "--days", "90")
    assert code == 0 and out["purge"]["fields"] == 6


def test_purge_reaches_phones_on_stops_and_in_the_plans_problem(store: Store) -> None:
    """A plan's citizen stops and its problem's visits lose address and phone past retention."""
    lan = account(store, "lan", role="dispatcher", offices=["BC-KONTUM"])
    doc = json.loads(make_plan().to_json())
    doc["plan_date"] = OLD_DAY
    doc["routes"][0]["stops"][1]["phone"] = PHONE
    doc["problem"] = {"jobs": [{"job_id": "J1", "kind": "pickup", "delivery": None,
                                "pickup": {"office_id": None, "label": "Thôn 3, Đăk Rơ Wa",
                                           "phone": PHONE, "lon": 108.012, "lat": 14.356}}]}
    saved = store.save_plan(doc, name="Có số điện thoại", actor=lan)
    admin = account(store)
    assert privacy.purge(store, actor=admin, days=90, today=TODAY).fields == 4
    after = store.get(saved.id, actor=admin).data()
    visit = after["problem"]["jobs"][0]["pickup"]
    stop = after["routes"][0]["stops"][1]
    assert all(str(v).startswith("ẩn danh ") for v in (visit["label"], visit["phone"],
                                                       stop["label"], stop["phone"]))
    assert (visit["lon"], visit["lat"]) == (108.012, 14.356)
    assert PHONE not in store.get(saved.id, actor=admin).content
