"""Constraints as Milvus boolean expressions over scalar fields stored beside the vectors.

Every row of a Milvus collection (one per view) carries its profile's ``owner`` row, ``country``, ``kind``,
``sectors``, ``partnership_types`` and working ``languages`` (:func:`catalogue_fields`); a
:class:`~matcher.constraints.Constraints` becomes one expression over them (:func:`constraint_expression`),
e.g. ``country in ["MA", "TN"] and kind in ["firm"] and array_contains_any(sectors, ["crafts"])``, with an
event's participants as ``owner in [...]``. It selects exactly the rows :func:`~matcher.constraints.constraint_mask`
allows (checked against it in tests/embeddings/test_index_milvus.py). Any other boolean mask becomes
``row in [...]`` or ``not (row in [...])``, whichever lists fewer rows (:func:`mask_expression`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from matcher.constraints import ITEM_SIDES, CatalogueArrays, Constraints
from matcher.taxonomy import PARTNERSHIP_TYPES, SECTORS

# name -> (kind, longest value): the scalar columns every catalogue collection has
CATALOGUE_FIELDS: dict[str, tuple[str, int]] = {
    "owner": ("int", 0),
    "country": ("str", 2),
    "kind": ("str", 32),
    "sectors": ("str_list", 64),
    "partnership_types": ("str_list", 64),
    "languages": ("str_list", 16),
}


def literal_list(values: Iterable[str]) -> str:
    """A Milvus list of string literals, sorted (deterministic text), JSON-quoted."""
    return "[" + ", ".join(json.dumps(v) for v in sorted(values)) + "]"


def int_list(values: np.ndarray) -> str:
    return "[" + ",".join(map(str, np.asarray(values, dtype=np.int64).tolist())) + "]"


def mask_expression(allowed: np.ndarray, field: str = "row") -> str | None:
    """An expression selecting the rows where ``allowed`` (n,) is True: None when every row is; the shorter
    of the allowed list and the negated excluded list otherwise (at most n/2 numbers)."""
    allowed = np.asarray(allowed, dtype=bool)
    excluded = np.flatnonzero(~allowed)
    if len(excluded) == 0:
        return None
    included = np.flatnonzero(allowed)
    if len(included) <= len(excluded):
        return f"{field} in {int_list(included)}"
    return f"not ({field} in {int_list(excluded)})"


def _names(matrix: np.ndarray, names: tuple[str, ...] | list[str]) -> list[list[str]]:
    return [[names[j] for j in np.flatnonzero(row)] for row in matrix]


def catalogue_fields(cat: CatalogueArrays, view: str) -> dict[str, list[Any]]:
    """The scalar columns of ``view``'s rows: one row per profile for ``overall``/``offers``/``needs``, one
    per item for ``offers_items``/``needs_items`` (each carrying its profile's values)."""
    owner = np.arange(len(cat))
    for side in ITEM_SIDES:
        if view == f"{side}_items":
            owner = cat.items[side].owner
    per_profile: dict[str, list[Any]] = {
        "country": cat.countries.tolist(),
        "kind": cat.kinds.tolist(),
        "sectors": _names(cat.sectors, SECTORS),
        "partnership_types": _names(cat.partnership_types, PARTNERSHIP_TYPES),
        "languages": _names(cat.languages, cat.language_codes),
    }
    rows = owner.tolist()
    return {"owner": rows} | {name: [column[r] for r in rows] for name, column in per_profile.items()}


def constraint_expression(c: Constraints, cat: CatalogueArrays) -> str | None:
    """The expression selecting exactly the rows :func:`~matcher.constraints.constraint_mask` allows (their
    owners' rows, on item views); None when there is no constraint. Ids not in the catalogue match nothing."""
    parts: list[str] = []
    if c.countries:
        parts.append(f"country in {literal_list(c.countries)}")
    if c.exclude_countries:
        parts.append(f"not (country in {literal_list(c.exclude_countries)})")
    if c.kinds:
        parts.append(f"kind in {literal_list(c.kinds)}")
    for field, wanted in (("sectors", c.sectors), ("partnership_types", c.partnership_types),
                          ("languages", c.languages)):
        if wanted:
            parts.append(f"array_contains_any({field}, {literal_list(wanted)})")
    if c.exclude_ids:
        rows = np.flatnonzero(np.isin(cat.ids, sorted(c.exclude_ids)))
        if len(rows):
            parts.append(f"not (owner in {int_list(rows)})")
    if c.only_ids:
        parts.append(f"owner in {int_list(np.flatnonzero(np.isin(cat.ids, sorted(c.only_ids))))}")
    return " and ".join(parts) if parts else None
