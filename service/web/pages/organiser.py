"""The organiser's journey, part one: the events it runs and a new one (days, sessions, slot length, tables, venue,
time zone, and the participants from a CSV or Excel file, every bad row shown with its reason and nothing
written), the event's dashboard (charts of meetings per participant, countries meeting countries, sectors
covered and the acceptance rate, each with its numbers as a table, and what came of the meetings held), the
participants, and the request board (pending, accepted and declined per participant) with requests prefilled from
the recommendations.

The schedule, the grid and the exports are :mod:`.schedule`. Access is the API's (:mod:`.event_shared`): an
organiser or admin session; one bound to an event reaches only that event and creates none."""

from __future__ import annotations

import tempfile
from datetime import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from matcher.errors import FieldError, InvalidFieldsError, InvalidRequestError
from matcher.event_rows import PARTICIPANT_COLUMNS
from matcher.events import PRIORITIES, STATES, EventData, SlotPlan, zone
from matcher.messages import Message
from matcher.text import text_issue
from service import events, params
from service.web import i18n
from service.web import vocabulary as vocab
from service.web.messages import field_error, translate
from service.web.pages.common import Lang
from service.web.pages.event_shared import (
    PRIORITY_NAMES,
    STATE_NAMES,
    event_days,
    event_service,
    organiser_session,
    request_view,
    word,
)
from service.web.pages.outcomes import summary_view
from service.web.pages.participant import number
from service.web.security import CsrfChecked, SessionDep
from service.web.templating import gettext_for, render
from storage.files import FileFormatError, read_upload
from storage.sheets import write_csv
from storage.web import WebSession

router = APIRouter(include_in_schema=False)
MAX_NAME, MAX_VENUE, MAX_TABLES = 200, 300, 1000
UPLOAD_SUFFIXES = (".csv", ".xlsx")
TIMEZONES = ("Africa/Tunis", "Africa/Algiers", "Africa/Casablanca", "Africa/Cairo", "Africa/Tripoli", "Asia/Amman",
             "Asia/Beirut", "Asia/Hebron", "Asia/Damascus", "Europe/Paris", "Europe/Rome", "Europe/Madrid",
             "Europe/Brussels", "Europe/Berlin", "Europe/Lisbon", "Europe/Athens", "Europe/Valletta",
             "Europe/Nicosia", "Europe/Istanbul", "Europe/London")
DEFAULTS = {"name": "", "venue": "", "timezone": "Africa/Tunis", "days": "", "morning_start": "09:00",
            "morning_end": "12:30", "afternoon_start": "14:00", "afternoon_end": "17:30", "slot_minutes": "30",
            "break_minutes": "0", "tables": "20"}
PLAN_FIELDS = {"no_days": "days", "day_twice": "days", "day_in_past": "days", "no_session": "morning_start",
               "sessions_overlap": "afternoon_start", "no_slot_fits": "slot_minutes", "time_with_timezone": "days",
               "unknown_timezone": "timezone"}
HEAT_LEVELS = 5
CHART_WIDTH, BAR_HEIGHT, MIN_BINS = 240, 50, 6  # the histogram's drawing units; 0 to 5 meetings at least


def _event(request: Request, event_id: int) -> EventData:
    try:
        return events.event(event_service(request), event_id)
    except events.EventNotFoundError:
        raise HTTPException(404) from None


def organised(request: Request, lang: str, session: WebSession | None, event_id: str) -> tuple[int, EventData]:
    """The event of an organiser's page, once the session may run it."""
    eid = number(event_id)
    organiser_session(session, eid, lang)
    return eid, _event(request, eid)


def names_of(request: Request) -> Any:
    svc = event_service(request)
    return lambda pid: events.name_of(svc, pid)


# --- the organiser's events and a new one -------------------------------------------------------------------
def _events_page(request: Request, lang: str, session: WebSession, *, form: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, rows: list[dict[str, Any]] | None = None,
                 status: int = 200) -> Response:
    svc = event_service(request)
    shown = [e for e in events.list_events(svc) if session.event_id is None or e.id == session.event_id]
    listed = []
    for e in shown:
        data = events.event(svc, e.id)
        listed.append({"event": e, "days": event_days(data, lang), "participants": len(data.participants)})
    return render(request, lang, "events/organise.html", status=status, listed=listed,
                  can_create=session.event_id is None, form=form or dict(DEFAULTS), errors=errors or {},
                  rows=rows or [], timezones=TIMEZONES, columns=PARTICIPANT_COLUMNS, max_tables=MAX_TABLES)


@router.get("/{lang}/organise")
def organise(request: Request, lang: Lang, session: SessionDep) -> Response:
    """The events this organiser runs (one, for a key bound to an event) and, for the others, a new event."""
    return _events_page(request, lang, organiser_session(session, None, lang))


@router.get("/{lang}/organise/participants-example.csv")
def participants_example(lang: Lang, session: SessionDep) -> Response:
    """A participants file to start from: the columns and two example rows."""
    organiser_session(session, None, lang)
    body = b"profile_id,forbidden_slots,max_meetings,stand\r\ntn-0901,,,\r\nit-0901,1;2,6,3\r\n"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="participants.csv"'})


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _whole(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 6 else None


def _clock(text: str) -> time | None:
    return time.fromisoformat(text) if text else None


def _plan(values: dict[str, str], errors: dict[str, str], lang: str) -> tuple[SlotPlan | None, int | None]:
    """The slot plan and number of tables the form describes; each problem goes next to its field."""
    _ = gettext_for(lang)
    times: dict[str, time | None] = {}
    for name in ("morning_start", "morning_end", "afternoon_start", "afternoon_end"):
        try:
            times[name] = _clock(values[name])
        except ValueError:
            errors[name] = _("Give a time like 09:00, or leave both times of a session empty to skip it.")
    minutes: dict[str, int] = {}
    for name in ("slot_minutes", "break_minutes"):
        found = _whole(values[name] or ("0" if name == "break_minutes" else ""))
        if found is None:
            errors[name] = _("Give a whole number of minutes.")
        else:
            minutes[name] = found
    tables = _whole(values["tables"])
    if tables is None or not 1 <= tables <= MAX_TABLES:
        errors["tables"] = _("Give a number of tables from 1 to {limit}.").format(limit=MAX_TABLES)
    try:
        days = params.days("days", values["days"])
    except InvalidRequestError as exc:
        errors["days"] = field_error(exc, lang)
        days = ()
    try:
        zone(values["timezone"])
    except InvalidRequestError as exc:
        errors["timezone"] = field_error(exc, lang)
    if "days" in errors or len(times) < 4 or len(minutes) < 2:  # no plan to check further
        return None, tables
    try:
        plan = SlotPlan(days=days, morning_start=times["morning_start"], morning_end=times["morning_end"],
                        afternoon_start=times["afternoon_start"], afternoon_end=times["afternoon_end"],
                        slot_minutes=minutes["slot_minutes"], break_minutes=minutes["break_minutes"])
        if "timezone" not in errors:
            plan.slots(values["timezone"])  # no slot fits: said now, next to the slot length
            if (past := plan.past_day_issue(values["timezone"])) is not None:
                errors["days"] = translate(past, lang)
    except InvalidRequestError as exc:
        errors[_plan_field(exc.message)] = field_error(exc, lang)
        return None, tables
    return plan, tables


def _plan_field(message: Message | None) -> str:
    """The form field a slot-plan refusal is about."""
    if message is None:
        return "days"
    found = dict(message.params)
    if message.code == "minutes_out_of_range":
        return str(found["field"])
    if message.code in ("session_incomplete", "session_reversed"):
        return f"{found['session']}_start"
    return PLAN_FIELDS.get(message.code, "days")


def _one_line(name: str, value: str, limit: int, errors: dict[str, str], lang: str, *, required: bool) -> None:
    _ = gettext_for(lang)
    if required and not value:
        errors[name] = _("Give the event a name.")
    elif len(value) > limit:
        errors[name] = translate(Message.of("too_many_characters", limit=limit), lang)
    elif (issue := text_issue(value, multiline=False, bidi=False)) is not None:
        errors[name] = translate(issue, lang)


def _records(upload: UploadFile | str | None, errors: dict[str, str], lang: str) -> list[dict[str, Any]] | None:
    """The rows of the participants file, or None with the reason next to the file field."""
    _ = gettext_for(lang)
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["participants"] = _("Choose the participants file (CSV or Excel).")
        return None
    name = upload.filename
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        errors["participants"] = _("Send a CSV (.csv) or Excel (.xlsx) file.")
        return None
    try:
        return read_upload(name, upload.file.read())
    except FileFormatError as exc:
        errors["participants"] = _("This file cannot be read: {problem}").format(problem=str(exc))
        return None


def _row_errors(problems: tuple[FieldError, ...], lang: str) -> list[dict[str, Any]]:
    return [{"row": e.row, "id": e.record_id or "", "field": e.field, "value": e.value,
             "reason": field_error(e, lang)} for e in problems]


@router.post("/{lang}/organise", dependencies=[CsrfChecked])
async def create(request: Request, lang: Lang, session: SessionDep) -> Response:
    """Check every field and every row of the participants file; create the event (all or nothing) and go to
    its dashboard, or show each problem next to its field and each bad row with its reason."""
    _ = gettext_for(lang)
    found = organiser_session(session, None, lang)
    if found.event_id is not None:
        raise HTTPException(403, _("Your key is for one event: it cannot create events."))
    form = await request.form()
    values = {name: _text(form, name) for name in DEFAULTS}
    errors: dict[str, str] = {}
    _one_line("name", values["name"], MAX_NAME, errors, lang, required=True)
    _one_line("venue", values["venue"], MAX_VENUE, errors, lang, required=False)
    plan, tables = _plan(values, errors, lang)
    rows = _records(form.get("participants"), errors, lang)
    bad_rows: list[dict[str, Any]] = []
    if not errors and plan is not None and tables is not None and rows is not None:
        try:
            event_id = events.create_event(event_service(request), name=values["name"], venue=values["venue"],
                                           timezone=values["timezone"], plan=plan, tables=tables, participants=rows)
        except InvalidFieldsError as exc:
            bad_rows = _row_errors(exc.errors, lang)
            errors["participants"] = _(
                "Some rows of the participants file need correcting (listed below). Nothing was saved.")
        except InvalidRequestError as exc:  # checked above already; said here rather than lost
            errors["name"] = field_error(exc, lang)
        else:
            return RedirectResponse(f"/{lang}/organise/{event_id}", status_code=303)
    return _events_page(request, lang, found, form=values, errors=errors, rows=bad_rows, status=422)


# --- one event ------------------------------------------------------------------------------------------
def _heat(value: int, top: int) -> int:
    """A cell's shade (0 to HEAT_LEVELS) in the countries chart."""
    return 0 if not value or not top else max(1, round(HEAT_LEVELS * value / top))


def dashboard_view(figures: events.Dashboard, lang: str) -> dict[str, Any]:
    """The dashboard's charts as the template draws them: bars with lengths in the SVG's units, shaded cells,
    labels in the page's language."""
    most = max((p.meetings for p in figures.participants), default=0)
    histogram = [0] * (max(most, MIN_BINS - 1) + 1)
    for p in figures.participants:
        histogram[p.meetings] += 1
    tallest = max(histogram, default=0)
    step = CHART_WIDTH / len(histogram)
    bars = [{"meetings": i, "participants": n, "x": round(i * step + step * 0.15, 2), "width": round(step * 0.7, 2),
             "middle": round(i * step + step / 2, 2), "height": round(BAR_HEIGHT * n / tallest, 2) if tallest else 0}
            for i, n in enumerate(histogram)]
    countries = [(c, vocab.country_name(c, lang)) for c in figures.countries]
    top_pair = max(figures.country_pairs.values(), default=0)
    matrix = [[(figures.country_pairs.get((min(a, b), max(a, b)), 0)) for b, _n in countries] for a, _n in countries]
    heat = [[_heat(v, top_pair) for v in row] for row in matrix]
    states = [(s, word(STATE_NAMES, s, lang), figures.states[s]) for s in STATES]
    total = figures.requests
    x = 0.0
    stacked = []
    for code, label, n in states:
        width = 100.0 * n / total if total else 0.0
        stacked.append({"code": code, "label": label, "count": n, "x": round(x, 2), "width": round(width, 2)})
        x += width
    sectors = [{"label": vocab.label(vocab.SECTOR_NAMES, s.sector, lang), "figures": s} for s in figures.sectors]
    return {"histogram": histogram, "bars": bars, "countries": countries, "matrix": matrix, "heat": heat,
            "stacked": stacked, "sectors": sectors, "most_sector": max((s.meetings for s in figures.sectors),
                                                                       default=0)}


@router.get("/{lang}/organise/{event_id}")
def event_dashboard(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """The event at a glance and its charts."""
    eid, data = organised(request, lang, session, event_id)
    svc = event_service(request)
    figures = events.dashboard(svc, eid)
    return render(request, lang, "events/dashboard.html", data=data, days=event_days(data, lang), figures=figures,
                  charts=dashboard_view(figures, lang), job=events.event_job(svc, eid),
                  rate=None if figures.acceptance_rate is None else round(100 * figures.acceptance_rate),
                  outcomes=summary_view(events.outcome_summary(svc, eid), lang))


@router.get("/{lang}/organise/{event_id}/participants")
def participants_page(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """Who takes part: profile, country, sectors, unavailable slots, maximum meetings, stand, and their agendas."""
    _eid, data = organised(request, lang, session, event_id)
    svc = event_service(request)
    rows = []
    for p in data.participants:
        found = svc.catalogue.find(p.profile_id)
        rows.append({"p": p, "name": found.name if found else p.profile_id,
                     "country": vocab.country_name(found.country, lang) if found else "",
                     "kind": vocab.label(vocab.KIND_NAMES, found.kind, lang) if found else "",
                     "sectors": [vocab.label(vocab.SECTOR_NAMES, s, lang) for s in found.sectors] if found else [],
                     "forbidden": ", ".join(str(s + 1) for s in sorted(p.forbidden))})
    return render(request, lang, "events/participants.html", data=data, days=event_days(data, lang), rows=rows,
                  slots=len(data.slots), tables=len(data.tables))


@router.post("/{lang}/organise/{event_id}/participants/links", dependencies=[CsrfChecked])
async def participant_links(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """A CSV of personal links, one per participant (new participant keys, shown only in this file), in the
    language chosen for the participants' pages; to send each participant theirs."""
    eid, _data = organised(request, lang, session, event_id)
    form = await request.form()
    link_lang = form.get("link_lang")
    link_lang = link_lang if isinstance(link_lang, str) and link_lang in i18n.LANGUAGES else lang
    base = f"{request.url.scheme}://{request.url.netloc}"
    links = events.personal_links(event_service(request), eid, base, lang=link_lang)
    _ = gettext_for(lang)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "links.csv"
        write_csv(path, ["profile_id", "name", "link"],
                  [{"profile_id": x.profile_id, "name": x.name, "link": x.url} for x in links])
        body = path.read_bytes()
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="personal-links-event-{eid}.csv"',
        "Cache-Control": "no-store"})


# --- the request board ----------------------------------------------------------------------------------
def _board(request: Request, lang: str, eid: int, data: EventData, *, state: str = "", form: dict[str, str] | None
           = None, errors: dict[str, str] | None = None, prefilled: int | None = None, status: int = 200) -> Response:
    svc = event_service(request)
    figures = events.dashboard(svc, eid)
    names = names_of(request)
    listed = events.list_requests(svc, eid, (state,) if state in STATES else ())
    return render(request, lang, "events/board.html", status=status, data=data, days=event_days(data, lang),
                  figures=figures, state=state if state in STATES else "",
                  requests=[request_view(r, None, lang, names) for r in sorted(listed, key=lambda r: -r.id)],
                  states=[(s, word(STATE_NAMES, s, lang)) for s in STATES],
                  priorities=[(p, word(PRIORITY_NAMES, p, lang)) for p in PRIORITIES],
                  form=form or {"k": "5", "priority": "want", "mutual_only": ""}, errors=errors or {},
                  prefilled=prefilled)


@router.get("/{lang}/organise/{event_id}/requests")
def board(request: Request, lang: Lang, event_id: str, session: SessionDep, state: str = "",
          prefilled: str = "") -> Response:
    """Requests per participant (pending, accepted, declined), every request (by state), and the prefill form."""
    eid, data = organised(request, lang, session, event_id)
    return _board(request, lang, eid, data, state=state, prefilled=int(prefilled) if prefilled.isdigit() else None)


@router.post("/{lang}/organise/{event_id}/prefill", dependencies=[CsrfChecked])
async def prefill(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """Pending requests from each participant's top recommendations (pairs with a request already are left);
    a bad value is said next to its field and nothing is written."""
    eid, data = organised(request, lang, session, event_id)
    form = await request.form()
    values = {"k": _text(form, "k"), "priority": _text(form, "priority") or "want",
              "mutual_only": "on" if _text(form, "mutual_only") else ""}
    _ = gettext_for(lang)
    errors: dict[str, str] = {}
    k = _whole(values["k"])
    if k is None or not 1 <= k <= 100:
        errors["k"] = _("Give a whole number from 1 to 100.")
    if values["priority"] not in PRIORITIES:
        errors["priority"] = translate(Message.of("choose_one", choices=", ".join(
            word(PRIORITY_NAMES, p, lang) for p in PRIORITIES)), lang)
    if errors or k is None:
        return _board(request, lang, eid, data, form=values, errors=errors, status=422)
    made = events.prefill(event_service(request), eid, k=k, priority=values["priority"],
                          mutual_only=bool(values["mutual_only"]))
    return RedirectResponse(f"/{lang}/organise/{eid}/requests?prefilled={len(made)}", status_code=303)
