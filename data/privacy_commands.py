"""``postplan privacy purge|find|export|erase``: retention and citizens' requests (admins).

``purge`` replaces citizens' personal fields with pseudonyms once a plan is older than the
retention (``--days``, default ``POSTPLAN_RETENTION_DAYS`` or 90 days after its plan date);
``find`` / ``export`` / ``erase`` answer a citizen's request by ``--phone`` or ``--name``.
Each acts ``--as`` an admin and is written to the audit log (a request by its hash only).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from data import privacy
from data.account_commands import acting, add_as_argument
from data.settings import Settings
from data.store import Store


def register(subparsers: Any) -> None:
    """Add the ``privacy`` command and its sub-commands.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    top = subparsers.add_parser(
        "privacy", help="citizens' personal data: retention purge and citizens' requests",
        description="Citizens' personal data (names, addresses, phones, dossier codes, notes) "
                    "in stored plans and job lists (admins only).")
    sub = top.add_subparsers(dest="privacy_command", required=True)

    def add(name: str, help_: str, *, who: bool) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        add_as_argument(p)
        if who:
            group = p.add_mutually_exclusive_group(required=True)
            group.add_argument("--phone", default=None, help="the citizen's phone number")
            group.add_argument("--name", default=None, help="the citizen's name")
        return p

    p = add("purge", "replace personal fields past retention with pseudonyms", who=False)
    p.add_argument("--days", type=int, default=None,
                   help="retention in days after the plan date (default "
                        "POSTPLAN_RETENTION_DAYS or 90)")
    p.add_argument("--today", type=date.fromisoformat, default=None,
                   help="count from this day instead of today (YYYY-MM-DD)")
    p.add_argument("--dry-run", action="store_true", help="only count what would change")
    p.set_defaults(func=cmd_purge)

    p = add("find", "list what is held about a citizen", who=True)
    p.set_defaults(func=cmd_find)

    p = add("export", "write everything held about a citizen to a JSON file", who=True)
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    p.set_defaults(func=cmd_export)

    p = add("erase", "replace a citizen's personal fields with pseudonyms everywhere", who=True)
    p.set_defaults(func=cmd_erase)


def _print(args: argparse.Namespace, doc: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps({"ok": True, **doc}, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)


def cmd_purge(args: argparse.Namespace) -> int:
    """Purge personal data past retention."""
    settings = Settings.from_env()
    with Store.open(settings) as store:
        report = privacy.purge(store, actor=acting(store, args),
                               days=args.days if args.days is not None
                               else settings.retention_days,
                               today=args.today, dry_run=args.dry_run)
    _print(args, {"purge": asdict(report)}, report.summary())
    return 0


def cmd_find(args: argparse.Namespace) -> int:
    """List the records about a citizen."""
    with Store.open(Settings.from_env()) as store:
        records = privacy.find(store, actor=acting(store, args), phone=args.phone,
                               name=args.name)
    lines = [f"#{r.object_id} {r.kind} {r.name!r} v{r.version} {r.plan_date} job {r.job_id}: "
             f"{json.dumps(r.fields, ensure_ascii=False)}" for r in records]
    _print(args, {"records": [asdict(r) for r in records]},
           "\n".join(lines) or "nothing held about this citizen")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write what is held about a citizen to a file."""
    with Store.open(Settings.from_env()) as store:
        doc = privacy.export(store, actor=acting(store, args), phone=args.phone,
                             name=args.name)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    _print(args, {"path": str(args.output), "records": len(doc["records"])},
           f"wrote {args.output} ({len(doc['records'])} records)")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase a citizen's personal fields."""
    with Store.open(Settings.from_env()) as store:
        report = privacy.erase(store, actor=acting(store, args), phone=args.phone,
                               name=args.name)
    _print(args, {"erase": asdict(report)}, report.summary())
    return 0
