"""Ties to a group on a small graph, computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.graph import RelationGraph
from matcher.ties import GroupTies, tie_to, ties_to_group

# 0–1 and 0–3 full strength, 1–2 half, 3–2 full; 4 nobody's partner. Countries: 0 MA, 1 FR, 2 IT, 3 FR, 4 ES
COUNTRIES = np.array(["MA", "FR", "IT", "FR", "ES"])


def graph() -> RelationGraph:
    a, b = np.array([0, 1, 0, 3]), np.array([1, 2, 3, 2])
    return RelationGraph.build(5, a, b, np.array([1.0, 0.5, 1.0, 1.0]), countries=COUNTRIES,
                               kinds=np.array(["firm"] * 5), sectors=np.zeros((5, 1), bool))


def test_a_tie_is_the_direct_link_and_the_shared_partners_over_the_best_tied_row() -> None:
    tie, direct = tie_to(graph(), 0)
    assert direct.tolist() == [0, 1, 0, 1, 0]
    # 2 shares 1 and 3 with 0, both of degree 2: Adamic–Adar 2 / log 2 = 2.885, the best; 1 and 3 have the direct
    # link only (1 shares no partner with 0)
    best = 2 / math.log(2)
    assert tie == pytest.approx([0.0, 1 / best, 1.0, 1 / best, 0.0])
    assert tie_to(graph(), 4)[0].tolist() == [0.0] * 5  # nobody's partner: tied to nobody


def test_group_relation_is_the_mean_tie_and_a_broker_links_the_groups_countries() -> None:
    g = graph()
    rows = np.arange(5)
    ties = GroupTies(graph=g, rows=rows, countries=COUNTRIES)
    assert ties.relation(2, [1, 3]) == pytest.approx((tie_to(g, 1)[0][2] + tie_to(g, 3)[0][2]) / 2)
    assert ties.relation(2, []) == 0.0 and ties.relation(2, [2]) == 0.0
    assert ties.broker(0, [1, 3]) == 0.0  # one country (FR) in the group
    assert ties.broker(2, [0, 1, 3]) == 0.0  # linked to the FR members only, not to MA
    assert ties.broker(1, [0, 2]) == 1.0  # linked to the MA and the IT member
    assert ties.broker(4, [0, 2]) == 0.0
    near = ties_to_group(g, [0, 2])
    assert near[[0, 2]].tolist() == [0.0, 0.0] and near[1] == pytest.approx(tie_to(g, 0)[0][1] + tie_to(g, 2)[0][1])
