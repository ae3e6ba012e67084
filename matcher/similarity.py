"""Cosines between an asker's query vectors and the units of an index: the :class:`Similarity`
protocol the ranking reads them through, on the indexes themselves or on precomputed matrices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from matcher.asker import Asker
from matcher.protocols import VectorIndex

SCORE_BLOCK = 128  # rows converted to float64 and multiplied at a time (64-256 measured alike, 1,024 as slow as all)


class Similarity(Protocol):
    """Cosines between the asker's query vectors for view ``mine`` and the units of index ``target``."""

    def scores(self, mine: str, target: str, units: np.ndarray) -> np.ndarray:
        """(len(units), q) cosines of those units with each of my q queries."""
        ...

    def search(self, mine: str, target: str, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`VectorIndex.search` with my queries: (scores (q, k), units (q, k)), best first."""
        ...

    def all_scores(self, mine: str, target: str) -> np.ndarray:
        """(q, units) cosines of my q queries with every unit of ``target``, each equal to the score
        :meth:`search` gives that unit (one pass over the index instead of one search per bucket)."""
        ...


@dataclass(frozen=True)
class IndexSimilarity:
    """The default: gather the units' vectors from the indexes and search them (one query at a time)."""

    asker: Asker
    indexes: Mapping[str, VectorIndex]

    def _queries(self, mine: str) -> np.ndarray:
        queries = self.asker.queries(mine)
        if queries is None:
            raise ValueError(f"the asker has no {mine} view")
        return queries

    def scores(self, mine: str, target: str, units: np.ndarray) -> np.ndarray:
        """In float64, so that every path that scores the same units agrees to ~1e-12, whatever the BLAS
        kernel behind it (a float32 product differs by ~1e-7, which calibration magnifies).

        The units are gathered in float32 at once and converted and multiplied ``SCORE_BLOCK`` rows at a time, so
        the float64 copy stays in cache: 1.0 ms instead of 1.9 ms for 2,500 units by 3 queries (one BLAS
        thread, under load); a suggestion re-scores ~7,600 units at 10k (calibration samples, units found). Of the
        1.0 ms, the float32 gather of the rows is 0.4; one float64 buffer reused for every block (``np.copyto``)
        instead of ``astype`` was no faster (1.31-1.44 against 1.16-1.31 ms, under load), so it is not kept."""
        vectors = self.indexes[target].vectors(units)
        queries = self._queries(mine).T.astype(np.float64)
        out = np.empty((len(vectors), queries.shape[1]))
        for lo in range(0, len(vectors), SCORE_BLOCK):
            np.matmul(vectors[lo : lo + SCORE_BLOCK].astype(np.float64), queries, out=out[lo : lo + SCORE_BLOCK])
        return out

    def search(self, mine: str, target: str, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.indexes[target].search(self._queries(mine), k, allowed)

    def all_scores(self, mine: str, target: str) -> np.ndarray:
        return self.indexes[target].scores(self._queries(mine))


@dataclass(frozen=True)
class MatrixSimilarity(IndexSimilarity):
    """Search over precomputed cosines: ``matrices[(mine, target)]`` is (q, units) for this asker's q
    queries, e.g. a slice of one matrix product for every participant of an event (see
    ``Catalogue.suggest_many``); exact, ties broken by the smaller unit number as the exact index does.
    The matrices are float64, as :meth:`IndexSimilarity.scores`, so that both paths agree to ~1e-12."""

    matrices: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def scores(self, mine: str, target: str, units: np.ndarray) -> np.ndarray:
        return np.asarray(self.matrices[(mine, target)][:, units].T)

    def search(self, mine: str, target: str, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(allowed)
        return top_k_columns(self.matrices[(mine, target)][:, rows], k, rows)

    def all_scores(self, mine: str, target: str) -> np.ndarray:
        return self.matrices[(mine, target)]


def top_k_columns(scores: np.ndarray, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best k of each row of ``scores`` (q, m) whose columns are ``rows`` (m,), sorted, ties by smaller
    row, also at the k-th place (equal vectors are common: the same item text in two profiles); padded with
    -inf / -1 when m < k (the contract of :class:`VectorIndex`)."""
    q, m = scores.shape
    out_s = np.full((q, k), -np.inf, np.float32)
    out_r = np.full((q, k), -1, np.int64)
    kk = min(k, m)
    if kk == 0:
        return out_s, out_r
    kth = np.partition(scores, m - kk, axis=1)[:, m - kk] if kk < m else np.full(q, -np.inf)
    for i in range(q):
        cols = np.flatnonzero(scores[i] >= kth[i])  # every column tied with the k-th too
        order = np.lexsort((rows[cols], -scores[i, cols]))[:kk]
        out_s[i, :kk] = scores[i, cols[order]]
        out_r[i, :kk] = rows[cols[order]]
    return out_s, out_r
