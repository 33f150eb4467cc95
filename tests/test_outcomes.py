"""The outcomes store: idempotent reports, access per route and office, append-only, audit."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError
from store_utils import account
from test_access import OFFICE_A, OFFICE_B, _plan_of
from test_store import _postgres_url

from data.access import Account
from data.audit import list_audit
from data.db_models import Base
from data.errors import AccessDenied, ConflictError, InputError
from data.outcomes import (
    OUTCOME_REASONS,
    Outcome,
    latest_by_stop,
    new_outcome_id,
    outcome_facts,
    outcomes_for,
    reason_label,
    record_outcome,
)
from data.privacy import PERSONAL_FIELDS
from data.store import Store
from routing.carryover import FAILURE_REASONS

DAY = date(2026, 11, 23)
ICT = timezone(timedelta(hours=7))
OUTCOMES = Base.metadata.tables["outcomes"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store (SQLite file or a new PostgreSQL database)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}" if request.param == "sqlite" \
        else _postgres_url()
    with Store(url) as s:
        yield s


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    """An admin, a dispatcher per office, couriers C1 and C2, a planner and a viewer."""
    return {
        "admin": account(store, "root"),
        "disp_a": account(store, "disp_a", role="dispatcher", offices=[OFFICE_A]),
        "disp_b": account(store, "disp_b", role="dispatcher", offices=[OFFICE_B]),
        "c1": account(store, "c1", role="courier", courier_id="C1"),
        "c2": account(store, "c2", role="courier", courier_id="C2"),
        "planner": account(store, "ha", role="planner"),
        "viewer": account(store, "xem", role="viewer"),
    }


@pytest.fixture
def plan_id(store: Store, people: dict[str, Account]) -> int:
    """A plan of office A on DAY: couriers C1 and C2, each with a pickup stop of job J1."""
    return store.save("plan", "Thứ Hai", _plan_of(OFFICE_A, couriers=("C1", "C2")),
                      actor=people["disp_a"]).id


def tap(plan_id: int, **changes: object) -> Outcome:
    """A report of C1's pickup of J1 on DAY, done at 09:30 Vietnam time."""
    base = Outcome(outcome_id=new_outcome_id(), plan_id=plan_id, plan_version=1,
                   plan_date=DAY, courier_id="C1", job_id="J1", role="pickup", status="done",
                   at=datetime(2026, 11, 23, 9, 30, tzinfo=ICT), receiver_name="Nguyễn Văn A",
                   fee_vnd=30000, lat=14.356, lon=108.012, accuracy_m=12.0)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def rows(store: Store) -> int:
    """How many outcome rows the table holds."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(OUTCOMES)).scalar_one())


def test_reason_list_is_the_one_list() -> None:
    """Carry-over uses the outcomes' reason list; each reason has both labels."""
    assert FAILURE_REASONS == tuple(OUTCOME_REASONS) == (
        "not_home", "wrong_address", "refused", "road_closed", "office_closed", "other")
    assert reason_label("not_home", "vi") == "Không có người ở nhà"
    assert reason_label("not_home", "en") == "Not at home"
    assert PERSONAL_FIELDS["receiver_name"] == "name" and PERSONAL_FIELDS["note"] == "notes"


def test_record_once_then_a_repeat_returns_the_stored_one(
        store: Store, people: dict[str, Account], plan_id: int) -> None:
    """A resent tap is stored once: the repeat returns the stored report and False."""
    sent = tap(plan_id)
    first, created = record_outcome(store, sent, actor=people["c1"])
    assert created is True
    assert first.office_id == OFFICE_A and first.actor == "c1"
    assert first.at == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    again, created_again = record_outcome(store, sent, actor=people["c1"])
    assert created_again is False
    assert again == first
    assert rows(store) == 1
    entries = list_audit(store, actor=people["admin"], action="outcome")
    assert [(e.username, e.detail["job_id"], e.detail["status"]) for e in entries] == [
        ("c1", "J1", "done")]


def test_a_conflicting_repeat_is_refused(store: Store, people: dict[str, Account],
                                         plan_id: int) -> None:
    """The same id with other values is refused and the stored report is unchanged."""
    sent = tap(plan_id)
    record_outcome(store, sent, actor=people["c1"])
    with pytest.raises(ConflictError, match=r"different values \(status, reason\)"):
        record_outcome(store, dataclasses.replace(sent, status="failed", reason="not_home"),
                       actor=people["c1"])
    assert rows(store) == 1
    assert outcomes_for(store, actor=people["admin"], plan_date=DAY)[0].status == "done"


def test_the_same_instant_in_another_timezone_is_a_repeat(
        store: Store, people: dict[str, Account], plan_id: int) -> None:
    """The phone's time is compared as an instant: 09:30+07 equals 02:30 UTC."""
    sent = tap(plan_id)
    record_outcome(store, sent, actor=people["c1"])
    _, created = record_outcome(store, dataclasses.replace(sent, at=sent.at.astimezone(UTC)),
                                actor=people["c1"])
    assert created is False


def test_a_courier_only_reports_on_their_own_route(
        store: Store, people: dict[str, Account], plan_id: int) -> None:
    """C2 may not report C1's stop; nothing is written."""
    with pytest.raises(AccessDenied, match="only on their own route, not C1's"):
        record_outcome(store, tap(plan_id), actor=people["c2"])
    assert rows(store) == 0
    stored, created = record_outcome(store, tap(plan_id, courier_id="C2"), actor=people["c2"])
    assert created and stored.courier_id == "C2"


def test_a_stop_not_on_the_route_is_refused(store: Store, people: dict[str, Account],
                                            plan_id: int) -> None:
    """A job or role the route does not have, or another day, names the fix."""
    with pytest.raises(InputError, match="has no pickup stop for job J9") as err:
        record_outcome(store, tap(plan_id, job_id="J9"), actor=people["c1"])
    assert err.value.problems[0].column == "job_id"
    with pytest.raises(InputError, match="has no delivery stop for job J1"):
        record_outcome(store, tap(plan_id, role="delivery"), actor=people["c1"])
    with pytest.raises(InputError, match="is for 2026-11-23, not 2026-11-24"):
        record_outcome(store, tap(plan_id, plan_date=date(2026, 11, 24)), actor=people["c1"])
    with pytest.raises(InputError, match="v7 does not exist"):
        record_outcome(store, tap(plan_id, plan_version=7), actor=people["c1"])
    assert rows(store) == 0


def test_dispatchers_report_for_their_offices_only(
        store: Store, people: dict[str, Account], plan_id: int) -> None:
    """A dispatcher of office B cannot report on office A's route; office A's can."""
    with pytest.raises(AccessDenied, match="dispatcher of BC-DAKTO"):
        record_outcome(store, tap(plan_id), actor=people["disp_b"])
    assert record_outcome(store, tap(plan_id), actor=people["disp_a"])[1] is True
    assert record_outcome(store, tap(plan_id), actor=people["admin"])[1] is True


@pytest.mark.parametrize("who", ["planner", "viewer"])
def test_planners_and_viewers_cannot_report(store: Store, people: dict[str, Account],
                                            plan_id: int, who: str) -> None:
    """Only admins, dispatchers and couriers record outcomes."""
    with pytest.raises(AccessDenied, match="admin or dispatcher or courier"):
        record_outcome(store, tap(plan_id), actor=people[who])
    assert rows(store) == 0


def test_every_field_problem_is_listed_at_once(store: Store, people: dict[str, Account],
                                               plan_id: int) -> None:
    """Bad fields are all named in one error; nothing is written."""
    bad = tap(plan_id, outcome_id="tap-1", status="failed", reason=None,
              at=datetime(2026, 11, 23, 9, 30), lat=None, fee_vnd=-5)
    with pytest.raises(InputError) as err:
        record_outcome(store, bad, actor=people["c1"])
    assert [p.column for p in err.value.problems] == [
        "outcome_id", "at", "reason", "fee_vnd", "lat"]
    with pytest.raises(InputError, match="'other' needs a note"):
        record_outcome(store, tap(plan_id, status="failed", reason="other"), actor=people["c1"])
    with pytest.raises(InputError, match="has no failure reason"):
        record_outcome(store, tap(plan_id, reason="refused"), actor=people["c1"])
    assert rows(store) == 0


def test_failed_with_a_reason_and_a_note(store: Store, people: dict[str, Account],
                                         plan_id: int) -> None:
    """A failed stop keeps its reason and note; 'other' with a note is accepted."""
    stored, _ = record_outcome(store, tap(plan_id, status="failed", reason="other",
                                          note="Cầu tràn ngập", receiver_name="", fee_vnd=None),
                               actor=people["c1"])
    assert stored.reason_text("vi") == "Lý do khác (ghi chú)"
    assert outcomes_for(store, actor=people["c1"], plan_date=DAY)[0].note == "Cầu tràn ngập"


def test_reading_is_scoped_and_audited(store: Store, people: dict[str, Account],
                                       plan_id: int) -> None:
    """Couriers read their own reports, dispatchers their offices'; each read is audited."""
    record_outcome(store, tap(plan_id), actor=people["c1"])
    record_outcome(store, tap(plan_id, courier_id="C2"), actor=people["c2"])
    assert [o.courier_id for o in outcomes_for(store, actor=people["c1"], plan_date=DAY)] == [
        "C1"]
    with pytest.raises(AccessDenied):
        outcomes_for(store, actor=people["c1"], plan_date=DAY, courier_id="C2")
    assert len(outcomes_for(store, actor=people["disp_a"], plan_date=DAY)) == 2
    assert outcomes_for(store, actor=people["disp_b"], plan_date=DAY) == []
    with pytest.raises(AccessDenied):
        outcomes_for(store, actor=people["disp_b"], plan_date=DAY, office_id=OFFICE_A)
    for who in ("planner", "viewer"):
        with pytest.raises(AccessDenied):
            outcomes_for(store, actor=people[who], plan_date=DAY)
    opened = [e for e in list_audit(store, actor=people["admin"], action="open")
              if e.object_kind == "outcomes"]
    assert [(e.username, e.detail["rows"]) for e in opened] == [
        ("c1", 1), ("disp_a", 2), ("disp_b", 0)]


def test_facts_hold_no_personal_field(store: Store, people: dict[str, Account],
                                      plan_id: int) -> None:
    """Viewers see reports without names, notes or positions."""
    record_outcome(store, tap(plan_id, note="gọi 0905123456"), actor=people["c1"])
    facts = outcome_facts(store, actor=people["viewer"], date_from=DAY, date_to=DAY)
    assert len(facts) == 1
    f = facts[0]
    assert (f.receiver_name, f.note, f.lat, f.lon, f.accuracy_m) == ("", "", None, None, None)
    assert (f.status, f.fee_vnd, f.job_id) == ("done", 30000, "J1")
    assert outcome_facts(store, actor=people["viewer"], date_from=DAY + timedelta(days=1),
                         date_to=DAY + timedelta(days=9)) == []


def test_the_table_is_append_only(store: Store, people: dict[str, Account],
                                  plan_id: int) -> None:
    """The database refuses to change or delete a report; only personal fields may be purged."""
    record_outcome(store, tap(plan_id), actor=people["c1"])
    for sql in ("UPDATE outcomes SET status = 'failed'", "DELETE FROM outcomes"):
        with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(sql))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE outcomes SET receiver_name = 'ẩn danh name 1', note = ''"))
    left = outcomes_for(store, actor=people["admin"], plan_date=DAY)
    assert [(o.status, o.receiver_name) for o in left] == [("done", "ẩn danh name 1")]


def test_json_round_trip_and_bad_json() -> None:
    """to_dict / from_dict round-trip; bad JSON fields are all named."""
    o = tap(5)
    assert Outcome.from_dict(o.to_dict()) == o
    assert Outcome.from_dict({**o.to_dict(), "at": "2026-11-23T02:30:00Z"}).at == o.at
    with pytest.raises(InputError) as err:
        Outcome.from_dict({"outcome_id": "x", "plan_id": "seven", "plan_date": "23/11/2026",
                           "at": "9h30", "colour": "red"})
    cols = [p.column for p in err.value.problems]
    assert cols == ["colour", "plan_version", "courier_id", "job_id", "role", "status",
                    "plan_id", "plan_date", "at"]


def test_latest_report_per_stop_counts() -> None:
    """A later tap on the same stop supersedes an earlier one."""
    first = tap(5, status="failed", reason="not_home")
    later = tap(5, at=first.at + timedelta(minutes=20))
    other = tap(5, job_id="J2", role="delivery")
    assert latest_by_stop([later, first, other]) == {("J1", "pickup"): later,
                                                     ("J2", "delivery"): other}


def test_privacy_finds_erases_and_purges_receiver_names_and_notes(
        store: Store, people: dict[str, Account], plan_id: int) -> None:
    """Citizens' requests and retention reach the outcomes; every other field stays."""
    from data import privacy

    admin = people["admin"]
    record_outcome(store, tap(plan_id, receiver_name="Trần Thị Bình", note="gọi 0905 111 222"),
                   actor=people["c1"])
    record_outcome(store, tap(plan_id, courier_id="C2", receiver_name="Lê Văn Cường"),
                   actor=people["c2"])
    found = privacy.find(store, actor=admin, name="tran thi binh")
    assert [(r.kind, r.job_id, r.fields["receiver_name"]) for r in found] == [
        ("outcome", "J1", "Trần Thị Bình")]
    assert len(privacy.find(store, actor=admin, phone="0905111222")) == 1
    erased = privacy.erase(store, actor=admin, phone="0905111222")
    assert (erased.outcomes, erased.fields) == (1, 2)
    after = {o.courier_id: o for o in outcomes_for(store, actor=admin, plan_date=DAY)}
    assert after["C1"].receiver_name.startswith("ẩn danh name ")
    assert after["C1"].note.startswith("ẩn danh notes ")
    assert (after["C1"].status, after["C1"].fee_vnd) == ("done", 30000)
    assert after["C2"].receiver_name == "Lê Văn Cường"
    kept = privacy.purge(store, actor=admin, days=90, today=DAY + timedelta(days=90))
    assert kept.outcomes == 0  # the plan date is not past retention yet
    purged = privacy.purge(store, actor=admin, days=90, today=DAY + timedelta(days=91))
    assert purged.outcomes == 1  # C1's were already pseudonyms
    left = outcomes_for(store, actor=admin, plan_date=DAY)
    assert all(o.receiver_name.startswith("ẩn danh ") for o in left)
    assert "Lê Văn Cường" not in str([o.to_dict() for o in left])
