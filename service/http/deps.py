"""What routes depend on: the catalogue and the event service of the app, the caller's key, and the access
rules (roles, an event's scope, a participant's own requests) as FastAPI dependencies.

They are ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, so a suggestion paid
four thread hops (catalogue, key, role, route) under load where one (the route) does the work. Only the key
lookup touches the database, and it goes to the pool itself, when there is a key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, UploadFile
from fastapi import Path as FastPath
from starlette.concurrency import run_in_threadpool

from matcher.access import KeyInfo, allows
from service.catalogue import Catalogue
from service.events import EventService
from service.settings import Settings
from storage import keys
from storage.files import read_upload

EventId = Annotated[int, FastPath(ge=1, le=2**31 - 1)]
RequestId = Annotated[int, FastPath(ge=1, le=2**31 - 1)]


async def get_catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_events(request: Request, catalogue: Annotated[Catalogue, Depends(get_catalogue)]) -> EventService:
    """One event service per app (created on first use, in the thread pool: it makes sure of the event tables)."""
    svc: EventService | None = getattr(request.app.state, "event_service", None)
    if svc is None or svc.catalogue is not catalogue:
        svc = await run_in_threadpool(EventService, catalogue)
        request.app.state.event_service = svc
    return svc


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
EventsDep = Annotated[EventService, Depends(get_events)]


# --- keys and roles ---------------------------------------------------------------------------------
async def caller(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> KeyInfo | None:
    """Role and scope of the caller's key; 401 for a key that is wrong or revoked, None for no key."""
    if x_api_key is None:
        return None
    info = await run_in_threadpool(keys.identify, request.app.state.catalogue.engine, x_api_key)
    if info is None:
        raise HTTPException(401, "invalid or revoked API key")
    return info


CallerDep = Annotated[KeyInfo | None, Depends(caller)]


def need(role: str | None, needed: str) -> None:
    if role is None:
        raise HTTPException(401, f"this endpoint needs an API key with the {needed} role (header X-API-Key)")
    if not allows(role, needed):
        raise HTTPException(403, f"this endpoint needs the {needed} role; your key has the {role} role")


async def reader(request: Request, info: CallerDep) -> str | None:
    """Reads are open in demo mode (``open_reads``), keyed otherwise."""
    role = info.role if info else None
    if not request.app.state.settings.open_reads:
        need(role, "reader")
    return role


async def editor(info: CallerDep) -> str | None:
    need(info.role if info else None, "editor")
    return info.role if info else None


ReaderDep = Annotated[str | None, Depends(reader)]
EditorDep = Annotated[str | None, Depends(editor)]


def _key(info: KeyInfo | None) -> KeyInfo:
    if info is None:
        raise HTTPException(401, "this endpoint needs an organiser or participant API key (header X-API-Key)")
    return info


def _same_event(key: KeyInfo, event_id: int) -> None:
    if key.event_id is not None and key.event_id != event_id:
        raise HTTPException(403, f"your key is bound to event {key.event_id}, not event {event_id}")


async def organiser_key(info: CallerDep) -> KeyInfo:
    """An organiser key not bound to one event (creating events)."""
    key = _key(info)
    if not allows(key.role, "organiser"):
        raise HTTPException(403, f"this endpoint needs the organiser role; your key has the {key.role} role")
    if key.event_id is not None:
        raise HTTPException(403, f"your organiser key is bound to event {key.event_id}; it cannot create events")
    return key


async def organiser(event_id: EventId, info: CallerDep) -> KeyInfo:
    """An organiser key for this event."""
    key = _key(info)
    if not allows(key.role, "organiser"):
        raise HTTPException(403, f"this endpoint needs the organiser role; your key has the {key.role} role")
    _same_event(key, event_id)
    return key


async def attendee(event_id: EventId, info: CallerDep) -> KeyInfo:
    """An organiser key for this event, or the key of one of its participants."""
    key = _key(info)
    if not (allows(key.role, "organiser") or key.role == "participant"):
        raise HTTPException(403, f"events need an organiser or participant key; your key has the {key.role} role")
    _same_event(key, event_id)
    return key


CreatorDep = Annotated[KeyInfo, Depends(organiser_key)]
OrganiserDep = Annotated[KeyInfo, Depends(organiser)]
AttendeeDep = Annotated[KeyInfo, Depends(attendee)]


def own(key: KeyInfo, profile_id: str | None, what: str) -> str | None:
    """The participant a participant key speaks for (403 if it asks about someone else); None for organisers."""
    if key.role != "participant":
        return None
    if profile_id is not None and profile_id != key.profile_id:
        raise HTTPException(403, f"a participant key sees and acts on its own {what} only ({key.profile_id}), "
                                 f"not {profile_id}'s")
    return key.profile_id


# --- uploads --------------------------------------------------------------------------------------------
def upload_records(file: UploadFile) -> list[dict[str, Any]]:
    """Records of an uploaded CSV/Excel/JSON/Parquet file; :class:`FileFormatError` names the file (as the
    client called it) and the problem."""
    return read_upload(file.filename or "upload", file.file.read())
