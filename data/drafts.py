"""Drafts: each account's unsaved work on a page, kept on the server as it happens.

A dispatcher's imported jobs, plan and edits, an admin's office, closure and speed-table
edits, a planner's coverage settings — everything a page holds before it is saved — is
written here after every change (one row per account and page in the ``drafts`` table,
migration ``0003``), so a reload, a closed browser tab or a new login restores it
(:mod:`app.drafts` does that for the pages). Saving the same content again writes nothing.
:func:`discard_draft` forgets it.

Drafts belong to the account that made them: :func:`data.access.require` with
``drafts.own`` (admins, dispatchers, planners), and every call reads or writes only the
acting account's own row. A dispatcher's draft holds citizens' data: restoring one is
audited (``open``), and :func:`purge_old_drafts` (called by the privacy purge's retention)
deletes drafts untouched for longer than the retention period.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, select

from data.access import Account, require
from data.db_models import Base
from data.errors import InputError
from data.store.jsondoc import content_hash

if TYPE_CHECKING:
    from data.store import Store

#: Pages that keep drafts.
DRAFT_PAGES = ("dispatch", "data", "coverage")
#: Largest draft kept (JSON text, bytes).
MAX_DRAFT_BYTES = 50 * 1024 * 1024

_DRAFTS: Table = Base.metadata.tables["drafts"]


@dataclass(frozen=True)
class Draft:
    """An account's draft of one page.

    Parameters
    ----------
    page
        One of :data:`DRAFT_PAGES`.
    content
        The page's work (plain JSON values).
    content_hash
        sha256 of the canonical JSON.
    updated_at
        When it was last written (UTC).
    size_bytes
        Size of the stored JSON text.
    """

    page: str
    content: Mapping[str, Any]
    content_hash: str
    updated_at: datetime
    size_bytes: int


def _check(page: str, content: Any = None) -> None:
    if page not in DRAFT_PAGES:
        raise InputError(f"Trang '{page}' không giữ bản nháp; dùng một trong "
                         f"{', '.join(DRAFT_PAGES)}. / Page '{page}' keeps no draft; use one of "
                         f"{', '.join(DRAFT_PAGES)}.")
    if content is not None and not isinstance(content, Mapping):
        raise InputError("Bản nháp phải là một đối tượng JSON. / A draft must be a JSON object.")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def save_draft(store: Store, page: str, content: Mapping[str, Any], *, actor: Account
               ) -> Draft:
    """Keep ``content`` as ``actor``'s draft of ``page`` (nothing is written if unchanged).

    Raises
    ------
    AccessDenied
        The role keeps no drafts (couriers, viewers).
    InputError
        Unknown page, content that is not a JSON object or too large.
    StorageError
        The database failed or is read-only.
    """
    account = require(actor, "drafts.own")
    _check(page, content)
    try:
        text = json.dumps(dict(content), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Bản nháp không ghi được dạng JSON: {exc}. / The draft cannot be "
                         f"written as JSON: {exc}.") from exc
    size = len(text.encode("utf-8"))
    if size > MAX_DRAFT_BYTES:
        raise InputError(f"Bản nháp quá lớn ({size:,} byte > {MAX_DRAFT_BYTES:,}); hãy lưu "
                         f"kế hoạch. / The draft is too large ({size:,} bytes > "
                         f"{MAX_DRAFT_BYTES:,}); save the plan instead.")
    digest = content_hash(json.loads(text))
    now = datetime.now(UTC)
    where = (_DRAFTS.c.username == account.username) & (_DRAFTS.c.page == page)
    with store.write_transaction() as conn:
        row = conn.execute(select(_DRAFTS.c.id, _DRAFTS.c.content_hash,
                                  _DRAFTS.c.updated_at).where(where)).first()
        if row is not None and row.content_hash == digest:
            return Draft(page, json.loads(text), digest, _utc(row.updated_at), size)
        values = {"content": text, "content_hash": digest, "size_bytes": size,
                  "updated_at": now}
        if row is None:
            conn.execute(_DRAFTS.insert().values(username=account.username, page=page,
                                                 **values))
        else:
            conn.execute(_DRAFTS.update().where(_DRAFTS.c.id == row.id).values(**values))
    return Draft(page, json.loads(text), digest, now, size)


def load_draft(store: Store, page: str, *, actor: Account, audit: bool = True
               ) -> Draft | None:
    """Return ``actor``'s draft of ``page``, or None (opening a non-empty one is audited).

    Parameters
    ----------
    store
        The store.
    page
        One of :data:`DRAFT_PAGES`.
    actor
        The account whose draft it is.
    audit
        Record the opening (default; it may hold citizens' data).
    """
    account = require(actor, "drafts.own")
    _check(page)
    with store.read_transaction() as conn:
        row = conn.execute(select(_DRAFTS).where(
            (_DRAFTS.c.username == account.username) & (_DRAFTS.c.page == page))).first()
    if row is None:
        return None
    draft = Draft(page, json.loads(row.content), row.content_hash, _utc(row.updated_at),
                  int(row.size_bytes))
    if audit:
        store.record("open", actor=account, object_kind="draft", object_name=page,
                     detail={"size_bytes": draft.size_bytes})
    return draft


def discard_draft(store: Store, page: str, *, actor: Account) -> bool:
    """Forget ``actor``'s draft of ``page``; return whether there was one."""
    account = require(actor, "drafts.own")
    _check(page)
    with store.write_transaction() as conn:
        gone = conn.execute(delete(_DRAFTS).where(
            (_DRAFTS.c.username == account.username) & (_DRAFTS.c.page == page)))
    return bool(gone.rowcount)


def purge_old_drafts(store: Store, *, actor: Account, days: int,
                     now: datetime | None = None) -> int:
    """Delete every account's drafts untouched for more than ``days`` days (admins only)."""
    require(actor, "privacy.manage")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with store.write_transaction() as conn:
        gone = conn.execute(delete(_DRAFTS).where(_DRAFTS.c.updated_at < cutoff))
    return int(gone.rowcount or 0)


__all__ = ["DRAFT_PAGES", "MAX_DRAFT_BYTES", "Draft", "discard_draft", "load_draft",
           "purge_old_drafts", "save_draft"]
