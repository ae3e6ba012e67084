"""Edge strengths by kind, outcome and recency, values known by construction; the graph they build; who an
asker dismissed; the relationship reasons of an explanation in words."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from matcher.constraints import CatalogueArrays
from matcher.relation_evidence import RelationEvidence, relation_evidence, relation_evidence_many
from matcher.relation_strength import dismissed, is_label, kind_weight, recency, relations_of, strength
from matcher.relationships import Relationship, partnership
from tests.matcher.test_ranking import make

TODAY = date(2026, 1, 1)
COUNTRIES = ("TN", "FR", "IT", "MA", "EG", "ES")


def arrays_of(n: int) -> CatalogueArrays:
    return CatalogueArrays.from_profiles([make(f"p{i}", country=COUNTRIES[i]) for i in range(n)])


def met(a: str, b: str, outcome: str, day: date = TODAY, event: str = "CAT 2025") -> Relationship:
    return Relationship(source=a, target=b, kind="met_at_event", date=day, origin=event, outcome=outcome)


def test_weights_by_kind_and_outcome() -> None:
    assert kind_weight(partnership("a", "b", date=TODAY)) == 1.0
    assert kind_weight(Relationship(source="k", target="a", kind="cluster_member", date=TODAY)) == 0.5
    assert [kind_weight(met("a", "b", o)) for o in ("agreement", "follow_up", "useful", "")] == [1.0, 0.8, 0.5, 0.3]
    assert kind_weight(met("a", "b", "not_relevant")) == 0.0 and kind_weight(met("a", "b", "no_show")) == 0.0
    assert is_label(partnership("a", "b", date=TODAY)) and is_label(met("a", "b", "useful"))
    assert not is_label(met("a", "b", "")) and not is_label(met("a", "b", "not_relevant"))


def test_recency_halves_every_five_years() -> None:
    assert recency(TODAY, TODAY) == 1.0 and recency(date(2027, 1, 1), TODAY) == 1.0  # the future counts as new
    assert recency(date(2016, 1, 1), TODAY) == pytest.approx(0.25, abs=2e-3)
    assert strength(met("a", "b", "follow_up", date(2021, 1, 1)), TODAY) == pytest.approx(0.8 * 0.5, abs=2e-3)


def test_the_graph_leaves_out_non_edges_and_unknown_profiles() -> None:
    arrays = arrays_of(4)
    ids = arrays.ids.tolist()
    row = {pid: i for i, pid in enumerate(ids)}.get
    found = [partnership(ids[0], ids[1], date=TODAY), met(ids[1], ids[2], "not_relevant"),
             met(ids[2], ids[3], "follow_up", event="Fès Craft Fair"), partnership(ids[0], "gone", date=TODAY)]
    rel = relations_of(found, arrays, [f"N{i}" for i in range(4)], row, TODAY)
    assert rel.graph.edges == 2 and rel.graph.partners(1).tolist() == [0]
    assert rel.meetings == {(2, 3): ("Fès Craft Fair", "follow_up")}
    assert np.allclose(rel.graph.links(2), [0.8])


def test_dismissed_are_who_the_asker_marked_not_relevant() -> None:
    marks = [("a", "b", "not_relevant"), ("b", "c", "useful"), ("a", "d", "not_relevant")]
    assert dismissed(marks) == {"a": frozenset({"b", "d"})}


def test_relationship_reasons_in_words() -> None:
    one = RelationEvidence(kind="shared_partners", partners=(("Terres du Sud", "FR"),))
    assert one.text() == "works with Terres du Sud (FR), who also works with you"
    two = RelationEvidence(kind="shared_partners", partners=(("A", "FR"), ("B", "IT")))
    assert two.text() == "works with A (FR) and B (IT), who also work with you"
    more = RelationEvidence(kind="shared_partners", partners=(("A", "FR"), ("B", "IT")), more=3)
    assert more.text() == "works with A (FR), B (IT) and 3 more, who also work with you"
    assert RelationEvidence(kind="met_at_event", event="CAT 2025", outcome="follow_up").text() == \
        "already met at CAT 2025 (follow-up)"
    assert RelationEvidence(kind="met_at_event", event="CAT 2025").text() == "already met at CAT 2025"


def test_shared_partners_strongest_first_two_named() -> None:
    arrays = arrays_of(6)
    ids = arrays.ids.tolist()
    row = {pid: i for i, pid in enumerate(ids)}.get
    old = date(2016, 1, 1)  # a quarter as strong
    found = [partnership(ids[0], z, date=TODAY) for z in ids[2:5]]
    found += [partnership(ids[1], ids[2], date=old), partnership(ids[1], ids[3], date=TODAY),
              partnership(ids[1], ids[4], date=TODAY)]
    rel = relations_of(found, arrays, [f"N{i}" for i in range(6)], row, TODAY)
    (shared,) = relation_evidence(rel, ids[0], ids[1])
    assert [n for n, _ in shared.partners] == ["N3", "N4"] and shared.more == 1
    assert shared.partners[0][1] == COUNTRIES[3]
    assert relation_evidence(rel, None, ids[1]) == () and relation_evidence(rel, "gone", ids[1]) == ()


def test_reasons_for_many_candidates_as_one_by_one() -> None:
    arrays = arrays_of(6)
    ids = arrays.ids.tolist()
    row = {pid: i for i, pid in enumerate(ids)}.get
    found = [partnership(ids[0], ids[2], date=TODAY), partnership(ids[1], ids[2], date=TODAY),
             partnership(ids[3], ids[2], date=TODAY), met(ids[0], ids[1], "follow_up"), met(ids[4], ids[5], "")]
    rel = relations_of(found, arrays, [f"N{i}" for i in range(6)], row, TODAY)
    candidates = [*ids, "gone", "an-id-longer-than-every-stored-one"]
    for asker in (*ids, None, "gone"):
        want = [relation_evidence(rel, asker, c) for c in candidates]
        assert relation_evidence_many(rel, asker, candidates) == want
        assert relation_evidence_many(rel, asker, []) == []
    # ids[0]'s partners are ids[2] and ids[1] (met): ids[1] shares ids[2] and met it, ids[2] and ids[3] share one
    assert [len(r) for r in relation_evidence_many(rel, ids[0], ids)] == [1, 2, 1, 1, 0, 0]
    assert [len(r) for r in relation_evidence_many(rel, ids[5], ids)] == [0, 0, 0, 0, 1, 1]  # met ids[4] only
    no_meetings = relations_of(found[:3], arrays, [f"N{i}" for i in range(6)], row, TODAY)
    assert relation_evidence_many(no_meetings, ids[5], ids) == [()] * 6  # no partner, no meeting: nothing looked up
    assert [relation_evidence(no_meetings, ids[5], c) for c in ids] == [()] * 6
