"""HTTP request and response models of repair on the day (``POST /events/{id}/reschedule``), beside
:mod:`service.http.event_schemas`: what the organiser changes and who must be told what."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.http.event_schemas import ProfileId


def _many() -> Any:
    """A list of at most 1,000 items, empty by default."""
    return Field(default_factory=list, max_length=1000)


class ForbidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: ProfileId
    slots: Annotated[list[Annotated[int, Field(ge=1, le=10_000)]], Field(min_length=1, max_length=1000)] = Field(
        description="1-based slot numbers the participant can no longer attend")


class LateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: ProfileId
    until: time = Field(description="arrival, local time on the day of the next slot; slots starting earlier are "
                                    "forbidden")


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_id: ProfileId
    to_id: ProfileId


class RescheduleIn(BaseModel):
    """The changes (any mix); an empty body repairs nothing and tells nobody anything."""

    model_config = ConfigDict(extra="forbid")

    cancel: list[Annotated[int, Field(ge=1)]] = _many()
    withdraw: list[ProfileId] = _many()
    forbid: list[ForbidIn] = _many()
    late: list[LateIn] = _many()
    add: list[PairIn] = _many()
    tables_lost: list[Annotated[int, Field(ge=1, le=1000)]] = _many()
    now: datetime | None = Field(default=None, description="the time it is (default: now), with its offset; "
                                                            "slots started by then are not touched")
    dry_run: bool = False
    time_limit: Annotated[float, Field(gt=0, le=600)] = 30.0


class WhenOut(BaseModel):
    slot: int = Field(description="1-based")
    start: str = Field(description="local time, e.g. 2031-12-01 09:00")
    table: int
    table_name: str


class NoticeOut(BaseModel):
    profile_id: str
    kind: Literal["moved", "cancelled", "dropped", "new", "not_scheduled"]
    request_id: int | None = Field(description="None only in a dry run, for a meeting not stored yet")
    partner_id: str
    old: WhenOut | None
    new: WhenOut | None
    reason: str
    sequence: int = Field(description="the SEQUENCE the meeting's .ics event now carries")


class RescheduleOut(BaseModel):
    event_id: int
    dry_run: bool
    stored: bool
    status: Literal["optimal", "feasible"]
    started: int = Field(description="slots already started, not touched")
    moved: int
    breaks_before: int
    breaks: int
    seconds: float
    notices: list[NoticeOut]
