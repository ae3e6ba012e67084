"""An index updated in place of being rebuilt: the published (memory-mapped) index of an earlier catalogue version
plus a small index of the rows written since, presented in the new version's row order.

Row ``r`` of the new version is row ``source[r]`` of the two stores side by side (the base's rows first, then the
delta's); base rows that were deleted or rewritten since are tombstones (no new row names them) and are never
returned. Every score comes from the same FAISS kernels over the same stored vectors as a full rebuild would
use, each store's top k is exact, and the merge breaks ties by the new row, so ids and scores equal those of the
rebuilt index (tests/embeddings/test_index_gathered.py). Searches are always exact (a base's approximate index
would still return tombstones). A write of a few profiles to a 1M catalogue costs a gather of the row maps, not
a copy of the ~10 GB of vectors; the catalogue compacts (saves a full index) in the background.
"""

from __future__ import annotations

import functools

import numpy as np

from embeddings.index_exact import check_query
from embeddings.index_faiss import FaissIndex, merge_top_k


class GatheredIndex:
    """Rows ``source`` (n,) of ``base`` then ``delta`` (rows ``len(base)..``), as rows 0..n-1."""

    def __init__(self, base: FaissIndex, delta: FaissIndex, source: np.ndarray, *, checked: bool = False) -> None:
        """``checked``: the caller made ``source`` within the rows (a splice): not read again to check it (two passes
        over 1-2M rows for each of the five indexes of a 1M catalogue, 10-20 ms of each write under load)."""
        if base.dim != delta.dim:
            raise ValueError(f"base has {base.dim} dimensions, delta {delta.dim}")
        self.base, self.delta = base, delta
        self.dim = base.dim
        self.source = np.ascontiguousarray(source, dtype=np.int64)
        self._nb = len(base)
        total = self._nb + len(delta)
        if not checked and len(self.source) and (self.source.min() < 0 or self.source.max() >= total):
            raise ValueError("a source row outside the base and delta rows")

    # The row maps below are built when first needed (a search or a full scores pass): the int8 pre-scan of a
    # spliced index reads ``source`` only, and the views suggestions do not scan (offers, needs) may never be
    # searched; building them for the five indexes of a 1M catalogue took 0.17 s of each write (under load).
    @functools.cached_property
    def _position(self) -> np.ndarray:
        """Combined row -> new row (-1: tombstone); [-1] pads."""
        position = np.full(self._nb + len(self.delta) + 1, -1, np.int64)
        position[self.source] = np.arange(len(self.source))
        return position

    @functools.cached_property
    def _runs(self) -> list[tuple[int, int, int]]:
        """Runs of consecutive source rows, none crossing into the delta: (new row, combined row, length)."""
        breaks = np.flatnonzero((np.diff(self.source) != 1) | (self.source[1:] == self._nb)) + 1
        starts = np.concatenate([[0], breaks]).astype(np.int64) if len(self.source) else np.zeros(0, np.int64)
        lengths = np.diff(np.concatenate([starts, [len(self.source)]]))
        return list(zip(starts.tolist(), self.source[starts].tolist(), lengths.tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.source)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        combined = self.source[np.asarray(rows, dtype=np.int64)]
        out = np.empty((len(combined), self.dim), np.float32)
        in_base = combined < self._nb
        if in_base.any():
            out[in_base] = self.base.vectors(combined[in_base])
        if (~in_base).any():
            out[~in_base] = self.delta.vectors(combined[~in_base] - self._nb)
        return out

    def scores(self, queries: np.ndarray) -> np.ndarray:
        queries = check_query(queries, self.dim, 0, None, len(self))
        base, delta = self.base.scores(queries), self.delta.scores(queries)
        out = np.empty((len(queries), len(self)), np.float32)
        for at, row, length in self._runs:  # a few slices (memcpy), not a gather per row
            part = base[:, row : row + length] if row < self._nb else delta[:, row - self._nb : row - self._nb + length]
            out[:, at : at + length] = part
        return out

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._search(queries, k, allowed)

    def search_exact(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._search(queries, k, None)

    def _search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        queries = check_query(queries, self.dim, k, allowed, len(self))
        live = np.zeros(len(self._position) - 1, bool)
        live[self.source if allowed is None else self.source[allowed]] = True
        parts = []
        for index, lo in ((self.base, 0), (self.delta, self._nb)):
            mask = live[lo : lo + len(index)]
            if k and mask.any():
                scores, rows = index.search(queries, k, mask)
                parts.append((scores, np.where(rows >= 0, self._position[np.where(rows >= 0, rows + lo, -1)], -1)))
        if not parts:
            return merge_top_k(np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64), k)
        return merge_top_k(np.hstack([p[0] for p in parts]), np.hstack([p[1] for p in parts]), k)
