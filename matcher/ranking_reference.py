"""Today's candidate retrieval and scoring as they were before the vectorised path (issue 18): kept verbatim
as the reference that :func:`matcher.ranking.rank` runs with ``reference=True`` and that the tests compare the
fast path against (same rows, same scores to ~1e-12). Not used on the serving path."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from matcher.affinity import SECTOR_AFFINITY, fitting_kinds
from matcher.asker import Asker
from matcher.candidates import CHANNELS, Calibration, _buckets, unit_layout
from matcher.constraints import CatalogueArrays, UnitLayout
from matcher.language import LANGUAGE_CODES
from matcher.protocols import VectorIndex
from matcher.ranking_params import RankingParams
from matcher.scoring import COMPONENTS, Signal, _scale
from matcher.similarity import IndexSimilarity, Similarity, top_k_columns
from matcher.taxonomy import SECTORS


def candidate_pool_reference(asker: Asker, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], mask: np.ndarray,
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


def _best_per_row(rows: np.ndarray, unit_scores: Callable[[np.ndarray], np.ndarray], layout: UnitLayout,
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


def score_rows_reference(
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

        raw[name], z = _best_per_row(rows, unit_scores, unit_layout(cat, target), cat.text_language[target],
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
