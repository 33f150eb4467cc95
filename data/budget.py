"""The time one command may take, and where its time went (``timings``).

A :class:`Clock` is started when a command starts (``postplan plan --time-limit S``, the
app's Plan button) and passed explicitly down the layers. Each phase (reading the jobs,
the network, the matrix, the solver, the repair, the reasons, the routes' geometry,
writing) runs inside :meth:`Clock.phase`, which adds its wall time to
:attr:`Clock.timings`; the solver is given what the limit leaves once the work after it
has been reserved (:meth:`Clock.left_for`). Every JSON result prints ``timings`` and the
:class:`~routing.result.Plan` keeps them, so the app can show where the time went.

A clock may carry a :class:`Progress`: what the command is doing now (its phase, the best
solution so far), read by another thread — the app's progress panel — and its Cancel.
Entering a phase of a cancelled command raises :class:`~data.errors.CancelledError`; the
solver runner polls :meth:`Progress.cancelled` and stops its child process at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from data.errors import CancelledError, InputError, Problem


@dataclass(frozen=True)
class Best:
    """The best solution a running solver has found so far.

    Parameters
    ----------
    jobs_served, jobs_total
        Jobs on its routes, and jobs in the problem.
    length_m
        Total length of its routes.
    cost
        The solver's objective (lower is better; unitless).
    iterations
        Search iterations done when it was found.
    """

    jobs_served: int
    jobs_total: int
    length_m: float
    cost: int
    iterations: int


@dataclass(frozen=True)
class Snapshot:
    """What a running command is doing, as one consistent read of a :class:`Progress`.

    Parameters
    ----------
    phase
        The phase it is in (``""`` before the first one).
    best
        The best solution so far, or None.
    iterations
        Search iterations done so far (the last count the solver reported).
    cancelled
        True once Cancel was asked for.
    """

    phase: str
    best: Best | None
    iterations: int
    cancelled: bool


class Progress:
    """Thread-safe shared state of a running command: its phase, its best so far, Cancel.

    The command's thread writes (:meth:`enter`, :meth:`found`, :meth:`tick`); any other
    thread reads :meth:`snapshot` and may :meth:`cancel`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._phase = ""
        self._best: Best | None = None
        self._iterations = 0

    def enter(self, phase: str) -> None:
        """Record that the command entered ``phase``.

        Raises
        ------
        CancelledError
            When Cancel was asked for: the command stops before the phase starts.
        """
        with self._lock:
            self._phase = phase
        if self._cancel.is_set():
            raise CancelledError()

    def found(self, best: Best) -> None:
        """Record a better solution."""
        with self._lock:
            self._best = best
            self._iterations = max(self._iterations, best.iterations)

    def tick(self, iterations: int) -> None:
        """Record the solver's iteration count."""
        with self._lock:
            self._iterations = max(self._iterations, int(iterations))

    def new_search(self) -> None:
        """Forget the best so far (a new search on another problem starts)."""
        with self._lock:
            self._best = None
            self._iterations = 0

    def cancel(self) -> None:
        """Ask the command to stop (the solver's child process is stopped at once)."""
        self._cancel.set()

    def cancelled(self) -> bool:
        """Tell whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def snapshot(self) -> Snapshot:
        """Return the current state in one consistent read."""
        with self._lock:
            return Snapshot(self._phase, self._best, self._iterations, self._cancel.is_set())


@dataclass
class Clock:
    """Wall-clock budget of one command and the seconds spent per phase.

    Parameters
    ----------
    limit_s
        Seconds the whole command may take, or None (no limit: only ``timings``).
    started
        ``time.perf_counter()`` at the start (default: now).
    timings
        Seconds per phase, in the order the phases first ran.
    progress
        Where the command reports its phase and best solution, and is cancelled (the
        app's background planning), or None.
    limit_name, limit_name_vi
        What the limit is called in messages (the CLI's ``--time-limit``; the app's field).
    extra_s
        Seconds of ``limit_s`` beyond the figure the user gave (the app's limit is its
        "Time budget" field plus a margin for the work around the solver): messages name
        the user's figure, ``limit_s - extra_s``.
    """

    limit_s: float | None = None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    progress: Progress | None = None
    limit_name: str = "--time-limit"
    limit_name_vi: str = "--time-limit"
    extra_s: float = 0.0

    def __post_init__(self) -> None:
        if self.limit_s is not None and not (math.isfinite(self.limit_s) and self.limit_s > 0):
            raise InputError([Problem(
                f"--time-limit must be a positive number of seconds, got {self.limit_s}; "
                "e.g. --time-limit 60", column="--time-limit", value=str(self.limit_s),
                message_vi=f"--time-limit phải là số giây lớn hơn 0 (đang là {self.limit_s});"
                           " ví dụ --time-limit 60")])

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.started

    def remaining(self) -> float:
        """Seconds left before the limit (``inf`` without one; may be negative)."""
        return math.inf if self.limit_s is None else self.limit_s - self.elapsed()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase; its seconds are added to ``timings[name]``."""
        self.enter(name)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0

    def enter(self, name: str) -> None:
        """Tell the clock's :class:`Progress` (if any) that phase ``name`` starts.

        Raises
        ------
        CancelledError
            When the command was cancelled.
        """
        if self.progress is not None:
            self.progress.enter(name)

    def cancelled(self) -> bool:
        """Tell whether the command was cancelled (through its :class:`Progress`)."""
        return self.progress is not None and self.progress.cancelled()

    def left_for(self, what: str, *, reserve_s: float, wanted_s: float,
                 minimum_s: float = 0.5) -> float:
        """Seconds ``what`` may take: ``wanted_s``, cut to what the limit leaves.

        Parameters
        ----------
        what
            The phase, for the message (e.g. ``"the solver"``).
        reserve_s
            Seconds kept for the work that must still follow it.
        wanted_s
            What it would take without a limit (e.g. ``--seconds``).
        minimum_s
            Below this the limit is refused (nothing useful can be done in less).

        Raises
        ------
        InputError
            When the limit leaves less than ``minimum_s``: the message gives the limit,
            where the time went, and the smallest limit that would do.
        """
        left = self.remaining() - reserve_s
        if left >= wanted_s:
            return wanted_s
        if left >= minimum_s:
            return left
        spent = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        spent_vi = ", ".join(f"{_VI.get(k, k)} {v:.1f} giây" for k, v in self.timings.items())
        need = max(1, math.ceil(self.elapsed() + reserve_s + minimum_s - self.extra_s))
        name, name_vi = self.limit_name, self.limit_name_vi
        given = (self.limit_s or 0.0) - self.extra_s
        raise InputError([Problem(
            f"{name} {given:g} s leaves {max(left, 0):.1f} s for {what} "
            f"(spent so far: {spent or 'nothing'}; {reserve_s:.1f} s kept for the work after "
            f"it); give at least {name} {need}",
            column=name if name.startswith("-") else None,
            value=f"{given:g}" if name.startswith("-") else None,
            message_vi=f"{name_vi} {given:g} giây chỉ còn {max(left, 0):.1f} giây "
                       f"cho {_VI.get(what, what)} (đã dùng: {spent_vi or 'chưa có'}; giữ "
                       f"{reserve_s:.1f} giây cho phần việc sau); hãy cho ít nhất "
                       f"{name_vi} {need}")],
            summary="Không đủ thời gian / Not enough time")

    def as_dict(self) -> dict[str, float]:
        """Return ``timings`` rounded to milliseconds, plus ``total`` (seconds so far)."""
        out = {k: round(v, 3) for k, v in self.timings.items()}
        out["total"] = round(self.elapsed(), 3)
        return out


_VI = {"the solver": "bộ giải", "network": "mạng đường", "matrix": "ma trận",
       "solve": "giải", "repair": "sửa", "routes": "vẽ tuyến", "reasons": "lý do"}


__all__ = ["Best", "Clock", "Progress", "Snapshot"]
