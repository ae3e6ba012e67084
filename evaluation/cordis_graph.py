"""The CORDIS history as a relationship graph (:class:`matcher.graph.RelationGraph`) over the protocol's
organisations: two organisations are linked when they were members of one history project, with a
strength that decays with the project's age (grant numbers grow with time). Held-out projects are never
in it (the leakage rule), so a held-out pair is scored without its own edge."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from evaluation.cordis import Protocol
from matcher.graph import RelationGraph

HALF_LIFE = 0.25  # of the history's grant-number range: a link's strength halves every quarter of it


def history_graph(protocol: Protocol, row_of: Mapping[str, int], *, max_members: int = 60) -> RelationGraph:
    """Every pair of members of each history project (projects above ``max_members`` members, the large
    networks where membership says little about working together, are left out), strongest link kept."""
    pids = sorted(protocol.split.history)
    lo, hi = (pids[0], pids[-1]) if pids else (0, 1)
    a_parts, b_parts, w_parts = [], [], []
    for pid in pids:
        members = np.array([row_of[o] for o in protocol.data.members[pid] if o in row_of], np.int64)
        if not 2 <= len(members) <= max_members:
            continue
        age = (hi - pid) / max(hi - lo, 1)
        a, b = np.triu_indices(len(members), k=1)
        a_parts.append(members[a])
        b_parts.append(members[b])
        w_parts.append(np.full(len(a), 0.5 ** (age / HALF_LIFE)))
    n = len(row_of)
    ids = sorted(row_of, key=row_of.__getitem__)
    orgs = protocol.data.orgs
    empty = np.zeros(0, np.int64)
    return RelationGraph.build(
        n, np.concatenate(a_parts) if a_parts else empty, np.concatenate(b_parts) if b_parts else empty,
        np.concatenate(w_parts) if w_parts else np.zeros(0),
        countries=np.array([orgs[o].country for o in ids]), kinds=np.array([orgs[o].kind for o in ids]),
        sectors=np.zeros((n, 0), bool))
