"""Stored partnerships (upserted by pair, kind and reference), the derived cluster members and meetings held at
events, all read by load_relationships in three queries, and the version readers cache on; on SQLite and on a
real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, event

from matcher.events import Assignment, NewRequest, Participant, Slot, Table
from matcher.outcomes import MeetingOutcome
from matcher.profile import Profile
from matcher.relationships import Relationship, partnership
from storage import events as ev
from storage import outcomes
from storage import relationships as rel
from storage import repository as repo
from storage.db import open_database

T0 = datetime(2030, 5, 4, 8, 0, tzinfo=UTC)  # the fair's first slot (09:00 in Tunis)


def profile(pid: str, **kw: object) -> Profile:
    base: dict[str, object] = {"id": pid, "name": f"Org {pid}", "kind": "firm", "country": "TN",
                               "sectors": ("crafts",), "description": "x"}
    return Profile(**(base | kw))  # type: ignore[arg-type]


PROFILES = [profile("a"), profile("b", country="FR"), profile("c", country="IT"), profile("d", country="MA"),
            profile("k", kind="cluster", members=("a", "b", "gone", "a"))]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    url = str(tmp_path / "rel.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = open_database(url)
    repo.write_profiles(engine, PROFILES, model_id="m", vectors={})
    yield engine
    engine.dispose()


def fair(engine: Engine) -> tuple[int, dict[str, int]]:
    """A fair of four 30-minute slots from T0 with meetings: a-b in slot 1, a-c in slot 2, b-c in slot 3 and c-d in
    slot 4 (all accepted and scheduled), d-a accepted but not scheduled; returns the event and request ids."""
    ev.ensure_schema(engine)
    slots = [Slot(index=i, start=T0 + timedelta(minutes=30 * i), end=T0 + timedelta(minutes=30 * i + 30),
                  session="morning") for i in range(4)]
    eid = ev.create_event(engine, name="CAT 2030", venue="Kram", timezone="Africa/Tunis", slots=slots,
                          tables=[Table(number=1, name="Table 1")],
                          participants=[Participant(profile_id=p) for p in "abcd"])
    made = ev.add_requests(engine, eid, [NewRequest(from_id=x, to_id=y, state="accepted")
                                         for x, y in ("ab", "ac", "bc", "cd", "da")])
    ids = {r.from_id + r.to_id: r.id for r in made}
    ev.replace_assignments(engine, eid, [Assignment(request_id=ids[p], slot=i, table=1)
                                         for i, p in enumerate(("ab", "ac", "bc", "cd"))])
    return eid, ids


def said(engine: Engine, eid: int, rid: int, who: str, outcome: str) -> None:
    outcomes.record(engine, MeetingOutcome(event_id=eid, request_id=rid, profile_id=who, outcome=outcome, note="",
                                           recorded_at=T0 + timedelta(hours=3)))


def test_partnerships_are_upserted_by_unordered_pair_kind_and_reference(engine: Engine) -> None:
    first = partnership("b", "a", date=date(2020, 1, 1), origin="CORDIS", reference="P1")
    assert rel.write_partnerships(engine, [first, partnership("a", "c", date=date(2021, 1, 1))]) == (2, 0)
    again = partnership("a", "b", date=date(2021, 6, 1), origin="EEN", reference="P1")
    assert rel.write_partnerships(engine, [again, partnership("a", "b", date=date(2019, 1, 1),
                                                              reference="P2")]) == (1, 1)
    stored = [r for r in rel.load_relationships(engine) if r.kind == "partnership"]
    assert [(r.source, r.target, r.date, r.origin, r.reference) for r in stored] == [
        ("a", "b", date(2021, 6, 1), "EEN", "P1"), ("a", "c", date(2021, 1, 1), "", ""),
        ("a", "b", date(2019, 1, 1), "", "P2")]
    found = rel.find_partnership(engine, partnership("b", "a", date=date(2000, 1, 1), reference="P1"))
    assert found is not None and found.id is not None and found.id == stored[0].id
    assert rel.get_partnership(engine, found.id) == found
    assert rel.delete_partnership(engine, found.id) and not rel.delete_partnership(engine, found.id)
    assert rel.get_partnership(engine, found.id) is None
    assert rel.write_partnerships(engine, []) == (0, 0)


def test_cluster_members_are_derived_from_the_cluster_profile_at_read_time(engine: Engine) -> None:
    members = [r for r in rel.load_relationships(engine) if r.kind == "cluster_member"]
    assert [(r.source, r.target, r.id) for r in members] == [("k", "a", None), ("k", "b", None)]  # 'gone' is no profile
    assert members[0].date == datetime.now(UTC).date()  # the cluster profile's last write
    repo.write_profiles(engine, [replace(PROFILES[-1], members=("c",))], model_id="m", vectors={})
    assert [(r.source, r.target) for r in rel.load_relationships(engine) if r.kind == "cluster_member"] == [("k", "c")]


def test_meetings_held_are_met_at_event_with_the_best_outcome(engine: Engine) -> None:
    eid, ids = fair(engine)
    assert [r for r in rel.load_relationships(engine, now=T0 - timedelta(minutes=1)) if r.kind == "met_at_event"] == []
    said(engine, eid, ids["ab"], "a", "useful")
    said(engine, eid, ids["ab"], "b", "agreement")  # the best of the two sides
    said(engine, eid, ids["ac"], "a", "no_show")
    said(engine, eid, ids["ac"], "c", "no_show")  # both say nobody came: not met
    said(engine, eid, ids["bc"], "b", "no_show")
    said(engine, eid, ids["bc"], "c", "follow_up")  # one side was there with the other
    during = T0 + timedelta(minutes=70)  # slots 1 to 3 have started, not slot 4
    met = [r for r in rel.load_relationships(engine, now=during) if r.kind == "met_at_event"]
    assert met == [
        Relationship(source="a", target="b", kind="met_at_event", date=date(2030, 5, 4), origin="CAT 2030",
                     reference=f"event:{eid}", outcome="agreement"),
        Relationship(source="b", target="c", kind="met_at_event", date=date(2030, 5, 4), origin="CAT 2030",
                     reference=f"event:{eid}", outcome="follow_up")]
    later = [(r.source, r.target, r.outcome) for r in rel.load_relationships(engine, now=T0 + timedelta(days=1))
             if r.kind == "met_at_event"]
    assert later == [("a", "b", "agreement"), ("b", "c", "follow_up"), ("c", "d", "")]  # held, nothing said
    ev.set_request_state(engine, ids["cd"], from_states=("accepted",), state="cancelled", decided_by="organiser")
    assert ("c", "d", "") not in [(r.source, r.target, r.outcome) for r in
                                  rel.load_relationships(engine, now=T0 + timedelta(days=1))]


def test_relationships_of_profiles_that_left_are_not_returned(engine: Engine) -> None:
    fair(engine)
    rel.write_partnerships(engine, [partnership("a", "d", date=date(2020, 1, 1)),
                                    partnership("b", "c", date=date(2020, 1, 1))])
    repo.delete_profiles(engine, ["a"])
    found = rel.load_relationships(engine, now=T0 + timedelta(days=1))
    assert all("a" not in (r.source, r.target) for r in found)
    assert {(r.kind, r.source, r.target) for r in found} == {
        ("partnership", "b", "c"), ("cluster_member", "k", "b"), ("met_at_event", "b", "c"),
        ("met_at_event", "c", "d")}


def test_load_relationships_is_three_queries(engine: Engine) -> None:
    fair(engine)
    rel.write_partnerships(engine, [partnership("a", "d", date=date(2020, 1, 1))])
    rel.load_relationships(engine)  # the schema is known from now on
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert len(rel.load_relationships(engine, now=T0 + timedelta(days=1))) == 7
        assert len(statements) == 3
        statements.clear()
        rel.relationships_version(engine)
        assert len(statements) == 2
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_version_moves_with_every_change_and_never_back(engine: Engine) -> None:
    seen: list[int] = []

    def step(now: datetime = T0 - timedelta(days=1)) -> None:
        seen.append(rel.relationships_version(engine, now=now))
        assert len(seen) == 1 or seen[-1] > seen[-2], seen

    step()
    rel.write_partnerships(engine, [partnership("a", "d", date=date(2020, 1, 1))])
    step()
    found = rel.find_partnership(engine, partnership("a", "d", date=date(2020, 1, 1)))
    assert found is not None and found.id is not None
    rel.delete_partnership(engine, found.id)
    step()
    repo.write_profiles(engine, [replace(PROFILES[-1], members=("c",))], model_id="m", vectors={})  # cluster members
    step()
    eid, ids = fair(engine)  # a schedule stored
    step()
    step(T0 + timedelta(minutes=40))  # two meetings have started
    step(T0 + timedelta(minutes=100))  # four
    said(engine, eid, ids["ab"], "a", "no_show")
    step(T0 + timedelta(minutes=100))
    ev.set_request_state(engine, ids["bc"], from_states=("accepted",), state="cancelled", decided_by="organiser")
    step(T0 + timedelta(minutes=100))  # one meeting fewer has started, yet the version went up
    ev.set_request_state(engine, ids["da"], from_states=("accepted",), state="cancelled", decided_by="organiser")
    assert rel.relationships_version(engine, now=T0 + timedelta(minutes=100)) == seen[-1]  # it was not scheduled
