"""One contract, several backends: every index must equal brute force on filtered search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.index_exact import ExactIndex
from embeddings.index_faiss import FaissIndex
from embeddings.index_milvus import MilvusIndex
from matcher.protocols import VectorIndex
from tests.embeddings.milvus_lite import milvus_uri

N, D = 5000, 48

BACKENDS: dict[str, Callable[[np.ndarray], VectorIndex]] = {
    "exact-numpy": ExactIndex,
    "faiss-flat": FaissIndex,
    "faiss-hnsw": lambda x: FaissIndex(x, approx_threshold=0),  # filtered search must stay exact
    "faiss-ivf": lambda x: FaissIndex(x, approx_threshold=0, approx="ivf", nlist=16),
    "faiss-1-thread": lambda x: FaissIndex(x, threads=1),
    "faiss-3-shards": lambda x: FaissIndex(x, threads=3, min_shard_rows=1),  # merge of per-shard top-k
    # Milvus (milvus-lite, embedded): the mask becomes a `row in [...]` expression evaluated inside Milvus
    "milvus-flat": lambda x: MilvusIndex(x, uri=milvus_uri()),
    "milvus-ivf-every-cell": lambda x: MilvusIndex(x, uri=milvus_uri(), index_type="IVF_FLAT", nlist=16, nprobe=16),
}
# Building a Milvus collection costs ~0.5 s: the 40 examples of the property test run on the in-memory
# backends; tests/embeddings/test_index_milvus.py has the same property on Milvus with fewer examples.
IN_MEMORY = {name: make for name, make in BACKENDS.items() if not name.startswith("milvus")}


def clustered(n: int, d: int, seed: int, clusters: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d))
    x = centres[rng.integers(clusters, size=n)] + 0.35 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(x: np.ndarray, q: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    scores = q @ x.T
    if allowed is not None:
        scores = np.where(allowed[None, :], scores, -np.inf)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(scores, order, axis=1)
    pad = k - top.shape[1]  # fewer rows than k: pad as the protocol says
    top = np.pad(top, ((0, 0), (0, pad)), constant_values=-np.inf)
    order = np.pad(order, ((0, 0), (0, pad)), constant_values=-1)
    return top, np.where(np.isfinite(top), order, -1)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return clustered(N, D, seed=1), clustered(20, D, seed=2)


@pytest.fixture(scope="module", params=list(BACKENDS))
def index(request: pytest.FixtureRequest, data: tuple[np.ndarray, np.ndarray]) -> VectorIndex:
    return BACKENDS[request.param](data[0])


def assert_same(got: tuple[np.ndarray, np.ndarray], want: tuple[np.ndarray, np.ndarray]) -> None:
    np.testing.assert_array_equal(got[1], want[1])
    finite = np.isfinite(want[0])
    np.testing.assert_allclose(got[0][finite], want[0][finite], rtol=1e-5, atol=1e-5)
    assert np.all(np.isneginf(got[0][~finite]))


def group_filter(selectivity: float, seed: int) -> np.ndarray:
    """A country/sector-like filter: whole contiguous-by-label groups, not random rows."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(1000, size=N)  # 1000 "groups", ~N/1000 rows each
    chosen = rng.permutation(1000)[: max(1, round(1000 * selectivity))]
    return np.isin(labels, chosen)


@pytest.mark.parametrize("name", ["exact-numpy", "faiss-flat", "faiss-1-thread", "faiss-3-shards",
                                  "milvus-flat"])  # approx: recall
def test_unfiltered_equals_brute_force_for_exact_backends(data, name: str) -> None:
    x, q = data
    assert_same(BACKENDS[name](x).search(q, 10), brute_force(x, q, 10, None))


@pytest.mark.parametrize("selectivity", [0.5, 0.1, 0.01, 0.001])
@pytest.mark.parametrize("kind", ["groups", "random"])
def test_filtered_equals_brute_force(data, index, selectivity: float, kind: str) -> None:
    x, q = data
    rng = np.random.default_rng(int(selectivity * 1e4))
    allowed = group_filter(selectivity, 3) if kind == "groups" else rng.random(N) < selectivity
    assert allowed.any()
    got = index.search(q, 10, allowed)
    assert_same(got, brute_force(x, q, 10, allowed))
    assert np.all(allowed[got[1][got[1] >= 0]]), "a row outside the filter came back"
    assert (got[1] >= 0).sum(axis=1).min() == min(10, allowed.sum()), "fewer than k results although k allowed"


def test_filter_smaller_than_k_returns_every_allowed_row_then_padding(data, index) -> None:
    x, q = data
    allowed = np.zeros(N, bool)
    allowed[[17, 4000, 4999]] = True
    scores, rows = index.search(q, 10, allowed)
    assert all(set(r[:3]) == {17, 4000, 4999} for r in rows)
    assert np.all(rows[:, 3:] == -1) and np.all(np.isneginf(scores[:, 3:]))
    assert_same((scores, rows), brute_force(x, q, 10, allowed))


def test_empty_filter_and_k_zero(data, index) -> None:
    _, q = data
    scores, rows = index.search(q, 5, np.zeros(N, bool))
    assert np.all(rows == -1) and np.all(np.isneginf(scores))
    assert index.search(q, 0)[1].shape == (len(q), 0)


def test_k_larger_than_index(index, data) -> None:
    _, q = data
    allowed = np.ones(N, bool)
    _, rows = index.search(q[:1], N + 5, allowed)
    assert sorted(rows[0, :N].tolist()) == list(range(N)) and np.all(rows[0, N:] == -1)


def test_stored_vectors_come_back_by_row(index, data) -> None:
    x, _ = data
    rows = np.array([4999, 0, 17])
    np.testing.assert_array_equal(index.vectors(rows), x[rows])


@pytest.mark.parametrize("selectivity", [1.0, 0.5, 0.1, 0.01])
def test_scores_of_every_row_are_the_scores_search_returns(data, index, selectivity: float) -> None:
    """``scores`` (one pass over every row) gives each row exactly the score a filtered search gives it,
    so that a top-k taken from it picks the same rows (the ranking's single-pass candidates rely on it)."""
    x, q = data
    scores = index.scores(q)
    assert scores.shape == (len(q), N) and scores.dtype == np.float32
    np.testing.assert_allclose(scores, q @ x.T, rtol=1e-5, atol=1e-5)
    allowed = group_filter(selectivity, 5)
    got_scores, got_rows = index.search(q, 10, allowed)
    np.testing.assert_array_equal(np.take_along_axis(scores, got_rows, axis=1), got_scores)
    assert index.scores(q[:0]).shape == (0, N)


def test_bad_arguments_are_refused(index, data) -> None:
    _, q = data
    with pytest.raises(ValueError, match="dimension"):
        index.search(q[:, :5], 3)
    with pytest.raises(ValueError, match="bool mask"):
        index.search(q, 3, np.ones(N - 1, bool))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), k=st.integers(1, 20), seed=st.integers(0, 10_000), p=st.floats(0.0, 1.0))
def test_property_any_filter_any_size(n: int, k: int, seed: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    q = rng.normal(size=(3, 8)).astype(np.float32)
    allowed = rng.random(n) < p
    want = brute_force(x, q, k, allowed)
    for make in IN_MEMORY.values():
        assert_same(make(x).search(q, k, allowed), want)


def test_approximate_index_recall_on_clustered_data() -> None:
    x, q = clustered(20_000, 64, seed=5, clusters=200), clustered(200, 64, seed=6, clusters=200)
    approx = FaissIndex(x, approx_threshold=10_000)
    assert approx.approximate
    _, got = approx.search(q, 10)
    _, want = brute_force(x, q, 10, None)
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want, strict=True)])
    assert recall >= 0.95, f"recall@10 {recall:.3f}"
    small = FaissIndex(x[:5000], approx_threshold=10_000)
    assert not small.approximate  # below the threshold, unfiltered search is exact


def test_faiss_save_and_load_round_trip(tmp_path: Path, data) -> None:
    x, q = data
    for params in ({}, {"approx_threshold": 0}):
        index = FaissIndex(x, **params)  # type: ignore[arg-type]
        index.save(tmp_path / "i.faiss")
        loaded = FaissIndex.load(tmp_path / "i.faiss")
        assert loaded.approximate == index.approximate
        allowed = group_filter(0.1, 9)
        assert_same(loaded.search(q, 10, allowed), index.search(q, 10, allowed))


# Each exact path of FaissIndex, forced by its thresholds, against brute force: the fast paths are
# chosen by selectivity, so every one of them must give the same answer on any filter.
PATHS: dict[str, dict[str, float]] = {
    "rows-by-index": {"direct_fraction": 1.0},
    "overfetch": {"direct_fraction": 0.0, "overfetch_fraction": 0.0},
    "bitmap-scan": {"direct_fraction": 0.0, "overfetch_fraction": 2.0},
}


@pytest.mark.parametrize("threads", [1, 4])
@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("selectivity", [0.9, 0.5, 0.1, 0.003])
def test_every_exact_path_equals_brute_force(data, path: str, threads: int, selectivity: float) -> None:
    x, q = data
    index = FaissIndex(x, threads=threads, min_shard_rows=1, **PATHS[path])  # type: ignore[arg-type]
    for kind in ("groups", "random"):
        allowed = group_filter(selectivity, 4) if kind == "groups" else np.random.default_rng(8).random(N) < selectivity
        for k in (1, 10, 64):
            assert_same(index.search(q, k, allowed), brute_force(x, q, k, allowed))


def test_filter_at_odds_with_the_query_falls_back_and_stays_exact(data) -> None:
    """Overfetch fails when the allowed rows are the ones the query likes least: the answer must
    still be exact (through the bitmap scan), with k results."""
    x, q = data
    index = FaissIndex(x, threads=2, min_shard_rows=1, overfetch_fraction=0.2)
    scores = x @ q[0]
    allowed = scores < np.quantile(scores, 0.5)  # the worst half for query 0
    got = index.search(q[:1], 10, allowed)
    assert_same(got, brute_force(x, q[:1], 10, allowed))
    assert index._search_overfetch(q[:1], 10, allowed, int(allowed.sum())) is None  # it did fall back


def test_unfiltered_exact_search_ignores_the_approximate_index(data) -> None:
    x, q = data
    for params in ({"approx_threshold": 0}, {"approx_threshold": 0, "approx": "ivf", "nlist": 16}):
        index = FaissIndex(x, **params)
        assert index.approximate
        assert_same(index.search_exact(q, 10), brute_force(x, q, 10, None))
        assert_same(index.search(q, 10, np.ones(N, bool)), brute_force(x, q, 10, None))  # all allowed: exact


def test_ivf_recall_on_clustered_data_and_nprobe() -> None:
    x, q = clustered(20_000, 64, seed=5, clusters=200), clustered(200, 64, seed=6, clusters=200)
    _, want = brute_force(x, q, 10, None)
    ivf = FaissIndex(x, approx_threshold=10_000, approx="ivf", nlist=256, nprobe=16)
    assert ivf.approximate and ivf.nprobe == 16

    def recall() -> float:
        _, got = ivf.search(q, 10)
        return float(np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want, strict=True)]))

    assert recall() >= 0.95, f"recall@10 {recall():.3f}"
    ivf.nprobe = 10_000  # every cell: exact
    assert ivf.nprobe == 256 and recall() == 1.0
    with pytest.raises(ValueError, match="approx"):
        FaissIndex(x, approx="lsh")  # type: ignore[arg-type]


def test_ivf_save_and_load_round_trip(tmp_path: Path, data) -> None:
    x, q = data
    index = FaissIndex(x, approx_threshold=0, approx="ivf", nlist=16, nprobe=4)
    index.save(tmp_path / "i.faiss")
    loaded = FaissIndex.load(tmp_path / "i.faiss", nprobe=4)
    assert loaded.approximate and loaded.nprobe == 4
    assert_same(loaded.search(q, 10), index.search(q, 10))
    FaissIndex(x).save(tmp_path / "i.faiss")  # an exact index saved over it leaves no stale IVF file
    assert not FaissIndex.load(tmp_path / "i.faiss").approximate
