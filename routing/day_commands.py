"""``postplan day progress|close`` and ``postplan report``: the working day and its reports.

Both act as a named account (``--as NAME``, :mod:`data.account_commands`) held to its role:
closing a day needs a dispatcher of the plan's offices (or an admin); a report needs any
role (it holds no personal data; a dispatcher's covers their offices).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from data.account_commands import acting, add_as_argument
from data.errors import InputError, Problem


def register(subparsers: Any) -> None:
    """Add ``day progress|close`` and ``report`` to the ``postplan`` command line.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    d = subparsers.add_parser("day", help="the working day: couriers' progress, close the day")
    dsub = d.add_subparsers(dest="day_command", required=True)
    for name, helptext in (
            ("progress", "each courier's stops done, failed and left, and who runs late"),
            ("close", "end the day: failed and unserved jobs go to the next working day")):
        c = dsub.add_parser(name, help=helptext)
        c.add_argument("date", help="the day, YYYY-MM-DD")
        c.add_argument("--plan", help="stored plan (id or name); default: the day's only "
                                      "saved plan")
        c.add_argument("--json", action="store_true")
        add_as_argument(c)
        if name == "close":
            c.add_argument("--offices", type=Path,
                           help="office registry (default: the bundled one)")
            c.add_argument("--exceptions", type=Path, help="calendar exceptions file")
            c.set_defaults(func=cmd_close)
        else:
            c.add_argument("--at", metavar="HH:MM", help="judge lateness at this time")
            c.set_defaults(func=cmd_progress)
    r = subparsers.add_parser(
        "report", help="dossiers picked up and returned, on time, failures, km per dossier",
        description="Add up the closed days between --from and --to, by commune (102 "
                    "before 2025 or 40 from July 2025), post office or courier; no personal "
                    "data. Simulated days and estimated km are labelled.")
    r.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    r.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    r.add_argument("--by", default="commune",
                   choices=("commune", "commune_new", "office", "courier"))
    r.add_argument("--period", default="total", choices=("total", "week", "month"))
    r.add_argument("--lang", default="vi", choices=("vi", "en"))
    r.add_argument("--xlsx", type=Path, help="also write the report as an XLSX workbook")
    r.add_argument("--pdf", type=Path, help="also write the report as a PDF")
    r.add_argument("--json", action="store_true")
    add_as_argument(r)
    r.set_defaults(func=cmd_report)


def _date(text: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError([Problem(f"{flag} {text!r} is not YYYY-MM-DD; write e.g. 2026-11-25",
                                  column=flag, value=text,
                                  message_vi=f"{flag} {text!r} không đúng dạng YYYY-MM-DD; "
                                             "ví dụ 2026-11-25")]) from None


def _day_plan(store: Any, actor: Any, day: dt.date, ref: str | None) -> tuple[Any, int]:
    """Return the day's plan (latest version) and its id."""
    from routing.result import Plan

    if ref is not None:
        info = store.resolve(ref, actor=actor, kind="plan")
    else:
        found = [o for o in store.list_objects("plan", actor=actor)
                 if store.history(o.id, actor=actor)[-1].meta.get("plan_date")
                 == day.isoformat()]
        if len(found) != 1:
            names = ", ".join(f"#{o.id} {o.name!r}" for o in found) or "none"
            raise InputError(
                f"Ngày {day:%d/%m/%Y} có {len(found)} kế hoạch đã lưu ({names}); chọn một bằng "
                f"--plan ID. / {day:%d/%m/%Y} has {len(found)} saved plan(s) ({names}); name "
                "one with --plan ID.")
        info = found[0]
    plan = Plan.from_dict(store.get(info.id, actor=actor).data())
    if plan.plan_date != day.isoformat():
        raise InputError(f"Kế hoạch #{info.id} là của ngày {plan.plan_date}, không phải "
                         f"{day.isoformat()}. / Plan #{info.id} is for {plan.plan_date}, not "
                         f"{day.isoformat()}.")
    return plan, info.id


def cmd_progress(args: argparse.Namespace) -> int:
    """Run ``postplan day progress``."""
    from data.outcomes import VN_TZ, outcome_facts
    from data.settings import Settings
    from data.store import Store
    from routing.progress import day_progress

    day = _date(args.date, "date")
    now = None
    if args.at:
        try:
            t = dt.time.fromisoformat(args.at)
        except ValueError:
            raise InputError(f"--at {args.at!r} is not HH:MM") from None
        now = dt.datetime.combine(day, t, VN_TZ)
    with Store.open(Settings.from_env()) as store:
        actor = acting(store, args)
        plan, plan_id = _day_plan(store, actor, day, args.plan)
        facts = [o for o in outcome_facts(store, actor=actor, date_from=day, date_to=day)
                 if o.plan_id == plan_id]
    progress = day_progress(plan, facts, now=now)
    if args.json:
        print(json.dumps({"ok": True, "date": day.isoformat(), "plan_id": plan_id,
                          "couriers": [c.to_dict() for c in progress.couriers],
                          "totals": dict(zip(("done", "failed", "left"), progress.totals,
                                             strict=True))}, ensure_ascii=False))
        return 0
    done, failed, left = progress.totals
    print(f"{day:%d/%m/%Y}: {done} xong / done, {failed} không thành công / failed, {left} còn "
          "lại / left")
    for c in progress.couriers:
        late = f", trễ / late {c.late_s // 60} min" if c.running_late else ""
        print(f"  {c.courier_id}: {c.done}/{c.stops} xong / done, {c.failed} failed, "
              f"{c.left} left{late}")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    """Run ``postplan day close``."""
    from data.settings import Settings
    from data.store import Store
    from routing.dayloop import close_stored_day

    day = _date(args.date, "date")
    settings = Settings.from_env()
    registry, calendar = _registry(settings, args.offices, args.exceptions)
    commune_of = _commune_lookup(settings)
    with Store.open(settings) as store:
        actor = acting(store, args)
        plan, plan_id = _day_plan(store, actor, day, args.plan)
        result = close_stored_day(store, plan, plan_id, actor=actor, registry=registry,
                                  calendar=calendar, commune_of=commune_of)
    out = result.to_dict()
    if args.json:
        print(json.dumps({"ok": True, **out}, ensure_ascii=False))
        return 0
    print(f"Ngày {day:%d/%m/%Y} đã chốt / closed: {out['done']} xong / done "
          f"({out['on_time']} đúng hẹn / on time, {out['late']} trễ / late), {out['left']} "
          f"chuyển sang / carried to {dt.date.fromisoformat(out['next_day']):%d/%m/%Y} "
          f"({out['failed']} không thành công / failed, {out['unserved']} chưa phục vụ / "
          "unserved)")
    for f in out["flagged"]:
        print(f"  GỌI ĐIỆN / PHONE: {f['job_id']} — {f['failures']} lần không thành công / "
              f"failures ({', '.join(f['reasons'])})")
    if out["provenance"] == "simulated":
        print("MÔ PHỎNG / SIMULATED", file=sys.stderr)
    return 0


def _registry(settings: Any, offices: Path | None, exceptions: Path | None) -> tuple[Any, Any]:
    from data.offices import default_offices, read_offices

    registry = read_offices(offices, settings=settings) if offices else \
        default_offices(settings)
    calendar = None
    if exceptions is not None:
        from data.calendar import read_exceptions

        calendar = read_exceptions(exceptions, office_ids=registry["office_id"])
    return registry, calendar


def _commune_lookup(settings: Any) -> Any:
    """``(lon, lat) → pre-2025 commune code`` by the bundled polygons."""
    from data.layers import load_communes
    from routing.dayclose import commune_finder

    return commune_finder(load_communes(settings))


def cmd_report(args: argparse.Namespace) -> int:
    """Run ``postplan report``."""
    from data.settings import Settings
    from data.store import Store
    from routing.dayloop import summaries_between
    from routing.report_export import report_pdf, report_xlsx
    from routing.reports import build_report, group_names

    date_from = _date(args.date_from, "--from")
    date_to = _date(args.date_to, "--to")
    settings = Settings.from_env()
    names, new_of = group_names(settings, args.by)
    with Store.open(settings) as store:
        actor = acting(store, args)
        summaries = summaries_between(store, actor=actor, date_from=date_from, date_to=date_to)
        report = build_report(summaries, date_from=date_from, date_to=date_to, by=args.by,
                              period=args.period, names=names, new_commune_of=new_of)
        for path, render in ((args.xlsx, report_xlsx), (args.pdf, report_pdf)):
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(render(report, lang=args.lang))
                store.record("export", actor=actor, object_kind="report",
                             object_name=f"{date_from}..{date_to}",
                             detail={"format": path.suffix.lstrip("."), "by": args.by})
    if args.json:
        print(json.dumps({"ok": True, **report.to_dict()}, ensure_ascii=False))
        return 0
    frame = report.frame(lang=args.lang)
    shown = [c for c in frame.columns if not str(c).startswith(("Không thành công:",
                                                                "Failed:"))]
    for note in report.notes(args.lang):
        print(note)
    print(frame[shown].to_string(index=False))
    return 0


__all__ = ["cmd_close", "cmd_progress", "cmd_report", "register"]
