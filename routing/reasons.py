"""Why a job is left unserved: codes, Vietnamese and English texts, and the checks.

Every job a plan does not serve gets exactly one reason, checked in this order:

``unreachable``
    No courier can reach one of its stops on the network (or get back).
``over_capacity``
    It carries more packages than any courier's vehicle holds.
``shift_too_short``
    Even driving straight there and back without waiting, no courier's shift or maximum
    working time is long enough.
``window_infeasible``
    Its time windows cannot be met even by a courier doing nothing else that day.
``no_room``
    It could be served alone, but no courier has the time or capacity left in this plan.
``left_out_for_cost``
    It fits, but serving it would add more than it is worth (``PlanSettings.job_value_m``
    × priority); the reason names what it would add.

The first four are decided before solving (the solver never sees those jobs); the last two
after, by trying every insertion position into the planned routes.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.model import Courier, Job, PlanningProblem, Window
from routing.result import UnassignedJob
from routing.timing import Run, Step, replay, run_of, steps_of

#: Reason codes, in the order they are checked.
REASON_CODES = (
    "unreachable", "over_capacity", "shift_too_short", "window_infeasible", "no_room",
    "left_out_for_cost", "office_closed",
)

_TEXTS = {
    "unreachable": (
        "Không có đường tới điểm {where} trên mạng lưới đường (hoặc không quay về được).",
        "No courier can reach {where} on the road network (or get back from it).",
    ),
    "over_capacity": (
        "Cần chở {amount} kiện, vượt quá sức chở lớn nhất của bưu tá ({capacity} kiện).",
        "Carries {amount} packages, more than the largest vehicle holds ({capacity}).",
    ),
    "shift_too_short": (
        "Cần ít nhất {need} (đi và phục vụ), dài hơn ca làm việc dài nhất ({have}).",
        "Needs at least {need} of driving and service, longer than any shift ({have}).",
    ),
    "window_infeasible": (
        "Không thể đến trong khung giờ {windows} kể cả khi bưu tá chỉ làm việc này.",
        "Its windows {windows} cannot be met even by a courier doing nothing else.",
    ),
    "no_room": (
        "Không bưu tá nào còn đủ thời gian hoặc chỗ chở trong kế hoạch này.",
        "No courier has the time or capacity left for it in this plan.",
    ),
    "left_out_for_cost": (
        "Bỏ qua vì chi phí: sẽ thêm {km} km và {minutes} phút cho bưu tá {courier}.",
        "Left out for cost: it would add {km} km and {minutes} min to courier {courier}.",
    ),
    "office_closed": (
        "{closed_vi}; để lại cho ngày làm việc tiếp theo.",
        "{closed_en}; left for the next working day.",
    ),
}


def reason(job: Job, code: str, *, added_length_m: float | None = None,
           added_time_s: float | None = None, length_unit: float = 1000.0,
           **values: object) -> UnassignedJob:
    """Build the :class:`~routing.result.UnassignedJob` for a job and a reason code.

    Parameters
    ----------
    job
        The job.
    code
        One of :data:`REASON_CODES`.
    added_length_m, added_time_s
        What serving it would add (``left_out_for_cost``).
    length_unit
        Length units per kilometre in the text (1000 for metres).
    **values
        Figures named in the texts (``where``, ``amount``, ``capacity``, ``need``,
        ``have``, ``windows``, ``courier``).

    Returns
    -------
    UnassignedJob
        The job with its reason in Vietnamese and English.
    """
    if code not in _TEXTS:
        raise ValueError(f"unknown reason code {code!r}; use one of {REASON_CODES}")
    fill: dict[str, object] = {"where": "", "amount": job.amount, "capacity": 0, "need": "",
                               "have": "", "windows": "", "courier": "", "closed_vi": "",
                               "closed_en": ""}
    fill.update(values)
    if added_length_m is not None:
        fill["km"] = f"{added_length_m / length_unit:.1f}"
    if added_time_s is not None:
        fill["minutes"] = f"{added_time_s / 60:.0f}"
    vi, en = _TEXTS[code]
    return UnassignedJob(job.job_id, job.kind, code, vi.format(**fill), en.format(**fill),
                         added_length_m, added_time_s)


def _hours(seconds: float) -> str:
    return f"{int(seconds // 3600)}h{int((seconds % 3600) // 60):02d}"


def simulate(run: Run, steps: Sequence[Step], time_s: np.ndarray,
             chosen: list[Window | None] | None = None) -> tuple[bool, float, float]:
    """Check a route by :func:`routing.timing.replay` (strict): ``(feasible, end_s, work_s)``.

    Parameters
    ----------
    run
        Courier's start, end, hours, capacity and initial load.
    steps
        The stops in order.
    time_s
        Travel-time matrix (``np.inf`` = unreachable).
    chosen
        When given, filled with the window each stop is served in (None: no window).

    Returns
    -------
    tuple
        ``(feasible, end_s, work_s)``; ``end_s`` and ``work_s`` are infinite when a window,
        the load, a leg or the closing time breaks.
    """
    r = replay(run, steps, time_s, strict=True)
    if r is None:
        return False, np.inf, np.inf
    if chosen is not None:
        chosen.extend(t.window for t in r.stops)
    return r.feasible, r.end_s, r.work_s


def prescreen(problem: PlanningProblem, job: Job, time_s: np.ndarray,
              index: dict[str, int], *, cache: dict[Any, Any] | None = None
              ) -> UnassignedJob | None:
    """Decide whether a job can be served at all; return its reason if not.

    Parameters
    ----------
    problem
        The planning problem.
    job
        The job to check.
    time_s
        Travel-time matrix over ``problem.places()`` (``np.inf`` = unreachable).
    index
        ``problem.place_index()``.
    cache
        A dictionary kept across the jobs of one problem: couriers with the same frame
        (start, end, hours, capacity) are checked once, so a day of 5,000 jobs and 300
        couriers is screened in a fraction of a second.

    Returns
    -------
    UnassignedJob or None
        The reason the job cannot be served by any courier, or None when some courier
        could serve it alone.
    """
    steps = steps_of(problem, job, index)
    initial = job.amount if job.pickup is None else 0
    cache = {} if cache is None else cache
    key = ("prescreen", job.carried_by, initial)
    if key not in cache:
        # identical frames give identical answers: keep one of each, in the couriers' order
        cache[key] = list(dict.fromkeys(
            run_of(problem, c, index, initial) for c in problem.couriers.values()
            if job.carried_by is None or c.courier_id == job.carried_by))
    runs: list[Run] = cache[key]
    # unreachable: every courier's round trip through the job is infinite
    reachable = False
    for r in runs:
        seq = [r.start, *[s.place for s in steps], r.end]
        if all(np.isfinite(time_s[a, b]) for a, b in itertools.pairwise(seq)):
            reachable = True
            break
    if not reachable:
        where = ", ".join(problem.places()[s.place].label for s in steps)
        return reason(job, "unreachable", where=where)
    cap = max((r.capacity for r in runs), default=0)
    if job.amount > cap:
        return reason(job, "over_capacity", capacity=cap)
    best_need = np.inf
    best_have = 0.0
    fits = False
    for r in runs:
        seq = [r.start, *[s.place for s in steps], r.end]
        need = sum(float(time_s[a, b]) for a, b in itertools.pairwise(seq))
        need += sum(s.service_s for s in steps)
        have = min(r.max_work_s, r.close_s - r.ready_s)
        best_need = min(best_need, need)
        best_have = max(best_have, have)
        if need <= have:
            fits = True
    if not fits:
        return reason(job, "shift_too_short", need=_hours(best_need), have=_hours(best_have))
    for r in runs:
        if job.amount > r.capacity:
            continue
        if simulate(r, steps, time_s)[0]:
            return None
    windows = "; ".join(
        ",".join(f"{_hours(a)}-{_hours(b)}" for a, b in s.windows) for s in steps if s.windows
    )
    return reason(job, "window_infeasible", windows=windows or "-")


@dataclass(frozen=True)
class Insertion:
    """The cheapest feasible way to add a job to a plan's routes.

    Parameters
    ----------
    added_length, added_time_s
        What the route grows by.
    route
        Index of the route (in the ``routes`` given).
    steps
        The route's new steps.
    """

    added_length: float
    added_time_s: float
    route: int
    steps: tuple[Step, ...]


def best_insertion(problem: PlanningProblem, job: Job, routes: Sequence[tuple[Courier,
                   list[Step]]], time_s: np.ndarray, length_m: np.ndarray,
                   index: dict[str, int], *, max_gap: int = 8,
                   cache: dict[Any, Any] | None = None) -> Insertion | None:
    """Find the cheapest feasible insertion of a job into planned routes.

    Tries every position of the job's stops (the delivery at most ``max_gap`` stops after
    the pickup) in every courier's route, unused couriers included; stops are served in
    the first of their windows they can make (waiting through a closure).

    The added length of every position comes from the matrix in one array operation; the
    positions are then checked cheapest first (a full simulation each) and the first that
    is feasible wins, so a day of thousands of stops is explained in seconds. Positions
    that cannot be feasible are skipped unsimulated: those whose driving and service alone
    (waiting left out) would exceed the courier's shift, and those where the new stop,
    reached no earlier than the planned route allows, could not start before its last
    window closes or would reach the next stop after the latest time that stop can start
    (necessary conditions only: every position kept is still simulated).

    Parameters
    ----------
    cache
        A dictionary kept across calls on the same matrices (e.g. explaining every
        left-out job of one plan): what each route's checks need is computed once per
        route content.

    Returns
    -------
    Insertion or None
        None when no route can take the job.
    """
    new = steps_of(problem, job, index)
    places = [s.place for s in new]
    svc_new = float(sum(s.service_s for s in new))
    frames = []
    parts: list[tuple[np.ndarray, ...]] = []  # before i, after i, before k, after k, room
    cache = {} if cache is None else cache
    for r_idx, (courier, steps) in enumerate(routes):
        if job.carried_by is not None and courier.courier_id != job.carried_by:
            continue
        key = (courier.courier_id, tuple(steps))
        if key not in cache:
            initial = sum(-s.delta for s in steps if s.delta < 0 and s.job_id is not None
                          and problem.jobs[s.job_id].pickup is None)
            run0 = run_of(problem, courier, index, initial)
            seq0 = np.array([run0.start, *[s.place for s in steps], run0.end],
                            dtype=np.int64)
            drive = (float(time_s[seq0[:-1], seq0[1:]].sum())
                     + sum(s.service_s for s in steps))
            cache[key] = (run0, seq0, drive, *_time_bounds(run0, steps, time_s))
        run0, seq0, drive, dep, late = cache[key]
        run = dataclasses.replace(
            run0, initial_load=run0.initial_load + (job.amount if job.pickup is None else 0))
        i, k = _positions(len(steps), len(new), max_gap)
        room = min(run.max_work_s, run.close_s - run.ready_s) - drive - svc_new
        frames.append((r_idx, steps, run0, seq0, run))
        parts.append((seq0[i], seq0[i + 1], seq0[k], seq0[k + 1], i, k,
                      np.full(len(i), room), np.full(len(i), len(frames) - 1),
                      dep[i], late[i + 1], dep[k], late[k + 1]))
    if not parts:
        return None
    (pi, ni, pk, nk, ii, kk, room_all, ff, dep_i, late_i, dep_k,
     late_k) = (np.concatenate(c) for c in zip(*parts, strict=True))
    together = ii == kk
    adds = _added(pi, ni, pk, nk, together, places, length_m)
    ok = np.isfinite(adds) & (_added(pi, ni, pk, nk, together, places, time_s)
                              <= room_all + 1e-6)
    ok &= _in_time(new, time_s, pi, ni, pk, nk, together, dep_i, late_i, dep_k, late_k)
    adds, ii, kk, ff = adds[ok], ii[ok], kk[ok], ff[ok]
    if adds.size == 0:
        return None
    base_work: dict[int, float] = {}
    for pos in np.argsort(adds, kind="stable"):
        f = int(ff[pos])
        r_idx, steps, run0, seq0, run = frames[f]
        at, to = int(ii[pos]), int(kk[pos])
        if len(new) == 1:
            cand = [*steps[:at], new[0], *steps[at:]]
        else:
            cand = [*steps[:at], new[0], *steps[at:to], new[1], *steps[to:]]
        ok, _, work = simulate(run, cand, time_s)
        if not ok:
            continue
        if f not in base_work:
            base_ok, _, bw = simulate(run0, steps, time_s)
            base_work[f] = bw if base_ok else float(time_s[seq0[:-1], seq0[1:]].sum())
        seq = [run.start, *[s.place for s in cand], run.end]
        length = sum(float(length_m[a, b]) for a, b in itertools.pairwise(seq))
        base_len = sum(float(length_m[a, b]) for a, b in itertools.pairwise(seq0.tolist()))
        return Insertion(length - base_len, work - base_work[f], r_idx, tuple(cand))
    return None


def _time_bounds(run: Run, steps: Sequence[Step], time_s: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Earliest departure from, and latest start at, each place of a planned route.

    ``dep[j]``: departure from ``seq[j]`` (the start, then each step) as the route is driven;
    ``late[j]``: the latest time service may start at ``seq[j]`` (the end: its closing
    time) so that every later stop can still start before its last window closes. Without
    a strict replay of the route (it breaks a rule already) nothing is bounded.
    """
    n = len(steps)
    dep = np.full(n + 1, -np.inf)
    late = np.full(n + 2, np.inf)
    r = replay(run, steps, time_s, strict=True)
    if r is None:
        return dep, late
    dep[0] = run.ready_s  # the replay drives from the ready time
    dep[1:] = [tm.departure_s for tm in r.stops]
    late[n + 1] = run.close_s
    nxt = run.end
    for j in range(n, 0, -1):
        st = steps[j - 1]
        close = max(b for _, b in st.windows) if st.windows else np.inf
        late[j] = min(close - st.service_s,
                      late[j + 1] - st.service_s - float(time_s[st.place, nxt]))
        nxt = st.place
    return dep, late


def _in_time(new: Sequence[Step], m: np.ndarray, before_i: np.ndarray, after_i: np.ndarray,
             before_k: np.ndarray, after_k: np.ndarray, together: np.ndarray,
             dep_i: np.ndarray, late_i: np.ndarray, dep_k: np.ndarray,
             late_k: np.ndarray) -> np.ndarray:
    """Return which insertions pass the necessary time test of :func:`best_insertion`."""

    def reach(dep: np.ndarray, prev: np.ndarray, st: Step) -> tuple[np.ndarray, np.ndarray]:
        arrive = dep + m[prev, st.place]
        opens = min(a for a, _ in st.windows) if st.windows else -np.inf
        close = max(b for _, b in st.windows) if st.windows else np.inf
        start = np.maximum(arrive, opens)
        return start + st.service_s, start <= close - st.service_s + 1e-6

    with np.errstate(invalid="ignore"):
        a = new[0]
        leave_a, ok = reach(dep_i, before_i, a)
        if len(new) == 1:
            return ok & (leave_a + m[a.place, after_i] <= late_i + 1e-6)
        b = new[1]
        leave_b_joint, ok_b_joint = reach(leave_a, np.full(len(leave_a), a.place), b)
        joint = ok_b_joint & (leave_b_joint + m[b.place, after_i] <= late_i + 1e-6)
        leave_b, ok_b = reach(dep_k, before_k, b)
        apart = ((leave_a + m[a.place, after_i] <= late_i + 1e-6) & ok_b
                 & (leave_b + m[b.place, after_k] <= late_k + 1e-6))
        return ok & np.where(together, joint, apart)


@functools.lru_cache(maxsize=512)
def _positions(n: int, n_new: int, max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the insertion positions ``(i, k)`` in a route of ``n`` steps, in the order tried.

    One stop: before step ``i`` (``k = i``). A pair: pickup before step ``i``, delivery
    before step ``k`` (``i <= k <= i + max_gap``).
    """
    i = np.arange(n + 1, dtype=np.int64)
    if n_new == 1:
        return i, i.copy()
    gap = np.arange(max_gap + 1, dtype=np.int64)
    ii, kk = np.repeat(i, len(gap)), (i[:, None] + gap[None, :]).reshape(-1)
    keep = kk <= n
    return ii[keep], kk[keep]


def _added(before_i: np.ndarray, after_i: np.ndarray, before_k: np.ndarray,
           after_k: np.ndarray, together: np.ndarray, places: list[int],
           m: np.ndarray) -> np.ndarray:
    """Return what inserting ``places`` between the given neighbours adds on matrix ``m``.

    One stop goes between ``before_i`` and ``after_i``; a pair's pickup there and its
    delivery between ``before_k`` and ``after_k``, or right after the pickup where
    ``together``. Unreachable (inf − inf) counts as inf.
    """
    with np.errstate(invalid="ignore"):
        a = places[0]
        first = m[before_i, a] + m[a, after_i] - m[before_i, after_i]
        if len(places) == 1:
            out = first
        else:
            b = places[1]
            joint = m[before_i, a] + m[a, b] + m[b, after_i] - m[before_i, after_i]
            second = m[before_k, b] + m[b, after_k] - m[before_k, after_k]
            out = np.where(together, joint, first + second)
        return np.where(np.isnan(out), np.inf, np.asarray(out, dtype=np.float64))


def insertion_reason(problem: PlanningProblem, job: Job, routes: Sequence[tuple[Courier,
                     list[Step]]], time_s: np.ndarray, length_m: np.ndarray,
                     index: dict[str, int], *, length_unit: float = 1000.0,
                     max_gap: int = 8, cache: dict[Any, Any] | None = None) -> UnassignedJob:
    """Explain why a servable job was left out: no room, or what it would add.

    Parameters
    ----------
    problem
        The planning problem.
    job
        The left-out job.
    routes
        ``(courier, steps)`` of every courier (empty steps for unused couriers).
    time_s, length_m
        The matrices.
    index
        ``problem.place_index()``.
    length_unit
        Length units per kilometre in the text.
    max_gap
        Largest number of stops between a pair's pickup and delivery tried.

    cache
        As :func:`best_insertion`'s (one dictionary for all left-out jobs of a plan).

    Returns
    -------
    UnassignedJob
        ``left_out_for_cost`` with the cheapest feasible insertion, or ``no_room``.
    """
    best = best_insertion(problem, job, routes, time_s, length_m, index, max_gap=max_gap,
                          cache=cache)
    if best is None:
        return reason(job, "no_room")
    courier = routes[best.route][0]
    return reason(job, "left_out_for_cost", added_length_m=best.added_length,
                  added_time_s=best.added_time_s, length_unit=length_unit,
                  courier=courier.name or courier.courier_id)
