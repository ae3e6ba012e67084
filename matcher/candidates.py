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
units are allowed (``RankingParams.single_pass_fraction``). The calibration depends
only on the query and the filter, not on which candidates were merged, so an exhaustive re-ranking
of every eligible row uses exactly the same scale (see tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


def unit_layout(cat: CatalogueArrays, target: str) -> UnitLayout:
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
        layout = unit_layout(cat, target)
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
                _, units = top_k_columns(every_score[:, columns], params.pool, columns)
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
