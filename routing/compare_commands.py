"""Hooks the plan comparison (:mod:`routing.compare`) into ``postplan plans compare``.

``data.store_commands`` owns the ``plans`` command but may not import the routing layer;
this module registers :func:`routing.compare.compare_plans` for stored plans, so comparing
two plan versions on the command line says which jobs moved between couriers and how many
kilometres and minutes each courier gained, as the app's comparison does.
"""

from __future__ import annotations

from typing import Any

from data.store_commands import register_comparer
from routing.compare import PlanComparison, compare_plans
from routing.result import Plan


def compare_stored_plans(a: Any, b: Any) -> PlanComparison:
    """Compare two stored plans' JSON (``Plan.to_dict()``, extra keys such as names ignored).

    Raises
    ------
    ValueError
        When either document is not a serialised plan.
    """
    if not isinstance(a, dict) or not isinstance(b, dict):
        raise ValueError("a stored plan is a JSON object")
    return compare_plans(Plan.from_dict(a), Plan.from_dict(b))


def register(subparsers: Any) -> None:
    """Register the plan comparison (adds no sub-command of its own)."""
    register_comparer("plan", compare_stored_plans)
