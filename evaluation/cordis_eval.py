"""Methods compared on the CORDIS protocol, per-query metrics, and the weight choice on history.

Methods, all on the same queries and candidates (other countries, organisations with a history):

- ``random``: uniform scores (seeded);
- ``most_active``: number of history projects (track record);
- ``same_topic``: shared call topics (1 each) and programme themes (0.25 each) with the query's history;
- ``tfidf``: TF-IDF cosine of the profile texts (history titles and topics; scikit-learn);
- ``semantic``: cosine of profile centroids, each the mean of one e5 vector per history project;
- ``ranking``: the product's ranking (``matcher.ranking.rank``: calibrated semantic channel, cross-border
  constraint, country cap) with two documented non-text signals a real directory would have too:
  track record (log-scaled history size) and topic overlap (1 - exp(-shared topics)). Their weights
  are chosen on a validation split carved out of the history (never on the held-out projects).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.index_faiss import FaissIndex
from evaluation.cordis import Cordis, Protocol, Split, build_protocol, slices, time_split, topic_sets
from evaluation.metrics import ndcg_at_k, recall_at_k, reciprocal_rank
from matcher.constraints import CatalogueArrays, Constraints
from matcher.profile import Profile
from matcher.protocols import Encoder
from matcher.ranking import Asker, RankingParams, Signal, Weights, asker_constraints, rank
from storage.db import open_database
from storage.repository import cached_vectors, store_vectors, text_hash

K, KMAX = 10, 50
METHODS = ("random", "most_active", "same_topic", "tfidf", "semantic", "ranking")
GRID = ((0.5, 0.25, 0.25), (0.6, 0.3, 0.1), (0.4, 0.4, 0.2), (0.34, 0.33, 0.33), (0.5, 0.4, 0.1), (0.7, 0.2, 0.1),
        (0.3, 0.5, 0.2), (0.5, 0.1, 0.4), (1.0, 0.0, 0.0))  # (semantic, topic, activity)


@dataclass(frozen=True, kw_only=True)
class Run:
    """Per-query results of every method on one protocol."""

    methods: dict[str, dict[str, np.ndarray]]  # method -> metric -> (q,) values
    curves: dict[str, np.ndarray]  # method -> (q, KMAX) recall@1..KMAX
    groups: np.ndarray  # (q,) held-out project of each query (bootstrap unit)
    slices: dict[str, np.ndarray]  # slice -> (q,) bool
    weights: tuple[float, float, float]


def embed_history(protocol: Protocol, encoder: Encoder, cache_db: Path, *, show_progress: bool = False
                  ) -> dict[int, np.ndarray]:
    """One passage vector per history project text, through a persistent embedding cache."""
    engine = open_database(cache_db)
    items = list(protocol.texts.items())
    hashes = [text_hash("passage", t) for _, t in items]
    cached = cached_vectors(engine, encoder.model_id, hashes)
    missing = sorted({t for (_, t), h in zip(items, hashes, strict=True) if h not in cached})
    if missing:
        fresh = encoder.encode(missing, role="passage", show_progress=show_progress)
        new = {text_hash("passage", t): v for t, v in zip(missing, fresh, strict=True)}
        store_vectors(engine, encoder.model_id, new)
        cached.update(new)
    return {pid: cached[h] for (pid, _), h in zip(items, hashes, strict=True)}


def centroids(protocol: Protocol, vectors: dict[int, np.ndarray], dim: int) -> np.ndarray:
    """(n_orgs, d) L2-normalised mean of each organisation's history project vectors (zeros if none)."""
    out = np.zeros((len(protocol.org_ids), dim), np.float32)
    for i, org in enumerate(protocol.org_ids):
        vs = [vectors[p] for p in protocol.history_of[org] if p in vectors]
        if vs:
            mean = np.mean(vs, axis=0)
            out[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def _topic_matrix(protocol: Protocol):  # -> scipy.sparse.csr_matrix (n_orgs, n_codes), weighted
    from scipy.sparse import csr_matrix

    sets = topic_sets(protocol, protocol.org_ids)
    vocab = {c: i for i, c in enumerate(sorted({c for s in sets for c in s}))}
    rows, cols, vals = [], [], []
    for r, codes in enumerate(sets):
        for c in codes:
            rows.append(r)
            cols.append(vocab[c])
            vals.append(1.0 if c.startswith("topic:") else 0.5)  # 1 * 1 per topic, 0.5 * 0.5 = 0.25 per theme
    return csr_matrix((vals, (rows, cols)), shape=(len(sets), len(vocab)), dtype=np.float64)


def _tfidf(protocol: Protocol):  # -> scipy.sparse.csr_matrix (n_orgs, vocab), L2-normalised rows
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [" ".join(protocol.texts.get(p, "") for p in protocol.history_of[o]) for o in protocol.org_ids]
    return TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english").fit_transform(docs)


def evaluate_protocol(protocol: Protocol, vectors: dict[int, np.ndarray], dim: int, *,
                      weights: tuple[float, float, float] | None = None, methods: Sequence[str] = METHODS,
                      seed: int = 0, near_duplicate: float = 2.0) -> Run:
    """Run ``methods`` over every query of ``protocol``.

    Near-duplicate removal is off by default here (``near_duplicate`` > 1): two organisations whose
    only history is the same project get identical profile vectors without being the same body.
    """
    ids = protocol.org_ids
    row_of = {o: i for i, o in enumerate(ids)}
    countries = np.array([protocol.country(o) for o in ids])
    n_history = np.array([len(protocol.history_of[o]) for o in ids], dtype=np.float64)
    activity = np.log1p(n_history) / np.log1p(n_history.max())
    topics = _topic_matrix(protocol)
    cents = centroids(protocol, vectors, dim)
    tfidf = _tfidf(protocol) if "tfidf" in methods else None
    rng = np.random.default_rng(seed)
    index = FaissIndex(cents) if "ranking" in methods else None
    profiles = [Profile(id=o, name=protocol.data.orgs[o].name, kind=protocol.data.orgs[o].kind,
                        country=protocol.country(o), sectors=(),
                        description=" ".join(protocol.texts.get(p, "") for p in protocol.history_of[o][:5])[:500])
                for o in ids]
    cat = CatalogueArrays.from_profiles(profiles) if index is not None else None
    w = weights or (0.5, 0.25, 0.25)
    params = RankingParams(weights=Weights(semantic=w[0], complementarity=0.0, sector=0.0, preference=0.0),
                           near_duplicate=near_duplicate)

    def ranked_from(scores: np.ndarray, eligible: np.ndarray) -> list[str]:
        s = np.where(eligible, scores, -np.inf)
        top = np.lexsort((np.arange(len(s)), -s))[:KMAX]  # ties: lower row (= smaller id) first
        return [ids[r] for r in top if np.isfinite(s[r])]

    scorers: dict[str, Callable[[int], np.ndarray]] = {
        "random": lambda q: rng.random(len(ids)),
        "most_active": lambda q: n_history,
        "same_topic": lambda q: np.asarray(topics @ topics[q].T.toarray()).ravel(),
        "tfidf": lambda q: np.asarray((tfidf @ tfidf[q].T).toarray()).ravel(),  # type: ignore[index]
        "semantic": lambda q: cents @ cents[q],
    }
    values: dict[str, dict[str, list[float]]] = {m: {"recall@10": [], "ndcg@10": [], "mrr": []} for m in methods}
    curves: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    for query in protocol.queries:
        q = row_of[query.org]
        eligible = countries != countries[q] if countries[q] else np.ones(len(ids), bool)
        eligible[q] = False
        for method in methods:
            if method == "ranking":
                assert index is not None and cat is not None
                overlap = np.asarray(topics @ topics[q].T.toarray()).ravel()
                asker = Asker(id=ids[q], country=countries[q] or None, sectors=(), languages=(), partnership_types=(),
                              overall=cents[q], offers=np.zeros((0, dim), np.float32),
                              needs=np.zeros((0, dim), np.float32))
                signals = {"topic": Signal(weight=w[1], scores=1.0 - np.exp(-overlap)),
                           "activity": Signal(weight=w[2], scores=activity)}
                result = rank(asker, cat, {"overall": index}, asker_constraints(Constraints(), asker), k=KMAX,
                              names=[p.name for p in profiles], params=params, signals=signals)
                ranked = [ids[r] for r in result.rows]
            else:
                ranked = ranked_from(scorers[method](q), eligible)
            values[method]["recall@10"].append(recall_at_k(ranked, query.relevant, K))
            values[method]["ndcg@10"].append(ndcg_at_k(ranked, query.relevant, K))
            values[method]["mrr"].append(reciprocal_rank(ranked, query.relevant))
            hits = np.cumsum([r in query.relevant for r in ranked] + [False] * (KMAX - len(ranked)))
            curves[method].append(hits / len(query.relevant))
    slice_names = ("all", "south_med", "sc6", "firms")
    memberships = [slices(protocol, query) for query in protocol.queries]
    return Run(
        methods={m: {k: np.array(v) for k, v in mv.items()} for m, mv in values.items()},
        curves={m: np.array(c) for m, c in curves.items()},
        groups=np.array([query.project for query in protocol.queries]),
        slices={s: np.array([s in mem for mem in memberships]) for s in slice_names},
        weights=w,
    )


def choose_weights(data: Cordis, split: Split, encoder: Encoder, cache_db: Path, *, limit: int | None = None,
                   show_progress: bool = False) -> tuple[tuple[float, float, float], dict[str, float]]:
    """Pick (semantic, topic, activity) weights by nDCG@10 on a validation split inside the history:
    its most recent H2020 projects are held out the same way, so the test projects are never seen."""
    inner = time_split_within(data, split)
    protocol = build_protocol(data, inner, limit=limit)
    vectors = embed_history(protocol, encoder, cache_db, show_progress=show_progress)
    scores = {}
    for w in GRID:
        run = evaluate_protocol(protocol, vectors, encoder.dim, weights=w, methods=("ranking",))
        scores[",".join(map(str, w))] = float(np.nanmean(run.methods["ranking"]["ndcg@10"]))
    best = max(GRID, key=lambda w: scores[",".join(map(str, w))])
    return best, scores


def time_split_within(data: Cordis, split: Split) -> Split:
    """The same time split applied to the history alone (validation = its most recent H2020 projects)."""
    sub = Cordis(orgs=data.orgs, projects={p: data.projects[p] for p in split.history},
                 members={p: data.members[p] for p in split.history}, merged_ids=data.merged_ids)
    return time_split(sub)
