"""B2B meeting events around the catalogue: participants, meeting requests, recommended meetings, the
schedule (solved by :mod:`matcher.scheduling`) and the exports (agendas as CSV and iCalendar, the grid)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine

from matcher.constraints import Constraints
from matcher.profile import FieldError
from matcher.scheduling import Instance, Meeting, breaks_per_participant, solve
from matcher.text import normalise_newlines, printable, text_problem
from service.catalogue import Catalogue, UnknownProfileError
from storage import events as store
from storage.events import (
    PRIORITIES,
    STATES,
    Assignment,
    DuplicateRequestError,
    EventData,
    MeetingRequest,
    NewRequest,
    Participant,
    Slot,
    Table,
)
from storage.sheets import write_csv, write_xlsx

__all__ = [
    "DuplicateRequestError", "EventNotFoundError", "EventService", "InvalidRowsError", "RequestNotFoundError",
    "SlotPlan", "TransitionError",
]

PARTICIPANT_COLUMNS: tuple[str, ...] = ("profile_id", "forbidden_slots", "max_meetings", "stand")
REQUEST_COLUMNS: tuple[str, ...] = ("from_id", "to_id", "priority", "message", "state", "expires_at")
DEFAULT_WEIGHT = 0.5  # weight of a meeting whose match score is unknown
MAX_MESSAGE = 2000


class EventNotFoundError(LookupError):
    """No event with this id."""


class RequestNotFoundError(LookupError):
    """No meeting request with this id."""


class TransitionError(ValueError):
    """A request cannot move to that state, or not by that person."""


class InvalidRowsError(ValueError):
    """Rows of an uploaded file were refused; ``errors`` say which row, field and why. Nothing was written."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = tuple(errors)


# --- the slot plan --------------------------------------------------------------------------------
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
        if not self.days:
            raise ValueError("SlotPlan: field 'days' is empty: give at least one day")
        if len(set(self.days)) != len(self.days):
            raise ValueError("SlotPlan: field 'days' lists a day twice")
        if not 5 <= self.slot_minutes <= 480:
            raise ValueError(f"SlotPlan: field 'slot_minutes' = {self.slot_minutes}: must be 5 to 480 minutes")
        if not 0 <= self.break_minutes <= 240:
            raise ValueError(f"SlotPlan: field 'break_minutes' = {self.break_minutes}: must be 0 to 240 minutes")
        for t in (self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end):
            if t is not None and t.tzinfo is not None:
                raise ValueError(f"SlotPlan: time {t.isoformat()} carries a timezone: give wall-clock times "
                                 "(the event's timezone applies)")
        sessions = [s for s in (("morning", self.morning_start, self.morning_end),
                                ("afternoon", self.afternoon_start, self.afternoon_end)) if s[1] or s[2]]
        if not sessions:
            raise ValueError("SlotPlan: no session: give a morning or an afternoon")
        for name, start, end in sessions:
            if start is None or end is None:
                raise ValueError(f"SlotPlan: the {name} needs both a start and an end")
            if start >= end:
                raise ValueError(f"SlotPlan: the {name} starts at {start:%H:%M}, not before its end {end:%H:%M}")
        if len(sessions) == 2 and self.morning_end and self.afternoon_start and self.afternoon_start < self.morning_end:
            raise ValueError(f"SlotPlan: the afternoon starts at {self.afternoon_start:%H:%M}, "
                             f"before the morning ends ({self.morning_end:%H:%M})")

    def slots(self, timezone: str) -> list[Slot]:
        """The slots in chronological order, as aware UTC datetimes."""
        zone = _zone(timezone)
        out: list[Slot] = []
        length, gap = timedelta(minutes=self.slot_minutes), timedelta(minutes=self.break_minutes)
        for day in sorted(self.days):
            for session, start, end in (("morning", self.morning_start, self.morning_end),
                                        ("afternoon", self.afternoon_start, self.afternoon_end)):
                if start is None or end is None:
                    continue
                t, stop = datetime.combine(day, start), datetime.combine(day, end)  # naive wall-clock times
                while t + length <= stop:
                    out.append(Slot(index=len(out), start=t.replace(tzinfo=zone).astimezone(UTC),
                                    end=(t + length).replace(tzinfo=zone).astimezone(UTC), session=session))
                    t += length + gap
        if not out:
            raise ValueError(f"SlotPlan: no {self.slot_minutes}-minute slot fits in the sessions")
        return out


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"event: field 'timezone' = {timezone!r}: unknown IANA timezone "
                         "(e.g. 'Africa/Tunis', 'Europe/Paris')") from None


# --- results --------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Recommendation:
    participant: str
    partner: str
    partner_name: str
    score: float
    mutual: bool  # each is in the other's top k
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"participant": self.participant, "partner": self.partner, "partner_name": self.partner_name,
                "score": round(self.score, 4), "mutual": self.mutual, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class LeftOut:
    request_id: int
    from_id: str
    to_id: str
    priority: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "from_id": self.from_id, "to_id": self.to_id,
                "priority": self.priority, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class ScheduleSummary:
    event_id: int
    status: str
    stored: bool  # whether the stored schedule was replaced
    breaks: int | None
    bound: int | None
    seconds: float
    requested: int  # accepted requests
    held: int  # meetings given a slot and a table
    must_requested: int
    must_held: int
    left_out: tuple[LeftOut, ...]
    infeasible_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "status": self.status, "stored": self.stored, "breaks": self.breaks,
                "bound": self.bound, "seconds": round(self.seconds, 3), "requested": self.requested,
                "held": self.held, "must_requested": self.must_requested, "must_held": self.must_held,
                "left_out": [x.to_dict() for x in self.left_out], "infeasible_reason": self.infeasible_reason}


@dataclass(frozen=True, kw_only=True)
class AgendaItem:
    slot: int  # 1-based, as shown to people
    start: datetime  # aware, UTC
    end: datetime
    local_start: str  # "2026-12-01 09:00" in the event's timezone
    local_end: str
    table: int
    table_name: str
    partner_id: str
    partner_name: str
    partner_country: str
    priority: str
    request_id: int
    reason: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"slot": self.slot, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "local_start": self.local_start, "local_end": self.local_end, "table": self.table,
                "table_name": self.table_name, "partner_id": self.partner_id, "partner_name": self.partner_name,
                "partner_country": self.partner_country, "priority": self.priority, "request_id": self.request_id,
                "reason": self.reason, "message": self.message}


# --- parsing helpers ------------------------------------------------------------------------------
def _cell(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return ""
    return str(value).strip()


def _int_or_none(text: str) -> int | None:
    if not text:
        return None
    if re.fullmatch(r"[+]?\d+(\.0+)?", text) is None:
        raise ValueError("not a whole number")
    return int(float(text))


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("give a UTC offset, e.g. 2026-11-20T18:00:00+01:00")
    return parsed


def _local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M")


# --- the service ----------------------------------------------------------------------------------
class EventService:
    """Events on the catalogue's database; profiles, names and match scores come from the catalogue."""

    def __init__(self, catalogue: Catalogue, *, engine: Engine | None = None) -> None:
        self.catalogue = catalogue
        self.engine = engine if engine is not None else catalogue.engine
        store.ensure_schema(self.engine)

    # --- events ----------------------------------------------------------------------------------
    def create_event(self, *, name: str, venue: str, timezone: str, plan: SlotPlan, tables: int,
                     participants: Sequence[Mapping[str, Any]], allow_past: bool = False,
                     today: date | None = None) -> int:
        """Validate everything, then store the event, its slots, tables and participants in one transaction.

        ``participants`` are rows with the columns of :data:`PARTICIPANT_COLUMNS` (forbidden slots are 1-based
        and ';'-separated); bad rows raise :class:`InvalidRowsError` listing every problem. Days before
        ``today`` (in the event's timezone) are refused unless ``allow_past`` (importing a past event)."""
        name, venue = name.strip(), venue.strip()
        if not name or len(name) > 200:
            raise ValueError(f"event: field 'name' = {name!r}: must be 1 to 200 characters")
        if len(venue) > 300:
            raise ValueError("event: field 'venue': at most 300 characters")
        for field, value in (("name", name), ("venue", venue)):
            if (problem := text_problem(value, multiline=False, bidi=False)) is not None:
                raise ValueError(f"event: field {field!r} = {printable(value)!r}: {problem}")
        zone = _zone(timezone)
        today = today or datetime.now(zone).date()
        past = sorted(d for d in plan.days if d < today)
        if past and not allow_past:
            raise ValueError(f"event: field 'days' = '{past[0].isoformat()}': in the past (today is "
                             f"{today.isoformat()} in {timezone}); to import a past event, give --allow-past "
                             "(HTTP: allow_past=true)")
        if not 1 <= tables <= 1000:
            raise ValueError(f"event: field 'tables' = {tables}: must be 1 to 1000")
        slots = plan.slots(timezone)
        parsed = self._participants(participants, n_slots=len(slots), n_tables=tables)
        return store.create_event(self.engine, name=name, venue=venue, timezone=timezone, slots=slots,
                                  tables=[Table(number=n, name=f"Table {n}") for n in range(1, tables + 1)],
                                  participants=parsed)

    def _participants(self, rows: Sequence[Mapping[str, Any]], *, n_slots: int, n_tables: int) -> list[Participant]:
        errors: list[FieldError] = []
        out: list[Participant] = []
        first: dict[str, int] = {}
        stand_of: dict[int, tuple[str, int]] = {}
        if not rows:
            raise InvalidRowsError([FieldError(row=None, record_id=None, field="participants", value="",
                                               reason="no participants: the file has no data rows")])
        unknown = sorted({str(k) for raw in rows for k in raw} - set(PARTICIPANT_COLUMNS))
        if unknown:
            errors.append(FieldError(row=None, record_id=None, field="columns", value=", ".join(unknown),
                                     reason=f"unknown column(s); expected {', '.join(PARTICIPANT_COLUMNS)}"))
        for row, raw in enumerate(rows, 1):
            pid = _cell(raw, "profile_id")
            bad = len(errors)

            def err(field: str, value: str, reason: str, row: int = row, pid: str = pid) -> None:
                errors.append(FieldError(row=row, record_id=pid or None, field=field, value=value, reason=reason))

            if not pid:
                err("profile_id", "", "missing: every participant needs the id of a catalogue profile")
            elif pid in first:
                err("profile_id", pid, f"duplicate participant (first on row {first[pid]})")
            else:
                try:
                    self.catalogue.profile(pid)
                except UnknownProfileError:
                    err("profile_id", pid, "unknown profile id: no such profile in the catalogue")
            forbidden: set[int] = set()
            text = _cell(raw, "forbidden_slots")
            for item in (x.strip() for x in text.split(";") if x.strip()):
                try:
                    number = _int_or_none(item)
                except ValueError:
                    err("forbidden_slots", text, f"{item!r} is not a slot number (1-based, ';'-separated)")
                    continue
                if number is None or not 1 <= number <= n_slots:
                    err("forbidden_slots", text, f"slot {item} does not exist: slots are numbered 1 to {n_slots}")
                else:
                    forbidden.add(number - 1)
            max_meetings = stand = None
            try:
                max_meetings = _int_or_none(_cell(raw, "max_meetings"))
            except ValueError:
                err("max_meetings", _cell(raw, "max_meetings"), "not a whole number (leave empty for no limit)")
            try:
                stand = _int_or_none(_cell(raw, "stand"))
            except ValueError:
                err("stand", _cell(raw, "stand"), "not a table number (leave empty for no stand)")
            if stand is not None:
                if not 1 <= stand <= n_tables:
                    err("stand", str(stand), f"table {stand} does not exist: tables are numbered 1 to {n_tables}")
                elif stand in stand_of:
                    other, other_row = stand_of[stand]
                    err("stand", str(stand), f"table {stand} is already the stand of {other!r} (row {other_row})")
                else:
                    stand_of[stand] = (pid, row)
            if pid and pid not in first:
                first[pid] = row
            if len(errors) == bad:
                out.append(Participant(profile_id=pid, forbidden=frozenset(forbidden), max_meetings=max_meetings,
                                       stand=stand))
        if errors:
            raise InvalidRowsError(errors)
        return out

    def event(self, event_id: int) -> EventData:
        data = store.load_event(self.engine, event_id)
        if data is None:
            raise EventNotFoundError(f"no event with id {event_id}")
        return data

    def _name(self, profile_id: str) -> str:
        try:
            return self.catalogue.profile(profile_id).name
        except UnknownProfileError:
            return profile_id

    # --- requests --------------------------------------------------------------------------------
    def request(self, event_id: int, from_id: str, to_id: str, *, priority: str = "want", message: str = "",
                expires_at: datetime | None = None) -> MeetingRequest:
        """A pending meeting request from one participant to another."""
        problems = [f"field {field!r} = {value!r}: {reason}" for field, value, reason
                    in self._request_problems(self.event(event_id), from_id, to_id, priority, message, "pending")]
        if expires_at is not None and expires_at.tzinfo is None:
            problems.append("field 'expires_at': give a timezone-aware deadline")
        if problems:
            raise ValueError(f"request {from_id} -> {to_id}: " + "; ".join(problems))
        return store.add_requests(self.engine, event_id, [NewRequest(
            from_id=from_id, to_id=to_id, priority=priority, message=normalise_newlines(message.strip()),
            expires_at=expires_at)])[0]

    @staticmethod
    def _request_problems(data: EventData, from_id: str, to_id: str, priority: str, message: str,
                          state: str) -> list[tuple[str, str, str]]:
        """(field, value, reason) for each problem of a request."""
        members = {p.profile_id for p in data.participants}
        problems = [(field, value, f"not a participant of event {data.event.id}")
                    for field, value in (("from_id", from_id), ("to_id", to_id)) if value not in members]
        if from_id == to_id:
            problems.append(("to_id", to_id, "a participant cannot request a meeting with itself"))
        if priority not in PRIORITIES:
            problems.append(("priority", priority, f"choose one of {', '.join(PRIORITIES)}"))
        if state not in STATES:
            problems.append(("state", state, f"choose one of {', '.join(STATES)}"))
        if len(message) > MAX_MESSAGE:
            problems.append(("message", message[:20], f"at most {MAX_MESSAGE} characters"))
        elif (problem := text_problem(normalise_newlines(message), multiline=True, bidi=True)) is not None:
            problems.append(("message", printable(message[:40]), problem))
        return problems

    def import_requests(self, event_id: int, rows: Sequence[Mapping[str, Any]]) -> list[MeetingRequest]:
        """Requests from rows (:data:`REQUEST_COLUMNS`; priority defaults to want, state to pending): all or none."""
        data = self.event(event_id)
        active = {r.pair: r.id for r in store.list_requests(self.engine, event_id, store.ACTIVE_STATES)}
        errors: list[FieldError] = []
        new: list[NewRequest] = []
        seen: dict[frozenset[str], int] = {}
        unknown = sorted({str(k) for raw in rows for k in raw} - set(REQUEST_COLUMNS))
        if unknown:
            errors.append(FieldError(row=None, record_id=None, field="columns", value=", ".join(unknown),
                                     reason=f"unknown column(s); expected {', '.join(REQUEST_COLUMNS)}"))
        for row, raw in enumerate(rows, 1):
            a, b = _cell(raw, "from_id"), _cell(raw, "to_id")
            priority, state = _cell(raw, "priority").lower() or "want", _cell(raw, "state").lower() or "pending"
            message = _cell(raw, "message")
            where = f"{a} -> {b}"
            errors += [FieldError(row=row, record_id=where, field=field, value=value, reason=reason)
                       for field, value, reason in self._request_problems(data, a, b, priority, message, state)]
            expires_at = None
            if _cell(raw, "expires_at"):
                try:
                    expires_at = _aware(_cell(raw, "expires_at"))
                except ValueError as exc:
                    errors.append(FieldError(row=row, record_id=where, field="expires_at",
                                             value=_cell(raw, "expires_at"), reason=str(exc)))
            pair = frozenset((a, b))
            if state in store.ACTIVE_STATES:
                if pair in active:
                    errors.append(FieldError(row=row, record_id=where, field="to_id", value=b,
                                             reason=f"this pair already has an active request (id {active[pair]})"))
                elif pair in seen:
                    errors.append(FieldError(row=row, record_id=where, field="to_id", value=b,
                                             reason=f"duplicate pair (first on row {seen[pair]})"))
                else:
                    seen[pair] = row
            new.append(NewRequest(from_id=a, to_id=b, priority=priority, message=normalise_newlines(message),
                                  state=state, expires_at=expires_at,
                                  decided_by=None if state == "pending" else "organiser"))
        if errors:
            raise InvalidRowsError(errors)
        return store.add_requests(self.engine, event_id, new)

    def find_request(self, request_id: int) -> MeetingRequest | None:
        return store.get_request(self.engine, request_id)

    def get_request(self, request_id: int) -> MeetingRequest:
        found = store.get_request(self.engine, request_id)
        if found is None:
            raise RequestNotFoundError(f"no meeting request with id {request_id}")
        return found

    def requests(self, event_id: int, states: Iterable[str] = (), *, involving: str | None = None
                 ) -> list[MeetingRequest]:
        """The event's requests (in these states), or only those sent or received by ``involving``."""
        self.event(event_id)
        found = store.list_requests(self.engine, event_id, states)
        return found if involving is None else [r for r in found if involving in (r.from_id, r.to_id)]

    def recommendations(self, event_id: int, *, k: int = 5, of: str | None = None) -> list[Recommendation]:
        """:meth:`recommend`, or only the rows of participant ``of`` (mutual flags still use everyone's lists)."""
        found = self.recommend(event_id, k=k)
        return found if of is None else [r for r in found if r.participant == of]

    def accept(self, request_id: int, *, by: str | None = None, as_organiser: bool = False,
               now: datetime | None = None) -> MeetingRequest:
        """The addressee (``by``) or the organiser accepts a pending request."""
        return self._decide(request_id, "accepted", by=by, as_organiser=as_organiser, now=now)

    def decline(self, request_id: int, *, by: str | None = None, as_organiser: bool = False,
                now: datetime | None = None) -> MeetingRequest:
        """The addressee (``by``) or the organiser declines a pending request."""
        return self._decide(request_id, "declined", by=by, as_organiser=as_organiser, now=now)

    def cancel(self, request_id: int, *, by: str | None = None, as_organiser: bool = False) -> MeetingRequest:
        """The sender (``by``) or the organiser withdraws a pending or accepted request (its slot is freed)."""
        req = self.get_request(request_id)
        decider = self._actor(req, by, as_organiser, who=req.from_id, role="sender", verb="cancel")
        if req.state not in store.ACTIVE_STATES:
            raise TransitionError(f"request {request_id} is {req.state}; only a pending or accepted request "
                                  "can be cancelled")
        if not store.set_request_state(self.engine, request_id, from_states=store.ACTIVE_STATES, state="cancelled",
                                       decided_by=decider):
            raise TransitionError(f"request {request_id} changed meanwhile; reload it and try again")
        return self.get_request(request_id)

    @staticmethod
    def _actor(req: MeetingRequest, by: str | None, as_organiser: bool, *, who: str, role: str, verb: str) -> str:
        if as_organiser == (by is not None):
            raise ValueError(f"request {req.id}: say who acts: either a participant id or the organiser, not both")
        if as_organiser:
            return "organiser"
        if by != who:
            raise TransitionError(f"request {req.id}: only its {role} ({who}) or the organiser can {verb} it, "
                                  f"not {by}")
        return "participant"

    def _decide(self, request_id: int, state: str, *, by: str | None, as_organiser: bool,
                now: datetime | None) -> MeetingRequest:
        req = self.get_request(request_id)
        verb = "accept" if state == "accepted" else "decline"
        decider = self._actor(req, by, as_organiser, who=req.to_id, role="addressee", verb=verb)
        if req.state != "pending":
            raise TransitionError(f"request {request_id} is {req.state}; only a pending request can be "
                                  f"{state}")
        moment = now or datetime.now(UTC)
        if req.expires_at is not None and req.expires_at <= moment:
            store.expire_requests(self.engine, moment, req.event_id)
            raise TransitionError(f"request {request_id} expired at {req.expires_at.isoformat()}; it can no longer "
                                  f"be {state}")
        if not store.set_request_state(self.engine, request_id, from_states=("pending",), state=state,
                                       decided_by=decider):
            raise TransitionError(f"request {request_id} changed meanwhile; reload it and try again")
        return self.get_request(request_id)

    def expire(self, now: datetime, *, event_id: int | None = None) -> list[int]:
        """Pending requests whose deadline has passed become expired; returns their ids."""
        if now.tzinfo is None:
            raise ValueError("expire: field 'now': give a timezone-aware time")
        return store.expire_requests(self.engine, now, event_id)

    # --- recommendations -------------------------------------------------------------------------
    def recommend(self, event_id: int, *, k: int = 5) -> list[Recommendation]:
        """Each participant's top ``k`` partners among the event's participants, mutual matches first."""
        if not 1 <= k <= 100:
            raise ValueError(f"recommend: field 'k' = {k}: must be 1 to 100")
        ids = [p.profile_id for p in self.event(event_id).participants]
        # one batched call over the event's sub-catalogue; a profile that left the catalogue after the
        # event was created is simply absent from the result
        everyone = frozenset(ids)
        found = self.catalogue.suggest_many([pid for pid in ids if everyone - {pid}], k=k,
                                            constraints=Constraints(only_ids=everyone), allow_same_country=True)
        tops = {pid: [(s.id, s.name, s.score, s.reason) for s in lst.suggestions] for pid, lst in found.items()}
        listed = {pid: {t[0] for t in top} for pid, top in tops.items()}
        out = []
        for pid in ids:
            rows = [Recommendation(participant=pid, partner=b, partner_name=name, score=score, reason=reason,
                                   mutual=pid in listed.get(b, set()))
                    for b, name, score, reason in tops.get(pid, [])]
            out.extend(sorted(rows, key=lambda r: (not r.mutual, -r.score, r.partner)))
        return out

    def prefill(self, event_id: int, *, k: int = 5, priority: str = "want", mutual_only: bool = False,
                expires_at: datetime | None = None) -> list[MeetingRequest]:
        """Pending requests from the recommendations (one per pair), skipping pairs that have any request."""
        if priority not in PRIORITIES:
            raise ValueError(f"prefill: field 'priority' = {priority!r}: choose one of {', '.join(PRIORITIES)}")
        taken = store.requested_pairs(self.engine, event_id)
        new = []
        for rec in self.recommend(event_id, k=k):
            pair = frozenset((rec.participant, rec.partner))
            if pair in taken or (mutual_only and not rec.mutual):
                continue
            taken.add(pair)
            new.append(NewRequest(from_id=rec.participant, to_id=rec.partner, priority=priority,
                                  message="Suggested by the organiser", expires_at=expires_at, score=rec.score,
                                  reason=rec.reason))
        return store.add_requests(self.engine, event_id, new) if new else []

    def _matches(self, wanted: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], tuple[float, str]]:
        """Score and reason of (viewer, partner) pairs, as the viewer's suggestions see them."""
        only = {viewer: frozenset(partners) - {viewer} for viewer, partners in wanted.items()}
        only = {viewer: ids for viewer, ids in only.items() if ids}
        found = self.catalogue.suggest_many(list(only), k={v: min(len(ids), 100) for v, ids in only.items()},
                                            constraints={v: Constraints(only_ids=ids) for v, ids in only.items()},
                                            allow_same_country=True)
        return {(viewer, s.id): (s.score, s.reason) for viewer, lst in found.items() for s in lst.suggestions}

    # --- scheduling ------------------------------------------------------------------------------
    def schedule(self, event_id: int, *, fairness: int | None = 2, time_limit: float = 60.0,
                 workers: int = 2) -> ScheduleSummary:
        """Slot and table for every accepted request that fits; the stored schedule is replaced atomically.

        Musts go before wants. A participant's ``max_meetings`` is applied first: beyond it, the
        lowest-priority (then lowest-score) requests are left out with that reason."""
        data = self.event(event_id)
        accepted = store.list_requests(self.engine, event_id, ("accepted",))
        index = {p.profile_id: i for i, p in enumerate(data.participants)}
        accepted = [r for r in accepted if r.from_id in index and r.to_id in index]
        unscored: dict[str, set[str]] = defaultdict(set)
        for r in accepted:
            if r.score is None:
                unscored[r.from_id].add(r.to_id)
        known = self._matches(unscored)

        def weight(r: MeetingRequest) -> float:
            score = r.score if r.score is not None else known.get((r.from_id, r.to_id), (DEFAULT_WEIGHT, ""))[0]
            return min(max(score, 0.0), 1.0)

        cap = {p.profile_id: p.max_meetings for p in data.participants}
        count: Counter[str] = Counter()
        kept: list[MeetingRequest] = []
        left: list[LeftOut] = []
        for r in sorted(accepted, key=lambda r: (r.priority != "must", -weight(r), r.id)):
            full = [x for x in (r.from_id, r.to_id) if cap[x] is not None and count[x] >= (cap[x] or 0)]
            if full:
                left.append(LeftOut(request_id=r.id, from_id=r.from_id, to_id=r.to_id, priority=r.priority,
                                    reason=f"{full[0]} already has its maximum of {cap[full[0]]} meeting(s) "
                                           "(max_meetings) with higher-priority or better-matched requests"))
                continue
            kept.append(r)
            count.update((r.from_id, r.to_id))
        kept.sort(key=lambda r: r.id)
        instance = self._instance(data, [(index[r.from_id], index[r.to_id], r.priority, weight(r)) for r in kept])
        ids = [p.profile_id for p in data.participants]
        result = solve(instance, fairness=fairness, time_limit=time_limit, workers=workers, allow_partial=True)
        assignments: list[Assignment] = []
        for i, r in enumerate(kept):
            slot = result.slots[i] if i < len(result.slots) else None
            table = result.tables[i] if i < len(result.tables) else None
            if slot is None or table is None:
                reason = _humanise(result.left_out.get(i) or result.infeasible_reason
                                   or f"not scheduled (solver status {result.status})", ids, [x.id for x in kept])
                left.append(LeftOut(request_id=r.id, from_id=r.from_id, to_id=r.to_id, priority=r.priority,
                                    reason=reason))
            else:
                assignments.append(Assignment(request_id=r.id, slot=slot, table=data.tables[table].number))
        stored = bool(assignments) or not kept
        if stored:
            store.replace_assignments(self.engine, event_id, assignments)
        held_ids = {a.request_id for a in assignments}
        return ScheduleSummary(
            event_id=event_id, status=result.status, stored=stored, breaks=result.breaks, bound=result.bound,
            seconds=result.seconds, requested=len(accepted), held=len(assignments),
            must_requested=sum(r.priority == "must" for r in accepted),
            must_held=sum(r.priority == "must" and r.id in held_ids for r in accepted),
            left_out=tuple(sorted(left, key=lambda x: (x.priority != "must", x.request_id))),
            infeasible_reason=result.infeasible_reason)

    @staticmethod
    def _instance(data: EventData, meetings: Sequence[tuple[int, int, str, float]]) -> Instance:
        table_index = {t.number: i for i, t in enumerate(data.tables)}
        n_morning = 0
        for s in data.slots:  # the first session of the first day; later slots count as afternoon
            if s.session != "morning":
                break
            n_morning += 1
        return Instance(
            n_participants=len(data.participants), n_slots=len(data.slots), n_morning=n_morning,
            n_tables=len(data.tables),
            meetings=tuple(Meeting(a=a, b=b, priority=2 if prio == "must" else 1, weight=round(w, 4))
                           for a, b, prio, w in meetings),
            forbidden=tuple(p.forbidden for p in data.participants),
            stands=tuple(table_index.get(p.stand) if p.stand is not None else None for p in data.participants))

    def assignments(self, event_id: int) -> list[Assignment]:
        self.event(event_id)
        return store.load_assignments(self.engine, event_id)

    # --- agendas and the grid --------------------------------------------------------------------
    def _held(self, event_id: int) -> list[tuple[Assignment, MeetingRequest]]:
        requests = {r.id: r for r in store.list_requests(self.engine, event_id, ("accepted",))}
        return [(a, requests[a.request_id]) for a in store.load_assignments(self.engine, event_id)
                if a.request_id in requests]

    def agenda(self, event_id: int, profile_id: str) -> list[AgendaItem]:
        """One participant's scheduled meetings in time order, with the match reason from its own side."""
        data = self.event(event_id)
        if profile_id not in {p.profile_id for p in data.participants}:
            raise EventNotFoundError(f"{profile_id!r} is not a participant of event {event_id}")
        return self._agendas(data, [profile_id])[profile_id]

    def _agendas(self, data: EventData, who: Sequence[str]) -> dict[str, list[AgendaItem]]:
        zone = _zone(data.event.timezone)
        slots = {s.index: s for s in data.slots}
        tables = {t.number: t for t in data.tables}
        held = self._held(data.event.id)
        mine: dict[str, list[tuple[Assignment, MeetingRequest, str]]] = {p: [] for p in who}
        for a, r in held:
            for me, other in ((r.from_id, r.to_id), (r.to_id, r.from_id)):
                if me in mine:
                    mine[me].append((a, r, other))
        reasons = self._matches({p: {o for _, _, o in items} for p, items in mine.items()})
        out: dict[str, list[AgendaItem]] = {}
        for me, items in mine.items():
            agenda = []
            for a, r, other in sorted(items, key=lambda x: x[0].slot):
                slot = slots[a.slot]
                try:
                    partner = self.catalogue.profile(other)
                    name, country = partner.name, partner.country
                except UnknownProfileError:
                    name, country = other, ""
                reason = reasons.get((me, other), (0.0, r.reason))[1]
                agenda.append(AgendaItem(
                    slot=a.slot + 1, start=slot.start, end=slot.end, local_start=_local(slot.start, zone),
                    local_end=_local(slot.end, zone), table=a.table,
                    table_name=tables[a.table].name if a.table in tables else f"Table {a.table}",
                    partner_id=other, partner_name=name, partner_country=country, priority=r.priority,
                    request_id=r.id, reason=reason, message=r.message))
            out[me] = agenda
        return out

    def ics(self, event_id: int, profile_id: str, *, now: datetime | None = None) -> bytes:
        """One participant's agenda as an RFC 5545 calendar (CRLF, folded, UTC times)."""
        data = self.event(event_id)
        return calendar(data, profile_id, self._name(profile_id), self.agenda(event_id, profile_id),
                        now=now or datetime.now(UTC))

    def grid(self, event_id: int) -> list[dict[str, str]]:
        """The slot × table grid: one row per slot; a cell names the two participants meeting there."""
        data = self.event(event_id)
        zone = _zone(data.event.timezone)
        cells = {(a.slot, a.table): f"{self._name(r.from_id)} × {self._name(r.to_id)}"
                 for a, r in self._held(event_id)}
        return [{"slot": str(s.index + 1), "start": _local(s.start, zone), "end": _local(s.end, zone)[-5:],
                 "session": s.session, **{t.name: cells.get((s.index, t.number), "") for t in data.tables}}
                for s in data.slots]

    def summary_rows(self, event_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Per participant (meetings requested, held, breaks) and per slot (tables used)."""
        data = self.event(event_id)
        zone = _zone(data.event.timezone)
        index = {p.profile_id: i for i, p in enumerate(data.participants)}
        accepted = store.list_requests(self.engine, event_id, ("accepted",))
        held = [(a, r) for a, r in self._held(event_id) if r.from_id in index and r.to_id in index]
        instance = self._instance(data, [(index[r.from_id], index[r.to_id], r.priority, 1.0) for _, r in held])
        breaks = breaks_per_participant(instance, [a.slot for a, _ in held])
        per = []
        for i, p in enumerate(data.participants):
            mine = [r for r in accepted if p.profile_id in (r.from_id, r.to_id)]
            got = [r for _, r in held if p.profile_id in (r.from_id, r.to_id)]
            per.append({"profile_id": p.profile_id, "name": self._name(p.profile_id),
                        "requested": len(mine), "held": len(got),
                        "must_requested": sum(r.priority == "must" for r in mine),
                        "must_held": sum(r.priority == "must" for r in got),
                        "breaks": breaks[i], "max_meetings": p.max_meetings if p.max_meetings is not None else ""})
        used = Counter(a.slot for a, _ in held)
        tables = len(data.tables)
        per_slot = [{"slot": s.index + 1, "start": _local(s.start, zone), "session": s.session,
                     "tables_used": used[s.index], "tables": tables,
                     "use": round(used[s.index] / tables, 3) if tables else 0.0} for s in data.slots]
        return per, per_slot

    def export(self, event_id: int, out: Path, *, now: datetime | None = None) -> list[Path]:
        """Write per-participant agendas (CSV and .ics) and the organiser's grid and summary into ``out``.

        All or nothing: the files are built in a temporary folder beside ``out``, then renamed into place, so a
        failure half-way leaves no partial export (and a previous export in ``out`` whole). ``out`` must be new,
        empty or a previous export; a folder holding anything else is refused, never overwritten."""
        data = self.event(event_id)
        _check_export_folder(out)
        stamp = now or datetime.now(UTC)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        try:
            (tmp / "agendas").mkdir()
            written: list[Path] = []
            agendas = self._agendas(data, [p.profile_id for p in data.participants])
            used_names: set[str] = set()
            for pid, agenda in agendas.items():
                stem = _file_stem(pid, used_names)
                path = Path("agendas") / f"{stem}.csv"
                write_csv(tmp / path, AGENDA_COLUMNS, [{k: item.to_dict()[k] for k in AGENDA_COLUMNS}
                                                       for item in agenda])
                ics = Path("agendas") / f"{stem}.ics"
                (tmp / ics).write_bytes(calendar(data, pid, self._name(pid), agenda, now=stamp))
                written += [path, ics]
            grid = self.grid(event_id)
            columns = ["slot", "start", "end", "session", *(t.name for t in data.tables)]
            per, per_slot = self.summary_rows(event_id)
            per_columns = list(per[0]) if per else ["profile_id"]
            slot_columns = list(per_slot[0]) if per_slot else ["slot"]
            write_csv(tmp / "grid.csv", columns, grid)
            write_csv(tmp / "summary.csv", per_columns, per)
            write_csv(tmp / "table_use.csv", slot_columns, per_slot)
            write_xlsx(tmp / "grid.xlsx", {"grid": (columns, grid), "participants": (per_columns, per),
                                           "table use": (slot_columns, per_slot)})
            written += [Path(n) for n in ("grid.csv", "grid.xlsx", "summary.csv", "table_use.csv")]
            _publish(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return [out / p for p in written]


EXPORT_ENTRIES = frozenset({"agendas", "grid.csv", "grid.xlsx", "summary.csv", "table_use.csv"})


def _check_export_folder(out: Path) -> None:
    """``out`` may be replaced only if it is absent, empty or holds nothing but a previous export."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ValueError(f"export: {out} is a file, not a folder")
    foreign = sorted(p.name for p in out.iterdir() if p.name not in EXPORT_ENTRIES)
    agendas = out / "agendas"
    if agendas.is_dir():
        foreign += sorted(f"agendas/{p.name}" for p in agendas.iterdir() if p.suffix not in (".csv", ".ics"))
    if foreign:
        raise ValueError(f"export: {out} is not a ccimatch export (it holds {', '.join(foreign[:3])}); "
                         "choose a new or empty folder")


def _publish(tmp: Path, out: Path) -> None:
    """Move the finished export ``tmp`` to ``out``: one rename, after moving a previous export aside."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.replace(out, old / out.name)
    try:
        os.replace(tmp, out)
    except OSError:
        if old is not None:
            os.replace(old / out.name, out)  # put the previous export back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _humanise(reason: str, ids: Sequence[str], request_ids: Sequence[int]) -> str:
    """The solver's reason (numbers from 1) with participants and meetings named by profile id and request id;
    slot numbers stay as they are (the event's slots are numbered from 1 too)."""
    def participants(m: re.Match[str]) -> str:
        return m.group(1) + " " + " and ".join(repr(ids[int(i) - 1]) for i in re.findall(r"\d+", m.group(2)))

    def meetings(m: re.Match[str]) -> str:
        return "requests [" + ", ".join(str(request_ids[int(i) - 1]) for i in re.findall(r"\d+", m.group(1))) + "]"

    reason = re.sub(r"\b(participants?) (\d+(?: and \d+)?)", participants, reason)
    reason = re.sub(r"\bmeetings \[([\d, ]*)\]", meetings, reason)
    return re.sub(r"\bmeeting (\d+)", lambda m: f"request {request_ids[int(m.group(1)) - 1]}", reason)


AGENDA_COLUMNS: tuple[str, ...] = ("slot", "local_start", "local_end", "table", "partner_id", "partner_name",
                                   "partner_country", "priority", "reason", "message", "request_id")


def _file_stem(profile_id: str, used: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_id).lstrip(".") or "participant"
    base, n = stem, 2
    while stem.lower() in used:
        stem, n = f"{base}-{n}", n + 1
    used.add(stem.lower())
    return stem


# --- iCalendar (RFC 5545), through the icalendar library ---------------------------------------------
def calendar(data: EventData, profile_id: str, name: str, agenda: Sequence[AgendaItem], *, now: datetime) -> bytes:
    """VCALENDAR with one VEVENT per meeting: escaping, folding at 75 octets and CRLF by the icalendar library;
    stored text passes :func:`matcher.text.printable` first (RFC 5545 forbids control characters in TEXT)."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    ev = data.event
    cal = Calendar()
    for key, value in (("prodid", "-//ccimatch//B2B meetings//EN"), ("version", "2.0"), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH"), ("x-wr-calname", printable(f"{ev.name} – {name}", multiline=False))):
        cal.add(key, value)
    for item in agenda:
        location = f"{item.table_name}, {ev.venue}" if ev.venue else item.table_name
        description = f"{ev.name}: B2B meeting with {item.partner_name} ({item.partner_country or '?'}), " \
                      f"{item.priority} meeting.\nWhy: {item.reason or 'requested by a participant'}"
        if item.message:
            description += f"\nMessage: {item.message}"
        meeting = VEvent()
        meeting.add("uid", f"ccimatch-event-{ev.id}-request-{item.request_id}-{profile_id}@ccimatch")
        meeting.add("dtstamp", now.astimezone(UTC))
        meeting.add("dtstart", item.start.astimezone(UTC))
        meeting.add("dtend", item.end.astimezone(UTC))
        meeting.add("summary", printable(f"Meeting with {item.partner_name}", multiline=False))
        meeting.add("location", printable(location, multiline=False))
        meeting.add("description", printable(description))
        meeting.add("transp", "OPAQUE")
        cal.add_component(meeting)
    return cal.to_ical()
