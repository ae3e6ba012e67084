"""B2B meeting events: create and read an event, recommended meetings, the schedule, the grid, agendas.

Access: an **organiser** key (or admin) runs events — all of them, or only the one its key names; a
**participant** key is bound to one event and one profile: it reads the event and sees only its own
recommendations and agenda. Other roles (reader, editor) have no access to events, also in demo mode."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from matcher.events import EventData, SlotPlan, as_dict
from service import events
from service.http.deps import AttendeeDep, CreatorDep, EventId, EventsDep, OrganiserDep, own
from service.http.event_schemas import (
    AgendaItemOut,
    EventIn,
    EventOut,
    GridRow,
    RecommendationOut,
    RequestOut,
    ScheduleOut,
)
from service.http.repair_schemas import RescheduleIn, RescheduleOut

router = APIRouter(prefix="/events", tags=["events"])


def event_out(data: EventData) -> dict[str, Any]:
    return {**as_dict(data.event), "slots": [as_dict(s) | {"number": s.index + 1} for s in data.slots],
            "tables": [as_dict(t) for t in data.tables], "participants": [as_dict(p) for p in data.participants]}


@router.post("", status_code=201, response_model=EventOut)
def create_event(body: EventIn, svc: EventsDep, key: CreatorDep,
                 allow_past: Annotated[bool, Query(description="accept days in the past (importing a past "
                                                               "event)")] = False) -> dict[str, Any]:
    """Create an event: slot plan, tables and participants (all checked; all or nothing)."""
    plan = SlotPlan(days=tuple(body.days), morning_start=body.morning_start, morning_end=body.morning_end,
                    afternoon_start=body.afternoon_start, afternoon_end=body.afternoon_end,
                    slot_minutes=body.slot_minutes, break_minutes=body.break_minutes)
    rows = [{"profile_id": p.profile_id, "forbidden_slots": ";".join(map(str, p.forbidden_slots)),
             "max_meetings": "" if p.max_meetings is None else str(p.max_meetings),
             "stand": "" if p.stand is None else str(p.stand)} for p in body.participants]
    event_id = events.create_event(svc, name=body.name, venue=body.venue, timezone=body.timezone, plan=plan,
                                   tables=body.tables, participants=rows, allow_past=allow_past)
    return event_out(events.event(svc, event_id))


@router.get("/{event_id}", response_model=EventOut)
def get_event(event_id: EventId, svc: EventsDep, key: AttendeeDep) -> dict[str, Any]:
    return event_out(events.event(svc, event_id))


MethodQuery = Annotated[str, Query(description="joint: all lists chosen together for the most expected mutually "
                                               "accepted meetings, exposure bounded; independent: each one's top k")]
MultipleQuery = Annotated[float, Query(description="joint: each participant shown to at most this many times its "
                                                   "capacity (1 to 100)")]


@router.get("/{event_id}/recommendations", response_model=list[RecommendationOut])
def recommendations(event_id: EventId, svc: EventsDep, key: AttendeeDep,
                    k: Annotated[int, Query(ge=1, le=100)] = 5, method: MethodQuery = events.DEFAULT_METHOD,
                    exposure_multiple: MultipleQuery = events.EXPOSURE_MULTIPLE) -> list[dict[str, Any]]:
    """Each participant's partners among the event's participants, mutual matches first (a participant key:
    its own)."""
    return [r.to_dict() for r in events.recommend(svc, event_id, k=k, of=own(key, None, "recommendations"),
                                                  method=method, exposure_multiple=exposure_multiple)]


@router.post("/{event_id}/prefill", status_code=201, response_model=list[RequestOut])
def prefill(event_id: EventId, svc: EventsDep, key: OrganiserDep, k: Annotated[int, Query(ge=1, le=100)] = 5,
            mutual_only: bool = False, method: MethodQuery = events.DEFAULT_METHOD,
            exposure_multiple: MultipleQuery = events.EXPOSURE_MULTIPLE) -> list[dict[str, Any]]:
    """Pending requests from the recommendations; pairs that already have a request are skipped."""
    return [as_dict(r) for r in events.prefill(svc, event_id, k=k, mutual_only=mutual_only, method=method,
                                               exposure_multiple=exposure_multiple)]


@router.post("/{event_id}/schedule", response_model=ScheduleOut)
def schedule(event_id: EventId, svc: EventsDep, key: OrganiserDep,
             time_limit: Annotated[float, Query(gt=0, le=600)] = 60.0,
             fairness: Annotated[int | None, Query(ge=0, le=100)] = 2) -> dict[str, Any]:
    """Solve and store the schedule of the accepted requests (musts first); returns the summary."""
    return events.schedule_now(svc, event_id, fairness=fairness, time_limit=time_limit).to_dict()


@router.post("/{event_id}/reschedule", response_model=RescheduleOut)
def reschedule(event_id: EventId, body: RescheduleIn, svc: EventsDep, key: OrganiserDep) -> dict[str, Any]:
    """Repair the stored schedule after a change on the day (cancellation, withdrawal, late arrival, new meeting,
    lost table): every other meeting keeps its slot and table; returns who must be told what."""
    forbid: dict[str, list[int]] = {}
    for f in body.forbid:
        forbid.setdefault(f.profile_id, []).extend(f.slots)
    return events.reschedule(svc, event_id, cancel=body.cancel, withdraw=body.withdraw, forbid=forbid,
                             late={x.profile_id: x.until for x in body.late},
                             add=[(x.from_id, x.to_id) for x in body.add], tables_lost=body.tables_lost,
                             now=body.now, dry_run=body.dry_run, time_limit=body.time_limit).to_dict()


@router.get("/{event_id}/grid", response_model=list[GridRow])
def grid(event_id: EventId, svc: EventsDep, key: OrganiserDep) -> list[dict[str, str]]:
    """The slot × table grid: a row per slot, a column per table."""
    return events.grid(svc, event_id)


@router.get("/{event_id}/participants/{profile_id}/agenda", response_model=list[AgendaItemOut])
def agenda(event_id: EventId, profile_id: str, svc: EventsDep, key: AttendeeDep) -> list[dict[str, Any]]:
    """One participant's meetings in time order (a participant key: its own only)."""
    own(key, profile_id, "agenda")
    return [x.to_dict() for x in events.agenda(svc, event_id, profile_id)]


@router.get("/{event_id}/participants/{profile_id}/agenda.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}})
def agenda_ics(event_id: EventId, profile_id: str, svc: EventsDep, key: AttendeeDep) -> Response:
    """One participant's meetings as an iCalendar file (a participant key: its own only)."""
    own(key, profile_id, "agenda")
    return Response(events.ics(svc, event_id, profile_id), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="agenda-{event_id}.ics"'})
