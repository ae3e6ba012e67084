"""FAISS backend: exact flat search (sharded over the cores, filters chosen by selectivity) and an
optional approximate index (HNSW or IVF-flat) for large unfiltered queries.

Thread setting (measured in ``bench/search.py``): FAISS's flat scan of one query does not use BLAS
(below ``distance_compute_blas_threshold`` queries it runs its fused SIMD kernel with a running
heap), and with more than one OpenMP thread it got slower, not faster, on 2 cores. So every scan
here runs with **one** OpenMP thread, and the cores are used by splitting the rows into contiguous
shards searched side by side in a small thread pool (FAISS releases the GIL), whose top-k are merged.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import faiss
import numpy as np

from embeddings.gather import gather
from embeddings.index_exact import check_query, top_k

ApproxKind = Literal["hnsw", "ivf"]
T = TypeVar("T")

MIN_SHARD_ROWS = 32_768  # below this many rows per shard the thread hand-off costs more than it saves
SCORE_BLOCK_ROWS = 1024  # rows per cache-resident block when scoring several queries against every row

_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}
_scan_cap: int | None = None  # set_scan_threads: this process's share of the cores (a serve worker's)


def _forget_pools() -> None:
    """In a forked child: the parent's pool threads do not exist there; start afresh."""
    global _pool_lock
    _pool_lock = threading.Lock()
    _pools.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def default_threads() -> int:
    """Cores this process may run on, or its share of them (:func:`set_scan_threads`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return min(cores, _scan_cap) if _scan_cap is not None else cores


def set_scan_threads(threads: int | None) -> None:
    """Cap the scan pool at ``threads`` (None: every core) for the whole process, indexes built before
    included: each of N serve workers takes its share of the cores (measured, 10k profiles, idle: with
    two scan threads in each of 2 workers the pair served 1.5x one worker, the four threads taking turns
    on 2 cores)."""
    global _scan_cap
    _scan_cap = None if threads is None else max(1, threads)


def _one_omp_thread() -> None:
    faiss.omp_set_num_threads(1)  # per-thread OpenMP setting: scans in the pool run single-threaded


def _pool(threads: int) -> ThreadPoolExecutor:
    """A process-wide pool of ``threads`` workers whose FAISS calls use one OpenMP thread each."""
    with _pool_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="ccimatch-scan",
                                                        initializer=_one_omp_thread)
        return pool


def _run(tasks: Sequence[Callable[[], T]], threads: int) -> list[T]:
    """Run the tasks in the scan pool (even a single one: its worker has one OpenMP thread)."""
    if threading.current_thread().name.startswith("ccimatch-scan"):  # already in a worker: no nesting
        return [task() for task in tasks]
    if _scan_cap is not None:
        threads = min(threads, _scan_cap)
    return list(_pool(threads).map(lambda task: task(), tasks))


def merge_top_k(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k per query of candidates ``scores``/``rows`` (q, m) where row -1 marks no candidate.

    Sorted by score, ties by smaller row; padded with -inf / -1 as the protocol says.
    """
    valid = rows >= 0
    s = np.where(valid, scores, -np.inf).astype(np.float32)
    r = np.where(valid, rows, np.iinfo(np.int64).max)
    order = np.lexsort((r, -s), axis=1)[:, :k]
    out_s, out_r = np.take_along_axis(s, order, axis=1), np.take_along_axis(r, order, axis=1)
    missing = np.isneginf(out_s) | (out_r == np.iinfo(np.int64).max)
    out_s[missing], out_r[missing] = -np.inf, -1
    if out_s.shape[1] < k:
        pad = k - out_s.shape[1]
        out_s = np.pad(out_s, ((0, 0), (0, pad)), constant_values=-np.inf)
        out_r = np.pad(out_r, ((0, 0), (0, pad)), constant_values=-1)
    return out_s, out_r


class FaissIndex:
    """Inner-product index over rows 0..n-1.

    Unfiltered exact search (and a filter that allows every row) is a fused FAISS scan over
    ``threads`` contiguous shards, merged. Filtered search is always exact, by selectivity p:

    - p <= ``direct_fraction``: only the allowed rows are scored, by index (no copy);
    - p >= ``overfetch_fraction``: one unfiltered scan for the best ``2k/p + 32`` rows, of which the
      best k allowed are the answer whenever at least k of them are allowed (exact: any allowed row
      outside scores no higher); otherwise (a filter at odds with the query) it falls through to
    - a sharded scan that skips excluded rows inside FAISS (``IDSelectorBitmap``).

    Unfiltered queries use the approximate index when there are at least ``approx_threshold``
    rows: ``approx="hnsw"`` (graph over the flat storage: one copy of the vectors; slow to build)
    or ``approx="ivf"`` (IVF-flat, ``nlist`` cells, ``nprobe`` probed; quick to build, a second copy).
    Exact scans use ``threads`` shards of at least ``min_shard_rows`` rows.
    """

    def __init__(
        self,
        vectors: np.ndarray | None = None,
        *,
        approx_threshold: int = 200_000,
        approx: ApproxKind = "hnsw",
        hnsw_m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 256,
        nlist: int | None = None,
        nprobe: int = 32,
        train_per_list: int = 32,
        direct_fraction: float = 0.02,
        overfetch_fraction: float = 0.4,
        threads: int | None = None,
        min_shard_rows: int = MIN_SHARD_ROWS,
        _index: faiss.Index | None = None,
        _ivf: faiss.Index | None = None,
    ) -> None:
        if approx not in ("hnsw", "ivf"):
            raise ValueError(f"approx must be 'hnsw' or 'ivf', not {approx!r}")
        self.direct_fraction = direct_fraction
        self.overfetch_fraction = overfetch_fraction
        self.ef_search = ef_search
        self.threads = max(1, threads if threads is not None else default_threads())
        self.min_shard_rows = max(1, min_shard_rows)
        if _ivf is not None and not isinstance(_ivf, faiss.IndexIVF):
            raise ValueError(f"not an IVF index: {type(_ivf).__name__}")
        ivf = cast("faiss.IndexIVF | None", _ivf)  # read_index returns the concrete class
        if _index is None:
            if vectors is None:
                raise ValueError("give vectors or a loaded index")
            x = np.ascontiguousarray(vectors, dtype=np.float32)
            d = int(x.shape[1])
            if len(x) >= approx_threshold and approx == "hnsw":
                _index = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
                _index.hnsw.efConstruction = ef_construction
            else:
                _index = faiss.IndexFlatIP(d)
            _index.add(x)
            if len(x) >= approx_threshold and approx == "ivf" and len(x):
                ivf = _build_ivf(x, nlist, train_per_list)
        self._index = _index
        if isinstance(_index, faiss.IndexHNSW):
            self._hnsw: faiss.IndexHNSW | None = _index
            self._flat = faiss.downcast_index(_index.storage)
            _index.hnsw.efSearch = ef_search
        else:
            self._hnsw = None
            self._flat = _index
        self._ivf = ivf
        if ivf is not None:
            ivf.nprobe = min(nprobe, ivf.nlist)
        self.dim = int(self._flat.d)
        n = self._flat.ntotal
        # Zero-copy numpy view of the stored vectors: every exact path scans it directly.
        if n:
            xb = faiss.rev_swig_ptr(self._flat.get_xb(), n * self.dim)  # type: ignore[attr-defined]
            self._x = xb.reshape(n, self.dim)
        else:
            self._x = np.zeros((0, self.dim), np.float32)

    @property
    def approximate(self) -> bool:
        return self._hnsw is not None or self._ivf is not None

    @property
    def nprobe(self) -> int | None:
        return None if self._ivf is None else int(self._ivf.nprobe)

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        if self._ivf is None:
            raise ValueError("nprobe applies to an IVF index")
        self._ivf.nprobe = min(int(value), self._ivf.nlist)

    def __len__(self) -> int:
        return int(self._flat.ntotal)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows``; large gathers in parts side by side (:func:`embeddings.gather.gather`)."""
        return gather(self._x, rows, prefetch=self.mapped)

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """Every row's inner product with each query, (q, n) float32, by FAISS's own kernel (so each
        score is bit-equal to the one a flat search returns): shards side by side in the scan pool,
        each read once in blocks of ``SCORE_BLOCK_ROWS`` that stay in cache while every query scores them."""
        n = len(self)
        queries = check_query(queries, self.dim, 0, None, n)
        nq = len(queries)
        out = np.empty((nq, n), np.float32)
        if n == 0 or nq == 0:
            return out

        def shard(lo: int, hi: int) -> None:
            for start in range(lo, hi, SCORE_BLOCK_ROWS):
                stop = min(hi, start + SCORE_BLOCK_ROWS)
                block = faiss.swig_ptr(self._x[start:stop])
                for i in range(nq):
                    faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]
                        faiss.swig_ptr(out[i, start:stop]), faiss.swig_ptr(queries[i]),
                        block, self.dim, stop - start)

        _run([functools.partial(shard, lo, hi) for lo, hi in self.shards()], self.threads)
        return out

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        queries = check_query(queries, self.dim, k, allowed, n)
        if k == 0 or n == 0:
            return top_k(np.zeros((len(queries), 0), np.float32), k)
        if allowed is None:
            approx = self._hnsw if self._hnsw is not None else self._ivf
            if approx is not None:
                scores, rows = approx.search(queries, min(k, n))
                return merge_top_k(scores, rows, k)
            return self.search_exact(queries, k)
        count = int(np.count_nonzero(allowed))
        if count == n:
            return self.search_exact(queries, k)
        if count <= max(k, self.direct_fraction * n):
            return self._search_rows(queries, k, np.flatnonzero(allowed))
        if count >= self.overfetch_fraction * n:
            found = self._search_overfetch(queries, k, allowed, count)
            if found is not None:
                return found
        return self._scan(queries, k, allowed)

    def search_exact(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact best k of every row for queries (q, d), whatever approximate index exists."""
        queries = check_query(queries, self.dim, k, None, len(self))
        return self._scan(queries, k, None)

    @property
    def flat(self) -> faiss.Index:
        """FAISS's own flat index over the stored vectors (the storage of an HNSW index): what the exact
        paths scan, exposed for benchmarks that compare them with FAISS's plain search."""
        return self._flat

    # --- exact paths -------------------------------------------------------------------------
    def shards(self) -> list[tuple[int, int]]:
        """Contiguous row ranges the exact scans split the rows into, one per thread (fewer when shards
        would have under ``min_shard_rows`` rows), boundaries on multiples of 8 (whole bitmap bytes)."""
        n = len(self)
        count = max(1, min(self.threads, n // self.min_shard_rows))
        bounds = [0] + [min(n, (n * i // count) // 8 * 8) for i in range(1, count)] + [n]
        return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]

    def _scan(self, queries: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Fused FAISS scan of every shard (skipping rows not ``allowed``), merged."""
        nq = len(queries)
        bitmap = None if allowed is None else np.packbits(allowed, bitorder="little")

        def shard(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            kk = min(k, hi - lo)
            scores = np.empty((nq, kk), np.float32)
            rows = np.empty((nq, kk), np.int64)
            sel = None if bitmap is None else faiss.IDSelectorBitmap(hi - lo, faiss.swig_ptr(bitmap[lo // 8:]))
            faiss.knn_inner_product(faiss.swig_ptr(queries), faiss.swig_ptr(self._x[lo:hi]), self.dim, nq,
                                    hi - lo, kk, faiss.swig_ptr(scores), faiss.swig_ptr(rows), sel)
            return scores, np.where(rows >= 0, rows + lo, -1)

        parts = _run([functools.partial(shard, lo, hi) for lo, hi in self.shards()], self.threads)
        return merge_top_k(np.hstack([p[0] for p in parts]), np.hstack([p[1] for p in parts]), k)

    def _search_rows(self, queries: np.ndarray, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score only ``rows`` (m,), read in place by index: for small allowed sets."""
        nq, m = len(queries), len(rows)
        if m == 0:
            return merge_top_k(np.zeros((nq, 0), np.float32), np.zeros((nq, 0), np.int64), k)
        ids = np.ascontiguousarray(rows, dtype=np.int64)
        kk = min(k, m)
        scores = np.empty((nq, kk), np.float32)
        found = np.empty((nq, kk), np.int64)

        def task() -> None:
            faiss.knn_inner_products_by_idx(  # type: ignore[attr-defined]
                faiss.swig_ptr(queries), faiss.swig_ptr(self._x), faiss.swig_ptr(ids), self.dim, nq, len(self),
                m, kk, faiss.swig_ptr(scores), faiss.swig_ptr(found), 0)

        _run([task], self.threads)
        return merge_top_k(scores, found, k)

    def _search_overfetch(self, queries: np.ndarray, k: int, allowed: np.ndarray, count: int
                          ) -> tuple[np.ndarray, np.ndarray] | None:
        """Best k allowed among the unfiltered best ``2k n / count + 32``; None when some query got
        fewer than k allowed there (then the answer cannot be proven from them)."""
        n = len(self)
        fetch = min(n, math.ceil(2 * k * n / count) + 32)
        scores, rows = self._scan(queries, fetch, None)
        ok = (rows >= 0) & allowed[np.maximum(rows, 0)]
        if fetch < n and int(ok.sum(axis=1).min()) < min(k, count):
            return None
        return merge_top_k(scores, np.where(ok, rows, -1), k)

    # --- persistence ---------------------------------------------------------------------------
    source: Path | None = None  # the file this index was loaded from (unchanged since: it is immutable)
    mapped = False  # its vectors are a memory map of that file

    def save(self, path: Path) -> None:
        """The flat (or HNSW) index to ``path``; an IVF index beside it, to ``path`` + ".ivf"."""
        faiss.write_index(self._index, str(path))
        ivf_path = path.with_name(path.name + ".ivf")
        if self._ivf is not None:
            faiss.write_index(self._ivf, str(ivf_path))
        elif ivf_path.exists():
            ivf_path.unlink()

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True, **kwargs: Any) -> FaissIndex:
        """The index saved at ``path``. With ``mmap`` (the default) the stored vectors are not read but
        memory-mapped (FAISS ``IO_FLAG_MMAP_IFC``; an IVF index's lists ``IO_FLAG_MMAP``): opening costs
        milliseconds whatever the size, and every
        process mapping the same file shares one copy in the page cache. The file must then stay unchanged
        while it is open (the index store never rewrites a published file)."""
        ivf_path = path.with_name(path.name + ".ivf")  # its lists mapped too (OnDiskInvertedLists): same results
        ivf = faiss.read_index(str(ivf_path), faiss.IO_FLAG_MMAP if mmap else 0) if ivf_path.is_file() else None
        flags = faiss.IO_FLAG_MMAP_IFC if mmap else 0
        index = cls(_index=faiss.read_index(str(path), flags), _ivf=ivf, **kwargs)
        index.source = path
        index.mapped = mmap
        return index


FLAT_CHUNK_ROWS = 65_536  # rows per write when a flat index file is streamed


def write_flat(path: Path, vectors: Callable[[np.ndarray], np.ndarray], rows: int, dim: int) -> None:
    """Write the flat inner-product index file of ``rows`` vectors, read ``FLAT_CHUNK_ROWS`` at a time through
    ``vectors(row numbers)``, without holding them all in memory: FAISS's own header (of an empty
    ``IndexFlatIP``, its row and value counts set) and the float32 rows; :meth:`FaissIndex.load` reads it."""
    header = bytearray(faiss.serialize_index(faiss.IndexFlatIP(dim)).tobytes())
    if len(header) != 45 or header[:4] != b"IxFI":
        raise RuntimeError("unexpected FAISS flat index layout")  # a FAISS upgrade changed it: save the index
    header[8:16] = np.int64(rows).tobytes()
    header[37:45] = np.uint64(rows * dim).tobytes()
    with path.open("wb") as fh:
        fh.write(header)
        for start in range(0, rows, FLAT_CHUNK_ROWS):
            chunk = vectors(np.arange(start, min(rows, start + FLAT_CHUNK_ROWS)))
            fh.write(np.ascontiguousarray(chunk, dtype="<f4").tobytes())


def _build_ivf(x: np.ndarray, nlist: int | None, train_per_list: int) -> faiss.IndexIVF:
    """IVF-flat over x (n, d): ``nlist`` cells (default about 4 sqrt(n)), k-means trained on
    ``train_per_list`` sampled rows per cell, 10 iterations."""
    n, d = x.shape
    lists = max(1, min(n, nlist if nlist is not None else int(4 * math.sqrt(n))))
    quantizer = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, lists, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter = 10
    ivf.cp.min_points_per_centroid = 1  # we sample on purpose; no warning
    ivf.cp.max_points_per_centroid = train_per_list
    sample = np.random.default_rng(0).choice(n, size=min(n, train_per_list * lists), replace=False)
    ivf.train(x[np.sort(sample)])
    ivf.add(x)
    return ivf
