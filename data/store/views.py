"""Plans as the narrower roles may see them: a courier's own route, a viewer's figures.

A courier may not open plans (they hold every citizen's address on every route); a viewer
may not open anything holding personal data. These two services read the plans for them
and hand out only what the role may see: :meth:`RoleViews.courier_route` the courier's own
route of the day, :meth:`RoleViews.plan_figures` aggregate figures without a stop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from data.access import Account, require
from data.store.base import DOCUMENTS, StoreBase, object_info
from data.store.results import CourierRoute, ObjectInfo, PlanFigures


def plan_figures_from_dict(doc: Mapping[str, Any], info: ObjectInfo) -> PlanFigures:
    """Aggregate figures of a stored plan's JSON (``Plan.to_dict()``), no personal field.

    A job stop is on time when its service ends inside its window (``departure_s`` ≤ the
    window's end), as the planner schedules it.
    """
    routes = [r for r in doc.get("routes") or [] if isinstance(r, Mapping)]
    jobs = 0
    used = 0
    length_m = travel_s = duration_s = 0.0
    windowed = on_time = 0
    for route in routes:
        stops = [s for s in route.get("stops") or [] if isinstance(s, Mapping)]
        job_ids = {s["job_id"] for s in stops if s.get("job_id") is not None}
        jobs += len(job_ids)
        used += bool([s for s in stops if s.get("kind") not in ("start", "end")])
        length_m += sum(float(s.get("leg_length_m") or 0.0) for s in stops)
        travel_s += sum(float(s.get("leg_time_s") or 0.0) for s in stops)
        if stops:
            duration_s += float(stops[-1].get("arrival_s") or 0) - float(
                stops[0].get("departure_s") or 0)
        for s in stops:
            window = s.get("window")
            if s.get("job_id") is not None and isinstance(window, list) and len(window) == 2:
                windowed += 1
                on_time += float(s.get("departure_s") or 0) <= float(window[1])
    return PlanFigures(
        id=info.id, name=info.name, version=info.version, plan_date=doc.get("plan_date"),
        offices=info.offices, jobs_assigned=jobs,
        jobs_unassigned=len(doc.get("unassigned") or []), couriers_used=used,
        length_km=length_m / 1000.0, travel_time_h=travel_s / 3600.0,
        duration_h=duration_s / 3600.0, stops_with_window=windowed, stops_on_time=on_time,
        network_kind=doc.get("network_kind"), provenance=doc.get("provenance"),
    )


class RoleViews(StoreBase):
    """A courier's own route and aggregate plan figures (mixed into the Store)."""

    def _plans(self) -> list[ObjectInfo]:
        with self.read_transaction() as conn:
            rows = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.kind == "plan")
                                .order_by(DOCUMENTS.c.updated_at.desc(),
                                          DOCUMENTS.c.id.desc())).all()
        return [object_info(r) for r in rows]

    def plan_figures(self, *, actor: Account, limit: int | None = None) -> list[PlanFigures]:
        """Aggregate figures of the latest version of every stored plan, newest first.

        Every role may see them; they hold no stop, address, name or phone.

        Parameters
        ----------
        actor
            The acting account.
        limit
            At most this many plans.
        """
        require(actor, "figures.read")
        out = []
        for info in self._plans()[:limit]:
            doc = json.loads(self._load(info.id).content)
            if isinstance(doc, Mapping):
                out.append(plan_figures_from_dict(doc, info))
        return out

    def courier_route(self, *, actor: Account, plan_date: str) -> CourierRoute | None:
        """Return the acting courier's own route on ``plan_date`` from the latest plan that has one.

        Only the route of the courier the account is (``Account.courier_id``) is returned,
        never another courier's; opening it is audited (it holds citizens' addresses).

        Parameters
        ----------
        actor
            A courier account.
        plan_date
            The day, ISO (``2026-11-25``).

        Returns
        -------
        CourierRoute or None
            None when no stored plan of that day has a route for this courier.

        Raises
        ------
        AccessDenied
            The account is not a courier.
        """
        account = require(actor, "route.own")
        if not account.courier_id:
            return None
        for info in self._plans():
            obj = self._load(info.id)
            doc = json.loads(obj.content)
            if not isinstance(doc, Mapping) or doc.get("plan_date") != plan_date:
                continue
            for route in doc.get("routes") or []:
                if isinstance(route, Mapping) and route.get("courier_id") == account.courier_id:
                    self.record("open", actor=account, object_kind="plan", object_id=info.id,
                                object_name=info.name,
                                detail={"version": info.version, "route": account.courier_id})
                    return CourierRoute(
                        plan_id=info.id, plan_name=info.name, version=info.version,
                        plan_date=plan_date, courier_id=account.courier_id, route=dict(route),
                        network_kind=doc.get("network_kind"), provenance=doc.get("provenance"))
        return None
