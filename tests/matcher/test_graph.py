"""Graph features on small graphs with values computed by hand, and the leakage rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.graph import GRAPH_FEATURES, RelationGraph, graph_features

# rows: 0 = asker (MA firm), 1 and 2 = its partners (FR), 3 = candidate linked to both, 4 = candidate linked
# to 1 only, 5 = a hub linked to 1, 2, 3, 4; 6 = nobody's partner
EDGES = [(0, 1), (0, 2), (3, 1), (3, 2), (4, 1), (5, 1), (5, 2), (5, 3), (5, 4)]
COUNTRIES = np.array(["MA", "FR", "FR", "ES", "IT", "FR", "TN"])
KINDS = np.array(["firm", "association", "firm", "firm", "firm", "education", "firm"])
SECTORS = np.zeros((7, 3), bool)
VECTORS = np.eye(7, 4)  # rows 0..3 orthonormal, 4..6 zero
VECTORS[4] = VECTORS[6] = [1, 0, 0, 0]  # 4 and 6 look exactly like the asker


def graph(edges: list[tuple[int, int]] = EDGES, weights: list[float] | None = None) -> RelationGraph:
    a, b = np.array(edges).T
    return RelationGraph.build(7, a, b, np.array(weights or [1.0] * len(edges)), countries=COUNTRIES,
                               kinds=KINDS, sectors=SECTORS)


def vectors(rows: np.ndarray) -> np.ndarray:
    return VECTORS[rows]


def feature(g: RelationGraph, name: str, rows: list[int], q: int = 0) -> np.ndarray:
    return graph_features(g, q, np.array(rows), vectors)[:, GRAPH_FEATURES.index(name)]


def test_common_partners_and_adamic_adar_by_hand() -> None:
    g = graph()
    assert g.edges == 9
    assert feature(g, "common_partners", [3, 4, 5, 6]).tolist() == [2, 1, 2, 0]
    # partner 1 has degree 4 (0, 3, 4, 5), partner 2 degree 3 (0, 3, 5)
    aa = feature(g, "adamic_adar", [3, 4, 6])
    assert aa == pytest.approx([1 / math.log(4) + 1 / math.log(3), 1 / math.log(4), 0.0])


def test_recent_partners_multiply_link_strengths() -> None:
    g = graph(weights=[0.5, 1.0, 0.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # 0–1 is 0.5, 3–1 is 0.2
    assert feature(g, "recent_partners", [3]) == pytest.approx([0.5 * 0.2 + 1.0 * 1.0])


def test_collaborative_signals_through_the_vectors() -> None:
    g = graph()
    # candidate 5's partners are 1, 2, 3, 4: only 4 looks like the asker (cosine 1) -> mean 1/4
    assert feature(g, "partners_alike", [5]) == pytest.approx([0.25])
    # the asker's partners 1 and 2 against candidate 3 (orthogonal) -> 0; against 6 -> 0
    assert feature(g, "alike_partners", [3, 6]) == pytest.approx([0.0, 0.0])
    assert feature(g, "alike_partners", [1], q=3) == pytest.approx([0.0])


def test_country_pair_prior_counts_edges_between_countries() -> None:
    g = graph()
    # MA–FR edges exist (2 of 9), MA–TN none: the MA→FR lift is above the MA→TN lift
    lift = feature(g, "country_pair", [5, 6])
    assert lift[0] > lift[1]


@pytest.mark.parametrize("pair", [(0, 1), (3, 5), (1, 4)])
def test_removing_an_edge_changes_nothing_about_its_own_features(pair: tuple[int, int]) -> None:
    with_edge = graph()
    without = graph([e for e in EDGES if set(e) != set(pair)])
    q, c = pair
    a = graph_features(with_edge, q, np.array([c]), vectors)
    b = graph_features(without, q, np.array([c]), vectors)
    assert a == pytest.approx(b), dict(zip(GRAPH_FEATURES, zip(a[0], b[0], strict=True), strict=True))
    # ... while other pairs' features do change (the edge is evidence about them)
    assert not np.allclose(graph_features(with_edge, q, np.arange(7), vectors),
                           graph_features(without, q, np.arange(7), vectors))


def test_an_asker_outside_the_catalogue_gets_zeros() -> None:
    assert not graph_features(graph(), -1, np.array([1, 2]), vectors).any()


def test_two_hop_and_common_for_explanations() -> None:
    g = graph()
    rows, counts = g.two_hop(0)
    assert dict(zip(rows.tolist(), counts.tolist(), strict=True)) == {3: 2, 4: 1, 5: 2}
    assert sorted(g.common(0, 3).tolist()) == [1, 2]
