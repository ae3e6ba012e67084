"""How strong a relationship is as an edge of :class:`matcher.graph.RelationGraph`: one table of weights by kind
and outcome, times a recency factor, in one place (issue #16).

- ``partnership`` 1.0: a project or contract done together is the strongest evidence;
- ``met_at_event`` by the best outcome either side recorded: agreement 1.0, follow_up 0.8, useful 0.5, none
  recorded 0.3 (a meeting held says little by itself); ``not_relevant`` and ``no_show`` are **not** edges;
- ``cluster_member`` 0.5: belonging to one cluster is a weaker tie than working together;
- recency: ``0.5 ** (age_years / 5)`` (a five-year half-life; a relationship dated in the future counts as new).

An asker who marked a meeting ``not_relevant`` is never suggested that partner again (:func:`dismissed`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from matcher.constraints import CatalogueArrays
from matcher.graph import RelationGraph
from matcher.relation_evidence import Relations
from matcher.relationships import Relationship

KIND_WEIGHT: Mapping[str, float] = {"partnership": 1.0, "cluster_member": 0.5}
MEETING_WEIGHT: Mapping[str, float] = {"agreement": 1.0, "follow_up": 0.8, "useful": 0.5, "": 0.3}
NOT_EDGES: frozenset[str] = frozenset({"not_relevant", "no_show"})  # meeting outcomes that link nobody
HALF_LIFE_YEARS = 5.0
LEARNED_FROM: Mapping[str, frozenset[str]] = {  # what counts as "became partners" for training labels
    "partnership": frozenset({""}), "met_at_event": frozenset({"useful", "follow_up", "agreement"})}


def kind_weight(r: Relationship) -> float:
    """The weight of a relationship's kind and outcome, before recency (0 = not an edge)."""
    if r.kind == "met_at_event":
        return 0.0 if r.outcome in NOT_EDGES else MEETING_WEIGHT.get(r.outcome, 0.0)
    return KIND_WEIGHT.get(r.kind, 0.0)


def recency(day: datetime.date, today: datetime.date) -> float:
    """``0.5 ** (age in years / 5)``, at most 1."""
    age = max((today - day).days, 0) / 365.25
    return float(0.5 ** (age / HALF_LIFE_YEARS))


def strength(r: Relationship, today: datetime.date) -> float:
    """Edge strength in [0, 1]: kind/outcome weight × recency."""
    return kind_weight(r) * recency(r.date, today)


def is_label(r: Relationship) -> bool:
    """Whether a relationship counts as two organisations having become partners (a training label)."""
    return r.outcome in LEARNED_FROM.get(r.kind, frozenset())


Edges = tuple[np.ndarray, np.ndarray, np.ndarray]  # rows a, rows b, strengths (> 0)


def relation_graph(relationships: Iterable[Relationship], arrays: CatalogueArrays,
                   row_of: Callable[[str], int | None], today: datetime.date, *, edges: Edges | None = None
                   ) -> RelationGraph:
    """The graph over catalogue rows of ``relationships`` (those naming a profile outside it are skipped) and of
    ``edges`` already in rows and strengths (the cluster members, mapped in bulk by the caller)."""
    a, b, w = [], [], []
    for r in relationships:
        s, t, weight = row_of(r.source), row_of(r.target), strength(r, today)
        if s is not None and t is not None and weight > 0:
            a.append(s)
            b.append(t)
            w.append(weight)
    more = edges or (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    return RelationGraph.build(len(arrays.ids), np.concatenate([np.array(a, np.int64), more[0]]),
                               np.concatenate([np.array(b, np.int64), more[1]]),
                               np.concatenate([np.array(w, np.float64), more[2]]),
                               countries=arrays.countries, kinds=arrays.kinds, sectors=arrays.sectors)


def dismissed(marks: Sequence[tuple[str, str, str]]) -> dict[str, frozenset[str]]:
    """Who each asker must not be suggested: from (who marked, the other side, outcome) of meeting outcomes,
    the other side of every meeting the asker itself marked ``not_relevant``."""
    out: dict[str, set[str]] = {}
    for who, other, outcome in marks:
        if outcome == "not_relevant":
            out.setdefault(who, set()).add(other)
    return {k: frozenset(v) for k, v in out.items()}


def relations_of(relationships: Iterable[Relationship], arrays: CatalogueArrays, names: Sequence[str],
                 row_of: Callable[[str], int | None], today: datetime.date, *, edges: Edges | None = None
                 ) -> Relations:
    """The graph of every relationship (and of ``edges``, see :func:`relation_graph`) at today's strengths, and
    the meetings held (not those marked not_relevant or no_show) by unordered pair of rows: the most recent one's
    event name and best outcome."""
    found = list(relationships)
    meetings: dict[tuple[int, int], tuple[datetime.date, str, str]] = {}
    for r in found:
        if r.kind != "met_at_event" or r.outcome in NOT_EDGES:
            continue
        s, t = row_of(r.source), row_of(r.target)
        if s is None or t is None:
            continue
        pair = (min(s, t), max(s, t))
        if pair not in meetings or meetings[pair][0] <= r.date:
            meetings[pair] = (r.date, r.origin, r.outcome)
    return Relations(graph=relation_graph(found, arrays, row_of, today, edges=edges), ids=arrays.ids, names=names,
                     countries=arrays.countries,
                     meetings={pair: (name, outcome) for pair, (_, name, outcome) in meetings.items()})
