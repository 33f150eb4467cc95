"""``postplan plans …``: list, show, export, save and restore stored plans and scenarios.

The database is ``POSTPLAN_DB_URL`` (SQLite in ``POSTPLAN_USER_DIR`` by default). Objects
are named by id (``postplan plans list`` shows them) or by name. Every command acts as a
named account (``--as NAME`` or ``POSTPLAN_AS``) and is held to its role; versions record
that account as their author.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from data.access import Account
from data.account_commands import acting, add_as_argument
from data.errors import InputError
from data.json_out import jsonable, print_json
from data.settings import Settings
from data.store import KINDS, ObjectInfo, Store, StoredObject, VersionInfo

#: kind -> function(content_a, content_b) returning an object with ``to_dict()`` and
#: ``summary()`` that says what changed in that kind's own terms. Upper layers register
#: theirs (``routing.compare_commands`` does it for plans); the data layer never imports them.
CONTENT_COMPARERS: dict[str, Callable[[Any, Any], Any]] = {}


def register_comparer(kind: str, compare: Callable[[Any, Any], Any]) -> None:
    """Let ``postplan plans compare`` describe two versions of ``kind`` with ``compare``.

    Parameters
    ----------
    kind
        One of :data:`data.store.KINDS`.
    compare
        Called with both versions' parsed JSON; returns an object with ``to_dict()`` and
        ``summary()``. A ``ValueError`` (content not of that kind) leaves the JSON paths only.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    CONTENT_COMPARERS[kind] = compare


def _content_comparison(a: StoredObject, b: StoredObject) -> Any:
    compare = CONTENT_COMPARERS.get(a.kind) if a.kind == b.kind else None
    if compare is None:
        return None
    try:
        return compare(a.data(), b.data())
    except (ValueError, KeyError, TypeError):
        return None


def register(subparsers: Any) -> None:
    """Add the ``plans`` command and its sub-commands.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    plans = subparsers.add_parser(
        "plans",
        help="saved plans and scenarios (list, show, export, save, restore, delete, compare)",
        description="Saved plans, scenarios and registries in the plan store "
                    "(POSTPLAN_DB_URL, default a SQLite file in the user data folder).")
    sub = plans.add_subparsers(dest="plans_command", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        add_as_argument(p)
        return p

    p = add("list", "list stored objects, most recently saved first")
    p.add_argument("--kind", default="plan", choices=[*KINDS, "all"],
                   help="kind to list (default plan; 'all' for every kind)")
    p.add_argument("--limit", type=int, default=None, help="at most this many")
    p.set_defaults(func=cmd_list)

    p = add("show", "show one object: versions, authors, key facts")
    p.add_argument("ref", metavar="ID", help="id or name")
    p.add_argument("--version", type=int, default=None, help="version (default latest)")
    p.add_argument("--kind", default=None, choices=KINDS, help="kind to look a name up in")
    p.set_defaults(func=cmd_show)

    p = add("export", "write one version's JSON exactly as saved")
    p.add_argument("ref", metavar="ID", help="id or name")
    p.add_argument("--version", type=int, default=None, help="version (default latest)")
    p.add_argument("--kind", default=None, choices=KINDS, help="kind to look a name up in")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = add("history", "list every version of one object")
    p.add_argument("ref", metavar="ID", help="id or name")
    p.add_argument("--kind", default=None, choices=KINDS, help="kind to look a name up in")
    p.set_defaults(func=cmd_history)

    p = add("save", "save a JSON file as a new object or a new version")
    p.add_argument("file", type=Path, help="JSON file (e.g. a plan from 'postplan route')")
    p.add_argument("--name", required=True, help="name (unique within the kind)")
    p.add_argument("--kind", default="plan", choices=KINDS, help="kind (default plan)")
    p.add_argument("--expected-version", type=int, default=None,
                   help="the version you started from (omit to create a new object)")
    p.add_argument("--message", default="", help="why this version")
    p.set_defaults(func=cmd_save)

    p = add("restore", "make a new version that copies an old one")
    p.add_argument("ref", metavar="ID", help="id or name")
    p.add_argument("version", type=int, help="version to copy")
    p.add_argument("--kind", default=None, choices=KINDS, help="kind to look a name up in")
    p.add_argument("--expected-version", type=int, default=None,
                   help="latest version you have seen (refuse if someone saved since)")
    p.set_defaults(func=cmd_restore)

    p = add("delete", "delete an object and all its versions (recorded in the audit log)")
    p.add_argument("ref", metavar="ID", help="id or name")
    p.add_argument("--kind", default=None, choices=KINDS, help="kind to look a name up in")
    p.add_argument("--expected-version", type=int, default=None,
                   help="latest version you have seen (refuse if someone saved since)")
    p.set_defaults(func=cmd_delete)

    p = add("compare", "list what differs between two versions (for plans: moved jobs, "
                       "km and minutes per courier; then the JSON paths)")
    p.add_argument("a", metavar="ID[@V]", help="first object (id or name), optionally @version")
    p.add_argument("b", metavar="ID[@V]", help="second object (id or name), optionally @version")
    p.add_argument("--kind", default=None, choices=KINDS, help="kind to look names up in")
    p.add_argument("--limit", type=int, default=50, help="list at most this many differences")
    p.set_defaults(func=cmd_compare)

    p = add("info", "which database the store uses and what it holds")
    p.set_defaults(func=cmd_info)


def _open(args: argparse.Namespace) -> tuple[Store, Account]:
    store = Store.open(Settings.from_env())
    try:
        return store, acting(store, args)
    except Exception:
        store.close()
        raise




def _info_dict(info: ObjectInfo) -> dict[str, Any]:
    out: dict[str, Any] = jsonable(asdict(info))
    return out


def _version_dict(version: VersionInfo) -> dict[str, Any]:
    out: dict[str, Any] = jsonable({**asdict(version), "meta": dict(version.meta)})
    return out




def _stored_dict(obj: StoredObject) -> dict[str, Any]:
    return {"object": _info_dict(obj.info), "version": _version_dict(obj.version_info)}


def cmd_list(args: argparse.Namespace) -> int:
    """List stored objects."""
    store, actor = _open(args)
    with store:
        kind = None if args.kind == "all" else args.kind
        objects = store.list_objects(kind, actor=actor, limit=args.limit)
    if args.json:
        print_json({"objects": [_info_dict(o) for o in objects]})
        return 0
    if not objects:
        print(f"no stored {args.kind if kind else 'object'}s")
    for o in objects:
        print(f"{o.id:>5}  {o.kind:<17} v{o.version:<3} {o.updated_at:%Y-%m-%d %H:%M}  "
              f"{o.updated_by:<12} {o.name}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Show one object's version, key facts and history."""
    store, actor = _open(args)
    with store:
        info = store.resolve(args.ref, actor=actor, kind=args.kind)
        obj = store.get(info.id, actor=actor, version=args.version)
        history = store.history(info.id, actor=actor)
    if args.json:
        print_json({**_stored_dict(obj), "history": [_version_dict(v) for v in history]})
        return 0
    print(obj.summary())
    for key, value in obj.meta.items():
        print(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    print(f"  content_hash: {obj.version_info.content_hash}")
    print("history:")
    for v in history:
        print(f"  {v.summary()}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write one version's JSON exactly as it was saved."""
    store, actor = _open(args)
    with store:
        info = store.resolve(args.ref, actor=actor, kind=args.kind)
        obj = store.export(info.id, actor=actor, version=args.version)
    if args.output is None:
        sys.stdout.write(obj.content)
        if not obj.content.endswith("\n"):
            sys.stdout.write("\n")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(obj.content, encoding="utf-8")
    if args.json:
        print_json({**_stored_dict(obj), "path": str(args.output),
                     "bytes": obj.version_info.size_bytes})
    else:
        print(f"wrote {args.output} ({obj.version_info.size_bytes} bytes): {obj.summary()}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """List every version of one object."""
    store, actor = _open(args)
    with store:
        info = store.resolve(args.ref, actor=actor, kind=args.kind)
        history = store.history(info.id, actor=actor)
    if args.json:
        print_json({"object": _info_dict(info), "history": [_version_dict(v) for v in history]})
        return 0
    print(info.summary())
    for v in history:
        print(f"  {v.summary()}")
    return 0


def cmd_save(args: argparse.Namespace) -> int:
    """Save a JSON file as a new object or a new version."""
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.file}: {exc.strerror}",
                         summary="Nothing was saved") from exc
    store, actor = _open(args)
    with store:
        if args.kind == "plan":
            obj = store.save_plan(data, name=args.name, actor=actor,
                                  expected_version=args.expected_version, message=args.message)
        else:
            obj = store.save(args.kind, args.name, data, actor=actor,
                             expected_version=args.expected_version, message=args.message)
    if args.json:
        print_json(_stored_dict(obj))
    else:
        print(f"saved {obj.summary()}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Make a new version that copies an old one."""
    store, actor = _open(args)
    with store:
        info = store.resolve(args.ref, actor=actor, kind=args.kind)
        obj = store.restore(info.id, args.version, actor=actor,
                            expected_version=args.expected_version)
    if args.json:
        print_json(_stored_dict(obj))
    else:
        print(f"restored {obj.summary()}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete an object and its versions."""
    store, actor = _open(args)
    with store:
        info = store.resolve(args.ref, actor=actor, kind=args.kind)
        gone = store.delete(info.id, actor=actor, expected_version=args.expected_version)
    if args.json:
        print_json({"deleted": _info_dict(gone)})
    else:
        print(f"deleted {gone.summary()}")
    return 0


def _load_ref(store: Store, ref: str, kind: str | None, actor: Account) -> StoredObject:
    name, _, version = ref.rpartition("@")
    if not name or not version.isdigit():
        name, version = ref, ""
    info = store.resolve(name, actor=actor, kind=kind)
    return store.get(info.id, actor=actor, version=int(version) if version else None)


def cmd_compare(args: argparse.Namespace) -> int:
    """List what differs between two stored versions."""
    store, actor = _open(args)
    with store:
        a = _load_ref(store, args.a, args.kind, actor)
        b = _load_ref(store, args.b, args.kind, actor)
        result = store.compare(a, b, actor=actor, limit=args.limit)
    content = _content_comparison(a, b)
    if args.json:
        doc = {"a": _stored_dict(a), "b": _stored_dict(b), "identical": result.identical,
               "truncated": result.truncated,
               "changes": [jsonable(asdict(c)) for c in result.changes]}
        if content is not None:
            doc[a.kind] = content.to_dict()
        print_json(doc)
        return 0
    if content is not None:
        print(content.summary())
    print(result.summary())
    for c in result.changes:
        old = json.dumps(c.old, ensure_ascii=False)[:60]
        new = json.dumps(c.new, ensure_ascii=False)[:60]
        print(f"  {c.change:<8} {c.path}: {old if c.change != 'added' else ''}"
              f"{' → ' if c.change == 'changed' else ''}{new if c.change != 'removed' else ''}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Say which database the store uses."""
    store, actor = _open(args)
    with store:
        info = store.info(actor=actor)
    if args.json:
        print_json(asdict(info))
    else:
        print(info.summary())
    return 0
