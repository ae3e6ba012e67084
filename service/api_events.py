"""HTTP routes for B2B meeting events; include with ``app.include_router(router)``.

Access: an **organiser** key (or admin) runs events — all of them, or only the one its key names; a
**participant** key is bound to one event and one profile: it reads the event, sends requests from its own
profile, answers or withdraws its own requests, and sees only its own requests, recommendations and agenda.
Other roles (reader, editor) have no access to events, also in demo mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastPath
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from service.api import caller, get_catalogue, upload_records
from service.catalogue import Catalogue
from service.events import (
    DuplicateRequestError,
    EventNotFoundError,
    EventService,
    InvalidRowsError,
    RequestNotFoundError,
    SlotPlan,
    TransitionError,
)
from storage.events import MeetingRequest, as_dict
from storage.keys import KeyInfo, allows

EventId = Annotated[int, FastPath(ge=1, le=2**31 - 1)]
RequestId = Annotated[int, FastPath(ge=1, le=2**31 - 1)]

router = APIRouter(prefix="/events", tags=["events"])

ProfileId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


# --- access and errors ----------------------------------------------------------------------------
def service(request: Request, catalogue: Annotated[Catalogue, Depends(get_catalogue)]) -> EventService:
    """One service per app (created on first use)."""
    svc: EventService | None = getattr(request.app.state, "event_service", None)
    if svc is None or svc.catalogue is not catalogue:
        svc = EventService(catalogue)
        request.app.state.event_service = svc
    return svc


def _key(info: KeyInfo | None) -> KeyInfo:
    if info is None:
        raise HTTPException(401, "this endpoint needs an organiser or participant API key (header X-API-Key)")
    return info


def organiser_key(info: Annotated[KeyInfo | None, Depends(caller)]) -> KeyInfo:
    """An organiser key not bound to one event (creating events)."""
    key = _key(info)
    if not allows(key.role, "organiser"):
        raise HTTPException(403, f"this endpoint needs the organiser role; your key has the {key.role} role")
    if key.event_id is not None:
        raise HTTPException(403, f"your organiser key is bound to event {key.event_id}; it cannot create events")
    return key


def organiser(event_id: EventId, info: Annotated[KeyInfo | None, Depends(caller)]) -> KeyInfo:
    """An organiser key for this event."""
    key = _key(info)
    if not allows(key.role, "organiser"):
        raise HTTPException(403, f"this endpoint needs the organiser role; your key has the {key.role} role")
    _same_event(key, event_id)
    return key


def attendee(event_id: EventId, info: Annotated[KeyInfo | None, Depends(caller)]) -> KeyInfo:
    """An organiser key for this event, or the key of one of its participants."""
    key = _key(info)
    if not (allows(key.role, "organiser") or key.role == "participant"):
        raise HTTPException(403, f"events need an organiser or participant key; your key has the {key.role} role")
    _same_event(key, event_id)
    return key


def _same_event(key: KeyInfo, event_id: int) -> None:
    if key.event_id is not None and key.event_id != event_id:
        raise HTTPException(403, f"your key is bound to event {key.event_id}, not event {event_id}")


def own(key: KeyInfo, profile_id: str | None, what: str) -> str | None:
    """The participant a participant key speaks for (403 if it asks about someone else); None for organisers."""
    if key.role != "participant":
        return None
    if profile_id is not None and profile_id != key.profile_id:
        raise HTTPException(403, f"a participant key sees and acts on its own {what} only ({key.profile_id}), "
                                 f"not {profile_id}'s")
    return key.profile_id


ServiceDep = Annotated[EventService, Depends(service)]
CreatorDep = Annotated[KeyInfo, Depends(organiser_key)]
OrganiserDep = Annotated[KeyInfo, Depends(organiser)]
AttendeeDep = Annotated[KeyInfo, Depends(attendee)]


@contextmanager
def _errors() -> Iterator[None]:
    """Unknown ids 404, conflicts 409, bad values 422 (naming the field and why)."""
    try:
        yield
    except (EventNotFoundError, RequestNotFoundError) as exc:
        raise HTTPException(404, str(exc)) from None
    except (DuplicateRequestError, TransitionError) as exc:
        raise HTTPException(409, str(exc)) from None
    except InvalidRowsError:
        raise  # the app's handler lists the rows (bounded)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["body"], "type": "value_error", "msg": str(exc)}]) from None


# --- models ---------------------------------------------------------------------------------------
class ParticipantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: ProfileId
    forbidden_slots: Annotated[list[Annotated[int, Field(ge=1, le=10_000)]], Field(max_length=1000)] = Field(
        default_factory=list, description="1-based slot numbers the participant cannot attend")
    max_meetings: Annotated[int, Field(ge=0, le=1000)] | None = None
    stand: Annotated[int, Field(ge=1, le=1000)] | None = Field(default=None, description="table number it hosts at")


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    venue: Annotated[str, StringConstraints(max_length=300)] = ""
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "Africa/Tunis"
    days: Annotated[list[date], Field(min_length=1, max_length=31)]
    morning_start: time | None = time(9, 0)
    morning_end: time | None = time(12, 30)
    afternoon_start: time | None = time(14, 0)
    afternoon_end: time | None = time(17, 30)
    slot_minutes: Annotated[int, Field(ge=5, le=480)] = 30
    break_minutes: Annotated[int, Field(ge=0, le=240)] = 0
    tables: Annotated[int, Field(ge=1, le=1000)] = 20
    participants: Annotated[list[ParticipantIn], Field(min_length=1, max_length=5000)]


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_id: ProfileId
    to_id: ProfileId
    priority: Literal["must", "want"] = "want"
    message: Annotated[str, StringConstraints(max_length=2000)] = ""
    expires_at: datetime | None = None


class DecisionIn(BaseModel):
    """Who acts: the participant concerned (``by``) or the organiser on its behalf."""

    model_config = ConfigDict(extra="forbid")

    by: ProfileId | None = None
    as_organiser: bool = False


def _request_out(r: MeetingRequest) -> dict[str, Any]:
    return as_dict(r)


# --- routes ---------------------------------------------------------------------------------------
@router.post("", status_code=201)
def create_event(body: EventIn, svc: ServiceDep, key: CreatorDep,
                 allow_past: Annotated[bool, Query(description="accept days in the past (importing a past "
                                                               "event)")] = False) -> dict[str, Any]:
    """Create an event: slot plan, tables and participants (all checked; all or nothing)."""
    with _errors():
        plan = SlotPlan(days=tuple(body.days), morning_start=body.morning_start, morning_end=body.morning_end,
                        afternoon_start=body.afternoon_start, afternoon_end=body.afternoon_end,
                        slot_minutes=body.slot_minutes, break_minutes=body.break_minutes)
        rows = [{"profile_id": p.profile_id, "forbidden_slots": ";".join(map(str, p.forbidden_slots)),
                 "max_meetings": "" if p.max_meetings is None else str(p.max_meetings),
                 "stand": "" if p.stand is None else str(p.stand)} for p in body.participants]
        event_id = svc.create_event(name=body.name, venue=body.venue, timezone=body.timezone, plan=plan,
                                    tables=body.tables, participants=rows, allow_past=allow_past)
        return event_out(svc, event_id)


def event_out(svc: EventService, event_id: int) -> dict[str, Any]:
    data = svc.event(event_id)
    return {**as_dict(data.event), "slots": [as_dict(s) | {"number": s.index + 1} for s in data.slots],
            "tables": [as_dict(t) for t in data.tables], "participants": [as_dict(p) for p in data.participants]}


@router.get("/{event_id}")
def get_event(event_id: EventId, svc: ServiceDep, key: AttendeeDep) -> dict[str, Any]:
    with _errors():
        return event_out(svc, event_id)


@router.get("/{event_id}/requests")
def list_requests(event_id: EventId, svc: ServiceDep, key: AttendeeDep,
                  state: Annotated[Literal["pending", "accepted", "declined", "cancelled", "expired"] | None,
                                   Query()] = None) -> list[dict[str, Any]]:
    with _errors():
        return [_request_out(r) for r in svc.requests(event_id, (state,) if state else (),
                                                      involving=own(key, None, "requests"))]


@router.post("/{event_id}/requests", status_code=201)
def add_request(event_id: EventId, body: RequestIn, svc: ServiceDep, key: AttendeeDep) -> dict[str, Any]:
    """A meeting request; a participant key sends from its own profile only."""
    own(key, body.from_id, "requests")
    with _errors():
        return _request_out(svc.request(event_id, body.from_id, body.to_id, priority=body.priority,
                                        message=body.message, expires_at=body.expires_at))


@router.post("/{event_id}/requests/import", status_code=201)
def import_requests(event_id: EventId, svc: ServiceDep, key: OrganiserDep,
                    file: Annotated[UploadFile, File()]) -> list[dict[str, Any]]:
    """A CSV or Excel file with from_id, to_id, priority, message and (optional) state: all or nothing."""
    rows = upload_records(file)
    with _errors():
        return [_request_out(r) for r in svc.import_requests(event_id, rows)]


def _decide(action: str, event_id: int, request_id: int, body: DecisionIn, svc: EventService,
            key: KeyInfo) -> dict[str, Any]:
    if key.role == "participant":
        if body.as_organiser:
            raise HTTPException(403, "a participant key cannot act as the organiser")
        body = DecisionIn(by=own(key, body.by, "requests"))
    with _errors():
        found = svc.find_request(request_id)
        if found is None or found.event_id != event_id or (
                key.role == "participant" and key.profile_id not in (found.from_id, found.to_id)):
            # another participant's request looks exactly like one that does not exist
            raise RequestNotFoundError(f"no meeting request with id {request_id} in event {event_id}")
        return _request_out(getattr(svc, action)(request_id, by=body.by, as_organiser=body.as_organiser))


@router.post("/{event_id}/requests/{request_id}/accept")
def accept(
    event_id: EventId, request_id: RequestId, body: DecisionIn, svc: ServiceDep, key: AttendeeDep,
) -> dict[str, Any]:
    """The addressee (``by``) or the organiser accepts a pending request."""
    return _decide("accept", event_id, request_id, body, svc, key)


@router.post("/{event_id}/requests/{request_id}/decline")
def decline(
    event_id: EventId, request_id: RequestId, body: DecisionIn, svc: ServiceDep, key: AttendeeDep,
) -> dict[str, Any]:
    """The addressee (``by``) or the organiser declines a pending request."""
    return _decide("decline", event_id, request_id, body, svc, key)


@router.post("/{event_id}/requests/{request_id}/cancel")
def cancel(
    event_id: EventId, request_id: RequestId, body: DecisionIn, svc: ServiceDep, key: AttendeeDep,
) -> dict[str, Any]:
    """The sender (``by``) or the organiser withdraws a pending or accepted request."""
    return _decide("cancel", event_id, request_id, body, svc, key)


@router.get("/{event_id}/recommendations")
def recommendations(event_id: EventId, svc: ServiceDep, key: AttendeeDep,
                    k: Annotated[int, Query(ge=1, le=100)] = 5) -> list[dict[str, Any]]:
    """Each participant's best partners among the event's participants, mutual matches first (a participant
    key: its own)."""
    with _errors():
        return [r.to_dict() for r in svc.recommendations(event_id, k=k, of=own(key, None, "recommendations"))]


@router.post("/{event_id}/prefill", status_code=201)
def prefill(event_id: EventId, svc: ServiceDep, key: OrganiserDep, k: Annotated[int, Query(ge=1, le=100)] = 5,
            mutual_only: bool = False) -> list[dict[str, Any]]:
    """Pending requests from the recommendations; pairs that already have a request are skipped."""
    with _errors():
        return [_request_out(r) for r in svc.prefill(event_id, k=k, mutual_only=mutual_only)]


@router.post("/{event_id}/schedule")
def schedule(event_id: EventId, svc: ServiceDep, key: OrganiserDep,
             time_limit: Annotated[float, Query(gt=0, le=600)] = 60.0,
             fairness: Annotated[int | None, Query(ge=0, le=100)] = 2) -> dict[str, Any]:
    """Solve and store the schedule of the accepted requests (musts first); returns the summary."""
    with _errors():
        return svc.schedule(event_id, fairness=fairness, time_limit=time_limit).to_dict()


@router.get("/{event_id}/grid")
def grid(event_id: EventId, svc: ServiceDep, key: OrganiserDep) -> list[dict[str, str]]:
    """The slot × table grid: a row per slot, a column per table."""
    with _errors():
        return svc.grid(event_id)


@router.get("/{event_id}/participants/{profile_id}/agenda")
def agenda(event_id: EventId, profile_id: str, svc: ServiceDep, key: AttendeeDep) -> list[dict[str, Any]]:
    """One participant's meetings in time order (a participant key: its own only)."""
    own(key, profile_id, "agenda")
    with _errors():
        return [x.to_dict() for x in svc.agenda(event_id, profile_id)]


@router.get("/{event_id}/participants/{profile_id}/agenda.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}})
def agenda_ics(event_id: EventId, profile_id: str, svc: ServiceDep, key: AttendeeDep) -> Response:
    """One participant's meetings as an iCalendar file (a participant key: its own only)."""
    own(key, profile_id, "agenda")
    with _errors():
        body = svc.ics(event_id, profile_id)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="agenda-{event_id}.ics"'})
