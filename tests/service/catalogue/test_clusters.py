"""Cluster seeding on the catalogue reads its relationships: a partner of the anchors joins and its reason says
so; with no relationships the seed is the one the matcher gives without a graph."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from matcher.clusters import ClusterParams, Focus
from matcher.clusters import seed_cluster as matcher_seed
from matcher.constraints import Constraints
from matcher.relationships import partnership
from service.catalogue import Catalogue
from service.catalogue.clusters import seed_cluster
from storage import relationships as rel
from tests.service.catalogue.test_learned_ranking import catalogue


def test_the_anchors_partner_joins_the_seed_and_its_reason_says_so(tmp_path: Path) -> None:
    cat: Catalogue = catalogue(tmp_path / "clusters.db", 12)
    st = cat.state()
    anchors = ["p000", "p001"]
    before = seed_cluster(cat, size=3, anchors=anchors)
    rows = [st.row_of(a) for a in anchors]
    plain = matcher_seed(st.arrays, st.indexes, Focus(), Constraints(), ClusterParams(size=3),
                         anchors=[r for r in rows if r is not None])
    assert [m["id"] for m in before["members"]] == [str(st.arrays.ids[m.row]) for m in plain.members]
    third = next(m["id"] for m in before["members"] if m["id"] not in anchors)
    runner_up = before["alternatives"][third][0]  # the next best for that slot, without relationships
    rel.write_partnerships(cat.engine, [partnership("p000", runner_up, date=date(2025, 1, 1)),
                                        partnership("p001", runner_up, date=date(2025, 1, 1))])
    after = seed_cluster(cat, size=3, anchors=anchors)
    joined = next(m for m in after["members"] if m["id"] not in anchors)
    assert joined["id"] == runner_up
    assert "worked with Org 000, Org 001" in joined["reason"]
