"""The HTTP API: the same engine as the CLI, behind thin routes (parse, call one function, serialise); one
router per resource (:mod:`service.http.routes`). Errors of the :mod:`matcher.errors` family become
statuses here, in one place: not found 404, conflict 409, refused input 422, each naming the field."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matcher.errors import (
    ConflictError,
    FieldError,
    InvalidFieldsError,
    InvalidRequestError,
    InvalidValueError,
    NotFoundError,
    error_report,
)
from service.asgi import HttpMiddleware
from service.catalogue import Catalogue
from service.http.responses import JSONResponse
from service.http.routes import ROUTERS
from service.settings import Settings
from service.web import attach, is_page
from storage.files import FileFormatError

log = logging.getLogger("ccimatch.http")


def field_errors(errors: Sequence[FieldError]) -> dict[str, Any]:
    """A 422 body for refused fields, bounded: at most 100 listed, their total, each list of valid values once.
    Rows of a file are named in the message; a single record's fields need no row."""
    report = error_report(errors)
    with_rows = any(e.row is not None for e in errors)
    detail = []
    for e, listed in zip(errors, report["errors"], strict=False):
        item: dict[str, Any] = {"loc": ["body", e.field], "msg": str(e) if with_rows else e.reason,
                                "type": "value_error", "input": e.value}
        if with_rows:
            item |= {"row": e.row, "id": e.record_id}
        if "valid_values" in listed:
            item["valid_values"] = listed["valid_values"]
        if e.code:
            item |= {"code": e.code, "params": dict(e.params)}
        detail.append(item)
    return {"detail": detail, "error_count": report["error_count"], "valid_values": report["valid_values"]}


def _invalid(request: Request, exc: InvalidRequestError) -> dict[str, Any]:
    """One refused value or request: where it was (a query or body field, the uploaded file) and why."""
    coded = exc.message.to_dict() if exc.message is not None else {}  # code and params, for translations
    if isinstance(exc, InvalidValueError):
        place = "query" if request.method in ("GET", "DELETE") else "body"
        return {"loc": [place, exc.field], "msg": str(exc), "type": "value_error", "input": exc.value, **coded}
    if isinstance(exc, FileFormatError):
        return {"loc": ["body", "file"], "msg": str(exc), "type": "value_error"}
    return {"loc": ["body"], "msg": str(exc), "type": "value_error", **coded}


class BodyLimit(HttpMiddleware):
    """Refuse request bodies over ``limit`` bytes (413), by header or while streaming. A page's form (a browser
    uploading too large a file) gets the error page in its language from the app's HTTP error handler (the web
    app's), with no English detail; the API gets its JSON."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        super().__init__(app)
        self.limit = limit

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = is_page(Request(scope))
        detail = "" if page else f"request body over {self.limit} bytes"
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            handler = scope["app"].exception_handlers.get(StarletteHTTPException) if page and "app" in scope \
                else None
            response = await handler(Request(scope), StarletteHTTPException(413, detail)) if handler is not None \
                else JSONResponse({"detail": detail}, 413)
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise StarletteHTTPException(413, detail)
            return message

        await self.app(scope, counted, send)


class Unexpected(HttpMiddleware):
    """A bug becomes a logged 500 with a JSON body, and the connection stays usable.

    Starlette's own last-resort handler re-raises after answering, which makes uvicorn drop the keep-alive
    connection (the client's next request on it got ECONNRESET). The body does not claim the request was
    not applied: a write may have been committed before the failure."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("unhandled error")
            if not started:  # otherwise the response is cut short; nothing better can be sent
                body = {"detail": "internal error (logged); check the resource before retrying a write"}
                await JSONResponse(body, 500)(scope, receive, send)


class AccessLog(HttpMiddleware):
    """One JSON line per request: method, path, status, duration (no query string, no body, no key); plain ASGI
    for the reason :mod:`service.asgi` gives."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start, status = time.perf_counter(), 500

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            log.info(json.dumps({"method": scope["method"], "path": scope["path"], "status": status,
                                 "ms": round((time.perf_counter() - start) * 1000, 1)}))


def serve_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs with Swagger UI served from the swagger-ui-bundle package, not a CDN (some
    deployments are offline, and the fair's Wi-Fi is poor)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="ccimatch API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def create_app(settings: Settings | None = None, *, catalogue: Catalogue | None = None) -> FastAPI:
    """The API; the catalogue (model + index) is built once in the lifespan unless one is given."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cat = catalogue or Catalogue.open(settings)
        cat.encoder  # noqa: B018 - load the model now, not on the first request
        cat.state()  # load the index, or repair it from the database (e.g. after a crash)
        app.state.catalogue, app.state.settings = cat, settings
        yield

    app = FastAPI(title="ccimatch", version="0.1.0", lifespan=lifespan, default_response_class=JSONResponse,
                  description="Partner matchmaking for the cultural and creative industries.", docs_url=None,
                  redoc_url=None)
    serve_docs(app)
    app.add_middleware(Unexpected)  # innermost: catches what the exception handlers do not
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                       allow_headers=["*"])
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    app.add_middleware(AccessLog)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 404)

    @app.exception_handler(ConflictError)
    async def conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 409)

    @app.exception_handler(InvalidFieldsError)
    async def invalid_fields(_: Request, exc: InvalidFieldsError) -> JSONResponse:
        return JSONResponse(field_errors(exc.errors), 422)

    @app.exception_handler(InvalidRequestError)
    async def invalid_request(request: Request, exc: InvalidRequestError) -> JSONResponse:
        return JSONResponse({"detail": [_invalid(request, exc)]}, 422)

    @app.exception_handler(RequestValidationError)
    async def unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        # one error per problem: a path parameter that a dependency declares too is validated twice
        unique = {(tuple(map(str, e.get("loc", ()))), e.get("msg", ""), e.get("type", "")): e for e in exc.errors()}
        return JSONResponse({"detail": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                                         "type": e.get("type", "")} for e in unique.values()]}, 422)

    for router in ROUTERS:
        app.include_router(router)
    attach(app)  # the web app's pages, static files and HTML error pages
    return app
