"""A firm's journey: search partners in any language with filters, each result explained; a profile's page (with
its relationships: partnerships, clusters, meetings held at events) and its partners. (Registration and
moderation: :mod:`service.web.pages.register`.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from matcher.constraints import Constraints
from matcher.errors import InvalidRequestError, InvalidValueError
from matcher.explain import Suggestion
from matcher.profile import Profile
from matcher.suggestions import SuggestionList
from service import params
from service.catalogue import Catalogue, list_relationships, suggest
from service.web import vocabulary as vocab
from service.web.messages import field_error
from service.web.pages.common import Lang
from service.web.security import catalogue_of
from service.web.templating import render

router = APIRouter(include_in_schema=False)
RESULTS = 10
Short = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True, kw_only=True)
class Shown:
    """A suggestion as a page shows it: labels in the page's language, texts as written with their language."""

    suggestion: Suggestion
    country: str
    kind: str
    sectors: list[str]
    admitted: list[str]


def shown(result: SuggestionList, lang: str, *, home: str | None, constraints: Constraints) -> list[Shown]:
    _ = vocab.gettext(lang)
    out = []
    for s in result.suggestions:
        admitted = []
        if home and s.country != home:
            admitted.append(_("Cross-border: {country}").format(country=vocab.country_name(s.country, lang)))
        if constraints.countries:
            admitted.append(_("Country: {country}").format(country=vocab.country_name(s.country, lang)))
        matched = [x for x in s.sectors if x in constraints.sectors]
        if matched:
            admitted.append(_("Sector: {sectors}").format(
                sectors=", ".join(vocab.label(vocab.SECTOR_NAMES, x, lang) for x in matched)))
        if constraints.kinds:
            admitted.append(vocab.label(vocab.KIND_NAMES, s.kind, lang))
        out.append(Shown(suggestion=s, country=vocab.country_name(s.country, lang),
                         kind=vocab.label(vocab.KIND_NAMES, s.kind, lang),
                         sectors=[vocab.label(vocab.SECTOR_NAMES, x, lang) for x in s.sectors],
                         admitted=admitted or [_("No filter")]))
    return out


def _choices(lang: str) -> dict[str, Any]:
    return {"countries": vocab.countries(lang), "sectors": vocab.choices(vocab.SECTOR_NAMES, lang),
            "kinds": vocab.choices(vocab.KIND_NAMES, lang)}


@router.get("/{lang}/search")
def search_page(request: Request, lang: Lang, q: Annotated[str, Query(max_length=2000)] = "", home: Short = "",
                country: Short = "", sector: Short = "", kind: Short = "") -> Response:
    """The search form and, when there is a text, the results: who answers it, and why."""
    form = {"q": q, "home": home, "country": country, "sector": sector, "kind": kind}
    errors: dict[str, str] = {}
    result, hard, shown_results, home_code = None, Constraints(), [], None
    if q.strip():
        try:
            home_code = params.country("home", home or None)
            hard = params.constraints(countries_=country or None, sectors=sector or None, kinds=kind or None)
            draft = params.draft(q.strip(), country_=home_code)
            result = suggest(catalogue_of(request), draft, k=RESULTS, constraints=hard)
        except InvalidValueError as exc:
            errors[_form_field(exc.field)] = field_error(exc, lang)
        except InvalidRequestError as exc:
            errors["q"] = str(exc)
        if result is not None:
            shown_results = shown(result, lang, home=home_code, constraints=hard)
    return render(request, lang, "firm/search.html", form=form, errors=errors, result=result,
                  results=shown_results, **_choices(lang))


def _form_field(field: str) -> str:
    return {"text": "q", "countries": "country", "sectors": "sector", "kinds": "kind"}.get(field, field)


def _profile(request: Request, profile_id: str) -> Profile:
    found = catalogue_of(request).find(profile_id)
    if found is None:
        raise HTTPException(404)
    return found


def profile_view(p: Profile, lang: str) -> dict[str, Any]:
    return {"profile": p, "country": vocab.country_name(p.country, lang),
            "kind": vocab.label(vocab.KIND_NAMES, p.kind, lang),
            "sectors": [vocab.label(vocab.SECTOR_NAMES, x, lang) for x in p.sectors],
            "partnerships": [vocab.label(vocab.PARTNERSHIP_NAMES, x, lang) for x in p.partnership_types]}


def relationship_views(cat: Catalogue, p: Profile, lang: str) -> list[dict[str, Any]]:
    """The profile's relationships as its page lists them: what (from this profile's side), with whom (name,
    country), the year, and where it is known from (a partnership's source and reference, the event's name). What
    came of a meeting is the participants' word to the organiser, not shown here."""
    out = []
    for r in list_relationships(cat, profile=p.id):
        other = cat.find(r.other(p.id))
        kind = "member_of" if r.kind == "cluster_member" and r.target == p.id else r.kind
        out.append({"kind": vocab.label(vocab.RELATIONSHIP_NAMES, kind, lang), "code": r.kind,
                    "partner_id": r.other(p.id), "partner_name": other.name if other else r.other(p.id),
                    "country": vocab.country_name(other.country, lang) if other else "", "year": r.date.year,
                    "origin": r.origin, "reference": r.reference if r.kind == "partnership" else ""})
    return out


@router.get("/{lang}/profiles/{profile_id}")
def profile_page(request: Request, lang: Lang, profile_id: str) -> Response:
    """A profile as written by its organisation (never machine-translated), with its relationships; contact
    details are not shown."""
    p = _profile(request, profile_id)
    return render(request, lang, "firm/profile.html", relationships=relationship_views(catalogue_of(request), p, lang),
                  **profile_view(p, lang))


@router.get("/{lang}/profiles/{profile_id}/partners")
def partners_page(request: Request, lang: Lang, profile_id: str) -> Response:
    """Partners for this profile: cross-border, two-way useful, explained."""
    p = _profile(request, profile_id)
    result = suggest(catalogue_of(request), p.id, k=RESULTS)
    return render(request, lang, "firm/partners.html", result=result,
                  results=shown(result, lang, home=p.country, constraints=Constraints()), **profile_view(p, lang))
