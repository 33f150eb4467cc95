"""``postplan data …`` commands: check the bundle, fetch it, find communes, export offices."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from data.catalogue import verify_all
from data.errors import DataIntegrityError, InputError
from data.fetch import BUNDLE_URL_ENV, fetch_bundle, fetch_plan
from data.settings import Settings


def register(subparsers: Any) -> None:
    """Add the ``data`` command group to the ``postplan`` parser."""
    data = subparsers.add_parser("data", help="check, fetch and inspect the Kon Tum data")
    sub = data.add_subparsers(dest="data_command", required=True)

    check = sub.add_parser("check", help="verify every file's hash and report counts and "
                           "data-quality warnings; exit 1 when something is broken")
    check.add_argument("--offices", type=Path, default=None,
                       help="validate and count this office file (.csv/.xlsx) instead of "
                       "the bundled default registry")
    check.add_argument("--json", action="store_true", help="print one JSON document")
    check.set_defaults(func=cmd_check)

    fetch = sub.add_parser("fetch", help="download missing or altered bundle files "
                           "(hash-verified) into POSTPLAN_DATA_DIR")
    fetch.add_argument("--base-url", default=os.environ.get(BUNDLE_URL_ENV),
                       help=f"mirror of the bundle, files at <url>/<file> (env {BUNDLE_URL_ENV})")
    fetch.add_argument("--dry-run", action="store_true",
                       help="only say what would be downloaded from where")
    fetch.add_argument("--json", action="store_true", help="print one JSON document")
    fetch.set_defaults(func=cmd_fetch)

    find = sub.add_parser("find", help="find a commune by old or new name or GSO code")
    find.add_argument("query", help="e.g. 'dak choong', 'Kon Braih', '23356', "
                      "'Đắk Long, Kon Plông'")
    find.add_argument("--json", action="store_true", help="print one JSON document")
    find.set_defaults(func=cmd_find)

    offices = sub.add_parser("offices", help="export the default office registry "
                             "(or a validated import) as .csv or .xlsx")
    offices.add_argument("output", type=Path, help="file to write (.csv or .xlsx)")
    offices.add_argument("--input", type=Path, default=None,
                         help="validate this office file and write it instead of the default")
    offices.add_argument("--json", action="store_true", help="print one JSON document")
    offices.set_defaults(func=cmd_offices)


# --------------------------------------------------------------------------- check


def check_report(settings: Settings, *, offices_file: Path | None = None) -> dict[str, Any]:
    """Build the report of ``postplan data check`` as a plain dict.

    Keys: ``ok``, ``data_dir``, ``catalogue`` (one dict per entry with ``status``),
    ``communes``, ``new_communes``, ``census_population``, ``grid_cells``,
    ``grid_population``, ``commune_points`` (:func:`data.commune_points.point_summary`:
    how many geocoded points were kept and which were replaced, how and why), ``offices``
    (by kind), ``offices_by_source``, ``offices_file``, ``warnings`` and ``errors``.
    Counts that cannot be computed are None and the reason is in ``errors``.
    """
    from data import layers
    from data.commune_points import load_commune_points, point_summary
    from data.offices import default_offices, office_counts, read_offices
    from data.quality import data_quality_warnings

    statuses = verify_all(settings)
    errors = [s.message for s in statuses if not s.ok]
    report: dict[str, Any] = {
        "ok": False,
        "data_dir": str(settings.data_dir),
        "catalogue": [s.to_dict() for s in statuses],
        "communes": None,
        "new_communes": None,
        "census_population": None,
        "grid_cells": None,
        "grid_population": None,
        "commune_points": None,
        "offices": None,
        "offices_by_source": None,
        "offices_file": str(offices_file) if offices_file else "default",
        "warnings": [],
        "errors": errors,
    }
    try:
        communes = layers.load_communes(settings)
        report["communes"] = len(communes)
        report["new_communes"] = int(communes["new_commune_code"].nunique())
        report["census_population"] = int(communes["population"].sum())
    except DataIntegrityError as exc:
        if str(exc) not in errors:
            errors.append(f"communes: {exc}")
        return _finish(report)
    try:
        grid = layers.load_population_grid(settings)
        report["grid_cells"] = len(grid)
        report["grid_population"] = round(float(grid["population"].sum()), 1)
        report["commune_points"] = point_summary(load_commune_points(settings))
        report["warnings"] = data_quality_warnings(settings)
    except DataIntegrityError as exc:
        if str(exc) not in errors:
            errors.append(f"population grid: {exc}")
    try:
        if offices_file is not None:
            offices = read_offices(offices_file, settings=settings)
        else:
            offices = default_offices(settings)
        counts = office_counts(offices)
        report["warnings"] = [*report.get("warnings", []),
                              *offices.attrs.get("warnings", [])]
        report["offices"] = counts["by_kind"]
        report["offices_by_source"] = counts["by_source"]
    except DataIntegrityError as exc:
        if str(exc) not in errors:
            errors.append(f"offices: {exc}")
    except InputError as exc:
        errors.append(str(exc))
    return _finish(report)


def _finish(report: dict[str, Any]) -> dict[str, Any]:
    report["ok"] = not report["errors"]
    return report


def cmd_check(args: argparse.Namespace) -> int:
    """Run ``postplan data check``."""
    settings = Settings.from_env()
    report = check_report(settings, offices_file=args.offices)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(_check_text(report))
    return 0 if report["ok"] else 1


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:,}" for k, v in value.items())
    return str(value)


def _points_text(summary: dict[str, Any] | None) -> str:
    if summary is None:
        return "n/a"
    methods = ", ".join(f"{m} {n}" for m, n in summary["by_method"].items()
                        if n and m != "geocoded")
    return (f"{summary['geocoded']} geocoded, {summary['estimated']} estimated inside their "
            f"commune ({methods or 'none'}); replaced: {summary['outside']} outside their "
            f"commune, {summary['shared']} sharing one point")


def _check_text(report: dict[str, Any]) -> str:
    lines = [f"Kon Tum data bundle: {report['data_dir']}", "", "Catalogue:"]
    width = max(len(e["file"]) for e in report["catalogue"])
    for e in report["catalogue"]:
        lines.append(f"  {e['status'].upper():7} {e['file']:<{width}}  {e['licence']}")
    lines += [
        "",
        f"Communes (pre-2025):        {_fmt(report['communes'])}",
        f"Communes (July 2025 units): {_fmt(report['new_communes'])}",
        f"Census population (2019):   {_fmt(report['census_population'])}",
        f"WorldPop grid cells (1 km): {_fmt(report['grid_cells'])}",
        f"WorldPop population (2020): {_fmt(report['grid_population'])}",
        f"Commune points:             {_points_text(report['commune_points'])}",
        f"Offices by kind ({report['offices_file']}): {_fmt(report['offices'])}",
        f"Offices by source:          {_fmt(report['offices_by_source'])}",
    ]
    if report["warnings"]:
        lines += ["", f"Data-quality warnings ({len(report['warnings'])}):"]
        lines += [f"  - {w}" for w in report["warnings"]]
    if report["errors"]:
        lines += ["", f"ERRORS ({len(report['errors'])}):"]
        lines += [f"  - {e}" for e in report["errors"]]
    lines += ["", "OK" if report["ok"] else "BROKEN: fix the errors above"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- fetch


def cmd_fetch(args: argparse.Namespace) -> int:
    """Run ``postplan data fetch``."""
    settings = Settings.from_env()
    if args.dry_run:
        plan = fetch_plan(settings, base_url=args.base_url)
    else:
        plan = fetch_bundle(settings, base_url=args.base_url)
    ok = not any(p["action"] == "cannot" for p in plan)
    if args.json:
        print(json.dumps({"ok": ok, "data_dir": str(settings.data_dir), "dry_run": args.dry_run,
                          "files": plan}, ensure_ascii=False, indent=2))
    else:
        for p in plan:
            extra = p.get("url") or p.get("reason") or ""
            print(f"{p['action']:10} {p['file']:40} {extra}")
    return 0 if ok else 1


# --------------------------------------------------------------------------- find, offices


def cmd_find(args: argparse.Namespace) -> int:
    """Run ``postplan data find``."""
    from data.commune_points import load_commune_points
    from data.names import find_communes

    settings = Settings.from_env()
    hits = find_communes(args.query, load_commune_points(settings))
    cols = ["commune_code", "name", "district", "population", "new_commune_code",
            "new_commune_name", "point_lat", "point_lon", "point_source", "matched_on"]
    hits = hits.rename(columns={"source": "point_source"})
    rows = hits[cols].to_dict("records")
    if args.json:
        print(json.dumps({"ok": bool(rows), "query": args.query, "matches": rows},
                         ensure_ascii=False, indent=2, default=str))
    elif rows:
        for r in rows:
            print(f"{r['commune_code']}  {r['name']} ({r['district']}), 2019 pop "
                  f"{r['population']:,} → 2025: {r['new_commune_name']} "
                  f"[{r['new_commune_code']}] (matched on {r['matched_on']})")
    else:
        print(f"no commune matches {args.query!r}")
    return 0 if rows else 1


def cmd_offices(args: argparse.Namespace) -> int:
    """Run ``postplan data offices``."""
    from data.offices import default_offices, office_counts, read_offices, write_offices

    settings = Settings.from_env()
    offices = (read_offices(args.input, settings=settings) if args.input
               else default_offices(settings))
    write_offices(offices, args.output)
    counts = office_counts(offices)
    if args.json:
        print(json.dumps({"ok": True, "output": str(args.output), "offices": counts["by_kind"],
                          "offices_by_source": counts["by_source"]}, ensure_ascii=False))
    else:
        print(f"wrote {len(offices)} offices to {args.output}")
    return 0

