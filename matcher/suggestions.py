"""Partner suggestions for one asker, or for many at once, ranked (:mod:`matcher.ranking`) and explained
(:mod:`matcher.explain`): arrays in, :class:`SuggestionList` out. The caller supplies the catalogue view
(profiles, column arrays, vector indexes) and the asker's encoded query texts; nothing here encodes,
stores or loads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from matcher.constraints import ITEM_SIDES, CatalogueArrays, Constraints, UnitLayout
from matcher.errors import InvalidValueError
from matcher.explain import Evidence, Suggestion, admitted_by, best_pair, reason, sector_phrase
from matcher.learned import Learned
from matcher.profile import Profile
from matcher.protocols import VectorIndex
from matcher.ranking import COMPONENTS, Asker, MatrixSimilarity, Prescan, RankingParams, asker_constraints, rank
from matcher.relation_evidence import Relations, relation_evidence_many
from matcher.text import printable, text_issue


def check_text(field: str, value: str, *, multiline: bool = True) -> None:
    """:class:`InvalidRequestError` naming the field and the character if ``value`` holds one that no text may."""
    issue = text_issue(value, multiline=multiline, bidi=multiline)
    if issue is not None:
        raise InvalidValueError(field, printable(value), issue)


@dataclass(frozen=True, kw_only=True)
class Draft:
    """A profile being written (or a free-text search): what it is, offers and needs."""

    text: str
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    country: str | None = None
    sectors: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    partnership_types: tuple[str, ...] = ()

    def check(self) -> None:
        """A draft typed by a user holds no character that no text may (drafts of stored profiles are not
        checked: a stored value is shown, never refused)."""
        check_text("text", self.text)
        for side in ("offers", "needs"):
            for item in getattr(self, side):
                check_text(side, item)

    def query_texts(self) -> list[str]:
        """The texts encoded (query role) for this asker, in the order :func:`suggest` reads their vectors:
        the text, each offer, each need."""
        return [self.text, *self.offers, *self.needs]


def draft_of(me: Profile) -> Draft:
    return Draft(text=me.view_texts()["overall"], offers=me.offers, needs=me.needs, country=me.country,
                 sectors=me.sectors, languages=me.languages, partnership_types=me.partnership_types)


@dataclass(frozen=True, kw_only=True)
class SuggestionList:
    query: dict[str, Any]
    eligible: int
    suggestions: tuple[Suggestion, ...]
    cap_relaxed: bool
    ranking: str = "weighted_mean"  # or "learned": ordered by the saved ranking model
    ranking_note: str = ""  # why the weighted mean when a model is saved but not used

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "eligible": self.eligible, "cap_relaxed": self.cap_relaxed,
                "ranking": self.ranking, "ranking_note": self.ranking_note,
                "suggestions": [s.to_dict() for s in self.suggestions]}


@dataclass(frozen=True, kw_only=True)
class CatalogueView:
    """What ranking and explanations read: the profiles (sorted by id), their column arrays, one vector index
    per view and per offer/need item ("overall", "offers_items", "needs_items"), and their names."""

    profiles: Sequence[Profile]
    arrays: CatalogueArrays
    indexes: Mapping[str, VectorIndex] = field(default_factory=dict)
    names: Sequence[str] = ()

    def row_of(self, profile_id: str) -> int | None:
        row = int(np.searchsorted(self.arrays.ids, profile_id))
        return row if row < len(self.profiles) and self.profiles[row].id == profile_id else None


def asker_of(draft: Draft, encoded: np.ndarray, *, id: str | None = None,
             prefer_countries: frozenset[str] = frozenset()) -> Asker:
    """The ranking's view of an asker: its query vectors (1 + offers + needs, d) split by view."""
    n_offers = len(draft.offers)
    return Asker(id=id, country=draft.country, sectors=draft.sectors, languages=draft.languages,
                 partnership_types=draft.partnership_types, overall=encoded[0], offers=encoded[1 : 1 + n_offers],
                 needs=encoded[1 + n_offers :], prefer_countries=prefer_countries)


def suggest(view: CatalogueView, me: Profile | None, draft: Draft, encoded: np.ndarray, *, k: int,
            constraints: Constraints, allow_same_country: bool = False, shared_language: bool = False,
            prefer_countries: frozenset[str] = frozenset(), params: RankingParams | None = None,
            exhaustive: bool = False, similarity: MatrixSimilarity | None = None, learned: Learned | None = None,
            relations: Relations | None = None, ranking_note: str = "",
            prescan: Mapping[str, Prescan] | None = None, reference: bool = False) -> SuggestionList:
    """Rank and explain for one asker (a stored profile ``me``, or None for a draft) whose query vectors
    ``encoded`` (1 + offers + needs, d) are known. ``learned`` orders by a trained model (None: the weighted
    mean); ``relations`` adds the relationship reasons (shared partners, a meeting held) to each explanation;
    ``prescan`` finds the candidates faster with the same result (:class:`matcher.candidates.Prescan`);
    ``reference`` ranks by today's path one bucket at a time (:mod:`matcher.ranking_reference`), for comparison."""
    if me is not None:
        query: dict[str, Any] = {"id": me.id, "name": me.name, "country": me.country, "kind": me.kind,
                                 "sectors": list(me.sectors)}
    else:
        query = {"text": draft.text, "offers": list(draft.offers), "needs": list(draft.needs),
                 "country": draft.country}
    asker = asker_of(draft, encoded, id=me.id if me else None, prefer_countries=prefer_countries)
    hard = asker_constraints(constraints, asker, allow_same_country=allow_same_country,
                             shared_language=shared_language)
    ranked = rank(asker, view.arrays, view.indexes, hard, k=k, names=view.names, params=params,
                  exhaustive=exhaustive, similarity=similarity, learned=learned, prescan=prescan,
                  reference=reference)

    # every suggested profile's offer and need vectors in one gather per side (not two gathers per suggestion)
    items: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for side in ITEM_SIDES:
        units, offsets = view.arrays.items[side].units_of(ranked.rows)
        items[side] = (view.indexes[f"{side}_items"].vectors(units) if len(units) else np.zeros((0, 0)), offsets)

    def their_items(side: str, i: int) -> np.ndarray:
        vectors, offsets = items[side]
        return vectors[offsets[i] : offsets[i + 1]]

    out = []
    chosen = [view.profiles[row] for row in ranked.rows.tolist()]
    related_all = (relation_evidence_many(relations, me.id, [them.id for them in chosen])
                   if relations is not None and me is not None else [()] * len(chosen))
    for i, them in enumerate(chosen):
        evidence = [e for e in (
            best_pair(draft.needs, asker.needs, them.offers, their_items("offers", i),
                      "they offer what you need"),
            best_pair(draft.offers, asker.offers, them.needs, their_items("needs", i),
                      "you offer what they need"),
        ) if e is not None]
        if not evidence:
            evidence = [Evidence(mine=draft.text[:200], theirs=them.description[:200],
                                 similarity=round(float(ranked.raw["semantic"][i]), 4),
                                 relation="similar activity")]
        components = {c: float(ranked.components[c][i]) for c in (*COMPONENTS, "need_match", "offer_match")}
        shared = [c for c in them.languages if c in draft.languages]
        related = related_all[i]
        why = reason(components, evidence, sector_phrase(draft.sectors, them.sectors), shared)
        if related:
            why = "; ".join([r.text() for r in related] + ([why] if why != "closest eligible profile" else []))
        out.append(Suggestion(
            id=them.id, name=them.name, country=them.country, city=them.city, kind=them.kind,
            sectors=them.sectors, score=float(ranked.scores[i]),
            components={c: components[c] for c in COMPONENTS}, evidence=tuple(evidence),
            admitted_by=tuple(admitted_by(hard, draft.country, them)),
            reason=why, relations=related,
        ))
    return SuggestionList(query=query, eligible=ranked.eligible, suggestions=tuple(out),
                          cap_relaxed=ranked.cap_relaxed, ranking="learned" if ranked.learned else "weighted_mean",
                          ranking_note=ranking_note)


# --- many askers at once (an event's participants) ------------------------------------------------
def restricted_rows(arrays: CatalogueArrays, constraints: Sequence[Constraints]) -> np.ndarray | None:
    """The rows of the union of every constraint's ``only_ids`` (sorted), or None if any constraint has none
    (then there is nothing to restrict)."""
    union: set[str] = set()
    for c in constraints:
        if not c.only_ids:
            return None
        union |= c.only_ids
    return np.flatnonzero(np.isin(arrays.ids, sorted(union)))


def restrict(arrays: CatalogueArrays, rows: np.ndarray) -> tuple[CatalogueArrays, dict[str, np.ndarray]]:
    """The catalogue's columns sliced to ``rows`` (same relative order, no text analysed again), and the units
    of each item side those rows own (to slice the item indexes alike)."""
    units = {side: arrays.items[side].units_of(rows)[0] for side in ITEM_SIDES}
    sub = CatalogueArrays(
        ids=arrays.ids[rows], countries=arrays.countries[rows], kinds=arrays.kinds[rows],
        sectors=arrays.sectors[rows], partnership_types=arrays.partnership_types[rows],
        languages=arrays.languages[rows], language_codes=arrays.language_codes,
        has_view={v: m[rows] for v, m in arrays.has_view.items()},
        items={side: UnitLayout.from_counts(layout.start[rows + 1] - layout.start[rows])
               for side, layout in arrays.items.items()},
        text_language={"overall": arrays.text_language["overall"][rows],
                       **{f"{side}_items": arrays.text_language[f"{side}_items"][units[side]]
                          for side in ITEM_SIDES}})
    return sub, units


def _similarity_matrices(view: CatalogueView, encoded: np.ndarray,
                         spans: Mapping[str, tuple[int, int, int, int]]) -> dict[str, np.ndarray]:
    """Every asker's query vectors against every unit of the (restricted) catalogue, one float64 matrix
    product per channel: "overall" (askers, profiles), "offers" (all my offers, their needs items), "needs"
    (all my needs, their offers items); rows in the order of ``spans`` (asker -> overall, offers, needs bounds)."""
    take: dict[str, list[int]] = {"overall": [], "offers": [], "needs": []}
    for a, b, c, e in spans.values():
        take["overall"].append(a)
        take["offers"].extend(range(b, c))
        take["needs"].extend(range(c, e))
    targets = {"overall": "overall", "offers": "needs_items", "needs": "offers_items"}
    out = {}
    for mine, target in targets.items():
        units = view.indexes[target].vectors(np.arange(len(view.indexes[target])))
        out[mine] = encoded[take[mine]].astype(np.float64) @ units.astype(np.float64).T
    return out


def suggest_many(view: CatalogueView, askers: Mapping[str, Profile], encoded: np.ndarray, *,
                 k: int | Mapping[str, int], constraints: Mapping[str, Constraints], restricted: bool,
                 allow_same_country: bool = False, shared_language: bool = False,
                 params: RankingParams | None = None, relations: Relations | None = None
                 ) -> dict[str, SuggestionList]:
    """:func:`suggest` for each asker, whose query texts (:meth:`Draft.query_texts` of :func:`draft_of`) were
    encoded one after another into ``encoded``. On a ``restricted`` view (the union of the askers'
    ``only_ids``), cosines come from one matrix product per channel for all askers, and a restriction to
    every row of the view is dropped (it restricts nothing there)."""
    per = dict(constraints)
    if restricted:
        every = frozenset(p.id for p in view.profiles)
        per = {pid: replace(c, only_ids=frozenset()) if c.only_ids >= every else c for pid, c in per.items()}
    drafts = {pid: draft_of(p) for pid, p in askers.items()}
    spans, at = {}, 0  # per asker: where its overall, offers and needs query vectors sit in ``encoded``
    for pid, draft in drafts.items():
        spans[pid] = (at, at + 1, at + 1 + len(draft.offers), at + len(draft.query_texts()))
        at = spans[pid][3]
    matrices = _similarity_matrices(view, encoded, spans) if restricted else None
    out: dict[str, SuggestionList] = {}
    n_offers = n_needs = 0  # rows of the askers before this one in matrices["offers"] / ["needs"]
    for i, (pid, draft) in enumerate(drafts.items()):
        a, b, c, e = spans[pid]
        similarity = None if matrices is None else MatrixSimilarity(
            asker_of(draft, encoded[a:e], id=pid), view.indexes, {
                ("overall", "overall"): matrices["overall"][i : i + 1],
                ("offers", "needs_items"): matrices["offers"][n_offers : n_offers + c - b],
                ("needs", "offers_items"): matrices["needs"][n_needs : n_needs + e - c]})
        n_offers, n_needs = n_offers + c - b, n_needs + e - c
        out[pid] = suggest(view, askers[pid], draft, encoded[a:e], k=k.get(pid, 10) if isinstance(k, Mapping) else k,
                           constraints=per[pid], allow_same_country=allow_same_country,
                           shared_language=shared_language, params=params, similarity=similarity,
                           relations=relations)
    return out
