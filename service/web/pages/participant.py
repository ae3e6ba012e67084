"""An event participant's journey, opened from its personal link (a participant key exchanged for a session):
its recommended partners at the event (mutual matches first, each with why), a request with a message to any
of them, the answers to the requests it received, and its agenda once the organiser has scheduled the event
(times at the venue, table, partner, why), also as an .ics file. Built for a phone first.

A participant's session reaches its own event and its own requests only, exactly as its API key does
(:mod:`.event_shared`): another event is 403, another participant's agenda 403, another participant's request the
same 404 as a request that does not exist. Organisers of the event may open a participant's agenda."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from matcher.errors import ConflictError, InvalidRequestError, NotFoundError
from matcher.event_rows import MAX_MESSAGE, request_issues
from matcher.events import ACTIVE_STATES, PRIORITIES, EventData, MeetingRequest, zone
from service import events
from service.web.messages import translate
from service.web.pages.common import Lang
from service.web.pages.event_shared import (
    PRIORITY_NAMES,
    attendee_session,
    day_label,
    event_days,
    event_service,
    hours,
    own_profile,
    participant_session,
    partner,
    request_view,
    word,
)
from service.web.security import CsrfChecked, SessionDep
from service.web.templating import gettext_for, render

router = APIRouter(include_in_schema=False)
RECOMMENDATIONS = 8
ACTIONS = ("accept", "decline", "cancel")


def number(text: str) -> int:
    """A path's id: anything but a whole number in range is a page that does not exist."""
    if not text.isdigit() or not 1 <= int(text) <= 2**31 - 1:
        raise HTTPException(404)
    return int(text)


def _event(request: Request, event_id: int) -> EventData:
    try:
        return events.event(event_service(request), event_id)
    except NotFoundError:
        raise HTTPException(404) from None


def my_event(request: Request, lang: str, session: Any, event_id: str) -> tuple[int, str, EventData]:
    """The event and the participant of a participant's own page; the participant must still be one."""
    eid = number(event_id)
    me = participant_session(session, eid, lang)
    data = _event(request, eid)
    if me not in data.members:
        raise HTTPException(404)
    return eid, me, data


def _names(request: Request) -> Any:
    svc = event_service(request)
    return lambda pid: events.name_of(svc, pid)


def _overview(request: Request, lang: str, eid: int, me: str, data: EventData, *, errors: dict[str, str] | None = None,
              form: dict[str, str] | None = None, sent: MeetingRequest | None = None, status: int = 200) -> Response:
    svc = event_service(request)
    mine = events.list_requests(svc, eid, involving=me)
    by_partner: dict[str, MeetingRequest] = {}
    for r in sorted(mine, key=lambda r: (r.state in ACTIVE_STATES, r.id)):  # active ones win, then the newest
        by_partner[r.to_id if r.from_id == me else r.from_id] = r
    names = _names(request)
    recs = []
    for item in events.recommended(svc, eid, me, k=RECOMMENDATIONS):
        rec = item.recommendation
        existing = by_partner.get(rec.partner)
        recs.append({"rec": rec, "partner": partner(svc, rec.partner, lang, item.suggestion),
                     "request": request_view(existing, me, lang, names) if existing else None,
                     "open": existing is None or existing.state not in ACTIVE_STATES})
    others = sorted(((p.profile_id, names(p.profile_id)) for p in data.participants if p.profile_id != me),
                    key=lambda x: x[1].casefold())
    waiting = sum(r.state == "pending" and r.to_id == me for r in mine)
    return render(request, lang, "events/me.html", status=status, data=data, me=me, my_name=names(me),
                  days=event_days(data, lang), recs=recs, others=others, waiting=waiting,
                  accepted=sum(r.state == "accepted" for r in mine), errors=errors or {}, form=form or {},
                  sent=request_view(sent, me, lang, names) if sent else None,
                  priorities=[(p, word(PRIORITY_NAMES, p, lang)) for p in PRIORITIES], max_message=MAX_MESSAGE,
                  scheduled=bool(events.assignments(svc, eid)))


@router.get("/{lang}/events/{event_id}/me")
def me_page(request: Request, lang: Lang, event_id: str, session: SessionDep, sent: str = "") -> Response:
    """The participant's home at the event: recommended partners, mutual matches first, each with a request form."""
    eid, me, data = my_event(request, lang, session, event_id)
    shown = None
    if sent.isdigit():
        try:
            shown = events.find_request(event_service(request), eid, int(sent), participant=me)
        except NotFoundError:
            shown = None
    return _overview(request, lang, eid, me, data, sent=shown)


@router.post("/{lang}/events/{event_id}/me/requests", dependencies=[CsrfChecked])
async def send_request(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """A request from the participant's own profile to another participant; refused fields are shown next to
    the form that sent them, in the page's language, and nothing is written."""
    eid, me, data = my_event(request, lang, session, event_id)
    form = await request.form()
    to_id, priority, message, form_id = (str(form.get(k) or "") for k in ("to_id", "priority", "message", "form_id"))
    priority = priority or "want"
    _ = gettext_for(lang)
    errors: dict[str, str] = {}
    for field, _value, issue in request_issues(data, me, to_id, priority, message.strip(), "pending"):
        errors.setdefault(field, _("Choose a participant of this event.") if field == "to_id" and
                          issue.code == "not_a_participant" else translate(issue, lang))
    values = {"to_id": to_id, "priority": priority, "message": message, "form_id": form_id}
    if not errors:
        try:
            sent = events.request(event_service(request), eid, me, to_id, priority=priority, message=message)
        except ConflictError:
            errors["to_id"] = _("You already have a request with this participant awaiting an answer or accepted.")
        except InvalidRequestError as exc:  # a check made after the form's (none expected): say it, write nothing
            errors["message"] = str(exc)
        else:
            return RedirectResponse(f"/{lang}/events/{eid}/me?sent={sent.id}#sent", status_code=303)
    return _overview(request, lang, eid, me, data, errors=errors, form=values, status=422)


@router.get("/{lang}/events/{event_id}/me/requests")
def requests_page(request: Request, lang: Lang, event_id: str, session: SessionDep, done: str = "") -> Response:
    """The participant's requests: received ones to answer, sent ones to withdraw, and the rest."""
    eid, me, data = my_event(request, lang, session, event_id)
    return _requests(request, lang, eid, me, data, done=done)


def _requests(request: Request, lang: str, eid: int, me: str, data: EventData, *, done: str = "",
              problem: str | None = None, status: int = 200) -> Response:
    svc = event_service(request)
    names = _names(request)
    mine = sorted(events.list_requests(svc, eid, involving=me), key=lambda r: -r.id)
    view = [request_view(r, me, lang, names) for r in mine]
    received = [v for v in view if v["request"].to_id == me and v["request"].state == "pending"]
    sent = [v for v in view if v["request"].from_id == me and v["request"].state in ACTIVE_STATES]
    accepted = [v for v in view if v["request"].to_id == me and v["request"].state == "accepted"]
    rest = [v for v in view if v not in received and v not in sent and v not in accepted]
    return render(request, lang, "events/requests.html", status=status, data=data, me=me, received=received,
                  event_days=event_days(data, lang),
                  sent=sent, accepted=accepted, rest=rest, done=done if done in ACTIONS else "", problem=problem)


@router.post("/{lang}/events/{event_id}/me/requests/{request_id}/{action}", dependencies=[CsrfChecked])
def act(request: Request, lang: Lang, event_id: str, request_id: str, action: str, session: SessionDep) -> Response:
    """Accept or decline a request received, withdraw one sent. Another participant's request is a 404, as one
    that does not exist; a move the request's state does not allow says why, and changes nothing."""
    eid, me, data = my_event(request, lang, session, event_id)
    if action not in ACTIONS:
        raise HTTPException(404)
    svc = event_service(request)
    try:
        events.find_request(svc, eid, number(request_id), participant=me)
    except NotFoundError:
        raise HTTPException(404) from None
    try:
        events.act(svc, int(request_id), action, by=me)
    except ConflictError:
        _ = gettext_for(lang)
        return _requests(request, lang, eid, me, data, status=409,
                         problem=_("This request can no longer be answered that way: it was answered, withdrawn or "
                                   "has expired meanwhile, or it is not yours to answer."))
    return RedirectResponse(f"/{lang}/events/{eid}/me/requests?done={action}", status_code=303)


# --- agendas ------------------------------------------------------------------------------------------
def _agenda(request: Request, lang: str, eid: int, profile_id: str, data: EventData, *, own: bool) -> Response:
    svc = event_service(request)
    try:
        items = events.agenda(svc, eid, profile_id)
    except NotFoundError:
        raise HTTPException(404) from None
    tz = zone(data.event.timezone)
    why = events.explained(svc, profile_id, {x.partner_id for x in items})
    days: dict[str, list[dict[str, Any]]] = {}
    for x in items:
        days.setdefault(day_label(x.start, tz, lang), []).append(
            {"item": x, "hours": hours(x.start, x.end, tz), "start": x.start.isoformat(),
             "partner": partner(svc, x.partner_id, lang, why.get(x.partner_id)),
             "priority": word(PRIORITY_NAMES, x.priority, lang)})
    accepted = len(events.list_requests(svc, eid, ("accepted",), involving=profile_id))
    scheduled = bool(events.assignments(svc, eid))
    base = f"/{lang}/events/{eid}/me" if own else f"/{lang}/events/{eid}/participants/{profile_id}"
    return render(request, lang, "events/agenda.html", data=data, days=days, own=own, accepted=accepted,
                  event_days=event_days(data, lang),
                  scheduled=scheduled, who=events.name_of(svc, profile_id), ics=f"{base}/agenda.ics",
                  count=len(items))


def _ics(request: Request, eid: int, profile_id: str) -> Response:
    try:
        body = events.ics(event_service(request), eid, profile_id)
    except NotFoundError:
        raise HTTPException(404) from None
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="agenda-{eid}.ics"'})


@router.get("/{lang}/events/{event_id}/me/agenda")
def my_agenda(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    eid, me, data = my_event(request, lang, session, event_id)
    return _agenda(request, lang, eid, me, data, own=True)


@router.get("/{lang}/events/{event_id}/me/agenda.ics")
def my_agenda_ics(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    eid, me, _data = my_event(request, lang, session, event_id)
    return _ics(request, eid, me)


def _attendee(request: Request, lang: str, session: Any, event_id: str, profile_id: str) -> tuple[int, EventData]:
    eid = number(event_id)
    own_profile(attendee_session(session, eid, lang), profile_id, lang)
    data = _event(request, eid)
    if profile_id not in data.members:
        raise HTTPException(404)
    return eid, data


@router.get("/{lang}/events/{event_id}/participants/{profile_id}/agenda")
def agenda_page(request: Request, lang: Lang, event_id: str, profile_id: str, session: SessionDep) -> Response:
    """One participant's agenda: its organisers, or the participant itself (as the API's agenda route)."""
    eid, data = _attendee(request, lang, session, event_id, profile_id)
    return _agenda(request, lang, eid, profile_id, data, own=session is not None and session.role == "participant")


@router.get("/{lang}/events/{event_id}/participants/{profile_id}/agenda.ics")
def agenda_ics(request: Request, lang: Lang, event_id: str, profile_id: str, session: SessionDep) -> Response:
    eid, _data = _attendee(request, lang, session, event_id, profile_id)
    return _ics(request, eid, profile_id)
