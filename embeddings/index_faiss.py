"""FAISS backend: exact flat search with filters chosen by selectivity, optional HNSW for large
unfiltered queries. One copy of the vectors: the HNSW graph reuses the flat storage."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from embeddings.index_exact import check_query, top_k


class FaissIndex:
    """Inner-product index over rows 0..n-1.

    Filtered search is always exact: a small allowed set (at most ``direct_fraction`` of the rows)
    is scored directly on the gathered rows; a larger one goes through the flat index with an
    ``IDSelectorBitmap``, which skips excluded rows inside the scan, so k results come back
    whenever k rows are allowed. Unfiltered queries use HNSW when the index holds at least
    ``approx_threshold`` rows.
    """

    def __init__(
        self,
        vectors: np.ndarray | None = None,
        *,
        approx_threshold: int = 200_000,
        hnsw_m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 256,
        direct_fraction: float = 0.02,
        _index: faiss.Index | None = None,
    ) -> None:
        self.direct_fraction = direct_fraction
        self.ef_search = ef_search
        if _index is None:
            if vectors is None:
                raise ValueError("give vectors or a loaded index")
            x = np.ascontiguousarray(vectors, dtype=np.float32)
            d = int(x.shape[1])
            if len(x) >= approx_threshold:
                _index = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
                _index.hnsw.efConstruction = ef_construction
            else:
                _index = faiss.IndexFlatIP(d)
            _index.add(x)
        self._index = _index
        if isinstance(_index, faiss.IndexHNSW):
            self._hnsw: faiss.IndexHNSW | None = _index
            self._flat = faiss.downcast_index(_index.storage)
            _index.hnsw.efSearch = ef_search
        else:
            self._hnsw = None
            self._flat = _index
        self.dim = int(self._flat.d)
        n = self._flat.ntotal
        # Zero-copy numpy view of the stored vectors, for direct search on small allowed sets.
        if n:
            xb = faiss.rev_swig_ptr(self._flat.get_xb(), n * self.dim)  # type: ignore[attr-defined]
            self._x = xb.reshape(n, self.dim)
        else:
            self._x = np.zeros((0, self.dim), np.float32)

    @property
    def approximate(self) -> bool:
        return self._hnsw is not None

    def __len__(self) -> int:
        return int(self._flat.ntotal)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._x[rows], dtype=np.float32)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        queries = check_query(queries, self.dim, k, allowed, n)
        if k == 0 or n == 0:
            return top_k(np.zeros((len(queries), 0), np.float32), k)
        if allowed is None:
            index = self._hnsw if self._hnsw is not None else self._flat
            scores, rows = index.search(queries, min(k, n))
            return self._pad(scores, rows, k)
        count = int(allowed.sum())
        if count <= max(k, self.direct_fraction * n):
            rows = np.flatnonzero(allowed)
            return top_k(queries @ self._x[rows].T, k, rows)
        bitmap = np.packbits(allowed, bitorder="little")
        selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap))
        params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, rows = self._flat.search(queries, min(k, count), params=params)
        return self._pad(scores, rows, k)

    @staticmethod
    def _pad(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        out_s = np.full((len(scores), k), -np.inf, np.float32)
        out_r = np.full((len(scores), k), -1, np.int64)
        valid = rows >= 0
        out_s[:, : scores.shape[1]] = np.where(valid, scores, -np.inf)
        out_r[:, : rows.shape[1]] = rows
        return out_s, out_r

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, **kwargs: float) -> FaissIndex:
        return cls(_index=faiss.read_index(str(path)), **kwargs)  # type: ignore[arg-type]
