"""What the participant's and the organiser's pages share: who may open them (the API's access rules applied to
a browser session), the event service, and the words for an event's codes in the page's language: request
states, priorities, the scheduler's phases and statuses, times at the venue, and every reason a meeting can be
left out of the schedule.

Access mirrors :mod:`service.http.deps` exactly: no session is 401; a role without events (reader, editor) is
403; a session bound to another event is 403; a participant sees only its own requests and agenda, and another
participant's request is the same 404 as one that does not exist (:func:`service.events.find_request`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import HTTPException, Request

from matcher.access import allows
from matcher.events import EventData, MeetingRequest, zone
from matcher.explain import Suggestion
from service.events import EventService
from service.web import vocabulary as vocab
from service.web.security import catalogue_of
from service.web.templating import gettext_for
from service.web.vocabulary import N_
from storage.web import WebSession

STATE_NAMES: dict[str, str] = {
    "pending": N_("Awaiting an answer"), "accepted": N_("Accepted"), "declined": N_("Declined"),
    "cancelled": N_("Withdrawn"), "expired": N_("Expired"),
}
PRIORITY_NAMES: dict[str, str] = {"must": N_("Must meet"), "want": N_("Would like to meet")}
SESSION_NAMES: dict[str, str] = {"morning": N_("Morning session"), "afternoon": N_("Afternoon session"),
                                 "either": N_("either session")}
PHASE_NAMES: dict[str, str] = {
    "": N_("Starting"), "static checks": N_("Checking the constraints"),
    "solving": N_("Searching for the best schedule"), "diagnosing": N_("Finding out what does not fit"),
    "done": N_("Finishing"),
}
JOB_STATE_NAMES: dict[str, str] = {"running": N_("Running"), "done": N_("Finished"), "stopped": N_("Stopped"),
                                   "failed": N_("Failed")}
STATUS_NAMES: dict[str, str] = {
    "optimal": N_("Optimal: no schedule has fewer breaks"),
    "feasible": N_("A good schedule, not proven the best"),
    "infeasible": N_("No schedule can hold every meeting"),
    "unknown": N_("No schedule found in the time allowed"),
}
FAMILY_NAMES: dict[str, str] = {
    "fairness": N_("Fairness of breaks"), "precedences": N_("Order of meetings"), "fixed": N_("Fixed slots"),
    "forbidden": N_("Unavailable slots"), "sessions": N_("Sessions"), "capacity": N_("Slots and tables"),
    "tables": N_("Tables"), "priority": N_("Priority"), "time_limit": N_("Time limit"),
    "max_meetings": N_("Maximum number of meetings"),
}


def word(names: Mapping[str, str], code: str, lang: str) -> str:
    """A code's label in ``lang`` (the code itself if it has none)."""
    return gettext_for(lang)(names[code]) if code in names else code


# --- the event service and access ------------------------------------------------------------------------
def event_service(request: Request) -> EventService:
    """The app's event service, shared with the JSON API (the same ``app.state`` attribute)."""
    catalogue = catalogue_of(request)
    svc: EventService | None = getattr(request.app.state, "event_service", None)
    if svc is None or svc.catalogue is not catalogue:
        svc = EventService(catalogue)
        request.app.state.event_service = svc
    return svc


def _signed_in(session: WebSession | None, lang: str) -> WebSession:
    _ = gettext_for(lang)
    if session is None:
        raise HTTPException(401, _("Open your personal link, or sign in with your key."))
    return session


def _same_event(session: WebSession, event_id: int, lang: str) -> None:
    _ = gettext_for(lang)
    if session.event_id is not None and session.event_id != event_id:
        raise HTTPException(403, _("Your key is for another event."))


def participant_session(session: WebSession | None, event_id: int, lang: str) -> str:
    """The profile id of a participant's session for this event (the participant's own pages)."""
    _ = gettext_for(lang)
    found = _signed_in(session, lang)
    if found.role != "participant" or not found.profile_id:
        raise HTTPException(403, _("These pages are for the participants of an event."))
    _same_event(found, event_id, lang)
    return found.profile_id


def attendee_session(session: WebSession | None, event_id: int, lang: str) -> WebSession:
    """An organiser session for this event, or the session of one of its participants."""
    _ = gettext_for(lang)
    found = _signed_in(session, lang)
    if not (allows(found.role, "organiser") or found.role == "participant"):
        raise HTTPException(403, _("Events need an organiser's or a participant's key."))
    _same_event(found, event_id, lang)
    return found


def own_profile(session: WebSession, profile_id: str, lang: str) -> None:
    """A participant sees its own agenda only (organisers see everyone's)."""
    _ = gettext_for(lang)
    if session.role == "participant" and session.profile_id != profile_id:
        raise HTTPException(403, _("You can see your own agenda only."))


def organiser_session(session: WebSession | None, event_id: int | None, lang: str) -> WebSession:
    """An organiser (or admin) session; for an event, one not bound to another event."""
    _ = gettext_for(lang)
    found = _signed_in(session, lang)
    if not allows(found.role, "organiser"):
        raise HTTPException(403, _("These pages are for the organisers of events."))
    if event_id is not None:
        _same_event(found, event_id, lang)
    return found


# --- times at the venue -----------------------------------------------------------------------------------
def day_label(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """"mardi 1 décembre 2026": the day at the venue, in the page's language."""
    return format_date(moment.astimezone(tz).date(), "full", locale=lang)


def hours(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """"09:00–09:30" at the venue."""
    return f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"


def event_days(data: EventData, lang: str) -> list[str]:
    tz = zone(data.event.timezone)
    seen: dict[str, None] = {}
    for s in data.slots:
        seen.setdefault(day_label(s.start, tz, lang))
    return list(seen)


# --- a partner as a page shows it -------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Partner:
    """A participant as another sees it: name, country and sectors in the page's language, and the evidence
    of why they fit (the viewer's suggestion), if any."""

    profile_id: str
    name: str
    country: str
    sectors: list[str]
    suggestion: Suggestion | None


def partner(svc: EventService, profile_id: str, lang: str, suggestion: Suggestion | None = None) -> Partner:
    found = svc.catalogue.find(profile_id)
    if found is None:
        return Partner(profile_id=profile_id, name=profile_id, country="", sectors=[], suggestion=suggestion)
    return Partner(profile_id=profile_id, name=found.name, country=vocab.country_name(found.country, lang),
                   sectors=[vocab.label(vocab.SECTOR_NAMES, s, lang) for s in found.sectors], suggestion=suggestion)


def request_view(r: MeetingRequest, me: str | None, lang: str, names: Callable[[str], str]) -> dict[str, Any]:
    """A request as a list shows it: the other side (from ``me``'s point of view), state and priority words."""
    other = r.to_id if r.from_id == me else r.from_id
    return {"request": r, "other": other, "other_name": names(other), "from_name": names(r.from_id),
            "to_name": names(r.to_id), "state": word(STATE_NAMES, r.state, lang),
            "priority": word(PRIORITY_NAMES, r.priority, lang)}


# --- why a meeting was left out ---------------------------------------------------------------------------
def left_out_reason(item: Mapping[str, Any], lang: str, name: Callable[[str], str]) -> str:
    """The sentence for one left-out meeting (:class:`service.events.LeftOut` as a dict), from its ``kind`` and
    fields, in ``lang``: participants by their names, meetings by their request numbers."""
    _ = gettext_for(lang)
    people = [name(p) for p in item.get("participants") or ()]
    requests = ", ".join(f"#{r}" for r in item.get("requests") or ())
    slots = ", ".join(str(s) for s in item.get("slots") or ())
    counts = list(item.get("counts") or ())
    families = ", ".join(word(FAMILY_NAMES, f, lang) for f in item.get("families") or ())
    request = f"#{item.get('request_id', '')}"
    a, b = [*people, "?", "?"][:2]
    kind = item.get("kind", "")

    def count(i: int) -> int | str:
        return counts[i] if i < len(counts) else "?"

    match kind:
        case "no_slot":
            fixed = ", ".join(str(s) for s in item.get("slots") or ()) or _("none")
            session = word(SESSION_NAMES, str(item.get("detail", "")), lang)
            return _("No allowed slot for request {request} between {a} and {b} (session: {session}; fixed slot: "
                     "{fixed}).").format(request=request, a=a, b=b, session=session, fixed=fixed)
        case "no_slot_combined":
            return _("No allowed slot for request {request} once every constraint is combined.").format(
                request=request)
        case "overloaded":
            return _("{participant} has {meetings} meetings for {slots} usable slots.").format(
                participant=a, meetings=count(0), slots=count(1))
        case "overloaded_participants":
            return " ".join(_("{participant} has {meetings} meetings for {slots} usable slots.").format(
                participant=p, meetings=count(2 * i), slots=count(2 * i + 1)) for i, p in enumerate(people))
        case "cycle":
            return _("The required order among requests {requests} goes round in a circle.").format(requests=requests)
        case "feasible_without":
            return _("A schedule exists once one of these constraints is dropped: {families}.").format(
                families=families)
        case "undecided" if families:
            return _("Not decided in time whether dropping {families} would help.").format(families=families)
        case "undecided":
            return _("Not placed within the time allowed; give the scheduler more time.")
        case "infeasible_without_any":
            return _("Not enough slots and tables, even without any single one of: {families}.").format(
                families=families)
        case "too_many_meetings":
            return _("Too many meetings for the slots and tables.")
        case "no_common_slot":
            return _("No slot is allowed for both {a} and {b} (sessions, unavailable or fixed slots).").format(
                a=a, b=b)
        case "lower_priority":
            return _("Requests {requests} of the same participants rank higher and took the slots.").format(
                requests=requests)
        case "no_common_free_slot":
            return _("{a} and {b} have no free slot in common.").format(a=a, b=b)
        case "tables_full":
            return _("No table is free in slots {slots}, where both are available (tables in all: {tables}).").format(
                tables=count(0), slots=slots)
        case "order":
            return _("No free slot respects the required order of meetings.")
        case "fairness_bound":
            return _("Holding it would break the fairness bound ({bound} breaks more than another "
                     "participant).").format(bound=count(0))
        case "max_meetings":
            return _("{participant} already has its maximum of {count} meetings, with requests of higher priority "
                     "or a better match.").format(participant=a, count=count(0))
    return str(item.get("reason", ""))


def left_out_view(items: Sequence[Mapping[str, Any]], lang: str, name: Callable[[str], str]) -> list[dict[str, Any]]:
    """Left-out meetings as the schedule page lists them: the request, both sides, priority, the constraint to
    blame and the sentence."""
    return [{"request_id": x.get("request_id"), "from_name": name(str(x.get("from_id", ""))),
             "to_name": name(str(x.get("to_id", ""))), "priority": word(PRIORITY_NAMES, str(x.get("priority")), lang),
             "family": word(FAMILY_NAMES, str(x.get("family", "")), lang) if x.get("family") else "",
             "reason": left_out_reason(x, lang, name)} for x in items]
