"""What suggestions read besides the texts: the relationship graph over the catalogue's rows (edge strengths:
:mod:`matcher.relation_strength`), the meetings held, who each asker dismissed (marked a meeting
``not_relevant``), and the saved ranking model when it can be used. Built per (catalogue version,
relationships version, latest model id) and cached by :meth:`service.catalogue.Catalogue.graph_state`.

A saved model is used only if its features are exactly :func:`matcher.learned.feature_names` (suggest passes no
extra signal); otherwise it is refused (:class:`matcher.learned.ModelMismatchError`'s message), logged, and the
ranking falls back to the weighted mean, which ``note`` says. No model: the weighted mean, exactly as before.

Measured at 1M profiles (the bench's synthetic catalogue, 67k clusters; 2 cores under load from other work): built
from :func:`storage.relationships.load_relationships` the graph state took 12.1 s (11 s reading the 1M profile rows
through the ORM), most of the first suggestion after a start and, once more, of the first after each write. It is
now built from :class:`GraphSources` (clusters found by the kind index, the label priors built when first read,
rows mapped in bulk): 0.21-0.51 s from scratch; and after profile writes the previous state's sources are carried
forward with only the profiles changed since read (:func:`build_graph_state`): 40-120 ms per write (at 100k: 31 ms
and 5-10 ms)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from sqlalchemy import Engine

from learning.ranker import RankerModel
from matcher.errors import InvalidRequestError
from matcher.graph import RelationGraph
from matcher.ids import row_of_id, rows_of_ids
from matcher.learned import Learned, ModelMismatchError, feature_names
from matcher.relation_evidence import Relations
from matcher.relation_strength import dismissed, relations_of, strength
from matcher.relationships import Relationship
from matcher.suggestions import CatalogueView
from storage import repository as repo
from storage.dismissals import meeting_marks
from storage.models import latest_model
from storage.relationships import clusters_among, graph_sources, relationship_marks

log = logging.getLogger("ccimatch.catalogue")


@dataclass(frozen=True, kw_only=True)
class GraphState:
    key: tuple[int, int, int | None]  # catalogue version, relationships version, latest model id
    relations: Relations
    dismissed: Mapping[str, frozenset[str]]  # asker id -> ids it marked not_relevant after a meeting
    learned: Learned | None  # None: rank by the weighted mean
    model_id: int | None = None  # the saved model in use
    note: str = ""  # why the weighted mean although a model is saved
    sources: GraphSources | None = None  # what it was built from, carried to the next catalogue version

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


@dataclass(frozen=True, kw_only=True)
class GraphSources:
    """What a graph state was built from, in profile ids, carried to the next catalogue version: read in full
    once, then updated by the profiles written or deleted since (:func:`build_graph_state`)."""

    version: int  # the catalogue version the clusters were read at
    marks: tuple[int, int]  # storage.relationships.relationship_marks when read
    today: datetime.date  # the day the strengths were computed for
    others: tuple[Relationship, ...]  # stored partnerships and meetings held
    clusters: Mapping[str, tuple[datetime.date, tuple[str, ...]]]  # cluster id -> (last write day, members)
    edges: tuple[np.ndarray, np.ndarray, np.ndarray]  # cluster_member edges: cluster ids, member ids, strengths


class IdRows(Mapping[str, int]):
    """Profile id -> row over sorted ids (a binary search): what a dict of every id gives, without building one
    (a million entries cost 0.4 s per catalogue version)."""

    def __init__(self, ids: np.ndarray) -> None:
        self._ids = ids

    def __getitem__(self, profile_id: str) -> int:
        row = row_of_id(self._ids, profile_id)
        if row < 0:
            raise KeyError(profile_id)
        return row

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids.tolist())

    def __len__(self) -> int:
        return len(self._ids)


def build_graph_state(engine: Engine, view: CatalogueView, key: tuple[int, int, int | None],
                      previous: GraphState | None = None) -> GraphState:
    """Read the relationships, the dismissals and the latest model, and build the graph over ``view``'s rows.

    With ``previous`` (the state of an earlier catalogue version) whose relationships, day and model are still
    those of now, only the profiles written or deleted since are read: the graph is rebuilt from the carried
    sources in profile ids, mapped to ``view``'s rows in bulk (tests/service/catalogue/test_graph_state.py
    compares it with a build from scratch)."""
    today = datetime.datetime.now(datetime.UTC).date()
    marks = relationship_marks(engine)
    carried = _carried(engine, previous, marks, today, key[2])
    sources = carried or _read(engine, marks, today)
    ids = view.arrays.ids
    src, dst, weight = sources.edges
    a, b = rows_of_ids(ids, src), rows_of_ids(ids, dst)
    both = (a >= 0) & (b >= 0)
    named = sorted({r.source for r in sources.others} | {r.target for r in sources.others})
    named_rows = dict(zip(named, rows_of_ids(ids, np.array(named, dtype=str)).tolist(), strict=True))
    names = view.names if isinstance(view.names, list) else list(view.names)  # a state's list is never changed: not
    # copied again (a copy of 1M names took 18-22 ms, under load)
    relations = relations_of(sources.others, view.arrays, names, lambda pid: _row(named_rows, pid), today,
                             edges=(a[both], b[both], weight[both]))
    if carried is not None and previous is not None:
        model, model_id, note = (previous.learned.model if previous.learned is not None else None,
                                 previous.model_id, previous.note)
        gone = previous.dismissed
    else:
        found, model_id, note = saved_model(engine)
        model = found
        if note:
            log.warning(note)
        gone = dismissed(meeting_marks(engine))
    learned = None
    if model is not None:
        learned = Learned(graph=relations.graph, row_of=IdRows(ids), model=model)
    return GraphState(key=key, relations=relations, dismissed=gone, learned=learned,
                      model_id=model_id if model is not None else None, note=note, sources=sources)


CARRY_LIMIT = 1000  # profiles changed since the previous state beyond which the sources are read afresh


def _read(engine: Engine, marks: tuple[int, int], today: datetime.date) -> GraphSources:
    version, others, clusters = graph_sources(engine)
    return GraphSources(version=version, marks=marks, today=today, others=tuple(others), clusters=clusters,
                        edges=_cluster_edges(clusters, today))


def _carried(engine: Engine, previous: GraphState | None, marks: tuple[int, int], today: datetime.date,
             model_id: int | None) -> GraphSources | None:
    """``previous``'s sources brought to the catalogue now (the clusters written or deleted since read again),
    or None when they must be read afresh (other relationships, another day or model, too many changes)."""
    old = previous.sources if previous is not None else None
    if previous is None or old is None or (old.marks, old.today, previous.key[2]) != (marks, today, model_id):
        return None
    version, changed, deleted = repo.changes_since(engine, old.version)
    if len(changed) + len(deleted) > CARRY_LIMIT or version < old.version:
        return None
    touched = [p.id for p in changed if p.kind == "cluster" or p.id in old.clusters]
    touched += [i for i in deleted if i in old.clusters]
    if not touched:
        return replace(old, version=version)
    dropped = set(touched)
    clusters = {pid: v for pid, v in old.clusters.items() if pid not in dropped}
    clusters |= clusters_among(engine, [p.id for p in changed if p.kind == "cluster"])
    return replace(old, version=version, clusters=clusters, edges=_cluster_edges(clusters, today))


def _cluster_edges(clusters: Mapping[str, tuple[datetime.date, tuple[str, ...]]], today: datetime.date
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each cluster's edges to its members (each once, not itself) in ids, with the strength
    :func:`matcher.relation_strength.strength` gives a cluster_member relationship of the cluster's day."""
    src: list[str] = []
    dst: list[str] = []
    weight: list[float] = []
    for pid, (day, members) in clusters.items():
        linked = [m for m in dict.fromkeys(members) if m != pid]
        if linked:
            w = strength(Relationship(source=pid, target=linked[0], kind="cluster_member", date=day), today)
            src += [pid] * len(linked)
            dst += linked
            weight += [w] * len(linked)
    return np.array(src, dtype=str), np.array(dst, dtype=str), np.array(weight, np.float64)


def _row(found: Mapping[str, int], profile_id: str) -> int | None:
    """``view.row_of`` for the ids of the partnerships and meetings, mapped in bulk (no profile decoded per call)."""
    row = found.get(profile_id, -1)
    return row if row >= 0 else None
