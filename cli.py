"""The ``postplan`` command line.

Each layer contributes its sub-commands through a ``register(subparsers)`` function in its
``commands`` module (``data.commands``, ``geo.commands``, ``routing.commands``); this file
only wires them together and turns project errors into clear messages and exit codes.
Every command takes ``--json`` and then prints one JSON document on standard output.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence

from data.errors import InputError, PostplanError

#: When the command began (before the layers are imported): ``--time-limit`` counts from here.
STARTED = time.perf_counter()

#: Modules that provide ``register(subparsers) -> None``.
COMMAND_MODULES = (
    "data.commands",
    "data.day_commands",
    "data.store_commands",
    "data.db_commands",
    "data.account_commands",
    "data.privacy_commands",
    "geo.commands",
    "geo.coverage_commands",
    "geo.field_commands",
    "routing.commands",
    "routing.sheets_commands",
    "routing.compare_commands",
    "routing.study.commands",
    "routing.day_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every layer's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="postplan",
        description="Route and coverage planner for public-service postal work in Kon Tum.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.started = STARTED if argv is None else time.perf_counter()
    try:
        code = args.func(args)
    except InputError as exc:
        _report(args, exc, kind="input_error", problems=[str(p) for p in exc.problems])
        return 2
    except PostplanError as exc:
        _report(args, exc, kind=type(exc).__name__, problems=[])
        return 1
    return int(code or 0)


def _report(args: argparse.Namespace, exc: Exception, *, kind: str, problems: list[str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": kind, "message": str(exc), "problems": problems},
                         ensure_ascii=False))
    else:
        print(f"postplan: error: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
