"""What came of an event's meetings: each side records an outcome per scheduled meeting once its slot has started
(a participant key for itself, and only for its own meetings: another's looks like none); the organiser reads
every meeting's outcomes and the figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from matcher.errors import InvalidValueError
from matcher.messages import Message
from service import events
from service.http.deps import AttendeeDep, EventId, EventsDep, OrganiserDep, RequestId, own
from service.http.event_schemas import MeetingOut, OutcomeIn, OutcomeOut, OutcomeSummaryOut

router = APIRouter(prefix="/events", tags=["events"])


@router.get("/{event_id}/outcomes", response_model=list[MeetingOut])
def meetings(event_id: EventId, svc: EventsDep, key: AttendeeDep) -> list[dict[str, Any]]:
    """The scheduled meetings in time order with the outcomes recorded (a participant key: its own meetings and
    what it recorded)."""
    return [m.to_dict() for m in events.meetings(svc, event_id, of=own(key, None, "meetings"))]


@router.put("/{event_id}/requests/{request_id}/outcome", response_model=OutcomeOut)
def record(event_id: EventId, request_id: RequestId, body: OutcomeIn, svc: EventsDep,
           key: AttendeeDep) -> dict[str, Any]:
    """Record (or change) what came of a scheduled meeting, once its slot has started (409 before): one of
    no_show, not_relevant, useful, follow_up, agreement, with an optional note."""
    by = own(key, body.by, "meetings") or body.by
    if by is None:
        raise InvalidValueError("by", "", Message.of("required_missing"))
    return events.record_outcome(svc, event_id, request_id, by=by, outcome=body.outcome, note=body.note).to_dict()


@router.get("/{event_id}/outcomes/summary", response_model=OutcomeSummaryOut)
def summary(event_id: EventId, svc: EventsDep, key: OrganiserDep) -> dict[str, Any]:
    """The share of held meetings that led to a follow-up or an agreement, overall, by sector and by pair of
    countries, and the counts per outcome."""
    return events.outcome_summary(svc, event_id).to_dict()
