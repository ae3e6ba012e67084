"""Partner suggestions: candidates from three index views under a hard-constraint mask, a fused
score whose components are scaled per query, a cap per country and near-duplicate removal.

Score = Σ w_c · x_c / Σ w_c over the components that apply, each x_c in [0, 1]:

- ``semantic``: my overall view against theirs;
- ``complementarity``, reciprocal: a = my needs against their offers, b = my offers against their
  needs, fused by the harmonic mean 2ab / (a + b), so a one-sided match ranks below a two-sided one.
  When the candidate lacks one side, the other counts ``one_sided`` times (0.5); when the asker has
  only one side, that side alone counts; with neither, the component does not apply;
- ``sector``: best affinity between my sectors and theirs (:mod:`matcher.affinity`);
- ``preference``: mean of the asker's applicable preferences: target countries, a shared working
  language, a kind that fits the partnership types sought.

Cosines of multilingual-e5 sit in a narrow band (about 0.75-0.93), so they are never added raw to
0/1 features: for each view pair, x = (cos - lo) / (hi - lo), clipped to [0, 1], where ``hi`` is the
best eligible cosine and ``lo`` the one at rank ``pool`` in that view's exact filtered search. The
anchors depend only on the query and the filter, not on which candidates were merged, so an
exhaustive re-ranking of every eligible row uses exactly the same scale (see the tests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from matcher.affinity import SECTOR_AFFINITY, fitting_kinds
from matcher.constraints import CatalogueArrays, Constraints, constraint_mask
from matcher.protocols import VectorIndex
from matcher.taxonomy import SECTORS, fold

# (component, my view, their view)
VIEW_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("semantic", "overall", "overall"),
    ("need_match", "needs", "offers"),
    ("offer_match", "offers", "needs"),
)
COMPONENTS: tuple[str, ...] = ("semantic", "complementarity", "sector", "preference")


@dataclass(frozen=True, kw_only=True)
class Weights:
    semantic: float = 0.35
    complementarity: float = 0.40
    sector: float = 0.15
    preference: float = 0.10


@dataclass(frozen=True, kw_only=True)
class RankingParams:
    weights: Weights = field(default_factory=Weights)
    pool: int = 100  # candidates taken from each view's search
    country_cap: int | None = None  # most suggestions from one country; None: ceil(k / 3); 0: no cap
    one_sided: float = 0.5  # weight of a one-sided complementarity when the candidate lacks a side
    near_duplicate: float = 0.985  # overall-view cosine from which two candidates count as one


@dataclass(frozen=True, kw_only=True)
class Asker:
    """Who asks: a stored profile or a draft. ``vectors`` are query-role, (d,) or absent per view."""

    id: str | None
    country: str | None
    sectors: tuple[str, ...]
    languages: tuple[str, ...]
    partnership_types: tuple[str, ...]
    vectors: Mapping[str, np.ndarray]
    prefer_countries: frozenset[str] = frozenset()
    name: str = ""


def asker_constraints(base: Constraints, asker: Asker, *, allow_same_country: bool = False,
                      shared_language: bool = False) -> Constraints:
    """Add the asker-dependent hard constraints: not itself, cross-border, shared language."""
    exclude_ids = base.exclude_ids | ({asker.id} if asker.id else set())
    exclude_countries = base.exclude_countries
    if asker.country and not allow_same_country:
        exclude_countries = exclude_countries | {asker.country}
    languages = base.languages | frozenset(asker.languages) if shared_language else base.languages
    return Constraints(countries=base.countries, exclude_countries=exclude_countries, sectors=base.sectors,
                       kinds=base.kinds, partnership_types=base.partnership_types, languages=languages,
                       exclude_ids=frozenset(exclude_ids))


@dataclass(frozen=True, kw_only=True)
class Ranked:
    """Ranked candidate rows (best first) with their fused scores and components."""

    rows: np.ndarray  # (m,) int64
    scores: np.ndarray  # (m,) float64
    components: dict[str, np.ndarray]  # COMPONENTS (+ need_match, offer_match) -> (m,) in [0, 1]
    raw: dict[str, np.ndarray]  # semantic / need_match / offer_match -> (m,) raw cosine, nan if n/a
    eligible: int
    cap_relaxed: bool = False


@dataclass(frozen=True, kw_only=True)
class Anchors:
    """Per view pair, the cosines that map to 1 (best eligible) and 0 (rank ``pool``)."""

    hi: dict[str, float]
    lo: dict[str, float]


def candidate_pool(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], mask: np.ndarray,
                   pool: int) -> tuple[np.ndarray, Anchors]:
    """Union of the three views' exact filtered top-``pool`` rows (sorted), and the scale anchors."""
    found: list[np.ndarray] = []
    hi: dict[str, float] = {}
    lo: dict[str, float] = {}
    for name, mine, theirs in VIEW_PAIRS:
        q = asker.vectors.get(mine)
        if q is None:
            continue
        scores, rows = indexes[theirs].search(q[None, :], pool, mask & cat.has_view[theirs])
        valid = rows[0] >= 0
        if valid.any():
            found.append(rows[0][valid])
            hi[name], lo[name] = float(scores[0][valid][0]), float(scores[0][valid][-1])
    rows = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
    return rows.astype(np.int64), Anchors(hi=hi, lo=lo)


def _scale(x: np.ndarray, hi: float, lo: float) -> np.ndarray:
    if hi - lo < 1e-9:
        return np.where(x >= hi - 1e-9, 1.0, 0.0)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


def score_rows(
    asker: Asker, rows: np.ndarray, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], anchors: Anchors,
    params: RankingParams,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fused scores (m,) and components for candidate ``rows`` (m,)."""
    m = len(rows)
    raw: dict[str, np.ndarray] = {}
    scaled: dict[str, np.ndarray] = {}
    for name, mine, theirs in VIEW_PAIRS:
        q = asker.vectors.get(mine)
        present = cat.has_view[theirs][rows]
        if q is None or name not in anchors.hi:
            raw[name] = np.full(m, np.nan)
            continue
        cos = indexes[theirs].vectors(rows) @ q
        raw[name] = np.where(present, cos, np.nan)
        scaled[name] = np.where(present, _scale(cos, anchors.hi[name], anchors.lo[name]), np.nan)

    components: dict[str, np.ndarray] = {}
    active: dict[str, bool] = {}
    components["semantic"] = np.nan_to_num(scaled.get("semantic", np.zeros(m)))
    active["semantic"] = "semantic" in scaled

    a, b = scaled.get("need_match"), scaled.get("offer_match")
    if a is not None and b is not None:
        both = ~np.isnan(a) & ~np.isnan(b)
        a0, b0 = np.nan_to_num(a), np.nan_to_num(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            harmonic = np.where(a0 + b0 > 0, 2 * a0 * b0 / (a0 + b0), 0.0)
        comp = np.where(both, harmonic, params.one_sided * np.maximum(a0, b0))
        active["complementarity"] = True
    elif a is not None:
        comp, active["complementarity"] = np.nan_to_num(a), True
    elif b is not None:
        comp, active["complementarity"] = np.nan_to_num(b), True
    else:
        comp = np.zeros(m)
        active["complementarity"] = False
    components["complementarity"] = comp
    components["need_match"] = np.nan_to_num(a) if a is not None else np.zeros(m)
    components["offer_match"] = np.nan_to_num(b) if b is not None else np.zeros(m)

    my_cols = [SECTORS.index(s) for s in asker.sectors]
    if my_cols:
        affinity = SECTOR_AFFINITY[my_cols].max(axis=0)  # (S,) best affinity to each sector
        components["sector"] = (cat.sectors[rows] * affinity[None, :]).max(axis=1).astype(np.float64)
    else:
        components["sector"] = np.zeros(m)
    active["sector"] = bool(my_cols)

    prefs: list[np.ndarray] = []
    if asker.prefer_countries:
        prefs.append(np.isin(cat.countries[rows], sorted(asker.prefer_countries)).astype(np.float64))
    if asker.languages:
        cols = [i for i, c in enumerate(cat.language_codes) if c in asker.languages]
        prefs.append(cat.languages[rows][:, cols].any(axis=1).astype(np.float64))
    kinds = fitting_kinds(asker.partnership_types)
    if kinds:
        prefs.append(np.isin(cat.kinds[rows], sorted(kinds)).astype(np.float64))
    components["preference"] = np.mean(prefs, axis=0) if prefs else np.zeros(m)
    active["preference"] = bool(prefs)

    weights = {c: getattr(params.weights, c) for c in COMPONENTS if active[c]}
    total = sum(weights.values()) or 1.0
    fused = sum((w * components[c] for c, w in weights.items()), start=np.zeros(m)) / total
    return fused, components, raw


def diversify(order: np.ndarray, rows: np.ndarray, cat: CatalogueArrays, overall: np.ndarray, names: list[str],
              *, k: int, cap: int, near_duplicate: float) -> tuple[list[int], bool]:
    """Pick up to k positions of ``order`` (best first): at most ``cap`` per country (0: no cap), no
    near-duplicates (overall cosine >= ``near_duplicate`` or same name and country). If the cap leaves
    fewer than k, the best capped-out candidates fill the list and ``relaxed`` is True."""
    chosen: list[int] = []
    skipped: list[int] = []
    per_country: dict[str, int] = {}
    seen_names: set[tuple[str, str]] = set()
    for i in order:
        if len(chosen) == k:
            break
        country = str(cat.countries[rows[i]])
        key = (fold(names[i]), country)
        if key in seen_names or (chosen and float(np.max(overall[chosen] @ overall[i])) >= near_duplicate):
            continue
        if cap and per_country.get(country, 0) >= cap:
            skipped.append(int(i))
            continue
        chosen.append(int(i))
        seen_names.add(key)
        per_country[country] = per_country.get(country, 0) + 1
    relaxed = False
    for i in skipped:
        if len(chosen) == k:
            break
        chosen.append(i)
        relaxed = True
    return chosen, relaxed


def rank(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], constraints: Constraints,
         *, k: int, names: list[str], params: RankingParams | None = None, exhaustive: bool = False) -> Ranked:
    """Top-k partner rows for ``asker`` under ``constraints`` (already including asker_constraints).

    ``names`` (n,) are the catalogue's names, for near-duplicate detection. ``exhaustive`` scores every
    eligible row instead of the merged view candidates (a reference for tests and evaluation).
    """
    params = params or RankingParams()
    mask = constraint_mask(constraints, cat)
    eligible = int(mask.sum())
    rows, anchors = candidate_pool(asker, cat, indexes, mask, params.pool)
    if exhaustive:
        rows = np.flatnonzero(mask).astype(np.int64)
    elif len(rows) == 0 and eligible:
        rows = np.flatnonzero(mask)[: params.pool].astype(np.int64)  # nothing to embed against: metadata only
    scores, components, raw = score_rows(asker, rows, cat, indexes, anchors, params)
    order = np.lexsort((rows, -scores))
    cap = math.ceil(k / 3) if params.country_cap is None else params.country_cap
    overall = indexes["overall"].vectors(rows) if len(rows) else np.zeros((0, 1), np.float32)
    chosen, relaxed = diversify(order, rows, cat, overall, [names[r] for r in rows], k=k, cap=cap,
                                near_duplicate=params.near_duplicate)
    pick = np.array(chosen, dtype=np.int64)
    return Ranked(rows=rows[pick], scores=scores[pick], components={c: v[pick] for c, v in components.items()},
                  raw={c: v[pick] for c, v in raw.items()}, eligible=eligible, cap_relaxed=relaxed)
