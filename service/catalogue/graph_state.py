"""What suggestions read besides the texts: the relationship graph over the catalogue's rows (edge strengths:
:mod:`matcher.relation_strength`), the meetings held, who each asker dismissed (marked a meeting
``not_relevant``), and the saved ranking model when it can be used. Built per (catalogue version,
relationships version, latest model id) and cached by :meth:`service.catalogue.Catalogue.graph_state`.

A saved model is used only if its features are exactly :func:`matcher.learned.feature_names` (suggest passes no
extra signal); otherwise it is refused (:class:`matcher.learned.ModelMismatchError`'s message), logged, and the
ranking falls back to the weighted mean, which ``note`` says. No model: the weighted mean, exactly as before."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import numpy as np
from sqlalchemy import Engine

from learning.ranker import RankerModel
from matcher.errors import InvalidRequestError
from matcher.graph import RelationGraph
from matcher.learned import Learned, ModelMismatchError, feature_names
from matcher.relation_evidence import Relations
from matcher.relation_strength import dismissed, relations_of
from matcher.suggestions import CatalogueView
from storage.dismissals import meeting_marks
from storage.models import latest_model
from storage.relationships import load_relationships

log = logging.getLogger("ccimatch.catalogue")


@dataclass(frozen=True, kw_only=True)
class GraphState:
    key: tuple[int, int, int | None]  # catalogue version, relationships version, latest model id
    relations: Relations
    dismissed: Mapping[str, frozenset[str]]  # asker id -> ids it marked not_relevant after a meeting
    learned: Learned | None  # None: rank by the weighted mean
    model_id: int | None = None  # the saved model in use
    note: str = ""  # why the weighted mean although a model is saved

    @property
    def ranking(self) -> str:
        return "learned" if self.learned is not None else "weighted_mean"


@cache
def _empty_graph() -> RelationGraph:
    none = np.zeros(0, np.int64)
    return RelationGraph.build(0, none, none, np.zeros(0), countries=np.zeros(0, "<U2"), kinds=np.zeros(0, "<U2"),
                               sectors=np.zeros((0, 1), bool))


def model_problem(model: RankerModel) -> str | None:
    """Why ``model`` cannot rank suggestions here (its features are not this ranking's), or None."""
    try:
        Learned(graph=_empty_graph(), row_of={}, model=model).check(feature_names())
    except ModelMismatchError as exc:
        return str(exc)
    return None


def saved_model(engine: Engine) -> tuple[RankerModel | None, int | None, str]:
    """(the latest saved ranking model if usable, its id, why not if not)."""
    stored = latest_model(engine)
    if stored is None:
        return None, None, ""
    try:
        model = RankerModel.from_json(stored.body)
    except InvalidRequestError as exc:
        return None, stored.id, f"ranking model {stored.id} refused: {exc}; ranking by the weighted mean"
    problem = model_problem(model)
    if problem is not None:
        return None, stored.id, (f"ranking model {stored.id} refused: {problem}; ranking by the weighted mean "
                                 "(train it again: ccimatch model train-ranker)")
    return model, stored.id, ""


def build_graph_state(engine: Engine, view: CatalogueView, key: tuple[int, int, int | None]) -> GraphState:
    """Read the relationships, the dismissals and the latest model, and build the graph over ``view``'s rows."""
    today = datetime.now(UTC).date()
    relations = relations_of(load_relationships(engine), view.arrays, list(view.names), view.row_of, today)
    model, model_id, note = saved_model(engine)
    if note:
        log.warning(note)
    learned = None
    if model is not None:
        learned = Learned(graph=relations.graph, row_of={pid: i for i, pid in enumerate(view.arrays.ids.tolist())},
                          model=model)
    return GraphState(key=key, relations=relations, dismissed=dismissed(meeting_marks(engine)), learned=learned,
                      model_id=model_id if model is not None else None, note=note)
