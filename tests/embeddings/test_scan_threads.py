"""The scan pool's per-process cap (a serve worker's share of the cores): fewer threads, same results."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from embeddings import index_faiss
from embeddings.index_faiss import FaissIndex, default_threads, set_scan_threads


@pytest.fixture
def capped() -> Iterator[None]:
    yield
    set_scan_threads(None)


def _threads_used(tasks: int) -> set[str]:
    """Names of the pool threads that ran ``tasks`` short sleeps asked for on 2 threads."""
    names: list[str] = []
    lock = threading.Lock()

    def task() -> None:
        time.sleep(0.005)  # long enough that a second pool thread picks up the next task
        with lock:
            names.append(threading.current_thread().name)

    index_faiss._run([task] * tasks, 2)
    return set(names)


def test_cap_limits_default_threads_and_the_pool(capped: None) -> None:
    cores = default_threads()
    if cores >= 2:
        assert len(_threads_used(16)) == 2  # uncapped: both threads work
    set_scan_threads(1)
    assert default_threads() == 1
    assert len(_threads_used(16)) == 1  # asked for 2, capped at 1
    set_scan_threads(None)
    assert default_threads() == cores
    set_scan_threads(0)  # never below one thread
    assert default_threads() == 1


def test_capped_index_finds_the_same_rows(capped: None) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((70_000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = FaissIndex(vectors, threads=2, min_shard_rows=8_192)  # built with two threads, sharded
    queries = vectors[:5]
    before = index.search(queries, 10)
    set_scan_threads(1)
    after = index.search(queries, 10)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0])
