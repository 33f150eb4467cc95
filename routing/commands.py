"""``postplan plan``, ``postplan replan`` and ``postplan bench vrp``: the routing command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from data.account_commands import acting, add_as_argument
from data.errors import InputError, Problem
from data.vehicles import DEFAULT_PROFILE, PROFILE_NAMES


def register(subparsers: Any) -> None:
    """Add ``plan``, ``replan`` and ``bench vrp`` to the ``postplan`` command line.

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
    p.add_argument("--seconds", type=float, default=None,
                   help="solver time budget (default 10, or what --time-limit leaves)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="seconds the whole command may take (reading, network, matrix, "
                        "solver, reasons, writing): the solver gets what is left")
    p.add_argument("--iterations", type=int, default=None, metavar="N",
                   help="solver iteration budget: the same inputs, seed and N give the same "
                        "plan when N is reached within --seconds")
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
    p.add_argument("--observed", action="store_true",
                   help="place addresses given only by commune where couriers' phones found "
                        "them (stop reports in the store, read as --as NAME)")
    add_as_argument(p)
    p.add_argument("--out", type=Path, required=True, help="where to write plan.json")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_plan)

    r = subparsers.add_parser(
        "replan", help="re-plan the rest of a day from a clock time",
        description="Re-plan a saved plan from --at: stops served before --at count as done "
                    "(unless --done says otherwise) and are kept; each courier restarts from "
                    "its last done stop; the rest is planned again on the road network. The "
                    "solver never runs past --seconds plus a short grace.")
    r.add_argument("plan", type=Path, help="plan.json written by postplan plan / replan")
    r.add_argument("--at", required=True, metavar="HH:MM", help="re-plan from this time")
    r.add_argument("--done", type=Path, metavar="STOPS.csv",
                   help="which stops are done: columns job_id, status (done|not_done), "
                        "optional role (pickup|delivery)")
    r.add_argument("--seconds", type=float, default=None,
                   help="solver time budget (default: the plan's, or what --time-limit "
                        "leaves)")
    r.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="seconds the whole command may take (network, matrix, solver, "
                        "reasons, writing): the solver gets what is left")
    r.add_argument("--iterations", type=int, default=None, metavar="N",
                   help="solver iteration budget (default: the plan's)")
    r.add_argument("--seed", type=int, default=None, help="solver seed (default: the plan's)")
    r.add_argument("--out", type=Path, required=True, help="where to write the new plan.json")
    r.add_argument("--json", action="store_true", help="print a JSON summary")
    r.set_defaults(func=cmd_replan)

    b = subparsers.add_parser("bench", help="benchmarks against the literature")
    bsub = b.add_subparsers(dest="bench_command", required=True)
    v = bsub.add_parser(
        "vrp", help="solve a Solomon, Li & Lim or Cordeau instance",
        description="Solve a literature instance through the same model layer as a real "
                    "day. Cost is the unrounded Euclidean total distance.")
    v.add_argument("file", type=Path, help="instance file")
    v.add_argument("--seconds", type=float, default=10.0)
    v.add_argument("--iterations", type=int, default=None, metavar="N",
                   help="solver iteration budget (reproducible when reached within --seconds)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--family", choices=("solomon", "li_lim", "cordeau"), default=None,
                   help="instance family (detected when left out)")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_bench_vrp)


def cmd_bench_vrp(args: argparse.Namespace) -> int:
    """Run ``postplan bench vrp``."""
    from routing.instances import solve_instance

    problems = _budget_problems(args)
    if not args.file.exists():
        problems.append(Problem(f"{args.file}: no such instance file", value=str(args.file),
                                message_vi=f"{args.file}: không có tệp bài toán này"))
    if problems:
        raise InputError(problems, summary="bench vrp was not run")
    rec = solve_instance(args.file, seconds=args.seconds, seed=args.seed, family=args.family,
                         iterations=args.iterations)
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
    from data.budget import Clock
    from data.settings import Settings
    from routing.simulate import plan_kontum

    problems = _budget_problems(args)
    try:
        clock = Clock(args.time_limit, started=getattr(args, "started", None)
                      or time.perf_counter())
    except InputError as exc:
        problems.extend(exc.problems)
    seconds = args.seconds if args.seconds is not None else (
        args.time_limit if args.time_limit is not None else 10.0)
    try:
        date.fromisoformat(args.date)
    except ValueError:
        problems.append(Problem(f"--date {args.date!r} is not YYYY-MM-DD; write e.g. "
                                "2026-11-25", column="--date", value=args.date,
                                message_vi=f"--date {args.date!r} không đúng dạng YYYY-MM-DD; "
                                           "ví dụ 2026-11-25"))
    if problems:
        raise InputError(problems, summary="plan was not made")
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
    positions = _observed_positions(settings, args) if args.observed else None
    plan = plan_kontum(settings, jobs_file=args.jobs, simulate=args.simulate,
                       plan_date=args.date, seconds=seconds, seed=args.seed,
                       couriers=args.couriers, profile=args.profile, roster=roster,
                       offices=offices, calendar=calendar,
                       iterations=args.iterations, clock=clock, positions=positions)
    with clock.phase("write"):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(plan.to_json(indent=1), encoding="utf-8")
    from routing.on_time import on_time_risk

    risk = on_time_risk(plan)
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
            "iterations": plan.iterations, "iterations_done": plan.iterations_done,
            "stopped_by": plan.stopped_by, "time_limit_s": args.time_limit,
            "timings": clock.as_dict(), "on_time": risk.to_dict(),
        }, ensure_ascii=False))
    else:
        print(plan.summary())
        for u in plan.unassigned:
            if u.code == "office_closed":
                print(f"  {u.job_id}: {u.text_vi} / {u.text_en}")
        print(f"{risk.summary('vi')}\n{risk.summary('en')}")
        for r in risk.at_risk:
            print(f"  {r.job_id} (hẹn / due {r.due_date}): {r.text_vi} / {r.text_en}")
        print(f"written to {args.out}", file=sys.stderr)
    return 0


def _observed_positions(settings: Any, args: argparse.Namespace) -> Any:
    """Observed positions per address from the store's stop reports, read as ``--as``.

    Raises :class:`~data.errors.AccessDenied` (naming the roles that may) when the account
    may not read field observations: asked for explicitly, they are never silently skipped.
    """
    from data.access import check_document
    from data.stop_reports import observed_positions
    from data.store import Store

    with Store.open(settings) as store:
        actor = acting(store, args)
        check_document(actor, "read", "field_observations")
        return observed_positions(store, actor=actor, metric_crs=settings.metric_crs)


def _budget_problems(args: argparse.Namespace) -> list[Problem]:
    out = []
    seconds = getattr(args, "seconds", None)
    if seconds is not None and not seconds > 0:
        out.append(Problem(f"--seconds must be positive, got {seconds}; e.g. --seconds 10",
                           column="--seconds", value=str(seconds),
                           message_vi=f"--seconds phải lớn hơn 0 (đang là {seconds}); ví dụ "
                                      "--seconds 10"))
    iterations = getattr(args, "iterations", None)
    if iterations is not None and iterations < 1:
        out.append(Problem(f"--iterations must be at least 1, got {iterations}; e.g. "
                           "--iterations 2000", column="--iterations", value=str(iterations),
                           message_vi=f"--iterations phải từ 1 trở lên (đang là {iterations}); "
                                      "ví dụ --iterations 2000"))
    return out


def cmd_replan(args: argparse.Namespace) -> int:
    """Run ``postplan replan``."""
    from data.budget import Clock
    from data.hours import hm
    from data.settings import Settings
    from routing.problem_io import problem_of
    from routing.replan import replan
    from routing.result import Plan, clock
    from routing.stops_io import read_done_stops

    problems = _budget_problems(args)
    budget_clock = Clock()
    try:
        budget_clock = Clock(args.time_limit, started=getattr(args, "started", None)
                             or time.perf_counter())
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        at_s = hm(args.at)
    except InputError:
        problems.append(Problem(f"--at {args.at!r} is not a clock time; write HH:MM, e.g. "
                                "10:00", column="--at", value=args.at,
                                message_vi=f"--at {args.at!r} không phải giờ; viết HH:MM, ví "
                                           "dụ 10:00"))
        at_s = None
    plan = None
    done: dict[tuple[str, str], bool] | None = None
    profile: str | None = None
    try:
        plan = Plan.from_json(args.plan.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(Problem(f"{args.plan}: cannot be read ({exc.strerror}); give the path "
                                "of a plan.json written by postplan plan", value=str(args.plan),
                                message_vi=f"{args.plan}: không đọc được ({exc.strerror}); "
                                           "hãy chỉ tệp plan.json do postplan plan ghi"))
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(Problem(f"{args.plan}: not a plan written by postplan ({exc}); give "
                                "a plan.json from postplan plan or replan",
                                value=str(args.plan),
                                message_vi=f"{args.plan}: không phải kế hoạch do postplan ghi; "
                                           "hãy dùng plan.json của postplan plan/replan"))
    if plan is not None:
        try:
            problem, profile = problem_of(plan)
        except InputError as exc:
            problems.extend(exc.problems)
        else:
            if args.done is not None:
                try:
                    done = read_done_stops(args.done, problem, plan)
                except InputError as exc:
                    problems.extend(exc.problems)
    if problems or plan is None or at_s is None:
        raise InputError(problems, summary="Nothing was re-planned")
    settings = Settings.from_env()
    with budget_clock.phase("network"):
        G, engine = _network(settings, profile or "motorbike")
    from routing.adapter import network_doors

    matrix_fn, leg_path_fn = network_doors(G, engine)
    seconds = args.seconds if args.seconds is not None else (
        args.time_limit if args.time_limit is not None else None)
    new = replan(plan, problem, now_s=at_s, done=done, seconds=seconds,
                 iterations=args.iterations, seed=args.seed,
                 matrix_fn=matrix_fn, leg_path_fn=leg_path_fn,
                 network_kind=str(G.graph.get("kind", plan.network_kind)),
                 network_profile=profile, clock=budget_clock)
    warnings = []
    old_net = dict(plan.input_hashes).get("network")
    now_net = str(G.graph.get("cache_key", "")) or None
    if old_net and now_net and old_net != now_net:
        warnings.append("the road network differs from the one the plan was made on; the "
                        "remaining routes use the current network")
    with budget_clock.phase("write"):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(new.to_json(indent=1), encoding="utf-8")
    kept = sum(1 for r in new.routes for s in r.job_stops if s.status == "done")
    if args.json:
        print(json.dumps({
            "ok": True, "out": str(args.out), "at": clock(at_s), "done_kept": kept,
            "jobs": new.jobs_total, "assigned": new.jobs_assigned,
            "unassigned": [{"job_id": u.job_id, "code": u.code, "text_en": u.text_en,
                            "text_vi": u.text_vi} for u in new.unassigned],
            "couriers_used": len(new.routes), "length_km": new.total_length_m / 1000,
            "network_kind": new.network_kind, "seed": new.seed, "seconds": new.seconds,
            "iterations": new.iterations, "iterations_done": new.iterations_done,
            "stopped_by": new.stopped_by, "solve_time_s": new.solve_time_s,
            "warnings": warnings, "time_limit_s": args.time_limit,
            "timings": budget_clock.as_dict(),
        }, ensure_ascii=False))
    else:
        print(new.summary())
        for w in warnings:
            print(f"warning: {w}", file=sys.stderr)
        print(f"written to {args.out}", file=sys.stderr)
    return 0


def _network(settings: Any, profile: str) -> tuple[Any, Any]:
    from geo.matrix import TravelEngine
    from geo.network import cached_network

    G = cached_network(settings, profile=profile)
    return G, TravelEngine(G)
