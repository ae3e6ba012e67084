"""B2B meeting events (e.g. the CAT fair in Tunis): slots, tables, participants, meeting requests and the
stored schedule. Times are timezone-aware and stored in UTC; every write is one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Dialect, Engine, Float, ForeignKey, Integer, String, Text, delete, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from matcher.events import (
    ACTIVE_STATES,
    Assignment,
    DuplicateRequestError,
    Event,
    EventData,
    MeetingRequest,
    NewRequest,
    Participant,
    Slot,
    Table,
)
from storage.db import Base, writing
from storage.repository import RELATIONSHIPS_KEY, bump_version


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive values are refused (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give a timezone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


# --- tables ---------------------------------------------------------------------------------------
class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class SlotRow(Base):
    __tablename__ = "event_slots"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0-based, chronological
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    session: Mapped[str] = mapped_column(String(10))


class TableRow(Base):
    __tablename__ = "event_tables"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based, as printed on the table
    name: Mapped[str] = mapped_column(String(100), default="")


class ParticipantRow(Base):
    __tablename__ = "event_participants"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    forbidden: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0-based slot indices
    max_meetings: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stand: Mapped[int | None] = mapped_column(Integer, nullable=True)  # table number it hosts at


class RequestRow(Base):
    __tablename__ = "event_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_id: Mapped[str] = mapped_column(String(64))
    to_id: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(4))
    message: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(11), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)  # match score, when known
    reason: Mapped[str] = mapped_column(Text, default="")  # match reason, when known


class AssignmentRow(Base):
    __tablename__ = "event_assignments"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("event_requests.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer)
    table: Mapped[int] = mapped_column(Integer)  # table number


class SequenceRow(Base):
    """How many times a scheduled meeting changed slot or table: the SEQUENCE its .ics events carry (RFC 5545),
    so that calendar apps update the event with the same UID instead of adding a second one. A table of its
    own, so that databases made before it only gain a table (``create_all``), never a column."""

    __tablename__ = "event_sequences"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("event_requests.id", ondelete="CASCADE"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)


class DroppedRow(Base):
    """A meeting that was scheduled and no longer is (cancelled, its participant withdrew, or left out by a new
    schedule), with where it was: its .ics event is sent again with STATUS:CANCELLED, so calendar apps remove it
    instead of keeping a meeting that will not happen. Deleted when the meeting is scheduled again."""

    __tablename__ = "event_dropped_meetings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("event_requests.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer)
    table: Mapped[int] = mapped_column(Integer)  # table number


class LostTableRow(Base):
    """A table that cannot be used from a slot on (0: not at all), recorded by a repair on the day."""

    __tablename__ = "event_lost_tables"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # table number
    from_slot: Mapped[int] = mapped_column(Integer)  # 0-based


# --- conversions ----------------------------------------------------------------------------------
def _request(row: RequestRow) -> MeetingRequest:
    return MeetingRequest(id=row.id, event_id=row.event_id, from_id=row.from_id, to_id=row.to_id,
                          priority=row.priority, message=row.message or "", state=row.state,
                          expires_at=row.expires_at, decided_by=row.decided_by, created_at=row.created_at,
                          score=row.score, reason=row.reason or "")


def ensure_schema(engine: Engine) -> None:
    """Create the event tables if missing (``open_database`` does it when this module was imported first)."""
    names = {"events", "event_slots", "event_tables", "event_participants", "event_requests", "event_assignments",
             "event_sequences", "event_lost_tables", "event_dropped_meetings",
             "meta"}  # meta: the relationships version that schedule changes bump
    Base.metadata.create_all(writing(engine), tables=[t for name, t in Base.metadata.tables.items() if name in names])


# --- events ---------------------------------------------------------------------------------------
def create_event(engine: Engine, *, name: str, venue: str, timezone: str, slots: Sequence[Slot],
                 tables: Sequence[Table], participants: Sequence[Participant]) -> int:
    """Store a whole event in one transaction; returns its id."""
    with Session(writing(engine)) as s, s.begin():
        row = EventRow(name=name, venue=venue, timezone=timezone)
        s.add(row)
        s.flush()
        s.add_all(SlotRow(event_id=row.id, index=x.index, start=x.start, end=x.end, session=x.session) for x in slots)
        s.add_all(TableRow(event_id=row.id, number=t.number, name=t.name) for t in tables)
        s.add_all(ParticipantRow(event_id=row.id, profile_id=p.profile_id, forbidden=sorted(p.forbidden),
                                 max_meetings=p.max_meetings, stand=p.stand) for p in participants)
        return row.id


def load_event(engine: Engine, event_id: int) -> EventData | None:
    with Session(engine) as s:
        row = s.get(EventRow, event_id)
        if row is None:
            return None
        event = Event(id=row.id, name=row.name, venue=row.venue, timezone=row.timezone, created_at=row.created_at)
        slots = tuple(Slot(index=r.index, start=r.start, end=r.end, session=r.session) for r in s.scalars(
            select(SlotRow).where(SlotRow.event_id == event_id).order_by(SlotRow.index)))
        tables = tuple(Table(number=r.number, name=r.name) for r in s.scalars(
            select(TableRow).where(TableRow.event_id == event_id).order_by(TableRow.number)))
        participants = tuple(
            Participant(profile_id=r.profile_id, forbidden=frozenset(r.forbidden or ()), max_meetings=r.max_meetings,
                        stand=r.stand)
            for r in s.scalars(select(ParticipantRow).where(ParticipantRow.event_id == event_id)
                               .order_by(ParticipantRow.profile_id)))
        return EventData(event=event, slots=slots, tables=tables, participants=participants)


def list_events(engine: Engine) -> list[Event]:
    with Session(engine) as s:
        return [Event(id=r.id, name=r.name, venue=r.venue, timezone=r.timezone, created_at=r.created_at)
                for r in s.scalars(select(EventRow).order_by(EventRow.id))]


# --- requests -------------------------------------------------------------------------------------
def active_pairs(s: Session, event_id: int) -> dict[frozenset[str], int]:
    rows = s.execute(select(RequestRow.id, RequestRow.from_id, RequestRow.to_id).where(
        RequestRow.event_id == event_id, RequestRow.state.in_(ACTIVE_STATES)))
    return {frozenset((a, b)): rid for rid, a, b in rows}


def add_requests(engine: Engine, event_id: int, requests: Sequence[NewRequest]) -> list[MeetingRequest]:
    """Insert requests in one transaction; :class:`DuplicateRequestError` (nothing written) if a pair already
    has a pending or accepted request, in the database or earlier in ``requests``."""
    with Session(writing(engine)) as s, s.begin():
        active = active_pairs(s, event_id)
        rows = []
        for r in requests:
            pair = frozenset((r.from_id, r.to_id))
            if r.state in ACTIVE_STATES:
                if pair in active:
                    raise DuplicateRequestError(
                        f"{r.from_id} and {r.to_id} already have an active request (id {active[pair]})")
                active[pair] = 0
            row = RequestRow(event_id=event_id, from_id=r.from_id, to_id=r.to_id, priority=r.priority,
                             message=r.message, state=r.state, expires_at=r.expires_at, decided_by=r.decided_by,
                             score=r.score, reason=r.reason)
            s.add(row)
            rows.append(row)
        s.flush()
        return [_request(row) for row in rows]


def get_request(engine: Engine, request_id: int) -> MeetingRequest | None:
    with Session(engine) as s:
        row = s.get(RequestRow, request_id)
        return _request(row) if row is not None else None


def list_requests(engine: Engine, event_id: int, states: Iterable[str] = ()) -> list[MeetingRequest]:
    """Requests of an event by id, optionally only those in ``states``."""
    wanted = tuple(states)
    query = select(RequestRow).where(RequestRow.event_id == event_id)
    if wanted:
        query = query.where(RequestRow.state.in_(wanted))
    with Session(engine) as s:
        return [_request(r) for r in s.scalars(query.order_by(RequestRow.id))]


def set_request_state(engine: Engine, request_id: int, *, from_states: Iterable[str], state: str,
                      decided_by: str | None) -> bool:
    """Compare-and-set: move the request to ``state`` only if it is still in ``from_states``.

    Leaving the accepted state drops the request's assignment in the same transaction (and bumps the
    relationships version: a scheduled meeting is a ``met_at_event`` relationship once its slot starts)."""
    with Session(writing(engine)) as s, s.begin():
        done = s.execute(sql_update(RequestRow).where(RequestRow.id == request_id,
                                                      RequestRow.state.in_(tuple(from_states)))
                         .values(state=state, decided_by=decided_by))
        moved: int = getattr(done, "rowcount", 0)
        if state != "accepted" and moved:
            row = s.get(AssignmentRow, request_id)
            if row is not None:
                _record_dropped(s, row.event_id, {request_id: (row.slot, row.table)})
                s.delete(row)
                bump_version(s, RELATIONSHIPS_KEY)
        return bool(moved)


def expire_requests(engine: Engine, now: datetime, event_id: int | None = None) -> list[int]:
    """Pending requests whose deadline is at or before ``now`` become expired; returns their ids."""
    with Session(writing(engine)) as s, s.begin():
        query = select(RequestRow.id).where(RequestRow.state == "pending", RequestRow.expires_at.is_not(None),
                                            RequestRow.expires_at <= now)
        if event_id is not None:
            query = query.where(RequestRow.event_id == event_id)
        ids = list(s.scalars(query))
        if ids:
            s.execute(sql_update(RequestRow).where(RequestRow.id.in_(ids)).values(state="expired"))
        return ids


def requested_pairs(engine: Engine, event_id: int) -> set[frozenset[str]]:
    """The pairs (either direction) that have a request in any state."""
    with Session(engine) as s:
        rows = s.execute(select(RequestRow.from_id, RequestRow.to_id).where(RequestRow.event_id == event_id))
        return {frozenset((a, b)) for a, b in rows}


# --- schedule -------------------------------------------------------------------------------------
def replace_assignments(engine: Engine, event_id: int, assignments: Sequence[Assignment]) -> None:
    """The event's schedule becomes exactly ``assignments`` (one transaction, which bumps the relationships
    version: scheduled meetings become ``met_at_event`` relationships once their slot starts)."""
    with Session(writing(engine)) as s, s.begin():
        write_assignments(s, event_id, assignments)


def write_assignments(s: Session, event_id: int, assignments: Sequence[Assignment]) -> None:
    """Replace the event's assignments; each meeting whose slot or table changes gets its sequence bumped."""
    before = {r.request_id: (r.slot, r.table) for r in s.scalars(
        select(AssignmentRow).where(AssignmentRow.event_id == event_id))}
    changed = [a.request_id for a in assignments
               if a.request_id in before and before[a.request_id] != (a.slot, a.table)]
    kept = {a.request_id for a in assignments}
    s.execute(delete(AssignmentRow).where(AssignmentRow.event_id == event_id))
    s.add_all(AssignmentRow(event_id=event_id, request_id=a.request_id, slot=a.slot, table=a.table)
              for a in assignments)
    if kept:
        s.execute(delete(DroppedRow).where(DroppedRow.request_id.in_(kept)))  # scheduled again
    _bump_sequences(s, event_id, changed)
    _record_dropped(s, event_id, {rid: place for rid, place in before.items() if rid not in kept})
    bump_version(s, RELATIONSHIPS_KEY)


def _bump_sequences(s: Session, event_id: int, request_ids: Sequence[int]) -> None:
    if not request_ids:
        return
    rows = {r.request_id: r for r in s.scalars(select(SequenceRow).where(SequenceRow.request_id.in_(request_ids)))}
    for rid in request_ids:
        if rid in rows:
            rows[rid].sequence += 1
        else:
            s.add(SequenceRow(event_id=event_id, request_id=rid, sequence=1))


def _record_dropped(s: Session, event_id: int, places: dict[int, tuple[int, int]]) -> None:
    """Meetings no longer scheduled: where they were, and a sequence bump (their cancellation is a new version)."""
    if not places:
        return
    s.execute(delete(DroppedRow).where(DroppedRow.request_id.in_(list(places))))
    s.add_all(DroppedRow(event_id=event_id, request_id=rid, slot=slot, table=table)
              for rid, (slot, table) in places.items())
    _bump_sequences(s, event_id, list(places))


def load_dropped(engine: Engine, event_id: int) -> list[Assignment]:
    """Meetings that were scheduled and no longer are, where they were (see :class:`DroppedRow`)."""
    with Session(engine) as s:
        return [Assignment(request_id=r.request_id, slot=r.slot, table=r.table) for r in s.scalars(
            select(DroppedRow).where(DroppedRow.event_id == event_id).order_by(DroppedRow.slot, DroppedRow.table))]


def load_assignments(engine: Engine, event_id: int) -> list[Assignment]:
    with Session(engine) as s:
        return [Assignment(request_id=r.request_id, slot=r.slot, table=r.table) for r in s.scalars(
            select(AssignmentRow).where(AssignmentRow.event_id == event_id)
            .order_by(AssignmentRow.slot, AssignmentRow.table))]


def load_sequences(engine: Engine, event_id: int) -> dict[int, int]:
    """Per request id, how many times its meeting changed slot or table (absent: never)."""
    with Session(engine) as s:
        rows = s.scalars(select(SequenceRow).where(SequenceRow.event_id == event_id))
        return {r.request_id: r.sequence for r in rows}


def load_lost_tables(engine: Engine, event_id: int) -> dict[int, int]:
    """Per lost table number, the first (0-based) slot it cannot be used in."""
    with Session(engine) as s:
        rows = s.scalars(select(LostTableRow).where(LostTableRow.event_id == event_id))
        return {r.number: r.from_slot for r in rows}
