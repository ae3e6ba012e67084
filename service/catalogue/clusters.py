"""Clusters on the catalogue: propose one (:func:`seed_cluster`), score a member set with the same objective
(:func:`evaluate_cluster`, e.g. after a coordinator swapped a member for an alternative) or find who abroad
could join one (:func:`extend_cluster`); the objective and the greedy search are :mod:`matcher.clusters`.
Seeding and evaluating read the catalogue's relationship graph (who already worked together)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.cluster_extend import extend_cluster as rank_joiners
from matcher.clusters import ClusterParams, Focus
from matcher.clusters import evaluate_cluster as evaluate
from matcher.clusters import seed_cluster as seed
from matcher.constraints import Constraints
from matcher.errors import InvalidRequestError
from matcher.graph import RelationGraph
from matcher.suggestions import check_text
from service.catalogue.cluster_views import group_json
from service.catalogue.index import Catalogue, State


@dataclass(frozen=True, kw_only=True)
class _Setting:
    """A seed request resolved against the catalogue's current state."""

    st: State
    focus: Focus
    constraints: Constraints
    params: ClusterParams
    anchors: list[int]
    graph: RelationGraph


def _setting(cat: Catalogue, *, size: int, sectors: tuple[str, ...], theme: str | None, countries: frozenset[str],
             min_countries: int, require: Mapping[str, int] | None, anchors: Sequence[str]) -> _Setting:
    if not sectors and not theme and not anchors:
        raise InvalidRequestError("give a focus: sectors, a theme or anchor members")
    check_text("theme", theme or "")
    st = cat.state()
    rows = [st.row_of(cat.profile(a).id) for a in anchors]
    focus = Focus(theme=cat.vectors([theme], role="query")[0] if theme else None, sectors=sectors)
    params = ClusterParams(size=size, min_countries=min_countries, require=dict(require or {}))
    return _Setting(st=st, focus=focus, constraints=Constraints(countries=countries), params=params,
                    anchors=[r for r in rows if r is not None], graph=cat.graph_state(st).relations.graph)


def seed_cluster(cat: Catalogue, *, size: int, sectors: tuple[str, ...] = (), theme: str | None = None,
                 countries: frozenset[str] = frozenset(), min_countries: int = 1,
                 require: Mapping[str, int] | None = None, anchors: Sequence[str] = ()) -> dict[str, Any]:
    """A proposed cluster (see matcher.clusters): members with roles, fit and its parts, offer ↔ need evidence,
    gaps filled, ties and alternatives per slot (with the change of the objective if swapped); the objective,
    cohesion and quality of the whole; the countries asked for but missing, with why; and any constraint that
    could not be met (:func:`service.catalogue.cluster_views.group_json`)."""
    s = _setting(cat, size=size, sectors=sectors, theme=theme, countries=countries, min_countries=min_countries,
                 require=require, anchors=anchors)
    st = s.st
    try:
        seeded = seed(st.arrays, st.indexes, s.focus, s.constraints, s.params, anchors=s.anchors, graph=s.graph)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from None
    return group_json(st, seeded)


def evaluate_cluster(cat: Catalogue, member_ids: Sequence[str], *, size: int | None = None,
                     sectors: tuple[str, ...] = (), theme: str | None = None, countries: frozenset[str] = frozenset(),
                     min_countries: int = 1, require: Mapping[str, int] | None = None,
                     anchors: Sequence[str] = ()) -> dict[str, Any]:
    """``member_ids`` (in the order shown) scored with the objective of :func:`seed_cluster` for the same
    request, so that a coordinator who swaps a member for an alternative sees the new cohesion and objective: the
    seed's own members get the seed's figures, and a swap to a listed alternative the seed's objective plus that
    alternative's ``delta``. The same shape as :func:`seed_cluster`; what the set does not meet is in
    ``shortfalls`` (data) and ``unmet`` (English). ``size`` defaults to the number of members."""
    if not member_ids:
        raise InvalidRequestError("give the members to evaluate")
    if len(set(member_ids)) != len(member_ids):
        raise InvalidRequestError("a member is listed twice")
    s = _setting(cat, size=size or len(member_ids), sectors=sectors, theme=theme, countries=countries,
                 min_countries=min_countries, require=require, anchors=anchors)
    st = s.st
    rows = [_row(st.row_of(cat.profile(i).id)) for i in member_ids]
    result = evaluate(st.arrays, st.indexes, s.focus, s.constraints, s.params, rows, anchors=s.anchors,
                      graph=s.graph)
    return group_json(st, result)


def extend_cluster(cat: Catalogue, member_ids: Sequence[str], *, k: int = 10,
                   constraints: Constraints | None = None) -> dict[str, Any]:
    """Who, in other countries, could join the cluster made of ``member_ids``, or of the members listed
    by a kind=cluster profile when that profile's id is the only one given."""
    st = cat.state()
    cluster, missing = None, []
    if len(member_ids) == 1 and cat.profile(member_ids[0]).kind == "cluster":
        cluster = cat.profile(member_ids[0])
        if not cluster.members:
            raise InvalidRequestError(f"cluster {cluster.id!r}: field 'members' is empty; list its members in "
                                      "the profile or give their ids")
        missing = [m for m in cluster.members if cat.find(m) is None]
        member_ids = [m for m in cluster.members if m not in missing]
        if not member_ids:
            raise InvalidRequestError(f"cluster {cluster.id!r}: none of its members is in the catalogue "
                                      f"({', '.join(missing)})")
    rows = [_row(st.row_of(cat.profile(i).id)) for i in member_ids]
    exclude = [_row(st.row_of(cluster.id))] if cluster else []
    top, scores, parts = rank_joiners(st.arrays, st.indexes, rows, constraints or Constraints(), k=k,
                                      exclude=exclude)
    return {"cluster": cluster.id if cluster else None, "members": list(member_ids), "missing_members": missing,
            "candidates": [
                {"id": st.profiles[r].id, "name": st.profiles[r].name, "country": st.profiles[r].country,
                 "kind": st.profiles[r].kind, "score": round(float(sc), 4),
                 "components": {c: round(float(v[i]), 4) for c, v in parts.items()}}
                for i, (r, sc) in enumerate(zip(top.tolist(), scores, strict=True))]}


def _row(row: int | None) -> int:
    assert row is not None  # cat.profile() found the id in the same state
    return row
