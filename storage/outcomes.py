"""Meeting outcomes (``meeting_outcomes``): one row per meeting (a scheduled request) and participant, replaced
when the participant records again. Recording bumps the relationships version in the same transaction, since a
meeting's outcome decides whether it counts as a ``met_at_event`` relationship."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Engine, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from matcher.outcomes import MeetingOutcome
from storage import events
from storage.db import Base, writing
from storage.events import UtcDateTime
from storage.repository import RELATIONSHIPS_KEY, bump_version, dialect_insert


class OutcomeRow(Base):
    __tablename__ = "meeting_outcomes"

    request_id: Mapped[int] = mapped_column(ForeignKey("event_requests.id", ondelete="CASCADE"), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the participant who says it
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


def _outcome(row: OutcomeRow) -> MeetingOutcome:
    return MeetingOutcome(event_id=row.event_id, request_id=row.request_id, profile_id=row.profile_id,
                          outcome=row.outcome, note=row.note or "", recorded_at=row.recorded_at)


def ensure_schema(engine: Engine) -> None:
    """Create the table if missing (after the event tables it refers to)."""
    events.ensure_schema(engine)
    Base.metadata.create_all(writing(engine), tables=[cast(Table, OutcomeRow.__table__)])


def record(engine: Engine, outcome: MeetingOutcome) -> MeetingOutcome:
    """Store one participant's outcome of one meeting, replacing the one it recorded before."""
    table = cast(Table, OutcomeRow.__table__)
    values = {"request_id": outcome.request_id, "profile_id": outcome.profile_id, "event_id": outcome.event_id,
              "outcome": outcome.outcome, "note": outcome.note, "recorded_at": outcome.recorded_at}
    with Session(writing(engine)) as s, s.begin():
        dialect = s.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            statement = dialect_insert(dialect)(table).values(**values)
            s.execute(statement.on_conflict_do_update(
                index_elements=[table.c.request_id, table.c.profile_id],
                set_={k: statement.excluded[k] for k in ("event_id", "outcome", "note", "recorded_at")}))
        else:
            s.merge(OutcomeRow(**values))
        bump_version(s, RELATIONSHIPS_KEY)
    return outcome


def list_outcomes(engine: Engine, event_id: int, *, profile_id: str | None = None) -> list[MeetingOutcome]:
    """The outcomes recorded at an event (by one participant, if given), by meeting then participant."""
    query = select(OutcomeRow).where(OutcomeRow.event_id == event_id)
    if profile_id is not None:
        query = query.where(OutcomeRow.profile_id == profile_id)
    with Session(engine) as s:
        return [_outcome(r) for r in s.scalars(query.order_by(OutcomeRow.request_id, OutcomeRow.profile_id))]


def by_meeting(found: Sequence[MeetingOutcome]) -> dict[int, dict[str, MeetingOutcome]]:
    """Outcomes grouped: request id -> participant -> its outcome."""
    out: dict[int, dict[str, MeetingOutcome]] = {}
    for o in found:
        out.setdefault(o.request_id, {})[o.profile_id] = o
    return out
