"""docs/deploy.md's PostgreSQL roles, run as written on a real PostgreSQL.

The two SQL blocks of the guide (roles; grants) are read from the file itself, so the
guide and this test cannot drift apart. The owner creates the tables and the first admin;
the login role then logs in, saves, opens and reads the audit log, and is refused any
change to the audit log or to a table.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from test_store import _postgres_url, make_plan

from data import accounts as acc
from data import logins
from data.audit import list_audit
from data.store import Store

pytestmark = pytest.mark.postgres

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"
PASSWORD = "mật-khẩu-quản-trị"


def guide_sql(name: str) -> list[str]:
    """The statements of the guide's SQL block marked ``<!-- deploy-sql: NAME -->``."""
    found = re.search(rf"<!-- deploy-sql: {name} -->\n```sql\n(.*?)```", GUIDE.read_text(),
                      re.S)
    assert found, f"docs/deploy.md has no SQL block {name!r}"
    return [s.strip() for s in found.group(1).split(";") if s.strip()]


def _as(url: str, role: str, database: str | None = None) -> str:
    """``url`` (the test cluster's, as postgres) for another role and database."""
    head, rest = url.split("@", 1)
    db_and_query = rest.split("/", 1)[1]
    query = db_and_query.split("?", 1)[1]
    return f"{head.split('//')[0]}//{role}@/{database or db_and_query.split('?')[0]}?{query}"


def test_the_guides_login_role_may_use_rows_but_not_change_tables() -> None:
    """Roles and grants as the guide writes them: the app works, the audit log stays put."""
    admin_url = _postgres_url()  # a database on the real test cluster, as the superuser
    tag = uuid.uuid4().hex[:8]
    names = {"postplan_owner": f"owner_{tag}", "postplan_app": f"app_{tag}",
             "postplan": f"postplan_{tag}"}

    def named(statement: str) -> str:
        return re.sub(r"\b(postplan_owner|postplan_app|postplan)\b",
                      lambda m: names[m.group(1)], statement)

    import psycopg

    socket = re.search(r"host=([^&]+)", admin_url).group(1)  # type: ignore[union-attr]
    port = int(re.search(r"port=(\d+)", admin_url).group(1))  # type: ignore[union-attr]
    with psycopg.connect(host=socket, port=port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        for statement in guide_sql("roles"):
            conn.execute(named(statement))  # type: ignore[arg-type]
    owner_url = _as(admin_url, names["postplan_owner"], names["postplan"])
    with Store(owner_url) as store:  # the owner creates the tables and the first admin
        acc.create_first_admin(store, "lan", password=PASSWORD)
    with psycopg.connect(host=socket, port=port, user=names["postplan_owner"],
                         dbname=names["postplan"], autocommit=True) as conn:
        for statement in guide_sql("grants"):
            conn.execute(named(statement))  # type: ignore[arg-type]

    app_url = _as(admin_url, names["postplan_app"], names["postplan"])
    with Store(app_url) as store:
        session = logins.login(store, "lan", PASSWORD)
        lan = session.account
        saved = store.save_plan(make_plan(), name="Kế hoạch", actor=lan)
        assert store.get(saved.id, actor=lan).name == "Kế hoạch"
        acc.add_account(store, "minh", actor=lan, role="dispatcher", password=None,
                        offices=["po-23293"])
        logins.logout(store, session.token)
        assert [e.action for e in list_audit(store, actor=lan)][-5:] == [
            "login", "save", "open", "account_add", "logout"]
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log", "DROP TABLE documents",
                          "ALTER TABLE accounts ADD COLUMN x int",
                          "CREATE TABLE mine (x int)"):
            with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"), \
                    store.engine.begin() as conn:
                conn.execute(text(statement))
