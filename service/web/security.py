"""What keeps the web app's visitors safe: session cookies (HttpOnly, SameSite=Lax, Secure behind HTTPS),
a CSRF token on every form post (double submit: an HttpOnly cookie and the same value in the form or the
``X-CSRF-Token`` header that htmx sends), same-origin checks on posts, and response headers (a
Content-Security-Policy that allows no inline script, no framing, no other origin)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response

from service.catalogue import Catalogue
from storage import web as sessions
from storage.web import WebSession

SESSION_COOKIE = "ccimatch_session"
CSRF_COOKIE = "ccimatch_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "same-origin", "Permissions-Policy": "camera=(), microphone=(), geolocation=()"}


def secure(request: Request) -> bool:
    """Whether the visitor reached us over HTTPS (directly, or through a proxy that says so)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure(request),
                        path="/")


def csrf_token(request: Request) -> str:
    """The visitor's CSRF token (made on the first page; :func:`page_cookies` sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def page_cookies(request: Request, response: Response) -> None:
    """Cookies a rendered page must set: a CSRF token made while rendering it."""
    new = getattr(request.state, "new_csrf", None)
    if new is not None and request.cookies.get(CSRF_COOKIE) != new:
        set_cookie(response, request, CSRF_COOKIE, new)


async def check_post(request: Request) -> None:
    """A form post must come from our own pages: same origin (when the browser says), and the CSRF token of
    the cookie repeated in the form or the X-CSRF-Token header; 403 otherwise, nothing done."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "cross-origin form post refused")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not cookie or not hmac.compare_digest(cookie, sent):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


CsrfChecked = Depends(check_post)


def catalogue_of(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


def current_session(request: Request) -> WebSession | None:
    """The visitor's session, if its cookie names a live one."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    if hasattr(request.state, "web_session"):
        cached: WebSession | None = request.state.web_session
        return cached
    found = sessions.find_session(catalogue_of(request).engine, token)
    request.state.web_session = found
    return found


SessionDep = Annotated[WebSession | None, Depends(current_session)]
