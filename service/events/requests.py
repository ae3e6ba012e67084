"""Meeting requests: sent one by one or imported from a file, answered, withdrawn, expired. The moves and
who may make them are :func:`matcher.events.decide`; the store applies them compare-and-set, so two
answers at once cannot both win."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from matcher.errors import InvalidRequestError
from matcher.event_rows import request_problems, request_rows
from matcher.events import (
    ACTIVE_STATES,
    MeetingRequest,
    NewRequest,
    RequestExpiredError,
    RequestNotFoundError,
    TransitionError,
    decide,
    visible_to,
)
from matcher.text import normalise_newlines
from service.events.plan import EventService, event
from storage import events as store


def request(svc: EventService, event_id: int, from_id: str, to_id: str, *, priority: str = "want",
            message: str = "", expires_at: datetime | None = None) -> MeetingRequest:
    """A pending meeting request from one participant to another."""
    problems = [f"field {field!r} = {value!r}: {reason}" for field, value, reason
                in request_problems(event(svc, event_id), from_id, to_id, priority, message, "pending")]
    if expires_at is not None and expires_at.tzinfo is None:
        problems.append("field 'expires_at': give a timezone-aware deadline")
    if problems:
        raise InvalidRequestError(f"request {from_id} -> {to_id}: " + "; ".join(problems))
    return store.add_requests(svc.engine, event_id, [NewRequest(
        from_id=from_id, to_id=to_id, priority=priority, message=normalise_newlines(message.strip()),
        expires_at=expires_at)])[0]


def import_requests(svc: EventService, event_id: int, rows: Sequence[Mapping[str, Any]]) -> list[MeetingRequest]:
    """Requests from rows (:data:`matcher.event_rows.REQUEST_COLUMNS`; priority defaults to want, state to
    pending): all or none."""
    data = event(svc, event_id)
    active = {r.pair: r.id for r in store.list_requests(svc.engine, event_id, ACTIVE_STATES)}
    return store.add_requests(svc.engine, event_id, request_rows(data, rows, active))


def find_request(svc: EventService, event_id: int, request_id: int, *, participant: str | None = None
                 ) -> MeetingRequest:
    """The request, if it belongs to this event and the caller may see it (``participant``: a participant's
    own requests only); otherwise the same :class:`RequestNotFoundError` as for an id that does not exist."""
    found = store.get_request(svc.engine, request_id)
    if found is None or found.event_id != event_id or not visible_to(found, participant):
        raise RequestNotFoundError(f"no meeting request with id {request_id} in event {event_id}")
    return found


def get_request(svc: EventService, request_id: int) -> MeetingRequest:
    found = store.get_request(svc.engine, request_id)
    if found is None:
        raise RequestNotFoundError(f"no meeting request with id {request_id}")
    return found


def list_requests(svc: EventService, event_id: int, states: Iterable[str] = (), *, involving: str | None = None
                  ) -> list[MeetingRequest]:
    """The event's requests (in these states), or only those sent or received by ``involving``."""
    event(svc, event_id)
    return [r for r in store.list_requests(svc.engine, event_id, states) if visible_to(r, involving)]


def act(svc: EventService, request_id: int, action: str, *, by: str | None = None, as_organiser: bool = False,
        now: datetime | None = None) -> MeetingRequest:
    """Apply ``action`` (accept, decline, cancel) to a request, by the participant ``by`` or the organiser."""
    req = get_request(svc, request_id)
    moment = now or datetime.now(UTC)
    try:
        move = decide(req, action, by=by, as_organiser=as_organiser, now=moment)
    except RequestExpiredError:
        store.expire_requests(svc.engine, moment, req.event_id)
        raise
    if not store.set_request_state(svc.engine, request_id, from_states=move.from_states, state=move.state,
                                   decided_by=move.decided_by):
        raise TransitionError(f"request {request_id} changed meanwhile; reload it and try again")
    return get_request(svc, request_id)


def accept(svc: EventService, request_id: int, *, by: str | None = None, as_organiser: bool = False,
           now: datetime | None = None) -> MeetingRequest:
    """The addressee (``by``) or the organiser accepts a pending request."""
    return act(svc, request_id, "accept", by=by, as_organiser=as_organiser, now=now)


def decline(svc: EventService, request_id: int, *, by: str | None = None, as_organiser: bool = False,
            now: datetime | None = None) -> MeetingRequest:
    """The addressee (``by``) or the organiser declines a pending request."""
    return act(svc, request_id, "decline", by=by, as_organiser=as_organiser, now=now)


def cancel(svc: EventService, request_id: int, *, by: str | None = None, as_organiser: bool = False
           ) -> MeetingRequest:
    """The sender (``by``) or the organiser withdraws a pending or accepted request (its slot is freed)."""
    return act(svc, request_id, "cancel", by=by, as_organiser=as_organiser)


def expire(svc: EventService, now: datetime, *, event_id: int | None = None) -> list[int]:
    """Pending requests whose deadline has passed become expired; returns their ids."""
    if now.tzinfo is None:
        raise InvalidRequestError("expire: field 'now': give a timezone-aware time")
    return store.expire_requests(svc.engine, now, event_id)
