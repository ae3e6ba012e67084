"""Training the learned ranker on the stored history (issue #16 point 3), without leakage:

1. the relationships that say two organisations became partners (partnerships, meetings held with outcome useful,
   follow_up or agreement: :func:`matcher.relation_strength.is_label`) are sorted by date; the most recent 20 %
   (from the first date of that fifth on) are the **labels**;
2. the graph the features are computed from holds only relationships dated **strictly before** that cut (every
   kind), at the strengths they had at the cut;
3. every profile with a label partner is a query group: its candidates are what suggest scores (the three text
   channels under its cross-border constraints, plus partners of its partners in that graph), label 1 for its
   label partners; the last 20 % of the labels (by date) are held back as validation groups, for early stopping
   and to compare the model with the weighted mean (nDCG@10 over the same candidates).

Too little history is refused (:class:`NotEnoughHistoryError`, exit 2 on the command line): fewer than
:data:`MIN_LABELS` label relationships in the window or fewer than :data:`MIN_GROUPS` groups with a label partner
among their candidates. With 30 labels the validation holds 6, the fewest from which nDCG@10 says anything; on
the synthetic history of tests/service/catalogue/test_training.py the model first beats the weighted mean at
about that size."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from learning.ranker import RankerModel, TrainingSet, train_ranker
from matcher.asker import asker_constraints
from matcher.constraints import Constraints
from matcher.errors import InvalidRequestError
from matcher.learned import Learned, feature_names
from matcher.ranking import RankingParams, candidates
from matcher.relation_strength import is_label, relation_graph
from matcher.relationships import Relationship
from matcher.suggestions import asker_of, draft_of
from service.catalogue.index import Catalogue, State
from storage.models import StoredModel, save_model
from storage.relationships import load_relationships

LABEL_SHARE = 0.2  # the most recent fifth of the partnerships are the labels
VALID_SHARE = 0.2  # the most recent fifth of the labels validate
MIN_LABELS = 30
MIN_GROUPS = 10


class NotEnoughHistoryError(InvalidRequestError):
    """Too few relationships to learn a ranking from; the weighted mean stays."""


@dataclass(frozen=True, kw_only=True)
class HistorySplit:
    history: tuple[Relationship, ...]  # every relationship dated strictly before ``cut``: the features' graph
    train: tuple[Relationship, ...]  # label relationships from ``cut``, the older 80 %
    valid: tuple[Relationship, ...]  # the newest 20 % of them
    cut: datetime.date
    labels: int  # label relationships in the whole history


def split_history(relationships: Sequence[Relationship]) -> HistorySplit:
    """The time-ordered split described in the module docstring; refuses too little history."""
    labels = sorted((r for r in relationships if is_label(r)), key=lambda r: (r.date, r.key))
    if not labels:
        raise NotEnoughHistoryError(
            f"not enough history to learn from: no partnership or useful meeting stored, at least {MIN_LABELS} "
            "needed in the training window; ranking stays the weighted mean")
    cut = labels[min(int(len(labels) * (1 - LABEL_SHARE)), len(labels) - 1)].date
    window = [r for r in labels if r.date >= cut]
    if len(window) < MIN_LABELS:
        raise NotEnoughHistoryError(
            f"not enough history to learn from: {len(window)} partnerships in the training window (the most "
            f"recent 20 % of {len(labels)} partnerships and useful meetings, from {cut.isoformat()}), at least "
            f"{MIN_LABELS} needed; ranking stays the weighted mean")
    at = int(len(window) * (1 - VALID_SHARE))
    return HistorySplit(history=tuple(r for r in relationships if r.date < cut), train=tuple(window[:at]),
                        valid=tuple(window[at:]), cut=cut, labels=len(labels))


def _partners(found: Sequence[Relationship]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in found:
        out.setdefault(r.source, set()).add(r.target)
        out.setdefault(r.target, set()).add(r.source)
    return out


def query_groups(cat: Catalogue, st: State, learned: Learned, partners: Mapping[str, set[str]],
                 params: RankingParams | None = None) -> tuple[TrainingSet, int]:
    """One group per asker in ``partners`` (id -> its label partners) with a label partner among its candidates
    (:func:`matcher.ranking.candidates`: what suggest scores, with ``learned``'s graph; its model is None): the
    candidates' feature rows, label 1 for a partner; and how many askers had none (left out)."""
    params = params or RankingParams()
    askers = {pid: st.profiles[row] for pid in sorted(partners) if (row := st.row_of(pid)) is not None}
    drafts = {pid: draft_of(p) for pid, p in askers.items()}
    encoded = cat.vectors([t for d in drafts.values() for t in d.query_texts()], role="query") if drafts else None
    xs, ys, groups, missed, at = [], [], [], 0, 0
    for pid, draft in drafts.items():
        n = len(draft.query_texts())
        assert encoded is not None
        asker = asker_of(draft, encoded[at:at + n], id=pid)
        at += n
        found = candidates(asker, st.arrays, st.indexes, asker_constraints(Constraints(), asker), params=params,
                           learned=learned)
        y = np.isin(st.arrays.ids[found.rows], sorted(partners[pid])).astype(np.float64)
        if found.features is None or not y.any():
            missed += 1
            continue
        xs.append(found.features)
        ys.append(y)
        groups.append(len(found.rows))
    names = feature_names()
    if not groups:
        return TrainingSet(x=np.zeros((0, len(names))), y=np.zeros(0), groups=np.zeros(0, np.int64),
                           features=names), missed
    return TrainingSet(x=np.vstack(xs), y=np.concatenate(ys), groups=np.array(groups, np.int64),
                       features=names), missed


@dataclass(frozen=True, kw_only=True)
class TrainingReport:
    model: RankerModel
    stored: StoredModel
    split: HistorySplit
    groups: dict[str, int]  # train / valid groups used, askers left out (no label partner among candidates)

    def to_dict(self) -> dict[str, Any]:
        return {"model_id": self.stored.id, "catalogue_version": self.model.catalogue_version,
                "trained_at": self.model.trained_at, "features": list(self.model.features),
                "validation": self.model.validation, "training": self.model.training,
                "cut": self.split.cut.isoformat(), "labels": {"all": self.split.labels, "train": len(self.split.train),
                                                              "valid": len(self.split.valid)},
                "groups": self.groups}


def train(cat: Catalogue, *, threads: int = 2, seed: int = 0) -> TrainingReport:
    """Split the stored history by time, build the query groups, train, save the model as the latest."""
    st = cat.state()
    split = split_history(load_relationships(cat.engine))
    graph = relation_graph(split.history, st.arrays, st.row_of, split.cut)
    learned = Learned(graph=graph, row_of={pid: i for i, pid in enumerate(st.arrays.ids.tolist())}, model=None)
    train_set, train_missed = query_groups(cat, st, learned, _partners(split.train))
    valid_set, valid_missed = query_groups(cat, st, learned, _partners(split.valid))
    if len(train_set.groups) < MIN_GROUPS or not len(valid_set.groups):
        raise NotEnoughHistoryError(
            f"not enough history to learn from: {len(train_set.groups)} profiles with a partner among their "
            f"candidates in the training window and {len(valid_set.groups)} in the validation window, at least "
            f"{MIN_GROUPS} and 1 needed; ranking stays the weighted mean")
    model = train_ranker(train_set, valid_set, catalogue_version=st.version, threads=threads, seed=seed)
    stored = save_model(cat.engine, model.to_json(), catalogue_version=st.version)
    return TrainingReport(model=model, stored=stored, split=split,
                          groups={"train": len(train_set.groups), "valid": len(valid_set.groups),
                                  "left_out": train_missed + valid_missed})
