"""The two small interfaces the core needs; implemented in :mod:`embeddings`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

Role = Literal["query", "passage"]


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors of shape (len(texts), dim), float32."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray: ...


class VectorIndex(Protocol):
    """Inner-product search over rows 0..n-1, as FAISS returns it.

    ``search(queries (q, d), k, allowed (n,) bool | None) -> (scores (q, k) float32, rows (q, k) int64)``,
    best first; when fewer than k rows are allowed the tail is padded with score -inf and row -1.
    """

    dim: int

    def __len__(self) -> int: ...

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """Stored vectors of ``rows`` (m,) as (m, d) float32, for exact re-ranking."""
        ...

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """Inner products (q, n) float32 of queries (q, d) with every row, in one pass over the rows;
        each equal to the score :meth:`search` returns for that row (same kernel, same rounding)."""
        ...
