"""Partner suggestions: candidates from three channels under a hard-constraint mask, a fused score
whose components are calibrated per query and per language, a cap per country, no near-duplicates.

The steps live in one module each, re-exported here (``from matcher.ranking import ...``):

- :mod:`matcher.asker`: who asks (:class:`Asker`) and the hard constraints that follow (:func:`asker_constraints`);
- :mod:`matcher.ranking_params`: :class:`Weights` and :class:`RankingParams`;
- :mod:`matcher.similarity`: cosines read from the indexes or from precomputed matrices;
- :mod:`matcher.candidates`: candidates per channel and language bucket, and the per-language calibration;
- :mod:`matcher.scoring`: the components and their fusion (the score formula is documented there);
- :mod:`matcher.diversity`: a cap per country, no near-duplicates;
- this module: :func:`rank`, which runs them in that order;
- :mod:`matcher.ranking_reference`: the retrieval and scoring before they were vectorised (``rank(reference=True)``),
  the reference the tests compare the fast path with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from matcher.asker import Asker, asker_constraints
from matcher.candidates import CHANNELS, Calibration, Prescan, candidate_pool
from matcher.constraints import CatalogueArrays, Constraints, constraint_mask
from matcher.diversity import diversify
from matcher.learned import Learned, feature_names
from matcher.protocols import VectorIndex
from matcher.ranking_params import RankingParams, Weights
from matcher.ranking_reference import candidate_pool_reference, score_rows_reference
from matcher.scoring import COMPONENTS, Signal, best_per_row, score_rows
from matcher.similarity import IndexSimilarity, MatrixSimilarity, Similarity

__all__ = [
    "CHANNELS", "COMPONENTS", "Asker", "Calibration", "Candidates", "IndexSimilarity", "Learned", "MatrixSimilarity",
    "Prescan", "Ranked", "RankingParams", "Signal", "Similarity", "Weights", "asker_constraints", "best_per_row",
    "candidate_pool", "candidates", "diversify", "rank", "score_rows",
]


@dataclass(frozen=True, kw_only=True)
class Ranked:
    """Ranked candidate rows (best first) with their fused scores and components."""

    rows: np.ndarray  # (m,) int64
    scores: np.ndarray  # (m,) float64
    components: dict[str, np.ndarray]  # COMPONENTS (+ need_match, offer_match) -> (m,) in [0, 1]
    raw: dict[str, np.ndarray]  # semantic / need_match / offer_match -> (m,) raw cosine, nan if n/a
    eligible: int
    cap_relaxed: bool = False
    learned: bool = False  # ordered by a learned model (scores are its predictions squashed to (0, 1))


def rank(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], constraints: Constraints,
         *, k: int, names: Sequence[str], params: RankingParams | None = None, exhaustive: bool = False,
         signals: Mapping[str, Signal] | None = None, similarity: Similarity | None = None,
         learned: Learned | None = None, reference: bool = False,
         prescan: Mapping[str, Prescan] | None = None) -> Ranked:
    """Top-k partner rows for ``asker`` under ``constraints`` (already including asker_constraints).

    ``names`` (n,) are the catalogue's names, for near-duplicate detection. ``exhaustive`` scores every
    eligible row instead of the merged view candidates (a reference for tests and evaluation).
    ``signals`` are extra named components (see :class:`Signal`). ``similarity`` replaces the index
    searches with precomputed cosines (:class:`MatrixSimilarity`; the default reads ``indexes``).
    ``learned`` orders the candidates, and the asker's partners-of-partners, by a trained model instead of
    the weighted mean (:mod:`matcher.learned`); None ranks by the weighted mean alone (the cold start).
    ``reference`` runs today's retrieval and scoring one bucket at a time
    (:mod:`matcher.ranking_reference`) instead of the vectorised path: same rows, scores within ~1e-12.
    ``prescan`` (index name -> :class:`Prescan`) finds each bucket's best units faster, with the same result.
    """
    params = params or RankingParams()
    if params.pool < k:  # each channel must be able to return k rows on its own
        params = replace(params, pool=k)
    pool = candidates(asker, cat, indexes, constraints, params=params, exhaustive=exhaustive, signals=signals,
                      similarity=similarity, learned=learned, reference=reference, prescan=prescan)
    rows, scores, components, raw = pool.rows, pool.scores, pool.components, pool.raw
    if learned is not None and pool.features is not None and learned.model is not None:
        scores = learned.scores(pool.features)
    order = np.lexsort((rows, -scores))
    cap = math.ceil(k / 3) if params.country_cap is None else params.country_cap
    chosen, relaxed = _pick(order, rows, cat, indexes["overall"], names, k=k, cap=cap,
                            near_duplicate=params.near_duplicate, whole=reference)
    pick = np.array(chosen, dtype=np.int64)
    return Ranked(rows=rows[pick], scores=scores[pick], components={c: v[pick] for c, v in components.items()},
                  raw={c: v[pick] for c, v in raw.items()}, eligible=pool.eligible, cap_relaxed=relaxed,
                  learned=learned is not None and learned.model is not None)


def _pick(order: np.ndarray, rows: np.ndarray, cat: CatalogueArrays, overall: VectorIndex, names: Sequence[str],
          *, k: int, cap: int, near_duplicate: float, whole: bool) -> tuple[list[int], bool]:
    """:func:`diversify` over the best few of ``order`` first (only their vectors and names are read): the
    same pick as over all of them whenever it fills k places without relaxing the cap, since the pick
    only ever looks further down the order when it has not; otherwise (or ``whole``) over all of them."""
    head = len(order) if whole else min(len(order), 4 * k + 16)
    while True:
        sub = order[:head]
        at = rows[sub]
        vectors = overall.vectors(at) if len(at) else np.zeros((0, 1), np.float32)
        chosen, relaxed = diversify(np.arange(len(sub)), at, cat, vectors, [names[r] for r in at.tolist()], k=k,
                                    cap=cap, near_duplicate=near_duplicate)
        if head == len(order) or (len(chosen) == k and not relaxed):
            return [int(sub[i]) for i in chosen], relaxed
        head = len(order)


@dataclass(frozen=True, kw_only=True)
class Candidates:
    """Every candidate row :func:`rank` scores, before the cap per country: weighted-mean scores,
    components, and with a :class:`Learned` the feature rows its model reads (None without)."""

    rows: np.ndarray  # (m,) int64, sorted
    scores: np.ndarray  # (m,) the weighted mean
    components: dict[str, np.ndarray]
    raw: dict[str, np.ndarray]
    eligible: int
    features: np.ndarray | None  # (m, len(feature_names(signals)))


def candidates(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], constraints: Constraints,
               *, params: RankingParams, exhaustive: bool = False, signals: Mapping[str, Signal] | None = None,
               similarity: Similarity | None = None, learned: Learned | None = None,
               reference: bool = False, prescan: Mapping[str, Prescan] | None = None) -> Candidates:
    """The candidate rows and their scores, as :func:`rank` sees them; training a model reads the same
    feature rows through here (a :class:`Learned` whose ``model`` is None computes features only)."""
    signals = signals or {}
    mask = constraint_mask(constraints, cat)
    eligible = int(mask.sum())
    if reference:
        rows, calib = candidate_pool_reference(asker, cat, indexes, mask, params, similarity)
    else:
        rows, calib = candidate_pool(asker, cat, indexes, mask, params, similarity, prescan)
    for signal in signals.values():  # the rows a signal likes best are candidates too
        eligible_rows = np.flatnonzero(mask)
        best = eligible_rows[np.argsort(-signal.scores[eligible_rows], kind="stable")[: params.pool]]
        rows = np.union1d(rows, best).astype(np.int64)
    q = learned.asker_row(asker.id) if learned is not None else -1
    if learned is not None:
        if learned.model is not None:
            learned.check(feature_names(signals))
        rows = np.union1d(rows, learned.graph_candidates(q, mask)).astype(np.int64)
    if exhaustive:
        rows = np.flatnonzero(mask).astype(np.int64)
    elif len(rows) == 0 and eligible:
        rows = np.flatnonzero(mask)[: params.pool].astype(np.int64)  # nothing to embed against: metadata only
    score_of = score_rows_reference if reference else score_rows
    scores, components, raw = score_of(asker, rows, cat, indexes, calib, params, signals, similarity)
    features = None
    if learned is not None:
        features = learned.features(q, rows, components, scores, {s: components[s] for s in signals},
                                    indexes["overall"].vectors)
    return Candidates(rows=rows, scores=scores, components=components, raw=raw, eligible=eligible,
                      features=features)
