"""The learned ranker: LightGBM LambdaRank over the feature rows of :mod:`matcher.learned`, one group per
asker, label 1 for a candidate that became a partner. Saved as JSON text (the booster's own text format
plus what it was trained on), so a database row or a file can hold it.

Two learners, the better on the validation groups kept (``method="auto"``): LightGBM LambdaRank, and
coordinate ascent on a linear combination (:mod:`learning.linear`). Measured on CORDIS (validation inside
the history, see reports/evaluation.md): among LambdaRank settings, small trees (7 leaves) and a large
minimum leaf beat binary logistic loss, ``rank_xendcg`` and deeper trees; boosting stops when the
validation groups' nDCG@10 has not improved for 30 rounds. Neither learner dominates the other there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from learning.linear import LinearRanker, fit_coordinate_ascent
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

    def take(self, groups: np.ndarray) -> TrainingSet:
        """The groups at these indices (in this order), with their rows: folds of one feature computation."""
        groups = np.asarray(groups, np.int64)
        starts = np.concatenate([[0], np.cumsum(self.groups)[:-1]]).astype(np.int64)
        rows = (np.concatenate([np.arange(starts[g], starts[g] + self.groups[g]) for g in groups])
                if len(groups) else np.zeros(0, np.int64))
        return TrainingSet(x=self.x[rows], y=self.y[rows], groups=self.groups[groups], features=self.features)


@dataclass(frozen=True, kw_only=True)
class RankerModel:
    """A trained model (implements :class:`matcher.learned.PairModel`) and what it was trained on."""

    features: tuple[str, ...]
    booster: str  # LightGBM's model text ("" for the linear method)
    catalogue_version: int
    trained_at: str  # ISO 8601, UTC
    validation: dict[str, float]  # e.g. ndcg@10 of the model and of the weighted mean on held-back groups
    training: dict[str, int]  # groups, rows, positives
    method: str = "lambdarank"  # or "linear" (coordinate ascent)
    linear: dict[str, list[float]] | None = None  # the linear method's weights, means and scales
    _model: Any = field(default=None, init=False, repr=False, compare=False)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(m,) scores of feature rows (m, F), higher is better."""
        x = np.asarray(x, np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected (m, {len(self.features)}) features, got {x.shape}")
        if not len(x):
            return np.zeros(0)
        if self._model is None:
            object.__setattr__(self, "_model", self._load())
        return np.asarray(self._model.predict(x) if self.method == "linear"
                          else self._model.predict(x, num_threads=1), np.float64)

    def _load(self) -> Any:
        if self.method == "linear":
            return LinearRanker.from_dict(self.features, self.linear or {})
        import lightgbm as lgb

        return lgb.Booster(model_str=self.booster)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "features": list(self.features), "booster": self.booster,
                           "catalogue_version": self.catalogue_version, "trained_at": self.trained_at,
                           "validation": self.validation, "training": self.training, "method": self.method,
                           "linear": self.linear})

    @classmethod
    def from_json(cls, text: str) -> RankerModel:
        """Read a saved model; anything else is refused in one line."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT!r}")
            model = cls(features=tuple(str(f) for f in data["features"]), booster=str(data["booster"]),
                       catalogue_version=int(data["catalogue_version"]), trained_at=str(data["trained_at"]),
                       validation={str(k): float(v) for k, v in data["validation"].items()},
                       training={str(k): int(v) for k, v in data["training"].items()},
                       method=str(data.get("method", "lambdarank")), linear=data.get("linear"))
            if model.method not in ("lambdarank", "linear"):
                raise ValueError(f"unknown method {model.method!r}")
            if model.method == "linear":
                LinearRanker.from_dict(model.features, model.linear or {})
            return model
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
                 rounds: int = 300, seed: int = 0, threads: int = 2, method: str = "auto",
                 valid_relevant: np.ndarray | None = None) -> RankerModel:
    """Fit ``method`` ("lambdarank", "linear", or "auto": both, the better on ``valid`` kept) on ``train``;
    ``valid`` (held back by time, never the test) stops the boosting and is where the model's and the
    weighted mean's (the ``score`` feature) nDCG@10 are recorded; ``valid_relevant`` (g,) counts each
    validation group's true partners, missing candidates included."""
    if train.positives == 0:
        raise InvalidRequestError("no partnership to learn from in the training window")
    if valid is not None and valid.features != train.features:
        raise ValueError("training and validation sets have other features")
    usable = valid is not None and valid.positives > 0
    methods = ("lambdarank", "linear") if method == "auto" else (method,)
    if method == "auto" and not usable:
        methods = ("lambdarank",)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    counts = {"groups": len(train.groups), "rows": len(train.y), "positives": train.positives}
    fitted = []
    for name in methods:
        if name == "linear":
            linear = fit_coordinate_ascent(train.x, train.y, train.groups, train.features)
            model = RankerModel(features=train.features, booster="", catalogue_version=catalogue_version,
                                trained_at=stamp, validation={}, training=counts, method="linear",
                                linear=linear.to_dict())
        elif name == "lambdarank":
            booster = _lambdarank(train, valid if usable else None, rounds=rounds, seed=seed, threads=threads)
            model = RankerModel(features=train.features, booster=booster, catalogue_version=catalogue_version,
                                trained_at=stamp, validation={}, training=counts)
        else:
            raise ValueError(f"unknown method {name!r}; choose lambdarank, linear or auto")
        fitted.append(model)
    if not usable or valid is None:
        return fitted[0]
    scored = {m.method: ndcg_at_10(m.predict(valid.x), valid.y, valid.groups, valid_relevant) for m in fitted}
    chosen = max(fitted, key=lambda m: scored[m.method])
    chosen.validation.update({"ndcg@10": scored[chosen.method], "groups": float(len(valid.groups)),
                              **{f"ndcg@10_{k}": v for k, v in scored.items()}})
    if "score" in valid.features:
        chosen.validation["ndcg@10_weighted_mean"] = ndcg_at_10(valid.x[:, valid.features.index("score")], valid.y,
                                                                valid.groups, valid_relevant)
    return chosen


def cross_validate(data: TrainingSet, fold_of: np.ndarray, *, relevant: np.ndarray | None = None,
                   methods: tuple[str, ...] = ("lambdarank", "linear"), rounds: int = 300, seed: int = 0,
                   threads: int = 2) -> dict[str, float]:
    """nDCG@10 of each method (and of the weighted mean, the ``score`` feature, when present) with every group
    scored by the model fitted on the other folds: ``fold_of`` (g,) names each group's fold (e.g. by project,
    so a project's askers never train the model that scores them). The mean is over all groups, pooled.

    Why: one late validation window of a time-ordered history can hold a few large projects and flatter a
    learner (CORDIS: 0.31-0.35 on the latest 20 % against 0.15-0.16 cross-validated), so learners are
    compared, and the report quotes, cross-validated figures; LambdaRank runs its full ``rounds`` here (no
    early stopping: stopping on the scored fold would tune on it)."""
    fold_of = np.asarray(fold_of)
    if fold_of.shape != data.groups.shape:
        raise ValueError(f"fold_of has {fold_of.shape[0] if fold_of.ndim else 0} entries for {len(data.groups)} groups")
    relevant = np.asarray(relevant if relevant is not None else
                          np.add.reduceat(data.y > 0, np.concatenate([[0], np.cumsum(data.groups)[:-1]]))
                          if len(data.groups) else np.zeros(0), np.int64)
    order: list[np.ndarray] = []
    scores: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    for fold in np.unique(fold_of):
        test, train = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
        fit, held = data.take(train), data.take(test)
        if fit.positives == 0 or not len(held.y):
            continue
        order.append(test)
        for name in methods:
            model = train_ranker(fit, None, catalogue_version=0, rounds=rounds, seed=seed, threads=threads,
                                 method=name)
            scores[name].append(model.predict(held.x))
    if not order:
        return {}
    groups = np.concatenate(order)
    pooled = data.take(groups)
    out = {name: ndcg_at_10(np.concatenate(parts), pooled.y, pooled.groups, relevant[groups])
           for name, parts in scores.items()}
    if "score" in data.features:
        out["weighted_mean"] = ndcg_at_10(pooled.x[:, data.features.index("score")], pooled.y, pooled.groups,
                                          relevant[groups])
    return out


def _lambdarank(train: TrainingSet, valid: TrainingSet | None, *, rounds: int, seed: int, threads: int) -> str:
    import lightgbm as lgb

    params = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [10], "num_leaves": 7,
              "learning_rate": 0.05, "min_data_in_leaf": int(min(200, max(5, len(train.y) // 50))),
              "lambdarank_truncation_level": 10, "verbose": -1, "num_threads": threads, "seed": seed,
              "deterministic": True, "force_row_wise": True}
    names = [f.replace(" ", "_") for f in train.features]
    data = lgb.Dataset(train.x, train.y, group=train.groups, feature_name=names, free_raw_data=False)
    callbacks: list[Any] = []
    valid_sets: list[Any] = []
    if valid is not None:
        valid_sets = [lgb.Dataset(valid.x, valid.y, group=valid.groups, reference=data)]
        callbacks = [lgb.early_stopping(30, verbose=False)]
    booster = lgb.train(params, data, num_boost_round=rounds, valid_sets=valid_sets, callbacks=callbacks)
    return str(booster.model_to_string())
