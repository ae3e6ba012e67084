"""The int8 pre-scan of an index with rows spliced in (GatheredIndex) finds exactly the units of the float32 pass
over it, and the pre-scan of a published index file is saved beside it and mapped by the next process (same
codes and constants), never for a file that changed since."""

from __future__ import annotations

import os

import numpy as np
import pytest

from embeddings import prescan_cache as prescan_module
from embeddings.index_faiss import FaissIndex
from embeddings.index_gathered import GatheredIndex
from embeddings.prescan import GatheredPrescan, Int8Prescan
from embeddings.prescan_cache import prescan_of
from embeddings.prescan_store import load_codes
from matcher.similarity import top_k_columns


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def gathered() -> GatheredIndex:
    """A base of 2,000 rows (equal twins among them) of which 150 are tombstones, and 60 new rows interleaved, one
    with a component larger than any of the base (clipped by the base's scale) and one equal to a kept row."""
    rng = np.random.default_rng(11)
    distinct = _unit(rng.normal(size=(300, 64)))
    base = distinct[rng.integers(300, size=2000)]
    delta = _unit(rng.normal(size=(60, 64)))
    delta[3] = _unit(np.eye(64)[0] * 50 + delta[3])  # a spike the base's scale clips
    kept = np.sort(rng.choice(2000, 1850, replace=False))
    delta[0] = base[kept[9]]  # a tie across the two stores
    source = np.insert(kept, np.sort(rng.integers(0, 1851, 60)), 2000 + np.arange(60))
    return GatheredIndex(FaissIndex(base, min_shard_rows=256), FaissIndex(delta), source)


@pytest.mark.parametrize("k", [1, 10, 50])
def test_each_buckets_best_units_equal_the_float32_pass_over_the_gathered_index(gathered: GatheredIndex,
                                                                                 k: int) -> None:
    pre = prescan_of(gathered)
    assert isinstance(pre, GatheredPrescan) and pre.base is prescan_of(gathered.base)
    rng = np.random.default_rng(k)
    queries = np.vstack([gathered.vectors(np.array([4, int(np.flatnonzero(gathered.source == 2003)[0])])),
                         _unit(rng.normal(size=(2, 64)))])
    approx, bound = pre.approximate(queries)
    every = gathered.scores(queries)
    assert (np.abs(approx - every) <= bound[:, None]).all()
    allowed = np.flatnonzero(rng.random(len(gathered)) < 0.7)
    buckets = [allowed[::2], allowed[1::2], allowed[:3]]
    for cols, units in zip(buckets, pre.top_units(queries, k, buckets), strict=True):
        np.testing.assert_array_equal(units, top_k_columns(every[:, cols], k, cols)[1])


def test_only_tombstones_need_no_delta() -> None:
    rng = np.random.default_rng(2)
    base = FaissIndex(_unit(rng.normal(size=(500, 32))))
    index = GatheredIndex(base, FaissIndex(np.zeros((0, 32), np.float32)), np.arange(0, 500, 2))
    pre = prescan_of(index)
    assert isinstance(pre, GatheredPrescan) and pre.delta is None
    queries = _unit(rng.normal(size=(2, 32)))
    cols = np.arange(len(index))
    np.testing.assert_array_equal(pre.top_units(queries, 5, [cols])[0],
                                  top_k_columns(index.scores(queries), 5, cols)[1])


def test_a_published_files_prescan_is_saved_beside_it_and_mapped_next_time(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(5)
    path = tmp_path / "overall.faiss"
    FaissIndex(_unit(rng.normal(size=(700, 40)))).save(path)
    first = prescan_of(FaissIndex.load(path))  # built (none saved yet), then saved beside the file
    assert first is not None and (tmp_path / "overall.faiss.int8.json").is_file()

    def no_build(*args: object, **kwargs: object) -> Int8Prescan:
        raise AssertionError("a saved pre-scan must be mapped, not built")

    monkeypatch.setattr(Int8Prescan, "build", no_build)
    again = prescan_of(FaissIndex.load(path), wait=False)  # a new process: mapped at once, even without waiting
    assert again is not None and again is not first
    assert np.array_equal(again.codes.numpy(), first.codes.numpy())
    assert (again.scale, again.residual, again.norm) == (first.scale, first.residual, first.norm)
    assert isinstance(load_codes(path, rows=700, columns=40)[0], np.memmap)  # type: ignore[index]
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # the file changed since: the codes are stale
    assert load_codes(path, rows=700, columns=40) is None
    monkeypatch.undo()
    rebuilt = prescan_of(FaissIndex.load(path))
    assert rebuilt is not None and np.array_equal(rebuilt.codes.numpy(), first.codes.numpy())
    assert not prescan_module._pending
