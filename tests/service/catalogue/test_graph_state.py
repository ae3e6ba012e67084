"""The graph state carried from one catalogue version to the next (only the profiles written or deleted since are
read) equals a build from scratch after each kind of write, and holds the edges known by construction: a cluster's
members that exist, a member written after its cluster, a cluster rewritten or deleted, a member deleted, a
stored partnership."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.relation_evidence import Relations
from matcher.relation_strength import relations_of
from matcher.relationships import partnership
from service.catalogue import Catalogue, delete, ingest, put
from service.catalogue import graph_state as gs
from service.catalogue.graph_state import GraphState, build_graph_state
from service.settings import Settings
from storage import relationships as rel
from tests.conftest import FakeEncoder, record


def _edges(cat: Catalogue, graph: GraphState) -> set[tuple[str, str, float]]:
    """The graph's edges as (smaller id, larger id, strength), each pair once (rows follow the ids)."""
    g, ids = graph.relations.graph, cat.state().arrays.ids
    return {(str(ids[r]), str(ids[c]), round(float(w), 9)) for r in range(g.size)
            for c, w in zip(g.partners(r).tolist(), g.links(r).tolist(), strict=True) if r < c}


def _same_relations(a: Relations, b: Relations) -> None:
    for field in ("indptr", "indices", "weights", "degree", "inverse_log_degree"):
        np.testing.assert_array_equal(getattr(a.graph, field), getattr(b.graph, field))
    for name in ("country_pair", "kind_pair", "sector_pair"):
        np.testing.assert_array_equal(a.graph.priors[name].counts, b.graph.priors[name].counts)
        np.testing.assert_array_equal(a.graph.priors[name].labels, b.graph.priors[name].labels)
    assert dict(a.meetings) == dict(b.meetings)


def _same(carried: GraphState, scratch: GraphState) -> None:
    _same_relations(carried.relations, scratch.relations)
    assert carried.dismissed == scratch.dismissed and carried.key == scratch.key


@pytest.fixture
def cat(tmp_path: Path) -> Catalogue:
    cat = Catalogue.open(Settings(db=str(tmp_path / "g.db")), encoder=FakeEncoder())
    people = [record(pid, country=c) for pid, c in (("a", "TN"), ("b", "FR"), ("c", "IT"), ("d", "MA"))]
    clusters = [record("k1", kind="cluster", members="a;b;x;a"), record("k2", kind="cluster", members="c;d")]
    assert not ingest(cat, people + clusters, atomic=True).errors
    rel.write_partnerships(cat.engine, [partnership("a", "d", date=date.today())])
    return cat


def test_carried_forward_after_each_write_equals_a_build_from_scratch(cat: Catalogue,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = cat.graph_state(cat.state())
    k1, k2, p = 0.5, 0.5, 1.0  # written today: recency 1
    assert _edges(cat, first) == {("a", "k1", k1), ("b", "k1", k1), ("c", "k2", k2), ("d", "k2", k2), ("a", "d", p)}
    read: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        read.append(1)
        return rel.graph_sources(*args, **kwargs)

    monkeypatch.setattr(gs, "graph_sources", counted)
    steps = [
        (lambda: ingest(cat, [record("x")]), {("k1", "x", k1)}, set()),  # listed by k1 before it existed
        (lambda: put(cat, record("k2", kind="cluster", members="a;c")), {("a", "k2", k2)}, {("d", "k2", k2)}),
        (lambda: delete(cat, "b"), set(), {("b", "k1", k1)}),  # a member deleted
        (lambda: delete(cat, "k1"), set(), {("a", "k1", k1), ("k1", "x", k1)}),  # a cluster deleted
        (lambda: put(cat, record("c", country="ES")), set(), set()),  # a member rewritten: its edges stay
        (lambda: put(cat, record("k2")), set(), {("a", "k2", k2), ("c", "k2", k2)}),  # no longer a cluster
    ]
    expected = _edges(cat, first)
    for write, added, removed in steps:
        write()
        st = cat.state()
        carried = cat.graph_state(st)
        scratch = build_graph_state(cat.engine, st, carried.key)
        expected = (expected - removed) | added
        assert _edges(cat, carried) == expected
        _same(carried, scratch)
        former = relations_of(rel.load_relationships(cat.engine), st.arrays, list(st.names), st.row_of, date.today())
        _same_relations(carried.relations, former)  # the graph as built before the sources were carried
        assert carried.sources is not None and carried.sources.version == st.version
    assert len(read) == len(steps)  # the from-scratch builds only: every carried state read the changes alone


def test_other_relationships_or_another_day_are_read_afresh(cat: Catalogue) -> None:
    first = cat.graph_state(cat.state())
    assert first.sources is not None
    rel.write_partnerships(cat.engine, [partnership("b", "c", date=date.today())])
    again = cat.graph_state(cat.state())
    assert again.sources is not None and again.sources.marks != first.sources.marks
    assert ("b", "c", 1.0) in _edges(cat, again)
    ingest(cat, [record("y")])
    st = cat.state()
    stale = replace(again, sources=replace(again.sources, today=date(2000, 1, 1)))
    assert gs._carried(cat.engine, stale, again.sources.marks, date.today(), again.key[2]) is None
    _same(build_graph_state(cat.engine, st, again.key, previous=again), build_graph_state(cat.engine, st, again.key))
