"""Why a suggestion is there, from who already worked with whom: the partners the asker and the candidate share
(:meth:`matcher.graph.RelationGraph.common`, strongest first, up to two named and how many more) and a meeting
they already held at an event (with its best outcome). Shown beside the text evidence in the API, the CLI and
the web pages; the web pages translate them from the fields, the API and CLI read :meth:`RelationEvidence.text`.

A suggestion's candidates are looked up at once (:func:`relation_evidence_many`): one binary search for the asker
and all its candidates instead of two per candidate, and no pair looked at when the asker has no partner and no
meeting was held: 0.62-0.72 -> 0.03 ms for ten candidates on the 10k synthetic catalogue (no relationships; median
of 300, under load), 2-3 % of a suggestion there (issue 18)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.graph import RelationGraph
from matcher.ids import row_of_id, rows_of_ids

NAMED = 2  # shared partners named; the others are counted


@dataclass(frozen=True, kw_only=True)
class RelationEvidence:
    """One relationship reason: ``shared_partners`` (``partners`` named as (name, country), ``more`` not
    named) or ``met_at_event`` (``event`` name, ``outcome`` code, "" if none recorded)."""

    kind: str
    partners: tuple[tuple[str, str], ...] = ()
    more: int = 0
    event: str = ""
    outcome: str = ""

    def text(self) -> str:
        """In English, e.g. "works with Terres du Sud (FR), who also works with you"."""
        if self.kind == "met_at_event":
            said = f" ({self.outcome.replace('_', '-')})" if self.outcome else ""
            return f"already met at {self.event}{said}"
        named = [f"{name} ({country})" for name, country in self.partners]
        if self.more:
            named.append(f"{self.more} more")
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        return f"works with {listed}, who also {'works' if len(named) == 1 else 'work'} with you"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "partners": [{"name": n, "country": c} for n, c in self.partners],
                "more": self.more, "event": self.event, "outcome": self.outcome, "text": self.text()}


@dataclass(frozen=True, kw_only=True)
class Relations:
    """What explanations read: the graph over the whole catalogue's rows (every relationship, at today's
    strengths), those rows' sorted ``ids``, ``names`` and ``countries``, and the meetings held, by unordered pair
    of rows: (event name, best outcome), the most recent meeting. Read by id, so a sub-catalogue (an event's
    participants) is explained as the whole one."""

    graph: RelationGraph
    ids: np.ndarray  # (n,) sorted
    names: Sequence[str]
    countries: np.ndarray
    meetings: Mapping[tuple[int, int], tuple[str, str]] = field(default_factory=dict)

    def row(self, profile_id: str | None) -> int:
        """The row of ``profile_id`` in the graph, -1 if none."""
        if profile_id is None:
            return -1
        return row_of_id(self.ids, profile_id)


def relation_evidence(relations: Relations, asker_id: str | None, candidate_id: str) -> tuple[RelationEvidence, ...]:
    """The relationship reasons for a candidate of an asker (none for a draft, or a profile outside the graph)."""
    q, c = relations.row(asker_id), relations.row(candidate_id)
    return _evidence(relations, q, c) if q >= 0 and c >= 0 else ()


def relation_evidence_many(relations: Relations, asker_id: str | None,
                           candidate_ids: Sequence[str]) -> list[tuple[RelationEvidence, ...]]:
    """:func:`relation_evidence` for each of one asker's candidates: every row found in one binary search, and
    none of the pairs looked at when the asker has no partner and no meeting was held (most profiles)."""
    if asker_id is None or not len(candidate_ids):
        return [()] * len(candidate_ids)
    rows = rows_of_ids(relations.ids, np.array([asker_id, *candidate_ids], dtype=str)).tolist()
    q = rows[0]
    if q < 0 or (not len(relations.graph.partners(q)) and not relations.meetings):
        return [()] * len(candidate_ids)
    return [_evidence(relations, q, c) if c >= 0 else () for c in rows[1:]]


def _evidence(relations: Relations, q: int, c: int) -> tuple[RelationEvidence, ...]:
    """The reasons for the pair of graph rows (q, c)."""
    names, countries = relations.names, relations.countries
    out = []
    shared = relations.graph.common(q, c).tolist()
    if shared:
        out.append(RelationEvidence(kind="shared_partners",
                                    partners=tuple((names[z], str(countries[z])) for z in shared[:NAMED]),
                                    more=max(len(shared) - NAMED, 0)))
    met = relations.meetings.get((min(q, c), max(q, c)))
    if met is not None:
        out.append(RelationEvidence(kind="met_at_event", event=met[0], outcome=met[1]))
    return tuple(out)
