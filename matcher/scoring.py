"""Scores of candidate rows: each component in [0, 1] from the calibrated channels and the metadata,
fused into one weighted mean.

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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from matcher.affinity import SECTOR_AFFINITY, fitting_kinds
from matcher.asker import Asker
from matcher.candidates import CHANNELS, Calibration, unit_layout
from matcher.constraints import CatalogueArrays, UnitLayout
from matcher.protocols import VectorIndex
from matcher.ranking_params import RankingParams
from matcher.similarity import IndexSimilarity, Similarity
from matcher.taxonomy import SECTORS

COMPONENTS: tuple[str, ...] = ("semantic", "complementarity", "sector", "preference")


@dataclass(frozen=True, kw_only=True)
class Signal:
    """A non-text signal a deployment may have (track record, shared programmes, ...): one score in
    [0, 1] per catalogue row, added to the fusion with ``weight``; its top rows join the candidates."""

    weight: float
    scores: np.ndarray  # (n,) float in [0, 1]


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
        def unit_scores(units: np.ndarray, mine: str = mine, target: str = target, name: str = name) -> np.ndarray:
            if name not in calib.known:
                return sim.scores(mine, target, units)
            found, best = calib.known[name]  # units re-scored by candidate_pool already: their best cosine
            at = np.minimum(np.searchsorted(found, units), max(len(found) - 1, 0))
            hit = found[at] == units if len(found) else np.zeros(len(units), bool)
            out = np.empty(len(units))
            out[hit] = best[at[hit]]
            if not hit.all():
                out[~hit] = sim.scores(mine, target, units[~hit]).max(axis=1)
            return out[:, None]

        raw[name], z = best_per_row(rows, unit_scores, unit_layout(cat, target), cat.text_language[target],
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
