"""``postplan plan`` and ``postplan bench vrp``: the routing layer's command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from data.errors import InputError
from data.vehicles import DEFAULT_PROFILE, PROFILE_NAMES


def register(subparsers: Any) -> None:
    """Add ``plan`` and ``bench vrp`` to the ``postplan`` command line.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    p = subparsers.add_parser(
        "plan", help="plan a day's routes (jobs from a file or simulated)",
        description="Plan a day's pickup and delivery routes from the post offices on the "
                    "road network and write the plan as JSON.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--jobs", type=Path, help="jobs file (.csv or .xlsx)")
    src.add_argument("--simulate", type=int, metavar="N",
                     help="simulate N jobs (labelled simulated)")
    p.add_argument("--date", required=True, help="plan date YYYY-MM-DD")
    p.add_argument("--seconds", type=float, default=10.0, help="solver time budget")
    p.add_argument("--seed", type=int, default=0, help="solver (and simulator) seed")
    p.add_argument("--couriers", type=int, default=25,
                   help="number of couriers (without --roster)")
    p.add_argument("--roster", type=Path,
                   help="courier roster (.csv/.xlsx): the couriers on duty that day plan it")
    p.add_argument("--offices", type=Path, help="office registry (default: the bundled one)")
    p.add_argument("--exceptions", type=Path,
                   help="calendar exceptions (office_id, date, opening_hours, reason)")
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=PROFILE_NAMES,
                   help=f"vehicle profile (default {DEFAULT_PROFILE})")
    p.add_argument("--out", type=Path, required=True, help="where to write plan.json")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_plan)

    b = subparsers.add_parser("bench", help="benchmarks against the literature")
    bsub = b.add_subparsers(dest="bench_command", required=True)
    v = bsub.add_parser(
        "vrp", help="solve a Solomon, Li & Lim or Cordeau instance",
        description="Solve a literature instance through the same model layer as a real "
                    "day. Cost is the unrounded Euclidean total distance.")
    v.add_argument("file", type=Path, help="instance file")
    v.add_argument("--seconds", type=float, default=10.0)
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--family", choices=("solomon", "li_lim", "cordeau"), default=None,
                   help="instance family (detected when left out)")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_bench_vrp)


def cmd_bench_vrp(args: argparse.Namespace) -> int:
    """Run ``postplan bench vrp``."""
    from routing.instances import solve_instance

    if not args.file.exists():
        raise InputError(f"{args.file}: no such instance file")
    rec = solve_instance(args.file, seconds=args.seconds, seed=args.seed, family=args.family)
    if args.json:
        print(json.dumps(rec))
    else:
        print(f"{rec['instance']} ({rec['family']}): cost {rec['cost']:.2f} with "
              f"{rec['vehicles']} vehicles, {'feasible' if rec['feasible'] else 'INFEASIBLE'}"
              f", {rec['seconds']:.1f} s")
        for k, r in enumerate(rec["routes"], 1):
            print(f"  route {k}: {' '.join(str(x) for x in r)}")
    return 0 if rec["feasible"] else 1


def cmd_plan(args: argparse.Namespace) -> int:
    """Run ``postplan plan``."""
    from data.settings import Settings
    from routing.simulate import plan_kontum

    try:
        date.fromisoformat(args.date)
    except ValueError:
        raise InputError(f"--date {args.date!r} is not YYYY-MM-DD") from None
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
    roster = None
    if args.roster is not None:
        from data.offices import default_offices
        from data.roster import read_roster

        ids = (offices if offices is not None else default_offices(settings))["office_id"]
        roster = read_roster(args.roster, office_ids=ids)
    plan = plan_kontum(settings, jobs_file=args.jobs, simulate=args.simulate,
                       plan_date=args.date, seconds=args.seconds, seed=args.seed,
                       couriers=args.couriers, profile=args.profile, roster=roster,
                       offices=offices, calendar=calendar)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(plan.to_json(indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps({
            "ok": True, "out": str(args.out), "plan_date": plan.plan_date,
            "jobs": plan.jobs_total, "assigned": plan.jobs_assigned,
            "unassigned": [{"job_id": u.job_id, "code": u.code, "text_en": u.text_en,
                            "text_vi": u.text_vi} for u in plan.unassigned],
            "couriers_used": len(plan.routes), "length_km": plan.total_length_m / 1000,
            "network_kind": plan.network_kind, "provenance": plan.provenance,
            "seed": plan.seed, "seconds": plan.seconds, "solve_time_s": plan.solve_time_s,
            "notes": list(plan.notes),
        }, ensure_ascii=False))
    else:
        print(plan.summary())
        for u in plan.unassigned:
            if u.code == "office_closed":
                print(f"  {u.job_id}: {u.text_vi} / {u.text_en}")
        print(f"written to {args.out}", file=sys.stderr)
    return 0
