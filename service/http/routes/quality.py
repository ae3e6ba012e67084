"""Profile quality: a profile's report for its owner or an editor, and the weakest profiles for editors. Never
public, also with ``--demo``: a report names what is wrong with someone's profile.

The owner is a participant key bound to the profile, or the profile's private edit link token (the one the web
form gave) in ``X-Edit-Token``; the token's report is of the record it may edit, a pending change included."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from pydantic import BaseModel

from matcher.access import allows
from matcher.errors import NotFoundError
from matcher.profile import valid_profile
from matcher.quality import QualityReport
from service.catalogue import moderation
from service.catalogue.quality import MAX_WEAKEST, draft_quality, profile_quality, weakest
from service.http.deps import CallerDep, CatalogueDep, EditorDep

router = APIRouter(prefix="/profiles", tags=["quality"])
Lang = Annotated[Literal["ar", "fr", "en"], Query(description="language of messages and hints")]


class FindingOut(BaseModel):
    code: str
    weight: int
    params: dict[str, str]
    message: str
    hint: str


class QualityOut(BaseModel):
    profile_id: str
    score: int
    findings: list[FindingOut]


class WeakOut(QualityOut):
    name: str
    country: str


class WeakestOut(BaseModel):
    profiles: int  # profiles in the catalogue
    with_findings: int  # of them, how many have at least one finding
    items: list[WeakOut]


def _out(report: QualityReport, lang: str) -> QualityOut:
    return QualityOut.model_validate(report.to_dict(lang))


@router.get("/quality", response_model=WeakestOut)
def weakest_profiles(cat: CatalogueDep, role: EditorDep, lang: Lang = "en",
                     weakest_: Annotated[int, Query(alias="weakest", ge=1, le=MAX_WEAKEST)] = 20,
                     top: Annotated[int, Query(ge=1, le=10, description="findings shown per profile")] = 3
                     ) -> WeakestOut:
    """Editors: the profiles with the lowest quality scores, each with its heaviest findings."""
    reports = weakest(cat, MAX_WEAKEST)
    items = []
    for report in reports[:weakest_]:
        p = cat.profile(report.profile_id)
        data = report.to_dict(lang)
        items.append(WeakOut.model_validate({**data, "findings": data["findings"][:top], "name": p.name,
                                             "country": p.country}))
    return WeakestOut(profiles=len(cat.state(with_index=False).profiles), with_findings=len(reports), items=items)


@router.get("/{profile_id}/quality", response_model=QualityOut)
def profile_quality_report(profile_id: str, request: Request, cat: CatalogueDep, info: CallerDep, lang: Lang = "en",
                           x_edit_token: Annotated[str | None, Header(max_length=200)] = None) -> QualityOut:
    """The quality report of a profile: for editors, for the participant key bound to it, or for its owner's
    edit token (``X-Edit-Token``)."""
    if x_edit_token is not None and info is None:
        try:
            owned, record = moderation.editable(cat, x_edit_token)
        except NotFoundError:
            raise HTTPException(401, "invalid edit token") from None
        if owned != profile_id:
            raise HTTPException(403, "this edit token belongs to another profile")
        return _out(draft_quality(cat, valid_profile(record)), lang)
    if info is None:
        raise HTTPException(401, "a quality report needs an editor key, the profile's participant key "
                                 "(header X-API-Key) or its edit token (header X-Edit-Token)")
    if not (allows(info.role, "editor") or (info.role == "participant" and info.profile_id == profile_id)):
        raise HTTPException(403, f"a quality report is for editors and the profile's owner; your key has the "
                                 f"{info.role} role" + (f" for profile {info.profile_id}" if info.profile_id else ""))
    return _out(profile_quality(cat, profile_id), lang)
