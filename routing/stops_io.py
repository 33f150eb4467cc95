"""Reading a dispatcher's report of which stops are done (``postplan replan --done``).

The file is a CSV (UTF-8, as spreadsheets save it) or an XLSX with one row per stop or job:

``job_id`` (required)
    A job of the plan.
``status`` (required)
    ``done`` (also ``xong``, ``yes``, ``1``) or ``not_done`` (also ``chua``, ``chưa``,
    ``planned``, ``no``, ``0``).
``role`` (optional)
    ``pickup`` or ``delivery``: which of the job's stops; empty means every stop of the job.

Every problem of the file is reported at once, with its row (header = row 1), column,
value and the fix.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from data.errors import InputError, Problem
from routing.model import PlanningProblem
from routing.replan import stop_role
from routing.result import Plan

DONE_WORDS = ("done", "xong", "yes", "1", "true", "x")
NOT_DONE_WORDS = ("not_done", "chua", "chưa", "planned", "no", "0", "false")
ROLES = ("pickup", "delivery")


def read_done_stops(path: str | Path, problem: PlanningProblem, plan: Plan
                    ) -> dict[tuple[str, str], bool]:
    """Read a done-stops file against a plan's problem.

    Parameters
    ----------
    path
        The .csv or .xlsx file.
    problem
        The plan's problem (the jobs the ids must name).
    plan
        The plan (the stops must be planned in it).

    Returns
    -------
    dict
        ``(job_id, role)`` → True (done) or False (not done).

    Raises
    ------
    InputError
        Listing every problem (unreadable file, missing column, unknown or unplanned job, bad
        status or role, a stop given twice).
    """
    p = Path(path)
    name = p.name
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror}); give the path of a CSV or "
                         "XLSX file", summary=f"{name} was rejected") from None
    try:
        if name.lower().endswith((".xlsx", ".xlsm")):
            df = pd.read_excel(io.BytesIO(raw), dtype=str, keep_default_na=False)
        else:
            df = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig",
                             keep_default_na=False)
    except Exception as exc:
        raise InputError(f"{name}: cannot be read as a table ({exc}); save it as UTF-8 CSV "
                         "or .xlsx with columns job_id, status[, role]",
                         summary=f"{name} was rejected") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("job_id", "status") if c not in df.columns]
    if missing:
        raise InputError([Problem(f"column {c!r} is missing; the columns are job_id, status "
                                  "and optionally role", column=c, source=name,
                                  message_vi=f"thiếu cột {c!r}; các cột là job_id, status "
                                             "và (tùy chọn) role")
                          for c in missing], summary=f"{name} was rejected")
    planned = {(s.job_id, stop_role(problem, s)) for r in plan.routes for s in r.job_stops
               if s.job_id is not None and s.job_id in problem.jobs}
    problems: list[Problem] = []
    out: dict[tuple[str, str], bool] = {}
    first_row: dict[tuple[str, str], int] = {}
    for k, rec in enumerate(df.to_dict("records")):
        row = k + 2
        job_id = str(rec.get("job_id", "")).strip()
        status = str(rec.get("status", "")).strip().lower()
        role = str(rec.get("role", "") or "").strip().lower()
        job = problem.jobs.get(job_id)
        if job is None:
            problems.append(Problem("no such job in the plan; use a job id of the plan",
                                    row=row, column="job_id", value=job_id, source=name,
                                    message_vi="kế hoạch không có việc này; dùng mã việc "
                                               "có trong kế hoạch"))
        if status in DONE_WORDS:
            done = True
        elif status in NOT_DONE_WORDS:
            done = False
        else:
            problems.append(Problem("status must be done or not_done", row=row,
                                    column="status", value=status, source=name,
                                    message_vi="status phải là done (xong) hoặc not_done "
                                               "(chưa xong)"))
            continue
        if role and role not in ROLES:
            problems.append(Problem("role must be pickup, delivery or empty (every stop of "
                                    "the job)", row=row, column="role", value=role,
                                    source=name,
                                    message_vi="role phải là pickup, delivery hoặc để trống "
                                               "(mọi điểm của việc)"))
            continue
        if job is None:
            continue
        roles = [r for r, _ in job.visits]
        if role and role not in roles:
            problems.append(Problem(f"job {job_id} has no {role} stop; use "
                                    f"{' or '.join(roles)}", row=row, column="role",
                                    value=role, source=name,
                                    message_vi=f"việc {job_id} không có điểm {role}; dùng "
                                               f"{' hoặc '.join(roles)}"))
            continue
        for r in [role] if role else roles:
            key = (job_id, r)
            if key not in planned:
                problems.append(Problem(f"stop {job_id} ({r}) is not in any route of the plan "
                                        "(the job is unassigned); remove the row", row=row,
                                        column="job_id", value=job_id, source=name,
                                        message_vi=f"điểm {job_id} ({r}) không thuộc tuyến "
                                                   "nào (việc chưa giao); xóa dòng này"))
                continue
            if key in first_row:
                problems.append(Problem(f"stop {job_id} ({r}) is already given on row "
                                        f"{first_row[key]}; keep one row per stop", row=row,
                                        column="job_id", value=job_id, source=name,
                                        message_vi=f"điểm {job_id} ({r}) đã có ở dòng "
                                                   f"{first_row[key]}; mỗi điểm một dòng"))
                continue
            first_row[key] = row
            out[key] = done
    if problems:
        raise InputError(problems, summary=f"{name} was rejected; nothing was re-planned")
    return out


__all__ = ["DONE_WORDS", "NOT_DONE_WORDS", "read_done_stops"]
