"""Encoding on a Dask distributed cluster: the texts are cut into partitions, each encoded by a worker that
loads the encoder once (a worker plugin, kept while the worker lives, so later jobs on the same cluster reuse
it), and the vectors come back in order. :class:`DaskEncoder` is an :class:`~matcher.protocols.Encoder`, so the
catalogue and the evaluation use it unchanged; nothing is written until every partition is back.

What each worker builds is a picklable factory (``model_id`` plus a call returning the encoder), so a worker
finds its model the way the client would (for the service: its own ``CCIMATCH_*`` settings and cache dir).
Measured design decisions (bench/dask.py, reports/bench_dask.md): partitions of at most ``MAX_PART`` texts,
about ``PARTS_PER_WORKER`` per worker, so a slow worker holds back little and a lost one costs little.
"""

from __future__ import annotations

import gc
import hashlib
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from distributed import Client, Worker, WorkerPlugin, as_completed, get_worker

from matcher.errors import CcimatchError
from matcher.protocols import Encoder, Role

PARTS_PER_WORKER = 4  # partitions per worker and job
MIN_PART, MAX_PART = 32, 1024  # texts per partition
CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler before giving up


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
        if show_progress:
            from tqdm import tqdm

            for _ in tqdm(as_completed(futures), total=len(futures), desc=what, unit="part"):
                pass
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
        items = list(texts)
        with self._lock:
            parts = partitions(len(items), self.workers())
            futures = [self.client.submit(_encode_part, items[s], role=role, name=self._name,
                                          model_id=self.model_id, pure=False) for s in parts]
            results = gather(self.client, futures, what=f"encoding {len(items)} texts", show_progress=show_progress)
            self.last = PartStats(parts=len(parts), texts=len(items))
        out = np.concatenate(results) if results else np.zeros((0, self.dim), np.float32)
        if out.shape != (len(items), self.dim):
            raise DaskClusterError(f"the Dask workers returned {out.shape} vectors for {len(items)} texts")
        return out

    def close(self) -> None:
        self.client.close()
