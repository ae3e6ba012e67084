"""The final pick from ranked candidates: a cap per country and no near-duplicates."""

from __future__ import annotations

import numpy as np

from matcher.constraints import CatalogueArrays
from matcher.taxonomy import fold


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
