"""Options of a planning run (:class:`PlanSettings`), validated once, and the default hours.

:class:`routing.model.PlanningProblem` carries one; the CLI, the app and the simulator build
it from their own inputs. Times are integer seconds since midnight; clock times and windows
are read and written by :mod:`data.hours` (the one place for them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from data.errors import InputError, Problem
from data.hours import Window, format_windows

HOUR = 3600

#: Office hours on a working day: open 07:00–11:30 and 13:30–17:00 (closed at midday).
DEFAULT_OFFICE_WINDOWS: tuple[Window, ...] = ((7 * HOUR, 11 * HOUR + 1800),
                                              (13 * HOUR + 1800, 17 * HOUR))
#: A courier's default shift.
DEFAULT_SHIFT: Window = (7 * HOUR, 17 * HOUR)


@dataclass(frozen=True)
class PlanSettings:
    """Validated options of a planning run.

    Parameters
    ----------
    seconds
        Solver time budget (wall seconds); the search stops when it runs out.
    seed
        Solver seed.
    iterations
        Solver iteration budget, or None. With one, the search stops after that many
        iterations (or at ``seconds``, whichever comes first): the same inputs, seed and
        iteration budget then give the same plan on any machine and under any load, as
        long as the budget is reached before the time limit (same PyVRP version).
    citizen_service_s
        Default service time at a citizen (check, seal, co-sign, collect the fee): 10 min.
    office_service_s
        Default service time at an office: 5 min.
    office_windows
        Default office opening hours, used when an office gives none.
    shift
        Default courier shift.
    job_value_m
        What serving a job of priority 1 is worth, in length units (metres): a job whose
        cheapest insertion adds more than this is left out for cost. Priorities multiply it
        by ``priority_weights``.
    priority_weights
        Multiplier per priority 1, 2, 3.
    due_today_weight
        A job due on (or before) the plan date *must* be taken: it is worth the most
        urgent priority's weight × this (50: more than 25 optional urgent jobs), a little
        more for each day it is overdue (:mod:`routing.deadlines`).
    due_soon_weight
        A job due within ``horizon_days`` is optional; its priority weight grows linearly
        from 1× (``horizon_days`` away) to this (due tomorrow).
    horizon_days
        How many days ahead a due date starts to raise a job's value.
    time_weight
        Cost per second of working time, in length units (0: distance only).
    distance_scale, time_scale
        Factors turning lengths and times into the solver's integers (1 for metres and
        seconds; 10000 for benchmark planes, whose legs are fractional).
    plan_date
        ISO date the plan is for.
    """

    seconds: float = 10.0
    seed: int = 0
    iterations: int | None = None
    citizen_service_s: int = 600
    office_service_s: int = 300
    office_windows: tuple[Window, ...] = DEFAULT_OFFICE_WINDOWS
    shift: Window = DEFAULT_SHIFT
    job_value_m: float = 200_000.0
    priority_weights: tuple[float, float, float] = (1.0, 3.0, 10.0)
    due_today_weight: float = 50.0
    due_soon_weight: float = 2.0
    horizon_days: int = 5
    time_weight: float = 0.0
    distance_scale: float = 1.0
    time_scale: float = 1.0
    plan_date: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.seconds > 0:
            problems.append(Problem(f"seconds must be positive, got {self.seconds}",
                                    column="seconds", value=str(self.seconds)))
        if self.iterations is not None and not (isinstance(self.iterations, int)
                                                and self.iterations >= 1):
            problems.append(Problem(f"iterations must be a whole number of at least 1 (or "
                                    f"none), got {self.iterations}", column="iterations",
                                    value=str(self.iterations)))
        if self.citizen_service_s < 0 or self.office_service_s < 0:
            problems.append(Problem("service times cannot be negative", column="service_s"))
        for w in self.office_windows:
            if w[1] <= w[0]:
                problems.append(Problem(f"office window {w} closes before it opens",
                                        column="office_windows"))
        if self.shift[1] <= self.shift[0]:
            problems.append(Problem(f"shift {self.shift} ends before it starts", column="shift"))
        if self.distance_scale <= 0 or self.time_scale <= 0:
            problems.append(Problem("distance_scale and time_scale must be positive"))
        if self.due_today_weight < 1 or self.due_soon_weight < 1:
            problems.append(Problem("due_today_weight and due_soon_weight must be ≥ 1",
                                    column="due_today_weight"))
        if not isinstance(self.horizon_days, int) or self.horizon_days < 1:
            problems.append(Problem(f"horizon_days must be a whole number ≥ 1, got "
                                    f"{self.horizon_days}", column="horizon_days",
                                    value=str(self.horizon_days)))
        if len(self.priority_weights) != 3:
            problems.append(Problem("priority_weights needs one weight per priority 1, 2, 3"))
        if self.plan_date is not None:
            try:
                date.fromisoformat(self.plan_date)
            except ValueError:
                problems.append(Problem(f"plan_date {self.plan_date!r} is not YYYY-MM-DD",
                                        column="plan_date", value=self.plan_date))
        if problems:
            raise InputError(problems, summary="Invalid plan settings")

    def as_items(self) -> tuple[tuple[str, object], ...]:
        """Return the settings as ``(name, JSON scalar)`` pairs for a plan's record."""
        out: list[tuple[str, object]] = []
        for k, v in asdict(self).items():
            if k == "office_windows":
                v = format_windows(v)
            elif k == "shift":
                v = format_windows([v])
            elif isinstance(v, tuple | list):
                v = ",".join(str(x) for x in v)
            out.append((k, v))
        return tuple(out)
