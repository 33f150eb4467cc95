"""The audit log: who did what, when — append-only, in the project's database.

Entries are written in the same transaction as what they record (a save and its entry
commit together), and only ever inserted: there is no update or delete path here, and a
trigger on both databases (migration ``0002``) refuses UPDATE and DELETE on the table.

Recorded actions (:data:`ACTIONS`): logins, failed logins, locks and logouts; opening
anything that holds citizens' data; every export; saves, restores and deletes; account
changes; personal-data requests and purges; each stop outcome reported from the road
and each closed day. Entries never hold personal data themselves:
a search for a citizen is recorded by the sha256 of its query.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table, select

from data.access import Account, require
from data.db_models import Base


class _Database(Protocol):
    """What reading the log needs of a store (``data.store.Store`` imports this module)."""

    engine: Engine

    def record(self, action: str, *, actor: Account, object_kind: str | None = None,
               object_id: int | None = None, object_name: str | None = None,
               detail: dict[str, Any] | None = None) -> None: ...

#: What the audit log records.
ACTIONS = (
    "login", "login_failed", "lock", "logout", "session_expired",
    "open", "export",
    "save", "restore", "delete",
    "account_add", "account_update", "account_disable", "account_enable", "password_reset",
    "privacy_find", "privacy_export", "privacy_erase", "privacy_purge",
    "outcome", "day_close",
)

_AUDIT: Table = Base.metadata.tables["audit_log"]
_LOG = logging.getLogger("postplan.audit")


@dataclass(frozen=True)
class AuditEntry:
    """One audit-log entry.

    Parameters
    ----------
    id
        Increasing id (the order entries were written).
    at
        When (UTC).
    username, role
        Who acted (None for a failed login naming no account).
    action
        One of :data:`ACTIONS`.
    object_kind, object_id, object_name
        What it was about (a stored document, an account…), when anything.
    detail
        Small JSON facts (version, format, reason…); never personal data.
    """

    id: int
    at: datetime
    username: str | None
    role: str | None
    action: str
    object_kind: str | None = None
    object_id: int | None = None
    object_name: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: time, who, action, object."""
        who = f"{self.username} ({self.role})" if self.username else "—"
        obj = ""
        if self.object_kind:
            obj = f" {self.object_kind}"
            obj += f" #{self.object_id}" if self.object_id is not None else ""
            obj += f" {self.object_name!r}" if self.object_name else ""
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.at:%Y-%m-%d %H:%M:%S} UTC  {who}  {self.action}{obj}{extra}"


def append(
    conn: Connection,
    action: str,
    *,
    actor: Account | None = None,
    username: str | None = None,
    object_kind: str | None = None,
    object_id: int | None = None,
    object_name: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Insert one entry inside the caller's transaction (it commits with the change).

    Parameters
    ----------
    conn
        An open write transaction.
    action
        One of :data:`ACTIONS`.
    actor
        Who acted; or only ``username`` (a failed login names an account that may not exist).
    username
        Used when ``actor`` is None.
    object_kind, object_id, object_name
        What it was about.
    detail
        Small JSON facts; never personal data.
    at
        When (default now).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; use one of {', '.join(ACTIONS)}")
    conn.execute(_AUDIT.insert().values(
        at=at or datetime.now(UTC),
        username=actor.username if actor else username,
        role=actor.role if actor else None,
        action=action, object_kind=object_kind, object_id=object_id,
        object_name=(object_name or None) and object_name[:200],
        detail=dict(detail or {}),
    ))


def log_only(action: str, *, actor: Account, **facts: Any) -> None:
    """Record an action in the application log when the database cannot be written.

    A read-only (damaged, or read-only file) store still lets people read; what they
    open is then logged here instead, at WARNING level.
    """
    _LOG.warning("audit (read-only store) %s by %s (%s): %s", action, actor.username,
                 actor.role, facts)


def list_audit(
    store: _Database,
    *,
    actor: Account,
    since: date | datetime | None = None,
    user: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Audit entries, oldest first (admins only).

    Parameters
    ----------
    store
        The store.
    actor
        The acting account (must be an admin).
    since
        Only entries at or after this time (a date means its start, UTC).
    user
        Only this username's entries.
    action
        Only this action.
    limit
        Only the last ``limit`` entries.

    Raises
    ------
    AccessDenied
        The actor is not an admin.
    """
    require(actor, "audit.read")
    query = select(_AUDIT)
    if since is not None:
        start = since if isinstance(since, datetime) else datetime.combine(since, time(), UTC)
        query = query.where(_AUDIT.c.at >= start)
    if user is not None:
        query = query.where(_AUDIT.c.username == user)
    if action is not None:
        query = query.where(_AUDIT.c.action == action)
    query = query.order_by(_AUDIT.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AuditEntry(
            id=r.id, at=r.at.replace(tzinfo=UTC) if r.at.tzinfo is None else r.at.astimezone(UTC),
            username=r.username, role=r.role, action=r.action, object_kind=r.object_kind,
            object_id=r.object_id, object_name=r.object_name, detail=dict(r.detail or {}),
        )
        for r in reversed(rows)
    ]


#: Columns of the audit log as a table (the admin page, its CSV export).
AUDIT_COLUMNS = ("id", "at", "username", "role", "action", "object_kind", "object_id",
                 "object_name", "detail")


def audit_rows(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    """Return the entries as table rows (:data:`AUDIT_COLUMNS`; ISO UTC times, JSON detail)."""
    return [
        {"id": e.id, "at": e.at.isoformat(timespec="seconds"), "username": e.username or "",
         "role": e.role or "", "action": e.action, "object_kind": e.object_kind or "",
         "object_id": e.object_id, "object_name": e.object_name or "",
         "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""}
        for e in entries
    ]


def export_audit(
    store: _Database,
    *,
    actor: Account,
    since: date | datetime | None = None,
    user: str | None = None,
    action: str | None = None,
) -> bytes:
    """Return the audit log (filtered as :func:`list_audit`) as CSV; the export is audited.

    The export itself is recorded (action ``export``, object kind ``audit_log``, with the
    filters and the number of entries) after the entries are read, so it is not in its
    own file.

    Raises
    ------
    AccessDenied
        The actor is not an admin.
    """
    from data.tables import csv_bytes  # pandas only when exporting

    entries = list_audit(store, actor=actor, since=since, user=user, action=action)
    import pandas as pd

    frame = pd.DataFrame(audit_rows(entries), columns=list(AUDIT_COLUMNS))
    data = csv_bytes(frame)
    store.record("export", actor=actor, object_kind="audit_log", object_name="audit_log.csv",
                 detail={"format": "csv", "entries": len(entries),
                         "since": since.isoformat() if since is not None else None,
                         "user": user, "action": action})
    return data
