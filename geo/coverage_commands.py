"""``postplan coverage`` and ``postplan site``: access gaps and new commune-post sites."""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from data.budget import Clock
from data.errors import InputError, Problem
from data.settings import Settings
from geo.profiles import DEFAULT_PROFILE, PROFILES

#: Office kinds that count as postal service points by default (present ones are used).
POSTAL_KINDS: tuple[str, ...] = ("post_office", "commune_post")


def register(subparsers: Any) -> None:
    """Add the ``coverage`` and ``site`` commands to the ``postplan`` parser."""
    cov = subparsers.add_parser(
        "coverage", help="people within T minutes of an office, worst-served communes")
    cov.add_argument("--minutes", type=float, default=30.0,
                     help="coverage threshold in minutes (default 30)")
    _common(cov)
    cov.add_argument("--worst", type=int, default=10,
                     help="how many worst-served communes and places to list (default 10)")
    cov.add_argument("--export", type=Path, default=None, metavar="FILE",
                     help="also write the report (.gpkg, .geojson or .csv)")
    cov.add_argument("--areas", type=Path, default=None, metavar="FILE",
                     help="also write service areas of the offices at 15/30/45/60 min "
                     "(.gpkg or .geojson)")
    cov.set_defaults(func=cmd_coverage)

    site = subparsers.add_parser(
        "site", help="choose new commune-post sites (MCLP, p-median, LSCP; exact with HiGHS)")
    site.add_argument("--new", type=int, default=1, metavar="K",
                      help="number of new sites (MCLP, p-median; default 1)")
    site.add_argument("--minutes", type=float, default=30.0,
                      help="coverage threshold in minutes (default 30)")
    site.add_argument("--model", choices=("mclp", "pmedian", "lscp"), default="mclp",
                      help="mclp: most people within T; pmedian: least mean travel time; "
                      "lscp: fewest sites covering everyone coverable (default mclp)")
    site.add_argument("--candidates", choices=("communes", "halls", "cells"),
                      default="communes",
                      help="communes: 102 commune points; halls: OSM village halls; cells: "
                      "WorldPop cells with at least --cell-min-people (default communes)")
    site.add_argument("--cell-min-people", type=float, default=300.0,
                      help="population threshold of candidate cells (default 300)")
    site.add_argument("--time-limit", type=float, default=60.0,
                      help="HiGHS time limit in seconds (default 60)")
    site.add_argument("--export", type=Path, default=None, metavar="FILE",
                      help="also write the sites, chosen ones flagged (.gpkg, .geojson, .csv)")
    site.add_argument("--export-problem", type=Path, default=None, metavar="FILE.npz",
                      help="write the problem (cost_s, weight, existing, site_id, cutoff_s, "
                      "k) so anyone can re-solve it")
    _common(site)
    site.set_defaults(func=cmd_site)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                   help=f"travel profile (default {DEFAULT_PROFILE})")
    p.add_argument("--kinds", default=None,
                   help="office kinds, comma-separated (post_office, commune_post, "
                   "one_stop_shop); default the postal kinds present")
    p.add_argument("--offices", type=Path, default=None, metavar="FILE",
                   help="office registry (.csv/.xlsx) instead of the bundled default")
    p.add_argument("--population", choices=("worldpop", "census"), default="worldpop",
                   help="people per cell: worldpop (WorldPop 2020, default) or census (2019 "
                   "census per commune spread over its cells by WorldPop)")
    p.add_argument("--osm", type=Path, default=None, metavar="FILE",
                   help="OpenStreetMap extract (.osm.pbf/.osm/.osm.bz2); default: the "
                   "estimated proxy network")
    p.add_argument("--json", action="store_true", help="print one JSON document")


def _inputs(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Network, offices of the chosen kinds, and the population layers."""
    from data import layers
    from data.commune_points import load_commune_points
    from data.offices import default_offices, read_offices
    from geo.coverage import AccessNetwork, census_scaled_cells, select_offices
    from geo.network import cached_network

    problems = []
    minutes = float(args.minutes)
    if not (math.isfinite(minutes) and minutes > 0):
        problems.append(Problem("give a positive number of minutes, e.g. --minutes 30.",
                                column="--minutes", value=str(args.minutes)))
    for flag, path in (("--offices", args.offices), ("--osm", args.osm)):
        if path is not None and not Path(path).exists():
            problems.append(Problem("the file does not exist.", column=flag, value=str(path)))
    if problems:
        raise InputError(problems, summary="The command cannot run")
    offices = (read_offices(args.offices, settings=settings) if args.offices is not None
               else default_offices(settings))
    if args.kinds:
        kinds = [k.strip() for k in str(args.kinds).split(",") if k.strip()]
    else:
        present = set(offices["kind"].astype(str))
        kinds = [k for k in POSTAL_KINDS if k in present]
        if not kinds:
            raise InputError([Problem("the registry has no post office or commune post; "
                                      "pass --kinds or --offices.", column="--kinds")])
    chosen = select_offices(offices, kinds)
    G = cached_network(settings, profile=args.profile, osm_file=args.osm)
    communes = layers.load_communes(settings)
    cells = layers.load_population_grid(settings)
    if getattr(args, "population", "worldpop") == "census":
        cells = census_scaled_cells(cells, communes)
    return {
        "net": AccessNetwork.build(G, cache_dir=settings.cache_dir),
        "offices": chosen,
        "kinds": kinds,
        "cells": cells,
        "points": load_commune_points(settings),
        "communes": communes,
        "new_communes": layers.load_new_communes(settings),
    }


def _print(args: argparse.Namespace, doc: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, default=str))
    else:
        print(text)


def cmd_coverage(args: argparse.Namespace) -> int:
    """Compute the access surface and print the coverage report."""
    from data.layers import load_pois
    from geo.coverage import access_surface, coverage_report, export_coverage, named_villages

    settings = Settings.from_env()
    started = time.perf_counter()
    clock = Clock(started=getattr(args, "started", None) or started)
    with clock.phase("inputs"):
        inp = _inputs(args, settings)
    with clock.phase("access"):
        surface = access_surface(inp["net"], inp["offices"], inp["cells"],
                                 points=inp["points"], kinds=inp["kinds"])
    with clock.phase("report"):
        report = coverage_report(surface, inp["communes"], minutes=float(args.minutes),
                                 new_communes=inp["new_communes"], worst=max(1, args.worst),
                                 villages=named_villages(load_pois(settings)))
    doc = {"ok": True, **report.to_dict(worst=max(1, args.worst)),
           "offices": len(surface.offices),
           "seconds": round(time.perf_counter() - started, 2),
           "access_seconds": round(surface.seconds, 3), "timings": clock.as_dict()}
    text = report.summary(worst=max(1, args.worst))
    if args.export is not None:
        path = export_coverage(report, args.export)
        doc["export"] = str(path)
        text += f"\nwritten: {path}"
    if args.areas is not None:
        from geo.isochrones import service_areas

        suffix = Path(args.areas).suffix.lower()
        if suffix not in (".gpkg", ".geojson", ".json"):
            raise InputError([Problem("service areas are written as .gpkg or .geojson.",
                                      column="--areas", value=str(args.areas))])
        areas = service_areas(inp["net"], inp["offices"])
        if suffix == ".gpkg" and Path(args.areas).exists():
            Path(args.areas).unlink()
        areas.to_file(args.areas, driver="GPKG" if suffix == ".gpkg" else "GeoJSON")
        doc["areas"] = str(args.areas)
        text += f"\nservice areas written: {args.areas} ({len(areas)} polygons)"
    _print(args, doc, text)
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    """Choose new sites and print the result."""
    from geo.siting import candidate_sites, export_sites, site_new_posts

    settings = Settings.from_env()
    if args.new < 0:
        raise InputError([Problem("--new must be 0 or more.", column="--new",
                                  value=str(args.new))])
    started = time.perf_counter()
    clock = Clock(started=getattr(args, "started", None) or started)
    with clock.phase("inputs"):
        inp = _inputs(args, settings)
        candidates = candidate_sites(settings, args.candidates,
                                     cell_min_people=args.cell_min_people)
    with clock.phase("siting"):
        plan = site_new_posts(inp["net"], inp["cells"], candidates, inp["offices"],
                              k=args.new, minutes=float(args.minutes), model=args.model,
                              time_limit_s=float(args.time_limit))
    doc = {"ok": True, **plan.to_dict(), "candidates": args.candidates,
           "profile": args.profile, "population": args.population,
           "total_seconds": round(time.perf_counter() - started, 2),
           "timings": clock.as_dict()}
    text = plan.summary()
    if args.export is not None:
        written = export_sites(plan, args.export)
        doc["export"] = str(written)
        text += f"\nsites written: {written}"
    if args.export_problem is not None:
        path = plan.problem.to_npz(args.export_problem)
        doc["problem_file"] = str(path)
        text += f"\nproblem written: {path}"
    _print(args, doc, text)
    return 0
