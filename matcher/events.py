"""B2B meeting events as domain values: the slot plan, participants, meeting requests and their state
machine, the stored schedule. Times are timezone-aware (UTC); slots and tables are numbered from 1 for
people, slot indexes from 0 in code. Storage keeps rows and maps them to these values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matcher.errors import ConflictError, InvalidRequestError, NotFoundError
from matcher.messages import Message

PRIORITIES: tuple[str, ...] = ("must", "want")
STATES: tuple[str, ...] = ("pending", "accepted", "declined", "cancelled", "expired")
ACTIVE_STATES: tuple[str, ...] = ("pending", "accepted")  # a pair may have at most one active request
DECIDERS: tuple[str, ...] = ("participant", "organiser")
SESSIONS: tuple[str, ...] = ("morning", "afternoon")


class EventNotFoundError(NotFoundError):
    """No event with this id (or the profile is not one of its participants)."""


class RequestNotFoundError(NotFoundError):
    """No meeting request with this id (in this event, visible to this caller)."""


class TransitionError(ConflictError):
    """A request cannot move to that state, or not by that person."""


class DuplicateRequestError(ConflictError):
    """The pair already has a pending or accepted request."""


# --- values ---------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Event:
    id: int
    name: str
    venue: str
    timezone: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class Slot:
    index: int
    start: datetime  # aware, UTC
    end: datetime
    session: str


@dataclass(frozen=True, kw_only=True)
class Table:
    number: int
    name: str


@dataclass(frozen=True, kw_only=True)
class Participant:
    profile_id: str
    forbidden: frozenset[int] = frozenset()  # 0-based slot indices
    max_meetings: int | None = None
    stand: int | None = None  # table number


@dataclass(frozen=True, kw_only=True)
class EventData:
    """An event with its slots, tables and participants (sorted by index, number, profile id)."""

    event: Event
    slots: tuple[Slot, ...]
    tables: tuple[Table, ...]
    participants: tuple[Participant, ...]

    @property
    def members(self) -> frozenset[str]:
        return frozenset(p.profile_id for p in self.participants)


@dataclass(frozen=True, kw_only=True)
class NewRequest:
    from_id: str
    to_id: str
    priority: str = "want"
    message: str = ""
    state: str = "pending"
    expires_at: datetime | None = None
    decided_by: str | None = None
    score: float | None = None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class MeetingRequest:
    id: int
    event_id: int
    from_id: str
    to_id: str
    priority: str
    message: str
    state: str
    expires_at: datetime | None
    decided_by: str | None
    created_at: datetime
    score: float | None
    reason: str

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.from_id, self.to_id))


@dataclass(frozen=True, kw_only=True)
class Assignment:
    request_id: int
    slot: int
    table: int  # table number


def as_dict(value: Any) -> dict[str, Any]:
    """A record as a JSON-ready dict (datetimes in ISO 8601 UTC, sets as sorted lists)."""
    out: dict[str, Any] = {}
    for key, v in vars(value).items():
        if isinstance(v, datetime):
            out[key] = v.isoformat()
        elif isinstance(v, frozenset):
            out[key] = sorted(v)
        else:
            out[key] = v
    return out


# --- the slot plan --------------------------------------------------------------------------------
def zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        message = Message.of("unknown_timezone", timezone=timezone)
        raise InvalidRequestError(f"event: {message.text}", message=message) from None


@dataclass(frozen=True, kw_only=True)
class SlotPlan:
    """Meeting slots: each day, slots of ``slot_minutes`` from the session start, ``break_minutes`` apart,
    as long as they end by the session end. Times are wall-clock times in the event's timezone."""

    days: tuple[date, ...]
    morning_start: time | None = time(9, 0)
    morning_end: time | None = time(12, 30)
    afternoon_start: time | None = time(14, 0)
    afternoon_end: time | None = time(17, 30)
    slot_minutes: int = 30
    break_minutes: int = 0

    def __post_init__(self) -> None:
        def bad(message: Message) -> InvalidRequestError:
            return InvalidRequestError(f"SlotPlan: {message.text}", message=message)

        if not self.days:
            raise bad(Message.of("no_days"))
        if len(set(self.days)) != len(self.days):
            raise bad(Message.of("day_twice"))
        for field, minutes, low, high in (("slot_minutes", self.slot_minutes, 5, 480),
                                          ("break_minutes", self.break_minutes, 0, 240)):
            if not low <= minutes <= high:
                raise bad(Message.of("minutes_out_of_range", field=field, minutes=minutes, low=low, high=high))
        for t in (self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end):
            if t is not None and t.tzinfo is not None:
                raise bad(Message.of("time_with_timezone", time=t.isoformat()))
        sessions = [s for s in (("morning", self.morning_start, self.morning_end),
                                ("afternoon", self.afternoon_start, self.afternoon_end)) if s[1] or s[2]]
        if not sessions:
            raise bad(Message.of("no_session"))
        for name, start, end in sessions:  # name: a code of SESSIONS, which a page translates
            if start is None or end is None:
                raise bad(Message.of("session_incomplete", session=name))
            if start >= end:
                raise bad(Message.of("session_reversed", session=name, start=f"{start:%H:%M}", end=f"{end:%H:%M}"))
        if len(sessions) == 2 and self.morning_end and self.afternoon_start and self.afternoon_start < self.morning_end:
            raise bad(Message.of("sessions_overlap", afternoon_start=f"{self.afternoon_start:%H:%M}",
                                 morning_end=f"{self.morning_end:%H:%M}"))

    def slots(self, timezone: str) -> list[Slot]:
        """The slots in chronological order, as aware UTC datetimes."""
        tz = zone(timezone)
        out: list[Slot] = []
        length, gap = timedelta(minutes=self.slot_minutes), timedelta(minutes=self.break_minutes)
        for day in sorted(self.days):
            for session, start, end in (("morning", self.morning_start, self.morning_end),
                                        ("afternoon", self.afternoon_start, self.afternoon_end)):
                if start is None or end is None:
                    continue
                t, stop = datetime.combine(day, start), datetime.combine(day, end)  # naive wall-clock times
                while t + length <= stop:
                    out.append(Slot(index=len(out), start=t.replace(tzinfo=tz).astimezone(UTC),
                                    end=(t + length).replace(tzinfo=tz).astimezone(UTC), session=session))
                    t += length + gap
        if not out:
            message = Message.of("no_slot_fits", minutes=self.slot_minutes)
            raise InvalidRequestError(f"SlotPlan: {message.text}", message=message)
        return out

    def past_day_issue(self, timezone: str, today: date | None = None) -> Message | None:
        """Why the plan starts in the past (today in the event's timezone), or None."""
        today = today or datetime.now(zone(timezone)).date()
        past = sorted(d for d in self.days if d < today)
        if not past:
            return None
        return Message.of("day_in_past", day=past[0].isoformat(), today=today.isoformat(), timezone=timezone)

    def past_day(self, timezone: str, today: date | None = None) -> str | None:
        """:meth:`past_day_issue` as the one line the CLI and the HTTP API print."""
        issue = self.past_day_issue(timezone, today)
        return f"event: {issue.text}" if issue is not None else None


# --- the request state machine --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Move:
    """One action on a request: from which states, to which state, by whom (besides the organiser)."""

    action: str
    from_states: tuple[str, ...]
    to_state: str
    actor: str  # "addressee" (the to_id) or "sender" (the from_id)


MOVES: dict[str, Move] = {
    "accept": Move(action="accept", from_states=("pending",), to_state="accepted", actor="addressee"),
    "decline": Move(action="decline", from_states=("pending",), to_state="declined", actor="addressee"),
    "cancel": Move(action="cancel", from_states=ACTIVE_STATES, to_state="cancelled", actor="sender"),
}


@dataclass(frozen=True, kw_only=True)
class Decision:
    """What a legal move writes: the new state, who decided, and the states it may leave (compare-and-set)."""

    request_id: int
    from_states: tuple[str, ...]
    state: str
    decided_by: str


class RequestExpiredError(TransitionError):
    """A pending request's deadline has passed; the store should mark the event's overdue requests expired."""


def decide(req: MeetingRequest, action: str, *, by: str | None, as_organiser: bool, now: datetime) -> Decision:
    """The move ``action`` on ``req`` by the participant ``by`` or by the organiser, or why it is not allowed:
    only the addressee (or the organiser) answers a pending request; only the sender (or the organiser)
    withdraws a pending or accepted one; a pending request past its deadline can no longer be answered."""
    move = MOVES.get(action)
    if move is None:
        raise InvalidRequestError(f"request {req.id}: unknown action {action!r}; choose one of {', '.join(MOVES)}")
    if as_organiser == (by is not None):
        raise InvalidRequestError(f"request {req.id}: say who acts: either a participant id or the organiser, "
                                  "not both")
    who = req.to_id if move.actor == "addressee" else req.from_id
    if not as_organiser and by != who:
        raise TransitionError(f"request {req.id}: only its {move.actor} ({who}) or the organiser can "
                              f"{action} it, not {by}")
    if req.state not in move.from_states:
        allowed = " or ".join(move.from_states)
        raise TransitionError(f"request {req.id} is {req.state}; only a {allowed} request can be {move.to_state}")
    if move.from_states == ("pending",) and req.expires_at is not None and req.expires_at <= now:
        raise RequestExpiredError(f"request {req.id} expired at {req.expires_at.isoformat()}; it can no longer "
                                  f"be {move.to_state}")
    return Decision(request_id=req.id, from_states=move.from_states, state=move.to_state,
                    decided_by="organiser" if as_organiser else "participant")


def visible_to(req: MeetingRequest, participant: str | None) -> bool:
    """Whether a caller sees this request: the organiser (``participant`` None) sees all; a participant sees
    the requests it sent or received, and nothing else (another's request looks like none at all)."""
    return participant is None or participant in (req.from_id, req.to_id)
