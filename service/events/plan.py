"""Events on the catalogue's database: the service context every event operation takes, and creating and
reading an event (slot plan, tables, participants)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from matcher.errors import InvalidRequestError
from matcher.event_rows import participants as participant_rows
from matcher.events import EventData, EventNotFoundError, SlotPlan, Table, zone
from matcher.suggestions import SuggestionList
from matcher.text import printable, text_problem
from service.catalogue import Catalogue
from storage import events as store
from storage import outcomes as outcome_store

MAX_NAME, MAX_VENUE, MAX_TABLES = 200, 300, 1000


@dataclass(frozen=True)
class EventService:
    """What every event operation works on: the catalogue (profiles, names, match scores) and the database
    holding the events (the catalogue's, unless another engine is given)."""

    catalogue: Catalogue
    engine: Engine = field(default=None)  # type: ignore[assignment]
    # how many participants' suggestions are computed: None in this process (service.catalogue.suggest_many),
    # or partitioned over a Dask cluster (service.dask_batch.DaskSuggester, ``event recommend --dask``)
    suggest_many: Callable[..., dict[str, SuggestionList]] | None = None

    def __post_init__(self) -> None:
        if self.engine is None:
            object.__setattr__(self, "engine", self.catalogue.engine)
        outcome_store.ensure_schema(self.engine)  # the event tables, and the outcomes recorded after


def create_event(svc: EventService, *, name: str, venue: str, timezone: str, plan: SlotPlan, tables: int,
                 participants: Sequence[Mapping[str, Any]], allow_past: bool = False,
                 today: date | None = None) -> int:
    """Validate everything, then store the event, its slots, tables and participants in one transaction.

    ``participants`` are rows with the columns of :data:`matcher.event_rows.PARTICIPANT_COLUMNS` (forbidden
    slots 1-based, ';'-separated); bad rows raise :class:`InvalidFieldsError` listing every problem. Days
    before ``today`` (in the event's timezone) are refused unless ``allow_past`` (importing a past event)."""
    name, venue = name.strip(), venue.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRequestError(f"event: field 'name' = {printable(name)!r}: must be 1 to {MAX_NAME} characters")
    if len(venue) > MAX_VENUE:
        raise InvalidRequestError(f"event: field 'venue': at most {MAX_VENUE} characters")
    for key, value in (("name", name), ("venue", venue)):
        if (problem := text_problem(value, multiline=False, bidi=False)) is not None:
            raise InvalidRequestError(f"event: field {key!r} = {printable(value)!r}: {problem}")
    zone(timezone)
    if not allow_past and (past := plan.past_day_issue(timezone, today)) is not None:
        raise InvalidRequestError(f"event: {past.text}", message=past)
    if not 1 <= tables <= MAX_TABLES:
        raise InvalidRequestError(f"event: field 'tables' = {tables}: must be 1 to {MAX_TABLES}")
    slots = plan.slots(timezone)
    parsed = participant_rows(participants, n_slots=len(slots), n_tables=tables,
                              known=lambda pid: svc.catalogue.find(pid) is not None)
    return store.create_event(svc.engine, name=name, venue=venue, timezone=timezone, slots=slots,
                              tables=[Table(number=n, name=f"Table {n}") for n in range(1, tables + 1)],
                              participants=parsed)


def event(svc: EventService, event_id: int) -> EventData:
    data = store.load_event(svc.engine, event_id)
    if data is None:
        raise EventNotFoundError(f"no event with id {event_id}")
    return data


def name_of(svc: EventService, profile_id: str) -> str:
    """The profile's name, or its id if it has left the catalogue since."""
    found = svc.catalogue.find(profile_id)
    return found.name if found is not None else profile_id


def local(dt: datetime, tz: ZoneInfo) -> str:
    """"2026-12-01 09:00": a time as people at the venue read it."""
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M")
