"""``postplan roster`` and ``postplan calendar``: couriers and working days on the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from data.errors import InputError


def register(subparsers: Any) -> None:
    """Add ``roster check|export`` and ``calendar`` to the ``postplan`` command line.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    r = subparsers.add_parser("roster", help="the courier roster: check, export, who is on duty")
    rsub = r.add_subparsers(dest="roster_command", required=True)
    c = rsub.add_parser(
        "check", help="validate a roster file (every problem with row, column, value, fix)",
        description="Read a roster (.csv in any common encoding, or .xlsx) with the same "
                    "checks as the office registry; with --date, say who is on duty and why "
                    "the others are not.")
    c.add_argument("file", type=Path)
    c.add_argument("--offices", type=Path, help="office registry (default: the bundled one)")
    c.add_argument("--date", help="show who is on duty on this date (YYYY-MM-DD)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_roster_check)
    e = rsub.add_parser("export", help="write a checked roster as .csv (UTF-8) or .xlsx")
    e.add_argument("file", type=Path)
    e.add_argument("out", type=Path)
    e.add_argument("--offices", type=Path)
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_roster_export)

    k = subparsers.add_parser(
        "calendar", help="is an office open on a date? (public holidays, hours, exceptions)",
        description="Say, for each office, whether it works on a date and in which hours; a "
                    "closed office is said plainly with the reason (public holiday, weekday, "
                    "exception).")
    k.add_argument("date", help="YYYY-MM-DD")
    k.add_argument("--offices", type=Path, help="office registry (default: the bundled one)")
    k.add_argument("--office", action="append", default=None,
                   help="only this office_id (repeatable); default: every post office")
    k.add_argument("--exceptions", type=Path, help="exceptions file")
    k.add_argument("--holidays", type=int, metavar="YEAR", help="list the year's holidays")
    k.add_argument("--json", action="store_true")
    k.set_defaults(func=cmd_calendar)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not YYYY-MM-DD") from None


def _offices(path: Path | None) -> Any:
    from data.offices import default_offices, read_offices
    from data.settings import Settings

    settings = Settings.from_env()
    return read_offices(path, settings=settings) if path else default_offices(settings)


def cmd_roster_check(args: argparse.Namespace) -> int:
    """Run ``postplan roster check``."""
    from data.roster import on_duty, read_roster

    offices = _offices(args.offices)
    roster = read_roster(args.file, office_ids=offices["office_id"])
    out: dict[str, Any] = {"ok": True, "file": str(args.file), "couriers": len(roster),
                           "active": int(roster["active"].sum()),
                           "warnings": roster.attrs.get("warnings", [])}
    duty = None
    if args.date:
        duty = on_duty(roster, _date(args.date, "--date"), offices=offices)
        out["date"] = args.date
        out["on_duty"] = duty.on_duty["courier_id"].tolist()
        out["absent"] = [{k: r[k] for k in ("courier_id", "name", "reason", "why_vi", "why_en")}
                         for r in duty.absent.to_dict("records")]
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{args.file}: {out['couriers']} couriers ({out['active']} active) — ok")
    for w in out["warnings"]:
        print(f"  warning: {w}")
    if duty is not None:
        print(duty.summary("vi"))
        print(duty.summary("en"))
    return 0


def cmd_roster_export(args: argparse.Namespace) -> int:
    """Run ``postplan roster export``."""
    from data.roster import read_roster, write_roster

    if args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"cannot write {args.out.name}: use .csv or .xlsx")
    offices = _offices(args.offices)
    roster = read_roster(args.file, office_ids=offices["office_id"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_roster(roster, args.out)
    if args.json:
        print(json.dumps({"ok": True, "out": str(args.out), "couriers": len(roster)}))
    else:
        print(f"{len(roster)} couriers written to {args.out}")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    """Run ``postplan calendar``."""
    from data.calendar import WorkCalendar, office_day, public_holidays, read_exceptions

    day = _date(args.date, "date")
    offices = _offices(args.offices)
    calendar = WorkCalendar()
    if args.exceptions:
        calendar = read_exceptions(args.exceptions, office_ids=offices["office_id"])
    if args.office:
        unknown = sorted(set(args.office) - set(offices["office_id"].astype(str)))
        if unknown:
            raise InputError(f"unknown office_id {', '.join(unknown)}; see `postplan data "
                             "offices`")
        rows = offices[offices["office_id"].astype(str).isin(args.office)]
    else:
        rows = offices[offices["kind"] == "post_office"]
    days = [office_day({str(k): v for k, v in r.items()}, day, calendar)
            for r in rows.to_dict("records")]
    holiday = calendar.holiday(day)
    out: dict[str, Any] = {
        "ok": True, "date": day.isoformat(),
        "holiday": None if holiday is None else {"vi": holiday.name_vi, "en": holiday.name_en},
        "offices": [{"office_id": d.office_id, "name": d.name, "open": not d.closed,
                     "windows": [list(w) for w in d.windows], "message_vi": d.message("vi"),
                     "message_en": d.message("en")} for d in days],
    }
    if args.holidays:
        out["holidays"] = [{"date": h.day.isoformat(), "vi": h.name_vi, "en": h.name_en}
                           for h in public_holidays(args.holidays)]
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    for d in days:
        print(d.message("vi"))
        print(f"  {d.message('en')}")
    for h in out.get("holidays", []):
        print(f"{h['date']}  {h['vi']} / {h['en']}")
    return 0
