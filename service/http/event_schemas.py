"""HTTP request and response models of B2B meeting events: the limits a client can rely on and the
shape of every answer, in the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ProfileId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# answers carry times as ISO 8601 strings in UTC ("2026-12-01T08:00:00+00:00"), exactly as stored
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"}, description="ISO 8601, UTC")]


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


class SlotOut(BaseModel):
    index: int = Field(description="0-based")
    number: int = Field(description="1-based, as people see it")
    start: Timestamp
    end: Timestamp
    session: Literal["morning", "afternoon"]


class TableOut(BaseModel):
    number: int
    name: str


class ParticipantOut(BaseModel):
    profile_id: str
    forbidden: list[int] = Field(description="0-based slot indexes the participant cannot attend")
    max_meetings: int | None
    stand: int | None


class EventOut(BaseModel):
    id: int
    name: str
    venue: str
    timezone: str
    created_at: Timestamp
    slots: list[SlotOut]
    tables: list[TableOut]
    participants: list[ParticipantOut]


class RequestOut(BaseModel):
    id: int
    event_id: int
    from_id: str
    to_id: str
    priority: Literal["must", "want"]
    message: str
    state: Literal["pending", "accepted", "declined", "cancelled", "expired"]
    expires_at: Timestamp | None
    decided_by: Literal["participant", "organiser"] | None
    created_at: Timestamp
    score: float | None
    reason: str


class RecommendationOut(BaseModel):
    participant: str
    partner: str
    partner_name: str
    score: float
    mutual: bool = Field(description="each is in the other's list")
    reason: str


class LeftOutOut(BaseModel):
    request_id: int
    from_id: str
    to_id: str
    priority: Literal["must", "want"]
    reason: str = Field(description="in English")
    family: str = Field(description="the constraint to blame, a stable code (e.g. capacity, forbidden)")
    kind: str = Field(description="which sentence, a stable code for translations (e.g. lower_priority)")
    requests: list[int] = Field(description="the other requests the reason is about")
    participants: list[str] = Field(description="the participants (profile ids) the reason is about")
    slots: list[int] = Field(description="the slots (1-based) the reason is about")
    families: list[str] = Field(description="constraint families a diagnosis names")
    counts: list[int] = Field(description="the numbers the sentence names")
    detail: str = Field(description="e.g. the meeting's session")


class ScheduleOut(BaseModel):
    event_id: int
    status: Literal["optimal", "feasible", "infeasible", "unknown"]
    stored: bool = Field(description="whether the stored schedule was replaced")
    breaks: int | None
    bound: int | None
    seconds: float
    requested: int
    held: int
    must_requested: int
    must_held: int
    left_out: list[LeftOutOut]
    infeasible_reason: str | None
    infeasible: dict[str, Any] = Field(description="the structured reason (family, participants, requests, slots)")


class AgendaItemOut(BaseModel):
    slot: int = Field(description="1-based")
    start: Timestamp
    end: Timestamp
    local_start: str = Field(description="in the event's timezone, e.g. 2026-12-01 09:00")
    local_end: str
    table: int
    table_name: str
    partner_id: str
    partner_name: str
    partner_country: str
    priority: Literal["must", "want"]
    request_id: int
    reason: str
    message: str
    sequence: int = Field(default=0, description="times the meeting moved since first scheduled (its .ics SEQUENCE)")


GridRow = dict[str, str]  # slot, start, end, session, then one column per table name


Outcome = Literal["no_show", "not_relevant", "useful", "follow_up", "agreement"]


class OutcomeIn(BaseModel):
    """What came of a meeting, said by one side: a participant key for itself, the organiser for ``by``."""

    model_config = ConfigDict(extra="forbid")

    outcome: Annotated[str, StringConstraints(max_length=40)] = Field(
        description="no_show, not_relevant, useful, follow_up or agreement")
    note: Annotated[str, StringConstraints(max_length=2000)] = Field("", description="at most 500 characters")
    by: ProfileId | None = Field(None, description="the side who says it (a participant key: itself)")


class OutcomeOut(BaseModel):
    event_id: int
    request_id: int
    profile_id: str
    outcome: Outcome
    note: str
    recorded_at: Timestamp


class MeetingOut(BaseModel):
    request_id: int
    slot: int = Field(description="1-based")
    start: Timestamp
    end: Timestamp
    local_start: str = Field(description="in the event's timezone, e.g. 2026-12-01 09:00")
    table: int
    from_id: str
    to_id: str
    started: bool = Field(description="whether its outcome may be recorded (the slot has started)")
    outcomes: list[OutcomeOut] = Field(description="what each side recorded (a participant key: its own)")


class ShareOut(BaseModel):
    held: int
    fruitful: int = Field(description="held meetings whose best outcome is follow_up or agreement")
    share: float | None = Field(description="fruitful / held; null without a held meeting")


class SectorShareOut(ShareOut):
    sector: str


class CountryPairShareOut(ShareOut):
    countries: list[str] = Field(description="two ISO codes, sorted")


class OutcomeSummaryOut(BaseModel):
    event_id: int
    scheduled: int = Field(description="scheduled meetings")
    held: int = Field(description="scheduled meetings whose slot has started")
    fruitful: int
    share: float | None
    counts: dict[str, int] = Field(description="held meetings by their best outcome")
    unrecorded: int = Field(description="held meetings neither side has recorded")
    answers: dict[str, int] = Field(description="outcomes recorded, each side counted")
    by_sector: list[SectorShareOut]
    by_country_pair: list[CountryPairShareOut]
