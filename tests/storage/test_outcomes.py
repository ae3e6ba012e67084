"""Meeting outcomes in the database: one per meeting and participant, replaced when recorded again, listed by
event and participant, each record bumping the relationships version; on SQLite and on a real PostgreSQL
server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from matcher.outcomes import MeetingOutcome
from storage import outcomes
from storage import relationships as rel
from storage.db import open_database
from tests.storage.test_relationships import PROFILES, fair

LATER = datetime(2030, 5, 4, 12, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    from storage import repository as repo

    url = str(tmp_path / "outcomes.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = open_database(url)
    repo.write_profiles(engine, PROFILES, model_id="m", vectors={})
    outcomes.ensure_schema(engine)
    yield engine
    engine.dispose()


def outcome(eid: int, rid: int, who: str, code: str, note: str = "", minutes: int = 0) -> MeetingOutcome:
    return MeetingOutcome(event_id=eid, request_id=rid, profile_id=who, outcome=code, note=note,
                          recorded_at=LATER + timedelta(minutes=minutes))


def test_an_outcome_is_recorded_once_per_meeting_and_participant(engine: Engine) -> None:
    eid, ids = fair(engine)
    outcomes.record(engine, outcome(eid, ids["ab"], "a", "useful", "on se revoit à Lyon"))
    outcomes.record(engine, outcome(eid, ids["ab"], "b", "follow_up"))
    outcomes.record(engine, outcome(eid, ids["ac"], "a", "no_show"))
    outcomes.record(engine, outcome(eid, ids["ab"], "a", "agreement", "contrat signé", minutes=5))  # replaces
    found = outcomes.list_outcomes(engine, eid)
    assert [(o.request_id, o.profile_id, o.outcome, o.note) for o in found] == [
        (ids["ab"], "a", "agreement", "contrat signé"), (ids["ab"], "b", "follow_up", ""),
        (ids["ac"], "a", "no_show", "")]
    assert found[0].recorded_at == LATER + timedelta(minutes=5)
    assert [o.request_id for o in outcomes.list_outcomes(engine, eid, profile_id="b")] == [ids["ab"]]
    assert outcomes.list_outcomes(engine, eid + 1) == []
    grouped = outcomes.by_meeting(found)
    assert set(grouped) == {ids["ab"], ids["ac"]} and set(grouped[ids["ab"]]) == {"a", "b"}


def test_each_record_moves_the_relationships_version(engine: Engine) -> None:
    eid, ids = fair(engine)
    before = rel.relationships_version(engine, now=LATER)
    outcomes.record(engine, outcome(eid, ids["ab"], "a", "no_show"))
    middle = rel.relationships_version(engine, now=LATER)
    outcomes.record(engine, outcome(eid, ids["ab"], "a", "useful"))
    assert before < middle < rel.relationships_version(engine, now=LATER)
