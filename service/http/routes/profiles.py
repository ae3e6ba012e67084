"""Profiles: create, replace, change, read, delete, browse, import a file."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile

from matcher.errors import InvalidValueError
from matcher.profile import Profile
from matcher.taxonomy import KINDS, SECTORS
from service import params
from service.catalogue import browse, create, delete, ingest, patch, put
from service.http.deps import CatalogueDep, EditorDep, ReaderDep, upload_records
from service.http.responses import JSONResponse
from service.http.schemas import ImportReport, ProfileIn, ProfileOut, ProfilePage, ProfilePatch

router = APIRouter(prefix="/profiles", tags=["profiles"])


def out(profile: Profile, role: str | None) -> ProfileOut:
    """A profile as a client sees it: ``contact_email`` for admin keys only."""
    return ProfileOut(**profile.to_record(private=role == "admin"))


@router.post("", response_model=ProfileOut, status_code=201)
def create_profile(body: ProfileIn, cat: CatalogueDep, role: EditorDep) -> ProfileOut:
    """Add a profile (409 if the id exists)."""
    return out(create(cat, body.model_dump()), role)


@router.put("/{profile_id}", response_model=ProfileOut)
def put_profile(profile_id: str, body: ProfileIn, cat: CatalogueDep, role: EditorDep) -> ProfileOut:
    """Create or replace a profile."""
    if body.id != profile_id:
        raise InvalidValueError("id", body.id, f"body id {body.id!r} differs from the path id {profile_id!r}")
    return out(put(cat, body.model_dump()), role)


@router.patch("/{profile_id}", response_model=ProfileOut)
def patch_profile(profile_id: str, body: ProfilePatch, cat: CatalogueDep, role: EditorDep) -> ProfileOut:
    """Change some fields of a profile."""
    return out(patch(cat, profile_id, body.model_dump(exclude_unset=True)), role)


@router.get("/{profile_id}", response_model=ProfileOut)
def get_profile(profile_id: str, cat: CatalogueDep, role: ReaderDep) -> ProfileOut:
    return out(cat.profile(profile_id), role)


@router.delete("/{profile_id}", status_code=204)
def delete_profile(profile_id: str, cat: CatalogueDep, role: EditorDep) -> Response:
    delete(cat, profile_id)
    return Response(status_code=204)


@router.get("", response_model=ProfilePage)
def browse_profiles(cat: CatalogueDep, role: ReaderDep,
                    country: Annotated[str | None, Query(max_length=100)] = None,
                    sector: Annotated[str | None, Query(max_length=40)] = None,
                    kind: Annotated[str | None, Query(max_length=40)] = None,
                    q: Annotated[str | None, Query(max_length=200)] = None,
                    limit: Annotated[int, Query(ge=1, le=100)] = 50,
                    cursor: Annotated[str | None, Query(max_length=64)] = None) -> ProfilePage:
    """Profiles by id, filtered by country (code or name), sector, kind and a text; paged by cursor."""
    page, next_cursor = browse(cat, country=params.country("country", country),
                               sector=next(iter(params.codes("sector", sector, SECTORS)), None),
                               kind=next(iter(params.codes("kind", kind, KINDS)), None), q=q, limit=limit,
                               cursor=cursor)
    return ProfilePage(items=[out(p, role) for p in page], next_cursor=next_cursor)


@router.post("/import", response_model=ImportReport, responses={422: {"model": ImportReport}})
def import_profiles(cat: CatalogueDep, role: EditorDep, file: Annotated[UploadFile, File()],
                    atomic: bool = False) -> Any:
    """Profiles from a CSV, Excel, JSON, JSON Lines or Parquet file: the good rows (or, ``atomic``, all or
    none); 422 when nothing was written."""
    report = ingest(cat, upload_records(file), atomic=atomic).to_dict()
    return report if report["written"] or not report["errors"] else JSONResponse(report, 422)
