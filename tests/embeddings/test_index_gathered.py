from __future__ import annotations

import numpy as np
import pytest

from embeddings.index_faiss import FaissIndex
from embeddings.index_gathered import GatheredIndex


def unit(rng: np.random.Generator, n: int, d: int = 16) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def pair() -> tuple[GatheredIndex, FaissIndex]:
    """A base of 300 rows of which 40 are tombstones, 25 new rows, interleaved; and the rebuilt index."""
    rng = np.random.default_rng(7)
    base, delta = unit(rng, 300), unit(rng, 25)
    kept = np.sort(rng.choice(300, 260, replace=False))
    delta[0] = base[kept[5]]  # equal scores: ties must be broken by the new row, as the rebuilt index does
    source = np.insert(kept, np.sort(rng.integers(0, 261, 25)), 300 + np.arange(25))
    rebuilt = np.vstack([base, delta])[source]
    return GatheredIndex(FaissIndex(base), FaissIndex(delta), source), FaissIndex(rebuilt)


def test_vectors_and_scores_equal_those_of_the_rebuilt_index(pair: tuple[GatheredIndex, FaissIndex]) -> None:
    gathered, rebuilt = pair
    assert len(gathered) == len(rebuilt) == 285
    rows = np.arange(len(rebuilt))
    assert np.array_equal(gathered.vectors(rows), rebuilt.vectors(rows))
    queries = unit(np.random.default_rng(1), 4)
    assert np.array_equal(gathered.scores(queries), rebuilt.scores(queries))


@pytest.mark.parametrize("share", [None, 0.01, 0.3, 0.9, 1.0, 0.0])
@pytest.mark.parametrize("k", [1, 10, 400])
def test_search_gives_the_ids_and_scores_of_the_rebuilt_index(pair: tuple[GatheredIndex, FaissIndex],
                                                              share: float | None, k: int) -> None:
    gathered, rebuilt = pair
    rng = np.random.default_rng(3)
    queries = unit(rng, 5)
    allowed = None if share is None else rng.random(len(rebuilt)) < share
    got, want = gathered.search(queries, k, allowed), rebuilt.search(queries, k, allowed)
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])


def test_a_tombstone_is_never_returned() -> None:
    vectors = unit(np.random.default_rng(0), 10)
    source = np.array([0, 1, 2, 4, 5, 6, 7, 8, 9, 10])  # row 3 of the base deleted; row 10 = the delta's row 0
    gathered = GatheredIndex(FaissIndex(vectors), FaissIndex(vectors[3:4] * 0.5), source)
    _, rows = gathered.search(vectors[3:4], 10)
    assert sorted(rows[0].tolist()) == list(range(10))
    assert rows[0, 0] == 9  # the new row at half the score still beats the rest; never the base's row 3
