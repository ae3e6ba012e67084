"""The race: the MaxSAT model (:mod:`matcher.scheduling.maxsat`) in a child process while CP-SAT searches here.

Each closes instances the other cannot within a minute (MaxSAT: forum-13crafc, tic-13crafc; CP-SAT:
forum-13crafb), so the first answer wins: a MaxSAT answer stops the running CP-SAT solve, and the lower
bounds it reports on the way tighten CP-SAT's. With a :class:`~matcher.scheduling.progress.Monitor`, the bounds
and the answer also reach the caller's progress, and a stop the caller asks for kills the child at once. Use it
as a context manager; the child is killed on exit::

    with MaxSatRace.start(instance, fairness, seconds, monitor) as race:  # None when a race is not worth it
        ...  # CP-SAT solves, passing ``race`` so that a MaxSAT answer stops it
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from types import TracebackType

from ortools.sat.python import cp_model

from matcher.scheduling import maxsat
from matcher.scheduling.model import Instance
from matcher.scheduling.progress import Monitor

_RACE_MIN_MEETINGS = 30  # below this CP-SAT answers at once and a MaxSAT child process would only cost a start-up


class MaxSatRace:
    """A MaxSAT child process, its answer and lower bound as they arrive, and the CP-SAT solve it may stop."""

    def __init__(self, instance: Instance, fairness: int | None, seconds: float,
                 monitor: Monitor | None = None) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process that may run solver threads
        receive, send = context.Pipe(duplex=False)
        self.bound = 0
        self.answer: maxsat.MaxSatAnswer | None = None
        self._solver: cp_model.CpSolver | None = None
        self._monitor = monitor
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._process = context.Process(target=maxsat.worker, args=(instance, fairness, send),
                                        kwargs={"parent": os.getpid(), "seconds": seconds + 5.0}, daemon=True)
        self._process.start()
        send.close()
        self._listener = threading.Thread(target=self._listen, args=(receive,), daemon=True)
        self._listener.start()

    @classmethod
    @contextmanager
    def start(cls, instance: Instance, fairness: int | None, seconds: float,
              monitor: Monitor | None = None) -> Iterator[MaxSatRace | None]:
        """A running race when the instance is big enough to be worth a process and the MaxSAT model can express
        it (and no stop is asked), else None; either way the child process is gone when the ``with`` block ends."""
        if (len(instance.meetings) < _RACE_MIN_MEETINGS or not maxsat.encodable(instance, fairness)
                or (monitor is not None and monitor.stopped)):
            yield None
            return
        with cls(instance, fairness, seconds, monitor) as race:
            yield race

    def __enter__(self) -> MaxSatRace:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    @property
    def settled(self) -> bool:
        return self.answer is not None

    def watch(self, solver: cp_model.CpSolver) -> None:
        """The CP-SAT solver about to run, to be stopped once MaxSAT has answered."""
        with self._lock:
            self._solver = solver

    def _listen(self, conn: Connection) -> None:
        try:
            while not self._closed.is_set():
                if self._monitor is not None and self._monitor.stopped:
                    self._process.kill()  # the caller asked to stop: CP-SAT's best is the answer
                    return
                if not conn.poll(0.05):
                    continue
                kind, value = conn.recv()
                if kind == "bound":
                    self.bound = max(self.bound, int(value))
                    if self._monitor is not None:
                        self._monitor.proved(self.bound, "maxsat")
                elif kind == "done":
                    self.answer = value
                    if self._monitor is not None and value.slots is not None and value.breaks is not None:
                        self._monitor.found(value.breaks, None, "maxsat")
                        self._monitor.proved(value.breaks, "maxsat")
                    break
        except (EOFError, OSError):  # the child died (or was killed): CP-SAT goes on alone
            return
        finally:
            conn.close()
        while not self._closed.wait(0.05):  # stop whichever CP-SAT solve is running, including one just starting
            with self._lock:
                solver = self._solver
            if solver is not None:
                solver.stop_search()

    def close(self) -> None:
        """Kills the child if it is still running and waits for it and the listener; safe to call twice."""
        self._closed.set()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._listener.join()
