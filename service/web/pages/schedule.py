"""The organiser's journey, part two: the scheduler as a background job (:mod:`service.events.jobs`) started and
stopped from the page, its live progress (the phase, the best schedule's breaks and meetings held and the proven
bound, as the solvers report them), the outcome with every meeting left out and why (in the page's language),
the slot × table grid (printable) and every export.

Progress works without JavaScript: the page shows the job as stored, with a link that reloads it while it runs.
With htmx, the job's section asks for a fresh copy of itself every second (``hx-trigger="every 1s"``) and
replaces itself; once the job has ended, the copy it gets has no trigger, so the polling stops by itself."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from matcher.events import EventData, zone
from service import events
from service.web.pages.common import Lang
from service.web.pages.event_shared import (
    JOB_STATE_NAMES,
    PHASE_NAMES,
    STATUS_NAMES,
    day_label,
    event_days,
    event_service,
    hours,
    left_out_reason,
    left_out_view,
    word,
)
from service.web.pages.organiser import names_of, organised
from service.web.security import CsrfChecked, SessionDep
from service.web.templating import gettext_for, render

router = APIRouter(include_in_schema=False)
MAX_TIME_LIMIT = 600  # seconds, as the API's schedule route
DEFAULT_TIME_LIMIT = "30"
EXPORTS = {"grid.csv": "text/csv; charset=utf-8", "summary.csv": "text/csv; charset=utf-8",
           "table_use.csv": "text/csv; charset=utf-8",
           "grid.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def job_view(job: events.JobStatus | None, lang: str, names: Any) -> dict[str, Any] | None:
    """A job as the page shows it: words for its state, phase and outcome; the reasons for what was left out."""
    if job is None:
        return None
    summary = job.summary or {}
    gap = job.breaks - job.bound if job.breaks is not None and job.bound is not None else None
    infeasible = summary.get("infeasible") or {}
    return {"job": job, "state": word(JOB_STATE_NAMES, job.state, lang), "phase": word(PHASE_NAMES, job.phase, lang),
            "running": job.state == "running", "gap": gap, "seconds": round(job.seconds),
            "time_limit": round(job.time_limit), "summary": summary,
            "status": word(STATUS_NAMES, str(summary.get("status", "")), lang) if summary else "",
            "left_out": left_out_view(summary.get("left_out") or [], lang, names),
            "infeasible": left_out_reason(infeasible, lang, names) if infeasible else ""}


def _schedule_page(request: Request, lang: str, eid: int, data: EventData, *, form: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None, status: int = 200) -> Response:
    svc = event_service(request)
    accepted = len(events.list_requests(svc, eid, ("accepted",)))
    return render(request, lang, "events/schedule.html", status=status, data=data, days=event_days(data, lang),
                  view=job_view(events.event_job(svc, eid), lang, names_of(request)), accepted=accepted,
                  stored=len(events.assignments(svc, eid)),
                  capacity=len(data.slots) * len(data.tables), form=form or {"fairness": "2",
                                                                               "time_limit": DEFAULT_TIME_LIMIT},
                  errors=errors or {}, max_time_limit=MAX_TIME_LIMIT)


@router.get("/{lang}/organise/{event_id}/schedule")
def schedule_page(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """The scheduler: its options and start button, the latest run's progress or outcome."""
    eid, data = organised(request, lang, session, event_id)
    return _schedule_page(request, lang, eid, data)


@router.get("/{lang}/organise/{event_id}/schedule/progress")
def progress(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """The job's section alone, for htmx to swap in (or for anyone to read)."""
    eid, _data = organised(request, lang, session, event_id)
    svc = event_service(request)
    return render(request, lang, "events/_job.html", view=job_view(events.event_job(svc, eid), lang,
                                                                     names_of(request)),
                  stored=len(events.assignments(svc, eid)))


@router.post("/{lang}/organise/{event_id}/schedule", dependencies=[CsrfChecked])
async def start(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """Start the scheduler in the background (or join the run already going) and show its progress."""
    eid, data = organised(request, lang, session, event_id)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("fairness", "time_limit")}
    _ = gettext_for(lang)
    errors: dict[str, str] = {}
    fairness: int | None = None
    if values["fairness"]:
        if not values["fairness"].isdigit() or not 0 <= int(values["fairness"]) <= 100:
            errors["fairness"] = _("Give a whole number from 0 to 100, or leave it empty for no fairness bound.")
        else:
            fairness = int(values["fairness"])
    limit = values["time_limit"]
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_TIME_LIMIT:
        errors["time_limit"] = _("Give a whole number of seconds from 1 to {limit}.").format(limit=MAX_TIME_LIMIT)
    if errors:
        return _schedule_page(request, lang, eid, data, form=values, errors=errors, status=422)
    events.start_schedule(event_service(request), eid, fairness=fairness, time_limit=float(limit))
    return RedirectResponse(f"/{lang}/organise/{eid}/schedule", status_code=303)


@router.post("/{lang}/organise/{event_id}/schedule/stop", dependencies=[CsrfChecked])
def stop(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """Stop the running job: it keeps the best schedule found so far (stored as any other)."""
    eid, _data = organised(request, lang, session, event_id)
    svc = event_service(request)
    job = events.event_job(svc, eid)
    if job is not None and job.state == "running":
        events.stop_schedule(svc, job.job_id)
    return RedirectResponse(f"/{lang}/organise/{eid}/schedule", status_code=303)


# --- the grid -------------------------------------------------------------------------------------------
@router.get("/{lang}/organise/{event_id}/grid")
def grid_page(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    """Slots down, tables across, who meets whom in each cell (each name on its own, so that Arabic and Latin
    names keep their order); one table per day, printable."""
    eid, data = organised(request, lang, session, event_id)
    svc = event_service(request)
    names = names_of(request)
    cells = {(a.slot, a.table): (names(r.from_id), names(r.to_id)) for a, r in events.held(svc, eid)}
    tz = zone(data.event.timezone)
    days: dict[str, list[dict[str, Any]]] = {}
    for slot in data.slots:
        days.setdefault(day_label(slot.start, tz, lang), []).append(
            {"number": slot.index + 1, "hours": hours(slot.start, slot.end, tz),
             "cells": [cells.get((slot.index, t.number)) for t in data.tables]})
    return render(request, lang, "events/grid.html", data=data, days=event_days(data, lang), grid=days,
                  tables=data.tables, held=len(cells))


# --- exports --------------------------------------------------------------------------------------------
@router.get("/{lang}/organise/{event_id}/exports")
def exports_page(request: Request, lang: Lang, event_id: str, session: SessionDep) -> Response:
    eid, data = organised(request, lang, session, event_id)
    scheduled = bool(events.assignments(event_service(request), eid))
    return render(request, lang, "events/exports.html", data=data, days=event_days(data, lang), scheduled=scheduled,
                  files=list(EXPORTS))


@router.get("/{lang}/organise/{event_id}/exports/{name}")
def download(request: Request, lang: Lang, event_id: str, name: str, session: SessionDep) -> Response:
    """One export file, or all of them (agendas included) as a zip; built fresh from the stored schedule."""
    eid, _data = organised(request, lang, session, event_id)
    if name != "export.zip" and name not in EXPORTS:
        raise HTTPException(404)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export"
        events.export(event_service(request), eid, out)
        if name == "export.zip":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(out.rglob("*")):
                    if path.is_file():
                        archive.write(path, f"event-{eid}/{path.relative_to(out).as_posix()}")
            body, media = buffer.getvalue(), "application/zip"
        else:
            body, media = (out / name).read_bytes(), EXPORTS[name]
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="event-{eid}-{name}"'})
