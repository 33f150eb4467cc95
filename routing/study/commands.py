"""``postplan study fleet`` and ``postplan study siting``: studies on Dask distributed."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from data.errors import InputError, Problem
from data.vehicles import DEFAULT_PROFILE, PROFILE_NAMES

#: Suffixes ``--out`` writes.
OUT_SUFFIXES = (".json", ".csv", ".xlsx")


def register(subparsers: Any) -> None:
    """Add ``study fleet`` and ``study siting`` to the ``postplan`` command line."""
    p = subparsers.add_parser(
        "study", help="capacity study and siting sweeps (simulated, on Dask)",
        description="Studies that plan many simulated days or siting cases in parallel on "
                    "Dask distributed: a local cluster by default (--workers N), or a running "
                    "cluster (--scheduler tcp://HOST:8786, workers started with "
                    "DASK_DISTRIBUTED__WORKER__DAEMON=False).")
    sub = p.add_subparsers(dest="study", required=True)
    f = sub.add_parser(
        "fleet", help="how many couriers each post office needs (on-time share ≥ target)",
        description="Simulate working days (demand from population, the working-day "
                    "calendar, carry-over of unserved and failed dossiers), plan every day "
                    "of every post office for every fleet size, and report per office the "
                    "on-time share, overtime and km per dossier against couriers, with the "
                    "smallest roster reaching --target. Every figure is simulated.")
    f.add_argument("--days", type=int, default=250,
                   help="working days in the horizon (default 250, a year)")
    f.add_argument("--couriers", default="15:40:5",
                   help="province fleet sizes start:stop:step, start:stop or a,b,c (default "
                        "15:40:5); each is spread over the post offices by population")
    f.add_argument("--sample", type=int, default=None, metavar="N",
                   help="plan only N of the working days, in blocks of --block consecutive "
                        "days spread over the horizon (default: every day)")
    f.add_argument("--block", type=int, default=5,
                   help="consecutive working days per sampled block (default 5)")
    f.add_argument("--start", default=None, metavar="YYYY-MM-DD",
                   help="first day of the horizon (default 1 January next year)")
    f.add_argument("--jobs-per-day", type=float, default=200.0,
                   help="mean dossiers a working day in the province (default 200)")
    f.add_argument("--seconds", type=float, default=10.0,
                   help="solver time cap per office-day (default 10)")
    f.add_argument("--iterations", type=int, default=None, metavar="N",
                   help="solver iteration budget per office-day: a reproducible study when "
                        "every day reaches it within --seconds")
    f.add_argument("--target", type=float, default=0.99,
                   help="on-time share to reach (default 0.99)")
    f.add_argument("--fail-rate", type=float, default=0.0,
                   help="chance a visited stop fails and is carried (default 0)")
    f.add_argument("--office", action="append", default=None, metavar="ID",
                   help="study only this post office (repeat for several)")
    f.add_argument("--offices", type=Path, help="office registry (default: the bundled one)")
    f.add_argument("--exceptions", type=Path,
                   help="calendar exceptions (office_id, date, opening_hours, reason)")
    f.add_argument("--profile", default=DEFAULT_PROFILE, choices=PROFILE_NAMES)
    _engine_args(f)
    f.add_argument("--seed", type=int, default=0, help="seed of demand, failures and solver")
    f.add_argument("--json", action="store_true", help="print one JSON document")
    f.add_argument("--out", type=Path, help="write the result (.json, .csv curves, .xlsx)")
    f.set_defaults(func=cmd_fleet)

    s = sub.add_parser(
        "siting", help="siting sweep: k × cutoff × profile",
        description="Choose new commune-post sites for every number of sites, coverage "
                    "cutoff and vehicle profile (one exact MILP per case).")
    s.add_argument("--k", default="1:5", help="new sites: 1:5, 1:9:2 or 1,3,5 (default 1:5)")
    s.add_argument("--cutoff", default="30", help="cutoff minutes, e.g. 15,30,45 (default 30)")
    s.add_argument("--profile", default=DEFAULT_PROFILE,
                   help=f"vehicle profiles, comma-separated (default {DEFAULT_PROFILE})")
    s.add_argument("--model", default="mclp", help="mclp, pmedian or lscp (default mclp)")
    s.add_argument("--candidates", default="communes", help="candidate source (default "
                   "communes)")
    s.add_argument("--time-limit", type=float, default=60.0,
                   help="HiGHS time limit per case (default 60 s)")
    _engine_args(s)
    s.add_argument("--json", action="store_true", help="print one JSON document")
    s.add_argument("--out", type=Path, help="write the cases (.json, .csv, .xlsx)")
    s.set_defaults(func=cmd_siting)


def _engine_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, default=None,
                   help="local Dask worker processes (default: one per core)")
    g.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="use a running Dask cluster instead of a local one")


def _out_problem(path: Path | None) -> list[Problem]:
    if path is None or path.suffix.lower() in OUT_SUFFIXES:
        return []
    return [Problem(f"--out {path} must end in {', '.join(OUT_SUFFIXES)}", column="--out",
                    value=str(path), message_vi=f"--out {path} phải có đuôi "
                                                f"{', '.join(OUT_SUFFIXES)}")]


def _write(path: Path, doc: dict[str, Any], frames: dict[str, Any], main: str) -> None:
    from data.tables import csv_bytes, xlsx_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    elif suffix == ".csv":
        path.write_bytes(csv_bytes(frames[main]))
    else:
        path.write_bytes(xlsx_bytes(frames))


def _progress(args: argparse.Namespace) -> Any:
    if args.json or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\r{done}/{total} tasks", end="" if done < total else "\n", file=sys.stderr)
    return show


def cmd_fleet(args: argparse.Namespace) -> int:
    """Run ``postplan study fleet``."""
    from data.settings import Settings
    from routing.study import FleetScenario, open_client, parse_levels, run_fleet

    problems = _out_problem(args.out)
    start = dt.date(dt.date.today().year + 1, 1, 1)
    if args.start is not None:
        try:
            start = dt.date.fromisoformat(args.start)
        except ValueError:
            problems.append(Problem(f"--start {args.start!r} is not YYYY-MM-DD", column="--start",
                                    value=args.start, message_vi=f"--start {args.start!r} "
                                                                 "không đúng dạng YYYY-MM-DD"))
    try:
        levels = parse_levels(args.couriers)
    except InputError as exc:
        problems += exc.problems
        levels = (1,)
    if problems:
        raise InputError(problems, summary="study was not run")
    scenario = FleetScenario(
        start=start, days=args.days, levels=levels, sample=args.sample, block=args.block,
        jobs_per_day=args.jobs_per_day, seed=args.seed, seconds=args.seconds,
        iterations=args.iterations, target=args.target, fail_rate=args.fail_rate,
        profile=args.profile,
        office_ids=tuple(dict.fromkeys(args.office)) if args.office else None)
    settings = Settings.from_env()
    offices = None
    if args.offices is not None:
        from data.offices import read_offices

        offices = read_offices(args.offices, settings=settings)
    calendar = None
    if args.exceptions is not None:
        from data.calendar import read_exceptions
        from data.offices import default_offices

        ids = (offices if offices is not None else default_offices(settings))["office_id"]
        calendar = read_exceptions(args.exceptions, office_ids=ids)
    with open_client(workers=args.workers, scheduler=args.scheduler) as client:
        result = run_fleet(settings, scenario, client=client, offices=offices,
                           calendar=calendar, progress=_progress(args))
    doc = {"ok": True, **result.to_dict()}
    if args.out is not None:
        _write(args.out, doc, result.frames(), "curves")
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(result.summary())
        if args.out is not None:
            print(f"written to {args.out}", file=sys.stderr)
    return 0


def _minutes(text: str) -> tuple[float, ...]:
    raw = str(text).strip()
    try:
        return tuple(float(x) for x in raw.split(",") if x.strip())
    except ValueError:
        raise InputError([Problem(f"--cutoff {raw!r} is not a list of minutes, e.g. 15,30,45",
                                  column="--cutoff", value=raw,
                                  message_vi=f"--cutoff {raw!r} không phải danh sách số phút, "
                                             "ví dụ 15,30,45")]) from None


def cmd_siting(args: argparse.Namespace) -> int:
    """Run ``postplan study siting``."""
    from data.settings import Settings
    from routing.study import SitingSweep, open_client, parse_levels, run_siting

    problems = _out_problem(args.out)
    ks: tuple[int, ...] = ()
    cutoffs: tuple[float, ...] = ()
    try:
        ks = parse_levels(args.k, flag="--k")
    except InputError as exc:
        problems += exc.problems
    try:
        cutoffs = _minutes(args.cutoff)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems, summary="sweep was not run")
    sweep = SitingSweep(ks=ks, cutoffs_min=cutoffs,
                        profiles=tuple(p.strip() for p in args.profile.split(",") if p.strip()),
                        model=args.model, candidates=args.candidates,
                        time_limit_s=args.time_limit)
    settings = Settings.from_env()
    with open_client(workers=args.workers, scheduler=args.scheduler) as client:
        result = run_siting(settings, sweep, client=client, progress=_progress(args))
    doc = {"ok": True, **result.to_dict()}
    if args.out is not None:
        _write(args.out, doc, {"cases": result.frame()}, "cases")
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(result.summary())
    return 0
