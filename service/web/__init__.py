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
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from service.asgi import HttpMiddleware
from service.web import i18n
from service.web.pages import ROUTERS
from service.web.security import HEADERS, set_cookie
from service.web.templating import STATIC, render

API_ROOTS = frozenset({"profiles", "relationships", "suggestions", "clusters", "events", "health", "ready", "docs",
                       "docs-assets", "openapi.json", "static"})


def is_page(request: Request) -> bool:
    """Whether a request is for a page (an error is then a page too): a path of the web app, or any path
    outside the JSON API that a browser asks for."""
    first = request.url.path.strip("/").split("/", 1)[0]
    if first in i18n.LANGUAGES or request.url.path == "/":
        return True
    return first not in API_ROOTS and "text/html" in request.headers.get("accept", "")


class PageHeaders(HttpMiddleware):
    """The security headers (:data:`security.HEADERS`) on every response but the API's documentation, and the
    language cookie when a page is visited in a language (the switch persists). Plain ASGI: it only adds
    headers to the response start, which measured ~1 ms cheaper per page than two ``BaseHTTPMiddleware``."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        first = path.strip("/").split("/", 1)[0]
        request = Request(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not path.startswith(("/docs", "/openapi.json")):
                    for key, value in HEADERS.items():
                        headers.setdefault(key, value)
                if (first in i18n.LANGUAGES and message["status"] < 400
                        and request.cookies.get(i18n.COOKIE) != first):
                    cookie = Response()
                    set_cookie(cookie, request, i18n.COOKIE, first, max_age=365 * 24 * 3600)
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, with_headers)


def attach(app: FastAPI) -> None:
    """Add the pages, the static files, the headers and the HTML error pages to the API's app."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(PageHeaders)

    api_handler = cast(Callable[[Request, Exception], Awaitable[Response]],
                       app.exception_handlers[StarletteHTTPException])

    async def http_error(request: Request, exc: Exception) -> Response:
        """Pages answer errors with a page in their language; the API keeps its JSON."""
        assert isinstance(exc, StarletteHTTPException)
        first = request.url.path.strip("/").split("/", 1)[0]
        if not is_page(request) or exc.status_code < 400:
            return await api_handler(request, exc)
        lang = first if first in i18n.LANGUAGES else i18n.negotiate(request.headers.get("accept-language"))
        settings = getattr(request.app.state, "settings", None)
        limit_mb = round((settings.max_body_bytes if settings else 10 * 1024 * 1024) / 1024 / 1024, 1)
        return render(request, lang, "error.html", status=exc.status_code, status_code=exc.status_code,
                      limit_mb=f"{limit_mb:g}",
                      detail=exc.detail if exc.status_code not in (404, 500) else None)

    app.exception_handlers[StarletteHTTPException] = http_error
