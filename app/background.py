"""Work that runs beside the page: one background task per session (planning, re-planning).

A :class:`Runner` belongs to one browser session (the page gets it from
``app.plan_progress.session_runner``, a session-scoped ``st.cache_resource`` whose
``on_release`` calls :meth:`Runner.shutdown` when the session ends). It runs at most one
:class:`Task` at a time in a daemon thread: the task's work gets a
:class:`~data.budget.Clock` carrying a :class:`~data.budget.Progress`, which it reports its
phase and best solution on, and which Cancel stops (the solver's child process is killed
at once, :mod:`routing.runner`). The work never calls Streamlit; the page reads
:meth:`Task.snapshot` on a timer and picks up the finished task with :meth:`Runner.take`
on its next rerun.

Nothing outlives its bound: the clock's limit bounds the work (the solver's child has a
hard deadline), a cancelled task stops at its next phase at the latest, and a session that
ends cancels its task.

Python 3.11 cannot build an ``ast`` tree in two threads at once: the AST constructor's
recursion counter is shared by the interpreter, and a parse that is interrupted by another
thread's parse fails with ``SystemError: AST constructor recursion depth mismatch``
(CPython gh-106905; fixed by per-call state in later versions). Streamlit parses each page
with ``ast.parse`` the first time it runs, and the background work parses too
(``numpy.load`` reads a file header with ``ast.literal_eval``). Importing this module
therefore makes :func:`ast.parse` take one process-wide lock (:func:`serialise_ast_parse`).
"""

from __future__ import annotations

import ast
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from data.budget import Clock, Progress, Snapshot

_LOG = logging.getLogger(__name__)

_AST_LOCK = threading.RLock()


def serialise_ast_parse() -> None:
    """Make :func:`ast.parse` (and so ``ast.literal_eval``) hold one lock (see above).

    Only on Python < 3.12, once per process; ``ast.parse`` keeps its signature.
    """
    if sys.version_info >= (3, 12) or getattr(ast.parse, "_postplan_locked", False):
        return
    unlocked = ast.parse

    def parse(*args: Any, **kwargs: Any) -> Any:
        with _AST_LOCK:
            return unlocked(*args, **kwargs)

    parse.__doc__ = unlocked.__doc__
    parse._postplan_locked = True  # type: ignore[attr-defined]
    ast.parse = parse


serialise_ast_parse()


@dataclass
class Task:
    """One piece of background work and, once it ended, its result or error.

    Parameters
    ----------
    kind
        What it is (``"plan"``, ``"replan"``): the page shows its panel where that
        action's button is.
    clock
        The action's clock (its limit, ``timings`` and :class:`~data.budget.Progress`).
    """

    kind: str
    clock: Clock
    result: Any = None
    error: BaseException | None = None
    ended_s: float | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def progress(self) -> Progress:
        """The task's progress (phase, best so far, Cancel)."""
        assert self.clock.progress is not None
        return self.clock.progress

    def running(self) -> bool:
        """Tell whether its thread still runs."""
        return self._thread is not None and self._thread.is_alive()

    def elapsed_s(self) -> float:
        """Seconds since the action started (its clock's start), frozen once it ended."""
        if self.ended_s is not None:
            return self.ended_s
        return self.clock.elapsed()

    def snapshot(self) -> Snapshot:
        """Return what it is doing now (:meth:`data.budget.Progress.snapshot`)."""
        return self.progress.snapshot()

    def cancel(self) -> None:
        """Ask it to stop: the solver's child process is killed at once; no result is kept."""
        self.progress.cancel()

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for its thread to end; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return not self.running()

    def _run(self, work: Callable[[Clock], Any]) -> None:
        try:
            self.result = work(self.clock)
        except BaseException as exc:  # handed to the page, which words it
            self.error = exc
            if not isinstance(exc, Exception):  # pragma: no cover - interpreter exit
                raise
        finally:
            self.ended_s = self.clock.elapsed()


class Runner:
    """At most one background task for one session.

    Parameters
    ----------
    owner
        Who it runs for (the account name), for the thread's name and the server log.
    """

    def __init__(self, owner: str = "") -> None:
        self.owner = owner
        self._lock = threading.Lock()
        self._task: Task | None = None
        self._closed = False

    @property
    def task(self) -> Task | None:
        """The current task: running, or ended and not yet taken."""
        with self._lock:
            return self._task

    def busy(self) -> bool:
        """Tell whether a task runs (a new one cannot start then)."""
        task = self.task
        return task is not None and task.running()

    def start(self, kind: str, work: Callable[[Clock], Any], clock: Clock) -> Task | None:
        """Run ``work(clock)`` in a daemon thread; None when a task still runs.

        ``clock`` gets a fresh :class:`~data.budget.Progress` when it has none. A finished
        task that was not taken is dropped (its result is not wanted any more).
        """
        with self._lock:
            if self._closed or (self._task is not None and self._task.running()):
                return None
            if clock.progress is None:
                clock.progress = Progress()
            task = Task(kind, clock)
            thread = threading.Thread(target=task._run, args=(work,), daemon=True,
                                      name=f"postplan-{kind}-{self.owner or 'session'}")
            task._thread = thread
            self._task = task
            thread.start()
        return task

    def take(self) -> Task | None:
        """Return the ended task and forget it (the page applies its result once)."""
        with self._lock:
            task = self._task
            if task is None or task.running():
                return None
            self._task = None
            return task

    def cancel(self) -> None:
        """Cancel the running task, if any."""
        task = self.task
        if task is not None and task.running():
            task.cancel()

    def shutdown(self, *, wait_s: float = 0.0) -> None:
        """Cancel the task and accept no new one (the session ended)."""
        with self._lock:
            self._closed = True
            task = self._task
        if task is not None and task.running():
            _LOG.info("session of %s ended: cancelling its %s", self.owner or "?", task.kind)
            task.cancel()
            if wait_s > 0:
                deadline = time.monotonic() + wait_s
                task.wait(max(0.0, deadline - time.monotonic()))


__all__ = ["Runner", "Task", "serialise_ast_parse"]
