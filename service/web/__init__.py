"""The web app: server-rendered pages in Arabic, French and English on the same FastAPI app as the JSON
API, with htmx (served from :mod:`static`, never a CDN) for progressive enhancement; reading works
without JavaScript. Languages (:mod:`.i18n`), rendering (:mod:`.templating`), security (:mod:`.security`)
and one module of pages per journey (:mod:`.pages`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.web import i18n
from service.web.pages import ROUTERS
from service.web.security import security_headers, set_cookie
from service.web.templating import STATIC, render

API_ROOTS = frozenset({"profiles", "suggestions", "clusters", "events", "health", "ready", "docs", "docs-assets",
                       "openapi.json", "static"})


def is_page(request: Request) -> bool:
    """Whether a request is for a page (an error is then a page too): a path of the web app, or any path
    outside the JSON API that a browser asks for."""
    first = request.url.path.strip("/").split("/", 1)[0]
    if first in i18n.LANGUAGES or request.url.path == "/":
        return True
    return first not in API_ROOTS and "text/html" in request.headers.get("accept", "")


def attach(app: FastAPI) -> None:
    """Add the pages, the static files, the headers and the HTML error pages to the API's app."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.middleware("http")(security_headers)

    @app.middleware("http")
    async def remember_language(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Visiting a page in a language makes it the default next time (the switch persists)."""
        response = await call_next(request)
        first = request.url.path.strip("/").split("/", 1)[0]
        if first in i18n.LANGUAGES and request.cookies.get(i18n.COOKIE) != first and response.status_code < 400:
            set_cookie(response, request, i18n.COOKIE, first, max_age=365 * 24 * 3600)
        return response

    api_handler = cast(Callable[[Request, Exception], Awaitable[Response]],
                       app.exception_handlers[StarletteHTTPException])

    async def http_error(request: Request, exc: Exception) -> Response:
        """Pages answer errors with a page in their language; the API keeps its JSON."""
        assert isinstance(exc, StarletteHTTPException)
        first = request.url.path.strip("/").split("/", 1)[0]
        if not is_page(request) or exc.status_code < 400:
            return await api_handler(request, exc)
        lang = first if first in i18n.LANGUAGES else i18n.negotiate(request.headers.get("accept-language"))
        return render(request, lang, "error.html", status=exc.status_code, status_code=exc.status_code,
                      detail=exc.detail if exc.status_code not in (404, 500) else None)

    app.exception_handlers[StarletteHTTPException] = http_error
