from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings.index_faiss import FaissIndex, write_flat


@pytest.mark.parametrize("approx", [None, "ivf", "hnsw"])
def test_a_mapped_index_has_the_same_vectors_and_results(tmp_path: Path, approx: str | None) -> None:
    x = np.random.default_rng(0).standard_normal((3000, 24)).astype(np.float32)
    params: dict[str, Any] = {"approx_threshold": 1000, "approx": approx} if approx else {}
    FaissIndex(x, **params).save(tmp_path / "x.faiss")
    mapped = FaissIndex.load(tmp_path / "x.faiss", **params)
    read = FaissIndex.load(tmp_path / "x.faiss", mmap=False, **params)
    assert np.array_equal(mapped.vectors(np.arange(len(x))), x)
    queries = x[:5] + 0.1
    allowed = np.random.default_rng(1).random(len(x)) < 0.5
    for mask in (None, allowed):
        got, want = mapped.search(queries, 10, mask), read.search(queries, 10, mask)
        assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])
    assert mapped.approximate is (approx is not None)


def test_a_streamed_flat_file_loads_as_the_index_of_those_vectors(tmp_path: Path) -> None:
    x = np.random.default_rng(2).standard_normal((70_000, 8)).astype(np.float32)  # more than one chunk
    write_flat(tmp_path / "s.faiss", lambda rows: x[rows], len(x), 8)
    loaded = FaissIndex.load(tmp_path / "s.faiss")
    assert len(loaded) == len(x) and np.array_equal(loaded.vectors(np.arange(len(x))), x)
    assert np.array_equal(loaded.search(x[:3], 4)[1], FaissIndex(x).search(x[:3], 4)[1])
