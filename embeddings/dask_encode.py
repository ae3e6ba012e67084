"""Encoding on a Dask distributed cluster: the texts are cut into partitions, each encoded by a worker that
loads the encoder once (a worker plugin, kept while the worker lives, so later jobs on the same cluster reuse
it), and the vectors come back in order. :class:`DaskEncoder` is an :class:`~matcher.protocols.Encoder`, so the
catalogue and the evaluation use it unchanged; nothing is written until every partition is back.

What each worker builds is a picklable factory (``model_id`` plus a call returning the encoder), so a worker
finds its model the way the client would (for the service: its own ``CCIMATCH_*`` settings and cache dir).
Partitions: about ``PARTS_PER_WORKER`` per worker, of ``MIN_PART`` to ``MAX_PART`` texts, so a slow worker
holds back little and a lost one costs little (a choice, not yet tuned by measurement; bench/dask.py measures
the throughput it gives with 1 and 2 workers). A worker that dies is replaced by Dask and its partition run
again; the job gives up only as :func:`gather` says.
"""

from __future__ import annotations

import gc
import hashlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from distributed import Client, Worker, WorkerPlugin, get_worker

from matcher.errors import CcimatchError
from matcher.protocols import Encoder, Role

PARTS_PER_WORKER = 4  # partitions per worker and job
MIN_PART, MAX_PART = 32, 1024  # texts per partition
CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler before giving up
NO_WORKER_TIMEOUT = 60.0  # seconds a job waits with no worker (time for a lost one to be replaced)
POLL = 1.0  # seconds between checks of the cluster while a job runs
TICK = 0.02  # seconds between looks at the futures' states


class DaskClusterError(CcimatchError, RuntimeError):
    """The Dask cluster could not do the work: scheduler unreachable, no worker, a worker died or failed.
    Raised before anything is written (exit 2, one line)."""


class EncoderFactory(Protocol):
    """A picklable recipe a worker builds its encoder from; ``model_id`` is what the encoder must report."""

    @property
    def model_id(self) -> str: ...

    def __call__(self) -> Encoder: ...


def connect(address: str, *, timeout: float | None = None) -> Client:
    """A client of the scheduler at ``address`` (``tcp://host:8786``), with at least one worker; a clear
    :class:`DaskClusterError` when it cannot be reached within ``timeout`` seconds (``CONNECT_TIMEOUT``)."""
    timeout = timeout or CONNECT_TIMEOUT
    reason = ""
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    if reason:
        # the half-made client stops its IO-loop thread when collected: now, not during the next client's
        # start (collected then, it held that start past its 10 s limit, seen in tests)
        gc.collect()
        raise DaskClusterError(f"--dask {address}: cannot reach the Dask scheduler ({reason})")
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise DaskClusterError(f"--dask {address}: the scheduler has no worker (waited {timeout:g} s)") from exc
    return client


class Loaded(WorkerPlugin):
    """A worker plugin holding one object built once per worker (an encoder, a catalogue)."""

    def __init__(self, name: str, factory: Callable[[], Any]) -> None:
        self.name = name
        self.factory = factory
        self.value: Any = None

    def setup(self, worker: Worker) -> None:
        self.value = self.factory()

    def teardown(self, worker: Worker) -> None:
        self.value = None


def plugin_name(kind: str, factory: object) -> str:
    """A name that changes with the recipe, so two recipes never share a plugin."""
    from dask.base import tokenize

    return f"ccimatch-{kind}-{hashlib.sha256(tokenize(factory).encode()).hexdigest()[:12]}"


def ensure_loaded(client: Client, name: str, factory: Callable[[], Any]) -> None:
    """Every worker builds ``factory()`` once (and each worker joining later): registered unless every current
    worker holds it already (a long-lived cluster keeps its models between jobs)."""
    held = client.run(_holds, name)
    if held and all(held.values()):
        return
    try:
        client.register_plugin(Loaded(name, factory), name=name)
    except CcimatchError:
        raise
    except Exception as exc:
        raise DaskClusterError(f"a Dask worker could not load {name.split('-')[1]}: {_reason(exc)}") from None


def _holds(name: str, dask_worker: Worker) -> bool:
    plugin = dask_worker.plugins.get(name)
    return plugin is not None and getattr(plugin, "value", None) is not None


def loaded(name: str) -> Any:
    """On a worker: the object its plugin ``name`` built."""
    value = getattr(get_worker().plugins.get(name), "value", None)
    if value is None:
        raise DaskClusterError(f"worker {get_worker().address} has not loaded {name}")
    return value


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def gather(client: Client, futures: Sequence[Any], *, what: str, show_progress: bool = False) -> list[Any]:
    """Every future's result in order, or one :class:`DaskClusterError` naming the partition that failed (a
    worker that died, or the error it raised); the other futures are cancelled."""
    try:
        _wait(client, futures, what=what, show_progress=show_progress)
        return list(client.gather(list(futures)))
    except CcimatchError:
        client.cancel(list(futures))
        raise
    except Exception as exc:
        failed = next((i for i, f in enumerate(futures) if f.status == "error"), None)
        client.cancel(list(futures))
        where = f" (partition {failed + 1} of {len(futures)})" if failed is not None else ""
        if exc.__class__.__name__ == "KilledWorker":
            raise DaskClusterError(f"{what}: a Dask worker died{where}; nothing was written") from None
        raise DaskClusterError(f"{what}: failed on the Dask cluster{where}: {_reason(exc)}; nothing was written"
                               ) from None


def _wait(client: Client, futures: Sequence[Any], *, what: str, show_progress: bool) -> None:
    """Until every future is done or one failed; a :class:`DaskClusterError` when the scheduler is lost or no
    worker is left for ``NO_WORKER_TIMEOUT`` seconds (Dask itself would wait for one forever). A worker that
    dies is replaced by Dask's nanny and its partition run again, up to Dask's ``allowed-failures``."""
    pending = set(futures)
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(pending), desc=what, unit="part")
    alone_since: float | None = None
    checked = time.monotonic()
    try:
        while pending:
            time.sleep(TICK)
            done = {f for f in pending if f.done()}  # the client's own state: no round trip
            pending -= done
            if bar is not None:
                bar.update(len(done))
            if any(f.status == "error" for f in done):
                return  # gathering raises it
            if time.monotonic() - checked < POLL:
                continue
            checked = time.monotonic()
            if client.status != "running":
                raise DaskClusterError(f"{what}: lost the connection to the Dask scheduler; nothing was written")
            if client.scheduler_info(n_workers=-1)["workers"]:
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > NO_WORKER_TIMEOUT:
                raise DaskClusterError(f"{what}: no Dask worker left for {NO_WORKER_TIMEOUT:g} s; nothing was "
                                       "written")
    finally:
        if bar is not None:
            bar.close()


def partitions(n: int, workers: int) -> list[slice]:
    """Slices of ``range(n)``: about ``PARTS_PER_WORKER`` per worker, each of MIN_PART to MAX_PART items."""
    if n == 0:
        return []
    size = min(MAX_PART, max(MIN_PART, math.ceil(n / max(1, workers * PARTS_PER_WORKER))))
    return [slice(start, min(n, start + size)) for start in range(0, n, size)]


def _encode_part(texts: list[str], *, role: Role, name: str, model_id: str) -> np.ndarray:
    encoder: Encoder = loaded(name)
    if encoder.model_id != model_id:
        raise DaskClusterError(f"worker {get_worker().address} has model {encoder.model_id}, not {model_id}")
    return np.asarray(encoder.encode(texts, role=role), dtype=np.float32)


def _dim(name: str, dask_worker: Worker) -> int:
    return int(getattr(dask_worker.plugins[name], "value").dim)  # noqa: B009 (a Loaded plugin)


@dataclass(frozen=True, kw_only=True)
class PartStats:
    """What the last :meth:`DaskEncoder.encode` sent: partitions and texts."""

    parts: int
    texts: int


class DaskEncoder:
    """Implements :class:`~matcher.protocols.Encoder` by encoding partitions on the workers of ``client``."""

    def __init__(self, client: Client, factory: EncoderFactory) -> None:
        self.client = client
        self.model_id = factory.model_id
        self._name = plugin_name("encoder", factory)
        ensure_loaded(client, self._name, factory)
        dims = set(client.run(_dim, self._name).values())
        if len(dims) != 1:
            raise DaskClusterError(f"the Dask workers' encoders disagree on the dimension: {sorted(dims)}")
        self.dim = dims.pop()
        self.last = PartStats(parts=0, texts=0)
        self._lock = threading.Lock()

    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised, as the workers' encoder gives them, in order."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # partitions of texts of similar lengths, as a batch is padded to its longest text: 96 texts on one
        # worker took 8.9-12.1 s in unsorted partitions against 2.9-4.8 s in one call on the worker, and
        # 1.46 s sorted against 1.37-1.54 s (measured under load)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        items = [texts[i] for i in order]
        with self._lock:
            parts = partitions(len(items), self.workers())
            futures = [self.client.submit(_encode_part, items[s], role=role, name=self._name,
                                          model_id=self.model_id, pure=False) for s in parts]
            results = gather(self.client, futures, what=f"encoding {len(items)} texts", show_progress=show_progress)
            self.last = PartStats(parts=len(parts), texts=len(items))
        stacked = np.concatenate(results) if results else np.zeros((0, self.dim), np.float32)
        if stacked.shape != (len(items), self.dim):
            raise DaskClusterError(f"the Dask workers returned {stacked.shape} vectors for {len(items)} texts")
        out = np.empty_like(stacked)
        out[order] = stacked  # back in the caller's order
        return out

    def close(self) -> None:
        self.client.close()
