"""What came of an event's meetings, on pages: a participant's scheduled meetings, each with a form (what came of
it, a short note) once it has started, in the participant's language; and the organiser's figures as the
dashboard shows them (:func:`summary_view`).

Access is the participant's own pages' (:func:`.participant.my_event`): another participant's meeting is the same
404 as one that does not exist. With htmx the form swaps in its own meeting (``hx-select``); without, the page
reloads at that meeting."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from matcher.errors import InvalidValueError, NotFoundError
from matcher.events import EventData, zone
from matcher.outcomes import MAX_NOTE, OutcomeSummary, OutcomeTooEarlyError
from matcher.relationships import OUTCOMES
from service import events
from service.web import vocabulary as vocab
from service.web.messages import field_error
from service.web.pages.common import Lang
from service.web.pages.event_shared import day_label, event_days, event_service, hours, partner, word
from service.web.pages.participant import my_event, number
from service.web.security import CsrfChecked, SessionDep
from service.web.templating import gettext_for, render

router = APIRouter(include_in_schema=False)


def _percent(share: float | None) -> int | None:
    return None if share is None else round(100 * share)


def _page(request: Request, lang: str, eid: int, me: str, data: EventData, *, saved: int | None = None,
          failed: int | None = None, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
          status: int = 200) -> Response:
    svc = event_service(request)
    tz = zone(data.event.timezone)
    items = []
    listed = events.meetings(svc, eid, of=me)
    for m in listed:
        mine = m.outcomes.get(me)
        again = failed == m.request_id  # the form that was refused shows what was sent, and why
        items.append({"m": m, "partner": partner(svc, m.partner(me), lang), "day": day_label(m.start, tz, lang),
                      "hours": hours(m.start, m.end, tz),
                      "outcome": (form or {}).get("outcome", "") if again else (mine.outcome if mine else ""),
                      "note": (form or {}).get("note", "") if again else (mine.note if mine else ""),
                      "recorded": word(vocab.OUTCOME_NAMES, mine.outcome, lang) if mine else "",
                      "errors": (errors or {}) if again else {}, "saved": saved == m.request_id})
    return render(request, lang, "events/outcomes.html", status=status, data=data, event_days=event_days(data, lang),
                  items=items, started=sum(m.started for m in listed), max_note=MAX_NOTE,
                  outcomes=[(code, word(vocab.OUTCOME_NAMES, code, lang)) for code in OUTCOMES])


@router.get("/{lang}/events/{event_id}/me/outcomes")
def outcomes_page(request: Request, lang: Lang, event_id: str, session: SessionDep, saved: str = "") -> Response:
    """The participant's meetings in time order; each one that has started has its form."""
    eid, me, data = my_event(request, lang, session, event_id)
    return _page(request, lang, eid, me, data, saved=int(saved) if saved.isdigit() else None)


@router.post("/{lang}/events/{event_id}/me/outcomes/{request_id}", dependencies=[CsrfChecked])
async def record(request: Request, lang: Lang, event_id: str, request_id: str, session: SessionDep) -> Response:
    """Record what came of one of the participant's meetings; a refusal is said next to the form, in the page's
    language, and nothing is written."""
    eid, me, data = my_event(request, lang, session, event_id)
    rid = number(request_id)
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in ("outcome", "note")}
    _ = gettext_for(lang)
    errors: dict[str, str] = {}
    try:
        events.record_outcome(event_service(request), eid, rid, by=me, outcome=values["outcome"], note=values["note"])
    except NotFoundError:
        raise HTTPException(404) from None
    except InvalidValueError as exc:
        errors[exc.field] = _("Choose what came of this meeting.") if exc.field == "outcome" else field_error(exc, lang)
    except OutcomeTooEarlyError:
        errors["outcome"] = _("This meeting has not started yet: say what came of it once it has.")
    else:
        return RedirectResponse(f"/{lang}/events/{eid}/me/outcomes?saved={rid}#meeting-{rid}", status_code=303)
    # htmx swaps in 2xx answers only: its request gets the refusal as a 200, a plain form post as a 422
    status = 200 if request.headers.get("hx-request") else 422
    return _page(request, lang, eid, me, data, failed=rid, errors=errors, form=values, status=status)


def summary_view(summary: OutcomeSummary, lang: str) -> dict[str, Any]:
    """The organiser's outcome figures as the dashboard shows them: percentages, labels in the page's language."""
    counts = [(code, word(vocab.OUTCOME_NAMES, code, lang), summary.counts[code]) for code in reversed(OUTCOMES)]
    sectors = [{"label": vocab.label(vocab.SECTOR_NAMES, s, lang), "share": x, "percent": _percent(x.share)}
               for s, x in summary.by_sector.items()]
    pairs = [{"a": vocab.country_name(a, lang), "b": vocab.country_name(b, lang), "share": x,
              "percent": _percent(x.share)} for (a, b), x in summary.by_country_pair.items()]
    return {"summary": summary, "percent": _percent(summary.share), "counts": counts, "sectors": sectors,
            "pairs": pairs}
