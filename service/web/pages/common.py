"""Pages every visitor meets: the home page, the language redirect, signing in with a key (pasted, or a
personal link) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from matcher.access import KeyInfo
from service.web import i18n
from service.web.security import SESSION_COOKIE, CsrfChecked, SessionDep, catalogue_of, set_cookie
from service.web.templating import gettext_for, render
from storage import keys
from storage import web as sessions

router = APIRouter(include_in_schema=False)


def page_lang(lang: str) -> str:
    """The page's language from its URL; any other first segment is a page that does not exist."""
    if lang not in i18n.LANGUAGES:
        raise HTTPException(404)
    return lang


Lang = Annotated[str, Depends(page_lang)]


def role_home(lang: str, key: KeyInfo) -> str:
    """Where a key's holder starts: a participant at its event, an organiser at its events, an editor at the
    moderation queue."""
    if key.role == "participant" and key.event_id is not None:
        return f"/{lang}/events/{key.event_id}/me"
    if key.role in ("organiser", "admin"):
        return f"/{lang}/organise" + (f"/{key.event_id}" if key.event_id is not None else "")
    if key.role == "editor":
        return f"/{lang}/moderation"
    return f"/{lang}/"


@router.get("/")
def root(request: Request) -> RedirectResponse:
    lang = i18n.negotiate(request.headers.get("accept-language"), request.cookies.get(i18n.COOKIE))
    return RedirectResponse(f"/{lang}/", status_code=307)


@router.get("/{lang}/")
def home(request: Request, lang: Lang, session: SessionDep) -> Response:
    return render(request, lang, "home.html")


@router.get("/{lang}/login")
def login_form(request: Request, lang: Lang) -> Response:
    return render(request, lang, "login.html", error=None)


def _sign_in(request: Request, lang: str, key: str) -> Response:
    engine = catalogue_of(request).engine
    info = keys.identify(engine, key.strip())
    if info is None:
        _ = gettext_for(lang)
        return render(request, lang, "login.html", status=401,
                      error=_("This key is not valid, or it has been revoked. Check it, or ask the organiser "
                              "for a new one."))
    sessions.ensure_schema(engine)
    token = sessions.open_session(engine, role=info.role, event_id=info.event_id, profile_id=info.profile_id,
                                  key_prefix=info.prefix)
    response = RedirectResponse(role_home(lang, info), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=sessions.SESSION_HOURS * 3600)
    return response


@router.post("/{lang}/login", dependencies=[CsrfChecked])
def login(request: Request, lang: Lang, key: Annotated[str, Form(max_length=200)]) -> Response:
    """Sign in with a key pasted in the form."""
    return _sign_in(request, lang, key)


@router.get("/{lang}/key/{key}")
def personal_link(request: Request, lang: Lang, key: str) -> Response:
    """A personal link (a participant's, an organiser's): the key is exchanged for a session cookie and the
    browser goes on to a URL without it."""
    return _sign_in(request, lang, key)


@router.post("/{lang}/logout", dependencies=[CsrfChecked])
def logout(request: Request, lang: Lang) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sessions.close_session(catalogue_of(request).engine, token)
    response = RedirectResponse(f"/{lang}/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
