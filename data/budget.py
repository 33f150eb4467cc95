"""The time one command may take, and where its time went (``timings``).

A :class:`Clock` is started when a command starts (``postplan plan --time-limit S``, the
app's Plan button) and passed explicitly down the layers. Each phase (reading the jobs,
the network, the matrix, the solver, the repair, the reasons, the routes' geometry,
writing) runs inside :meth:`Clock.phase`, which adds its wall time to
:attr:`Clock.timings`; the solver is given what the limit leaves once the work after it
has been reserved (:meth:`Clock.left_for`). Every JSON result prints ``timings`` and the
:class:`~routing.result.Plan` keeps them, so the app can show where the time went.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from data.errors import InputError, Problem


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
    """

    limit_s: float | None = None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)

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
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0

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
        need = math.ceil(self.elapsed() + reserve_s + minimum_s)
        raise InputError([Problem(
            f"--time-limit {self.limit_s:g} s leaves {max(left, 0):.1f} s for {what} "
            f"(spent so far: {spent or 'nothing'}; {reserve_s:.1f} s kept for the work after "
            f"it); give at least --time-limit {need}",
            column="--time-limit", value=f"{self.limit_s:g}",
            message_vi=f"--time-limit {self.limit_s:g} giây chỉ còn {max(left, 0):.1f} giây "
                       f"cho {_VI.get(what, what)} (đã dùng: {spent or 'chưa có'}; giữ "
                       f"{reserve_s:.1f} giây cho phần việc sau); hãy cho ít nhất "
                       f"--time-limit {need}")],
            summary="Không đủ thời gian / Not enough time")

    def as_dict(self) -> dict[str, float]:
        """Return ``timings`` rounded to milliseconds, plus ``total`` (seconds so far)."""
        out = {k: round(v, 3) for k, v in self.timings.items()}
        out["total"] = round(self.elapsed(), 3)
        return out


_VI = {"the solver": "bộ giải"}


__all__ = ["Clock"]
