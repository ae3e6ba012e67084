"""Live progress and stopping of a solve: what the solvers report on the way, and a stop the caller may request.

:func:`matcher.scheduling.solve` takes ``progress`` (a callable given a :class:`Progress` whenever something new
is known) and ``stop`` (a :class:`threading.Event`). One :class:`Monitor` per solve collects the reports:

- a new best schedule: from CP-SAT's solution callback (every improving solution of the running search), from
  each quick probe that finds one, and from the MaxSAT child's final answer;
- a new proven lower bound on breaks: CP-SAT's best objective bound while it minimises breaks, each break
  count a probe refutes, and the bound each MaxSAT core raises (the race already sends them to the parent);
- the phase, in order: ``static checks``, ``solving``, ``diagnosing`` (only when no schedule exists),
  ``done`` (the returned schedule's values and status). A phase never goes back.

What the reports promise: ``bound`` never falls; in full mode (every meeting held) ``breaks`` never rises. In
partial mode (over-subscription) the solve first chooses which meetings to keep (the most participants covered,
then the most weighted meetings), then minimises breaks among schedules keeping at least as much: while it
chooses, each report keeps more than the one before (``held`` mostly rises) and ``breaks`` is whatever that
schedule has; once it minimises, ``breaks`` never rises (``held`` may move, the weight kept does not fall) and
``bound`` appears.

Rate. Measured on the published instances (2 CP-SAT workers): CP-SAT reports at most about 20 solutions or
bounds a second in bursts, 2 to 10 a second on average (forum-13crafb: 36 solutions and 7 bounds in 19 s;
forum-14 with 12 tables in partial mode: 34 solutions and 20 bounds in 20 s). Handling one costs about 1 ms
when the objective is breaks and up to 25 ms in partial mode's first stages (CP-SAT evaluates the breaks
expression, about 1 000 literals, in Python). Calls to ``progress`` are coalesced to at most one every
:data:`INTERVAL` seconds (a later report replaces a pending one; a watcher thread delivers the pending one when
it is due), phase changes and ``done`` at once. Calls come from the solvers' threads (CP-SAT's, the race
listener's, the watcher's), one at a time and in order; the callable must be quick. If it raises, the solve
stops as on a stop request and :func:`~matcher.scheduling.solve` raises that exception once the solvers are
done (a solver's thread is no place for it).

Stop. When ``stop`` is set the watcher thread (it polls every :data:`POLL` seconds) calls ``stop_search`` on the
running CP-SAT solve, and keeps calling it while the solve lasts (one may be starting); the probe loop, the
partial stages and the diagnosis start nothing new, the race kills its MaxSAT child. The solve then returns its
best schedule as a time-out does: "feasible" with its bound (or "optimal" if already proven), "unknown" without
one. Measured from the stop to the return: 0.07 to 0.08 s in full mode (forum-13crafb, ticf-13crafb,
tic-13crafc), 0.16 s in partial mode (forum-14 with 12 tables; the reasons for the meetings left out included).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

from ortools.sat.python import cp_model

from matcher.scheduling.model import Instance, Schedule

PHASES: tuple[str, ...] = ("static checks", "solving", "diagnosing", "done")
SOLVERS: tuple[str, ...] = ("cp-sat", "maxsat")
STAGE_BREAKS = 2  # the stage that minimises breaks (partial mode's last; all of full mode)
INTERVAL = 0.2  # seconds between two progress calls at most (phase changes and "done" go at once)
POLL = 0.05  # seconds between two looks at the stop event (and at a pending progress call)


@dataclass(frozen=True, kw_only=True)
class Progress:
    """What is known so far: the phase, the best schedule's breaks and meetings held, the proven lower bound.

    ``breaks`` and ``held`` are None before the first schedule, ``bound`` before the first proof; ``solver``
    names who found the latest news (one of :data:`SOLVERS`, "" before any); ``status`` is the returned
    schedule's, in phase "done" only; ``meetings`` is the number of meetings asked for.
    """

    phase: str
    breaks: int | None
    bound: int | None
    held: int | None
    meetings: int
    seconds: float
    solver: str = ""
    status: str | None = None


ProgressCallback = Callable[[Progress], None]


class Monitor:
    """One solve's reports and stop request; a no-op (no thread, nothing called) without progress and stop.

    Use it as a context manager (its watcher thread ends with the block). Solvers call :meth:`found`,
    :meth:`proved` and :meth:`enter`; the CP-SAT solves register with :meth:`watch` so that a stop reaches them.
    """

    def __init__(self, instance: Instance, progress: ProgressCallback | None = None,
                 stop: threading.Event | None = None, *, interval: float = INTERVAL) -> None:
        self.meetings = len(instance.meetings)
        self.reporting = progress is not None
        self.stage = STAGE_BREAKS  # partial mode: 0, 1 while it chooses the meetings to keep
        self.bound: int | None = None
        self.breaks: int | None = None
        self.held: int | None = None
        self.phase = ""  # none reported yet
        self._progress = progress
        self._stop = stop
        self._interval = interval
        self._started = time.monotonic()
        self._key: tuple[int, int] | None = None  # (stage, score) of the best schedule
        self._solver_name = ""
        self._lock = threading.Lock()
        self._solver: cp_model.CpSolver | None = None
        self._pending = False
        self._last = float("-inf")
        self._closed = threading.Event()
        self.error: Exception | None = None  # what ``progress`` raised, if it did
        self._thread: threading.Thread | None = None
        if progress is not None or stop is not None:
            self._thread = threading.Thread(target=self._watch, name="schedule-monitor", daemon=True)
            self._thread.start()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    @property
    def stopped(self) -> bool:
        """Whether the caller asked to stop (or its progress callable failed)."""
        return self.error is not None or (self._stop is not None and self._stop.is_set())

    def watch(self, solver: cp_model.CpSolver) -> None:
        """The CP-SAT solver about to run, to be stopped once the caller asks."""
        with self._lock:
            self._solver = solver

    def enter(self, phase: str) -> None:
        """A new phase; one earlier than the current one (a nested full solve's static checks) is ignored."""
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
        with self._lock:
            if self.phase and PHASES.index(phase) <= PHASES.index(self.phase):
                return
            self.phase = phase
            self._emit(force=True)

    def found(self, breaks: int, held: Sequence[bool] | None, solver: str, score: int | None = None) -> None:
        """A schedule with ``breaks`` holding the meetings flagged in ``held`` (None: all); kept if better: a
        later stage, or in the same stage a higher ``score`` (the objective maximised) or else fewer breaks."""
        key = (self.stage, -breaks if score is None else score)
        with self._lock:
            if self._key is not None and key <= self._key:
                return
            self._key = key
            count = self.meetings if held is None else sum(held)
            if (breaks, count) == (self.breaks, self.held):  # a new stage starting from the same schedule
                return
            self.breaks, self.held = breaks, count
            self._solver_name = solver
            self._emit()

    def proved(self, bound: int, solver: str) -> None:
        """No schedule (as good as the best found) has fewer than ``bound`` breaks; kept if higher."""
        with self._lock:
            if self.bound is not None and bound <= self.bound:
                return
            self.bound = bound
            self._solver_name = solver
            self._emit()

    def finish(self, schedule: Schedule) -> None:
        """Phase "done" with the returned schedule's values, reported at once; then the watcher ends.

        Without a schedule ("unknown") the bound proven on the way still holds and is kept; "infeasible" has none.
        """
        with self._lock:
            self.phase = "done"
            self.breaks = schedule.breaks
            self.bound = self.bound if schedule.status == "unknown" else schedule.bound
            self.held = sum(s is not None for s in schedule.slots) if schedule.breaks is not None else None
            self._emit(force=True, status=schedule.status)
        self.close()

    def close(self) -> None:
        """Ends the watcher thread; safe to call twice."""
        self._closed.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _emit(self, *, force: bool = False, status: str | None = None) -> None:
        """Calls ``progress`` now if forced or due, else leaves it pending for the watcher. Holds the lock."""
        if self._progress is None:
            return
        now = time.monotonic()
        if not force and now - self._last < self._interval:
            self._pending = True
            return
        self._pending = False
        self._last = now
        if self.error is not None:  # it failed once: no more calls
            return
        try:
            self._progress(Progress(phase=self.phase, breaks=self.breaks, bound=self.bound, held=self.held,
                                    meetings=self.meetings, seconds=now - self._started, solver=self._solver_name,
                                    status=status))
        except Exception as exc:  # re-raised by solve() in the caller's thread
            self.error = exc

    def _watch(self) -> None:
        """Stops the running CP-SAT solve while a stop is requested; delivers a pending progress call when due."""
        while not self._closed.wait(POLL):
            with self._lock:
                if self.stopped and self._solver is not None:
                    self._solver.stop_search()
                if self._pending and time.monotonic() - self._last >= self._interval:
                    self._emit()


class SolutionReporter(cp_model.CpSolverSolutionCallback):
    """CP-SAT's solution callback: each improving solution goes to the monitor as a schedule.

    ``breaks_objective``: the objective is the total breaks (else it is a score maximised, and the breaks
    expression is evaluated, which costs more); ``held``: partial mode's held literals, None when every meeting is held.
    """

    def __init__(self, monitor: Monitor, breaks: cp_model.LinearExprT, held: Sequence[cp_model.IntVar] | None,
                 *, breaks_objective: bool) -> None:
        super().__init__()
        self._monitor = monitor
        self._breaks = breaks
        self._held = held
        self._breaks_objective = breaks_objective

    def on_solution_callback(self) -> None:
        score: int | None = None
        if self._breaks_objective:
            breaks = round(self.objective_value)
        else:
            breaks = self._breaks if isinstance(self._breaks, int) else int(self.value(self._breaks))
            score = round(self.objective_value)
        held = None if self._held is None else [self.boolean_value(h) for h in self._held]
        self._monitor.found(breaks, held, "cp-sat", score)
        if self._monitor.stopped:
            self.stop_search()
