"""What changed between two plans of a day, as a dispatcher reads it.

:func:`compare_plans` looks at two :class:`~routing.result.Plan` s job by job and courier by
courier, not at their JSON: which jobs moved from one courier to another, which were added,
removed, newly unassigned or newly assigned, how many kilometres and minutes each courier
(and the day) gained or lost, and whose arrival times changed. The result is frozen; the
app's version comparison and ``postplan plans compare`` both show it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from routing.result import CourierRoute, Plan


@dataclass(frozen=True)
class JobMove:
    """A job served by another courier in the second plan.

    Parameters
    ----------
    job_id
        The job.
    label
        Where the citizen's stop is (the stop label), for the sentence shown.
    from_courier, to_courier
        Courier ids in the first and in the second plan.
    """

    job_id: str
    label: str
    from_courier: str
    to_courier: str


@dataclass(frozen=True)
class JobChange:
    """A job added, removed, newly unassigned or newly assigned.

    Parameters
    ----------
    job_id
        The job.
    label
        Its stop label when a plan routes it, else "".
    courier_id
        The courier serving it in the plan that routes it, else None.
    reason_code, reason_vi, reason_en
        Why it is unassigned, for a job left unassigned; else "".
    """

    job_id: str
    label: str = ""
    courier_id: str | None = None
    reason_code: str = ""
    reason_vi: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class CourierChange:
    """One courier's day in both plans.

    Parameters
    ----------
    courier_id, courier_name
        The courier (name as the plans give it, "" when none).
    jobs_a, jobs_b
        Jobs served in each plan.
    length_m_a, length_m_b
        Route length in each plan (0 without a route).
    duration_s_a, duration_s_b
        Working time, leaving the office to coming back (0 without a route).
    end_s_a, end_s_b
        When the courier is back at the office, or None without a route.
    arrivals_changed
        Stops of jobs this courier serves in both plans whose arrival time differs.
    max_shift_s
        The largest change of an arrival time among them, or of the return (seconds).
    order_changed
        True when the courier visits the same stops in another order.
    """

    courier_id: str
    courier_name: str
    jobs_a: int
    jobs_b: int
    length_m_a: float
    length_m_b: float
    duration_s_a: int
    duration_s_b: int
    end_s_a: int | None
    end_s_b: int | None
    arrivals_changed: int
    max_shift_s: int
    order_changed: bool

    @property
    def delta_length_m(self) -> float:
        """Metres more (positive) or fewer (negative) in the second plan."""
        return self.length_m_b - self.length_m_a

    @property
    def delta_duration_s(self) -> int:
        """Working seconds more (positive) or fewer (negative) in the second plan."""
        return self.duration_s_b - self.duration_s_a

    @property
    def times_changed(self) -> bool:
        """True when an arrival time or the return time differs."""
        return self.arrivals_changed > 0 or self.end_s_a != self.end_s_b

    @property
    def changed(self) -> bool:
        """True when anything of this courier's day differs."""
        return (
            self.jobs_a != self.jobs_b
            or self.length_m_a != self.length_m_b
            or self.duration_s_a != self.duration_s_b
            or self.times_changed
            or self.order_changed
        )


@dataclass(frozen=True)
class PlanComparison:
    """Differences between plan ``a`` and plan ``b`` (see :func:`compare_plans`).

    Parameters
    ----------
    moved
        Jobs served by another courier in ``b``.
    added, removed
        Jobs only in ``b`` / only in ``a`` (routed or unassigned there).
    newly_unassigned
        Jobs routed in ``a`` and unassigned in ``b`` (with ``b``'s reason).
    newly_assigned
        Jobs unassigned in ``a`` and routed in ``b`` (with ``b``'s courier).
    couriers
        Every courier with a route in either plan, by id.
    length_m_a, length_m_b, duration_s_a, duration_s_b
        Day totals of each plan.
    """

    moved: tuple[JobMove, ...]
    added: tuple[JobChange, ...]
    removed: tuple[JobChange, ...]
    newly_unassigned: tuple[JobChange, ...]
    newly_assigned: tuple[JobChange, ...]
    couriers: tuple[CourierChange, ...]
    length_m_a: float
    length_m_b: float
    duration_s_a: int
    duration_s_b: int

    @property
    def delta_length_m(self) -> float:
        """Metres more (positive) or fewer (negative) in ``b``, all couriers."""
        return self.length_m_b - self.length_m_a

    @property
    def delta_duration_s(self) -> int:
        """Working seconds more (positive) or fewer (negative) in ``b``, all couriers."""
        return self.duration_s_b - self.duration_s_a

    @property
    def changed_couriers(self) -> tuple[CourierChange, ...]:
        """The couriers whose day differs."""
        return tuple(c for c in self.couriers if c.changed)

    @property
    def times_changed(self) -> tuple[str, ...]:
        """Ids of the couriers whose arrival or return times differ."""
        return tuple(c.courier_id for c in self.couriers if c.times_changed)

    @property
    def identical(self) -> bool:
        """True when the two plans route the same jobs the same way at the same times."""
        return not (
            self.moved
            or self.added
            or self.removed
            or self.newly_unassigned
            or self.newly_assigned
            or self.changed_couriers
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary (with the deltas and the changed couriers' ids)."""
        out = asdict(self)
        for row, courier in zip(out["couriers"], self.couriers, strict=True):
            row["delta_length_m"] = courier.delta_length_m
            row["delta_duration_s"] = courier.delta_duration_s
            row["times_changed"] = courier.times_changed
            row["changed"] = courier.changed
        out["delta_length_m"] = self.delta_length_m
        out["delta_duration_s"] = self.delta_duration_s
        out["times_changed"] = list(self.times_changed)
        out["identical"] = self.identical
        return out

    def summary(self) -> str:
        """Describe the differences in a few lines (English)."""
        if self.identical:
            return "the two plans are identical"
        lines = [
            f"total: {self.delta_length_m / 1000:+.1f} km, "
            f"{self.delta_duration_s / 60:+.0f} min of work"
        ]
        lines += [
            f"  {m.job_id} ({m.label}) moved from {m.from_courier} to {m.to_courier}"
            for m in self.moved
        ]
        lines += [f"  {c.job_id} added" for c in self.added]
        lines += [f"  {c.job_id} removed" for c in self.removed]
        lines += [
            f"  {c.job_id} newly unassigned ({c.reason_code})" for c in self.newly_unassigned
        ]
        lines += [f"  {c.job_id} newly assigned to {c.courier_id}" for c in self.newly_assigned]
        for c in self.changed_couriers:
            times = f", {c.arrivals_changed} arrival times changed" if c.times_changed else ""
            lines.append(
                f"  {c.courier_id}: {c.jobs_a}→{c.jobs_b} jobs, "
                f"{c.delta_length_m / 1000:+.1f} km, {c.delta_duration_s / 60:+.0f} min{times}"
            )
        return "\n".join(lines)


def _job_stops(plan: Plan) -> dict[str, tuple[str, str]]:
    """job_id -> (courier_id, label of the citizen's stop, else of the job's first stop)."""
    out: dict[str, tuple[str, str]] = {}
    for route in plan.routes:
        for job_id in route.job_ids:
            stops = [s for s in route.job_stops if s.job_id == job_id]
            citizen = [
                s for s in stops if s.office_id is None and not s.place_id.startswith("office:")
            ]
            out[job_id] = (route.courier_id, (citizen or stops)[0].label)
    return out


def _arrivals(route: CourierRoute) -> dict[tuple[str, str], int]:
    return {(s.job_id, s.kind): s.arrival_s for s in route.job_stops if s.job_id is not None}


def _courier_change(
    cid: str, ra: CourierRoute | None, rb: CourierRoute | None
) -> CourierChange:
    arr_a = _arrivals(ra) if ra is not None else {}
    arr_b = _arrivals(rb) if rb is not None else {}
    both = [k for k in arr_a if k in arr_b]
    shifts = [abs(arr_b[k] - arr_a[k]) for k in both if arr_b[k] != arr_a[k]]
    end_a = ra.end_s if ra is not None else None
    end_b = rb.end_s if rb is not None else None
    if end_a is not None and end_b is not None and end_a != end_b:
        shifts.append(abs(end_b - end_a))
    order_a = [k for k in arr_a if k in arr_b]
    order_b = [k for k in arr_b if k in arr_a]
    name = (rb.courier_name if rb is not None else "") or (
        ra.courier_name if ra is not None else ""
    )
    return CourierChange(
        courier_id=cid,
        courier_name=name,
        jobs_a=len(ra.job_ids) if ra is not None else 0,
        jobs_b=len(rb.job_ids) if rb is not None else 0,
        length_m_a=ra.length_m if ra is not None else 0.0,
        length_m_b=rb.length_m if rb is not None else 0.0,
        duration_s_a=ra.duration_s if ra is not None else 0,
        duration_s_b=rb.duration_s if rb is not None else 0,
        end_s_a=end_a,
        end_s_b=end_b,
        arrivals_changed=sum(1 for k in both if arr_b[k] != arr_a[k]),
        max_shift_s=max(shifts, default=0),
        order_changed=order_a != order_b,
    )


def compare_plans(a: Plan, b: Plan) -> PlanComparison:
    """Compare two plans of a day job by job and courier by courier.

    Parameters
    ----------
    a, b
        The earlier and the later plan (e.g. two saved versions).

    Returns
    -------
    PlanComparison
        Moves, added/removed/unassigned jobs, and each courier's km, minutes and times.
    """
    routed_a, routed_b = _job_stops(a), _job_stops(b)
    unassigned_a = {u.job_id: u for u in a.unassigned}
    unassigned_b = {u.job_id: u for u in b.unassigned}
    in_a = routed_a.keys() | unassigned_a.keys()
    in_b = routed_b.keys() | unassigned_b.keys()

    def change(job_id: str, routed: dict[str, tuple[str, str]], un: dict[str, Any]) -> JobChange:
        if job_id in routed:
            courier, label = routed[job_id]
            return JobChange(job_id, label=label, courier_id=courier)
        u = un[job_id]
        return JobChange(job_id, reason_code=u.code, reason_vi=u.text_vi, reason_en=u.text_en)

    moved = tuple(
        JobMove(j, routed_b[j][1] or routed_a[j][1], routed_a[j][0], routed_b[j][0])
        for j in sorted(routed_a.keys() & routed_b.keys())
        if routed_a[j][0] != routed_b[j][0]
    )
    added = tuple(change(j, routed_b, unassigned_b) for j in sorted(in_b - in_a))
    removed = tuple(change(j, routed_a, unassigned_a) for j in sorted(in_a - in_b))
    newly_unassigned = tuple(
        JobChange(
            j,
            label=routed_a[j][1],
            courier_id=routed_a[j][0],
            reason_code=unassigned_b[j].code,
            reason_vi=unassigned_b[j].text_vi,
            reason_en=unassigned_b[j].text_en,
        )
        for j in sorted(routed_a.keys() & unassigned_b.keys())
    )
    newly_assigned = tuple(
        change(j, routed_b, unassigned_b) for j in sorted(unassigned_a.keys() & routed_b.keys())
    )
    routes_a = {r.courier_id: r for r in a.routes}
    routes_b = {r.courier_id: r for r in b.routes}
    couriers = tuple(
        _courier_change(cid, routes_a.get(cid), routes_b.get(cid))
        for cid in sorted(routes_a.keys() | routes_b.keys())
    )
    return PlanComparison(
        moved=moved,
        added=added,
        removed=removed,
        newly_unassigned=newly_unassigned,
        newly_assigned=newly_assigned,
        couriers=couriers,
        length_m_a=a.total_length_m,
        length_m_b=b.total_length_m,
        duration_s_a=a.total_duration_s,
        duration_s_b=b.total_duration_s,
    )
