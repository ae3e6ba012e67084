"""Clusters: propose one, or find who abroad could join one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from matcher.taxonomy import KINDS, SECTORS
from service import params
from service.catalogue import extend_cluster, seed_cluster
from service.http.deps import CatalogueDep, ReaderDep
from service.http.schemas import ClusterExtendOut, ClusterExtendRequest, ClusterSeedOut, ClusterSeedRequest

router = APIRouter(prefix="/clusters", tags=["clusters"])


@router.post("/seed", response_model=ClusterSeedOut)
def seed(body: ClusterSeedRequest, cat: CatalogueDep, role: ReaderDep) -> Any:
    """A proposed cluster: members with roles and reasons, cohesion, sectors covered, alternatives, unmet."""
    params.codes("require", list(body.require), KINDS)
    require = {kind.strip().casefold(): count for kind, count in body.require.items()}
    return seed_cluster(cat, size=body.size, sectors=tuple(sorted(params.codes("sectors", body.sectors, SECTORS))),
                        theme=body.theme, countries=params.countries("countries", body.countries),
                        min_countries=body.min_countries, require=require, anchors=body.anchors)


@router.post("/extend", response_model=ClusterExtendOut)
def extend(body: ClusterExtendRequest, cat: CatalogueDep, role: ReaderDep) -> Any:
    """Who, in other countries, could join the cluster of these members (or of one kind=cluster profile)."""
    return extend_cluster(cat, body.members, k=body.k)
