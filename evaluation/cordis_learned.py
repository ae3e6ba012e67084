"""The learned ranker on CORDIS: trained on a validation split inside the history, never on the held-out
projects, with exactly the feature rows the product's ranking computes (:func:`matcher.ranking.candidates`
with a feature-only :class:`matcher.learned.Learned`).

Time order, three windows: the inner history (graph and profiles), the inner held-out projects (labels:
who joined whom), then the real history and held-out projects for the test. The inner held-out
co-memberships are not in the inner graph (leakage rule). The feature rows of the inner queries are computed
once; 4-fold cross-validation by project (contiguous blocks in time) over them chooses the learner and gives
the figures the report quotes; the kept learner is then fitted on the earliest 80 % of the inner projects, the
latest 20 % stopping its boosting.

Measured on the inner split only (reports/evaluation.md, 2026-12-01: 4-fold cross-validation by project in
contiguous time blocks over the 1,628 inner queries, never the held-out projects): weighted mean 0.157, linear
0.179, LambdaRank 0.165 nDCG@10; on the held-out projects the kept linear model scores 0.120 against the
weighted mean's 0.116. The "latest 20 %" validation figures quoted before (0.31-0.35) came from a few large
projects and overstated the gain. Two ways to reach the issue's 0.20 gave nothing there (earlier folds, 1,650
queries, linear 0.161): deeper pools (50 text + 400 partners-of-partners instead of 50 + 100) raise the pool's
recall of true partners from 0.40 to 0.58 but not nDCG (linear 0.159); recency-weighted activity of the
candidate (sum and latest of its link strengths, without the pair's own edge) and of the asker moved it by
less than 0.005. Neither was kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from evaluation.cordis import Cordis, Protocol, Query, Split, build_protocol
from evaluation.cordis_eval import CordisState, embed_history, prepare, query_inputs, time_split_within
from learning.ranker import RankerModel, TrainingSet, cross_validate, train_ranker
from matcher.learned import Learned, feature_names
from matcher.protocols import Encoder
from matcher.ranking import candidates

VALIDATION_SHARE = 0.2  # the latest inner held-out projects stop the final model's boosting
FOLDS = 4  # cross-validation by project over the inner queries: chooses the learner, gives the figures


def feature_only(state: CordisState) -> CordisState:
    """``state`` with a :class:`Learned` that computes the feature rows without a model."""
    if state.graph is None:
        raise ValueError("the learned ranker needs prepare(..., graph=True)")
    return replace(state, learned=Learned(graph=state.graph, row_of=state.row_of, model=None))


def training_set(state: CordisState, queries: Sequence[Query]) -> tuple[TrainingSet, np.ndarray]:
    """One group per query: the candidates the ranking scores for it, label 1 for its true partners; and
    (g,) the number of true partners of each group (those missing from the candidates count as misses)."""
    xs, ys, sizes, relevant = [], [], [], []
    assert state.learned is not None
    names = feature_names(query_inputs(state, queries[0].org)[2]) if queries else feature_names(("activity", "topic"))
    for query in queries:
        asker, constraints, signals = query_inputs(state, query.org)
        pool = candidates(asker, state.catalogue, {"overall": state.index}, constraints, params=state.params,
                          signals=signals, learned=state.learned)
        assert pool.features is not None
        labels = np.array([state.ids[r] in query.relevant for r in pool.rows], np.float64)
        xs.append(pool.features)
        ys.append(labels)
        sizes.append(len(labels))
        relevant.append(len(query.relevant))
    width = len(names)
    return (TrainingSet(x=np.vstack(xs) if xs else np.zeros((0, width)), y=np.concatenate(ys) if ys else np.zeros(0),
                        groups=np.array(sizes, np.int64), features=names), np.array(relevant))


def train_on_history(data: Cordis, split: Split, encoder: Encoder, cache_db: Path, *,
                     weights: tuple[float, float, float] | None = None, limit: int | None = None,
                     show_progress: bool = False) -> tuple[RankerModel, dict[str, float]]:
    """Train the ranker on the validation split inside the history (see the module docstring); returns the
    model and its figures: cross-validated nDCG@10 of each learner and of the weighted mean, group counts."""
    inner = time_split_within(data, split)
    protocol: Protocol = build_protocol(data, inner, limit=limit)
    vectors = embed_history(protocol, encoder, cache_db, show_progress=show_progress)
    state = feature_only(prepare(protocol, vectors, encoder.dim, weights=weights, graph=True))
    projects = sorted({q.project for q in protocol.queries})
    everything, relevant = training_set(state, protocol.queries)
    block = {p: i * FOLDS // len(projects) for i, p in enumerate(projects)}  # contiguous in time
    crossed = cross_validate(everything, np.array([block[q.project] for q in protocol.queries]), relevant=relevant)
    method = max(("lambdarank", "linear"), key=lambda m: crossed.get(m, float("-inf")))
    cut = projects[int(len(projects) * (1 - VALIDATION_SHARE))] if projects else 0
    late = np.array([q.project >= cut for q in protocol.queries], bool)
    train, valid = everything.take(np.flatnonzero(~late)), everything.take(np.flatnonzero(late))
    model = train_ranker(train, valid, catalogue_version=0, valid_relevant=relevant[late], method=method)
    figures = {"fit_queries": float(len(train.groups)), "validation_queries": float(len(valid.groups)),
               "cv_folds": float(FOLDS), "cv_queries": float(len(everything.groups)),
               **{f"cv_ndcg@10_{name}": value for name, value in crossed.items()}}
    return model, figures
