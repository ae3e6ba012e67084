"""Partner suggestions for a stored profile or a draft (free text with offers and needs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service import params
from service.catalogue import suggest
from service.http.deps import CatalogueDep, ReaderDep
from service.http.responses import JSONResponse
from service.http.schemas import SuggestionsOut, SuggestRequest

router = APIRouter(tags=["suggestions"])
CodesQuery = Annotated[str | None, Query(max_length=500, description="comma-separated codes or names")]


@router.get("/profiles/{profile_id}/suggestions", response_model=SuggestionsOut)
def profile_suggestions(profile_id: str, cat: CatalogueDep, role: ReaderDep,
                        k: Annotated[int, Query(ge=1, le=100)] = 10, countries: CodesQuery = None,
                        exclude_countries: CodesQuery = None, sectors: CodesQuery = None, kinds: CodesQuery = None,
                        partnership_types: CodesQuery = None, allow_same_country: bool = False,
                        shared_language: bool = False) -> Any:
    """Partners for a stored profile: cross-border, two-way useful, diverse, explained."""
    hard = params.constraints(countries_=countries, exclude_countries=exclude_countries, sectors=sectors,
                              kinds=kinds, partnership_types=partnership_types)
    # a ready JSONResponse: the to_dict() shape is SuggestionsOut (tested), re-validating it per request
    # cost a third of the route's time under load (py-spy, bench/http.py)
    return JSONResponse(suggest(cat, profile_id, k=k, constraints=hard, allow_same_country=allow_same_country,
                                shared_language=shared_language).to_dict())


@router.post("/suggestions", response_model=SuggestionsOut)
def draft_suggestions(body: SuggestRequest, cat: CatalogueDep, role: ReaderDep) -> Any:
    """Partners for a draft: the text says who you are or what you look for (and is what you need unless
    needs are given)."""
    draft = params.draft(body.text, offers=body.offers, needs=body.needs, country_=body.country)
    hard = params.constraints(countries_=body.countries, exclude_countries=body.exclude_countries,
                              sectors=body.sectors, kinds=body.kinds, partnership_types=body.partnership_types)
    return JSONResponse(suggest(cat, draft, k=body.k, constraints=hard, allow_same_country=body.allow_same_country,
                                shared_language=body.shared_language).to_dict())
