"""The int8 pre-scan: its bound holds on every unit, and each bucket's best units are exactly those of the
float32 pass it replaces (top_k_columns over FaissIndex.scores), equal vectors and ties included."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.index_exact import ExactIndex
from embeddings.index_faiss import FaissIndex
from embeddings.prescan import Int8Prescan, _shards
from embeddings.prescan_cache import prescan_of, prescans
from matcher.similarity import top_k_columns


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def index() -> FaissIndex:
    """3,000 rows of 384 dimensions drawn from 400 distinct vectors: every row has equal twins."""
    rng = np.random.default_rng(3)
    distinct = _unit(rng.normal(size=(20, 384))[rng.integers(20, size=400)] + 0.8 * rng.normal(size=(400, 384)))
    return FaissIndex(distinct[rng.integers(400, size=3000)], threads=2, min_shard_rows=256)


def test_the_bound_holds_on_every_unit(index: FaissIndex) -> None:
    pre = Int8Prescan.build(index)
    rng = np.random.default_rng(4)
    queries = np.vstack([index.vectors(np.array([5, 17])), _unit(rng.normal(size=(2, 384)))])
    approx, bound = pre.approximate(queries)
    error = np.abs(approx - index.scores(queries))
    assert (error <= bound[:, None]).all()
    assert 0 < pre.residual < 0.05 and bound.max() < 0.06  # a useful bound, not a vacuous one
    assert error.max() > 0  # the codes are approximate: the re-score is doing the work


@pytest.mark.parametrize("fraction", [1.0, 0.3, 0.01])
@pytest.mark.parametrize("k", [1, 10, 50])
def test_each_buckets_best_units_equal_the_float32_pass(index: FaissIndex, fraction: float, k: int) -> None:
    pre = prescan_of(index)
    assert pre is not None
    rng = np.random.default_rng(int(fraction * 100) + k)
    queries = np.vstack([index.vectors(np.array([7])), _unit(rng.normal(size=(2, 384)))])
    allowed = np.flatnonzero(rng.random(len(index)) < fraction)
    buckets = [allowed[::2], allowed[1::2], allowed[:3]]  # the last smaller than k when k > 3
    got = pre.top_units(queries, k, buckets)
    every = index.scores(queries)
    for cols, units in zip(buckets, got, strict=True):
        np.testing.assert_array_equal(units, top_k_columns(every[:, cols], k, cols)[1])


def test_built_once_per_index_and_only_for_faiss(index: FaissIndex) -> None:
    assert prescan_of(index) is prescan_of(index)
    assert prescan_of(ExactIndex(index.vectors(np.arange(10)))) is None
    assert set(prescans({"overall": index, "needs_items": index, "offers": index})) == {"overall", "needs_items"}


def test_a_component_clipped_by_a_sampled_scale_only_widens_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scale comes from a sample of rows; a row outside it with a larger component is clipped, and the
    bound (measured after clipping) still holds, so the best units are still exact."""
    import embeddings.prescan as prescan

    monkeypatch.setattr(prescan, "CHUNK", 64)  # a sample of 64 rows, quantised 64 at a time
    rng = np.random.default_rng(9)
    x = _unit(rng.normal(size=(1000, 384)))
    spikes = [100, 300, 700]  # not among the 64 sampled rows (every 999/63-th)
    x[spikes] = _unit(np.eye(384)[:3] + 0.01 * rng.normal(size=(3, 384)))  # a component near 1: clipped
    index = FaissIndex(x, threads=2, min_shard_rows=64)
    pre = Int8Prescan.build(index)
    assert pre.residual > 0.3  # the spikes were clipped
    queries = np.vstack([x[spikes[:2]], _unit(rng.normal(size=(1, 384)))])
    approx, bound = pre.approximate(queries)
    assert (np.abs(approx - index.scores(queries)) <= bound[:, None]).all()
    cols = np.arange(len(x))
    np.testing.assert_array_equal(pre.top_units(queries, 10, [cols])[0],
                                  top_k_columns(index.scores(queries), 10, cols)[1])


def test_without_waiting_the_first_call_builds_aside() -> None:
    import time

    index = FaissIndex(_unit(np.random.default_rng(11).normal(size=(500, 384))), threads=1)
    assert prescan_of(index, wait=False) is None  # not built yet: the caller scans in float32 meanwhile
    for _ in range(600):
        found = prescan_of(index, wait=False)
        if found is not None:
            break
        time.sleep(0.1)
    assert found is not None and found is prescan_of(index)


def test_products_in_shards_and_blocks_side_by_side_equal_one_product(index: FaissIndex,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pre = Int8Prescan.build(index)
    queries = index.vectors(np.array([3, 9, 27]))
    whole = pre.approximate(queries)
    monkeypatch.setattr("embeddings.prescan.SHARD", 700)
    monkeypatch.setattr("embeddings.prescan.PARALLEL_ROWS", 1000)
    monkeypatch.setattr("embeddings.prescan.BLOCK", 256)  # several products per shard, each scaled on its own
    assert len(_shards(len(index), 2)) == 6  # 3,000 rows: 5 pieces of at most 700, rounded up to 6 for 2 cores
    sharded = pre.approximate(queries)
    np.testing.assert_array_equal(sharded[0], whole[0])
    np.testing.assert_array_equal(sharded[1], whole[1])
