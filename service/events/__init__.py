"""B2B meeting events around the catalogue, one module per job: the event and its plan (:mod:`.plan`),
meeting requests (:mod:`.requests`), recommended meetings (:mod:`.matching`), the schedule
(:mod:`.scheduling`; in the background with live progress: :mod:`.jobs`), agendas and the grid
(:mod:`.agendas`), repair on the day (:mod:`.repair`), exports (:mod:`.exports`; printed agendas and table
signs: :mod:`.printing`), the organiser's figures (:mod:`.dashboard`), why two participants should meet
(:mod:`.evidence`) and what came of the meetings (:mod:`.outcomes`). Every function takes the
:class:`EventService` (the catalogue and the database) first.
The domain (values, the request state machine, row checks) is :mod:`matcher.events` and :mod:`matcher.event_rows`."""

from matcher.errors import InvalidFieldsError
from matcher.events import (
    DuplicateRequestError,
    EventNotFoundError,
    RequestNotFoundError,
    SlotPlan,
    TransitionError,
)
from service.events.agendas import AGENDA_COLUMNS, AgendaItem, agenda, agendas, grid, held, summary_rows
from service.events.dashboard import Dashboard, ParticipantFigures, SectorFigures, dashboard, list_events
from service.events.evidence import Recommended, explained, recommended
from service.events.exports import calendar, export, ics
from service.events.jobs import (
    JobNotFoundError,
    JobStatus,
    event_job,
    job_status,
    schedule_now,
    start_schedule,
    stop_schedule,
    wait_schedule,
)
from service.events.links import PersonalLink, personal_links
from service.events.matching import (
    DEFAULT_METHOD,
    EXPOSURE_MULTIPLE,
    Recommendation,
    Recommendations,
    capacities,
    matches,
    prefill,
    recommend,
    recommendations,
)
from service.events.outcomes import Meeting, meetings, outcome_summary, record_outcome
from service.events.plan import EventService, create_event, event, name_of
from service.events.repair import Notice, RescheduleReport, When, reschedule
from service.events.requests import (
    accept,
    act,
    cancel,
    decline,
    expire,
    find_request,
    get_request,
    import_requests,
    list_requests,
    request,
)
from service.events.scheduling import LeftOut, ScheduleSummary, assignments, instance_of, schedule

__all__ = [
    "AGENDA_COLUMNS",
    "DEFAULT_METHOD", "EXPOSURE_MULTIPLE",  # capacity-aware recommendations
    "AgendaItem", "Dashboard", "DuplicateRequestError", "EventNotFoundError", "EventService",
    "InvalidFieldsError", "JobNotFoundError", "JobStatus", "LeftOut", "Meeting",
    "Notice",  # repair on the day
    "ParticipantFigures", "PersonalLink",
    "Recommendation", "Recommendations", "Recommended", "RequestNotFoundError",
    "RescheduleReport",  # repair on the day
    "ScheduleSummary", "SectorFigures", "SlotPlan",
    "TransitionError",
    "When",  # repair on the day
    "accept", "act", "agenda", "agendas", "assignments", "calendar", "cancel",
    "capacities",  # capacity-aware recommendations
    "create_event",
    "dashboard", "decline", "event", "event_job", "expire", "explained", "export", "find_request", "get_request",
    "grid", "held", "ics", "import_requests", "instance_of", "job_status", "list_events", "list_requests", "matches",
    "meetings", "name_of", "outcome_summary", "personal_links", "prefill", "recommend",
    "recommendations",  # capacity-aware recommendations
    "recommended",
    "record_outcome", "request",
    "reschedule",  # repair on the day
    "schedule", "schedule_now", "start_schedule", "stop_schedule", "summary_rows",
    "wait_schedule",
]
