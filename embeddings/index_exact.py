"""Exact inner-product search in numpy: the reference every other backend is tested against."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best k of each row of ``scores`` (q, m), sorted; columns map to ``rows`` (m,) if given.

    Ties are broken by the smaller row number, so that results are deterministic.
    Returns (scores (q, k) float32, rows (q, k) int64), padded with -inf / -1 when m < k.
    """
    q, m = scores.shape
    out_s = np.full((q, k), -np.inf, np.float32)
    out_r = np.full((q, k), -1, np.int64)
    if m == 0 or k == 0:
        return out_s, out_r
    kk = min(k, m)
    part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk] if kk < m else np.tile(np.arange(m), (q, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    cols = part if rows is None else rows[part]
    order = np.lexsort((cols, -part_scores), axis=1)
    out_s[:, :kk] = np.take_along_axis(part_scores, order, axis=1)
    out_r[:, :kk] = np.take_along_axis(cols, order, axis=1)
    return out_s, out_r


def check_query(queries: np.ndarray, dim: int, k: int, allowed: np.ndarray | None, n: int) -> np.ndarray:
    """Validate search arguments shared by every backend; returns queries as (q, d) float32."""
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    if queries.shape[1] != dim:
        raise ValueError(f"query dimension {queries.shape[1]} does not match index dimension {dim}")
    if k < 0:
        raise ValueError("k must be >= 0")
    if allowed is not None and (allowed.dtype != bool or allowed.shape != (n,)):
        raise ValueError(f"allowed must be a bool mask of shape ({n},)")
    return queries


class ExactIndex:
    """Brute force over a float32 matrix (n, d)."""

    def __init__(self, vectors: np.ndarray) -> None:
        self._x = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim = int(self._x.shape[1])

    def __len__(self) -> int:
        return int(self._x.shape[0])

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._x[rows]

    def scores(self, queries: np.ndarray) -> np.ndarray:
        queries = check_query(queries, self.dim, 0, None, len(self))
        return np.asarray(queries @ self._x.T, dtype=np.float32)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        queries = check_query(queries, self.dim, k, allowed, len(self))
        if allowed is None:
            return top_k(queries @ self._x.T, k)
        rows = np.flatnonzero(allowed)  # every row scored, then selected: the scores of :meth:`scores`,
        return top_k((queries @ self._x.T)[:, rows], k, rows)  # whatever BLAS kernel the filter's size picks
