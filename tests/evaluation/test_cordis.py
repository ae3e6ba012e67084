"""The CORDIS protocol follows its rules (merge, time split, leakage); a small slice runs end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.cordis import build_protocol, normalise_name
from evaluation.cordis_eval import (
    KMAX,
    METHODS,
    embed_history,
    evaluate_protocol,
    prepare,
    rank_baseline,
    rank_query,
    with_weights,
)
from evaluation.metrics import ndcg_at_k
from tests.conftest import FakeEncoder

pytestmark = pytest.mark.shared_data


def test_normalise_name() -> None:
    assert normalise_name("UNIVERSITÉ DE TUNIS  (EL MANAR)") == "universite de tunis el manar"


def test_duplicates_are_merged_and_country_codes_fixed(cordis) -> None:
    data, _ = cordis
    assert 300 <= data.merged_ids <= 400  # the README counts about 340 organisations under two ids
    countries = {o.country for o in data.orgs.values()}
    assert "EL" not in countries and "UK" not in countries and {"GR", "GB"} <= countries


def test_time_split_and_leakage_rule(cordis) -> None:
    data, split = cordis
    assert all(data.projects[p].fp == "H2020" and p >= split.cut for p in split.held_out)
    assert not set(split.held_out) & split.history
    protocol = build_protocol(data, split, limit=40)
    held_texts = {data.projects[p].text for p in split.held_out if data.projects[p].text} - {
        data.projects[p].text for p in split.history}
    assert all(pid in split.history for pid in protocol.texts)
    assert not held_texts & set(protocol.texts.values()), "a held-out project's text leaked into a profile"
    assert len({q.project for q in protocol.queries}) == 40
    for q in protocol.queries:
        assert q.org in protocol.history_of and q.project in split.held_out
        assert q.relevant and all(protocol.country(r) != protocol.country(q.org) for r in q.relevant)
        assert all(r in protocol.history_of for r in q.relevant)


def test_small_slice_runs_every_method(cordis, tmp_path: Path) -> None:
    data, split = cordis
    protocol = build_protocol(data, split, limit=8)
    vectors = embed_history(protocol, FakeEncoder(), tmp_path / "cache.db")
    run = evaluate_protocol(protocol, vectors, FakeEncoder.dim)
    assert set(run.methods) == set(METHODS) - {"learned"}  # learned needs a trained model
    n = len(protocol.queries)
    assert n > 0 and run.groups.shape == (n,) and run.slices["all"].all()
    for metrics in run.methods.values():
        for values in metrics.values():
            assert values.shape == (n,) and np.all((values >= 0) & (values <= 1))
    # track record is a real signal on this data: it beats random
    assert run.methods["most_active"]["recall@10"].mean() >= run.methods["random"]["recall@10"].mean()


def test_one_query_ranks_alone_as_in_the_report(cordis, tmp_path: Path) -> None:
    """rank_query is the report's method, usable one query at a time: cross-border ids, best first."""
    data, split = cordis
    protocol = build_protocol(data, split, limit=4)
    vectors = embed_history(protocol, FakeEncoder(), tmp_path / "cache.db")
    weights = (0.5, 0.4, 0.1)
    run = evaluate_protocol(protocol, vectors, FakeEncoder.dim, weights=weights, methods=("ranking", "semantic"))
    state = with_weights(prepare(protocol, vectors, FakeEncoder.dim), weights)
    assert state.weights == weights and state.params.near_duplicate > 1  # near-duplicate removal stays off
    rng = np.random.default_rng(0)
    for i, query in enumerate(protocol.queries):
        ranked = rank_query(state, query.org)
        assert isinstance(ranked, np.ndarray) and 0 < len(ranked) <= KMAX
        assert query.org not in ranked.tolist()
        assert all(protocol.country(o) != protocol.country(query.org) for o in ranked.tolist())
        assert ndcg_at_k(ranked.tolist(), query.relevant, 10) == run.methods["ranking"]["ndcg@10"][i]
        semantic = rank_baseline(state, query.org, "semantic", rng).tolist()
        assert ndcg_at_k(semantic, query.relevant, 10) == run.methods["semantic"]["ndcg@10"][i]


def test_the_history_graph_holds_history_projects_only(cordis) -> None:
    """Leakage rule for the graph: two organisations are linked iff they shared a history project (of at
    most 60 members); a held-out project's co-memberships alone never link them."""
    from evaluation.cordis_graph import history_graph

    data, split = cordis
    protocol = build_protocol(data, split, limit=40)
    row_of = {o: i for i, o in enumerate(protocol.org_ids)}
    graph = history_graph(protocol, row_of)
    checked = 0
    for query in protocol.queries:
        q = row_of[query.org]
        for other in query.relevant:
            shared = [p for p in set(protocol.history_of[query.org]) & set(protocol.history_of[other])
                      if len(data.members[p]) <= 60]
            assert (row_of[other] in graph.partners(q).tolist()) == bool(shared)
            checked += 1
    assert checked > 50


def test_learned_ranking_trains_inside_the_history_and_runs(cordis, tmp_path: Path) -> None:
    from evaluation.cordis_learned import train_on_history

    data, split = cordis
    model, figures = train_on_history(data, split, FakeEncoder(), tmp_path / "cache.db", limit=12)
    assert model.features[-10:] == ("common_partners", "adamic_adar", "recent_partners", "partners_alike",
                                    "alike_partners", "country_pair", "kind_pair", "sector_pair",
                                    "candidate_degree", "asker_degree")
    assert figures["fit_queries"] > 0 and model.training["positives"] > 0
    assert figures["cv_queries"] == figures["fit_queries"] + figures["validation_queries"]  # every inner query
    assert {"cv_ndcg@10_lambdarank", "cv_ndcg@10_linear", "cv_ndcg@10_weighted_mean"} <= set(figures)
    assert model.method == max(("lambdarank", "linear"), key=lambda m: figures[f"cv_ndcg@10_{m}"])
    protocol = build_protocol(data, split, limit=6)
    vectors = embed_history(protocol, FakeEncoder(), tmp_path / "cache.db")
    run = evaluate_protocol(protocol, vectors, FakeEncoder.dim, model=model,
                            methods=("co_partners", "collaborative", "ranking", "learned"))
    assert set(run.methods) == {"co_partners", "collaborative", "ranking", "learned"}
    assert run.popular is not None and set(run.popular) == set(run.methods)
    assert all(0 <= share <= 1 for share in run.popular.values()) and 0 <= (run.popular_truth or 0) <= 1
    for values in run.methods["learned"].values():
        assert np.all((values >= 0) & (values <= 1))


def test_consortium_recovery_runs_on_a_slice(cordis, tmp_path: Path) -> None:
    from evaluation.consortium import run_consortium

    data, split = cordis
    protocol = build_protocol(data, split, limit=8)
    vectors = embed_history(protocol, FakeEncoder(), tmp_path / "cache.db")
    run = run_consortium(protocol, vectors, FakeEncoder.dim, limit=3, weights=(1.0, 0.5))  # choosing: test_consortium
    assert run.projects == 3
    assert np.all((run.seeded >= 0) & (run.seeded <= 1)) and np.all((run.top_n >= 0) & (run.top_n <= 1))
