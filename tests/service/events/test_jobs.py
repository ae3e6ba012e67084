"""The scheduler as a background job (service.events.jobs): progress seen and a stop asked from a second server
process on the same database (a second EventService with its own engine stands for it), one running job per
event, a dead worker reported as failed, errors recorded; on a real SQLite file and on PostgreSQL when its
binaries are installed. Most tests drive a stand-in solver that reports progress and waits for a stop; one runs
the real solver on a hard event."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from matcher import scheduling
from matcher.errors import InvalidValueError
from matcher.scheduling import Instance, Progress, Schedule
from service import events as ev
from service.catalogue import Catalogue, ingest
from service.events import EventNotFoundError, EventService, JobNotFoundError
from service.events import jobs as job_service
from service.settings import Settings
from storage import jobs as job_store
from storage.db import open_database
from tests.conftest import FakeEncoder, record
from tests.service.events.helpers import PROFILES, accept_all, check_stored, make_event, plan

WAIT = 60.0  # seconds: generous, only so that a broken job fails the test instead of hanging it


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "jobs.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def two(db: str, tmp_path: Path) -> Iterator[tuple[EventService, EventService]]:
    """Two event services on one database, each with its own engine, as two server processes have."""
    cat = Catalogue.open(Settings(db=db, index_dir=tmp_path / "index"), encoder=FakeEncoder())
    assert not ingest(cat, PROFILES, atomic=True).errors
    other = open_database(db)
    yield EventService(cat), EventService(cat, engine=other)
    other.dispose()
    cat.engine.dispose()


class StandIn:
    """Replaces the solver: finds the real schedule at once, reports a worse one with a bound, then waits
    until it is released or stopped, and reports "done" before returning the real schedule."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, instance: Instance, *, progress: Any = None, stop: threading.Event | None = None,
                 **options: Any) -> Schedule:
        self.calls += 1
        result = scheduling.solve(instance, **options)
        n = len(instance.meetings)
        assert progress is not None and stop is not None, "the job must pass progress and stop through"
        progress(Progress(phase="solving", breaks=(result.breaks or 0) + 3, bound=0, held=n - 1, meetings=n,
                          seconds=0.1, solver="cp-sat"))
        deadline = time.monotonic() + WAIT
        while not self.release.is_set() and not stop.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        progress(Progress(phase="done", breaks=result.breaks, bound=result.bound, held=n, meetings=n, seconds=0.2,
                          solver="cp-sat", status=result.status))
        return result


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    import service.events.scheduling as module

    solver = StandIn()
    monkeypatch.setattr(module, "solve", solver)
    return solver


def small_event(svc: EventService) -> int:
    eid = make_event(svc, tables=2)
    for a, b in (("tn-1", "fr-1"), ("tn-1", "it-1"), ("ma-1", "it-1"), ("lb-1", "es-1")):
        ev.request(svc, eid, a, b)
    accept_all(svc, eid)
    return eid


def until(svc: EventService, job_id: int, ready: Any) -> ev.JobStatus:
    """Polls the job (as a page would) until ``ready(status)``."""
    deadline = time.monotonic() + WAIT
    status = ev.job_status(svc, job_id)
    while not ready(status) and time.monotonic() < deadline:
        time.sleep(0.05)
        status = ev.job_status(svc, job_id)
    assert ready(status), status
    return status


def test_progress_shows_in_another_process_and_a_stop_from_there_ends_the_job(
        two: tuple[EventService, EventService], stand_in: StandIn) -> None:
    first, second = two
    eid = small_event(first)
    job = ev.start_schedule(first, eid, fairness=2, time_limit=30)
    seen = until(second, job, lambda s: s.breaks is not None)
    assert (seen.state, seen.phase, seen.bound, seen.held, seen.meetings) == ("running", "solving", 0, 3, 4)
    assert seen.event_id == eid and seen.summary is None and not seen.stop_requested
    asked = ev.stop_schedule(second, job)
    assert asked.stop_requested and asked.state in ("running", "stopped")
    stopped_at = time.monotonic()
    final = ev.wait_schedule(second, job, timeout=WAIT)
    assert time.monotonic() - stopped_at < 10  # the worker saw the stop (it polls every 0.5 s)
    assert final.state == "stopped" and final.phase == "done" and final.error == ""
    assert final.summary is not None and final.summary["status"] == "optimal" and final.summary["held"] == 4
    assert (final.breaks, final.held) == (final.summary["breaks"], 4)
    assert final.finished_at is not None and final.seconds >= 0
    assert len(ev.assignments(second, eid)) == 4  # the best schedule found was stored
    check_stored(second, eid)
    assert ev.event_job(second, eid) == final
    assert ev.stop_schedule(second, job).state == "stopped"  # stopping an ended job changes nothing


def test_a_job_that_ends_by_itself_is_done(two: tuple[EventService, EventService], stand_in: StandIn) -> None:
    first, second = two
    eid = small_event(first)
    job = ev.start_schedule(first, eid, time_limit=30)
    until(second, job, lambda s: s.breaks is not None)
    stand_in.release.set()
    final = ev.wait_schedule(first, job, timeout=WAIT)
    assert final.state == "done" and not final.stop_requested
    assert final.summary is not None and final.summary["status"] == "optimal"
    assert final.to_dict()["state"] == "done" and final.to_dict()["summary"] == final.summary


def test_one_running_job_per_event(two: tuple[EventService, EventService], stand_in: StandIn) -> None:
    first, second = two
    eid, other = small_event(first), small_event(first)
    job = ev.start_schedule(first, eid, time_limit=30)
    assert ev.start_schedule(second, eid, time_limit=5, fairness=None) == job  # from another process too
    assert ev.start_schedule(first, eid, time_limit=30) == job
    elsewhere = ev.start_schedule(second, other, time_limit=30)
    assert elsewhere != job
    stand_in.release.set()
    assert ev.wait_schedule(first, job, timeout=WAIT).state == "done"
    assert ev.wait_schedule(second, elsewhere, timeout=WAIT).state == "done"
    again = ev.start_schedule(second, eid, time_limit=30)  # once it has ended, a new one may start
    assert again not in (job, elsewhere)
    assert ev.wait_schedule(second, again, timeout=WAIT).state == "done"
    assert stand_in.calls == 3


def test_two_processes_starting_at_once_start_one_job(two: tuple[EventService, EventService], db: str,
                                                      stand_in: StandIn) -> None:
    first, _ = two
    eid = small_event(first)
    services = [EventService(first.catalogue, engine=open_database(db)) for _ in range(4)]
    barrier = threading.Barrier(len(services))
    ids: list[int] = []
    errors: list[BaseException] = []

    def start(svc: EventService) -> None:
        try:
            barrier.wait()
            ids.append(ev.start_schedule(svc, eid, time_limit=30))
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(svc,)) for svc in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(ids)) == 1
    stand_in.release.set()
    assert ev.wait_schedule(first, ids[0], timeout=WAIT).state == "done"
    assert stand_in.calls == 1
    for svc in services:
        svc.engine.dispose()


def stale_job(engine: Engine, event_id: int) -> int:
    """A running job whose process died an hour ago: a row with an old heartbeat and no worker."""
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    job_store.ensure_schema(engine)
    job, new = job_store.start(engine, event_id=event_id, fairness=2, time_limit=60, owner="gone:1",
                               dead_after=job_service.DEAD_AFTER, now=an_hour_ago)
    assert new
    return job


def test_a_dead_worker_is_reported_failed_and_does_not_block_the_next_job(
        two: tuple[EventService, EventService], stand_in: StandIn) -> None:
    first, second = two
    eid = small_event(first)
    dead = stale_job(first.engine, eid)
    status = ev.job_status(second, dead)
    assert status.state == "failed" and "heartbeat" in status.error
    assert ev.stop_schedule(second, dead).state == "failed"
    job = ev.start_schedule(second, eid, time_limit=30)  # the dead job does not count as running
    assert job != dead
    stored = job_store.get(first.engine, dead)
    assert stored is not None and stored.state == "failed" and stored.finished_at is not None
    stand_in.release.set()
    assert ev.wait_schedule(second, job, timeout=WAIT).state == "done"


def test_a_worker_declared_dead_stops_solving(two: tuple[EventService, EventService], stand_in: StandIn) -> None:
    first, second = two
    eid = small_event(first)
    job = ev.start_schedule(first, eid, time_limit=30)
    until(second, job, lambda s: s.breaks is not None)
    assert job_store.finish(second.engine, job, state="failed", error="declared dead by an operator")
    final = ev.wait_schedule(first, job, timeout=WAIT)  # joins the worker: it saw it at its next heartbeat
    assert final.state == "failed" and final.error == "declared dead by an operator"  # not overwritten
    assert stand_in.calls == 1


def test_a_failing_solve_is_reported_with_its_error(two: tuple[EventService, EventService],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import service.events.scheduling as module

    def broken(instance: Instance, **options: Any) -> Schedule:
        raise RuntimeError("the solver broke")

    monkeypatch.setattr(module, "solve", broken)
    first, second = two
    eid = small_event(first)
    job = ev.start_schedule(first, eid, time_limit=30)
    final = ev.wait_schedule(second, job, timeout=WAIT)
    assert final.state == "failed" and final.error == "RuntimeError: the solver broke" and final.summary is None
    assert ev.start_schedule(first, eid, time_limit=30) != job  # a failed job does not block the next one


def test_unknown_jobs_events_and_bad_options_are_refused(svc: EventService) -> None:
    eid = small_event(svc)
    with pytest.raises(JobNotFoundError):
        ev.job_status(svc, 999)
    with pytest.raises(JobNotFoundError):
        ev.stop_schedule(svc, 999)
    with pytest.raises(EventNotFoundError):
        ev.start_schedule(svc, 999)
    with pytest.raises(InvalidValueError, match="time_limit"):
        ev.start_schedule(svc, eid, time_limit=0)
    with pytest.raises(InvalidValueError, match="fairness"):
        ev.start_schedule(svc, eid, fairness=-1)
    assert ev.event_job(svc, eid) is None


# --- the real solver -----------------------------------------------------------------------------------------


def hard_event(svc: EventService) -> int:
    """50 participants, 180 accepted wants plus one, 10 slots, 20 tables: a first schedule within seconds,
    no proof within a minute (tests/matcher/test_scheduling_progress.py's hard_event, through the service)."""
    ids = [f"tn-h{i:02d}" for i in range(51)]
    assert not ingest(svc.catalogue, [record(pid) for pid in ids], atomic=True).errors
    rng = random.Random(0)
    pairs: set[tuple[int, int]] = set()
    degree = [0] * 50
    while len(pairs) < 180:
        a, b = sorted(rng.sample(range(50), 2))
        if (a, b) not in pairs and max(degree[a], degree[b]) < 8:
            degree[a] += 1
            degree[b] += 1
            pairs.add((a, b))
    eid = make_event(svc, tables=20, ids=ids, plan=plan(morning_start=clock(9), morning_end=clock(11, 30),
                                                         afternoon_start=clock(14), afternoon_end=clock(16, 30)))
    rows = [{"from_id": ids[a], "to_id": ids[b], "state": "accepted"} for a, b in sorted(pairs)]
    ev.import_requests(svc, eid, [*rows, {"from_id": ids[50], "to_id": ids[0], "state": "accepted"}])
    return eid


def test_the_real_solver_reports_progress_and_stops_with_a_valid_schedule(tmp_path: Path) -> None:
    db = str(tmp_path / "hard.db")
    cat = Catalogue.open(Settings(db=db, index_dir=tmp_path / "index"), encoder=FakeEncoder())
    first, second = EventService(cat), EventService(cat, engine=open_database(db))
    eid = hard_event(first)
    job = ev.start_schedule(first, eid, time_limit=600)
    seen = until(second, job, lambda s: s.breaks is not None or s.state != "running")
    assert seen.state == "running" and seen.phase == "solving" and seen.meetings == 181
    assert seen.held is not None and 0 < seen.held <= 181
    ev.stop_schedule(second, job)
    final = ev.wait_schedule(second, job, timeout=WAIT)
    assert final.state == "stopped" and final.summary is not None
    assert final.summary["status"] in ("feasible", "optimal") and final.summary["stored"]
    assert final.held == final.summary["held"] == len(ev.assignments(second, eid)) > 0
    check_stored(second, eid)
    second.engine.dispose()



def test_a_direct_schedule_is_refused_while_a_job_runs(two: tuple[EventService, EventService], stand_in: StandIn,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI and POST /events/{id}/schedule solve in the caller's thread; during a background job (in any
    process) they are refused with a conflict, not run alongside it (both would replace the stored schedule)."""
    from matcher.errors import ConflictError
    from service.events import schedule_now, start_schedule, wait_schedule

    first, second = two
    eid = small_event(first)
    job = start_schedule(first, eid, time_limit=30)
    with pytest.raises(ConflictError, match=rf"job \(id {job}\) is running for event {eid}"):
        schedule_now(second, eid, time_limit=5)
    stand_in.release.set()
    assert wait_schedule(first, job, timeout=WAIT).state == "done"
    import service.events.scheduling as module

    monkeypatch.setattr(module, "solve", scheduling.solve)  # the real solver for the direct run
    assert schedule_now(second, eid, time_limit=5).stored
