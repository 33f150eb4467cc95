"""What happened at each stop, as couriers report it from the road: the outcomes store.

A courier's phone (or a dispatcher taking a call) reports each stop of the day's route as
*done* or *failed* (with a reason from :data:`OUTCOME_REASONS`), with who received it, the
fee collected, the time on the phone and, with the courier's consent, the phone's position.
Each report is one :class:`Outcome`, kept in the append-only ``outcomes`` table (migration
``0003``: triggers on SQLite and PostgreSQL refuse DELETE and every UPDATE except the
pseudonymisation of the two personal fields).

* :func:`record_outcome` stores one report. The phone generates ``outcome_id`` (a UUID)
  once per tap and resends it until the server answers: a repeat returns the stored report
  and ``False``, never a second row; a different report under the same id is refused
  (:class:`~data.errors.ConflictError`).
* :func:`outcomes_for` lists a day's reports (for one office or courier) with every field;
  opening them is audited (they hold citizens' names and notes).
* :func:`outcome_facts` lists reports over a period *without* personal fields or positions,
  for progress panels and reports (every role may see them; not audited).
* :func:`latest_by_stop` — the report that counts for each stop: the last by phone time
  (a courier who tapped *failed* by mistake taps *done* again; both stay stored).

Who may do what is :func:`data.access.check_outcome`: a courier only for stops on their own
route of the day, a dispatcher for their offices' routes, an admin for all. Every report is
written to the audit log in the same transaction. ``receiver_name`` and ``note`` are
personal data (:data:`data.privacy.PERSONAL_FIELDS`): :mod:`data.privacy` finds, exports,
purges and erases them like the rest.

Times: ``at`` is the phone's time (timezone-aware, stored in UTC), ``recorded_at`` the
server's. Simulated reports (the simulated month, the study) carry ``provenance =
"simulated"`` and say so wherever they are shown.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Table, select
from sqlalchemy.exc import IntegrityError

from data import audit
from data.access import Account, check_outcome, require
from data.db_models import Base
from data.errors import ConflictError, InputError, Problem, StorageError
from data.outcome_fields import (
    MAX_FEE_VND,
    MAX_NOTE_CHARS,
    MAX_RECEIVER_CHARS,
    OUTCOME_PROVENANCES,
    OUTCOME_REASONS,
    OUTCOME_ROLES,
    OUTCOME_STATUSES,
    PERSONAL_COLUMNS,
    field_problem,
    outcome_problems,
    parse_fields,
    reason_label,
)
from data.privacy import PERSONAL_FIELDS

if TYPE_CHECKING:
    from data.store import Store

#: Plans the phone reports against (a manual edit is a plan too).
PLAN_KINDS = ("plan", "manual_edit")
#: Vietnam time, for messages and dates.
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

assert all(c in PERSONAL_FIELDS for c in PERSONAL_COLUMNS), "data.privacy lists them"

_OUTCOMES: Table = Base.metadata.tables["outcomes"]
#: What the phone sends (compared field by field when an id is sent again).
_CLIENT_FIELDS = ("outcome_id", "plan_id", "plan_version", "plan_date", "courier_id",
                  "job_id", "role", "status", "at", "reason", "note", "receiver_name",
                  "fee_vnd", "lat", "lon", "accuracy_m", "provenance")


def new_outcome_id() -> str:
    """Return a new idempotency id for one tap (a random UUID, as the phone makes)."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Outcome:
    """What happened at one stop, as reported.

    Parameters
    ----------
    outcome_id
        The idempotency key: a UUID the phone generates once per tap and resends until
        the server answers.
    plan_id, plan_version
        The stored plan (and version) whose route the stop is on.
    plan_date
        The day.
    courier_id
        Whose route.
    job_id
        The job.
    role
        ``pickup`` / ``delivery`` (a pair's stops) or ``visit`` (:data:`OUTCOME_ROLES`).
    status
        ``done`` or ``failed``.
    at
        When it happened, by the phone's clock (timezone-aware).
    reason
        For ``failed``: a code of :data:`OUTCOME_REASONS` (``other`` needs a note); None
        for ``done``.
    note
        Free text (personal data).
    receiver_name
        Who received the result or handed over the dossier (personal data).
    fee_vnd
        Fee collected at the stop (đồng), or None.
    lat, lon, accuracy_m
        Where the phone was (observed, with the courier's consent), or None.
    provenance
        ``observed`` (a phone or a dispatcher) or ``simulated``.
    office_id
        Set by the server: the post office the route starts from.
    recorded_at
        Set by the server: when it was stored (UTC).
    actor
        Set by the server: the account that sent it.
    """

    outcome_id: str
    plan_id: int
    plan_version: int
    plan_date: date
    courier_id: str
    job_id: str
    role: str
    status: str
    at: datetime
    reason: str | None = None
    note: str = ""
    receiver_name: str = ""
    fee_vnd: int | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    provenance: str = "observed"
    office_id: str | None = None
    recorded_at: datetime | None = None
    actor: str | None = None

    @property
    def stop(self) -> tuple[str, str]:
        """``(job_id, role)``: the stop this report is about."""
        return (self.job_id, self.role)

    @property
    def has_position(self) -> bool:
        """True when the phone's position came with the report."""
        return self.lat is not None and self.lon is not None

    def reason_text(self, lang: str = "vi") -> str:
        """Return the failure reason's label (empty for ``done``)."""
        return reason_label(self.reason, lang)

    def without_personal(self) -> Outcome:
        """Return a copy without the personal fields and the position (figures, reports)."""
        return dataclasses.replace(self, note="", receiver_name="", lat=None, lon=None,
                                   accuracy_m=None)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready values (dates and times ISO 8601)."""
        out = dataclasses.asdict(self)
        out["plan_date"] = self.plan_date.isoformat()
        out["at"] = self.at.isoformat()
        out["recorded_at"] = self.recorded_at.isoformat() if self.recorded_at else None
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Outcome:
        """Build a report from JSON values (what the phone sends), every problem at once.

        Server fields (``office_id``, ``recorded_at``, ``actor``) are ignored: the server
        sets them.

        Raises
        ------
        InputError
            Missing fields, unknown fields, or values of the wrong type.
        """
        return cls(**parse_fields(cls, values))


# --------------------------------------------------------------------------- rows


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _from_row(row: Row[Any]) -> Outcome:
    m = row._mapping
    return Outcome(
        outcome_id=m["outcome_id"], plan_id=int(m["plan_id"]),
        plan_version=int(m["plan_version"]), plan_date=m["plan_date"],
        courier_id=m["courier_id"], job_id=m["job_id"], role=m["role"], status=m["status"],
        at=_utc(m["at"]), reason=m["reason"], note=m["note"] or "",
        receiver_name=m["receiver_name"] or "", fee_vnd=m["fee_vnd"], lat=m["lat"],
        lon=m["lon"], accuracy_m=m["accuracy_m"], provenance=m["provenance"],
        office_id=m["office_id"], recorded_at=_utc(m["recorded_at"]), actor=m["actor"])


def _normalised(o: Outcome) -> Outcome:
    return dataclasses.replace(o, outcome_id=str(uuid.UUID(str(o.outcome_id))),
                               at=o.at.astimezone(UTC), note=o.note or "",
                               receiver_name=o.receiver_name or "",
                               lat=None if o.lat is None else float(o.lat),
                               lon=None if o.lon is None else float(o.lon),
                               accuracy_m=None if o.accuracy_m is None
                               else float(o.accuracy_m))


def _differences(stored: Outcome, sent: Outcome) -> list[str]:
    return [k for k in _CLIENT_FIELDS if getattr(stored, k) != getattr(sent, k)]


def _route_of(store: Store, o: Outcome) -> tuple[str, Mapping[str, Any]]:
    """Return the route's office and the route the reported stop is on, or refuse."""
    try:
        obj = store._load(o.plan_id, version=o.plan_version)
    except StorageError as exc:
        raise InputError([field_problem(f"plan #{o.plan_id} v{o.plan_version} does not exist "
                                        f"({exc}); reload the route and send again",
                                        f"kế hoạch #{o.plan_id} v{o.plan_version} không tồn tại; "
                                        "hãy tải lại tuyến rồi gửi lại", "plan_id", o.plan_id)],
                         summary="Kết quả không được ghi. / The outcome was not recorded."
                         ) from exc
    doc = json.loads(obj.content) if obj.kind in PLAN_KINDS else None
    problems: list[Problem] = []
    route: Mapping[str, Any] | None = None
    if not isinstance(doc, Mapping):
        problems.append(field_problem(f"#{o.plan_id} is a {obj.kind}, not a plan",
                                      f"#{o.plan_id} là {obj.kind}, không phải kế hoạch",
                                      "plan_id", o.plan_id))
    else:
        if doc.get("plan_date") != o.plan_date.isoformat():
            problems.append(field_problem(f"plan #{o.plan_id} is for {doc.get('plan_date')}, not "
                                          f"{o.plan_date.isoformat()}",
                                          f"kế hoạch #{o.plan_id} là của ngày "
                                          f"{doc.get('plan_date')}, không phải "
                                          f"{o.plan_date.isoformat()}", "plan_date",
                                          o.plan_date))
        route = next((r for r in doc.get("routes") or []
                      if isinstance(r, Mapping) and r.get("courier_id") == o.courier_id), None)
        if route is None:
            problems.append(field_problem(f"plan #{o.plan_id} v{o.plan_version} has no route for "
                                          f"courier {o.courier_id}",
                                          f"kế hoạch #{o.plan_id} v{o.plan_version} không có tuyến "
                                          f"của bưu tá {o.courier_id}", "courier_id", o.courier_id))
        elif not any(isinstance(s, Mapping) and str(s.get("job_id")) == o.job_id
                     and s.get("kind") == o.role for s in route.get("stops") or []):
            problems.append(field_problem(f"courier {o.courier_id}'s route in plan #{o.plan_id} "
                                          f"v{o.plan_version} has no {o.role} stop for job "
                                          f"{o.job_id}",
                                          f"tuyến của bưu tá {o.courier_id} trong kế hoạch "
                                          f"#{o.plan_id} v{o.plan_version} không có điểm {o.role} "
                                          f"của việc {o.job_id}", "job_id", o.job_id))
    if problems or route is None:
        raise InputError(problems, summary="Kết quả không được ghi. / The outcome was not "
                                           "recorded.")
    return str(route.get("office_id") or ""), route


def _stored(store: Store, outcome_id: str) -> Outcome | None:
    with store.read_transaction() as conn:
        row = conn.execute(select(_OUTCOMES).where(
            _OUTCOMES.c.outcome_id == outcome_id)).first()
    return None if row is None else _from_row(row)


def _repeat(store: Store, stored: Outcome, sent: Outcome, actor: Account) -> tuple[Outcome, bool]:
    check_outcome(actor, "outcomes.record", office_id=stored.office_id,
                  courier_id=stored.courier_id)
    changed = _differences(stored, sent)
    if changed:
        raise ConflictError(
            f"Mã báo cáo {stored.outcome_id} đã được ghi lúc {stored.recorded_at:%d/%m/%Y %H:%M} "
            f"UTC với nội dung khác ({', '.join(changed)}); không có gì bị ghi đè. Mỗi lần bấm "
            f"cần một mã mới. / Outcome {stored.outcome_id} was already recorded at "
            f"{stored.recorded_at:%Y-%m-%d %H:%M} UTC with different values "
            f"({', '.join(changed)}); nothing was overwritten. Each tap needs a new id.")
    return stored, False


def record_outcome(store: Store, outcome: Outcome, *, actor: Account) -> tuple[Outcome, bool]:
    """Store one stop report, exactly once per ``outcome_id``.

    Parameters
    ----------
    store
        The store.
    outcome
        The report (server fields are ignored and set here).
    actor
        Who sends it: the courier whose route it is, a dispatcher of the route's office,
        or an admin.

    Returns
    -------
    (Outcome, bool)
        The stored report (with ``office_id``, ``recorded_at`` and ``actor``) and True when
        it was stored now, False when this ``outcome_id`` was already stored with the same
        values (a resend after a lost answer: nothing new is written).

    Raises
    ------
    InputError
        A field is wrong, or the plan, route or stop does not exist (every problem at once).
    AccessDenied
        Not the courier's own route, not the dispatcher's office, or a role that may not.
    ConflictError
        The id was already stored with different values.
    StorageError
        The database failed or is read-only; nothing was stored (the phone keeps the tap).
    """
    account = require(actor, "outcomes.record")
    problems = outcome_problems(outcome)
    if problems:
        raise InputError(problems, summary="Kết quả không được ghi. / The outcome was not "
                                           "recorded.")
    sent = _normalised(dataclasses.replace(outcome, office_id=None, recorded_at=None,
                                           actor=None))
    before = _stored(store, sent.outcome_id)
    if before is not None:
        return _repeat(store, before, sent, account)
    if account.role == "courier":  # their own route, before anything about the plan
        check_outcome(account, "outcomes.record", office_id=None, courier_id=sent.courier_id)
    office_id, _route = _route_of(store, sent)
    check_outcome(account, "outcomes.record", office_id=office_id, courier_id=sent.courier_id)
    now = datetime.now(UTC)
    row = dataclasses.replace(sent, office_id=office_id, recorded_at=now,
                              actor=account.username)
    values = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    try:
        with store.write_transaction() as conn:
            conn.execute(_OUTCOMES.insert().values(**values))
            audit.append(conn, "outcome", actor=account, object_kind="plan",
                         object_id=sent.plan_id, detail={
                             "version": sent.plan_version, "outcome_id": sent.outcome_id,
                             "courier": sent.courier_id, "job_id": sent.job_id,
                             "role": sent.role, "status": sent.status,
                             "reason": sent.reason, "provenance": sent.provenance}, at=now)
    except IntegrityError:  # the same id arrived twice at once: the first one won
        again = _stored(store, sent.outcome_id)
        if again is None:
            raise
        return _repeat(store, again, sent, account)
    return row, True


def _query(plan_date: date | None, date_from: date | None, date_to: date | None,
           office_id: str | None, courier_id: str | None, offices: Iterable[str] | None) -> Any:
    query = select(_OUTCOMES)
    if plan_date is not None:
        query = query.where(_OUTCOMES.c.plan_date == plan_date)
    if date_from is not None:
        query = query.where(_OUTCOMES.c.plan_date >= date_from)
    if date_to is not None:
        query = query.where(_OUTCOMES.c.plan_date <= date_to)
    if office_id is not None:
        query = query.where(_OUTCOMES.c.office_id == office_id)
    if offices is not None:
        query = query.where(_OUTCOMES.c.office_id.in_(sorted(set(offices))))
    if courier_id is not None:
        query = query.where(_OUTCOMES.c.courier_id == courier_id)
    return query.order_by(_OUTCOMES.c.at, _OUTCOMES.c.recorded_at, _OUTCOMES.c.outcome_id)


def outcomes_for(store: Store, *, actor: Account, plan_date: date,
                 office_id: str | None = None,
                 courier_id: str | None = None) -> list[Outcome]:
    """List a day's reports with every field, in phone-time order (audited: personal data).

    Parameters
    ----------
    store
        The store.
    actor
        A courier (only their own reports; ``courier_id`` defaults to theirs), a dispatcher
        (only their offices'; all of them when ``office_id`` is None) or an admin.
    plan_date
        The day.
    office_id, courier_id
        Only this office's routes, only this courier's.

    Raises
    ------
    AccessDenied
        Another courier's reports, another office's, or a role that may not.
    """
    account = require(actor, "outcomes.read")
    offices: tuple[str, ...] | None = None
    if account.role == "courier":
        courier_id = courier_id or account.courier_id
        check_outcome(account, "outcomes.read", office_id=office_id, courier_id=courier_id)
    elif account.role == "dispatcher":
        if office_id is None:
            offices = account.offices
        else:
            check_outcome(account, "outcomes.read", office_id=office_id, courier_id=courier_id)
    with store.read_transaction() as conn:
        rows = conn.execute(_query(plan_date, None, None, office_id, courier_id,
                                   offices)).all()
    found = [_from_row(r) for r in rows]
    store.record("open", actor=account, object_kind="outcomes",
                 object_name=plan_date.isoformat(),
                 detail={"office_id": office_id, "courier_id": courier_id,
                         "rows": len(found)})
    return found


def outcome_facts(store: Store, *, actor: Account, date_from: date, date_to: date,
                  office_id: str | None = None,
                  courier_id: str | None = None) -> list[Outcome]:
    """List reports over a period without personal fields or positions (progress, reports).

    Every role may see these (they name no citizen and place no courier); nothing is
    audited.

    Parameters
    ----------
    store
        The store.
    actor
        The acting account.
    date_from, date_to
        The period's first and last plan dates (inclusive).
    office_id, courier_id
        Only this office's routes, only this courier's.
    """
    require(actor, "figures.read")
    with store.read_transaction() as conn:
        rows = conn.execute(_query(None, date_from, date_to, office_id, courier_id,
                                   None)).all()
    return [_from_row(r).without_personal() for r in rows]


def latest_by_stop(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], Outcome]:
    """Return the report that counts for each stop ``(job_id, role)``: the last by phone time.

    Ties (same ``at``) go to the one recorded last. Earlier reports stay stored.
    """
    out: dict[tuple[str, str], Outcome] = {}
    for o in outcomes:
        key = o.stop
        have = out.get(key)
        when = (o.at, o.recorded_at or o.at)
        if have is None or when >= (have.at, have.recorded_at or have.at):
            out[key] = o
    return out


__all__ = [
    "MAX_FEE_VND",
    "MAX_NOTE_CHARS",
    "MAX_RECEIVER_CHARS",
    "OUTCOME_PROVENANCES",
    "OUTCOME_REASONS",
    "OUTCOME_ROLES",
    "OUTCOME_STATUSES",
    "PERSONAL_COLUMNS",
    "PLAN_KINDS",
    "VN_TZ",
    "Outcome",
    "latest_by_stop",
    "new_outcome_id",
    "outcome_facts",
    "outcome_problems",
    "outcomes_for",
    "reason_label",
    "record_outcome",
]
