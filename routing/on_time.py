"""On-time risk of a day's plan: which jobs will (or may) miss their appointment date, and why.

Uses the states of :mod:`routing.deadlines` (overdue, due today, due soon within the
horizon); ``postplan plan``, the Dispatch page and the working-day loop show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing.deadlines import DEADLINE_STATES, days_left, deadline_state

if TYPE_CHECKING:
    from routing.model import PlanningProblem
    from routing.result import Plan

_STATE_TEXT: Mapping[str, tuple[str, str]] = {
    "overdue": ("đã quá hạn", "overdue"),
    "due_today": ("đến hạn hôm nay", "due today"),
    "due_soon": ("sắp đến hạn", "due soon"),
    "later": ("còn hạn", "due later"),
    "no_date": ("không có ngày hẹn", "no appointment date"),
}


@dataclass(frozen=True)
class RiskJob:
    """A job of the day that will miss (or may miss) its appointment date.

    Parameters
    ----------
    job_id, kind
        The job.
    received_date, due_date
        When it came in and its appointment date (ISO), when known.
    state
        ``overdue``, ``due_today`` or ``due_soon`` (:data:`DEADLINE_STATES`).
    days_left
        Days from the plan date to the due date (negative: overdue).
    planned
        True when today's plan serves it (an overdue job served today is still late).
    code, text_vi, text_en
        Why: the solver's reason code (``routing.reasons``) when it was left out, else
        ``late``; and the sentence in Vietnamese and English.
    """

    job_id: str
    kind: str
    received_date: str | None
    due_date: str | None
    state: str
    days_left: int
    planned: bool
    code: str
    text_vi: str
    text_en: str

    def text(self, lang: str = "vi") -> str:
        """Return the reason in ``lang``."""
        return self.text_vi if lang == "vi" else self.text_en

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class OnTimeRisk:
    """On-time risk of a day's plan.

    Parameters
    ----------
    plan_date
        The day.
    counts
        For each state of :data:`DEADLINE_STATES`: ``(jobs, planned)``.
    at_risk
        Jobs that will miss their date (due today or overdue and left out), are already
        late (overdue, served today), or may miss it (due soon and left out), most urgent
        first.
    """

    plan_date: str | None
    counts: Mapping[str, tuple[int, int]]
    at_risk: tuple[RiskJob, ...]

    @property
    def must(self) -> tuple[int, int]:
        """``(jobs, planned)`` that today's plan must take (due today or overdue)."""
        a = self.counts.get("overdue", (0, 0))
        b = self.counts.get("due_today", (0, 0))
        return a[0] + b[0], a[1] + b[1]

    @property
    def will_miss(self) -> tuple[RiskJob, ...]:
        """Jobs due today or overdue that the plan leaves out."""
        return tuple(r for r in self.at_risk if not r.planned and r.days_left <= 0)

    def summary(self, lang: str = "en") -> str:
        """One line: must-take jobs planned, jobs that will miss, jobs at risk."""
        total, planned = self.must
        soon = sum(1 for r in self.at_risk if r.state == "due_soon")
        late = sum(1 for r in self.at_risk if r.planned and r.state == "overdue")
        if lang == "vi":
            return (f"Việc đến hạn hoặc quá hạn: {planned}/{total} được lập tuyến; "
                    f"{len(self.will_miss)} sẽ trễ hẹn, {late} đã trễ hẹn (phục vụ hôm nay), "
                    f"{soon} sắp đến hạn chưa lập tuyến")
        return (f"Jobs due today or overdue: {planned}/{total} planned; {len(self.will_miss)} "
                f"will miss their date, {late} already late (served today), {soon} due soon "
                "and not planned")

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        total, planned = self.must
        return {"plan_date": self.plan_date, "must_take": total, "must_planned": planned,
                "will_miss": len(self.will_miss),
                "counts": {k: {"jobs": v[0], "planned": v[1]} for k, v in self.counts.items()},
                "at_risk": [r.to_dict() for r in self.at_risk]}


def on_time_risk(plan: Plan, problem: PlanningProblem | None = None) -> OnTimeRisk:
    """List the jobs of ``plan`` at risk of missing their appointment date, with why.

    Parameters
    ----------
    plan
        The day's plan.
    problem
        The problem it was made from (default: the one the plan carries).
    """
    from routing.problem_io import problem_of

    if problem is None:
        problem, _profile = problem_of(plan)
    horizon = problem.settings.horizon_days
    day = plan.plan_date or problem.settings.plan_date
    planned = {s.job_id for r in plan.routes for s in r.job_stops if s.job_id is not None}
    left_out = {u.job_id: u for u in plan.unassigned}
    counts: dict[str, list[int]] = {s: [0, 0] for s in DEADLINE_STATES}
    risky: list[RiskJob] = []
    for job in problem.jobs.values():
        state = deadline_state(job, day, horizon_days=horizon)
        served = job.job_id in planned
        counts[state][0] += 1
        counts[state][1] += served
        left = days_left(job, day)
        if left is None or state == "later":
            continue
        why = left_out.get(job.job_id)
        if served and state != "overdue":
            continue
        if served:
            code = "late"
            vi = f"đã quá hạn {-left} ngày; phục vụ hôm nay vẫn trễ hẹn"
            en = f"{-left} day(s) overdue; served today, still late"
        else:
            code = why.code if why is not None else "not_planned"
            reason_vi = why.text_vi if why is not None else "không có trong kế hoạch"
            reason_en = why.text_en if why is not None else "not in the plan"
            when_vi, when_en = _STATE_TEXT[state]
            if state == "due_soon":
                when_vi, when_en = f"hẹn sau {left} ngày", f"due in {left} day(s)"
            elif state == "overdue":
                when_vi, when_en = f"quá hạn {-left} ngày", f"{-left} day(s) overdue"
            vi = f"{when_vi}, không được lập tuyến: {reason_vi}"
            en = f"{when_en}, not planned: {reason_en}"
        risky.append(RiskJob(job.job_id, job.kind, job.received_date, job.due_date, state,
                             left, served, code, vi, en))
    risky.sort(key=lambda r: (r.planned, r.days_left, r.job_id))
    return OnTimeRisk(day, {k: (v[0], v[1]) for k, v in counts.items()}, tuple(risky))


__all__ = ["OnTimeRisk", "RiskJob", "on_time_risk"]
