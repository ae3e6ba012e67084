"""``ccimatch serve --workers N``: gunicorn's pre-fork master with N uvicorn workers on one listening socket.

Memory. The master loads the encoder once, before forking, so its weights (about 660 MB resident for the
default fp32 model) are shared copy-on-write by every worker: inference only reads them. Each worker then
loads the catalogue and its index in its own lifespan; the published index files are read from the page
cache, which the kernel keeps once per machine (memory-mapped where embeddings/store.py maps them). What
each worker costs on its own (USS/PSS from /proc/<pid>/smaps_rollup) is measured in bench/http.py.

Threads. A libgomp thread pool started before ``fork`` deadlocks the children's first parallel call
(measured: a forked worker hung on its first encode after the master had encoded with 2 torch threads; it
did not with 1). So the master loads torch with one intra-op thread and never runs a parallel region, and
each worker sets its own share of the cores (``cores // N``, or ``CCIMATCH_THREADS``) after the fork. ONNX
Runtime sessions survive a fork; their thread count is fixed when the master creates them (same share).

Consistency. Workers share only the database and the published index, exactly as several servers do
(issue 19): every request compares the catalogue version in the database with the one its worker holds
(:meth:`service.catalogue.Catalogue.state`), so a write through one worker is seen by the next request on
any worker. Each response says which worker answered (``X-Ccimatch-Worker: <pid>``): what the two-worker
test checks, and a help when reading a proxy's logs. A worker never outlives its master (it asks the
kernel for SIGTERM when the master dies, even by SIGKILL); a worker that dies is forked again by the master.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from embeddings.index_faiss import set_scan_threads
from service.asgi import HttpMiddleware
from service.catalogue import Catalogue
from service.settings import Settings

log = logging.getLogger("ccimatch.http")

WORKER_HEADER = b"x-ccimatch-worker"
START_TIMEOUT = 900  # seconds a worker may take to load its index before gunicorn restarts it
GRACEFUL_TIMEOUT = 30  # seconds the workers get to finish their requests on SIGTERM
PR_SET_PDEATHSIG = 1  # linux/prctl.h
M_ARENA_MAX = -8  # malloc.h
MALLOC_ARENAS = 2


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worker_threads(settings: Settings, workers: int) -> int:
    """Intra-op threads of one worker's encoder: ``CCIMATCH_THREADS``, else its share of the cores."""
    return settings.threads or max(1, cores() // workers)


class WorkerHeader(HttpMiddleware):
    """Adds ``X-Ccimatch-Worker: <pid>`` to every HTTP response (the pid of the process that answered)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        pid = str(os.getpid()).encode()

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (WORKER_HEADER, pid)]}
            await send(message)

        await self.app(scope, receive, tagged)


def _die_with_master() -> None:
    """SIGTERM this worker when its master dies (Linux); elsewhere a no-op."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """At most ``arenas`` glibc malloc arenas in this process and the workers it forks (glibc only; elsewhere
    a no-op). glibc gives threads that allocate at once their own arenas (up to 8 per core), and freed
    memory stays in them: after a minute of 32 concurrent users at 10,000 profiles a server held 1.57 GB
    (PSS) with the default, 1.09 GB with 2 arenas, at the same throughput (under load)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, arenas)


def preload(settings: Settings, workers: int) -> Catalogue:
    """The catalogue with its encoder loaded, in the master, before any fork (see the module docstring)."""
    threads = worker_threads(settings, workers)
    torch_backend = settings.backend == "torch"
    cat = Catalogue.open(settings.model_copy(update={"threads": 1 if torch_backend else threads}))
    cat.encoder  # noqa: B018 - loaded here, shared by the workers
    return cat


def options(*, host: str, port: int, workers: int, after_fork: Callable[..., None]) -> dict[str, Any]:
    """gunicorn's settings for the workers."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {"bind": [bind], "workers": workers, "worker_class": "uvicorn_worker.UvicornWorker",
            "preload_app": True, "timeout": START_TIMEOUT, "graceful_timeout": GRACEFUL_TIMEOUT,
            "keepalive": 5, "loglevel": "warning", "accesslog": None, "post_fork": after_fork,
            "proc_name": "ccimatch"}


def serve_workers(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Run the app in ``workers`` processes until SIGTERM or SIGINT (blocks)."""
    from gunicorn.app.base import BaseApplication

    from service.http.app import create_app

    cat = preload(settings, workers)
    threads = worker_threads(settings, workers)
    app = WorkerHeader(create_app(settings, catalogue=cat))

    def after_fork(_server: Any, _worker: Any) -> None:
        _die_with_master()
        cat.engine.dispose(close=False)  # the master's pooled connections stay the master's
        set_scan_threads(threads)  # the scans too take this worker's share of the cores, not all of them
        torch = sys.modules.get("torch")
        if torch is not None and settings.backend == "torch":
            torch.set_num_threads(threads)

    class Master(BaseApplication):
        def load_config(self) -> None:
            for key, value in options(host=host, port=port, workers=workers, after_fork=after_fork).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    log.info("ccimatch: %d workers, %d encoder thread(s) each", workers, threads)
    Master().run()
