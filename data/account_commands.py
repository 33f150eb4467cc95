"""``postplan users add|set|list|disable|enable|reset-password`` and ``postplan audit``.

The command line acts as a named local account: ``--as NAME`` (or ``POSTPLAN_AS``), which
must exist and is held to its role like anyone in the app. Shell access to the server is
admin access all the same (it can read the database file): give it only to admins.

``postplan users add NAME --role admin`` on a database without any account creates the
first admin without ``--as``. Passwords are read from the terminal (twice), or from
standard input with ``--password-stdin``; never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from data import accounts as acc
from data.access import ROLES, Account
from data.audit import export_audit, list_audit
from data.errors import InputError
from data.json_out import print_json
from data.settings import Settings
from data.store import Store


def add_as_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--as NAME`` (default ``POSTPLAN_AS``) to a sub-command."""
    parser.add_argument("--as", dest="as_user", metavar="NAME",
                        default=os.environ.get("POSTPLAN_AS") or None,
                        help="the account to act as (default POSTPLAN_AS); it must exist")


def acting(store: Store, args: argparse.Namespace) -> Account:
    """Return the account named by ``--as`` (see :func:`data.accounts.acting_account`)."""
    return acc.acting_account(store, getattr(args, "as_user", None))


def register(subparsers: Any) -> None:
    """Add the ``users`` and ``audit`` commands.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    users = subparsers.add_parser(
        "users", help="local accounts: add, list, disable, enable, reset a password",
        description="Local accounts in the plan store (roles: " + ", ".join(ROLES) + ").")
    sub = users.add_subparsers(dest="users_command", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        add_as_argument(p)
        return p

    p = add("add", "add an account (the first one, an admin, needs no --as)")
    p.add_argument("username", help="login name: lower-case a–z, digits, '.', '_', '-'")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--display-name", default=None, help="name shown (default the username)")
    p.add_argument("--office", action="append", default=[], dest="offices",
                   help="a post office id the account belongs to (dispatchers; repeat)")
    p.add_argument("--courier-id", default=None, help="the courier this account is (couriers)")
    p.add_argument("--email", default=None, help="identity-provider e-mail (OIDC login)")
    _password_options(p, allow_none=True)
    p.set_defaults(func=cmd_add)

    p = add("set", "change an account's role, offices, courier id, display name or e-mail")
    p.add_argument("username")
    p.add_argument("--role", default=None, choices=ROLES)
    p.add_argument("--office", action="append", default=None, dest="offices",
                   help="the post offices the account belongs to (replaces them; repeat)")
    p.add_argument("--courier-id", default=None, help="the courier this account is ('' clears)")
    p.add_argument("--display-name", default=None)
    p.add_argument("--email", default=None, help="identity-provider e-mail ('' clears)")
    p.set_defaults(func=cmd_set)

    p = add("list", "list the accounts")
    p.set_defaults(func=cmd_list)

    p = add("disable", "disable an account and end its sessions")
    p.add_argument("username")
    p.set_defaults(func=cmd_disable)

    p = add("enable", "enable a disabled account")
    p.add_argument("username")
    p.set_defaults(func=cmd_enable)

    p = add("reset-password", "set a new password, clear a lock, end the account's sessions")
    p.add_argument("username")
    _password_options(p, allow_none=False)
    p.set_defaults(func=cmd_reset_password)

    p = subparsers.add_parser("audit", help="the audit log: who did what, when (admins)",
                              description="The append-only audit log (admins only).")
    p.add_argument("--since", type=date.fromisoformat, default=None,
                   help="only entries from this day on (YYYY-MM-DD, UTC)")
    p.add_argument("--user", default=None, help="only this account's entries")
    p.add_argument("--action", default=None, help="only this action (login, save, open…)")
    p.add_argument("--limit", type=int, default=None, help="only the last N entries")
    p.add_argument("--csv", default=None, metavar="FILE",
                   help="write the entries to a CSV file (the export is audited)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    add_as_argument(p)
    p.set_defaults(func=cmd_audit)


def _password_options(p: argparse.ArgumentParser, *, allow_none: bool) -> None:
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (one line)")
    if allow_none:
        p.add_argument("--no-password", action="store_true",
                       help="no password: the account logs in only through the identity "
                            "provider (needs --email)")


def _read_password(args: argparse.Namespace) -> str | None:
    if getattr(args, "no_password", False):
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InputError("Hãy nhập mật khẩu qua --password-stdin. / No terminal to ask the "
                         "password on: pass it on standard input with --password-stdin.",
                         summary="Nothing was changed")
    first = getpass.getpass("Mật khẩu / Password: ")
    if getpass.getpass("Nhập lại / Again: ") != first:
        raise InputError("Hai lần nhập mật khẩu không khớp. / The two passwords differ.",
                         summary="Nothing was changed")
    return first


def _open() -> Store:
    return Store.open(Settings.from_env())






def _account_out(args: argparse.Namespace, account: Account, verb: str) -> int:
    if args.json:
        print_json({"account": asdict(account)})
    else:
        print(f"{verb} {account.summary()}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Add an account; on an empty database, the first admin."""
    password = _read_password(args)
    with _open() as store:
        if acc.count_accounts(store) == 0 and args.role == "admin" and not args.as_user:
            account = acc.create_first_admin(store, args.username, password=password,
                                             display_name=args.display_name, email=args.email)
        else:
            account = acc.add_account(
                store, args.username, actor=acting(store, args), role=args.role,
                password=password, display_name=args.display_name, offices=args.offices,
                courier_id=args.courier_id, email=args.email)
    return _account_out(args, account, "added")


def cmd_list(args: argparse.Namespace) -> int:
    """List the accounts."""
    with _open() as store:
        accounts = acc.list_accounts(store, actor=acting(store, args))
    if args.json:
        print_json({"accounts": [asdict(a) for a in accounts]})
        return 0
    for a in accounts:
        print(a.summary())
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    """Change an account's role, offices, courier id, display name or e-mail."""
    with _open() as store:
        account = acc.update_account(
            store, args.username, actor=acting(store, args), role=args.role,
            offices=args.offices, courier_id=args.courier_id, display_name=args.display_name,
            email=args.email)
    return _account_out(args, account, "changed")


def cmd_disable(args: argparse.Namespace) -> int:
    """Disable an account."""
    with _open() as store:
        account = acc.set_disabled(store, args.username, True, actor=acting(store, args))
    return _account_out(args, account, "disabled")


def cmd_enable(args: argparse.Namespace) -> int:
    """Enable an account."""
    with _open() as store:
        account = acc.set_disabled(store, args.username, False, actor=acting(store, args))
    return _account_out(args, account, "enabled")


def cmd_reset_password(args: argparse.Namespace) -> int:
    """Set a new password."""
    password = _read_password(args)
    assert password is not None
    with _open() as store:
        account = acc.reset_password(store, args.username, password,
                                     actor=acting(store, args))
    return _account_out(args, account, "new password for")


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log."""
    with _open() as store:
        actor = acting(store, args)
        entries = list_audit(store, actor=actor, since=args.since,
                             user=args.user, action=args.action, limit=args.limit)
        if args.csv:
            Path(args.csv).write_bytes(export_audit(store, actor=actor, since=args.since,
                                                    user=args.user, action=args.action))
    if args.json:
        print_json({"entries": [asdict(e) for e in entries]})
        return 0
    for e in entries:
        print(e.summary())
    return 0
