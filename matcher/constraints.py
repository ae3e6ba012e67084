"""Hard constraints on candidates, compiled to boolean masks over the catalogue rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.profile import VIEWS, Profile
from matcher.taxonomy import PARTNERSHIP_TYPES, SECTORS


@dataclass(frozen=True, kw_only=True)
class CatalogueArrays:
    """Column view of the catalogue, row i = i-th profile (sorted by id)."""

    ids: np.ndarray  # (n,) str
    countries: np.ndarray  # (n,) '<U2'
    kinds: np.ndarray  # (n,) str
    sectors: np.ndarray  # (n, len(SECTORS)) bool
    partnership_types: np.ndarray  # (n, len(PARTNERSHIP_TYPES)) bool
    languages: np.ndarray  # (n, len(language_codes)) bool
    language_codes: tuple[str, ...]
    has_view: dict[str, np.ndarray]  # view -> (n,) bool: the profile has text for that view

    @classmethod
    def from_profiles(cls, profiles: Sequence[Profile]) -> CatalogueArrays:
        n = len(profiles)
        langs = tuple(sorted({code for p in profiles for code in p.languages}))
        lang_col = {code: i for i, code in enumerate(langs)}
        sec_col = {s: i for i, s in enumerate(SECTORS)}
        pt_col = {t: i for i, t in enumerate(PARTNERSHIP_TYPES)}
        sectors = np.zeros((n, len(SECTORS)), bool)
        ptypes = np.zeros((n, len(PARTNERSHIP_TYPES)), bool)
        languages = np.zeros((n, len(langs)), bool)
        has_view = {v: np.zeros(n, bool) for v in VIEWS}
        for i, p in enumerate(profiles):
            sectors[i, [sec_col[s] for s in p.sectors]] = True
            ptypes[i, [pt_col[t] for t in p.partnership_types]] = True
            languages[i, [lang_col[c] for c in p.languages]] = True
            for view, text in p.view_texts().items():
                has_view[view][i] = bool(text)
        return cls(
            ids=np.array([p.id for p in profiles], dtype=str),
            countries=np.array([p.country for p in profiles], dtype="<U2"),
            kinds=np.array([p.kind for p in profiles], dtype=str),
            sectors=sectors, partnership_types=ptypes, languages=languages,
            language_codes=langs, has_view=has_view,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def counts(self) -> dict[str, dict[str, int]]:
        """Profiles per country, sector, kind and working language."""
        def column_counts(matrix: np.ndarray, names: Sequence[str]) -> dict[str, int]:
            totals = matrix.sum(axis=0)
            return {name: int(t) for name, t in zip(names, totals, strict=True) if t}
        return {
            "country": dict(Counter(self.countries.tolist()).most_common()),
            "sector": column_counts(self.sectors, SECTORS),
            "kind": dict(Counter(self.kinds.tolist()).most_common()),
            "language": column_counts(self.languages, self.language_codes),
        }


@dataclass(frozen=True, kw_only=True)
class Constraints:
    """Hard filters; an empty set means "no constraint"; list fields match if any value matches."""

    countries: frozenset[str] = frozenset()  # include only these
    exclude_countries: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    partnership_types: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # shares at least one working language
    exclude_ids: frozenset[str] = frozenset()


def _any_of(matrix: np.ndarray, names: Sequence[str], wanted: frozenset[str]) -> np.ndarray:
    cols = [i for i, name in enumerate(names) if name in wanted]
    return np.asarray(matrix[:, cols].any(axis=1), dtype=bool)


def constraint_mask(c: Constraints, cat: CatalogueArrays) -> np.ndarray:
    """(n,) bool: rows that satisfy every constraint."""
    mask = np.ones(len(cat), bool)
    if c.countries:
        mask &= np.isin(cat.countries, sorted(c.countries))
    if c.exclude_countries:
        mask &= ~np.isin(cat.countries, sorted(c.exclude_countries))
    if c.kinds:
        mask &= np.isin(cat.kinds, sorted(c.kinds))
    if c.sectors:
        mask &= _any_of(cat.sectors, SECTORS, c.sectors)
    if c.partnership_types:
        mask &= _any_of(cat.partnership_types, PARTNERSHIP_TYPES, c.partnership_types)
    if c.languages:
        mask &= _any_of(cat.languages, cat.language_codes, c.languages)
    if c.exclude_ids:
        mask &= ~np.isin(cat.ids, sorted(c.exclude_ids))
    return mask
