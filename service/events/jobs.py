"""The scheduler as a background job: started from a page, watched live from any server process, stoppable.

:func:`start_schedule` runs :func:`service.events.schedule` in a daemon thread of the calling process and
returns at once with the job's id; :func:`job_status` reads the job from the database (state, the solver's
phase, the best schedule's breaks and meetings held, the proven bound, and the summary once finished);
:func:`stop_schedule` asks it to stop, from any process. The database row (:mod:`storage.jobs`) is the whole
shared state: the worker writes the latest progress and a heartbeat every :data:`HEARTBEAT` seconds and, in the
same transaction, reads whether a stop was asked, then sets the solver's stop event (the solver returns its best
schedule within about 0.1 s, and that schedule is stored as any other). So a stop reaches the worker within
about :data:`HEARTBEAT` + 0.1 s, and progress shows on other processes :data:`HEARTBEAT` s late at most.

One running job per event, enforced by the database: starting one while another runs returns the running
job's id (its own fairness and time limit hold). A running job without a heartbeat for :data:`DEAD_AFTER`
seconds (its process ended: a restart, a crash) is reported as failed, and the next start retires it.

States: ``running``, then ``done`` (the solve ended by itself), ``stopped`` (ended by a stop: the best schedule
found so far was stored, see the summary) or ``failed`` (``error`` says why).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from matcher.errors import CcimatchError, ConflictError, InvalidValueError, NotFoundError
from matcher.scheduling import Progress
from service.events.plan import EventService, event
from service.events.scheduling import ScheduleSummary, schedule
from storage import jobs as store

HEARTBEAT = 0.5  # seconds between two writes of a worker's progress (and looks at the stop flag)
DEAD_AFTER = 30.0  # seconds without a heartbeat before a running job counts as failed (60 missed heartbeats)
MAX_TIME_LIMIT = 3600.0  # seconds: what one job may be given at most

log = logging.getLogger(__name__)

_ensured: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose jobs table exists (checked once: checking
# takes SQLite's write lock, which a status read polled every second should not)
_workers: dict[int, threading.Thread] = {}  # this process's worker threads, by job id


class JobNotFoundError(NotFoundError):
    """No schedule job with that id."""


@dataclass(frozen=True, kw_only=True)
class JobStatus:
    """A schedule job as any process sees it.

    ``state``: running, done, stopped or failed. ``phase``: the solver's (static checks, solving, diagnosing,
    done; "" before the solver starts). ``breaks``, ``held``: the best schedule's breaks and meetings held,
    of ``meetings`` to place; ``bound``: the proven lower bound on breaks; None until known. ``seconds``: since
    the start, until the end or the latest heartbeat. ``summary``: the :class:`ScheduleSummary` as a dict once
    done or stopped; ``error``: why it failed.
    """

    job_id: int
    event_id: int
    state: str
    phase: str
    breaks: int | None
    bound: int | None
    held: int | None
    meetings: int | None
    seconds: float
    fairness: int | None
    time_limit: float
    stop_requested: bool
    summary: dict[str, Any] | None
    error: str
    started_at: datetime
    finished_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        out["seconds"] = round(self.seconds, 1)
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat() if self.finished_at is not None else None
        return out


def start_schedule(svc: EventService, event_id: int, *, fairness: int | None = 2, time_limit: float = 60.0,
                   workers: int = 2) -> int:
    """Starts scheduling the event in the background and returns the job's id; if a job already runs for the
    event, returns its id instead. Unknown events and bad options are refused here, before any job exists."""
    if fairness is not None and fairness < 0:
        raise InvalidValueError("fairness", str(fairness), "must be 0 or more, or none")
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise InvalidValueError("time_limit", str(time_limit), f"must be more than 0 and at most {MAX_TIME_LIMIT:g}")
    event(svc, event_id)
    _ensure(svc)
    job_id, new = store.start(svc.engine, event_id=event_id, fairness=fairness, time_limit=time_limit,
                              owner=f"{socket.gethostname()}:{os.getpid()}", dead_after=DEAD_AFTER)
    if new:
        worker = threading.Thread(target=_work, args=(svc, job_id, event_id),
                                  kwargs={"fairness": fairness, "time_limit": time_limit, "workers": workers},
                                  name=f"schedule-job-{job_id}", daemon=True)
        _workers[job_id] = worker
        worker.start()
    return job_id


def job_status(svc: EventService, job_id: int, *, now: datetime | None = None) -> JobStatus:
    """The job as stored; a running job without a heartbeat for :data:`DEAD_AFTER` seconds reads as failed."""
    _ensure(svc)
    job = store.get(svc.engine, job_id)
    if job is None:
        raise JobNotFoundError(f"no schedule job with id {job_id}")
    state, error = job.state, job.error
    silent = ((now or datetime.now(UTC)) - job.heartbeat_at).total_seconds()
    if state == "running" and silent > DEAD_AFTER:
        state, error = "failed", f"no heartbeat for {silent:.0f} s: the process running it ended"
    end = job.finished_at or job.heartbeat_at
    return JobStatus(job_id=job.id, event_id=job.event_id, state=state, phase=job.phase, breaks=job.breaks,
                     bound=job.bound, held=job.held, meetings=job.meetings,
                     seconds=max(0.0, (end - job.started_at).total_seconds()), fairness=job.fairness,
                     time_limit=job.time_limit, stop_requested=job.stop_requested, summary=job.summary, error=error,
                     started_at=job.started_at, finished_at=job.finished_at)


def stop_schedule(svc: EventService, job_id: int) -> JobStatus:
    """Asks the job to stop and keep its best schedule; its worker, in whichever process, sees it within
    :data:`HEARTBEAT` s. Stopping a job that has ended changes nothing. Returns the job as it is now."""
    _ensure(svc)
    if not store.request_stop(svc.engine, job_id) and store.get(svc.engine, job_id) is None:
        raise JobNotFoundError(f"no schedule job with id {job_id}")
    return job_status(svc, job_id)


def event_job(svc: EventService, event_id: int) -> JobStatus | None:
    """The event's most recent schedule job (running or not), or None: what its page shows."""
    event(svc, event_id)
    _ensure(svc)
    job = store.latest(svc.engine, event_id)
    return job_status(svc, job.id) if job is not None else None


def schedule_now(svc: EventService, event_id: int, *, fairness: int | None = 2, time_limit: float = 60.0,
                 workers: int = 2) -> ScheduleSummary:
    """:func:`schedule`, in the caller's thread (the CLI, ``POST /events/{id}/schedule``), refused while a
    background job schedules the same event: two solves would each replace the stored schedule."""
    running = event_job(svc, event_id)
    if running is not None and running.state == "running":
        raise ConflictError(f"a scheduling job (id {running.job_id}) is running for event {event_id}; wait for it "
                            "to finish or stop it")
    return schedule(svc, event_id, fairness=fairness, time_limit=time_limit, workers=workers)


def wait_schedule(svc: EventService, job_id: int, *, timeout: float) -> JobStatus:
    """The job once it is no longer running, or as it is after ``timeout`` seconds (a command line, a test)."""
    deadline = time.monotonic() + timeout
    worker = _workers.get(job_id)
    if worker is not None:
        worker.join(timeout)
    status = job_status(svc, job_id)
    while status.state == "running" and time.monotonic() < deadline:
        time.sleep(min(HEARTBEAT, max(0.0, deadline - time.monotonic())))
        status = job_status(svc, job_id)
    return status


def _ensure(svc: EventService) -> None:
    if svc.engine not in _ensured:
        store.ensure_schema(svc.engine)
        _ensured.add(svc.engine)


def _work(svc: EventService, job_id: int, event_id: int, *, fairness: int | None, time_limit: float,
          workers: int) -> None:
    """The worker thread: the solve, a heartbeat thread beside it, then the outcome."""
    latest: list[Progress | None] = [None]  # the newest report (replaced whole: no lock needed)
    stop = threading.Event()
    finished = threading.Event()

    def progress(report: Progress) -> None:
        latest[0] = report

    def beat() -> None:
        while not finished.wait(HEARTBEAT):
            report = latest[0]
            try:
                asked = store.beat(svc.engine, job_id, phase=report.phase if report else "",
                                   breaks=report.breaks if report else None, bound=report.bound if report else None,
                                   held=report.held if report else None,
                                   meetings=report.meetings if report else None)
            except SQLAlchemyError:  # the database is busy or away: try again at the next heartbeat
                log.warning("schedule job %s: heartbeat failed", job_id, exc_info=True)
                continue
            if asked is None or asked:  # a stop was asked, or the job was declared dead: stop solving
                stop.set()

    beater = threading.Thread(target=beat, name=f"schedule-job-{job_id}-heartbeat", daemon=True)
    beater.start()
    try:
        summary = schedule(svc, event_id, fairness=fairness, time_limit=time_limit, workers=workers,
                           progress=progress, stop=stop)
    except Exception as exc:  # recorded for the page; a bug also goes to the log with its traceback
        finished.set()
        beater.join()
        if not isinstance(exc, CcimatchError):
            log.exception("schedule job %s failed", job_id)
        _finish(svc, job_id, state="failed", error=str(exc) if isinstance(exc, CcimatchError)
                else f"{type(exc).__name__}: {exc}")
        return
    finished.set()
    beater.join()
    report = latest[0]
    _finish(svc, job_id, state="stopped" if stop.is_set() else "done", summary=summary.to_dict(),
            breaks=summary.breaks, bound=summary.bound, held=summary.held,
            meetings=report.meetings if report else summary.held)


def _finish(svc: EventService, job_id: int, **outcome: Any) -> None:
    try:
        store.finish(svc.engine, job_id, **outcome)
    except SQLAlchemyError:  # the job then reads as failed once its heartbeat is old
        log.exception("schedule job %s: could not record its outcome", job_id)
    finally:
        _workers.pop(job_id, None)
