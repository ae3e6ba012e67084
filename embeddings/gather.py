"""Rows of a stored (often memory-mapped) vector matrix read fast: large gathers in parts side by side, the pages of
a mapped file asked ahead when they are not in memory.

What it is for: the rows a suggestion re-scores are read at random from the mapped index file, and a page not in
memory is a disk read the gather waits for, one after the other. At 1M profiles, 15,000 random rows of the items
index evicted from the page cache took 1,249 ms read in one thread and 485 ms in four (medians of 6, alternated, under
load); read again, 17.2 and 15.8 ms. With the pages asked ahead (:func:`ask_ahead`) before the four parts read them:
533 -> 253 ms evicted, 14.9 -> 15.9 ms read again, 23 -> 25 ms in the page cache but not yet mapped (medians of 6,
alternated, under load)."""

from __future__ import annotations

import ctypes
import functools
import itertools
import mmap
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

GATHER_ROWS = 4096  # rows from which a gather reads in parts side by side
GATHER_THREADS = 4  # parts (threads) of such a gather
PROBE_PAGES = 32  # pages of a gather checked (mincore) for being in memory before asking any ahead
_MADV_WILLNEED = 3
_PAGE = mmap.PAGESIZE

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _forget_pool() -> None:
    """In a forked child: the parent's gather threads do not exist there."""
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


@functools.cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
    except (OSError, AttributeError):
        return None
    return libc


def ask_ahead(x: np.ndarray, rows: np.ndarray) -> None:
    """Ask the kernel to read the pages of ``rows`` of the mapped ``x`` now (asynchronously, all at once), so that
    the gather that follows waits for the slowest read instead of each in turn; unless a probe of
    :data:`PROBE_PAGES` of them finds them all in memory (then the advice only costs: ~2 us a page)."""
    libc = _libc()
    if libc is None:
        return
    start, stride = x.__array_interface__["data"][0], x.strides[0]
    found = ctypes.c_ubyte()
    probe = (start + rows[:: max(1, len(rows) // PROBE_PAGES)].astype(np.int64) * stride) // _PAGE
    if all(libc.mincore(page * _PAGE, _PAGE, ctypes.byref(found)) == 0 and found.value & 1
           for page in probe.tolist()):
        return
    for page in np.unique((start + rows.astype(np.int64) * stride) // _PAGE).tolist():
        libc.madvise(page * _PAGE, 2 * _PAGE, _MADV_WILLNEED)  # two pages: a row may cross into the next


def gather(x: np.ndarray, rows: np.ndarray, *, prefetch: bool = False) -> np.ndarray:
    """``x[rows]`` as float32; from :data:`GATHER_ROWS` rows in :data:`GATHER_THREADS` parts side by side by a pool
    of their own (numpy's gather releases the GIL), each part's pages asked ahead first when ``prefetch`` (``x``
    maps a file). A pool of its own, not the scan pool, so that a scan task can gather (no pool waits on itself).
    Rows that are not a valid 1-d integer array go to numpy's own gather, for its errors."""
    rows = np.asarray(rows)
    if (len(rows) < GATHER_ROWS or rows.dtype.kind not in "iu" or rows.ndim != 1 or rows.min() < 0
            or rows.max() >= len(x)):
        return np.asarray(x[rows], dtype=np.float32)
    global _pool
    out = np.empty((len(rows), x.shape[1]), np.float32)
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(GATHER_THREADS, thread_name_prefix="ccimatch-gather")
        pool = _pool
    bounds = np.linspace(0, len(rows), GATHER_THREADS + 1).astype(np.int64).tolist()

    def part(lo: int, hi: int) -> None:
        if prefetch:
            ask_ahead(x, rows[lo:hi])
        out[lo:hi] = x[rows[lo:hi]]  # not np.take: on the unaligned view of a mapped file it was ~50x slower

    if threading.current_thread().name.startswith("ccimatch-gather"):  # never nested, but never a wait on itself
        part(0, len(rows))
        return out
    for future in [pool.submit(part, lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]:
        future.result()
    return out
