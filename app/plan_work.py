"""Planning and re-planning as background work (run by :mod:`app.background`; no Streamlit).

:func:`plan_work` and :func:`replan_work` are the work of the Dispatch page's Plan and
Re-plan buttons, on one :class:`~data.budget.Clock` per action (:func:`action_clock`): the
page's budget is the solver's search time and the whole action — matrices, solving,
repair, routes on the roads, reasons — is bounded by it plus :data:`ACTION_EXTRA_S`, plus a
first load of the road network (:func:`network_phase`). They return a frozen
:class:`Outcome` the page takes over; the plan keeps where the time went (``timings``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from app.dispatch_logic import build_day, plan_problem, replan, solve
from data.budget import Clock
from routing.model import Job, PlanningProblem
from routing.result import Plan

#: A no-argument function returning ``(road graph, travel engine)`` for the action's day.
NetworkFn = Callable[[], tuple[nx.MultiDiGraph, Any]]
#: ``(problem, G, engine) -> matrices`` (the app's cached ``problem_matrices``).
MatricesFn = Callable[[PlanningProblem, nx.MultiDiGraph, Any], Any]

@dataclass(frozen=True)
class Outcome:
    """A finished plan or re-plan, as the page takes it over.

    Parameters
    ----------
    kind
        ``"plan"`` or ``"replan"``.
    plan
        The new plan (its ``timings`` cover the whole action).
    problem, why_not
        The day's problem editing and re-planning need, or None and why not
        (:func:`plan_problem`).
    matrices
        The matrices of ``problem`` (a fresh plan), or None (computed again when needed).
    profile, day
        The network profile and the day the plan is on.
    at_s, kept, failed
        For a re-plan: the clock time it was made from, the stops kept as done and the
        stops reported failed (taken off the routes).
    """

    kind: str
    plan: Plan
    problem: PlanningProblem | None
    why_not: str | None
    matrices: Any
    profile: str
    day: dt.date
    at_s: int | None = None
    kept: int = 0
    failed: int = 0


#: Seconds an action may take beyond the solver's budget: matrices, starting and stopping
#: the solver's child, repair, routes on the roads, reasons (200 jobs: about 3 s).
ACTION_EXTRA_S = 5.0


def action_clock(budget_s: float, *, started: float | None = None) -> Clock:
    """Return the clock of one Plan or Re-plan click.

    ``budget_s`` (the page's "Time budget" field) is the solver's search time; the whole
    action is bounded by ``budget_s + ACTION_EXTRA_S``, plus the time loading the road
    network takes when it was not loaded yet (:func:`network_phase`). Messages name the
    page's field ("Thời gian tính" / "Time budget") and the user's figure.
    """
    import time

    from app.i18n import t

    return Clock(
        float(budget_s) + ACTION_EXTRA_S,
        started=time.perf_counter() if started is None else started,
        limit_name=t("dispatch.budget_name", lang="en"),
        limit_name_vi=t("dispatch.budget_name", lang="vi"),
        extra_s=ACTION_EXTRA_S,
    )


def network_phase(clock: Clock, network: NetworkFn) -> tuple[nx.MultiDiGraph, Any]:
    """Load the road network in phase ``network``; its time is added to the clock's limit.

    Loading happens once per server and day (the page starts it when Dispatch opens,
    ``app.network.warm``); a click that has to wait for it is not charged for it.
    """
    with clock.phase("network"):
        G, engine = network()
    if clock.limit_s is not None:
        spent = clock.timings.get("network", 0.0)
        clock.limit_s += spent
        clock.extra_s += spent
    return G, engine


def with_timings(plan: Plan, clock: Clock) -> Plan:
    """Return ``plan`` with the whole action's ``timings`` (total = click to result)."""
    from dataclasses import replace

    return replace(plan, timings=tuple(clock.as_dict().items()))


def plan_work(
    clock: Clock,
    *,
    network: NetworkFn,
    matrices: MatricesFn,
    offices: pd.DataFrame,
    jobs: Sequence[Job],
    start_office_ids: Sequence[str],
    n_couriers: int,
    day: dt.date,
    profile: str,
    seconds: float,
    seed: int,
    provenance: str,
    lang: str,
    iterations: int | None,
    positions: Any,
    couriers: Sequence[Any] | None = None,
) -> Outcome:
    """Plan a day on ``clock`` (the background work of the Plan button).

    ``couriers`` is the roster's crew of the day, as :func:`build_day`.

    Phases ``network`` (:func:`network_phase`), ``matrix`` (:func:`build_day` and
    ``matrices(...)``), then the solver's (:func:`solve`). The solver is asked for
    ``seconds`` and gets at most what the clock leaves.

    Raises
    ------
    InputError
        A day nobody can work, or a budget too short for the solver (with the figures).
    SolverError, CancelledError
        As :func:`solve`.
    """
    G, engine = network_phase(clock, network)
    with clock.phase("matrix"):
        new_day = build_day(
            offices,
            jobs,
            start_office_ids,
            n_couriers,
            day=day,
            profile=profile,
            seconds=float(seconds),
            seed=seed,
            provenance=provenance,
            lang=lang,
            iterations=iterations,
            positions=positions,
            couriers=couriers,
        )
        mats = matrices(new_day.problem, G, engine)
    solved = new_day.complete(solve(new_day.problem, mats, G, engine, profile=profile,
                                    clock=clock))
    return Outcome("plan", with_timings(solved, clock), new_day.problem, None, mats,
                   profile, day)


def replan_work(
    clock: Clock,
    *,
    network: NetworkFn,
    problem: PlanningProblem,
    plan: Plan,
    at_s: int,
    locked: Sequence[str],
    seconds: float,
    iterations: int | None,
    profile: str,
    day: dt.date,
    done: Any = None,
    cancelled: Sequence[str] = (),
    positions: Any = None,
) -> Outcome:
    """Re-plan the rest of the day from ``at_s`` on ``clock`` (the Re-plan button's work).

    The solver is asked for ``seconds`` and gets at most what the clock leaves; ``done``,
    ``cancelled`` and ``positions`` are the couriers' reports, as :func:`replan`.

    Raises
    ------
    InputError, SolverError, CancelledError
        As :func:`replan` (the plan in use is kept by the caller).
    """
    G, engine = network_phase(clock, network)
    new_plan, kept = replan(
        problem,
        plan,
        at_s,
        G,
        engine,
        locked=locked,
        seconds=float(seconds),
        iterations=iterations,
        profile=profile,
        done=done,
        cancelled=cancelled,
        positions=positions,
        clock=clock,
    )
    day_problem, _profile, why = plan_problem(new_plan)
    return Outcome("replan", with_timings(new_plan, clock), day_problem, why, None, profile,
                   day, at_s=int(at_s), kept=kept, failed=len(cancelled))
