"""Partner suggestions: candidates from three channels under a hard-constraint mask, a fused score
whose components are calibrated per query and per language, a cap per country, no near-duplicates.

Score = Σ w_c · x_c / Σ w_c over the components that apply, each x_c in [0, 1]:

- ``semantic``: my overall view against theirs;
- ``complementarity``, reciprocal: a = best match of one of my needs with one of their offers,
  b = best match of one of my offers with one of their needs (item against item), fused by the
  harmonic mean 2ab / (a + b), so a one-sided match ranks below a two-sided one. When the candidate
  lacks one side, the other counts ``one_sided`` times (0.5); when the asker has only one side, that
  side alone counts; with neither, the component does not apply;
- ``sector``: best affinity between my sectors and theirs (:mod:`matcher.affinity`);
- ``preference``: mean of the asker's applicable preferences: target countries, a shared working
  language, a kind that fits the partnership types sought.

Calibration. Cosines of multilingual-e5 sit in a narrow band (about 0.75-0.93) and are higher for
two texts in the same language than for a translation pair, so raw cosines are neither added to 0/1
features nor compared across languages. For each channel and each language bucket of the candidate
texts, a fixed, evenly spaced sample of eligible texts gives the background mean of the cosine; a
text's margin over its own language's background is divided by the best margin found and clipped to
[0, 1]: 0 is what an arbitrary eligible text of that language scores, 1 the best match available.
(``shift_only=False`` also divides by the background spread, a z-score; measured worse on the sample
pairs: spreads of small cross-language buckets are narrow and inflate weak matches.) Candidates are
retrieved per language bucket too, so translations are never crowded out: each channel's units are
scored once against every query (:meth:`VectorIndex.scores`) and each bucket's best taken from those
scores, the same units and scores as one filtered search per bucket, which is used instead when few
units are allowed (``RankingParams.single_pass_fraction``). The calibration depends
only on the query and the filter, not on which candidates were merged, so an exhaustive re-ranking
of every eligible row uses exactly the same scale (see tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from matcher.affinity import SECTOR_AFFINITY, fitting_kinds
from matcher.constraints import CatalogueArrays, Constraints, UnitLayout, constraint_mask
from matcher.language import LANGUAGE_CODES
from matcher.protocols import VectorIndex
from matcher.taxonomy import SECTORS, fold

# (channel, my view, the index of their units): overall against overall, and item against item:
# each of my needs against each of their offers, each of my offers against each of their needs.
CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("semantic", "overall", "overall"),
    ("need_match", "needs", "offers_items"),
    ("offer_match", "offers", "needs_items"),
)
COMPONENTS: tuple[str, ...] = ("semantic", "complementarity", "sector", "preference")


@dataclass(frozen=True, kw_only=True)
class Weights:
    """Default weights favour complementarity: a producer needs buyers, not look-alikes."""

    semantic: float = 0.15
    complementarity: float = 0.55
    sector: float = 0.15
    preference: float = 0.15


@dataclass(frozen=True, kw_only=True)
class RankingParams:
    weights: Weights = field(default_factory=Weights)
    pool: int = 50  # units taken from each channel's search, per language bucket
    background: int = 256  # units sampled per language bucket to calibrate scores
    min_language_units: int = 30  # smaller languages share one calibration bucket
    shift_only: bool = True  # calibrate by each language's background mean only (see the module docstring)
    country_cap: int | None = None  # most suggestions from one country; None: ceil(k / 3); 0: no cap
    one_sided: float = 0.5  # weight of a one-sided complementarity when the candidate lacks a side
    near_duplicate: float = 0.985  # overall-view cosine from which two candidates count as one
    # Candidate retrieval per channel: from this fraction of allowed units, score every unit in one pass
    # and take each language bucket's top from those scores; below it, one filtered search per bucket
    # (it reads only the allowed units). 0: always one pass; above 1: always the per-bucket searches.
    single_pass_fraction: float = 0.02


@dataclass(frozen=True, kw_only=True)
class Asker:
    """Who asks: a stored profile or a draft. Query-role vectors: ``overall`` (d,) or None,
    ``offers`` (a, d) and ``needs`` (b, d), one row per item (possibly zero rows)."""

    id: str | None
    country: str | None
    sectors: tuple[str, ...]
    languages: tuple[str, ...]
    partnership_types: tuple[str, ...]
    overall: np.ndarray | None
    offers: np.ndarray
    needs: np.ndarray
    prefer_countries: frozenset[str] = frozenset()

    def queries(self, mine: str) -> np.ndarray | None:
        """(q, d) query vectors for one of my views, or None if I have none."""
        if mine == "overall":
            return None if self.overall is None else self.overall[None, :]
        vectors: np.ndarray = getattr(self, mine)
        return vectors if len(vectors) else None


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
                       exclude_ids=frozenset(exclude_ids), only_ids=base.only_ids)


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
class Calibration:
    """Per channel: background mean and spread of the best cosine per language bucket, and the
    best z-score found (which maps to 1)."""

    mean: dict[str, np.ndarray]  # channel -> (len(LANGUAGE_CODES),) background mean per language
    std: dict[str, np.ndarray]  # channel -> (len(LANGUAGE_CODES),)
    z_hi: dict[str, float]  # channel -> best z among the retrieved units


class Similarity(Protocol):
    """Cosines between the asker's query vectors for view ``mine`` and the units of index ``target``."""

    def scores(self, mine: str, target: str, units: np.ndarray) -> np.ndarray:
        """(len(units), q) cosines of those units with each of my q queries."""
        ...

    def search(self, mine: str, target: str, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`VectorIndex.search` with my queries: (scores (q, k), units (q, k)), best first."""
        ...

    def all_scores(self, mine: str, target: str) -> np.ndarray:
        """(q, units) cosines of my q queries with every unit of ``target``, each equal to the score
        :meth:`search` gives that unit (one pass over the index instead of one search per bucket)."""
        ...


@dataclass(frozen=True)
class IndexSimilarity:
    """The default: gather the units' vectors from the indexes and search them (one query at a time)."""

    asker: Asker
    indexes: Mapping[str, VectorIndex]

    def _queries(self, mine: str) -> np.ndarray:
        queries = self.asker.queries(mine)
        if queries is None:
            raise ValueError(f"the asker has no {mine} view")
        return queries

    def scores(self, mine: str, target: str, units: np.ndarray) -> np.ndarray:
        """In float64, so that every path that scores the same units agrees to ~1e-12, whatever the BLAS
        kernel behind it (a float32 product differs by ~1e-7, which calibration magnifies)."""
        vectors = self.indexes[target].vectors(units).astype(np.float64)
        return np.asarray(vectors @ self._queries(mine).T.astype(np.float64))

    def search(self, mine: str, target: str, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.indexes[target].search(self._queries(mine), k, allowed)

    def all_scores(self, mine: str, target: str) -> np.ndarray:
        return self.indexes[target].scores(self._queries(mine))


@dataclass(frozen=True)
class MatrixSimilarity(IndexSimilarity):
    """Search over precomputed cosines: ``matrices[(mine, target)]`` is (q, units) for this asker's q
    queries, e.g. a slice of one matrix product for every participant of an event (see
    ``Catalogue.suggest_many``); exact, ties broken by the smaller unit number as the exact index does.
    The matrices are float64, as :meth:`IndexSimilarity.scores`, so that both paths agree to ~1e-12."""

    matrices: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def scores(self, mine: str, target: str, units: np.ndarray) -> np.ndarray:
        return np.asarray(self.matrices[(mine, target)][:, units].T)

    def search(self, mine: str, target: str, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(allowed)
        return _top_k(self.matrices[(mine, target)][:, rows], k, rows)

    def all_scores(self, mine: str, target: str) -> np.ndarray:
        return self.matrices[(mine, target)]


def _top_k(scores: np.ndarray, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best k of each row of ``scores`` (q, m) whose columns are ``rows`` (m,), sorted, ties by smaller
    row; padded with -inf / -1 when m < k (the contract of :class:`VectorIndex`)."""
    q, m = scores.shape
    out_s = np.full((q, k), -np.inf, np.float32)
    out_r = np.full((q, k), -1, np.int64)
    kk = min(k, m)
    if kk == 0:
        return out_s, out_r
    part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk] if kk < m else np.tile(np.arange(m), (q, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    cols = rows[part]
    order = np.lexsort((cols, -part_scores), axis=1)
    out_s[:, :kk] = np.take_along_axis(part_scores, order, axis=1)
    out_r[:, :kk] = np.take_along_axis(cols, order, axis=1)
    return out_s, out_r


def _layout(cat: CatalogueArrays, target: str) -> UnitLayout:
    """Overall: one unit per row (the overall index has a row per profile); items: their layout."""
    if target == "overall":
        return UnitLayout.from_counts(np.ones(len(cat), np.int64))
    return cat.items[target.removesuffix("_items")]


def _buckets(languages: np.ndarray, allowed: np.ndarray, min_units: int) -> list[np.ndarray]:
    """Language ids with at least ``min_units`` allowed units each get their own bucket; the rest
    form one bucket calibrated against all allowed units (a few misdetected texts are not a language)."""
    counts = np.bincount(languages[allowed], minlength=len(LANGUAGE_CODES))
    big = [np.array([code]) for code in np.flatnonzero(counts >= min_units)]
    small = np.flatnonzero((counts > 0) & (counts < min_units))
    return big + ([small] if len(small) else [])


def candidate_pool(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], mask: np.ndarray,
                   params: RankingParams, similarity: Similarity | None = None) -> tuple[np.ndarray, Calibration]:
    """Union of the owners of each channel's top units, searched separately in each language bucket
    (so that a same-language bias cannot crowd out translations), and the per-language calibration."""
    found: list[np.ndarray] = []
    mean: dict[str, np.ndarray] = {}
    std: dict[str, np.ndarray] = {}
    z_hi: dict[str, float] = {}
    sim = similarity if similarity is not None else IndexSimilarity(asker, indexes)
    for name, mine, target in CHANNELS:
        queries = asker.queries(mine)
        layout = _layout(cat, target)
        if queries is None or not len(layout.owner):
            continue
        allowed = mask[layout.owner] & (cat.has_view["overall"] if target == "overall" else True)
        languages = cat.text_language[target]
        mean[name] = np.zeros(len(LANGUAGE_CODES))
        std[name] = np.ones(len(LANGUAGE_CODES))
        best_z = -np.inf
        everyone = np.flatnonzero(allowed)
        # one pass over the channel's units, each bucket's top taken from it; a small allowed set is
        # cheaper to search bucket by bucket (only its units are read). Both give the same units.
        one_pass = len(everyone) >= params.single_pass_fraction * len(allowed)
        every_score = sim.all_scores(mine, target) if one_pass else None
        for bucket in _buckets(languages, allowed, params.min_language_units):
            in_language = np.zeros(len(LANGUAGE_CODES), bool)
            in_language[bucket] = True  # a lookup table: cheaper than np.isin over every unit
            in_bucket = allowed & in_language[languages]
            is_language = len(bucket) == 1 and int(np.sum(in_bucket)) >= params.min_language_units
            eligible = np.flatnonzero(in_bucket) if is_language else everyone
            sample = eligible[np.linspace(0, len(eligible) - 1, min(params.background, len(eligible))).astype(np.int64)]
            background = sim.scores(mine, target, sample).max(axis=1)
            mu, sd = float(background.mean()), 1.0 if params.shift_only else max(float(background.std()), 1e-3)
            mean[name][bucket], std[name][bucket] = mu, sd
            if every_score is not None:
                columns = np.flatnonzero(in_bucket)
                _, units = _top_k(every_score[:, columns], params.pool, columns)
            else:
                _, units = sim.search(mine, target, params.pool, in_bucket)
            valid = units >= 0
            found.append(layout.owner[units[valid]])
            if valid.any():  # the best cosine found, recomputed as every other score is (see IndexSimilarity)
                best = sim.scores(mine, target, np.unique(units[valid])).max()
                best_z = max(best_z, (float(best) - mu) / sd)
        z_hi[name] = best_z
    rows = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
    return rows.astype(np.int64), Calibration(mean=mean, std=std, z_hi=z_hi)


def best_per_row(rows: np.ndarray, unit_scores: Callable[[np.ndarray], np.ndarray], layout: UnitLayout,
                 languages: np.ndarray, mean: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row (m,): the best raw cosine and the best language-calibrated z-score between any
    query and any of its units (``unit_scores(units)`` gives (len(units), q)); nan for rows without units."""
    units, offsets = layout.units_of(rows)
    raw, z = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    if not len(units):
        return raw, z
    per_unit = unit_scores(units).max(axis=1)
    lang = languages[units]
    per_unit_z = (per_unit - mean[lang]) / std[lang]
    has = offsets[1:] > offsets[:-1]
    raw[has] = np.maximum.reduceat(per_unit, offsets[:-1][has])
    z[has] = np.maximum.reduceat(per_unit_z, offsets[:-1][has])
    return raw, z


def _scale(z: np.ndarray, z_hi: float) -> np.ndarray:
    """Map a typical unit of the candidate's language (z = 0) to 0 and the best found to 1; nan stays."""
    with np.errstate(invalid="ignore"):
        return np.clip(z / max(z_hi, 1e-6), 0.0, 1.0)


def score_rows(
    asker: Asker, rows: np.ndarray, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], calib: Calibration,
    params: RankingParams, signals: Mapping[str, Signal] | None = None, similarity: Similarity | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fused scores (m,) and components for candidate ``rows`` (m,)."""
    m = len(rows)
    sim = similarity if similarity is not None else IndexSimilarity(asker, indexes)
    raw: dict[str, np.ndarray] = {}
    scaled: dict[str, np.ndarray] = {}
    for name, mine, target in CHANNELS:
        queries = asker.queries(mine)
        if queries is None or name not in calib.z_hi:
            raw[name] = np.full(m, np.nan)
            continue
        def unit_scores(units: np.ndarray, mine: str = mine, target: str = target) -> np.ndarray:
            return sim.scores(mine, target, units)

        raw[name], z = best_per_row(rows, unit_scores, _layout(cat, target), cat.text_language[target],
                                    calib.mean[name], calib.std[name])
        scaled[name] = _scale(z, calib.z_hi[name])

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
    for name, signal in (signals or {}).items():
        components[name] = signal.scores[rows].astype(np.float64)
        weights[name] = signal.weight
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


@dataclass(frozen=True, kw_only=True)
class Signal:
    """A non-text signal a deployment may have (track record, shared programmes, ...): one score in
    [0, 1] per catalogue row, added to the fusion with ``weight``; its top rows join the candidates."""

    weight: float
    scores: np.ndarray  # (n,) float in [0, 1]


def rank(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], constraints: Constraints,
         *, k: int, names: list[str], params: RankingParams | None = None, exhaustive: bool = False,
         signals: Mapping[str, Signal] | None = None, similarity: Similarity | None = None) -> Ranked:
    """Top-k partner rows for ``asker`` under ``constraints`` (already including asker_constraints).

    ``names`` (n,) are the catalogue's names, for near-duplicate detection. ``exhaustive`` scores every
    eligible row instead of the merged view candidates (a reference for tests and evaluation).
    ``signals`` are extra named components (see :class:`Signal`). ``similarity`` replaces the index
    searches with precomputed cosines (:class:`MatrixSimilarity`; the default reads ``indexes``).
    """
    signals = signals or {}
    params = params or RankingParams()
    mask = constraint_mask(constraints, cat)
    eligible = int(mask.sum())
    if params.pool < k:  # each channel must be able to return k rows on its own
        params = replace(params, pool=k)
    rows, calib = candidate_pool(asker, cat, indexes, mask, params, similarity)
    for signal in signals.values():  # the rows a signal likes best are candidates too
        eligible_rows = np.flatnonzero(mask)
        best = eligible_rows[np.argsort(-signal.scores[eligible_rows], kind="stable")[: params.pool]]
        rows = np.union1d(rows, best).astype(np.int64)
    if exhaustive:
        rows = np.flatnonzero(mask).astype(np.int64)
    elif len(rows) == 0 and eligible:
        rows = np.flatnonzero(mask)[: params.pool].astype(np.int64)  # nothing to embed against: metadata only
    scores, components, raw = score_rows(asker, rows, cat, indexes, calib, params, signals, similarity)
    order = np.lexsort((rows, -scores))
    cap = math.ceil(k / 3) if params.country_cap is None else params.country_cap
    overall = indexes["overall"].vectors(rows) if len(rows) else np.zeros((0, 1), np.float32)
    chosen, relaxed = diversify(order, rows, cat, overall, [names[r] for r in rows], k=k, cap=cap,
                                near_duplicate=params.near_duplicate)
    pick = np.array(chosen, dtype=np.int64)
    return Ranked(rows=rows[pick], scores=scores[pick], components={c: v[pick] for c, v in components.items()},
                  raw={c: v[pick] for c, v in raw.items()}, eligible=eligible, cap_relaxed=relaxed)
