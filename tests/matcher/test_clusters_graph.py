"""Cluster seeding with the relationship graph: ties to the group and brokers count, no graph changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.index_exact import ExactIndex
from matcher.cluster_extend import extend_cluster
from matcher.clusters import ClusterParams, Focus, evaluate_cluster, seed_cluster
from matcher.constraints import CatalogueArrays, Constraints
from matcher.graph import RelationGraph
from matcher.profile import Profile
from tests.matcher.test_clusters import POTTERY, build, unit

D = 4


def catalogue(countries: list[str], looks: list[list[float]]) -> tuple[CatalogueArrays, dict[str, ExactIndex]]:
    """Firms with no offers, needs or sectors: only the fit to the theme (axis 0) and the graph tell them apart."""
    profiles = [Profile(id=f"o{i}", name=f"Org {i}", kind="firm", country=c, sectors=(), description="org")
                for i, c in enumerate(countries)]
    vectors = np.array([np.array(v, np.float32) / np.linalg.norm(v) for v in looks], np.float32)
    empty = ExactIndex(np.zeros((0, D), np.float32))
    return CatalogueArrays.from_profiles(profiles), {"overall": ExactIndex(vectors), "offers_items": empty,
                                                       "needs_items": empty}


def graph(cat: CatalogueArrays, edges: list[tuple[int, int]]) -> RelationGraph:
    a, b = np.array(edges, np.int64).reshape(-1, 2).T
    return RelationGraph.build(len(cat), a, b, np.ones(len(a)), countries=cat.countries, kinds=cat.kinds,
                               sectors=cat.sectors)


THEME = Focus(theme=np.array([1.0, 0, 0, 0], np.float32))


def picked(cat: CatalogueArrays, idx: dict[str, ExactIndex], size: int, anchors: list[int],
           g: RelationGraph | None, *, pool: int = 300, brokers: float = 0.5) -> set[int]:
    params = ClusterParams(size=size, pool=pool, brokers=brokers)
    seeded = seed_cluster(cat, idx, THEME, Constraints(), params, anchors=anchors, graph=g)
    return {m.row for m in seeded.members} - set(anchors)


def test_of_two_equally_similar_candidates_the_one_who_worked_with_the_anchors_is_picked() -> None:
    # 0 (MA) and 1 (FR) are the anchors; 2 and 3 (IT) look exactly alike; 4 fits the theme less
    cat, idx = catalogue(["MA", "FR", "IT", "IT", "ES"], [[1, 0.2, 0, 0], [1, 0, 0.2, 0], [1, 0, 0, 0.3],
                                                          [1, 0, 0, 0.3], [0.5, 1, 0, 0]])
    linked = graph(cat, [(3, 0), (3, 1)])
    assert picked(cat, idx, 3, [0, 1], None) == {2}  # no graph: the tie goes to the first row
    assert picked(cat, idx, 3, [0, 1], linked) == {3}
    seeded = seed_cluster(cat, idx, THEME, Constraints(), ClusterParams(size=3), anchors=[0, 1], graph=linked)
    assert {m.row: m.worked_with for m in seeded.members} == {0: (3,), 1: (3,), 3: (0, 1)}


def test_shared_partners_count_when_nobody_worked_together_directly() -> None:
    # 5 is a partner of anchor 0 and of candidate 3: 3 and the anchors share a partner, 2 shares none
    cat, idx = catalogue(["MA", "FR", "IT", "IT", "ES", "TN"], [[1, 0.2, 0, 0], [1, 0, 0.2, 0], [1, 0, 0, 0.3],
                                                                [1, 0, 0, 0.3], [0.5, 1, 0, 0], [0, 1, 0, 0]])
    assert picked(cat, idx, 3, [0, 1], graph(cat, [(5, 0), (5, 3)])) == {3}


def test_a_broker_linking_two_countries_of_the_group_is_preferred() -> None:
    # anchors 0, 1 (MA) and 2 (FR); 3 and 4 (ES) look alike and each worked with two anchors, equally strongly:
    # 3 with both Moroccans, 4 with a Moroccan and the French one, so 4 links the group's two countries
    cat, idx = catalogue(["MA", "MA", "FR", "ES", "ES"], [[1, 0.2, 0, 0], [1, 0.3, 0, 0], [1, 0, 0.2, 0],
                                                          [1, 0, 0, 0.3], [1, 0, 0, 0.3]])
    g = graph(cat, [(3, 0), (3, 1), (4, 0), (4, 2)])
    assert picked(cat, idx, 4, [0, 1, 2], g, brokers=0.0) == {3}  # same mean tie: the first row
    assert picked(cat, idx, 4, [0, 1, 2], g, brokers=0.5) == {4}


def test_the_pool_takes_in_those_tied_to_the_anchors() -> None:
    # 4 fits the theme worst and is outside a pool of three (the anchors and 2), but it worked with both anchors
    cat, idx = catalogue(["MA", "FR", "IT", "IT", "ES"], [[1, 0.2, 0, 0], [1, 0, 0.2, 0], [1, 0, 0, 0.3],
                                                          [1, 0, 0, 0.3], [0.5, 1, 0, 0]])
    g = graph(cat, [(4, 0), (4, 1)])
    assert picked(cat, idx, 3, [0, 1], None, pool=3) == {2}
    assert picked(cat, idx, 3, [0, 1], g, pool=3) == {4}
    with pytest.raises(ValueError, match="graph has 3 rows"):
        seed_cluster(cat, idx, THEME, Constraints(), ClusterParams(size=3), anchors=[0],
                     graph=graph(catalogue(["MA"] * 3, [[1, 0, 0, 0]] * 3)[0], [(0, 1)]))


# seed_cluster's members before the graph existed (commit 6c0f0bd) on tests/matcher/test_clusters.build(), theme
# focus (a theme-only fit is the calibrated theme cosine, as then; the cohesion moved with the per-need calibration
# of the complementarity)
BEFORE_THEME = [6, 0, 1, 5]


def test_without_a_graph_or_without_edges_the_seed_is_what_it_was() -> None:
    cat, idx, _ = build()
    cases = [(Focus(theme=unit((POTTERY, 1))), ClusterParams(size=4, min_countries=3, require={"education": 1},
                                                             rest=()), []),
             (Focus(sectors=("crafts",)), ClusterParams(size=5, min_countries=2, require={"funder": 1}),
              [list(cat.ids).index("tn-film")])]
    no_edges = RelationGraph.build(len(cat), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                                   countries=cat.countries, kinds=cat.kinds, sectors=cat.sectors)
    for focus, params, anchors in cases:
        plain = seed_cluster(cat, idx, focus, Constraints(), params, anchors=anchors)
        empty = seed_cluster(cat, idx, focus, Constraints(), params, anchors=anchors, graph=no_edges)
        assert empty == plain and not plain.unmet
        assert all(m.worked_with == () for m in empty.members)
    theme = seed_cluster(cat, idx, cases[0][0], Constraints(), cases[0][1])
    assert [m.row for m in theme.members] == BEFORE_THEME


def test_evaluating_a_graph_seed_with_its_graph_gives_its_alternatives() -> None:
    cat, idx = catalogue(["MA", "FR", "IT", "IT", "ES", "TN"], [[1, 0.2, 0, 0], [1, 0, 0.2, 0], [1, 0, 0, 0.3],
                                                                [1, 0, 0, 0.3], [0.5, 1, 0, 0], [0, 1, 0, 0]])
    g = graph(cat, [(3, 0), (3, 1), (4, 0)])
    params = ClusterParams(size=4, alternatives=3)
    seeded = seed_cluster(cat, idx, THEME, Constraints(), params, anchors=[0, 1], graph=g)
    rows = [m.row for m in seeded.members]
    evaluated = evaluate_cluster(cat, idx, THEME, Constraints(), params, rows, anchors=[0, 1], graph=g)
    assert evaluated.alternatives == seeded.alternatives and evaluated.cohesion == seeded.cohesion
    assert [m.worked_with for m in evaluated.members] == [m.worked_with for m in seeded.members]
    # without its graph, the same set's alternatives no longer count who worked with the members
    plain = evaluate_cluster(cat, idx, THEME, Constraints(), params, rows, anchors=[0, 1])
    assert all(m.worked_with == () for m in plain.members)


def test_ties_count_to_the_anchors_when_there_are_any_else_to_the_members_chosen() -> None:
    # 0 fits the theme best; 1 and 2 look alike; 2 worked with 0
    cat, idx = catalogue(["MA", "FR", "FR", "ES"], [[1, 0, 0, 0], [1, 0, 0, 0.3], [1, 0, 0, 0.3], [0, 1, 0, 0]])
    g = graph(cat, [(2, 0)])
    assert picked(cat, idx, 2, [], None) == {0, 1}
    assert picked(cat, idx, 2, [], g) == {0, 2}  # no anchors: the tie to the first member chosen counts
    # with anchor 3, 0 is chosen (not an anchor): its partner 2 gets no credit for that tie
    assert picked(cat, idx, 3, [3], g) == {0, 1}


def test_extend_prefers_who_worked_with_the_members_and_links_their_countries() -> None:
    # members 0 (MA) and 1 (FR); 2, 3 and 4 (IT, ES, TN) look alike; 3 worked with 0, 4 with 0 and 1
    cat, idx = catalogue(["MA", "FR", "IT", "ES", "TN"], [[1, 0, 0, 0], [1, 0.2, 0, 0], [1, 0, 0, 0.3],
                                                          [1, 0, 0, 0.3], [1, 0, 0, 0.3]])
    top, scores, parts = extend_cluster(cat, idx, [0, 1], Constraints(), k=3)
    assert top.tolist() == [2, 3, 4] and set(parts) == {"fit", "adds", "new_market"}
    g = graph(cat, [(3, 0), (4, 0), (4, 1)])
    top, scores, parts = extend_cluster(cat, idx, [0, 1], Constraints(), k=3, graph=g)
    assert top.tolist() == [4, 3, 2] and parts["broker"].tolist() == [1.0, 0.0, 0.0]
    assert parts["relations"][0] > parts["relations"][1] > parts["relations"][2] == 0.0
    assert scores[0] - scores[2] == pytest.approx(0.5 * parts["relations"][0] + 0.25)


@pytest.mark.parametrize("anchors", [[], [0, 3]])
def test_the_objectives_tie_term_is_the_ties_of_matcher_ties(anchors: list[int]) -> None:
    """F reads the ties from the members' columns; the sum is what GroupTies gives member by member."""
    from matcher.cluster_objective import Objective
    from matcher.ties import GroupTies

    cat, _ = catalogue(["MA", "MA", "TN", "FR", "TN", "FR", "IT", "MA"], [[1, 0, 0, 0]] * 8)
    g = graph(cat, [(0, 2), (0, 3), (1, 2), (2, 5), (3, 4), (4, 6), (5, 6), (6, 7), (1, 7)])
    rows = np.arange(len(cat))
    ties = GroupTies(graph=g, rows=rows, countries=cat.countries)
    params = ClusterParams(size=5, relations=1.0, brokers=0.5)
    obj = Objective(cat=cat, rows=rows, fit=np.zeros(len(cat)), comp=np.zeros((len(cat), len(cat))), params=params,
                    asked=frozenset(), anchors=anchors, ties=ties)
    for members in ([0, 3, 2, 5, 6], [0, 3, 1, 7, 4], [0, 3, 6]):
        ref = [m for m in members if m in anchors] if anchors else members
        expected = sum(ties.relation(m, ref) + 0.5 * ties.broker(m, ref) for m in members if m not in anchors)
        assert obj.terms(members).ties == pytest.approx(expected) and expected > 0
