"""Encoding on a Dask cluster gives the single-process vectors, in order, loading the encoder once per worker;
an unreachable scheduler, a worker's error, a worker dying again and again or no worker left is one clear
error."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

import embeddings.dask_encode as dask_encode
from embeddings.dask_encode import DaskClusterError, DaskEncoder, connect, partitions
from matcher.protocols import Role
from tests.conftest import FakeEncoder
from tests.dask_cluster import BUILT, LOOPBACK, FakeFactory, dask_address

__all__ = ["dask_address"]

TEXTS = [f"pottery workshop {i} in Nabeul, glazed tiles and series {i % 7}" for i in range(300)]


def test_partitions_cover_every_item_once_in_order() -> None:
    for n, workers in ((0, 2), (1, 2), (31, 1), (300, 2), (10_000, 2), (100_000, 8)):
        parts = partitions(n, workers)
        assert [i for s in parts for i in range(s.start, s.stop)] == list(range(n))
        assert all(s.stop - s.start <= 1024 for s in parts)


def test_vectors_equal_single_process_and_each_worker_loads_once(dask_address: str) -> None:
    BUILT.clear()
    client = connect(dask_address)
    try:
        encoder = DaskEncoder(client, FakeFactory())
        got = encoder.encode(TEXTS, role="passage")
        again = encoder.encode(TEXTS[:5], role="query")
        second = DaskEncoder(client, FakeFactory())  # a later job on the same cluster reuses the loaded encoders
        second.encode(TEXTS[:3], role="passage")
    finally:
        client.close()
    np.testing.assert_allclose(got, FakeEncoder().encode(TEXTS, role="passage"), atol=1e-6)
    np.testing.assert_allclose(again, FakeEncoder().encode(TEXTS[:5], role="query"), atol=1e-6)
    assert encoder.last.texts == 5 and encoder.dim == FakeEncoder.dim and encoder.model_id == FakeEncoder.model_id
    assert len(BUILT) == 2  # one encoder per worker, not per partition nor per job


def test_empty_input_sends_nothing(dask_address: str) -> None:
    client = connect(dask_address)
    try:
        out = DaskEncoder(client, FakeFactory()).encode([], role="passage")
    finally:
        client.close()
    assert out.shape == (0, FakeEncoder.dim)


def test_unreachable_scheduler_is_one_clear_error() -> None:
    with pytest.raises(DaskClusterError, match=r"--dask tcp://127\.0\.0\.1:9: cannot reach the Dask scheduler"):
        connect("tcp://127.0.0.1:9", timeout=1)
    with pytest.raises(DaskClusterError, match="cannot reach"):
        connect("not an address", timeout=1)


class FailingEncoder(FakeEncoder):
    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray:
        if any("poison" in t for t in texts):
            raise ValueError("cannot encode a poisoned text")
        return super().encode(texts, role=role)


class FailingFactory(FakeFactory):
    def __call__(self) -> FakeEncoder:
        return FailingEncoder()


def test_a_worker_error_names_the_partition(dask_address: str) -> None:
    client = connect(dask_address)
    try:
        encoder = DaskEncoder(client, FailingFactory())
        with pytest.raises(DaskClusterError, match=r"partition \d+ of \d+\): ValueError: cannot encode a poisoned"):
            encoder.encode([*TEXTS, "poison"], role="passage")
    finally:
        client.close()


class DyingEncoder(FakeEncoder):
    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray:
        if any("die" in t for t in texts):
            os._exit(1)  # the worker process dies mid-task
        return super().encode(texts, role=role)


class DyingFactory(FakeFactory):
    def __call__(self) -> FakeEncoder:
        return DyingEncoder()


def test_a_dying_worker_is_one_clear_error() -> None:
    """A partition whose worker dies is run again on another (Dask's allowed-failures, 3 by default: 0 here,
    so the first death is final); then the job fails in one line."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, **LOOPBACK) as cluster:
        client = connect(cluster.scheduler_address)
        try:
            encoder = DaskEncoder(client, DyingFactory())
            with pytest.raises(DaskClusterError, match=r"a Dask worker died.*nothing was written"):
                encoder.encode(["we die here", *TEXTS], role="passage")
        finally:
            client.close()


class SlowEncoder(FakeEncoder):
    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray:
        time.sleep(2)
        return super().encode(texts, role=role)


class SlowFactory(FakeFactory):
    def __call__(self) -> FakeEncoder:
        return SlowEncoder()


def test_losing_every_worker_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask would wait for a worker forever; the job gives up after NO_WORKER_TIMEOUT."""
    from distributed import LocalCluster

    monkeypatch.setattr(dask_encode, "NO_WORKER_TIMEOUT", 0.5)
    monkeypatch.setattr(dask_encode, "POLL", 0.1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, **LOOPBACK) as cluster:
        client = connect(cluster.scheduler_address)
        try:
            encoder = DaskEncoder(client, SlowFactory())
            threading.Timer(0.5, cluster.scale, args=(0,)).start()
            with pytest.raises(DaskClusterError, match=r"no Dask worker left for 0\.5 s; nothing was written"):
                encoder.encode(TEXTS, role="passage")
        finally:
            client.close()
