"""Who already worked with whom, as features of a pair (asker row, candidate row): arrays in, arrays out.

The graph is undirected and weighted over catalogue rows: a partnership, a meeting held at an event
with a good outcome, or a shared cluster (member ↔ cluster) is an edge. Every feature of a pair
(q, c) is computed **without the edge q–c itself** (the leakage rule): removing or adding that edge
leaves the pair's features unchanged, so a model trained on past edges never reads its own answer,
and a pair is not ranked high merely because it is already linked. Tested in tests/matcher/test_graph.py.

Features (:data:`GRAPH_FEATURES`), each (m,) for m candidate rows:

- ``common_partners``: partners the two share (count);
- ``adamic_adar``: the same, each shared partner z counting 1 / log(deg z), so a hub counts less;
- ``recent_partners``: shared partners weighted by the recency and strength of both edges;
- ``partners_alike``: mean cosine between the asker and the candidate's partners (the candidate works
  with organisations like me: an item-based collaborative signal through the embeddings);
- ``alike_partners``: mean cosine between the candidate and the asker's partners;
- ``country_pair``, ``kind_pair``, ``sector_pair``: log-lift of edges between the two labels over what
  their shares of edges predict (priors learned from the history: firm → university, MA → FR);
- ``candidate_degree``, ``asker_degree``: log(1 + partners), each without the pair's own edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

GRAPH_FEATURES: tuple[str, ...] = (
    "common_partners", "adamic_adar", "recent_partners", "partners_alike", "alike_partners",
    "country_pair", "kind_pair", "sector_pair", "candidate_degree", "asker_degree",
)


def one_hot(labels: np.ndarray) -> np.ndarray:
    """(n, L) bool one-hot of a label column (n,) of strings; "" is a label like any other."""
    values, inverse = np.unique(labels, return_inverse=True)
    out = np.zeros((len(labels), len(values)), bool)
    out[np.arange(len(labels)), inverse] = True
    return out


@dataclass(frozen=True, kw_only=True)
class LabelPrior:
    """Edge counts between labels (L, L) of a one-hot or multi-hot column (n, L), for the log-lift."""

    labels: np.ndarray  # (n, L) float64 (row-normalised so a multi-labelled row counts once)
    counts: np.ndarray  # (L, L) float64, symmetric: edges between labels (both directions)
    margins: np.ndarray  # (L,) float64
    total: float

    @classmethod
    def build(cls, labels: np.ndarray, a: np.ndarray, b: np.ndarray) -> LabelPrior:
        """From the directed edge lists ``a`` → ``b`` (each undirected edge listed both ways)."""
        lab = np.asarray(labels, np.float64)
        lab = lab / np.maximum(lab.sum(axis=1, keepdims=True), 1.0)
        counts = lab[a].T @ lab[b] if len(a) else np.zeros((lab.shape[1], lab.shape[1]))
        return cls(labels=lab, counts=counts, margins=counts.sum(axis=1), total=float(counts.sum()))

    def lift(self, q: int, rows: np.ndarray, own: np.ndarray) -> np.ndarray:
        """log((E[a, b] + 1) / (expected + 1)) averaged over the labels of q and each row, with the pair's
        own edge (``own`` (m,) 0/1) taken out of the counts."""
        lq, lr = self.labels[q], self.labels[rows]
        qq, rr, qr = lq @ lq, np.einsum("ml,ml->m", lr, lr), lr @ lq  # the own edge counts in both directions
        observed = lr @ (self.counts @ lq) - own * (qq * rr + qr * qr)
        margins_q = lq @ self.margins - own * (qq + qr)
        margins_r = lr @ self.margins - own * (rr + qr)
        total = np.maximum(self.total - 2.0 * own, 1.0)
        expected = margins_q * margins_r / total
        return np.asarray(np.log((observed + 1.0) / (expected + 1.0)))


class LazyPriors(Mapping[str, LabelPrior]):
    """The label priors by name, each built when first read: only a learned ranking reads them, and building
    them reads every row's labels (0.8 s of the 0.9 s a graph took at 1M rows, under load), which a suggestion
    ranked by the weighted mean never needs. The same values as built at once."""

    def __init__(self, labels: Mapping[str, Callable[[], np.ndarray]], a: np.ndarray, b: np.ndarray) -> None:
        self._labels, self._a, self._b = dict(labels), a, b
        self._built: dict[str, LabelPrior] = {}

    def __getitem__(self, name: str) -> LabelPrior:
        found = self._built.get(name)
        if found is None:  # two threads may both build it: the same value, one kept
            found = self._built.setdefault(name, LabelPrior.build(self._labels[name](), self._a, self._b))
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


@dataclass(frozen=True, kw_only=True)
class RelationGraph:
    """Undirected edges between catalogue rows in compressed rows (numpy only): the partners of row r
    are ``indices[indptr[r]:indptr[r + 1]]`` with link strength x recency ``weights`` in (0, 1] (the
    strongest of several edges between a pair); no self-loops. Label priors for countries, kinds, sectors."""

    indptr: np.ndarray  # (n + 1,) int64
    indices: np.ndarray  # (2e,) int64, sorted within each row
    weights: np.ndarray  # (2e,) float64
    degree: np.ndarray  # (n,) float64: distinct partners
    inverse_log_degree: np.ndarray  # (n,) 1 / log(max(deg, 2)): Adamic–Adar weights
    priors: Mapping[str, LabelPrior]  # country_pair, kind_pair, sector_pair (built when first read)

    @classmethod
    def build(cls, n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, *, countries: np.ndarray,
              kinds: np.ndarray, sectors: np.ndarray) -> RelationGraph:
        """From edge lists ``a``, ``b`` (rows) with ``weight`` in (0, 1]; ``countries``/``kinds`` (n,)
        label columns, ``sectors`` (n, S) multi-hot."""
        a, b, w = np.asarray(a, np.int64), np.asarray(b, np.int64), np.asarray(weight, np.float64)
        keep = (a != b) & (w > 0)
        a, b, w = a[keep], b[keep], w[keep]
        rows, cols, vals = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w])
        order = np.lexsort((-vals, cols, rows))  # per (row, col), the strongest edge first
        rows, cols, vals = rows[order], cols[order], vals[order]
        first = np.ones(len(rows), bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, vals = rows[first], cols[first], vals[first]
        degree = np.bincount(rows, minlength=n).astype(np.float64)
        indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
        priors = LazyPriors({"country_pair": lambda: one_hot(countries), "kind_pair": lambda: one_hot(kinds),
                             "sector_pair": lambda: _with_none(sectors)}, rows, cols)
        return cls(indptr=indptr, indices=cols, weights=vals, degree=degree,
                   inverse_log_degree=1.0 / np.log(np.maximum(degree, 2.0)), priors=priors)

    @property
    def size(self) -> int:
        return len(self.degree)

    @property
    def edges(self) -> int:
        return len(self.indices) // 2

    def partners(self, row: int) -> np.ndarray:
        """Rows linked to ``row`` (sorted)."""
        return self.indices[self.indptr[row]:self.indptr[row + 1]]

    def links(self, row: int) -> np.ndarray:
        """Strengths of ``row``'s links, aligned with :meth:`partners`."""
        return self.weights[self.indptr[row]:self.indptr[row + 1]]

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The partners of each of ``rows`` (m,) concatenated: (segment of each, partner, strength)."""
        rows = np.asarray(rows, np.int64)
        starts, lengths = self.indptr[rows], self.indptr[rows + 1] - self.indptr[rows]
        segment = np.repeat(np.arange(len(rows)), lengths)
        offsets = np.cumsum(lengths) - lengths
        position = starts[segment] + np.arange(int(lengths.sum())) - offsets[segment]
        return segment, self.indices[position], self.weights[position]

    def two_hop(self, q: int) -> tuple[np.ndarray, np.ndarray]:
        """Partners of q's partners (q excluded) and how many partners each shares with q."""
        _, reached, _ = self.gather(self.partners(q))
        counts = np.bincount(reached, minlength=self.size)
        counts[q] = 0
        rows = np.flatnonzero(counts)
        return rows, counts[rows]

    def common(self, q: int, c: int) -> np.ndarray:
        """Shared partners of q and c, strongest pair of links first (for explanations)."""
        mine, theirs = self.partners(q), self.partners(c)
        shared, i, j = np.intersect1d(mine, theirs, assume_unique=True, return_indices=True)
        strength = self.links(q)[i] * self.links(c)[j]
        return shared[np.argsort(-strength, kind="stable")]


def _with_none(multi_hot: np.ndarray) -> np.ndarray:
    """A multi-hot (n, S) with one more column for rows that have no label at all."""
    labels = np.asarray(multi_hot, bool)
    return np.column_stack([labels, ~labels.any(axis=1)])


def graph_features(graph: RelationGraph, q: int, rows: np.ndarray,
                   vectors: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """(m, len(GRAPH_FEATURES)) features of the pairs (q, rows[i]); ``vectors(rows)`` gives unit vectors
    (m, d) of any rows (the overall index). An asker outside the catalogue (``q`` = -1) gets zeros."""
    rows = np.asarray(rows, np.int64)
    m = len(rows)
    out = np.zeros((m, len(GRAPH_FEATURES)))
    if q < 0 or not m:
        return out
    mine, my_links = graph.partners(q), graph.links(q)
    linked = np.zeros(graph.size)  # q's link strength to each row (0 = none)
    linked[mine] = my_links
    own = (linked[rows] > 0).astype(np.float64)  # 1 where the pair is already linked
    segment, theirs, their_links = graph.gather(rows)
    shared = linked[theirs] > 0  # z ∉ {q, c}: no self-loops, and z = q would need a link q–q
    out[:, 0] = np.bincount(segment, weights=shared, minlength=m)
    out[:, 1] = np.bincount(segment, weights=shared * graph.inverse_log_degree[theirs], minlength=m)
    out[:, 2] = np.bincount(segment, weights=linked[theirs] * their_links, minlength=m)
    deg_q = graph.degree[q] - own
    deg_c = graph.degree[rows] - own
    vq = vectors(np.array([q]))[0]
    if len(theirs):  # the candidate's partners against me, leaving me out
        reached, inverse = np.unique(theirs, return_inverse=True)
        cos_to_q = (vectors(reached) @ vq)[inverse] * (theirs != q)
        out[:, 3] = np.bincount(segment, weights=cos_to_q, minlength=m) / np.maximum(deg_c, 1)
    if len(mine):  # my partners against the candidate, leaving the candidate out
        cos = vectors(rows) @ vectors(mine).T  # (m, deg q)
        cos[mine[None, :] == rows[:, None]] = 0.0
        out[:, 4] = cos.sum(axis=1) / np.maximum(deg_q, 1)
    for j, name in enumerate(("country_pair", "kind_pair", "sector_pair"), start=5):
        out[:, j] = graph.priors[name].lift(q, rows, own)
    out[:, 8] = np.log1p(deg_c)
    out[:, 9] = np.log1p(deg_q)
    return out
