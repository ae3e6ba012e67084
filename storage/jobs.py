"""Background schedule jobs (``schedule_jobs``): one row per run of the scheduler started from a page.

The row is the job's whole shared state, so that any server process on the database can show it or stop it:
the worker writes its progress and a heartbeat (:func:`beat`) and reads in the same transaction whether a stop
was asked (:func:`request_stop`); :func:`finish` writes the outcome. Writes to a job that is no longer running
change nothing, so a late worker cannot overwrite a verdict. One running job per event: a unique index on
``event_id`` over the rows whose state is "running" (a partial index, on SQLite and PostgreSQL alike), so two
processes cannot both start one; :func:`start` first retires running jobs whose heartbeat is too old (their
process died). Times are the writers' clocks in UTC: the servers' clocks must agree within seconds (NTP).
Every write is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Engine, Float, ForeignKey, Index, Integer, String, Text, select, update
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, writing
from storage.events import UtcDateTime

JOB_STATES: tuple[str, ...] = ("running", "done", "stopped", "failed")


class ScheduleJobRow(Base):
    __tablename__ = "schedule_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    phase: Mapped[str] = mapped_column(String(20), default="")
    breaks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bound: Mapped[int | None] = mapped_column(Integer, nullable=True)
    held: Mapped[int | None] = mapped_column(Integer, nullable=True)
    meetings: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fairness: Mapped[int | None] = mapped_column(Integer, nullable=True)
    time_limit: Mapped[float] = mapped_column(Float)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # the ScheduleSummary, once done
    error: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")  # the worker's host and process id
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        Index("one_running_schedule_job_per_event", "event_id", unique=True,
              sqlite_where=sql("state = 'running'"), postgresql_where=sql("state = 'running'")),
    )


@dataclass(frozen=True, kw_only=True)
class ScheduleJob:
    """A job as stored: its state, the solver's latest progress, the outcome."""

    id: int
    event_id: int
    state: str
    phase: str
    breaks: int | None
    bound: int | None
    held: int | None
    meetings: int | None
    fairness: int | None
    time_limit: float
    stop_requested: bool
    summary: dict[str, Any] | None
    error: str
    owner: str
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None


def _job(row: ScheduleJobRow) -> ScheduleJob:
    return ScheduleJob(id=row.id, event_id=row.event_id, state=row.state, phase=row.phase or "", breaks=row.breaks,
                       bound=row.bound, held=row.held, meetings=row.meetings, fairness=row.fairness,
                       time_limit=row.time_limit, stop_requested=bool(row.stop_requested),
                       summary=dict(row.summary) if row.summary is not None else None, error=row.error or "",
                       owner=row.owner or "", started_at=row.started_at, heartbeat_at=row.heartbeat_at,
                       finished_at=row.finished_at)


def ensure_schema(engine: Engine) -> None:
    Base.metadata.create_all(writing(engine), tables=[ScheduleJobRow.__table__])  # type: ignore[list-item]


def start(engine: Engine, *, event_id: int, fairness: int | None, time_limit: float, owner: str,
          dead_after: float, now: datetime | None = None) -> tuple[int, bool]:
    """A new running job for the event, or the one already running: (its id, whether it is new).

    In one transaction, running jobs of the event without a heartbeat for ``dead_after`` seconds become
    failed first. On SQLite the transaction holds the write lock from its start, so the check and the insert
    are atomic; on PostgreSQL a concurrent start that inserted first makes ours fail on the unique index, and
    the job it started is returned."""
    for _ in range(3):  # the winner of a race may have finished before we read it: then try again
        at = now or datetime.now(UTC)
        try:
            with Session(writing(engine)) as s, s.begin():
                s.execute(update(ScheduleJobRow).where(
                    ScheduleJobRow.event_id == event_id, ScheduleJobRow.state == "running",
                    ScheduleJobRow.heartbeat_at < at - timedelta(seconds=dead_after)).values(
                    state="failed", finished_at=at, error=f"no heartbeat for {dead_after:g} s: its process ended"))
                running = s.scalar(select(ScheduleJobRow.id).where(ScheduleJobRow.event_id == event_id,
                                                                   ScheduleJobRow.state == "running"))
                if running is not None:
                    return running, False
                row = ScheduleJobRow(event_id=event_id, state="running", phase="", fairness=fairness,
                                     time_limit=time_limit, stop_requested=False, error="", owner=owner,
                                     started_at=at, heartbeat_at=at)
                s.add(row)
                s.flush()
                return row.id, True
        except IntegrityError:
            with Session(engine) as s:
                running = s.scalar(select(ScheduleJobRow.id).where(ScheduleJobRow.event_id == event_id,
                                                                   ScheduleJobRow.state == "running"))
            if running is not None:
                return running, False
    raise RuntimeError(f"could not start a schedule job for event {event_id}: the database kept refusing")


def beat(engine: Engine, job_id: int, *, phase: str, breaks: int | None, bound: int | None, held: int | None,
         meetings: int | None, now: datetime | None = None) -> bool | None:
    """The worker's progress and heartbeat; whether a stop was asked, or None if the job is no longer running
    (someone declared it dead): then the worker should stop too."""
    with Session(writing(engine)) as s, s.begin():
        done = s.execute(update(ScheduleJobRow).where(ScheduleJobRow.id == job_id, ScheduleJobRow.state == "running")
                         .values(phase=phase, breaks=breaks, bound=bound, held=held, meetings=meetings,
                                 heartbeat_at=now or datetime.now(UTC)))
        if not getattr(done, "rowcount", 0):
            return None
        return bool(s.scalar(select(ScheduleJobRow.stop_requested).where(ScheduleJobRow.id == job_id)))


def finish(engine: Engine, job_id: int, *, state: str, summary: dict[str, Any] | None = None, error: str = "",
           breaks: int | None = None, bound: int | None = None, held: int | None = None,
           meetings: int | None = None, now: datetime | None = None) -> bool:
    """The outcome of a running job (done, stopped or failed); False if it was no longer running."""
    if state not in JOB_STATES[1:]:
        raise ValueError(f"a job finishes as one of {JOB_STATES[1:]}, got {state!r}")
    at = now or datetime.now(UTC)
    values: dict[str, Any] = {"state": state, "summary": summary, "error": error, "finished_at": at,
                              "heartbeat_at": at}
    if state != "failed":
        values.update(phase="done", breaks=breaks, bound=bound, held=held, meetings=meetings)
    with Session(writing(engine)) as s, s.begin():
        done = s.execute(update(ScheduleJobRow).where(ScheduleJobRow.id == job_id, ScheduleJobRow.state == "running")
                         .values(**values))
        return bool(getattr(done, "rowcount", 0))


def request_stop(engine: Engine, job_id: int) -> bool:
    """Asks a running job to stop (its worker sees it at its next heartbeat); False if it is not running."""
    with Session(writing(engine)) as s, s.begin():
        done = s.execute(update(ScheduleJobRow).where(ScheduleJobRow.id == job_id, ScheduleJobRow.state == "running")
                         .values(stop_requested=True))
        return bool(getattr(done, "rowcount", 0))


def get(engine: Engine, job_id: int) -> ScheduleJob | None:
    with Session(engine) as s:
        row = s.get(ScheduleJobRow, job_id)
        return _job(row) if row is not None else None


def latest(engine: Engine, event_id: int) -> ScheduleJob | None:
    """The event's most recent job, running or not."""
    with Session(engine) as s:
        row = s.scalars(select(ScheduleJobRow).where(ScheduleJobRow.event_id == event_id)
                        .order_by(ScheduleJobRow.id.desc()).limit(1)).first()
        return _job(row) if row is not None else None
