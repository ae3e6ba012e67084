"""Relationships between profiles: list (derived ones included) by profile and kind, read, add, delete and import
partnerships. Reads as profiles' (reader, open with ``--demo``), writes as profiles' (editor)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi import Path as FastPath

from matcher.relationships import Relationship
from service.catalogue import (
    add_relationship,
    delete_relationship,
    get_relationship,
    import_relationships,
    list_relationships,
)
from service.http.deps import CatalogueDep, EditorDep, ReaderDep, upload_records
from service.http.responses import JSONResponse
from service.http.schemas import RelationshipImportReport, RelationshipIn, RelationshipOut

router = APIRouter(prefix="/relationships", tags=["relationships"])
RelationshipId = Annotated[int, FastPath(ge=1, le=2**31 - 1)]


def out(found: Relationship) -> dict[str, Any]:
    return found.to_dict()


@router.get("", response_model=list[RelationshipOut])
def relationships(cat: CatalogueDep, role: ReaderDep,
                  profile: Annotated[str | None, Query(max_length=64, description="only this profile's")] = None,
                  kind: Annotated[str | None, Query(max_length=100, description="partnership, cluster_member, "
                                                                                "met_at_event (comma-separated)")]
                  = None) -> list[dict[str, Any]]:
    """Every relationship, stored or derived (cluster members, meetings held at events), filtered."""
    return [out(r) for r in list_relationships(cat, profile=profile, kind=kind)]


@router.get("/{relationship_id}", response_model=RelationshipOut)
def relationship(relationship_id: RelationshipId, cat: CatalogueDep, role: ReaderDep) -> dict[str, Any]:
    """A stored partnership."""
    return out(get_relationship(cat, relationship_id))


@router.post("", response_model=RelationshipOut, status_code=201, responses={200: {"model": RelationshipOut}})
def add(body: RelationshipIn, cat: CatalogueDep, role: EditorDep) -> Any:
    """Add a partnership (201); the same pair, kind and reference as a stored one updates it (200)."""
    found, new = add_relationship(cat, body.model_dump())
    return out(found) if new else JSONResponse(out(found), 200)


@router.delete("/{relationship_id}", status_code=204)
def remove(relationship_id: RelationshipId, cat: CatalogueDep, role: EditorDep) -> Response:
    """Delete a stored partnership."""
    delete_relationship(cat, relationship_id)
    return Response(status_code=204)


@router.post("/import", response_model=RelationshipImportReport, responses={422: {"model": RelationshipImportReport}})
def import_file(cat: CatalogueDep, role: EditorDep, file: Annotated[UploadFile, File()], atomic: bool = True) -> Any:
    """Partnerships from a CSV, Excel, JSON, JSON Lines or Parquet file (source, target, kind, date, origin,
    reference): all or none (``atomic``, the default), or the good rows; 422 when nothing was written."""
    report = import_relationships(cat, upload_records(file), atomic=atomic).to_dict()
    return report if report["written"] or not report["errors"] else JSONResponse(report, 422)
