"""Clusters on the catalogue: propose one (:func:`seed_cluster`) or find who abroad could join one
(:func:`extend_cluster`); the objective and the greedy search are :mod:`matcher.clusters`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matcher.clusters import ClusterParams, Focus, Member
from matcher.clusters import extend_cluster as rank_joiners
from matcher.clusters import seed_cluster as seed
from matcher.constraints import Constraints
from matcher.errors import InvalidRequestError
from matcher.suggestions import check_text
from service.catalogue.index import Catalogue


def seed_cluster(cat: Catalogue, *, size: int, sectors: tuple[str, ...] = (), theme: str | None = None,
                 countries: frozenset[str] = frozenset(), min_countries: int = 1,
                 require: Mapping[str, int] | None = None, anchors: Sequence[str] = ()) -> dict[str, Any]:
    """A proposed cluster (see matcher.clusters): members with roles and reasons, cohesion,
    sectors covered, alternatives per slot, and any constraint that could not be met."""
    if not sectors and not theme and not anchors:
        raise InvalidRequestError("give a focus: sectors, a theme or anchor members")
    check_text("theme", theme or "")
    st = cat.state()
    rows = [st.row_of(cat.profile(a).id) for a in anchors]
    focus = Focus(theme=cat.vectors([theme], role="query")[0] if theme else None, sectors=sectors)
    params = ClusterParams(size=size, min_countries=min_countries, require=dict(require or {}))
    try:
        seeded = seed(st.arrays, st.indexes, focus, Constraints(countries=countries), params,
                      anchors=[r for r in rows if r is not None])
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from None
    by_row = {m.row: m for m in seeded.members}

    def reason(m: Member) -> str:
        parts = [f"fit {m.fit:.2f} with the focus"]
        parts += [f"offers what {st.profiles[c].name} needs" for c in m.complements]
        if m.new_country:
            parts.append(f"brings {st.profiles[m.row].country}")
        return ("anchor; " if m.anchor else "") + "; ".join(parts)

    return {
        "members": [{"id": st.profiles[m.row].id, "name": st.profiles[m.row].name,
                     "country": st.profiles[m.row].country, "kind": st.profiles[m.row].kind, "role": m.role,
                     "reason": reason(m)} for m in by_row.values()],
        "cohesion": seeded.cohesion, "sectors_covered": list(seeded.sectors_covered),
        "alternatives": {st.profiles[r].id: [st.profiles[a].id for a in alts]
                         for r, alts in seeded.alternatives.items()},
        "unmet": list(seeded.unmet),
    }


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
