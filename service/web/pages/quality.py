"""Profile quality on the pages: the report as the owner's edit page and the sent page show it (score, findings and
how to fix each, in the page's language), and the editors' list of the weakest published profiles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from matcher.profile import Profile
from matcher.quality import QualityReport
from service.catalogue.quality import draft_quality, weakest
from service.web import vocabulary as vocab
from service.web.pages.common import Lang
from service.web.security import SessionDep, catalogue_of
from service.web.templating import render

router = APIRouter(include_in_schema=False)
WEAKEST = 50
SHOWN_FINDINGS = 3


def quality_view(report: QualityReport, lang: str) -> dict[str, Any]:
    """A report as ``partials/quality.html`` shows it: messages and hints in ``lang``, sectors by their names there."""
    names = {code: vocab.label(vocab.SECTOR_NAMES, code, lang) for code in vocab.SECTOR_NAMES}
    return {"score": report.score, "findings": [
        {"code": f.code, "message": f.message(lang, sector_names=names), "hint": f.hint(lang, sector_names=names)}
        for f in report.findings]}


def profile_quality_view(request: Request, profile: Profile, lang: str) -> dict[str, Any]:
    """The report of a profile as sent or being edited (its twins looked up among the stored profiles)."""
    return quality_view(draft_quality(catalogue_of(request), profile), lang)


@router.get("/{lang}/moderation/quality")
def weakest_page(request: Request, lang: Lang, session: SessionDep) -> Response:
    """Editors: the published profiles with the lowest quality scores and their heaviest findings."""
    if session is None:
        raise HTTPException(401)
    if session.role not in ("editor", "admin"):
        raise HTTPException(403)
    cat = catalogue_of(request)
    items = []
    for report in weakest(cat, WEAKEST):
        p = cat.profile(report.profile_id)
        view = quality_view(report, lang)
        items.append({"profile": p, "country": vocab.country_name(p.country, lang), "score": view["score"],
                      "findings": view["findings"][:SHOWN_FINDINGS], "more": max(0, len(view["findings"])
                                                                                  - SHOWN_FINDINGS)})
    return render(request, lang, "register/weakest.html", items=items,
                  total=len(cat.state(with_index=False).profiles))
