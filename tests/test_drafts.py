"""Server-side drafts (data.drafts): per account and page, unchanged saves write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from store_utils import account
from test_store import _postgres_url

from data import privacy
from data.access import Account
from data.audit import list_audit
from data.drafts import discard_draft, load_draft, purge_old_drafts, save_draft
from data.errors import AccessDenied, InputError
from data.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store (SQLite file or a new PostgreSQL database)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}" if request.param == "sqlite" \
        else _postgres_url()
    with Store(url) as s:
        yield s


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    """An admin, two dispatchers, a planner, a courier and a viewer."""
    return {"admin": account(store, "root"),
            "lan": account(store, "lan", role="dispatcher", offices=["BC-A"]),
            "minh": account(store, "minh", role="dispatcher", offices=["BC-A"]),
            "ha": account(store, "ha", role="planner"),
            "c1": account(store, "c1", role="courier", courier_id="C1"),
            "xem": account(store, "xem", role="viewer")}


def test_a_draft_comes_back_and_is_the_account_own(store: Store,
                                                   people: dict[str, Account]) -> None:
    """Lan's draft is Lan's: Minh of the same office sees none; discarding forgets it."""
    work = {"jobs": [{"job_id": "J1", "label": "Thôn 3, Đăk Tô"}], "day": "2026-11-25"}
    saved = save_draft(store, "dispatch", work, actor=people["lan"])
    assert saved.content == work
    back = load_draft(store, "dispatch", actor=people["lan"])
    assert back is not None and back.content == work and back.content_hash == saved.content_hash
    assert load_draft(store, "dispatch", actor=people["minh"]) is None
    assert load_draft(store, "coverage", actor=people["lan"]) is None
    assert discard_draft(store, "dispatch", actor=people["lan"]) is True
    assert load_draft(store, "dispatch", actor=people["lan"]) is None
    assert discard_draft(store, "dispatch", actor=people["lan"]) is False


def test_unchanged_content_writes_nothing_and_changes_replace(
        store: Store, people: dict[str, Account]) -> None:
    """Saving the same content keeps its time; new content replaces it (one row)."""
    first = save_draft(store, "coverage", {"cutoff_min": 30}, actor=people["ha"])
    same = save_draft(store, "coverage", {"cutoff_min": 30}, actor=people["ha"])
    assert same.updated_at == first.updated_at
    save_draft(store, "coverage", {"cutoff_min": 45}, actor=people["ha"])
    back = load_draft(store, "coverage", actor=people["ha"], audit=False)
    assert back is not None and back.content == {"cutoff_min": 45}


def test_roles_without_drafts_and_bad_input_are_refused(store: Store,
                                                        people: dict[str, Account]) -> None:
    """Couriers and viewers keep no drafts; unknown pages and non-objects are named."""
    for who in ("c1", "xem"):
        with pytest.raises(AccessDenied, match="keep drafts"):
            save_draft(store, "dispatch", {}, actor=people[who])
    with pytest.raises(InputError, match="Page 'reports' keeps no draft"):
        save_draft(store, "reports", {}, actor=people["lan"])
    with pytest.raises(InputError, match="cannot be written as JSON"):
        save_draft(store, "data", {"x": float("nan")}, actor=people["admin"])


def test_restoring_is_audited_and_old_drafts_are_purged(store: Store,
                                                        people: dict[str, Account]) -> None:
    """Opening a draft is in the audit log; the retention purge deletes untouched drafts."""
    save_draft(store, "dispatch", {"jobs": []}, actor=people["lan"])
    load_draft(store, "dispatch", actor=people["lan"])
    opened = [e for e in list_audit(store, actor=people["admin"], action="open")
              if e.object_kind == "draft"]
    assert [(e.username, e.object_name) for e in opened] == [("lan", "dispatch")]
    with pytest.raises(AccessDenied):
        purge_old_drafts(store, actor=people["lan"], days=90)
    assert purge_old_drafts(store, actor=people["admin"], days=90) == 0
    later = datetime.now(UTC) + timedelta(days=91)
    assert purge_old_drafts(store, actor=people["admin"], days=90, now=later) == 1
    save_draft(store, "dispatch", {"jobs": [1]}, actor=people["lan"])
    report = privacy.purge(store, actor=people["admin"], days=90,
                           today=date.today() + timedelta(days=91))
    assert report.drafts == 1 and "deleted 1 old drafts" in report.summary()
