"""Recommended meetings and prefilled requests; the batched suggestions they rest on."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.constraints import Constraints
from matcher.errors import InvalidRequestError
from service import events as ev
from service.catalogue import Catalogue, suggest, suggest_many
from service.events import (
    EventService,
)
from tests.conftest import FakeEncoder
from tests.service.events.helpers import (
    MEMBERS,
    make_event,
    stored_as_is,
)


def test_recommendations_stay_in_the_event_with_mutual_first(svc: EventService) -> None:
    eid = make_event(svc)
    recs = ev.recommend(svc, eid, k=3)
    assert {r.participant for r in recs} <= set(MEMBERS) and {r.partner for r in recs} <= set(MEMBERS)
    assert all(r.participant != r.partner for r in recs)
    by: dict[str, list] = {}
    for r in recs:
        by.setdefault(r.participant, []).append(r)
    assert all(len(v) <= 3 for v in by.values())
    listed = {(r.participant, r.partner) for r in recs}
    for pid, mine in by.items():
        flags = [r.mutual for r in mine]
        assert flags == sorted(flags, reverse=True), f"{pid}: mutual matches must come first"
        for r in mine:
            assert r.mutual == ((r.partner, pid) in listed)
            assert r.reason
    assert any(r.mutual for r in recs)
    # de-1 is the closest profile to tn-1 in the catalogue but is not a participant
    assert "de-1" in [s.id for s in suggest(svc.catalogue, "tn-1", k=3, allow_same_country=True).suggestions]


def test_prefill_creates_one_request_per_pair_and_skips_existing(svc: EventService) -> None:
    eid = make_event(svc)
    recs = ev.recommend(svc, eid, k=2)
    first = recs[0]
    existing = ev.request(svc, eid, first.partner, first.participant)
    created = ev.prefill(svc, eid, k=2)
    pairs = [frozenset((r.from_id, r.to_id)) for r in created]
    assert len(pairs) == len(set(pairs)) and frozenset((first.participant, first.partner)) not in pairs
    assert set(pairs) == {frozenset((r.participant, r.partner)) for r in recs} - {existing.pair}
    assert all(r.state == "pending" and r.score is not None and r.reason for r in created)
    assert ev.prefill(svc, eid, k=2) == []


def test_capacity_is_free_slots_capped_by_max_meetings(svc: EventService) -> None:
    eid = make_event(svc, extra={"tn-1": {"max_meetings": "2"}, "ma-1": {"forbidden_slots": "1;2;3"},
                                 "lb-1": {"forbidden_slots": "1;2", "max_meetings": "9"}})
    cap = ev.capacities(ev.event(svc, eid))
    assert cap["tn-1"] == 2 and cap["ma-1"] == 3 and cap["lb-1"] == 4 and cap["fr-1"] == 6  # 6 slots in the plan


def test_joint_lists_show_nobody_more_than_its_exposure_bound(svc: EventService) -> None:
    eid = make_event(svc, extra={pid: {"max_meetings": "1"} for pid in MEMBERS})
    found = ev.recommendations(svc, eid, k=2, exposure_multiple=1.0)
    assert found.method == "joint" == ev.DEFAULT_METHOD
    shown: dict[str, int] = {}
    for r in found.rows:
        shown[r.partner] = shown.get(r.partner, 0) + 1
    assert max(shown.values()) <= 1  # capacity 1, multiple 1
    assert len(found.rows) == len(MEMBERS)  # every participant still gets one partner (7 places, 7 people)
    independent = ev.recommendations(svc, eid, k=2, method="independent", exposure_multiple=1.0)
    assert len(independent.rows) == 2 * len(MEMBERS)  # independent lists ignore the bound
    assert found.figures.short_share == 1.0 and independent.figures.short_share == 0.0  # k=2, one each


def test_independent_method_keeps_each_participants_own_top_k(svc: EventService) -> None:
    eid = make_event(svc)
    everyone = frozenset(MEMBERS)
    own = suggest_many(svc.catalogue, MEMBERS, k=3, constraints=Constraints(only_ids=everyone),
                       allow_same_country=True)
    got = ev.recommend(svc, eid, k=3, method="independent")
    for pid in MEMBERS:
        assert {r.partner: r.reason for r in got if r.participant == pid} == {
            s.id: s.reason for s in own[pid].suggestions}


def test_figures_are_the_metrics_of_the_lists_shown(svc: EventService) -> None:
    eid = make_event(svc, extra={"fr-1": {"max_meetings": "1"}})
    for method in ("joint", "independent"):
        found = ev.recommendations(svc, eid, k=2, method=method)
        f = found.figures
        assert 0 <= f.exposure_gini < 1 and 0 <= f.short_share <= 1 and 0 < f.top_share <= 1
        assert 0 < f.expected_meetings <= min(f.expected_requests, sum(found.capacity.values()))
        assert found.to_dict()["figures"]["expected_meetings"] == round(f.expected_meetings, 3)
    one = ev.recommendations(svc, eid, k=2, of="tn-1")
    assert {r.participant for r in one.rows} == {"tn-1"}
    assert one.figures == ev.recommendations(svc, eid, k=2).figures  # figures are the whole event's


def test_prefill_follows_the_method(svc: EventService) -> None:
    eid = make_event(svc)
    recs = ev.recommend(svc, eid, k=1, method="independent")
    created = ev.prefill(svc, eid, k=1, method="independent")
    assert {frozenset((r.from_id, r.to_id)) for r in created} == {frozenset((r.participant, r.partner)) for r in recs}


@pytest.mark.parametrize(("kw", "field"), [({"method": "best"}, "'method'"), ({"exposure_multiple": 0.5},
                                           "'exposure_multiple'"), ({"k": 0}, "'k'")])
def test_bad_values_name_the_field(svc: EventService, kw: dict[str, object], field: str) -> None:
    eid = make_event(svc)
    with pytest.raises(InvalidRequestError, match=field):
        ev.recommend(svc, eid, **kw)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match=field):
        ev.prefill(svc, eid, **kw)  # type: ignore[arg-type]
    assert ev.list_requests(svc, eid) == []


def test_lists_kept_between_calls_follow_catalogue_changes(svc: EventService) -> None:
    eid = make_event(svc)
    first = ev.recommend(svc, eid, k=3)
    assert ev.recommend(svc, eid, k=3) == first
    assert ev.recommend(svc, eid, k=3, of="tn-1") == [r for r in first if r.participant == "tn-1"]
    partner = first[0].partner
    stored_as_is(svc.catalogue, **{partner: "Renamed Org"})
    again = ev.recommend(svc, eid, k=3)
    assert {r.partner_name for r in again if r.partner == partner} == {"Renamed Org"}


def _no_encoder() -> FakeEncoder:
    raise AssertionError("the synthetic catalogue must never need an encoder")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalogue, list[str]]:
    from bench.synthetic import build_synthetic_db
    from storage.db import open_database

    db = tmp_path_factory.mktemp("synthetic") / "syn.db"
    ids = build_synthetic_db(db, 400, model_id="synthetic-test-32", seed=3, dim=32)
    cat = Catalogue(engine=open_database(db), index_dir=db.with_name("syn.index"), model_id="synthetic-test-32",
                    encoder_factory=_no_encoder)
    return cat, ids


def test_synthetic_catalogue_suggests_without_an_encoder(synthetic: tuple[Catalogue, list[str]]) -> None:
    cat, ids = synthetic
    assert ids == sorted(ids) and len(ids) == 400
    found = suggest(cat, ids[7], k=10)
    assert len(found.suggestions) == 10 and all(s.country != found.query["country"] for s in found.suggestions)


def test_suggest_many_equals_one_suggest_per_participant(synthetic: tuple[Catalogue, list[str]]) -> None:
    cat, ids = synthetic
    event = ids[::4]  # 100 participants
    everyone = frozenset(event)
    batch = suggest_many(cat, event, k=10, constraints=Constraints(only_ids=everyone), allow_same_country=True)
    assert list(batch) == event
    for pid in event:
        one = suggest(cat, pid, k=10, constraints=Constraints(only_ids=everyone - {pid}), allow_same_country=True)
        got = batch[pid]
        assert [s.id for s in got.suggestions] == [s.id for s in one.suggestions], pid
        assert [s.reason for s in got.suggestions] == [s.reason for s in one.suggestions], pid
        assert np.allclose([s.score for s in got.suggestions], [s.score for s in one.suggestions], atol=1e-6, rtol=0)
        assert (got.eligible, got.cap_relaxed) == (one.eligible, one.cap_relaxed)


def test_suggest_many_with_constraints_and_k_per_asker(synthetic: tuple[Catalogue, list[str]]) -> None:
    cat, ids = synthetic
    wanted = {ids[0]: frozenset(ids[10:60]), ids[1]: frozenset(ids[50:53]), "no-such-id": frozenset(ids[:5])}
    batch = suggest_many(cat, list(wanted), k={v: min(len(w), 100) for v, w in wanted.items()},
                             constraints={v: Constraints(only_ids=w) for v, w in wanted.items()},
                             allow_same_country=True)
    assert set(batch) == {ids[0], ids[1]}  # unknown ids are left out
    for viewer in (ids[0], ids[1]):
        one = suggest(cat, viewer, k=min(len(wanted[viewer]), 100), constraints=Constraints(only_ids=wanted[viewer]),
                          allow_same_country=True)
        assert [(s.id, round(s.score, 6)) for s in batch[viewer].suggestions] == [
            (s.id, round(s.score, 6)) for s in one.suggestions]
