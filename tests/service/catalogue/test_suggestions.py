"""Suggestions on the bundled sample data with the real model."""

from __future__ import annotations

import csv
import math

import pytest

from matcher.constraints import Constraints
from service.catalogue import suggest, suggest_many
from tests.conftest import PAIRS

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_merged_candidates_lose_no_top_10_result_of_exhaustive_reranking(sample_catalogue) -> None:
    profiles = sample_catalogue.state().profiles
    for p in profiles[::10]:
        merged = [s.id for s in suggest(sample_catalogue, p.id, k=10).suggestions]
        exhaustive = [s.id for s in suggest(sample_catalogue, p.id, k=10, exhaustive=True).suggestions]
        assert merged == exhaustive, p.id


def test_every_constructed_pair_is_found_both_ways_across_languages(sample_catalogue, pairs) -> None:
    for pair in pairs:
        seeker, partner = pair["seeker_id"], pair["partner_id"]
        assert partner in [s.id for s in suggest(sample_catalogue, seeker, k=10).suggestions], pair
        assert seeker in [s.id for s in suggest(sample_catalogue, partner, k=10).suggestions], pair


def test_suggestions_are_explained_cross_border_and_diverse(sample_catalogue) -> None:
    profiles = sample_catalogue.state().profiles
    for p in profiles[::9]:
        result = suggest(sample_catalogue, p.id, k=9)
        assert len(result.suggestions) == 9 and result.eligible >= 9
        countries = [s.country for s in result.suggestions]
        assert p.country not in countries and p.id not in [s.id for s in result.suggestions]
        assert max(countries.count(c) for c in countries) <= math.ceil(9 / 3)
        for s in result.suggestions:
            assert s.evidence and s.reason and s.admitted_by
            assert set(s.components) == {"semantic", "complementarity", "sector", "preference"}
            assert all(0.0 <= v <= 1.0 for v in s.components.values())
        scores = [s.score for s in result.suggestions]
        assert scores == sorted(scores, reverse=True) or result.cap_relaxed


def test_a_producer_gets_buyers_not_look_alikes(sample_catalogue) -> None:
    result = suggest(sample_catalogue, "ma-0901", k=5)  # a ceramics workshop in Safi, writing in Arabic
    top = result.suggestions[0]
    assert top.id == "fr-0901" and top.components["complementarity"] > 0.8
    assert "offers" in top.reason and "which you need" in top.reason
    need = next(e for e in top.evidence if e.relation == "they offer what you need")
    assert "céramique" in need.theirs


def test_filters_and_fewer_eligible_than_k(sample_catalogue) -> None:
    result = suggest(sample_catalogue, "ma-0901", k=10, constraints=Constraints(countries=frozenset({"FR", "BE"}),
                                                                                kinds=frozenset({"firm"})))
    assert {s.country for s in result.suggestions} <= {"FR", "BE"}
    assert all(s.kind == "firm" for s in result.suggestions)
    few = suggest(sample_catalogue, "ma-0901", k=10, constraints=Constraints(countries=frozenset({"LU"})))
    assert few.eligible == len(few.suggestions) < 10
    same = suggest(sample_catalogue, "ma-0901", k=5, allow_same_country=True, constraints=Constraints(
        countries=frozenset({"MA"})))
    assert same.suggestions and all(s.country == "MA" for s in same.suggestions)
    assert "same country allowed (MA)" in same.suggestions[0].admitted_by


def test_batched_suggestions_equal_one_call_per_profile(sample_catalogue) -> None:
    """suggest_many on an event's sub-catalogue gives the per-participant loop's ids, order and scores."""
    ids = [p.id for p in sample_catalogue.state().profiles[::6]]
    everyone = frozenset(ids)
    batch = suggest_many(sample_catalogue, ids, k=10, constraints=Constraints(only_ids=everyone),
                                          allow_same_country=True)
    assert set(batch) == set(ids)
    for pid in ids:
        one = suggest(sample_catalogue, pid, k=10, constraints=Constraints(only_ids=everyone - {pid}),
                                       allow_same_country=True)
        got = batch[pid]
        assert [s.id for s in got.suggestions] == [s.id for s in one.suggestions], pid
        assert [s.reason for s in got.suggestions] == [s.reason for s in one.suggestions], pid
        for a, b in zip(got.suggestions, one.suggestions, strict=True):
            assert math.isclose(a.score, b.score, abs_tol=1e-6)
        assert got.eligible == one.eligible
