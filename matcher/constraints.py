"""Hard constraints on candidates, compiled to boolean masks over the catalogue rows."""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.ids import rows_of_ids
from matcher.language import LANGUAGE_CODES, language_ids
from matcher.profile import VIEWS, Profile
from matcher.taxonomy import PARTNERSHIP_TYPES, SECTORS

ITEM_SIDES: tuple[str, ...] = ("offers", "needs")


@dataclass(frozen=True, kw_only=True)
class UnitLayout:
    """Where each catalogue row's units (e.g. its offer items) sit in a flat unit array."""

    owner: np.ndarray  # (u,) int64: the row each unit belongs to
    start: np.ndarray  # (n + 1,) int64: the units of row r are start[r]:start[r + 1]

    @classmethod
    def from_counts(cls, counts: Sequence[int] | np.ndarray) -> UnitLayout:
        counts_arr = np.asarray(counts, dtype=np.int64)
        return cls(owner=np.repeat(np.arange(len(counts_arr)), counts_arr),
                   start=np.concatenate([[0], np.cumsum(counts_arr)]).astype(np.int64))

    def units_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit indices of ``rows`` (m,), concatenated, and the (m + 1,) offsets of each row's slice."""
        lengths = self.start[rows + 1] - self.start[rows]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        units = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths) + np.repeat(self.start[rows], lengths)
        return units.astype(np.int64), offsets


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
    items: dict[str, UnitLayout]  # "offers" / "needs" -> where each profile's items sit
    text_language: dict[str, np.ndarray]  # "overall" (n,), "offers_items", "needs_items" (u,): language ids

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
            items={side: UnitLayout.from_counts([len(getattr(p, side)) for p in profiles]) for side in ITEM_SIDES},
            text_language=_text_languages(profiles),
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


def _text_languages(profiles: Sequence[Profile]) -> dict[str, np.ndarray]:
    """Language of each description and each item (an item with no clue takes its description's)."""
    overall = language_ids([p.description for p in profiles])
    out = {"overall": overall}
    for side in ITEM_SIDES:
        texts = [t for p in profiles for t in getattr(p, side)]
        defaults = [LANGUAGE_CODES[code] for p, code in zip(profiles, overall, strict=True)
                    for _ in getattr(p, side)]
        out[f"{side}_items"] = language_ids(texts, defaults)
    return out


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
    only_ids: frozenset[str] = frozenset()  # restrict to these profiles (e.g. an event's participants)


def _any_of(matrix: np.ndarray, names: Sequence[str], wanted: frozenset[str]) -> np.ndarray:
    cols = [i for i, name in enumerate(names) if name in wanted]
    return np.asarray(matrix[:, cols].any(axis=1), dtype=bool)


_sorted: dict[int, bool] = {}  # id(catalogue arrays) -> whether its ids are sorted, while they live


def ids_sorted(cat: CatalogueArrays) -> bool:
    """Whether ``cat``'s ids are sorted (the catalogue keeps them so), checked once per arrays (10-15 ms at 1M rows,
    under load)."""
    key = id(cat)
    ordered = _sorted.get(key)
    if ordered is None:
        ordered = _sorted[key] = bool(len(cat.ids) < 2 or (cat.ids[:-1] <= cat.ids[1:]).all())
        weakref.finalize(cat, _sorted.pop, key, None)
    return ordered


def note_sorted(cat: CatalogueArrays, ordered: bool) -> None:
    """Record whether ``cat``'s ids are sorted when the caller knows it (a splice of new ids into sorted ones by
    binary search), so :func:`ids_sorted` does not compare every id again (10-15 ms per version at 1M rows)."""
    key = id(cat)
    if key not in _sorted:
        _sorted[key] = ordered
        weakref.finalize(cat, _sorted.pop, key, None)


def _has_id(cat: CatalogueArrays, wanted: frozenset[str]) -> np.ndarray:
    """(n,) bool: the rows whose id is in ``wanted``. By binary search when the ids are sorted (:func:`ids_sorted`):
    ``np.isin`` compared every id with each wanted one, 3 ms of a suggestion at 100k (the asker's own id is always
    excluded) and 10 times that at 1M."""
    if not ids_sorted(cat):
        return np.isin(cat.ids, sorted(wanted))
    rows = rows_of_ids(cat.ids, np.array(sorted(wanted), dtype=str))
    mask = np.zeros(len(cat.ids), bool)
    mask[rows[rows >= 0]] = True
    return mask


def is_in(column: np.ndarray, wanted: frozenset[str]) -> np.ndarray:
    """(n,) bool: ``np.isin(column, sorted(wanted))``. A column of one or two characters (the country codes) is
    compared as the integers its 4 or 8 bytes make (the same bytes, the same answer; a longer wanted value is in no
    row): ``np.isin`` compared the strings one by one, 30 ms of every suggestion at 1M profiles (the asker's own
    country is always excluded), against 1.4-2 ms as integers (under load)."""
    size = column.dtype.itemsize
    if column.dtype.kind != "U" or size not in (4, 8):
        return np.isin(column, sorted(wanted))
    fits = sorted(w for w in wanted if len(w) <= size // 4)
    if not fits:
        return np.zeros(len(column), bool)
    as_int = np.uint32 if size == 4 else np.uint64
    values, keys = column.view(as_int), np.array(fits, dtype=column.dtype).view(as_int)
    if len(keys) > 8:  # np.isin's default on these integers was as slow as on the strings
        return np.isin(values, keys, kind="sort")
    mask = values == keys[0]
    for key in keys[1:]:
        mask |= values == key
    return mask


def constraint_mask(c: Constraints, cat: CatalogueArrays) -> np.ndarray:
    """(n,) bool: rows that satisfy every constraint."""
    mask = np.ones(len(cat), bool)
    if c.countries:
        mask &= is_in(cat.countries, c.countries)
    if c.exclude_countries:
        mask &= ~is_in(cat.countries, c.exclude_countries)
    if c.kinds:
        mask &= np.isin(cat.kinds, sorted(c.kinds))
    if c.sectors:
        mask &= _any_of(cat.sectors, SECTORS, c.sectors)
    if c.partnership_types:
        mask &= _any_of(cat.partnership_types, PARTNERSHIP_TYPES, c.partnership_types)
    if c.languages:
        mask &= _any_of(cat.languages, cat.language_codes, c.languages)
    if c.exclude_ids:
        mask &= ~_has_id(cat, c.exclude_ids)
    if c.only_ids:
        mask &= _has_id(cat, c.only_ids)
    return mask
