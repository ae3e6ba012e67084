"""A learned combination of the ranking's components and the relationship graph's features.

:func:`matcher.ranking.rank` takes an optional :class:`Learned`: the candidates it would score anyway,
plus the asker's partners-of-partners, get one feature row each (:func:`feature_names` says which
columns), and the model's prediction orders them instead of the weighted mean. Without it (no model
or too little history: the cold start), ranking is exactly the weighted mean, unchanged.

The model is anything with ``features`` and ``predict`` (:class:`PairModel`); the trained one lives
outside the domain (``learning/``, LightGBM), so this module stays numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from matcher.errors import ConflictError
from matcher.graph import GRAPH_FEATURES, RelationGraph, graph_features
from matcher.scoring import COMPONENTS


class PairModel(Protocol):
    """A trained scorer of feature rows: higher is a better partner."""

    @property
    def features(self) -> tuple[str, ...]: ...

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(m,) scores of feature rows (m, len(features)); nan means "does not apply"."""
        ...


class ModelMismatchError(ConflictError):
    """A model trained on other features than the ranking computes here (another catalogue or version)."""


def feature_names(signals: Iterable[str] = ()) -> tuple[str, ...]:
    """The feature columns, in order: the components, any extra signals, the fused score, the graph's."""
    return (*COMPONENTS, *sorted(signals), "score", *GRAPH_FEATURES)


@dataclass(frozen=True, kw_only=True)
class Learned:
    """What ranking with a learned model reads: the graph over catalogue rows, the row of each id, the
    model (None: compute the feature rows only, to train one). ``pool`` partners-of-partners (most shared
    partners first) join the candidates."""

    graph: RelationGraph
    row_of: Mapping[str, int]
    model: PairModel | None
    pool: int = 100

    def check(self, names: tuple[str, ...]) -> None:
        """Refuse a model whose features are not ``names`` (raises :class:`ModelMismatchError`)."""
        if self.model is None:
            return
        if tuple(self.model.features) != names:
            missing = sorted(set(names) - set(self.model.features))
            extra = sorted(set(self.model.features) - set(names))
            raise ModelMismatchError(
                "the ranking model was trained on other features"
                + (f"; it lacks {', '.join(missing)}" if missing else "")
                + (f"; it has {', '.join(extra)} this catalogue does not" if extra else "")
                + (" (same names, other order)" if not missing and not extra else ""))

    def asker_row(self, asker_id: str | None) -> int:
        return self.row_of.get(asker_id, -1) if asker_id is not None else -1

    def graph_candidates(self, q: int, mask: np.ndarray) -> np.ndarray:
        """Up to ``pool`` eligible partners of the asker's partners, most shared partners first."""
        if q < 0:
            return np.zeros(0, np.int64)
        rows, counts = self.graph.two_hop(q)
        keep = mask[rows]
        rows, counts = rows[keep], counts[keep]
        order = np.lexsort((rows, -counts))[: self.pool]
        return np.sort(rows[order]).astype(np.int64)

    def features(self, q: int, rows: np.ndarray, components: Mapping[str, np.ndarray], scores: np.ndarray,
                 signals: Mapping[str, np.ndarray], vectors: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """(m, len(feature_names(signals))) feature rows of the pairs (q, rows)."""
        text = [components[c] for c in COMPONENTS] + [signals[s] for s in sorted(signals)] + [scores]
        return np.column_stack([*text, graph_features(self.graph, q, rows, vectors)])

    def scores(self, x: np.ndarray) -> np.ndarray:
        """The model's predictions squashed to (0, 1) by the logistic function (order unchanged)."""
        if self.model is None:
            raise ValueError("a Learned without a model computes features only")
        raw = np.asarray(self.model.predict(x), np.float64)
        return np.asarray(1.0 / (1.0 + np.exp(-raw)))
