"""The learned ranker: LightGBM LambdaRank over the feature rows of :mod:`matcher.learned`, one group per
asker, label 1 for a candidate that became a partner. Saved as JSON text (the booster's own text format
plus what it was trained on), so a database row or a file can hold it.

Design, measured on CORDIS (validation split inside the history, see reports/evaluation.md):
LambdaRank with small trees (7 leaves) and a large minimum leaf beat binary logistic loss and
``rank_xendcg``, and deeper trees overfit; boosting stops when the validation groups' nDCG@10 has not
improved for 30 rounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from matcher.errors import InvalidRequestError

FORMAT = "ccimatch-ranker/1"


@dataclass(frozen=True, kw_only=True)
class TrainingSet:
    """Feature rows (N, F) with labels (N,) in groups (one per asker, sizes summing to N)."""

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray  # (g,) int64 sizes
    features: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.x.shape != (len(self.y), len(self.features)) or int(np.sum(self.groups)) != len(self.y):
            raise ValueError(f"inconsistent training set: x {self.x.shape}, y {len(self.y)}, "
                             f"groups sum {int(np.sum(self.groups))}, {len(self.features)} features")

    @property
    def positives(self) -> int:
        return int(np.sum(self.y > 0))


@dataclass(frozen=True, kw_only=True)
class RankerModel:
    """A trained model (implements :class:`matcher.learned.PairModel`) and what it was trained on."""

    features: tuple[str, ...]
    booster: str  # LightGBM's model text
    catalogue_version: int
    trained_at: str  # ISO 8601, UTC
    validation: dict[str, float]  # e.g. ndcg@10 of the model and of the weighted mean on held-back groups
    training: dict[str, int]  # groups, rows, positives
    _model: Any = field(default=None, init=False, repr=False, compare=False)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(m,) scores of feature rows (m, F), higher is better."""
        if self._model is None:
            import lightgbm as lgb

            object.__setattr__(self, "_model", lgb.Booster(model_str=self.booster))
        x = np.asarray(x, np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected (m, {len(self.features)}) features, got {x.shape}")
        if not len(x):
            return np.zeros(0)
        return np.asarray(self._model.predict(x, num_threads=1), np.float64)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "features": list(self.features), "booster": self.booster,
                           "catalogue_version": self.catalogue_version, "trained_at": self.trained_at,
                           "validation": self.validation, "training": self.training})

    @classmethod
    def from_json(cls, text: str) -> RankerModel:
        """Read a saved model; anything else is refused in one line."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT!r}")
            return cls(features=tuple(str(f) for f in data["features"]), booster=str(data["booster"]),
                       catalogue_version=int(data["catalogue_version"]), trained_at=str(data["trained_at"]),
                       validation={str(k): float(v) for k, v in data["validation"].items()},
                       training={str(k): int(v) for k, v in data["training"].items()})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidRequestError(f"not a ccimatch ranking model: {exc}") from None


def ndcg_at_10(scores: np.ndarray, y: np.ndarray, groups: np.ndarray, relevant: np.ndarray | None = None
               ) -> float:
    """Mean nDCG@10 over groups of a flat score array; ``relevant`` (g,) is each group's number of true
    partners (defaults to the positives present), so partners missing from the candidates count as misses."""
    disc = 1.0 / np.log2(np.arange(2, 12))
    out, start = [], 0
    for i, size in enumerate(np.asarray(groups, np.int64)):
        s, lab = scores[start:start + size], y[start:start + size]
        start += size
        total = int(relevant[i]) if relevant is not None else int(np.sum(lab > 0))
        if total == 0:
            continue
        top = np.lexsort((np.arange(size), -s))[:10]
        out.append(float(np.sum((lab[top] > 0) * disc[: len(top)]) / disc[: min(total, 10)].sum()))
    return float(np.mean(out)) if out else float("nan")


def train_ranker(train: TrainingSet, valid: TrainingSet | None = None, *, catalogue_version: int,
                 rounds: int = 300, seed: int = 0, threads: int = 2) -> RankerModel:
    """Fit LambdaRank on ``train``; with ``valid`` (held back by time, never the test), stop when its
    nDCG@10 stalls and record the model's and the weighted mean's (the ``score`` feature) nDCG@10 there."""
    import lightgbm as lgb

    if train.positives == 0:
        raise InvalidRequestError("no partnership to learn from in the training window")
    params = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [10], "num_leaves": 7,
              "learning_rate": 0.05, "min_data_in_leaf": int(min(200, max(5, len(train.y) // 50))),
              "lambdarank_truncation_level": 10, "verbose": -1, "num_threads": threads, "seed": seed,
              "deterministic": True, "force_row_wise": True}
    names = [f.replace(" ", "_") for f in train.features]
    data = lgb.Dataset(train.x, train.y, group=train.groups, feature_name=names, free_raw_data=False)
    callbacks: list[Any] = []
    valid_sets: list[Any] = []
    if valid is not None and valid.positives:
        if valid.features != train.features:
            raise ValueError("training and validation sets have other features")
        valid_sets = [lgb.Dataset(valid.x, valid.y, group=valid.groups, reference=data)]
        callbacks = [lgb.early_stopping(30, verbose=False)]
    booster = lgb.train(params, data, num_boost_round=rounds, valid_sets=valid_sets, callbacks=callbacks)
    validation: dict[str, float] = {}
    model = RankerModel(features=train.features, booster=booster.model_to_string(),
                        catalogue_version=catalogue_version, trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        validation=validation, training={"groups": len(train.groups), "rows": len(train.y),
                                                         "positives": train.positives})
    if valid_sets and valid is not None:
        validation["ndcg@10"] = ndcg_at_10(model.predict(valid.x), valid.y, valid.groups)
        if "score" in valid.features:
            base = valid.x[:, valid.features.index("score")]
            validation["ndcg@10_weighted_mean"] = ndcg_at_10(base, valid.y, valid.groups)
        validation["groups"] = float(len(valid.groups))
    return model
