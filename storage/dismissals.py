"""Meetings a participant marked ``not_relevant``, as (who marked, the other side) pairs: the suggestions of
``who`` leave the other side out (:func:`matcher.relation_strength.dismissed`). Read in one query; recording an
outcome bumps the relationships version, so a cache keyed on it stays right."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage import outcomes
from storage.events import RequestRow
from storage.outcomes import OutcomeRow


def meeting_marks(engine: Engine, outcome: str = "not_relevant") -> list[tuple[str, str, str]]:
    """(who marked, the other side of the meeting, ``outcome``) for every meeting outcome equal to ``outcome``."""
    outcomes.ensure_schema(engine)
    with Session(engine) as s:
        found = s.execute(select(OutcomeRow.profile_id, RequestRow.from_id, RequestRow.to_id)
                          .join(RequestRow, RequestRow.id == OutcomeRow.request_id)
                          .where(OutcomeRow.outcome == outcome)
                          .order_by(OutcomeRow.request_id, OutcomeRow.profile_id)).all()
    return [(who, b if who == a else a, outcome) for who, a, b in found]
