"""A candidate's fit with a cluster's focus: continuous, calibrated like the suggestion scores (the mean over the
eligible rows = 0, the best eligible row = 1) and made of parts a coordinator can read.

Parts (raw values, then weighted and calibrated together):

- ``theme``: cosine of the overall view with the theme vector; without a theme, with the focus sectors' typical
  text (the normalised centroid of the eligible rows in a focus sector), so that, among profiles of the same
  sectors, the one whose description is about them fits better;
- ``sectors``: how exactly the row's sectors are the focus's: half the share of focus sectors it has, half the
  share of its sectors that are focus sectors (a row spread over unrelated sectors fits less);
- ``value_chain``: its position on the focus's value chains, per focus sector the best affinity of one of its
  sectors (:data:`matcher.affinity.SECTOR_AFFINITY`: 1 same sector, 0.6 along a value chain, 0.3 same group),
  averaged over the focus sectors.

Weights 0.5 / 0.25 / 0.25, over the parts present. ``fit = clip((Σ w·raw − base) / (top − base), 0, 1)`` with
``base`` the mean and ``top`` the max over the eligible rows; each part's contribution is
``w·(raw − its mean) / (top − base)``, so the contributions add up to the fit before clipping. Why not the
earlier "best affinity of one sector": every crafts profile scored 1.00 for a crafts focus (the issue's 8 of 8
members at 1.00), so the fit ranked nothing. With a theme only (the CORDIS evaluation), the fit is the
calibrated theme cosine, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.affinity import SECTOR_AFFINITY
from matcher.constraints import CatalogueArrays
from matcher.taxonomy import SECTORS

FIT_WEIGHTS: dict[str, float] = {"theme": 0.5, "sectors": 0.25, "value_chain": 0.25}
FIT_PARTS: tuple[str, ...] = tuple(FIT_WEIGHTS)


@dataclass(frozen=True, kw_only=True)
class Focus:
    """What the cluster is about: a theme vector (query role, (d,)) and/or sectors."""

    theme: np.ndarray | None = None
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Fit:
    """(n,) fit of every row in [0, 1] and, per part present, (n,) its contribution."""

    value: np.ndarray
    parts: dict[str, np.ndarray]

    def of(self, row: int) -> dict[str, float]:
        """The contributions of one row, rounded (they add up to its fit before clipping)."""
        return {name: round(float(part[row]), 4) for name, part in self.parts.items()}


def calibrate(x: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """(x - mean over eligible) / (max - mean), clipped to [0, 1]."""
    base = float(np.mean(x[eligible])) if eligible.any() else 0.0
    top = float(np.max(x[eligible])) if eligible.any() else 1.0
    return np.clip((x - base) / max(top - base, 1e-9), 0.0, 1.0)


def raw_parts(focus: Focus, cat: CatalogueArrays, overall: np.ndarray, eligible: np.ndarray) -> dict[str, np.ndarray]:
    """(n,) raw value of each part present for this focus."""
    parts: dict[str, np.ndarray] = {}
    theme = focus.theme
    cols = [SECTORS.index(s) for s in focus.sectors]
    if cols:
        in_focus = np.asarray(cat.sectors[:, cols].any(axis=1), dtype=bool)
        if theme is None and (eligible & in_focus).any():
            centroid = overall[eligible & in_focus].mean(axis=0)
            theme = centroid / max(float(np.linalg.norm(centroid)), 1e-12)
    if theme is not None:
        parts["theme"] = (overall @ theme).astype(np.float64)
    if cols:
        shared = cat.sectors[:, cols].sum(axis=1).astype(np.float64)
        own = np.maximum(cat.sectors.sum(axis=1), 1).astype(np.float64)
        parts["sectors"] = 0.5 * shared / len(cols) + 0.5 * shared / own
        affinity = SECTOR_AFFINITY[cols].astype(np.float64)  # (f, S)
        best = np.where(cat.sectors[:, None, :], affinity[None, :, :], 0.0).max(axis=2)  # (n, f)
        parts["value_chain"] = best.mean(axis=1)
    return parts


def fit_of(focus: Focus, cat: CatalogueArrays, overall: np.ndarray, eligible: np.ndarray) -> Fit:
    """The calibrated fit of every row and its parts (none without a focus: every fit is 0)."""
    raw = raw_parts(focus, cat, overall, eligible)
    if not raw or not eligible.any():
        return Fit(value=np.zeros(len(cat)), parts={name: np.zeros(len(cat)) for name in raw})
    total_weight = sum(FIT_WEIGHTS[name] for name in raw)
    weighted = {name: FIT_WEIGHTS[name] / total_weight * values for name, values in raw.items()}
    combined = np.sum(list(weighted.values()), axis=0)
    base, top = float(np.mean(combined[eligible])), float(np.max(combined[eligible]))
    scale = max(top - base, 1e-9)
    parts = {name: (values - float(np.mean(values[eligible]))) / scale for name, values in weighted.items()}
    return Fit(value=np.clip((combined - base) / scale, 0.0, 1.0), parts=parts)


def fit_scores(focus: Focus, cat: CatalogueArrays, overall: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """(n,) fit of every row to the focus, in [0, 1]."""
    return fit_of(focus, cat, overall, eligible).value
