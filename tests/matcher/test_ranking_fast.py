"""The vectorised ranking, and the int8 pre-scan behind it, against today's path kept as the reference
(:mod:`matcher.ranking_reference`, ``rank(reference=True)``): the same rows in the same order and the same
scores, on random catalogues with equal item vectors (ties), several languages, filters on and off."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.index_exact import ExactIndex
from embeddings.index_faiss import FaissIndex
from embeddings.prescan_cache import prescans
from matcher.constraints import CatalogueArrays, Constraints
from matcher.profile import Profile
from matcher.protocols import VectorIndex
from matcher.ranking import Asker, RankingParams, asker_constraints, rank
from matcher.taxonomy import KINDS, SECTORS

COUNTRIES = ("TN", "FR", "IT", "MA", "EG")


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def random_catalogue(seed: int, *, n: int = 400, dim: int = 32, faiss: bool = False
                     ) -> tuple[CatalogueArrays, dict[str, VectorIndex], list[str], np.ndarray]:
    """n profiles with 0-3 offers and needs drawn from 80 item vectors (so many items are equal), overall
    vectors near 12 centres, and item languages from five codes, two of them rare (a shared bucket)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, dim))
    items = _unit(centres[rng.integers(12, size=80)] + 0.7 * rng.normal(size=(80, dim)))
    profiles: list[Profile] = []
    overall: list[np.ndarray] = []
    offers: list[np.ndarray] = []
    needs: list[np.ndarray] = []
    for i in range(n):
        mine = {side: rng.integers(80, size=int(rng.integers(0, 4))) for side in ("offers", "needs")}
        profiles.append(Profile(
            id=f"p{i:04d}", name=f"Org {i}", kind=str(rng.choice(KINDS)), country=str(rng.choice(COUNTRIES)),
            sectors=tuple(sorted({str(s) for s in rng.choice(SECTORS[:5], size=2)})), description=f"about {i}",
            offers=tuple(f"offer {j}" for j in mine["offers"]), needs=tuple(f"need {j}" for j in mine["needs"]),
            languages=("fr",)))
        overall.append(_unit(centres[rng.integers(12)] + 0.5 * rng.normal(size=dim)))
        offers.extend(items[mine["offers"]])
        needs.extend(items[mine["needs"]])
    cat = CatalogueArrays.from_profiles(profiles)
    weights = np.array([0.45, 0.3, 0.2, 0.03, 0.02])
    for target, size in (("overall", n), ("offers_items", len(offers)), ("needs_items", len(needs))):
        cat.text_language[target] = rng.choice(5, p=weights, size=size).astype(cat.text_language[target].dtype)
    make = (lambda x: FaissIndex(x, threads=2, min_shard_rows=64)) if faiss else ExactIndex
    vectors = {"overall": np.array(overall), "offers_items": np.array(offers).reshape(-1, dim),
               "needs_items": np.array(needs).reshape(-1, dim)}
    indexes: dict[str, VectorIndex] = {name: make(x) for name, x in vectors.items()}
    return cat, indexes, [p.name for p in profiles], items


def asker_of(rng: np.random.Generator, items: np.ndarray, dim: int) -> Asker:
    """Queries: an overall vector, and 0-3 needs and 1-3 offers, some equal to catalogue items."""
    def side(count: int) -> np.ndarray:
        picks = [items[rng.integers(len(items))] if rng.random() < 0.5 else _unit(rng.normal(size=dim))
                 for _ in range(count)]
        return np.array(picks, np.float32).reshape(-1, dim)

    return Asker(id="p0000", country="TN", sectors=("crafts",), languages=("fr",), partnership_types=(),
                 overall=_unit(rng.normal(size=dim)), offers=side(int(rng.integers(1, 4))),
                 needs=side(int(rng.integers(0, 4))))


FILTERS = [
    Constraints(),
    Constraints(exclude_countries=frozenset({"FR"})),
    Constraints(sectors=frozenset(SECTORS[:2]), kinds=frozenset(KINDS[:4])),
    Constraints(countries=frozenset({"IT"})),
    Constraints(only_ids=frozenset(f"p{i:04d}" for i in range(0, 400, 7))),
]


def assert_same(got: object, want: object) -> None:
    np.testing.assert_array_equal(got.rows, want.rows)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got.scores, want.scores, atol=1e-9, rtol=0)  # type: ignore[attr-defined]
    for name, values in want.components.items():  # type: ignore[attr-defined]
        np.testing.assert_allclose(got.components[name], values, atol=1e-9, rtol=0)  # type: ignore[attr-defined]
    assert got.eligible == want.eligible and got.cap_relaxed == want.cap_relaxed  # type: ignore[attr-defined]


@pytest.mark.parametrize("faiss", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_rank_equals_the_reference(seed: int, faiss: bool) -> None:
    cat, indexes, names, items = random_catalogue(seed, faiss=faiss)
    found = prescans(indexes)
    assert set(found) == ({"overall", "offers_items", "needs_items"} if faiss else set())
    rng = np.random.default_rng(100 + seed)
    compared = 0
    for constraints in FILTERS:
        me = asker_of(rng, items, 32)
        hard = asker_constraints(constraints, me, allow_same_country=bool(rng.random() < 0.5))
        for k in (1, 5, 10):
            for fraction in (0.02, 2.0):  # one pass over every unit, or one filtered search per bucket
                params = RankingParams(pool=8, background=40, min_language_units=15, single_pass_fraction=fraction)
                want = rank(me, cat, indexes, hard, k=k, names=names, params=params, reference=True)
                assert_same(rank(me, cat, indexes, hard, k=k, names=names, params=params), want)
                assert_same(rank(me, cat, indexes, hard, k=k, names=names, params=params, prescan=found), want)
                compared += len(want.rows)
    assert compared > 100


def test_the_pick_over_the_best_few_equals_the_pick_over_all() -> None:
    """A country cap that must be relaxed, and near-duplicates: the pick reads past its first window."""
    cat, indexes, names, items = random_catalogue(5)
    me = asker_of(np.random.default_rng(5), items, 32)
    hard = asker_constraints(Constraints(countries=frozenset({"IT", "MA"})), me)
    for k in (3, 12, 40):
        params = RankingParams(pool=30, country_cap=1)
        want = rank(me, cat, indexes, hard, k=k, names=names, params=params, reference=True)
        got = rank(me, cat, indexes, hard, k=k, names=names, params=params)
        assert_same(got, want)
    assert want.cap_relaxed and len(want.rows) == 40
