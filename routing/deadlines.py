"""Deadlines and horizon: what a job is worth as its appointment date nears, and on-time risk.

Citizens' dossiers carry the date they were received and, when known, the legal appointment
date for the result (*ngày hẹn trả kết quả*, ``Job.due_date``). This module is the one rule
of what serving a job is worth to the planner as its date nears (:func:`job_weight`, used by
:meth:`routing.model.PlanningProblem.prize_of`); it imports nothing of the model, which
imports it. :mod:`routing.on_time` says which jobs of a plan are at risk of missing their
date and why; the CLI (``postplan plan``), the app and the working-day loop call both.

The value rule (``PlanSettings``):

* a job **due today or overdue must be taken**: it is worth the most urgent priority's
  weight × ``due_today_weight`` (50 — more than 25 optional urgent jobs together), plus
  10 % per day overdue (at most double), so the solver leaves one out only when it cannot
  be served at all (no road, no time window, no room) — and then it is listed as at risk
  with the solver's reason;
* a job due within ``horizon_days`` is optional, and its priority weight grows linearly
  from 1× (``horizon_days`` away) to ``due_soon_weight`` (due tomorrow);
* a job due later, or without a date, is worth its priority weight.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class _Job(Protocol):
    """What the rule reads of a job (``routing.model.Job``)."""

    @property
    def priority(self) -> int: ...

    @property
    def due_date(self) -> str | None: ...


class _Settings(Protocol):
    """What the rule reads of the settings (``routing.model.PlanSettings``)."""

    @property
    def priority_weights(self) -> tuple[float, float, float]: ...

    @property
    def due_today_weight(self) -> float: ...

    @property
    def due_soon_weight(self) -> float: ...

    @property
    def horizon_days(self) -> int: ...

    @property
    def plan_date(self) -> str | None: ...

#: Where a job stands against its appointment date on the plan date.
DEADLINE_STATES = ("overdue", "due_today", "due_soon", "later", "no_date")
#: How much more an overdue job is worth per day late, and the cap of that growth.
OVERDUE_STEP = 0.1
OVERDUE_CAP = 2.0


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def days_left(job: _Job, plan_date: dt.date | str | None) -> int | None:
    """Return the days from the plan date to the appointment date (negative: overdue)."""
    due = _date(job.due_date)
    day = _date(plan_date) if isinstance(plan_date, str) or plan_date is None else plan_date
    if due is None or day is None:
        return None
    return (due - day).days


def deadline_state(job: _Job, plan_date: dt.date | str | None, *, horizon_days: int = 5) -> str:
    """Return one of :data:`DEADLINE_STATES` for ``job`` on ``plan_date``."""
    left = days_left(job, plan_date)
    if left is None:
        return "no_date"
    if left < 0:
        return "overdue"
    if left == 0:
        return "due_today"
    return "due_soon" if left < horizon_days else "later"


def must_take(job: _Job, plan_date: dt.date | str | None) -> bool:
    """Tell whether the job is due on the plan date or overdue (today's plan must take it)."""
    left = days_left(job, plan_date)
    return left is not None and left <= 0


def job_weight(job: _Job, settings: _Settings) -> float:
    """Return what serving ``job`` is worth in units of ``settings.job_value_m``.

    See the module docstring for the rule.
    """
    weights = settings.priority_weights
    own = weights[max(1, min(3, job.priority)) - 1]
    left = days_left(job, settings.plan_date)
    if left is None:
        return own
    if left <= 0:
        late = min(1.0 + OVERDUE_STEP * -left, OVERDUE_CAP)
        return max(weights) * settings.due_today_weight * late
    horizon = settings.horizon_days
    if left >= horizon:
        return own
    return own * (1.0 + (settings.due_soon_weight - 1.0) * (horizon - left) / (horizon - 1))


__all__ = [
    "DEADLINE_STATES",
    "OVERDUE_CAP",
    "OVERDUE_STEP",
    "days_left",
    "deadline_state",
    "job_weight",
    "must_take",
]
