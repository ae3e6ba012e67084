"""Who asks for partners (a stored profile or a draft, as query vectors per view) and the hard
constraints that follow from who asks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.constraints import Constraints


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
