"""A small Dask cluster on loopback for the tests of batch work on Dask: 2 workers of 1 thread each, in this
process (0.2 s to start under load; worker processes take 2-3 s, used only where a worker must die). Every
socket, the HTTP ones too, listens on 127.0.0.1 (the in-process transport alone left those on 0.0.0.0)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import FakeEncoder

BUILT: list[str] = []  # one entry per encoder a worker built (the threaded cluster shares this process)


class FakeFactory:
    """The picklable recipe a worker builds the fake encoder from."""

    model_id = FakeEncoder.model_id

    def __call__(self) -> FakeEncoder:
        BUILT.append(self.model_id)
        return FakeEncoder()


LOOPBACK = {"host": "127.0.0.1", "protocol": "tcp", "dashboard_address": "127.0.0.1:0",
            "worker_dashboard_address": "127.0.0.1:0"}


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """The scheduler address of a threaded LocalCluster (2 workers x 1 thread, TCP on loopback)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, **LOOPBACK) as cluster:
        yield cluster.scheduler_address
