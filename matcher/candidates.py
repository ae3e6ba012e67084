"""Candidates and calibration: the union of each channel's best units, searched per language bucket,
and the per-query, per-language scale that maps cosines to [0, 1].

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
units are allowed (``RankingParams.single_pass_fraction``), or by a :class:`Prescan` (an int8 pass and an
exact re-score, :mod:`embeddings.prescan`; the same units). The calibration depends
only on the query and the filter, not on which candidates were merged, so an exhaustive re-ranking
of every eligible row uses exactly the same scale (see tests).

Per channel the work is vectorised (issue 18): the allowed units are grouped by bucket at once, and the
background samples and the units found are re-scored in float64 in one gather instead of two per bucket
(the previous form is kept as :mod:`matcher.ranking_reference`; tests/matcher/test_ranking_fast.py checks
both give the same rows and scores). Under load on the 10k synthetic catalogue, with the int8 pre-scan:
59 ms p50 against 77 ms for the previous path, same lists (``python -m bench --only suggest --quick``).

The grouping by bucket itself reads a per-version :class:`Grouping` (each index's units sorted by language once).
With it and the session's other changes (database reads through prebuilt Core statements, float64 re-scores in
cached blocks in :mod:`matcher.similarity`, ids found by binary search in :mod:`matcher.constraints`, and in
:mod:`embeddings.prescan` kept output buffers, a second query digit and equal shards), the time of one suggestion
on the synthetic catalogues, measured under load (2 cores shared, load average 4-6) against the session's starting
code on the same machine and databases: CPU time of all threads p50 23.0 -> 15.7 ms at 10k, 87.9 -> 62.5 ms at
100k, 634 -> 449 ms at 1M; wall p50 47 -> 31, 174 -> 126, 903 -> 684 ms (100 stored profiles, 30 at 1M). The idle
bench (``python -m bench --only suggest``) has the word on the targets.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from matcher.asker import Asker
from matcher.constraints import CatalogueArrays, UnitLayout
from matcher.language import LANGUAGE_CODES
from matcher.protocols import VectorIndex
from matcher.ranking_params import RankingParams
from matcher.similarity import IndexSimilarity, Similarity, top_k_columns

# (channel, my view, the index of their units): overall against overall, and item against item:
# each of my needs against each of their offers, each of my offers against each of their needs.
CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("semantic", "overall", "overall"),
    ("need_match", "needs", "offers_items"),
    ("offer_match", "offers", "needs_items"),
)


@dataclass(frozen=True, kw_only=True)
class Calibration:
    """Per channel: background mean and spread of the best cosine per language bucket, and the
    best z-score found (which maps to 1)."""

    mean: dict[str, np.ndarray]  # channel -> (len(LANGUAGE_CODES),) background mean per language
    std: dict[str, np.ndarray]  # channel -> (len(LANGUAGE_CODES),)
    z_hi: dict[str, float]  # channel -> best z among the retrieved units
    # channel -> (units sorted, their best float64 cosine over my queries): the units found, already re-scored,
    # which scoring reads instead of gathering them again (empty: score every unit)
    known: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


_overall_layouts: dict[int, UnitLayout] = {}  # id(catalogue arrays) -> one unit per row, while they live


def unit_layout(cat: CatalogueArrays, target: str) -> UnitLayout:
    """Overall: one unit per row (the overall index has a row per profile), made once per catalogue version
    (a few ms per request at 1M profiles otherwise); items: their layout."""
    if target != "overall":
        return cat.items[target.removesuffix("_items")]
    key = id(cat)
    layout = _overall_layouts.get(key)
    if layout is None or len(layout.owner) != len(cat):
        rows = np.arange(len(cat), dtype=np.int64)  # what UnitLayout.from_counts(ones) gives, without the repeat
        layout = _overall_layouts[key] = UnitLayout(owner=rows, start=np.arange(len(cat) + 1, dtype=np.int64))
        weakref.finalize(cat, _overall_layouts.pop, key, None)
    return layout


def _buckets(languages: np.ndarray, allowed: np.ndarray, min_units: int) -> list[np.ndarray]:
    """Language ids with at least ``min_units`` allowed units each get their own bucket; the rest
    form one bucket calibrated against all allowed units (a few misdetected texts are not a language)."""
    return _buckets_of(np.bincount(languages[allowed], minlength=len(LANGUAGE_CODES)), min_units)


def _buckets_of(counts: np.ndarray, min_units: int) -> list[np.ndarray]:
    """:func:`_buckets` from the allowed units per language id."""
    big = [np.array([code]) for code in np.flatnonzero(counts >= min_units)]
    small = np.flatnonzero((counts > 0) & (counts < min_units))
    return big + ([small] if len(small) else [])


@dataclass(frozen=True, kw_only=True)
class Grouping:
    """One index's units sorted by language id (each language's in unit order), made once per catalogue version:
    a request then groups its allowed units by bucket with one gather of its mask and one compress per language,
    instead of a pass to find them, a gather of their languages and a stable sort (25 % of a 100k suggestion
    under load)."""

    order: np.ndarray  # (u,) int32 units, by language id then unit
    starts: np.ndarray  # (len(LANGUAGE_CODES) + 1,) where each language id's units begin in ``order``
    owner: np.ndarray  # (u,) int32: the row of each unit of ``order``
    view: np.ndarray | None  # overall: (u,) whether each row of ``order`` has an overall text; items: None

    def allowed(self, mask: np.ndarray) -> np.ndarray:
        """(u,) bool in ``order``: the units whose row ``mask`` allows (and that have a text)."""
        allowed = mask[self.owner]
        if self.view is not None:
            allowed &= self.view
        return allowed

    def units(self, allowed: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The allowed units of these language ids, sorted (int32 below 2^31 units: half the bytes to gather by)."""
        parts = [self.order[self.starts[c] : self.starts[c + 1]][allowed[self.starts[c] : self.starts[c + 1]]]
                 for c in codes.tolist()]
        units = np.concatenate(parts) if parts else np.zeros(0, self.order.dtype)
        return units if len(parts) == 1 else np.sort(units)


_groupings: dict[tuple[int, str], Grouping] = {}  # (id(catalogue arrays), target) -> its grouping, while they live


def grouping(cat: CatalogueArrays, target: str) -> Grouping:
    """The :class:`Grouping` of ``target``'s units, made once per catalogue version (as :func:`unit_layout`)."""
    key = (id(cat), target)
    languages = cat.text_language[target]
    found = _groupings.get(key)
    if found is None or len(found.order) != len(languages):
        order = np.argsort(languages, kind="stable")
        counts = np.bincount(languages, minlength=len(LANGUAGE_CODES))
        small = np.int32 if len(order) < 2**31 else np.int64
        found = _groupings[key] = Grouping(
            order=order.astype(small), starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            owner=unit_layout(cat, target).owner[order].astype(small),
            view=cat.has_view["overall"][order] if target == "overall" else None)
        weakref.finalize(cat, _groupings.pop, key, None)
    return found


class Prescan(Protocol):
    """A faster way to each language bucket's best units of one index than a float32 pass over every unit
    (e.g. an int8 pre-scan and an exact re-score inside a proven margin, :mod:`embeddings.prescan`)."""

    def top_units(self, queries: np.ndarray, k: int, eligible: Sequence[np.ndarray]) -> list[np.ndarray]:
        """For each bucket's allowed units ``eligible[b]`` (sorted): the best k units (q, k) of each query by the
        index's own float32 score (:meth:`VectorIndex.scores`), ties by the smaller unit, -1 padded: exactly
        what :func:`matcher.similarity.top_k_columns` takes from those scores."""
        ...


def candidate_pool(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], mask: np.ndarray,
                   params: RankingParams, similarity: Similarity | None = None,
                   prescan: Mapping[str, Prescan] | None = None) -> tuple[np.ndarray, Calibration]:
    """Union of the owners of each channel's top units, searched separately in each language bucket
    (so that a same-language bias cannot crowd out translations), and the per-language calibration.

    Vectorised per channel (the reference, one bucket at a time, is
    :func:`matcher.ranking_reference.candidate_pool_reference`; same rows and scale): the allowed units are
    grouped by bucket by the version's :class:`Grouping`, each bucket's top comes from one pass over every unit
    (or from the target's :class:`Prescan` when given and ``similarity`` is not, or, for few allowed units, a
    filtered search), and the background samples and the units found are re-scored in float64 in one gather."""
    found: list[np.ndarray] = []
    mean: dict[str, np.ndarray] = {}
    std: dict[str, np.ndarray] = {}
    z_hi: dict[str, float] = {}
    known: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    sim = similarity if similarity is not None else IndexSimilarity(asker, indexes)
    for name, mine, target in CHANNELS:
        queries = asker.queries(mine)
        layout = unit_layout(cat, target)
        if queries is None or not len(layout.owner):
            continue
        # the allowed units grouped by bucket, each group in unit order (by the version's Grouping)
        group = grouping(cat, target)
        in_order = group.allowed(mask)
        counts = np.array([np.count_nonzero(in_order[group.starts[c] : group.starts[c + 1]])
                           for c in range(len(LANGUAGE_CODES))])
        buckets = _buckets_of(counts, params.min_language_units)
        mean[name] = np.zeros(len(LANGUAGE_CODES))
        std[name] = np.ones(len(LANGUAGE_CODES))
        z_hi[name] = -np.inf
        if not buckets:
            continue
        eligible = [group.units(in_order, bucket) for bucket in buckets]
        fast = prescan.get(target) if prescan is not None and similarity is None else None
        if fast is not None:
            tops = fast.top_units(queries, params.pool, eligible)
        else:
            allowed = mask[layout.owner]
            if target == "overall":
                allowed &= cat.has_view["overall"]
            tops = _bucket_tops(sim, mine, target, params, eligible, buckets, allowed, cat.text_language[target])
        samples = []
        everyone = None  # every allowed unit, sorted: the sample pool of a bucket of several small languages
        for b, bucket in enumerate(buckets):
            is_language = len(bucket) == 1 and len(eligible[b]) >= params.min_language_units
            if not is_language and everyone is None:
                everyone = group.units(in_order, np.flatnonzero(counts))
            pool = eligible[b] if is_language else everyone
            assert pool is not None
            samples.append(pool[_sample_positions(len(pool), min(params.background, len(pool)))])
        units = [u[u >= 0] for u in tops]
        for u in units:
            found.append(layout.owner[u])
        # one float64 scoring of every sample and every unit found (what the reference scores bucket by bucket)
        sizes = [len(x) for x in samples] + [len(u) for u in units]
        best = sim.scores(mine, target, np.concatenate(samples + units)).max(axis=1)
        parts = np.split(best, np.cumsum(sizes)[:-1])
        every_found = np.concatenate(units)
        first = np.unique(every_found, return_index=True)
        known[name] = (first[0], best[sum(len(x) for x in samples):][first[1]])
        best_z = -np.inf
        for b, bucket in enumerate(buckets):
            background = parts[b]
            mu = float(background.mean())
            sd = 1.0 if params.shift_only else max(float(background.std()), 1e-3)
            mean[name][bucket], std[name][bucket] = mu, sd
            if len(units[b]):
                best_z = max(best_z, (float(parts[len(buckets) + b].max()) - mu) / sd)
        z_hi[name] = best_z
    rows = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
    return rows.astype(np.int64), Calibration(mean=mean, std=std, z_hi=z_hi, known=known)


@functools.lru_cache(maxsize=1024)
def _sample_positions(size: int, count: int) -> np.ndarray:
    """``count`` evenly spaced positions in a pool of ``size`` (read only): one linspace per (size, count), not one
    per bucket and suggestion (12 us each, ~15 per suggestion; the pools of askers of one country have one size:
    96 % hits over 200 suggestions at 10k, 107 sizes; 0.984x paired, alternated in one process under load)."""
    positions = np.linspace(0, size - 1, count).astype(np.int64)
    positions.flags.writeable = False
    return positions


def _bucket_tops(sim: Similarity, mine: str, target: str, params: RankingParams, eligible: list[np.ndarray],
                 buckets: list[np.ndarray], allowed: np.ndarray, languages: np.ndarray) -> list[np.ndarray]:
    """Each bucket's best ``params.pool`` units (q, pool) per query, -1 padded, by whichever way is cheapest."""
    if sum(len(e) for e in eligible) >= params.single_pass_fraction * len(allowed):
        every_score = sim.all_scores(mine, target)
        return [top_k_columns(every_score[:, cols], params.pool, cols)[1] for cols in eligible]
    tops = []
    for bucket in buckets:
        in_language = np.zeros(len(LANGUAGE_CODES), bool)
        in_language[bucket] = True
        tops.append(sim.search(mine, target, params.pool, allowed & in_language[languages])[1])
    return tops
