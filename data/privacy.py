"""Citizens' personal data: which fields hold it, retention, and citizens' requests.

One place says which fields are personal (:data:`PERSONAL_FIELDS`) and where they sit in
stored documents (:func:`personal_records`): in job lists (a table row per job) and in
plans and manual edits (the stops at a citizen's address: a stop with a job and no office),
and in the stop outcomes couriers report (:mod:`data.outcomes`: ``receiver_name``, ``note``).
Vietnam's Law 91/2025/QH15 on personal data protection asks for limited retention and an
answer when a citizen asks what is held about them:

* :func:`purge` — after ``Settings.retention_days`` (default 90) past a document's plan
  date, replaces every personal field in every version with a pseudonym. Nothing else
  changes: every count, distance, time and on-time figure stays identical.
* :func:`find`, :func:`export`, :func:`erase` — a citizen's request, by phone number or
  name: what is held, a copy of it, and erasure (pseudonyms in every version).

All of it needs the ``admin`` role and is written to the audit log, which records a
request by the sha256 of its query, never the query itself. Purging and erasing rewrite
old versions: the one exception to "versions are never changed", made for the law.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, select

from data import audit
from data.access import PERSONAL_KINDS, Account, require
from data.db_models import Base
from data.errors import InputError
from data.store.jsondoc import content_hash

if TYPE_CHECKING:
    from data.store import Store

#: Field name → what it holds, for every field that holds a citizen's personal data.
PERSONAL_FIELDS: Mapping[str, str] = {
    "citizen_name": "name",
    "name": "name",
    "full_name": "name",
    "address": "address",
    "label": "address",
    "phone": "phone",
    "phone_number": "phone",
    "dossier_code": "dossier_code",
    "notes": "notes",
    "note": "notes",
    # who took a result at the door (data.outcomes)
    "receiver_name": "name",
}

#: Default retention: days after the plan date.
DEFAULT_RETENTION_DAYS = 90

#: ``meta`` key set on a version whose personal fields were replaced.
PURGED_META_KEY = "personal_data_purged_at"

_DOCUMENTS: Table = Base.metadata.tables["documents"]
_VERSIONS: Table = Base.metadata.tables["document_versions"]
#: Stop outcomes reported from the road (data.outcomes): receiver_name and note.
_OUTCOMES: Table = Base.metadata.tables["outcomes"]
OUTCOME_KIND = "outcome"


# --------------------------------------------------------------------------- where it is


def personal_records(doc: Any, kind: str) -> Iterator[dict[str, Any]]:
    """Yield every record (a dict, changed in place by callers) holding personal fields.

    Parameters
    ----------
    doc
        A parsed stored document.
    kind
        Its kind: job lists are tables (one record per row); plans and manual edits hold
        routes whose citizen stops (a ``job_id`` and no ``office_id``) are records, as
        are the rows of any ``details`` / ``jobs`` list beside them and the citizens'
        visits of the day's problem the plan carries (``problem.jobs[].pickup|delivery``:
        address label and phone).
    """
    if kind not in PERSONAL_KINDS or not isinstance(doc, dict):
        return
    if doc.get("format") == "pandas-table":
        for row in (doc.get("table") or {}).get("data") or []:
            if isinstance(row, dict):
                yield row
        return
    for route in doc.get("routes") or []:
        for stop in (route.get("stops") or []) if isinstance(route, dict) else []:
            if isinstance(stop, dict) and stop.get("job_id") is not None \
                    and not stop.get("office_id"):
                yield stop
    problem = doc.get("problem")
    for job in (problem.get("jobs") or []) if isinstance(problem, dict) else []:
        for role in ("pickup", "delivery"):
            visit = job.get(role) if isinstance(job, dict) else None
            if isinstance(visit, dict) and not visit.get("office_id"):
                yield visit
    for key in ("details", "jobs"):
        rows = doc.get(key)
        values = rows.values() if isinstance(rows, dict) else rows if isinstance(rows, list) \
            else []
        for row in values:
            if isinstance(row, dict):
                yield row
                job = row.get("job")  # carried jobs (routing.dayloop): the job's stops
                for visit in (job.get("pickup"), job.get("delivery")) \
                        if isinstance(job, dict) else ():
                    if isinstance(visit, dict):
                        yield visit


def personal_fields_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return the personal fields a record holds (non-empty values only)."""
    return {k: v for k, v in record.items()
            if k in PERSONAL_FIELDS and v not in (None, "") and not _is_pseudonym(v)}


def _is_pseudonym(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("ẩn danh ")


def _pseudonymiser(key: bytes) -> Callable[[str, Any], str]:
    def pseudonym(field_name: str, value: Any) -> str:
        digest = hmac.new(key, f"{field_name}\x00{value}".encode(), hashlib.sha256).hexdigest()
        return f"ẩn danh {PERSONAL_FIELDS[field_name]} {digest[:10]}"
    return pseudonym


def _pseudonymise(doc: Any, kind: str, pseudonym: Callable[[str, Any], str],
                  wanted: Callable[[Mapping[str, Any]], bool]) -> int:
    """Replace the personal fields of the records ``wanted`` picks; return how many fields.

    A picked record's job is the citizen's: every other record of the same job in the
    document (its stop on a route, its details) is pseudonymised with it.
    """
    changed = 0
    touched: set[str] = set()
    records = list(personal_records(doc, kind))
    picked = [r for r in records if wanted(r)]
    jobs = {str(r["job_id"]) for r in picked if r.get("job_id") is not None}
    for record in records:
        if not (any(record is r for r in picked)
                or (record.get("job_id") is not None and str(record["job_id"]) in jobs)):
            continue
        for name, value in personal_fields_of(record).items():
            record[name] = pseudonym(name, value)
            touched.add(name)
            changed += 1
    if changed and isinstance(doc, dict) and doc.get("format") == "pandas-table":
        for spec in ((doc.get("table") or {}).get("schema") or {}).get("fields") or []:
            if isinstance(spec, dict) and spec.get("name") in touched:
                spec["type"] = "string"  # a pseudonym is text, whatever the column held
                spec.pop("extDtype", None)
    return changed


# --------------------------------------------------------------------------- matching


def _fold(text: Any) -> str:
    value = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", value).strip().lower()


def _digits(text: Any) -> str:
    digits = re.sub(r"\D", "", str(text))
    return "0" + digits[2:] if digits.startswith("84") and len(digits) >= 11 else digits


def _matcher(phone: str | None, name: str | None) -> tuple[Callable[[Mapping[str, Any]], bool],
                                                           str]:
    if bool(phone) == bool(name):
        raise InputError("Hãy cho đúng một trong --phone hoặc --name. / Give exactly one of "
                         "--phone or --name.", summary="Nothing was searched")
    if phone:
        wanted = _digits(phone)
        if len(wanted) < 8:
            raise InputError(f"Số điện thoại '{phone}' quá ngắn (cần ≥ 8 chữ số). / The phone "
                             f"number '{phone}' is too short (8 digits or more).",
                             summary="Nothing was searched")

        def by_phone(record: Mapping[str, Any]) -> bool:
            fields = personal_fields_of(record)
            return any(_digits(v) == wanted for k, v in fields.items()
                       if PERSONAL_FIELDS[k] == "phone") or any(
                wanted in _digits(v) for k, v in fields.items() if PERSONAL_FIELDS[k] == "notes")
        return by_phone, f"phone:{wanted}"
    folded = _fold(name)
    if len(folded) < 3:
        raise InputError(f"Tên '{name}' quá ngắn (cần ≥ 3 ký tự). / The name '{name}' is too "
                         f"short (3 characters or more).", summary="Nothing was searched")

    def by_name(record: Mapping[str, Any]) -> bool:
        return any(folded in _fold(v) for k, v in personal_fields_of(record).items()
                   if PERSONAL_FIELDS[k] != "phone")
    return by_name, f"name:{folded}"


def _query_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PersonalRecord:
    """One record about a citizen found in a stored version.

    Parameters
    ----------
    object_id, kind, name, version
        The stored document and version it is in.
    plan_date
        The document's day, when it has one.
    job_id
        The job the record belongs to.
    fields
        The personal fields it holds.
    """

    object_id: int
    kind: str
    name: str
    version: int
    plan_date: str | None
    job_id: str | None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PurgeReport:
    """What :func:`purge` or :func:`erase` changed.

    Parameters
    ----------
    versions
        Stored versions rewritten.
    documents
        Documents they belong to.
    fields
        Personal fields replaced by pseudonyms.
    cutoff
        Plan dates before this day were purged (purge only).
    outcomes
        Stop outcomes (:mod:`data.outcomes`) whose receiver name or note was replaced.
    drafts
        Unsaved drafts (:mod:`data.drafts`) untouched past retention, deleted (purge only).
    dry_run
        True when nothing was written (only counted).
    """

    versions: int
    documents: int
    fields: int
    cutoff: date | None = None
    dry_run: bool = False
    outcomes: int = 0
    drafts: int = 0

    def summary(self) -> str:
        """One line."""
        what = "would replace" if self.dry_run else "replaced"
        before = f" (plan dates before {self.cutoff.isoformat()})" if self.cutoff else ""
        return (f"{what} {self.fields} personal fields with pseudonyms in {self.versions} "
                f"versions of {self.documents} documents and {self.outcomes} stop "
                f"outcomes{before}" + (f"; deleted {self.drafts} old drafts" if self.drafts
                                       else ""))


# --------------------------------------------------------------------------- operations


def _version_day(meta: Mapping[str, Any], doc: Any, created_at: datetime) -> date:
    for source in (meta, doc if isinstance(doc, dict) else {}):
        value = source.get("plan_date")
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                pass
    return created_at.date()


def _rows(conn: Any) -> list[Any]:
    return conn.execute(
        select(_VERSIONS, _DOCUMENTS.c.kind, _DOCUMENTS.c.name.label("doc_name"),
               _DOCUMENTS.c.version.label("latest"))
        .join(_DOCUMENTS, _DOCUMENTS.c.id == _VERSIONS.c.document_id)
        .where(_DOCUMENTS.c.kind.in_(sorted(PERSONAL_KINDS)))
        .order_by(_VERSIONS.c.document_id, _VERSIONS.c.version)).all()


def _outcome_rows(conn: Any) -> list[Any]:
    return conn.execute(select(_OUTCOMES.c.outcome_id, _OUTCOMES.c.plan_id,
                               _OUTCOMES.c.plan_version, _OUTCOMES.c.plan_date,
                               _OUTCOMES.c.job_id, _OUTCOMES.c.receiver_name,
                               _OUTCOMES.c.note)
                        .order_by(_OUTCOMES.c.plan_date, _OUTCOMES.c.outcome_id)).all()


def _outcome_record(row: Any) -> dict[str, Any]:
    return {"job_id": row.job_id, "receiver_name": row.receiver_name, "note": row.note}


def _rewrite_outcomes(conn: Any, pseudonym: Callable[[str, Any], str], *,
                      pick_day: Callable[[date], bool],
                      wanted: Callable[[Mapping[str, Any]], bool],
                      dry_run: bool) -> tuple[int, int]:
    """Pseudonymise the receiver names and notes of picked outcomes; (rows, fields)."""
    rows = fields = 0
    for row in _outcome_rows(conn):
        record = _outcome_record(row)
        if not pick_day(row.plan_date) or not wanted(record):
            continue
        found = personal_fields_of(record)
        if not found:
            continue
        rows += 1
        fields += len(found)
        if not dry_run:  # the table's triggers allow only these two columns to change
            conn.execute(_OUTCOMES.update().where(_OUTCOMES.c.outcome_id == row.outcome_id)
                         .values({k: pseudonym(k, v) for k, v in found.items()}))
    return rows, fields


def _rewrite(store: Store, actor: Account, action: str, *,
             pick_version: Callable[[Any, Any], bool],
             wanted: Callable[[Mapping[str, Any]], bool],
             detail: dict[str, Any], dry_run: bool = False,
             cutoff: date | None = None,
             pick_day: Callable[[date], bool] = lambda day: True) -> PurgeReport:
    pseudonym = _pseudonymiser(secrets.token_bytes(32))  # forgotten after this call
    now = datetime.now(UTC)
    versions = fields = 0
    documents: set[int] = set()
    with store.write_transaction() as conn:
        for row in _rows(conn):
            doc = json.loads(row.content)
            if not pick_version(row, doc):
                continue
            new = copy.deepcopy(doc)
            n = _pseudonymise(new, row.kind, pseudonym, wanted)
            if not n:
                continue
            versions += 1
            fields += n
            documents.add(row.document_id)
            if dry_run:
                continue
            text = json.dumps(new, ensure_ascii=False)
            digest = content_hash(new)
            meta = {**dict(row.meta or {}), PURGED_META_KEY: now.isoformat()}
            conn.execute(_VERSIONS.update().where(_VERSIONS.c.id == row.id).values(
                content=text, content_hash=digest, size_bytes=len(text.encode("utf-8")),
                meta=meta))
            if row.version == row.latest:
                conn.execute(_DOCUMENTS.update().where(_DOCUMENTS.c.id == row.document_id)
                             .values(content_hash=digest))
        outcomes, outcome_fields = _rewrite_outcomes(conn, pseudonym, pick_day=pick_day,
                                                     wanted=wanted, dry_run=dry_run)
        fields += outcome_fields
        audit.append(conn, action, actor=actor, detail={
            **detail, "versions": versions, "documents": len(documents), "fields": fields,
            "outcomes": outcomes, "dry_run": dry_run}, at=now)
    return PurgeReport(versions, len(documents), fields, cutoff, dry_run, outcomes)


def purge(store: Store, *, actor: Account, days: int = DEFAULT_RETENTION_DAYS,
          today: date | None = None, dry_run: bool = False) -> PurgeReport:
    """Pseudonymise personal fields of every version whose plan date is past retention.

    Parameters
    ----------
    store
        The store.
    actor
        An admin.
    days
        Retention after the plan date (``Settings.retention_days``; default 90). A
        version with no plan date counts from the day it was saved.
    today
        The day to count from (default today, UTC).
    dry_run
        Only count what would change (still audited).

    Raises
    ------
    AccessDenied
        ``actor`` is not an admin.
    InputError
        ``days`` is not a positive whole number.
    """
    require(actor, "privacy.manage")
    if not isinstance(days, int) or days < 1:
        raise InputError(f"Thời gian lưu giữ phải là số ngày ≥ 1, không phải {days!r}. / "
                         f"Retention must be a whole number of days ≥ 1, not {days!r}.",
                         summary="Nothing was purged")
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=days)

    def old(row: Any, doc: Any) -> bool:
        return _version_day(row.meta or {}, doc, row.created_at) < cutoff

    report = _rewrite(store, actor, "privacy_purge", pick_version=old,
                      wanted=lambda r: True,
                      detail={"days": days, "cutoff": cutoff.isoformat()}, dry_run=dry_run,
                      cutoff=cutoff, pick_day=lambda day: day < cutoff)
    if dry_run:
        return report
    from data.drafts import purge_old_drafts

    gone = purge_old_drafts(store, actor=actor, days=days,
                            now=datetime.combine(cutoff + timedelta(days=days), time(), UTC))
    return dataclasses.replace(report, drafts=gone)


def find(store: Store, *, actor: Account, phone: str | None = None,
         name: str | None = None) -> list[PersonalRecord]:
    """Every record about a citizen, by phone number or name, in every stored version.

    Phone numbers match on their digits (``+84 91…`` = ``091…``); names match accent-,
    case- and spacing-insensitively inside any personal text field. Audited (the query
    as a hash).

    Raises
    ------
    AccessDenied
        ``actor`` is not an admin.
    InputError
        Neither or both of ``phone`` and ``name``, or too short a query.
    """
    require(actor, "privacy.manage")
    wanted, query = _matcher(phone, name)
    found: list[PersonalRecord] = []
    with store.read_transaction() as conn:
        rows = _rows(conn)
    for row in rows:
        doc = json.loads(row.content)
        day = _version_day(row.meta or {}, doc, row.created_at)
        for record in personal_records(doc, row.kind):
            if wanted(record):
                found.append(PersonalRecord(
                    object_id=row.document_id, kind=row.kind, name=row.doc_name,
                    version=row.version, plan_date=day.isoformat(),
                    job_id=None if record.get("job_id") is None else str(record["job_id"]),
                    fields=personal_fields_of(record)))
    with store.read_transaction() as conn:
        reported = _outcome_rows(conn)
    for row in reported:
        record = _outcome_record(row)
        if wanted(record):
            found.append(PersonalRecord(
                object_id=row.plan_id, kind=OUTCOME_KIND, name=row.outcome_id,
                version=row.plan_version, plan_date=row.plan_date.isoformat(),
                job_id=row.job_id, fields=personal_fields_of(record)))
    store.record("privacy_find", actor=actor,
                 detail={"query_sha256": _query_hash(query), "matches": len(found)})
    return found


def export(store: Store, *, actor: Account, phone: str | None = None,
           name: str | None = None) -> dict[str, Any]:
    """Everything held about a citizen, as one JSON document to hand over (audited).

    Returns
    -------
    dict
        ``format``, ``generated_at``, ``records`` (document, version, plan date, job,
        personal fields) and what each field category means.
    """
    records = find(store, actor=actor, phone=phone, name=name)
    _wanted, query = _matcher(phone, name)
    store.record("privacy_export", actor=actor,
                 detail={"query_sha256": _query_hash(query), "records": len(records)})
    return {
        "format": "postplan-personal-data-export",
        "generated_at": datetime.now(UTC).isoformat(),
        "controller_note": "Dữ liệu cá nhân postplan lưu về công dân này / Personal data "
                           "postplan holds about this citizen",
        "field_categories": dict(PERSONAL_FIELDS),
        "records": [
            {"object_id": r.object_id, "kind": r.kind, "document": r.name,
             "version": r.version, "plan_date": r.plan_date, "job_id": r.job_id,
             "fields": r.fields}
            for r in records
        ],
    }


def erase(store: Store, *, actor: Account, phone: str | None = None,
          name: str | None = None) -> PurgeReport:
    """Replace a citizen's personal fields with pseudonyms in every version (audited).

    Counts, distances and times are untouched, as with :func:`purge`.
    """
    require(actor, "privacy.manage")
    wanted, query = _matcher(phone, name)
    return _rewrite(store, actor, "privacy_erase", pick_version=lambda row, doc: True,
                    wanted=wanted, detail={"query_sha256": _query_hash(query)})
