"""An organisation registers its profile (validated field by field in its language, first suggestions
previewed, a private edit link given), edits it through that link, and an editor approves or rejects what
waits in the moderation queue. Nothing sent here is public before an editor approves it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from matcher.constraints import Constraints
from matcher.errors import FieldError, InvalidFieldsError, InvalidRequestError, NotFoundError
from matcher.profile import valid_profile
from matcher.suggestions import Draft, SuggestionList
from matcher.taxonomy import LANGUAGES
from service.catalogue import moderation, suggest
from service.web import vocabulary as vocab
from service.web.messages import field_error
from service.web.pages.common import Lang
from service.web.pages.firm import shown
from service.web.pages.quality import profile_quality_view
from service.web.security import CsrfChecked, SessionDep, catalogue_of
from service.web.templating import render
from storage.web import WebSession

router = APIRouter(include_in_schema=False)
TEXT_FIELDS = ("name", "kind", "country", "city", "description", "size", "website", "contact_email")
LIST_FIELDS = ("sectors", "partnership_types")
LINE_FIELDS = ("offers", "needs")
PREVIEW = 5


def record_of(form: FormData) -> dict[str, Any]:
    """The profile record a form describes: one item per line for offers and needs, boxes for code lists,
    languages as a comma-separated list. Empty fields are left out (validation says which are required)."""
    record: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            record[name] = value.strip()
    for name in LIST_FIELDS:
        values = [v for v in form.getlist(name) if isinstance(v, str) and v]
        if values:
            record[name] = values
    for name in LINE_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            record[name] = [line.strip() for line in value.splitlines() if line.strip()]
    languages = form.get("languages")
    if isinstance(languages, str) and languages.strip():
        record["languages"] = [x.strip() for x in languages.replace(";", ",").split(",") if x.strip()]
    return record


def form_values(record: dict[str, Any]) -> dict[str, Any]:
    """A record back as the form shows it."""
    values: dict[str, Any] = {name: str(record.get(name) or "") for name in TEXT_FIELDS}
    for name in LIST_FIELDS:
        values[name] = list(record.get(name) or [])
    for name in LINE_FIELDS:
        values[name] = "\n".join(record.get(name) or [])
    values["languages"] = ", ".join(record.get("languages") or [])
    return values


def errors_by_field(errors: tuple[FieldError, ...], lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in errors:
        out.setdefault(e.field if e.field in (*TEXT_FIELDS, *LIST_FIELDS, *LINE_FIELDS, "languages") else "form",
                       field_error(e, lang))
    return out


def _choices(lang: str) -> dict[str, Any]:
    return {"countries": vocab.countries(lang), "sectors": vocab.choices(vocab.SECTOR_NAMES, lang),
            "kinds": vocab.choices(vocab.KIND_NAMES, lang),
            "partnership_types": vocab.choices(vocab.PARTNERSHIP_NAMES, lang), "language_codes": sorted(LANGUAGES)}


def _preview(request: Request, lang: str, record: dict[str, Any]) -> tuple[SuggestionList | None, list[Any]]:
    """The first suggestions the organisation would get, without storing anything."""
    draft = Draft(text=f"{record.get('name', '')}. {record.get('description', '')}".strip(),
                  offers=tuple(record.get("offers") or ()), needs=tuple(record.get("needs") or ()),
                  country=record.get("country"), sectors=tuple(record.get("sectors") or ()))
    try:
        result = suggest(catalogue_of(request), draft, k=PREVIEW)
    except InvalidRequestError:
        return None, []
    return result, shown(result, lang, home=record.get("country"), constraints=Constraints())


def _form_page(request: Request, lang: str, *, values: dict[str, Any], errors: dict[str, str], action: str,
               editing: str | None = None, preview: Any = None, status: int = 200,
               quality: dict[str, Any] | None = None) -> Response:
    result, results = preview if preview is not None else (None, [])
    return render(request, lang, "register/form.html", status=status, form=values, errors=errors, action=action,
                  editing=editing, result=result, results=results, quality=quality, **_choices(lang))


@router.get("/{lang}/register")
def register_form(request: Request, lang: Lang) -> Response:
    return _form_page(request, lang, values=form_values({}), errors={}, action=f"/{lang}/register")


async def _handle(request: Request, lang: str, *, token: str | None) -> Response:
    form = await request.form()
    record = record_of(form)
    action = f"/{lang}/register" + (f"/edit/{token}" if token else "")
    cat = catalogue_of(request)
    try:
        if form.get("intent") == "preview":
            profile = valid_profile({**record, "id": "preview"})
            return _form_page(request, lang, values=form_values(record), errors={}, action=action,
                              editing=token, preview=_preview(request, lang, profile.to_record()),
                              quality=profile_quality_view(request, profile, lang))
        sent = moderation.submit_edit(cat, token, record) if token else moderation.submit_new(cat, record)
    except InvalidFieldsError as exc:
        return _form_page(request, lang, values=form_values(record), errors=errors_by_field(exc.errors, lang),
                          action=action, editing=token, status=422)
    link = f"{request.url.scheme}://{request.url.netloc}/{lang}/register/edit/{sent.token}" if sent.token else None
    return render(request, lang, "register/sent.html", profile=sent.profile, link=link,
                  preview=_preview(request, lang, sent.profile.to_record()),
                  quality=profile_quality_view(request, sent.profile, lang))


@router.post("/{lang}/register", dependencies=[CsrfChecked])
async def register(request: Request, lang: Lang) -> Response:
    """Check the form (every field, in the page's language); preview suggestions, or send it for approval."""
    return await _handle(request, lang, token=None)


@router.get("/{lang}/register/edit/{token}")
def edit_form(request: Request, lang: Lang, token: str) -> Response:
    try:
        profile_id, record = moderation.editable(catalogue_of(request), token)
    except NotFoundError:
        raise HTTPException(404) from None
    try:  # the owner sees the quality of the record it edits (a pending change, else the published profile)
        quality = profile_quality_view(request, valid_profile({**record, "id": profile_id}), lang)
    except InvalidFieldsError:  # stored before today's validation: the form's own errors will say why
        quality = None
    return _form_page(request, lang, values=form_values(record), errors={}, action=f"/{lang}/register/edit/{token}",
                      editing=profile_id, quality=quality)


@router.post("/{lang}/register/edit/{token}", dependencies=[CsrfChecked])
async def edit(request: Request, lang: Lang, token: str) -> Response:
    try:
        moderation.editable(catalogue_of(request), token)
    except NotFoundError:
        raise HTTPException(404) from None
    return await _handle(request, lang, token=token)


# --- the moderation queue (editors) ------------------------------------------------------------------
def _editor(session: WebSession | None) -> WebSession:
    if session is None:
        raise HTTPException(401)
    if session.role not in ("editor", "admin"):
        raise HTTPException(403)
    return session


@router.get("/{lang}/moderation")
def moderation_queue(request: Request, lang: Lang, session: SessionDep) -> Response:
    _editor(session)
    items = []
    for submission, published in moderation.queue(catalogue_of(request)):
        before = published.to_record(private=True) if published else {}
        changed = [k for k, v in submission.record.items() if k != "id" and before.get(k) != v]
        items.append({"submission": submission, "published": published, "changed": changed,
                      "country": vocab.country_name(str(submission.record.get("country", "")), lang),
                      "kind": vocab.label(vocab.KIND_NAMES, str(submission.record.get("kind", "")), lang)})
    return render(request, lang, "register/moderation.html", items=items)


@router.post("/{lang}/moderation/{submission_id}/{decision}", dependencies=[CsrfChecked])
def decide(request: Request, lang: Lang, submission_id: int, decision: str, session: SessionDep) -> Response:
    editor = _editor(session)
    cat = catalogue_of(request)
    if decision == "approve":
        moderation.approve(cat, submission_id, by=editor.key_prefix)
    elif decision == "reject":
        moderation.reject(cat, submission_id, by=editor.key_prefix)
    else:
        raise HTTPException(404)
    return RedirectResponse(f"/{lang}/moderation", status_code=303)
