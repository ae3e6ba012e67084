"""Which int8 pre-scan (:mod:`embeddings.prescan`) each index gets: the one kept while the index lives, the codes
saved beside its published file mapped, or codes built, on the request or aside in a background thread at the
lowest priority (stopped and joined when the process exits: left to the teardown, a build in native code aborted
it, see :func:`_stop_builds`). A request waits for the codes of an index over :data:`WAIT_FOR_TORCH_BYTES` to be
mapped (a float32 pass over the three 1M indexes took ~5 s under load) and scans a smaller one in float32 meanwhile.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from embeddings.index_faiss import FaissIndex
from embeddings.index_gathered import GatheredIndex
from embeddings.prescan import TARGETS, BuildCancelled, GatheredPrescan, Int8Prescan, _check
from embeddings.prescan_store import load_codes, save_codes_from

log = logging.getLogger("ccimatch.prescan")

WAIT_FOR_TORCH_BYTES = 1 << 30  # float32 bytes of an index from which a request waits for saved codes to be mapped
STOP_WAIT_SECONDS = 60.0  # longest an exiting process waits for its background builds to stop (see _stop_builds)

_lock = threading.Lock()  # one build at a time
_built: dict[int, tuple[weakref.ref[Any], int, Int8Prescan]] = {}
_built_lock = threading.Lock()


def _cached(index: FaissIndex | GatheredIndex) -> Int8Prescan | None:
    found = _built.get(id(index))
    return found[2] if found is not None and found[0]() is index and found[1] == len(index) else None


def _keep(index: FaissIndex | GatheredIndex, built: Int8Prescan) -> Int8Prescan:
    key = id(index)
    with _built_lock:
        _built[key] = (weakref.ref(index, functools.partial(_forget, _built, key)), len(index), built)
    return built


def _saved(index: FaissIndex) -> Int8Prescan | None:
    """The pre-scan saved beside the published file ``index`` was loaded from (:mod:`.prescan_store`), mapped."""
    if index.source is None:
        return None
    found = load_codes(index.source, rows=len(index), columns=-(-index.dim // 8) * 8)
    if found is None:
        return None
    import torch

    codes, constants = found
    with warnings.catch_warnings():  # the mapped codes are read-only and only ever read
        warnings.simplefilter("ignore", UserWarning)
        tensor = torch.from_numpy(codes)
    return Int8Prescan(index=index, codes=tensor, scale=constants["scale"], residual=constants["residual"],
                       norm=constants["norm"])


def _torch_imported() -> bool:
    """Whether torch is imported in full (not only being imported by another thread: ``import`` would wait)."""
    torch = sys.modules.get("torch")
    return torch is not None and not getattr(getattr(torch, "__spec__", None), "_initializing", False)


def prescan_of(index: object, *, wait: bool = True) -> Int8Prescan | None:
    """The pre-scan of a :class:`FaissIndex` (saved beside its published file and mapped, or built on first use
    and saved there; then kept while the index lives and keeps its length), of a
    :class:`~embeddings.index_gathered.GatheredIndex` over one (:class:`GatheredPrescan`: the base's, plus the
    few spliced rows), or None for any other index (it is then scanned in float32 as before). With
    ``wait=False`` a pre-scan neither built nor saved is None and is built in a background thread (at the
    lowest priority, outside the scan pool), so no request waits for it (the float32 pass gives the same result
    meanwhile)."""
    if isinstance(index, GatheredIndex):
        found = _cached(index)
        if found is not None:
            return found
        base = prescan_of(index.base, wait=wait)
        return None if base is None else _keep(index, GatheredPrescan.of(index, base))
    if not isinstance(index, FaissIndex) or not len(index):
        return None
    found = _cached(index)
    if found is not None:
        return found
    # mapping saved codes takes milliseconds, but the first one imports torch (2-4 s under load): aside, unless
    # waiting or the index is so large that a float32 pass costs more (1M rows: ~5 s for the three indexes)
    big = len(index) * index.dim * 4 >= WAIT_FOR_TORCH_BYTES
    saved = _saved(index) if wait or big or _torch_imported() else None
    if saved is not None:
        return _keep(index, saved)
    key = id(index)
    if not wait:
        with _pending_lock:
            if key not in _pending and not _stopping.is_set():
                _pending[key] = thread = threading.Thread(target=_build_aside, args=(index, key),
                                                          name="ccimatch-prescan", daemon=True)
                thread.start()
        return None
    aside = threading.current_thread().name == "ccimatch-prescan"
    cancel = _stopping if aside else None  # a background build stops when the process exits (_stop_builds)
    with _lock:
        _check(cancel)
        found = _cached(index) or _saved(index)
        if found is not None:
            return found if _cached(index) is found else _keep(index, found)
        if aside:  # Linux: this thread only, at the lowest priority (the requests' scans come first)
            with contextlib.suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        built = Int8Prescan.build(index, inline=aside, cancel=cancel)
        if index.source is not None:
            codes = built.codes.numpy()

            def rows(lo: int, hi: int) -> np.ndarray:
                _check(cancel)  # an interrupted save leaves no file (save_codes_from removes its parts)
                return codes[lo:hi]

            save_codes_from(index.source, codes.shape, rows,
                            {"scale": built.scale, "residual": built.residual, "norm": built.norm})
        return _keep(index, built)


def _forget(cache: dict[int, Any], key: int, _: object) -> None:
    """Drop a dead index's pre-scan (the cache is bound early: module globals may be gone at exit)."""
    cache.pop(key, None)


_pending_lock = threading.Lock()
_pending: dict[int, threading.Thread] = {}  # background builds running, by id of their index
_stopping = threading.Event()  # set at exit: background builds stop at their next chunk


def _build_aside(index: FaissIndex, key: int) -> None:
    try:
        prescan_of(index)
    except BuildCancelled:
        pass
    except Exception:  # a failed build leaves the float32 pass in use; the next request tries again
        log.exception("could not build the int8 pre-scan of an index of %s rows", len(index))
    finally:
        with _pending_lock:
            _pending.pop(key, None)


@atexit.register
def _stop_builds(timeout: float = STOP_WAIT_SECONDS) -> None:
    """At exit (before the interpreter's teardown): stop the background builds and wait for them. A daemon
    thread left in native code (numpy, FAISS) while the interpreter and the libraries' static objects are torn
    down aborted the process ("terminate called without an active exception", exit status 134) in about half of
    the ``ccimatch search`` runs on a 50k catalogue whose codes were not saved yet. A build stops within one chunk
    (65,536 rows) or one saved piece; the wait is longest when torch is being imported (2-4 s under load)."""
    _stopping.set()
    with _pending_lock:
        running = list(_pending.values())
    end = time.monotonic() + timeout
    for thread in running:
        thread.join(max(0.0, end - time.monotonic()))
        if thread.is_alive():
            log.warning("the int8 pre-scan build %s did not stop within %.0f s of the exit", thread.name, timeout)


def _after_fork() -> None:
    """In a forked child the parent's builds do not run: none pending, none stopping."""
    global _pending_lock
    _pending_lock = threading.Lock()
    _pending.clear()
    _stopping.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def prescans(indexes: Mapping[str, object], *, wait: bool = True) -> dict[str, Int8Prescan]:
    """The pre-scans of the indexes suggestions scan (those that have one; see :func:`prescan_of` for ``wait``)."""
    out = {}
    for target in TARGETS:
        found = prescan_of(indexes[target], wait=wait) if target in indexes else None
        if found is not None:
            out[target] = found
    return out
