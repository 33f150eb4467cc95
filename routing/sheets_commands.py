"""``postplan sheets``: print a saved plan as courier route sheets.

Examples
--------
::

    postplan sheets plan.json --format pdf --out sheets/
    postplan sheets plan.json --format all --out sheets/ --jobs jobs.xlsx --json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from data.errors import InputError, Problem
from routing.sheets import FORMATS, build_sheets, write_sheets


def register(subparsers: Any) -> None:
    """Add the ``sheets`` sub-command.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    p = subparsers.add_parser(
        "sheets",
        help="print a saved plan as route sheets (PDF, XLSX, GPX, GeoJSON, CSV)",
        description=(
            "Write courier route sheets for a plan saved as JSON (Plan.to_json). Every file "
            "says when the plan rests on the estimated proxy network or simulated jobs."
        ),
    )
    p.add_argument("plan", type=Path, help="plan JSON file (Plan.to_json)")
    p.add_argument(
        "--format", default="pdf",
        help=f"one of {', '.join(FORMATS)}, a comma-separated list, or 'all' (default pdf)",
    )
    p.add_argument("--out", type=Path, default=Path("."), help="output folder (created)")
    p.add_argument(
        "--jobs", type=Path, default=None,
        help="jobs table (.csv or .xlsx) keyed by job_id with dossier_code, n_documents, "
             "fee_vnd, name, address, commune_code, source",
    )
    p.add_argument(
        "--couriers", type=Path, default=None,
        help="couriers table (.csv or .xlsx) with courier_id and name, for display names",
    )
    p.add_argument(
        "--no-communes", action="store_true",
        help="do not look up each stop's commune (new and old name) in the bundled layer",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run_sheets)


def parse_formats(text: str) -> list[str]:
    """Parse ``--format``: one format, a comma-separated list, or ``all``.

    Raises
    ------
    InputError
        When a format is unknown.
    """
    parts = [t.strip().lower().lstrip(".") for t in str(text).split(",") if t.strip()]
    if parts == ["all"]:
        return list(FORMATS)
    bad = [t for t in parts if t not in FORMATS]
    if bad or not parts:
        raise InputError([
            Problem(f"unknown format; use one of {', '.join(FORMATS)} or 'all'.",
                    column="--format", value=t) for t in (bad or [text])
        ])
    return list(dict.fromkeys(parts))


def _read_table(path: Path, what: str) -> Any:
    """Read a jobs or couriers table with the one reader (``data.table_reader``)."""
    import pandas as pd

    from data.table_reader import read_raw

    if not path.is_file():
        raise InputError([Problem(f"{what} file not found; check the path.", value=str(path))])
    raw = read_raw(path)
    frame = pd.DataFrame([cells for _, cells in raw.rows], columns=list(raw.header))
    return frame.replace("", None)


def read_plan(path: Path) -> Any:
    """Read a plan JSON file written by ``Plan.to_json``.

    Raises
    ------
    InputError
        When the file is missing, not JSON, or not a serialised plan.
    """
    from routing.result import Plan

    if not path.is_file():
        raise InputError([Problem("plan file not found; check the path.", value=str(path))])
    try:
        return Plan.from_json(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError([Problem(f"not JSON ({exc.msg} at line {exc.lineno}); give a file "
                                  "written by Plan.to_json or the app's download.",
                                  source=path.name)]) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError([Problem(f"not a saved plan ({exc}); give a file written by "
                                  "Plan.to_json or the app's download.",
                                  source=path.name)]) from exc


def _load_communes() -> Any:
    from data.layers import load_communes
    from data.settings import Settings

    return load_communes(Settings.from_env())


def run_sheets(args: argparse.Namespace) -> int:
    """Write the route sheets; print the files written (or JSON with ``--json``).

    Parameters
    ----------
    args
        Parsed arguments of ``postplan sheets``.
    """
    formats = parse_formats(args.format)
    plan = read_plan(args.plan)
    details = _read_table(args.jobs, "jobs") if args.jobs else None
    names = None
    if args.couriers:
        table = _read_table(args.couriers, "couriers")
        missing = [c for c in ("courier_id", "name") if c not in table.columns]
        if missing:
            raise InputError([Problem("the couriers table needs this column.", column=c,
                                      source=args.couriers.name) for c in missing])
        names = dict(zip(table["courier_id"], table["name"].fillna(""), strict=True))
    communes = None if args.no_communes else _load_communes()
    sheets = build_sheets(plan, details=details, communes=communes, courier_names=names)
    paths = write_sheets(sheets, args.out, formats=formats)
    if args.json:
        print(json.dumps({
            "ok": True,
            "files": [str(p) for p in paths],
            "date": sheets.day.isoformat() if sheets.day else None,
            "couriers": len(sheets.couriers),
            "stops": sum(c.n_stops for c in sheets.couriers),
            "unassigned": len(sheets.unassigned),
            "network_kind": sheets.network_kind,
            "job_sources": list(sheets.job_sources),
            "provenance_labels": list(sheets.provenance_labels),
        }, ensure_ascii=False))
    else:
        print(sheets.summary())
        for p in paths:
            print(f"  wrote {p}")
    return 0
