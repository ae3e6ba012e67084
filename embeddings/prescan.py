"""A compressed pre-scan for suggestions: every unit of a channel scored in int8, then each language bucket's
best units re-scored exactly (float32, FAISS's own kernel) inside a proven margin, so the result is the
same units as the float32 pass it replaces (:meth:`matcher.candidates.Prescan.top_units`).

The bound. Unit vectors x are stored as codes x̂ = clip(round(x · Sx), ±127) (int8; one scale per index,
Sx = 127 / max |x| over a sample of rows, so a larger component elsewhere is clipped: R below is measured after
clipping and covers it) and each query q as two int8 digits, q̂ = round(q · Sq) and q̂₂ = round((q · Sq - q̂) · 256);
the products x̂ · q̂ and x̂ · q̂₂ are exact (int32, in one product: q̂₂ fills columns the kernel pads anyway), and
ŝ = x̂ · (q̂ + q̂₂ / 256) / (Sx Sq) = x̃ · q̃ with x̃ = x̂ / Sx, q̃ = (q̂ + q̂₂ / 256) / Sq. Then

    |x · q - ŝ| = |(x - x̃) · q + x̃ · (q - q̃)| <= R ||q|| + N ||q - q̃||  (Cauchy-Schwarz)

with R = max ||x - x̃|| and N = max ||x̃|| over the index's rows, both measured when the codes are built.
FAISS's float32 score s differs from x · q by at most d 2^-24 sum |x_k q_k| (< 2.3e-5 for unit vectors
at d = 384), and ŝ is rounded to float32 (three roundings, < 1e-6 together), so E = R ||q|| + N ||q - q̃||
+ 1e-4 bounds |s - ŝ|. In a bucket, let L be the k-th largest ŝ minus E: k units score at least L exactly, so a
unit with ŝ + E < L scores strictly below the k-th best and cannot be among the best k, whatever the tie-break.
Every other unit (ŝ >= L - E) is re-scored exactly and the best k taken with ties by the smaller unit: the same units as
``top_k_columns`` over :meth:`FaissIndex.scores` (tests/embeddings/test_prescan.py checks it).

Measured on the 10k synthetic catalogue (384 dimensions, under load): R = 0.011-0.013 and E = 0.017-0.020 with
one query digit, and for k = 50 in a bucket of 3,000-5,500 units the margin keeps 53-120 units to re-score. The
second digit makes ||q - q̃|| ~256 times smaller (E ~40 % narrower): at 1M it cut the units re-scored per channel by
30-40 % (18,912 -> 11,061 for three queries), which matters there because they are read at random from the mapped
float32 file (a first touch of a page costs a fault: 125-375 ms for 19k units under load, 25 ms read again).
int8 codes are a quarter of the float32 bytes the pass reads (``bench/suggest.py`` reports both limits). The scan is
one int8 matrix product per channel (``torch._int_mm``, oneDNN's int8 kernels; one thread per shard). The codes are
built once per index, on first use (0.9-1.8 s per index of 10-18k rows under load; the bench reports the
build at each size), and kept while the index lives. The codes of a published index file are saved beside it
(:mod:`embeddings.prescan_store`) and mapped by the next process: at 1M profiles (under load, 2 cores) building
them took 30 s and, while it ran in the scan pool, the first suggestions after a start took 14-29 s; mapped, the
first suggestion from the process's start takes 2.4-2.9 s with torch imported before (2.3-6.8 s more when the
request imports it; a server has imported it with its encoder). A request waits for the codes of an index over
:data:`~embeddings.prescan_cache.WAIT_FOR_TORCH_BYTES` to be mapped and scans a smaller one in float32 meanwhile;
which pre-scan an index gets, and the builds aside, are :mod:`embeddings.prescan_cache`'s job. An
index with rows spliced in (:mod:`embeddings.index_gathered`) gets a :class:`GatheredPrescan` (the base's codes
plus the few new rows): at 1M, a suggestion for a profile written a moment before used the pre-scan on all three
indexes (1.0-2 s under load, as on the base), where it had scanned 7.2 GB in float32 until the next compaction.

Tried and not kept (issue 18; 10k synthetic catalogue, 400 suggestions timed alternately with and without the
change in one process, under load): each bucket's margin and best k for every query at once (one (q, m) gather,
partition and lexsort instead of one per query) took 1.04x the time (a bucket's few thousand units make the work
data-bound, not Python-bound); the requesting thread taking a shard of the int8 product instead of waiting for the
pool, 1.00x. ``torch._int_mm`` reads the codes at 4.3-4.9 GB/s per core (185k x 384 codes by 8 columns, one
thread, under load), about a third of the memory bandwidth; 16 columns and the transposed product were slower,
``torch._weight_int8pack_mm`` (float32 queries against the int8 rows) ~6x slower (270 against 47 ms in one run).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from embeddings.index_faiss import FaissIndex, _run, default_threads
from embeddings.index_gathered import GatheredIndex

CHUNK = 65_536  # rows quantised at a time when building the codes
SHARD = 131_072  # most rows per int8 product (shards run side by side in FAISS's scan pool)
BLOCK = 32_768  # rows per int8 product call in a shard: their int32 output (1 MiB) is scaled while in cache
PARALLEL_ROWS = 16_384  # from this many rows an index is split in a multiple of the cores, in equal shards
MARGIN = 1e-4  # float32 rounding of FAISS's score and of ŝ (see the module docstring)
TARGETS = ("overall", "offers_items", "needs_items")  # the indexes suggestions scan


class BuildCancelled(Exception):
    """A background build of the codes stopped: the process is exiting (embeddings.prescan_cache._stop_builds)."""


@dataclass(frozen=True, kw_only=True)
class Int8Prescan:
    """int8 codes of one :class:`FaissIndex` and the constants of the bound (module docstring)."""

    index: FaissIndex
    codes: Any  # torch.Tensor (u, d_padded) int8 (torch is imported when the first pre-scan is built)
    scale: float  # Sx
    residual: float  # R = max ||x - x̃||
    norm: float  # N = max ||x̃||

    @classmethod
    def build(cls, index: FaissIndex, *, scale: float | None = None, inline: bool = False,
              cancel: threading.Event | None = None) -> Int8Prescan:
        """Codes of every row, in chunks quantised side by side in the scan pool (numpy releases the GIL), or
        one after the other in this thread (``inline``: a background build that must not queue ahead of the
        requests' scans in the pool; it stops with :class:`BuildCancelled` between chunks once ``cancel`` is
        set). The scale comes from a sample of rows (or is given: the base's, for the rows spliced in after it):
        a larger component elsewhere is clipped, which only widens R (R is measured after clipping), never breaks
        the bound."""
        n, d = len(index), index.dim
        dp = -(-d // 8) * 8  # the int8 kernel wants columns in multiples of 8
        codes = np.zeros((n, dp), np.int8)
        if scale is None:
            sample = index.vectors(np.unique(np.linspace(0, n - 1, min(n, CHUNK)).astype(np.int64)))
            peak = float(np.abs(sample).max(initial=0.0))
            scale = 127.0 / peak if peak > 0 else 1.0
        sx = np.float32(scale)

        def chunk(lo: int, hi: int) -> tuple[float, float]:
            _check(cancel)
            x = index.vectors(np.arange(lo, hi))
            q = np.clip(np.rint(x * sx), -127, 127)
            codes[lo:hi, :d] = q
            back = q / sx
            return (float(np.linalg.norm(x - back, axis=1).max(initial=0.0)),
                    float(np.linalg.norm(back, axis=1).max(initial=0.0)))

        tasks = [functools.partial(chunk, lo, min(n, lo + CHUNK)) for lo in range(0, n, CHUNK)]
        parts = [task() for task in tasks] if inline else _run(tasks, default_threads())
        # the norms were taken in float32 (relative error < 1e-6 at these sizes): widen them by 1e-5
        residual = max((p[0] for p in parts), default=0.0) * (1 + 1e-5)
        norm = max((p[1] for p in parts), default=0.0) * (1 + 1e-5)
        _check(cancel)  # torch imported last: an exiting process does not wait for its import (2-4 s)
        import torch

        return cls(index=index, codes=torch.from_numpy(codes), scale=float(sx), residual=residual, norm=norm)

    @property
    def nbytes(self) -> int:
        """Bytes of the codes (what one pass of the pre-scan reads)."""
        return int(self.codes.shape[0] * self.codes.shape[1])

    def approximate(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ŝ (q, u) float32 for queries (q, d), and the bound E (q,) of each query."""
        import torch

        q = np.asarray(queries, np.float64)
        nq, d = q.shape
        peak = np.abs(q).max(axis=1)
        sq = np.where(peak > 0, 127.0 / np.where(peak > 0, peak, 1.0), 1.0)
        qhat = np.clip(np.rint(q * sq[:, None]), -127, 127)
        # a second int8 digit of each query (its rounding error x 256) in the columns the product pads anyway:
        # q̃ = (q̂ + q̂₂ / 256) / Sq leaves ||q - q̃|| ~256 times smaller, E ~40 % narrower, and the margin keeps
        # that many fewer units to re-score (their float32 rows, read at random: most of a 1M suggestion's re-score)
        low = np.clip(np.rint((q * sq[:, None] - qhat) * 256), -127, 127)
        codes = self.codes
        dp = int(codes.shape[1])
        cols = np.zeros((dp, -(-2 * nq // 8) * 8), np.int8)
        cols[:d, :nq] = qhat.T
        cols[:d, nq : 2 * nq] = low.T
        right = torch.from_numpy(cols)
        u = len(self.index)
        bounds = _shards(u, default_threads())
        buffer = _take_buffer(u * right.shape[1])
        exact = buffer[: u * right.shape[1]].reshape(u, right.shape[1])

        factor = (1.0 / (self.scale * sq)).astype(np.float32)
        approx = np.empty((nq, u), np.float32)

        def shard(lo: int, hi: int) -> None:
            torch.set_num_threads(1)  # in a scan-pool thread: its own OpenMP setting
            for start in range(lo, hi, BLOCK):  # each block's products scaled while they are in cache
                stop = min(hi, start + BLOCK)
                torch._int_mm(codes[start:stop], right, out=torch.from_numpy(exact[start:stop]))
                for j in range(nq):  # int32 -> float32 is exact here (|x̂ · q̂| <= 127² d < 2^24); the three
                    # float32 roundings of ŝ (~1e-7 each near 1) are well inside MARGIN
                    block = approx[j, start:stop]
                    np.multiply(exact[start:stop, j], factor[j], out=block, dtype=np.float32)
                    block += np.multiply(exact[start:stop, nq + j], factor[j] / np.float32(256), dtype=np.float32)

        with _one_torch_thread():
            if len(bounds) == 1:  # a hand-off to the pool costs more than it saves
                shard(*bounds[0])
            else:
                _run([functools.partial(shard, lo, hi) for lo, hi in bounds], default_threads())
        _give_back(buffer)
        q_tilde = (qhat + low / 256) / sq[:, None]
        bound = (self.residual * np.linalg.norm(q, axis=1)
                 + self.norm * np.linalg.norm(q - q_tilde, axis=1) + MARGIN)
        return approx, bound

    def top_units(self, queries: np.ndarray, k: int, eligible: Sequence[np.ndarray]) -> list[np.ndarray]:
        """For each bucket's allowed units ``eligible[b]`` (sorted): the best k (q, k) of each query by the
        index's float32 score, ties by the smaller unit, -1 padded; exact (module docstring)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        approx, bound = self.approximate(queries)
        kept = []  # per bucket, per query: the units inside the margin
        for cols in eligible:
            row = []
            for j in range(len(queries)):
                if len(cols) > k:
                    a = approx[j, cols]
                    kth = np.partition(a, len(a) - k)[len(a) - k]
                    row.append(cols[a >= kth - 2 * bound[j]])
                else:
                    row.append(cols)
            kept.append(row)
        # one gather of every unit kept, each query's exact scores of them by FAISS's kernel
        every = [keep for row in kept for keep in row]
        units = np.unique(np.concatenate(every)) if every else np.zeros(0, np.int64)
        exact = self._scores(queries, units)
        out = []
        for row in kept:
            top = np.full((len(queries), k), -1, np.int64)
            for j, keep in enumerate(row):
                scores = exact[j, np.searchsorted(units, keep)]
                best = np.lexsort((keep, -scores))[:k]
                top[j, : len(best)] = keep[best]
            out.append(top)
        return out

    def _scores(self, queries: np.ndarray, units: np.ndarray) -> np.ndarray:
        """FaissIndex.scores' float32 scores (q, len(units)) (the same kernel, row by row: bit-equal)."""
        vectors = np.ascontiguousarray(self.index.vectors(units), dtype=np.float32)
        out = np.empty((len(queries), len(units)), np.float32)
        if len(units):
            for j, query in enumerate(queries):
                faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]
                    faiss.swig_ptr(out[j]), faiss.swig_ptr(query), faiss.swig_ptr(vectors), self.index.dim,
                    len(units))
        return out


def _shards(rows: int, threads: int) -> list[tuple[int, int]]:
    """Row ranges of the int8 products: equal shards of at most :data:`SHARD` rows, as many as a multiple of
    ``threads`` from :data:`PARALLEL_ROWS` rows. Cut in 131,072-row pieces, a 100k index ran on one core and a
    185k one in shards of 131k and 54k (the int8 product was 40 % of a 100k suggestion on an idle machine)."""
    pieces = max(1, -(-rows // SHARD))
    if rows >= PARALLEL_ROWS and threads > 1:
        pieces = -(-pieces // threads) * threads
    step = max(1, -(-rows // pieces))
    return [(lo, min(rows, lo + step)) for lo in range(0, rows, step)]


_buffers: list[np.ndarray] = []  # int32 buffers for the int8 products, free for the next pre-scan
_buffers_lock = threading.Lock()
KEPT_BUFFERS = 2  # at most this many kept (one per core); more concurrent scans allocate and drop their own


def _take_buffer(size: int) -> np.ndarray:
    """An int32 buffer of at least ``size`` for the int8 products, a kept one when free: a fresh output on each call
    cost its page faults (under load, 100k rows: torch._int_mm 7.5 ms into a new tensor, 5.4 ms into a kept one).
    Give it back with :func:`_give_back` once read."""
    with _buffers_lock:
        for i, buffer in enumerate(_buffers):
            if len(buffer) >= size:
                return _buffers.pop(i)
        if _buffers:  # too small: dropped, a larger one is kept on return
            _buffers.pop()
    return np.empty(size, np.int32)


def _give_back(buffer: np.ndarray) -> None:
    with _buffers_lock:
        if len(_buffers) < KEPT_BUFFERS:
            _buffers.append(buffer)


_torch_lock = threading.Lock()


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    """torch's int8 product on one thread per call (shards run side by side in the scan pool): its own two
    threads made a 18,500-row product 35x slower (24 ms against 0.7 ms) whenever the other core was busy
    (measured under load, 2 cores). The setting is process-wide, so it is restored after, under a lock."""
    import torch

    with _torch_lock:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


@dataclass(frozen=True, kw_only=True)
class GatheredPrescan(Int8Prescan):
    """The pre-scan of a :class:`~embeddings.index_gathered.GatheredIndex` (a published index with rows spliced
    in, :mod:`service.catalogue.incremental`): the base's pre-scan (mapped or built once) and the delta rows
    quantised with the base's scale, read in the new row order. No code of the base is copied: ŝ of every stored
    row is gathered by ``source`` after the int8 products. The bound is the larger of the two stores' bounds
    (each covers its own rows), and the exact re-score reads each unit from its store with the same kernel, so
    the units are those of the float32 pass over the gathered index (tests/embeddings/test_prescan_gathered.py)."""

    base: Int8Prescan
    delta: Int8Prescan | None  # None: nothing spliced in (only tombstones)
    source: np.ndarray  # (u,) new unit -> base unit, or len(base) + delta unit

    @classmethod
    def of(cls, index: GatheredIndex, base: Int8Prescan) -> GatheredPrescan:
        delta = Int8Prescan.build(index.delta, scale=base.scale, inline=True) if len(index.delta) else None
        return cls(index=base.index, codes=base.codes, scale=base.scale, base=base, delta=delta,
                   source=index.source, residual=max(base.residual, delta.residual if delta else 0.0),
                   norm=max(base.norm, delta.norm if delta else 0.0))

    @functools.cached_property
    def _in_base(self) -> np.ndarray:
        """``source`` with the delta's units pointing at the base's last unit (overwritten after the take), made once
        per index, not per suggestion (a 1-2M int64 copy per channel)."""
        return np.minimum(self.source, len(self.base.index) - 1)

    @functools.cached_property
    def _delta_at(self) -> np.ndarray:
        """The new units that are the delta's (a pass over ``source``, once per index)."""
        return np.flatnonzero(self.source >= len(self.base.index))

    def approximate(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        approx, bound = self.base.approximate(queries)
        nb = len(self.base.index)
        out = approx.take(self._in_base, axis=1)  # the base's ŝ in the new row order, then
        if self.delta is not None:  # the few new rows' in their places (no copy of the base's ŝ beside them)
            more, wider = self.delta.approximate(queries)
            at = self._delta_at
            out[:, at], bound = more[:, self.source[at] - nb], np.maximum(bound, wider)
        return out, bound

    def _scores(self, queries: np.ndarray, units: np.ndarray) -> np.ndarray:
        stored = self.source[np.asarray(units, np.int64)]
        nb = len(self.base.index)
        in_base = stored < nb
        out = np.empty((len(queries), len(stored)), np.float32)
        out[:, in_base] = self.base._scores(queries, stored[in_base])
        if self.delta is not None and not in_base.all():
            out[:, ~in_base] = self.delta._scores(queries, stored[~in_base] - nb)
        return out


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise BuildCancelled
