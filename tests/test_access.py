"""The role × action matrix, enforced by the store, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import func, select
from store_utils import account
from test_store import _postgres_url, make_plan

from data.access import DOCUMENT_RULES, ROLES, Account, check_document, pages_for, require_page
from data.audit import list_audit
from data.db_models import Base
from data.errors import AccessDenied
from data.store import Store
from routing.result import Plan

OFFICE_A, OFFICE_B = "BC-KONTUM", "BC-DAKTO"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store (SQLite file or a new PostgreSQL database)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}" if request.param == "sqlite" \
        else _postgres_url()
    with Store(url) as s:
        yield s


def _plan_of(office: str, *, couriers: tuple[str, ...] = ("C1",)) -> dict[str, object]:
    """A small plan whose routes start and end at ``office`` (one route per courier)."""
    doc = json.loads(make_plan().to_json())
    routes = []
    for courier in couriers:
        route = json.loads(json.dumps(doc["routes"][0]))
        route.update(courier_id=courier, office_id=office, end_office_id=office)
        for stop in route["stops"]:
            if stop["office_id"]:
                stop["office_id"] = office
        routes.append(route)
    doc["routes"] = routes
    return doc


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    """One account per role; dispatcher ``disp_a`` of office A, ``disp_b`` of office B."""
    return {
        "admin": account(store, "root"),
        "disp_a": account(store, "disp_a", role="dispatcher", offices=[OFFICE_A]),
        "disp_b": account(store, "disp_b", role="dispatcher", offices=[OFFICE_B]),
        "planner": account(store, "ha", role="planner"),
        "courier": account(store, "c1", role="courier", courier_id="C1"),
        "viewer": account(store, "xem", role="viewer"),
    }


CONTENT = {
    "plan": _plan_of(OFFICE_A),
    "manual_edit": _plan_of(OFFICE_A),
    "job_list": {"format": "pandas-table", "crs": None, "geometry": None,
                 "table": {"schema": {"fields": [{"name": "job_id", "type": "string"},
                                                 {"name": "office_id", "type": "string"}]},
                           "data": [{"job_id": "J1", "office_id": OFFICE_A}]}},
    "office_registry": {"offices": 1},
    "coverage_scenario": {"format": "postplan-coverage-scenario", "cutoff_min": 30},
    "closure_set": {"closures": []},
    "speed_table": {"speeds": []},
    "trace_roads": {"roads": []},
    "field_observations": {"format": "postplan-field-observations"},
    "roster": {"format": "pandas-table", "crs": None, "geometry": None,
               "table": {"schema": {"fields": [{"name": "courier_id", "type": "string"},
                                               {"name": "office_id", "type": "string"}]},
                         "data": [{"courier_id": "C1", "office_id": OFFICE_A}]}},
    "day_summary": {"format": "postplan-day-summary", "day": "2026-11-23",
                    "offices": [OFFICE_A], "jobs": [], "routes": []},
}

#: Who may read and write each kind — what the issue asks for, written out in full.
EXPECTED = {
    ("plan", "read"): {"admin", "disp_a"}, ("plan", "write"): {"admin", "disp_a"},
    ("manual_edit", "read"): {"admin", "disp_a"},
    ("manual_edit", "write"): {"admin", "disp_a"},
    ("job_list", "read"): {"admin", "disp_a"}, ("job_list", "write"): {"admin", "disp_a"},
    ("office_registry", "read"): {"admin", "disp_a", "disp_b", "planner", "viewer"},
    ("office_registry", "write"): {"admin"},
    ("closure_set", "read"): {"admin", "disp_a", "disp_b", "planner", "viewer"},
    ("closure_set", "write"): {"admin"},
    ("speed_table", "read"): {"admin", "disp_a", "disp_b", "planner", "viewer"},
    ("speed_table", "write"): {"admin", "planner"},
    ("trace_roads", "read"): {"admin", "disp_a", "disp_b", "planner", "viewer"},
    ("trace_roads", "write"): {"admin", "planner"},
    ("field_observations", "read"): {"admin", "disp_a", "disp_b", "planner"},
    ("field_observations", "write"): {"admin", "disp_a", "disp_b", "planner"},
    ("coverage_scenario", "read"): {"admin", "planner", "viewer"},
    ("coverage_scenario", "write"): {"admin", "planner"},
    ("roster", "read"): {"admin", "disp_a"}, ("roster", "write"): {"admin", "disp_a"},
    ("day_summary", "read"): {"admin", "disp_a", "planner", "viewer"},
    ("day_summary", "write"): {"admin", "disp_a"},
}


def _counts(store: Store) -> tuple[int, int]:
    docs = Base.metadata.tables["documents"]
    versions = Base.metadata.tables["document_versions"]
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(docs)).scalar_one(),
                conn.execute(select(func.count()).select_from(versions)).scalar_one())


def test_role_matrix_reads_and_writes(store: Store, people: dict[str, Account]) -> None:
    """Every role × kind × read/write gives exactly the expected answer; refusals write nothing."""
    saved = {kind: store.save(kind, f"{kind} A", content, actor=people["admin"])
             for kind, content in CONTENT.items()}
    allowed: dict[tuple[str, str], set[str]] = {key: set() for key in EXPECTED}
    for kind, obj in saved.items():
        for who, actor in people.items():
            try:
                store.get(obj.id, actor=actor)
                allowed[(kind, "read")].add(who)
            except AccessDenied as exc:
                assert "Nothing was written" in str(exc) and exc.needed
            before = _counts(store)
            try:
                store.save(kind, f"{kind} A", {**CONTENT[kind], "by": who}, actor=actor,
                           expected_version=store._document(obj.id).version)
                allowed[(kind, "write")].add(who)
            except AccessDenied as exc:
                assert _counts(store) == before, f"{who} wrote a {kind} while refused"
                assert "needs" in str(exc)
    assert allowed == EXPECTED
    assert set(DOCUMENT_RULES) == set(CONTENT)


def test_refusal_names_the_role_that_is_needed(store: Store, people: dict[str, Account]) -> None:
    """A viewer opening a plan is told it needs admin or dispatcher, in both languages."""
    plan = store.save_plan(_plan_of(OFFICE_A), name="P", actor=people["admin"])
    with pytest.raises(AccessDenied, match=r"(?s)cần vai trò quản trị hoặc điều phối.*"
                                           r"Account 'xem' \(role viewer\) may not open a plan; "
                                           r"this needs the role admin or dispatcher"):
        store.get(plan.id, actor=people["viewer"])
    with pytest.raises(AccessDenied, match=r"this needs the role admin\. Nothing was written"):
        store.save("office_registry", "O", {"a": 1}, actor=people["planner"])


def test_a_dispatcher_never_reaches_another_offices_plan(
        store: Store, people: dict[str, Account]) -> None:
    """Office A's dispatcher cannot open, list, find, export, restore or overwrite B's plan."""
    a, b = people["disp_a"], people["disp_b"]
    mine = store.save_plan(_plan_of(OFFICE_A), name="Plan A", actor=a)
    theirs = store.save_plan(_plan_of(OFFICE_B), name="Plan B", actor=b)
    assert mine.info.offices == (OFFICE_A,) and theirs.info.offices == (OFFICE_B,)
    refused = [
        lambda: store.get(theirs.id, actor=a),
        lambda: store.export(theirs.id, actor=a),
        lambda: store.history(theirs.id, actor=a),
        lambda: store.resolve("Plan B", actor=a, kind="plan"),
        lambda: store.resolve(str(theirs.id), actor=a),
        lambda: store.restore(theirs.id, 1, actor=a),
        lambda: store.delete(theirs.id, actor=a),
        lambda: store.save_plan(_plan_of(OFFICE_A), name="Plan B", actor=a),
        lambda: store.save_plan(_plan_of(OFFICE_B), name="new B", actor=a),
        lambda: store.compare(mine, theirs, actor=a),
    ]
    for call in refused:
        before = _counts(store)
        with pytest.raises(AccessDenied, match=f"of office\\(s\\) {OFFICE_B}"):
            call()
        assert _counts(store) == before
    assert [o.name for o in store.list_objects("plan", actor=a)] == ["Plan A"]
    assert store.find("plan", "Plan B", actor=a) is None
    assert store.get(theirs.id, actor=b).name == "Plan B"
    assert {o.name for o in store.list_objects("plan", actor=people["admin"])} == {
        "Plan A", "Plan B"}


def test_a_plan_spanning_two_offices_needs_both(store: Store, people: dict[str, Account]) -> None:
    """A plan of offices A and B belongs to both: a dispatcher of A alone may not open it."""
    both = _plan_of(OFFICE_A, couriers=("C1", "C2"))
    both["routes"][1].update(office_id=OFFICE_B, end_office_id=OFFICE_B)  # type: ignore[index]
    saved = store.save_plan(both, name="A+B", actor=people["admin"])
    assert saved.info.offices == tuple(sorted((OFFICE_A, OFFICE_B)))
    with pytest.raises(AccessDenied, match=OFFICE_B):
        store.get(saved.id, actor=people["disp_a"])
    two = account(store, "disp_ab", role="dispatcher", offices=[OFFICE_A, OFFICE_B])
    assert store.get(saved.id, actor=two).info.offices == saved.info.offices


def test_courier_sees_only_their_own_route(store: Store, people: dict[str, Account]) -> None:
    """courier_route returns the courier's route of the day and nothing of the others'."""
    store.save_plan(_plan_of(OFFICE_A, couriers=("C1", "C2")), name="Ngày 23",
                    actor=people["admin"])
    route = store.courier_route(actor=people["courier"], plan_date="2026-11-23")
    assert route is not None and route.courier_id == "C1"
    assert route.route["courier_id"] == "C1" and route.plan_name == "Ngày 23"
    assert "C2" not in json.dumps(asdict(route))
    assert store.courier_route(actor=people["courier"], plan_date="2026-11-24") is None
    with pytest.raises(AccessDenied, match="this needs the role courier"):
        store.courier_route(actor=people["disp_a"], plan_date="2026-11-23")
    plan_id = store.list_objects("plan", actor=people["admin"])[0].id
    with pytest.raises(AccessDenied):
        store.get(plan_id, actor=people["courier"])
    with pytest.raises(AccessDenied):
        store.list_objects("plan", actor=people["courier"])
    opened = list_audit(store, actor=people["admin"], user="c1", action="open")
    assert [(e.object_id, e.detail["route"]) for e in opened] == [(plan_id, "C1")]


def test_viewer_sees_aggregate_figures_only(store: Store, people: dict[str, Account]) -> None:
    """plan_figures equals the Plan's own totals and holds no stop, label or name."""
    doc = _plan_of(OFFICE_A)
    store.save_plan(doc, name="P", actor=people["admin"])
    [figures] = store.plan_figures(actor=people["viewer"])
    plan = Plan.from_dict(doc)
    assert figures.jobs_assigned == plan.jobs_assigned
    assert figures.jobs_unassigned == len(plan.unassigned)
    assert figures.length_km == pytest.approx(plan.total_length_m / 1000)
    assert figures.travel_time_h == pytest.approx(plan.total_travel_time_s / 3600)
    assert figures.duration_h == pytest.approx(plan.total_duration_s / 3600)
    assert (figures.stops_with_window, figures.stops_on_time) == (1, 1)
    text = json.dumps(asdict(figures), ensure_ascii=False)
    assert "Quang Trung" not in text and '"label"' not in text and '"stops"' not in text


def test_no_actor_or_a_disabled_actor_is_refused(store: Store, people: dict[str, Account]) -> None:
    """A call without an account, or as a disabled one, is refused before anything."""
    with pytest.raises(AccessDenied, match="needs the acting account"):
        store.save("plan", "P", {}, actor=None)  # type: ignore[arg-type]
    gone = Account(id=0, username="old", display_name="Old", role="admin", disabled=True)
    with pytest.raises(AccessDenied, match="is disabled"):
        check_document(gone, "read", "plan", [OFFICE_A])
    assert set(ROLES) == {"admin", "dispatcher", "planner", "courier", "viewer"}
    assert _counts(store) == (0, 0)


@pytest.mark.parametrize(("role", "pages"), [
    ("admin", ("admin", "dispatch", "coverage", "data", "reports")),
    ("dispatcher", ("dispatch", "data", "reports")),
    ("planner", ("coverage", "data", "reports")),
    ("courier", ("courier",)),
    ("viewer", ("reports",)),
])
def test_each_role_has_its_pages(role: str, pages: tuple[str, ...]) -> None:
    """The menu of each role: couriers only their route, viewers only figures."""
    assert pages_for(Account(id=1, username="x", display_name="x", role=role)) == pages


def test_a_disabled_account_has_no_page_and_a_page_refusal_names_the_roles() -> None:
    """A disabled account's menu is empty; a courier opening Dispatch is told who may."""
    courier = Account(id=1, username="an", display_name="An", role="courier", courier_id="C1")
    assert pages_for(Account(id=2, username="y", display_name="y", role="admin",
                             disabled=True)) == ()
    with pytest.raises(AccessDenied, match="may not open the Dispatch page; this needs the role "
                                           "admin or dispatcher") as denied:
        require_page(courier, "dispatch")
    assert denied.value.needed == ("admin", "dispatcher")
    assert denied.value.message_vi.startswith("Tài khoản 'an' (vai trò bưu tá) không được mở "
                                              "trang điều phối")
    assert denied.value.message_en.startswith("Account 'an' (role courier) may not")
    assert require_page(courier, "courier") == courier
