"""``postplan db check|backup|restore``: look after the plan store's database itself.

The database is ``POSTPLAN_DB_URL`` (SQLite in ``POSTPLAN_USER_DIR`` by default). Backups
go to ``POSTPLAN_USER_DIR/backups/`` unless a file is named; a restore first keeps the
current database there as ``before-restore-….sqlite`` (or ``.dump``). Stop the app
before restoring.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from data.json_out import print_json
from data.settings import Settings
from data.store import backup_database, check_database, restore_database
from data.store.maintenance import default_backup_path
from data.store.messages import check_hint


def register(subparsers: Any) -> None:
    """Add the ``db`` command and its sub-commands.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    db = subparsers.add_parser(
        "db", help="check, back up and restore the plan store's database",
        description="Check, back up and restore the plan store's database (POSTPLAN_DB_URL, "
                    "default a SQLite file in the user data folder).")
    sub = db.add_subparsers(dest="db_command", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        return p

    p = add("check", "full integrity check: SQLite integrity_check, schema, every content hash")
    p.set_defaults(func=cmd_check)

    p = add("backup", "write a consistent backup (SQLite backup API, or pg_dump)")
    p.add_argument("file", nargs="?", type=Path, default=None,
                   help="backup file to create (default: a new file in the backups folder)")
    p.set_defaults(func=cmd_backup)

    p = add("restore", "replace the database by a backup (the current one is kept first)")
    p.add_argument("file", type=Path, help="a backup from `postplan db backup`")
    p.set_defaults(func=cmd_restore)


def _backups_dir(settings: Settings) -> Path:
    return settings.user_dir / "backups"






def cmd_check(args: argparse.Namespace) -> int:
    """Check the database; exit 1 when a problem is found."""
    report = check_database(Settings.from_env().database_url)
    if args.json:
        print_json({"ok": report.ok, "check": {**asdict(report), "ok": report.ok},
                     "problems": list(report.problems),
                     "message": "" if report.ok else check_hint()})
        return 0 if report.ok else 1
    print(report.summary())
    if report.read_only_reason:
        print(f"  {report.read_only_reason}")
    for problem in report.problems:
        print(f"  - {problem}")
    if not report.ok:
        print(check_hint())
    return 0 if report.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a backup file."""
    settings = Settings.from_env()
    target = args.file or default_backup_path(_backups_dir(settings), settings.database_url)
    result = backup_database(settings.database_url, target)
    if args.json:
        print_json({"ok": True, "backup": asdict(result)})
    else:
        print(f"wrote {result.summary()}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup, keeping the current database as a safety copy."""
    settings = Settings.from_env()
    result = restore_database(settings.database_url, args.file,
                              backups_dir=_backups_dir(settings))
    if args.json:
        print_json({"ok": True, "restore": asdict(result)})
    else:
        print(result.summary())
    return 0
