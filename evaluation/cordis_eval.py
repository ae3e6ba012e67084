"""Methods compared on the CORDIS protocol, per-query metrics, and the weight choice on history.

Methods, all on the same queries and candidates (other countries, organisations with a history):

- ``random``: uniform scores (seeded);
- ``most_active``: number of history projects (track record);
- ``same_topic``: shared call topics (1 each) and programme themes (0.25 each) with the query's history;
- ``tfidf``: TF-IDF cosine of the profile texts (history titles and topics; scikit-learn);
- ``semantic``: cosine of profile centroids, each the mean of one e5 vector per history project;
- ``co_partners``: how many past partners the candidate shares with the query (ties by activity), on the
  history graph (:mod:`evaluation.cordis_graph`);
- ``collaborative``: cosine between the candidate and the mean profile of the query's past partners
  (organisations like my partners), ties by activity;
- ``ranking``: the product's ranking (``matcher.ranking.rank``: calibrated semantic channel, cross-border
  constraint, country cap) with two documented non-text signals a real directory would have too:
  track record (log-scaled history size) and topic overlap (1 - exp(-shared topics)). Their weights
  are chosen on a validation split carved out of the history (never on the held-out projects);
- ``learned``: the same ranking with the learned model (:mod:`evaluation.cordis_learned`): the candidates
  plus the query's partners-of-partners, ordered by LambdaRank over the components and the graph features.

Each method ranks one query at a time from arrays built once: ``state = prepare(protocol, vectors, dim)``,
then ``rank_query(state, org)`` (the product's ranking) or ``rank_baseline(state, org, method, rng)``, each
giving ranked candidate ids; :func:`evaluate_protocol` is that loop plus the metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.index_faiss import FaissIndex
from evaluation.cordis import Cordis, Protocol, Split, build_protocol, slices, time_split, topic_sets
from evaluation.cordis_graph import history_graph
from evaluation.metrics import ndcg_at_k, recall_at_k, reciprocal_rank
from matcher.constraints import CatalogueArrays, Constraints
from matcher.graph import RelationGraph
from matcher.learned import Learned, PairModel
from matcher.profile import Profile
from matcher.protocols import Encoder, VectorIndex
from matcher.ranking import Asker, RankingParams, Signal, Weights, asker_constraints, rank
from storage.db import open_database
from storage.repository import cached_vectors, store_vectors, text_hash

K, KMAX = 10, 50
METHODS = ("random", "most_active", "same_topic", "tfidf", "semantic", "co_partners", "collaborative", "ranking",
           "learned")
PRODUCT = ("ranking", "learned")  # the product's rankings; the other methods are baselines
POPULAR_SHARE = 0.01  # the most connected 1 % of organisations, for the popularity figure
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
    popular: dict[str, float] | None = None  # method -> share of top-10 slots taken by the most connected 1 %
    popular_truth: float | None = None  # their share among the true partners


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


@dataclass(frozen=True, kw_only=True)
class CordisState:
    """Everything the methods read, built once per protocol by :func:`prepare`: row i of every array is
    organisation ``ids[i]`` (the protocol's sorted organisations with a history). Read-only."""

    ids: np.ndarray  # (n,) object: organisation ids (Python str)
    row_of: Mapping[str, int]  # id -> row
    dim: int
    countries: np.ndarray  # (n,) str, "" when unknown
    n_history: np.ndarray  # (n,) float64: history projects (the most_active baseline)
    activity: np.ndarray  # (n,) log1p(n_history) / log1p(max): the track-record signal in [0, 1]
    topics: Any  # scipy.sparse.csr_matrix (n, codes): call topics weighted 1, programme themes 0.5
    centroids: np.ndarray  # (n, d) L2-normalised profile vectors (see centroids)
    tfidf: Any | None  # scipy.sparse.csr_matrix (n, vocab), or None when not prepared
    catalogue: CatalogueArrays  # the organisations as a ranking catalogue (no sectors, no items)
    index: VectorIndex  # "overall" index over ``centroids``
    names: list[str]  # (n,) names, for near-duplicate detection
    weights: tuple[float, float, float]  # (semantic, topic, activity)
    params: RankingParams
    graph: RelationGraph | None = None  # the history graph (co_partners, collaborative, learned)
    learned: Learned | None = None  # the learned ranker (``learned`` method), see evaluation.cordis_learned


def prepare(protocol: Protocol, vectors: dict[int, np.ndarray], dim: int, *,
            weights: tuple[float, float, float] | None = None, near_duplicate: float = 2.0,
            tfidf: bool = False, graph: bool = False) -> CordisState:
    """The arrays, index and ranking parameters every query of ``protocol`` is ranked with.

    ``weights`` (semantic, topic, activity) default to (0.5, 0.25, 0.25). Near-duplicate removal is off
    by default here (``near_duplicate`` > 1): two organisations whose only history is the same project
    get identical profile vectors without being the same body. ``tfidf`` also builds the TF-IDF
    baseline's matrix (scikit-learn; only :func:`rank_baseline` reads it); ``graph`` the history graph.
    """
    ids = protocol.org_ids
    n_history = np.array([len(protocol.history_of[o]) for o in ids], dtype=np.float64)
    cents = centroids(protocol, vectors, dim)
    profiles = [Profile(id=o, name=protocol.data.orgs[o].name, kind=protocol.data.orgs[o].kind,
                        country=protocol.country(o), sectors=(),
                        description=" ".join(protocol.texts.get(p, "") for p in protocol.history_of[o][:5])[:500])
                for o in ids]
    base = CordisState(
        ids=np.array(ids, dtype=object), row_of={o: i for i, o in enumerate(ids)}, dim=dim,
        countries=np.array([protocol.country(o) for o in ids]), n_history=n_history,
        activity=np.log1p(n_history) / np.log1p(n_history.max()), topics=_topic_matrix(protocol),
        centroids=cents, tfidf=_tfidf(protocol) if tfidf else None,
        catalogue=CatalogueArrays.from_profiles(profiles), index=FaissIndex(cents),
        names=[p.name for p in profiles], weights=(0.5, 0.25, 0.25), params=RankingParams(),
        graph=history_graph(protocol, {o: i for i, o in enumerate(ids)}) if graph else None,
    )
    return with_weights(base, weights or base.weights, near_duplicate=near_duplicate)


def with_weights(state: CordisState, weights: tuple[float, float, float], *, near_duplicate: float | None = None
                 ) -> CordisState:
    """``state`` ranking with other (semantic, topic, activity) weights; the arrays are shared, not copied.
    The product's text components other than semantic are off: CORDIS profiles have no offers, needs
    or sectors."""
    dup = state.params.near_duplicate if near_duplicate is None else near_duplicate
    params = RankingParams(weights=Weights(semantic=weights[0], complementarity=0.0, sector=0.0, preference=0.0),
                           near_duplicate=dup)
    return replace(state, weights=weights, params=params)


def query_inputs(state: CordisState, org: str) -> tuple[Asker, Constraints, dict[str, Signal]]:
    """What the product's ranking reads for ``org``: who asks, the constraints (other countries) and the
    two non-text signals, topic overlap (1 - exp(-shared topics)) and track record."""
    q = state.row_of[org]
    overlap = np.asarray(state.topics @ state.topics[q].T.toarray()).ravel()
    asker = Asker(id=state.ids[q], country=state.countries[q] or None, sectors=(), languages=(),
                  partnership_types=(), overall=state.centroids[q], offers=np.zeros((0, state.dim), np.float32),
                  needs=np.zeros((0, state.dim), np.float32))
    signals = {"topic": Signal(weight=state.weights[1], scores=1.0 - np.exp(-overlap)),
               "activity": Signal(weight=state.weights[2], scores=state.activity)}
    return asker, asker_constraints(Constraints(), asker), signals


def rank_query(state: CordisState, org: str, *, learned: bool = False) -> np.ndarray:
    """The product's ranking for organisation ``org`` (one with a history): its best ``KMAX`` candidate
    ids, best first, as :func:`matcher.ranking.rank` orders them: the calibrated semantic channel, the
    cross-border constraint, the country cap, and the two signals of :func:`query_inputs`; with
    ``learned``, ordered by the state's learned model instead of the weighted mean."""
    if learned and (state.learned is None or state.learned.model is None):
        raise ValueError("the learned method needs a state with a trained model (evaluation.cordis_learned)")
    asker, constraints, signals = query_inputs(state, org)
    result = rank(asker, state.catalogue, {"overall": state.index}, constraints, k=KMAX, names=state.names,
                  params=state.params, signals=signals, learned=state.learned if learned else None)
    ranked: np.ndarray = state.ids[result.rows]
    return ranked


def baseline_scores(state: CordisState, org: str, method: str, rng: np.random.Generator) -> np.ndarray:
    """(n,) scores of every organisation for ``org`` under a baseline ``method`` (higher is better);
    ``random`` draws from ``rng``."""
    q = state.row_of[org]
    if method == "random":
        return rng.random(len(state.ids))
    if method == "most_active":
        return state.n_history
    if method == "same_topic":
        return np.asarray(state.topics @ state.topics[q].T.toarray()).ravel()
    if method == "tfidf":
        if state.tfidf is None:
            raise ValueError("the tfidf baseline needs prepare(..., tfidf=True)")
        return np.asarray((state.tfidf @ state.tfidf[q].T).toarray()).ravel()
    if method == "semantic":
        return np.asarray(state.centroids @ state.centroids[q])
    if method in ("co_partners", "collaborative"):
        if state.graph is None:
            raise ValueError(f"the {method} baseline needs prepare(..., graph=True)")
        ties = 1e-6 * state.activity  # < 1 shared partner, < any cosine step that matters
        if method == "co_partners":
            rows, counts = state.graph.two_hop(q)
            shared = np.zeros(len(state.ids))
            shared[rows] = counts
            return shared + ties
        partners = state.graph.partners(q)
        if not len(partners):
            return ties
        mean = state.centroids[partners].mean(axis=0)
        return np.asarray(state.centroids @ mean) + ties
    baselines = ", ".join(m for m in METHODS if m not in PRODUCT)
    raise ValueError(f"unknown baseline {method!r}; choose one of {baselines}")


def rank_baseline(state: CordisState, org: str, method: str, rng: np.random.Generator) -> np.ndarray:
    """A baseline's best ``KMAX`` candidate ids for ``org``, best first: organisations of other countries
    (any other organisation when ``org``'s country is unknown), ties to the lower row (= smaller id)."""
    q = state.row_of[org]
    eligible = state.countries != state.countries[q] if state.countries[q] else np.ones(len(state.ids), bool)
    eligible[q] = False
    s = np.where(eligible, baseline_scores(state, org, method, rng), -np.inf)
    top = np.lexsort((np.arange(len(s)), -s))[:KMAX]
    ranked: np.ndarray = state.ids[top[np.isfinite(s[top])]]
    return ranked


def run_queries(state: CordisState, protocol: Protocol, *, methods: Sequence[str] = METHODS, seed: int = 0) -> Run:
    """Rank every query of ``protocol`` with each of ``methods`` and score the lists against the held-out
    partners (recall@10, nDCG@10, MRR, recall@1..KMAX)."""
    rng = np.random.default_rng(seed)
    values: dict[str, dict[str, list[float]]] = {m: {"recall@10": [], "ndcg@10": [], "mrr": []} for m in methods}
    curves: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    popular = _most_connected(state)
    slots = {m: [0, 0] for m in methods}  # method -> [popular slots, slots] in the top 10
    for query in protocol.queries:
        for method in methods:
            found = rank_query(state, query.org, learned=method == "learned") if method in PRODUCT else (
                rank_baseline(state, query.org, method, rng))
            ranked: list[str] = found.tolist()
            slots[method][0] += sum(r in popular for r in ranked[:K])
            slots[method][1] += len(ranked[:K])
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
        weights=state.weights,
        popular={m: a / max(b, 1) for m, (a, b) in slots.items()} if popular else None,
        popular_truth=float(np.mean([r in popular for query in protocol.queries for r in query.relevant]))
        if popular else None,
    )


def _most_connected(state: CordisState) -> frozenset[str]:
    """The ids of the 1 % of organisations with the most past partners (empty without a graph)."""
    if state.graph is None:
        return frozenset()
    top = max(1, round(POPULAR_SHARE * len(state.ids)))
    rows = np.argsort(-state.graph.degree, kind="stable")[:top]
    return frozenset(state.ids[rows].tolist())


def evaluate_protocol(protocol: Protocol, vectors: dict[int, np.ndarray], dim: int, *,
                      weights: tuple[float, float, float] | None = None, methods: Sequence[str] | None = None,
                      seed: int = 0, near_duplicate: float = 2.0, model: PairModel | None = None) -> Run:
    """Run ``methods`` (default: every method, ``learned`` only with a ``model``, the trained ranker it uses)
    over every query of ``protocol``: :func:`prepare` once, then :func:`run_queries`."""
    if methods is None:
        methods = METHODS if model is not None else tuple(m for m in METHODS if m != "learned")
    graph = any(m in methods for m in ("co_partners", "collaborative", "learned"))
    state = prepare(protocol, vectors, dim, weights=weights, near_duplicate=near_duplicate,
                    tfidf="tfidf" in methods, graph=graph)
    if "learned" in methods:
        if model is None or state.graph is None:
            raise ValueError("the learned method needs a trained model")
        state = replace(state, learned=Learned(graph=state.graph, row_of=state.row_of, model=model))
    return run_queries(state, protocol, methods=methods, seed=seed)


def choose_weights(data: Cordis, split: Split, encoder: Encoder, cache_db: Path, *, limit: int | None = None,
                   show_progress: bool = False) -> tuple[tuple[float, float, float], dict[str, float]]:
    """Pick (semantic, topic, activity) weights by nDCG@10 on a validation split inside the history:
    its most recent H2020 projects are held out the same way, so the test projects are never seen."""
    inner = time_split_within(data, split)
    protocol = build_protocol(data, inner, limit=limit)
    vectors = embed_history(protocol, encoder, cache_db, show_progress=show_progress)
    state = prepare(protocol, vectors, encoder.dim)
    scores = {}
    for w in GRID:
        run = run_queries(with_weights(state, w), protocol, methods=("ranking",))
        scores[",".join(map(str, w))] = float(np.nanmean(run.methods["ranking"]["ndcg@10"]))
    best = max(GRID, key=lambda w: scores[",".join(map(str, w))])
    return best, scores


def time_split_within(data: Cordis, split: Split) -> Split:
    """The same time split applied to the history alone (validation = its most recent H2020 projects)."""
    sub = Cordis(orgs=data.orgs, projects={p: data.projects[p] for p in split.history},
                 members={p: data.members[p] for p in split.history}, merged_ids=data.merged_ids)
    return time_split(sub)
