"""Meeting requests of an event: list, send, import, accept, decline, cancel. A participant key sends from
its own profile, answers or withdraws its own requests, and sees only its own; another participant's
request looks exactly like one that does not exist (404)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, HTTPException, Query, UploadFile

from matcher.access import KeyInfo
from matcher.events import as_dict
from service import events
from service.http.deps import AttendeeDep, EventId, EventsDep, OrganiserDep, RequestId, own, upload_records
from service.http.event_schemas import DecisionIn, RequestIn, RequestOut

router = APIRouter(prefix="/events", tags=["events"])
State = Literal["pending", "accepted", "declined", "cancelled", "expired"]


@router.get("/{event_id}/requests", response_model=list[RequestOut])
def list_requests(event_id: EventId, svc: EventsDep, key: AttendeeDep,
                  state: Annotated[State | None, Query()] = None) -> list[dict[str, Any]]:
    return [as_dict(r) for r in events.list_requests(svc, event_id, (state,) if state else (),
                                                     involving=own(key, None, "requests"))]


@router.post("/{event_id}/requests", status_code=201, response_model=RequestOut)
def add_request(event_id: EventId, body: RequestIn, svc: EventsDep, key: AttendeeDep) -> dict[str, Any]:
    """A meeting request; a participant key sends from its own profile only."""
    own(key, body.from_id, "requests")
    return as_dict(events.request(svc, event_id, body.from_id, body.to_id, priority=body.priority,
                                  message=body.message, expires_at=body.expires_at))


@router.post("/{event_id}/requests/import", status_code=201, response_model=list[RequestOut])
def import_requests(event_id: EventId, svc: EventsDep, key: OrganiserDep,
                    file: Annotated[UploadFile, File()]) -> list[dict[str, Any]]:
    """A CSV or Excel file with from_id, to_id, priority, message and (optional) state: all or nothing."""
    return [as_dict(r) for r in events.import_requests(svc, event_id, upload_records(file))]


def _act(action: str, event_id: int, request_id: int, body: DecisionIn, svc: events.EventService,
         key: KeyInfo) -> dict[str, Any]:
    participant = own(key, None, "requests")
    if participant is not None:
        if body.as_organiser:
            raise HTTPException(403, "a participant key cannot act as the organiser")
        body = DecisionIn(by=own(key, body.by, "requests"))
    events.find_request(svc, event_id, request_id, participant=participant)
    return as_dict(events.act(svc, request_id, action, by=body.by, as_organiser=body.as_organiser))


@router.post("/{event_id}/requests/{request_id}/accept", response_model=RequestOut)
def accept(event_id: EventId, request_id: RequestId, body: DecisionIn, svc: EventsDep,
           key: AttendeeDep) -> dict[str, Any]:
    """The addressee (``by``) or the organiser accepts a pending request."""
    return _act("accept", event_id, request_id, body, svc, key)


@router.post("/{event_id}/requests/{request_id}/decline", response_model=RequestOut)
def decline(event_id: EventId, request_id: RequestId, body: DecisionIn, svc: EventsDep,
            key: AttendeeDep) -> dict[str, Any]:
    """The addressee (``by``) or the organiser declines a pending request."""
    return _act("decline", event_id, request_id, body, svc, key)


@router.post("/{event_id}/requests/{request_id}/cancel", response_model=RequestOut)
def cancel(event_id: EventId, request_id: RequestId, body: DecisionIn, svc: EventsDep,
           key: AttendeeDep) -> dict[str, Any]:
    """The sender (``by``) or the organiser withdraws a pending or accepted request."""
    return _act("cancel", event_id, request_id, body, svc, key)
