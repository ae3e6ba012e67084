"""Meeting outcomes after an event: each participant says, per meeting held, what came of it (no-show, not
relevant, useful, follow-up, agreement, and a short note), once the meeting's slot has started; the organiser
reads the figures (:class:`matcher.outcomes.OutcomeSummary`). A participant's meetings are its scheduled ones
(:func:`service.events.held`); another participant's meeting looks like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from matcher.events import Assignment, MeetingRequest, RequestNotFoundError, zone
from matcher.outcomes import HeldMeeting, MeetingOutcome, OutcomeSummary, check_outcome, check_started, summarise
from service.events.agendas import held
from service.events.plan import EventService, event, local
from storage import outcomes as store


@dataclass(frozen=True, kw_only=True)
class Meeting:
    """A scheduled meeting with what was recorded of it (by participant)."""

    request_id: int
    slot: int  # 1-based
    start: datetime  # aware, UTC
    end: datetime
    local_start: str  # at the venue, e.g. "2026-12-01 09:00"
    table: int
    from_id: str
    to_id: str
    started: bool  # whether its outcome may be recorded
    outcomes: dict[str, MeetingOutcome]  # participant -> what it recorded

    def partner(self, me: str) -> str:
        return self.to_id if self.from_id == me else self.from_id

    def to_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "slot": self.slot, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "local_start": self.local_start, "table": self.table,
                "from_id": self.from_id, "to_id": self.to_id,
                "started": self.started, "outcomes": [o.to_dict() for o in self.outcomes.values()]}


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def meetings(svc: EventService, event_id: int, *, of: str | None = None, now: datetime | None = None
             ) -> list[Meeting]:
    """The event's scheduled meetings in time order with their outcomes; with ``of``, only that participant's
    meetings and what it recorded itself."""
    data = event(svc, event_id)
    tz = zone(data.event.timezone)
    moment = _now(now)
    recorded = store.by_meeting(store.list_outcomes(svc.engine, event_id, profile_id=of))
    out = []
    for a, r in sorted(held(svc, event_id), key=lambda x: (x[0].slot, x[0].table)):
        if of is not None and of not in (r.from_id, r.to_id):
            continue
        start = data.slots[a.slot].start
        out.append(Meeting(request_id=r.id, slot=a.slot + 1, start=start, end=data.slots[a.slot].end,
                           local_start=local(start, tz), table=a.table,
                           from_id=r.from_id, to_id=r.to_id, started=start <= moment,
                           outcomes=recorded.get(r.id, {})))
    return out


def _meeting(svc: EventService, event_id: int, request_id: int, by: str) -> tuple[Assignment, MeetingRequest]:
    for a, r in held(svc, event_id):
        if r.id == request_id and by in (r.from_id, r.to_id):
            return a, r
    raise RequestNotFoundError(f"no scheduled meeting {request_id} of {by} in event {event_id}")


def record_outcome(svc: EventService, event_id: int, request_id: int, *, by: str, outcome: str, note: str = "",
                   now: datetime | None = None) -> MeetingOutcome:
    """``by`` (one side of the meeting) records what came of it, replacing what it recorded before. Refused:
    a meeting that is not ``by``'s or not scheduled (not found), an unknown outcome or a bad note (naming the
    valid values), a meeting whose slot has not started (a conflict, saying when it starts)."""
    data = event(svc, event_id)
    a, _r = _meeting(svc, event_id, request_id, by)
    code, text = check_outcome(outcome, note)
    moment = _now(now)
    start = data.slots[a.slot].start
    check_started(request_id, start, moment, shown_start=f"{local(start, zone(data.event.timezone))} "
                                                         f"({data.event.timezone})")
    return store.record(svc.engine, MeetingOutcome(event_id=event_id, request_id=request_id, profile_id=by,
                                                   outcome=code, note=text, recorded_at=moment))


def outcome_summary(svc: EventService, event_id: int, *, now: datetime | None = None) -> OutcomeSummary:
    """The organiser's figures: of the scheduled meetings whose slot has started, the share that led to a
    follow-up or an agreement, overall, by sector (of either side) and by pair of countries, and the counts per
    outcome."""
    data = event(svc, event_id)
    moment = _now(now)
    scheduled = held(svc, event_id)
    recorded = store.by_meeting(store.list_outcomes(svc.engine, event_id))
    profiles = {pid: svc.catalogue.find(pid) for pid in {x for _, r in scheduled for x in (r.from_id, r.to_id)}}
    found: list[HeldMeeting] = []
    for a, r in scheduled:
        if data.slots[a.slot].start > moment:
            continue
        sides = [profiles[r.from_id], profiles[r.to_id]]
        countries = sorted(p.country if p is not None else "" for p in sides)
        found.append(HeldMeeting(request_id=r.id, countries=(countries[0], countries[1]),
                                 sectors=frozenset(s for p in sides if p is not None for s in p.sectors),
                                 outcomes=tuple(o.outcome for o in recorded.get(r.id, {}).values())))
    return summarise(event_id, found, scheduled=len(scheduled))
