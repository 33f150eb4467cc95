"""Carry-over between working days: the one rule for what a day's list holds.

A post office's day starts from yesterday's unfinished jobs and today's new ones, and ends
with every job of the list either *done* or *left* for the next working day — none lost,
none twice. Both steps are pure functions on plain frozen values, so the capacity study
(:mod:`routing.study`), the app's working-day loop and tests share them:

- :func:`day_list` — yesterday's left jobs (oldest due date first) followed by today's new
  jobs, each a :class:`PendingJob` with the date it was received, its legal appointment
  date (``Job.due_date``, *ngày hẹn trả kết quả*) and its attempts so far;
- :func:`close_day` — given which jobs the day's plan served, which of those failed on the
  road (not at home, wrong address, …) and why the others were not planned, returns a
  :class:`DayClose`: the jobs done (on time or late) and the jobs left, each with one more
  :class:`Attempt`. A job that failed :data:`CALL_AFTER_FAILURES` times is flagged for a
  phone call (:attr:`PendingJob.needs_call`).

"On time" means served on or before the appointment date (calendar dates: a job due on a
Sunday and served on Saturday is on time, on Monday late). A job without an appointment
date is never late. Nothing here knows about solvers, networks or storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from data.errors import InputError, Problem
from data.outcomes import OUTCOME_REASONS
from routing.model import Job

#: Failures (visited, not completed) after which a job is flagged for a phone call.
CALL_AFTER_FAILURES = 3
#: Why a visited stop failed: the one list of :data:`data.outcomes.OUTCOME_REASONS`.
FAILURE_REASONS = tuple(OUTCOME_REASONS)
#: What an attempt was: visited but not completed, or not in the day's plan at all.
ATTEMPT_OUTCOMES = ("failed", "unserved")


@dataclass(frozen=True)
class Attempt:
    """One working day on which a job was not finished.

    Parameters
    ----------
    day
        The working day.
    outcome
        ``failed`` (a courier went and the stop failed) or ``unserved`` (the plan did
        not serve it).
    reason
        For ``failed`` one of :data:`FAILURE_REASONS`; for ``unserved`` the plan's reason
        code (``routing.reasons.REASON_CODES``, e.g. ``no_room``, ``office_closed``).
    """

    day: dt.date
    outcome: str
    reason: str


@dataclass(frozen=True)
class PendingJob:
    """A job on a day's list, with its history.

    Parameters
    ----------
    job
        The job (its ``due_date`` is the legal appointment date, or None).
    received
        The date the job came in.
    attempts
        Earlier working days on which it was not finished, oldest first.
    """

    job: Job
    received: dt.date
    attempts: tuple[Attempt, ...] = ()

    @property
    def job_id(self) -> str:
        """The job's id."""
        return self.job.job_id

    @property
    def due(self) -> dt.date | None:
        """The appointment date, or None."""
        return dt.date.fromisoformat(self.job.due_date) if self.job.due_date else None

    @property
    def failures(self) -> int:
        """How many times a courier went and the stop failed."""
        return sum(1 for a in self.attempts if a.outcome == "failed")

    @property
    def needs_call(self) -> bool:
        """True once the job failed :data:`CALL_AFTER_FAILURES` times: phone the citizen."""
        return self.failures >= CALL_AFTER_FAILURES

    def due_by(self, day: dt.date) -> bool:
        """Return True when the job is due on ``day`` or before (finished later: late)."""
        due = self.due
        return due is not None and due <= day


@dataclass(frozen=True)
class DoneJob:
    """A job finished on a working day.

    Parameters
    ----------
    job_id
        The job.
    received, due, day
        When it came in, its appointment date (or None) and the day it was done.
    attempts
        Earlier days on which it was not finished.
    """

    job_id: str
    received: dt.date
    due: dt.date | None
    day: dt.date
    attempts: int

    @property
    def on_time(self) -> bool:
        """Done on or before the appointment date (always true without one)."""
        return self.due is None or self.day <= self.due


@dataclass(frozen=True)
class DayClose:
    """How a working day ended: what was done and what goes to the next working day.

    Parameters
    ----------
    day
        The working day.
    done
        Jobs finished that day, in list order.
    left
        Jobs carried to the next working day (each with one more attempt), in list order.
    """

    day: dt.date
    done: tuple[DoneJob, ...]
    left: tuple[PendingJob, ...]

    @property
    def flagged(self) -> tuple[PendingJob, ...]:
        """Left jobs that failed :data:`CALL_AFTER_FAILURES` times: phone the citizen."""
        return tuple(p for p in self.left if p.needs_call)

    @property
    def late_left(self) -> tuple[PendingJob, ...]:
        """Left jobs already past their appointment date at the end of the day."""
        return tuple(p for p in self.left if p.due_by(self.day))


def _sort_key(p: PendingJob) -> tuple[dt.date, dt.date, str]:
    return (p.due or dt.date.max, p.received, p.job_id)


def day_list(carried: Sequence[PendingJob], new: Iterable[Job], day: dt.date
             ) -> tuple[PendingJob, ...]:
    """Return the day's list: carried jobs (oldest due date first), then today's new jobs.

    Parameters
    ----------
    carried
        Yesterday's :attr:`DayClose.left` (or an empty sequence on the first day).
    new
        Jobs received on ``day``.
    day
        The working day.

    Returns
    -------
    tuple of PendingJob
        New jobs get ``received=day`` and no attempts; carried jobs keep their history.

    Raises
    ------
    InputError
        When a job id appears twice (carried and new, or twice in either), or a carried
        job was received after ``day`` — every such problem in one error.
    """
    problems: list[Problem] = []
    seen: set[str] = set()
    fresh = [PendingJob(job, day) for job in new]
    for p in (*carried, *fresh):
        if p.job_id in seen:
            problems.append(Problem(
                f"job {p.job_id} is on the list of {day:%d/%m/%Y} twice; a job carried from "
                "an earlier day must not be imported again — remove the duplicate",
                column="job_id", value=p.job_id,
                message_vi=f"công việc {p.job_id} có hai lần trong danh sách ngày "
                           f"{day:%d/%m/%Y}; việc chuyển từ ngày trước không được nhập lại — "
                           "hãy bỏ dòng trùng"))
        seen.add(p.job_id)
    for p in carried:
        if p.received > day:
            problems.append(Problem(
                f"job {p.job_id} was received on {p.received:%d/%m/%Y}, after "
                f"{day:%d/%m/%Y}; it cannot be carried back to that day",
                column="received", value=p.received.isoformat(),
                message_vi=f"công việc {p.job_id} nhận ngày {p.received:%d/%m/%Y}, sau ngày "
                           f"{day:%d/%m/%Y}; không thể chuyển ngược về ngày đó"))
    if problems:
        raise InputError(problems, summary=f"Danh sách ngày {day:%d/%m/%Y} không lập được. / "
                                           f"The list of {day:%d/%m/%Y} cannot be made.")
    return (*sorted(carried, key=_sort_key), *fresh)


def close_day(today: Sequence[PendingJob], day: dt.date, *, served: Iterable[str],
              failed: Mapping[str, str] | None = None,
              unserved: Mapping[str, str] | None = None) -> DayClose:
    """End a working day: every job of ``today`` is done or left (with one more attempt).

    Parameters
    ----------
    today
        The day's list (:func:`day_list`).
    day
        The working day.
    served
        Ids of the jobs the plan served (visited), failed or not.
    failed
        ``job_id`` → reason (:data:`FAILURE_REASONS`) for served jobs that failed on the
        road.
    unserved
        ``job_id`` → the plan's reason code for jobs it did not serve; a job neither
        served nor listed here is recorded as ``unserved`` with reason ``not_planned``.

    Raises
    ------
    InputError
        When ``served``, ``failed`` or ``unserved`` name a job that is not on the list, a
        failed job was not served, a served job is also listed as unserved, or a failure
        reason is unknown — every such problem in one error.
    """
    failed = dict(failed or {})
    unserved = dict(unserved or {})
    served_set = set(served)
    ids = {p.job_id for p in today}
    problems: list[Problem] = []

    def bad(en: str, vi: str, job_id: str) -> None:
        problems.append(Problem(en, column="job_id", value=job_id, message_vi=vi))

    for name, group in (("served", served_set), ("failed", set(failed)),
                        ("unserved", set(unserved))):
        for jid in sorted(group - ids):
            bad(f"{name} job {jid} is not on the list of {day:%d/%m/%Y}",
                f"công việc {jid} ({name}) không có trong danh sách ngày {day:%d/%m/%Y}", jid)
    for jid in sorted(set(failed) - served_set):
        bad(f"job {jid} is marked failed but was not served; a failure is a stop a courier "
            "went to", f"công việc {jid} ghi thất bại nhưng không được phục vụ", jid)
    for jid in sorted(served_set & set(unserved)):
        bad(f"job {jid} is both served and unserved", f"công việc {jid} vừa được phục vụ "
            "vừa không", jid)
    for jid, why in sorted(failed.items()):
        if why not in FAILURE_REASONS:
            bad(f"job {jid}: failure reason {why!r} is unknown; use one of "
                f"{', '.join(FAILURE_REASONS)}", f"công việc {jid}: lý do thất bại {why!r} "
                f"không có; dùng một trong {', '.join(FAILURE_REASONS)}", jid)
    if problems:
        raise InputError(problems, summary=f"Không kết thúc được ngày {day:%d/%m/%Y}. / "
                                           f"The day {day:%d/%m/%Y} cannot be closed.")
    done: list[DoneJob] = []
    left: list[PendingJob] = []
    for p in today:
        if p.job_id in served_set and p.job_id not in failed:
            done.append(DoneJob(p.job_id, p.received, p.due, day, len(p.attempts)))
            continue
        attempt = (Attempt(day, "failed", failed[p.job_id]) if p.job_id in failed
                   else Attempt(day, "unserved", unserved.get(p.job_id, "not_planned")))
        left.append(PendingJob(p.job, p.received, (*p.attempts, attempt)))
    return DayClose(day, tuple(done), tuple(left))


__all__ = [
    "ATTEMPT_OUTCOMES",
    "CALL_AFTER_FAILURES",
    "FAILURE_REASONS",
    "Attempt",
    "DayClose",
    "DoneJob",
    "PendingJob",
    "close_day",
    "day_list",
]
