"""Queries on the catalogue: free-text search of one view, partner suggestions for a stored profile or a
draft, and suggestions for many profiles at once (an event's participants). Encoding goes through the
embedding cache; ranking and explanations are :mod:`matcher.suggestions`.

One suggestion runs its numpy products on one BLAS thread: they are small (a few thousand units by at most
three queries, in float64), and OpenBLAS's two threads made each 20x slower (22 ms against 0.8 ms for
1,500 x 384 by 3) whenever the other core was busy (measured under load, 2 cores); the scans themselves run
in FAISS's own pool (:mod:`embeddings.index_faiss`), not through BLAS.

Where the slow suggestions are not (issue 18, measured under load, 2 cores shared with other jobs): garbage collection
(2,000 suggestions on the 10k catalogue ran 38 young and 3 middle collections, 20 ms in all, and no full one, which
would cost 200-300 ms over the ~291k objects a loaded catalogue keeps tracked: ``gc.freeze()`` after loading is not
needed); page faults on the mapped vector files (22 minor faults per suggestion at 100k after 10 warm-up calls;
pre-faulting them with ``MADV_POPULATE_READ`` did not change the median measurably, two runs each); the same profile
asked three times is not slow again (per-call times of three passes uncorrelated, r = 0.00) and the slowest calls' CPU
time is spread over every step: the p99 under load is mostly the scheduler's. The thread limit above costs 0.03 ms
per suggestion.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from threadpoolctl import ThreadpoolController

from embeddings.index_exact import ExactIndex
from embeddings.prescan_cache import prescans
from matcher.constraints import ITEM_SIDES, Constraints, constraint_mask
from matcher.profile import Profile
from matcher.protocols import VectorIndex
from matcher.ranking import RankingParams
from matcher.suggestions import (
    CatalogueView,
    Draft,
    SuggestionList,
    draft_of,
    restrict,
    restricted_rows,
)
from matcher.suggestions import suggest as rank_and_explain
from matcher.suggestions import suggest_many as rank_and_explain_many
from service.catalogue.index import Catalogue, UnknownProfileError

_BLAS = ThreadpoolController()


@dataclass(frozen=True, kw_only=True)
class SearchHit:
    id: str
    name: str
    kind: str
    country: str
    city: str
    sectors: tuple[str, ...]
    score: float


def search(cat: Catalogue, text: str, *, k: int = 10, constraints: Constraints | None = None,
           view: str = "overall") -> tuple[list[SearchHit], int]:
    """Profiles whose ``view`` best matches free text, under hard constraints.

    Returns the hits and the number of eligible profiles (so a short list can be explained).
    """
    st = cat.state()
    allowed = constraint_mask(constraints or Constraints(), st.arrays) & st.arrays.has_view[view]
    query = cat.encoder.encode([text], role="query")
    scores, rows = st.indexes[view].search(query, k, allowed)
    hits = []
    for score, row in zip(scores[0], rows[0], strict=True):
        if row < 0:
            break
        p = st.profiles[row]
        hits.append(SearchHit(id=p.id, name=p.name, kind=p.kind, country=p.country, city=p.city,
                              sectors=p.sectors, score=float(score)))
    return hits, int(allowed.sum())


def suggest(cat: Catalogue, who: str | Draft, *, k: int = 10, constraints: Constraints | None = None,
            allow_same_country: bool = False, shared_language: bool = False,
            prefer_countries: frozenset[str] = frozenset(), params: RankingParams | None = None,
            exhaustive: bool = False, reference: bool = False) -> SuggestionList:
    """Partners for a stored profile (by id) or a draft, ranked and explained (see matcher.ranking).

    A stored profile is ranked by the saved ranking model when one is usable (:mod:`.graph_state`), never
    suggested the partners it marked ``not_relevant`` after a meeting, and told the relationships it shares with
    each candidate; a draft has no relationships, so it is ranked by the weighted mean. Candidates come from the
    int8 pre-scan (:mod:`embeddings.prescan`; the same result as a float32 pass, which serves until the pre-scan of
    a new index is built in the background); ``reference`` ranks by the path
    before it instead (no pre-scan, one bucket at a time: :mod:`matcher.ranking_reference`), for comparison."""
    st = cat.state()
    graph = cat.graph_state(st)
    constraints = constraints or Constraints()
    if isinstance(who, str):
        row = st.row_of(who)  # from the state already read (Catalogue.profile would ask the database again)
        if row is None:
            raise UnknownProfileError(f"no profile with id {who!r}")
        me: Profile | None = st.profiles[row]
        draft = draft_of(st.profiles[row])
        gone = graph.dismissed.get(who, frozenset())
        if gone:
            constraints = replace(constraints, exclude_ids=constraints.exclude_ids | gone)
    else:
        who.check()
        me, draft = None, who
    encoded = query_vectors(cat, draft.query_texts())
    with _BLAS.limit(limits=1, user_api="blas"):
        return rank_and_explain(st, me, draft, encoded, k=k, constraints=constraints,
                                allow_same_country=allow_same_country, shared_language=shared_language,
                                prefer_countries=prefer_countries, params=params, exhaustive=exhaustive,
                                learned=graph.learned if me is not None else None, relations=graph.relations,
                                ranking_note=graph.note, reference=reference,
                                prescan=None if reference else prescans(st.indexes, wait=False))


_QUERY_MEMO = 4_096  # query vectors kept per catalogue (1.5 KiB each at 384 dimensions)
_memos: weakref.WeakKeyDictionary[Catalogue, OrderedDict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_memo_lock = threading.Lock()


def query_vectors(cat: Catalogue, texts: Sequence[str]) -> np.ndarray:
    """(len(texts), d) query vectors as :meth:`Catalogue.vectors` gives them, the recent ones from memory: a
    vector is the model's for that text (the database caches it by model and text hash and never changes it), so a
    kept one is what the database would return, after any write. The lookup cost 0.9-1.3 ms of each suggestion
    (under load, 10k); texts not kept are read (or encoded) in one call, as before."""
    with _memo_lock:
        memo = _memos.setdefault(cat, OrderedDict())
        missing = list(dict.fromkeys(t for t in texts if t not in memo))
    if missing:
        found = cat.vectors(missing, role="query")
        with _memo_lock:
            for text, vector in zip(missing, found, strict=True):
                memo[text] = vector
            while len(memo) > _QUERY_MEMO:
                memo.popitem(last=False)
    rows = []
    with _memo_lock:
        for text in texts:
            vector = memo.get(text)
            if vector is not None:
                memo.move_to_end(text)
            rows.append(vector)
    if not rows or any(r is None for r in rows):  # none asked, or pushed out meanwhile by a burst of other texts
        return cat.vectors(list(texts), role="query")
    return np.stack(rows)  # type: ignore[arg-type]


def suggest_many(cat: Catalogue, ids: Sequence[str], *, k: int | Mapping[str, int] = 10,
                 constraints: Constraints | Mapping[str, Constraints] | None = None,
                 allow_same_country: bool = False, shared_language: bool = False,
                 params: RankingParams | None = None) -> dict[str, SuggestionList]:
    """``suggest(id, ...)`` for many stored profiles at once (an event's participants): the same
    suggestions, ids, order and scores, as one call per profile, for a fraction of the cost.

    ``k`` and ``constraints`` are one value for all, or one per id. When every asker's constraints
    restrict the candidates with ``only_ids``, ranking runs on the sub-catalogue of the union of those
    ids (rows keep their relative order, so calibration samples and tie-breaks are unchanged). Ids
    not in the catalogue are left out of the result. Dismissed partners are left out and relationship reasons
    given as by :func:`suggest`; the order is always the weighted mean's (a learned model reads the whole
    catalogue's rows, not a sub-catalogue's).
    """
    st = cat.state()
    graph = cat.graph_state(st)
    askers = {pid: st.profiles[row] for pid in dict.fromkeys(ids) if (row := st.row_of(pid)) is not None}
    if not askers:
        return {}
    per: dict[str, Constraints] = (
        {pid: constraints.get(pid, Constraints()) for pid in askers} if isinstance(constraints, Mapping)
        else dict.fromkeys(askers, constraints or Constraints()))
    per = {pid: replace(c, exclude_ids=c.exclude_ids | gone) if (gone := graph.dismissed.get(pid)) else c
           for pid, c in per.items()}
    texts = [t for p in askers.values() for t in draft_of(p).query_texts()]
    encoded = cat.vectors(texts, role="query")  # one cache lookup for every asker
    rows = restricted_rows(st.arrays, list(per.values()))
    view: CatalogueView = st if rows is None else _sub_view(st, rows)
    return rank_and_explain_many(view, askers, encoded, k=k, constraints=per, restricted=rows is not None,
                                 allow_same_country=allow_same_country, shared_language=shared_language,
                                 params=params, relations=graph.relations)


def _sub_view(st: CatalogueView, rows: np.ndarray) -> CatalogueView:
    """The catalogue restricted to ``rows`` (same relative order), with exact in-memory indexes."""
    arrays, units = restrict(st.arrays, rows)
    indexes: dict[str, VectorIndex] = {"overall": ExactIndex(st.indexes["overall"].vectors(rows))}
    for side in ITEM_SIDES:
        indexes[f"{side}_items"] = ExactIndex(st.indexes[f"{side}_items"].vectors(units[side]))
    profiles = [st.profiles[r] for r in rows.tolist()]
    return CatalogueView(profiles=profiles, arrays=arrays, indexes=indexes, names=[p.name for p in profiles])
