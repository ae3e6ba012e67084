"""The HTTP API: the same engine as the CLI, behind thin routes (parse, call one function, serialise)."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Header, HTTPException, Query, Request, UploadFile, responses
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from matcher.constraints import Constraints
from matcher.profile import FieldError, Profile, error_report
from matcher.taxonomy import COUNTRIES, KINDS, PARTNERSHIP_TYPES, SECTORS, country_code
from service.catalogue import (
    Catalogue,
    ConflictError,
    Draft,
    InvalidRecordError,
    InvalidRequestError,
    UnknownProfileError,
)
from service.events import InvalidRowsError
from service.schemas import (
    ClusterExtendRequest,
    ClusterSeedRequest,
    Health,
    ImportReport,
    ProfileIn,
    ProfileOut,
    ProfilePage,
    ProfilePatch,
    Ready,
    SuggestionsOut,
    SuggestRequest,
)
from service.settings import Settings
from storage import keys
from storage.files import SUFFIXES, FileFormatError, read_records

log = logging.getLogger("ccimatch.http")


class JSONResponse(responses.JSONResponse):
    """JSON that any text can go into: a lone surrogate (sent as a JSON escape such as \\ud800, and echoed in
    an error) is written back as that escape instead of failing the UTF-8 encoding with a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8", "backslashreplace")


# --- dependencies ---------------------------------------------------------------------------------
def get_catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


def caller(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> keys.KeyInfo | None:
    """Role and scope of the caller's key; 401 for a key that is wrong or revoked, None for no key."""
    if x_api_key is None:
        return None
    info = keys.identify(request.app.state.catalogue.engine, x_api_key)
    if info is None:
        raise HTTPException(401, "invalid or revoked API key")
    return info


def caller_role(info: Annotated[keys.KeyInfo | None, Depends(caller)]) -> str | None:
    return info.role if info else None


RoleDep = Annotated[str | None, Depends(caller_role)]


def need(role: str | None, needed: str) -> None:
    if role is None:
        raise HTTPException(401, f"this endpoint needs an API key with the {needed} role (header X-API-Key)")
    if not keys.allows(role, needed):
        raise HTTPException(403, f"this endpoint needs the {needed} role; your key has the {role} role")


def reader(request: Request, role: RoleDep) -> str | None:
    """Reads are open in demo mode (``open_reads``), keyed otherwise."""
    if not request.app.state.settings.open_reads:
        need(role, "reader")
    return role


def editor(role: RoleDep) -> str | None:
    need(role, "editor")
    return role


ReaderDep = Annotated[str | None, Depends(reader)]
EditorDep = Annotated[str | None, Depends(editor)]


# --- serialisation ----------------------------------------------------------------------------------
def out(profile: Profile, role: str | None) -> ProfileOut:
    record = profile.to_record(private=role == "admin")
    return ProfileOut(**record)


def _codes(field: str, values: list[str], valid: tuple[str, ...]) -> frozenset[str]:
    bad = [v for v in values if v not in valid]
    if bad:
        raise HTTPException(422, [{"loc": ["query", field], "type": "value_error", "input": bad,
                                   "msg": f"unknown value(s) {', '.join(bad)}; valid: {', '.join(valid)}"}])
    return frozenset(values)


def _countries(field: str, values: list[str]) -> frozenset[str]:
    codes = [country_code(v) for v in values]
    bad = [v for v, c in zip(values, codes, strict=True) if c is None]
    if bad:
        raise HTTPException(422, [{"loc": ["query", field], "type": "value_error", "input": bad,
                                   "msg": f"unknown country code(s) {', '.join(bad)}; valid: {', '.join(COUNTRIES)}"}])
    return frozenset(c for c in codes if c)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def constraints_of(countries: list[str], exclude_countries: list[str], sectors: list[str], kinds: list[str],
                   partnership_types: list[str]) -> Constraints:
    """Hard constraints from request values; unknown codes give a 422 naming the valid choices."""
    return Constraints(
        countries=_countries("countries", countries),
        exclude_countries=_countries("exclude_countries", exclude_countries),
        sectors=_codes("sectors", sectors, SECTORS), kinds=_codes("kinds", kinds, KINDS),
        partnership_types=_codes("partnership_types", partnership_types, PARTNERSHIP_TYPES),
    )


def upload_records(file: UploadFile) -> list[dict[str, Any]]:
    """Records of an uploaded CSV/Excel/JSON/Parquet file; a 422 names the file and the problem."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        msg = f"unsupported file type {suffix or '(none)'!r}; use {', '.join(SUFFIXES)}"
        raise HTTPException(422, [{"loc": ["body", "file"], "type": "value_error", "msg": msg}])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(file.file.read())
        try:
            return read_records(path)
        except FileFormatError as exc:
            raise HTTPException(422, [{"loc": ["body", "file"], "type": "value_error",
                                       "msg": str(exc).replace(str(path), file.filename or "upload")}]) from None


def field_errors(errors: Sequence[FieldError], *, with_rows: bool = False) -> dict[str, Any]:
    """A 422 body for refused fields, bounded: at most 100 listed, their total, each list of valid values once."""
    report = error_report(errors)
    detail = []
    for e, listed in zip(errors, report["errors"], strict=False):
        item: dict[str, Any] = {"loc": ["body", e.field], "msg": str(e) if with_rows else e.reason,
                                "type": "value_error", "input": e.value}
        if with_rows:
            item |= {"row": e.row, "id": e.record_id}
        if "valid_values" in listed:
            item["valid_values"] = listed["valid_values"]
        detail.append(item)
    return {"detail": detail, "error_count": report["error_count"], "valid_values": report["valid_values"]}


# --- middleware -------------------------------------------------------------------------------------
class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413), by header or while streaming."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await JSONResponse({"detail": f"request body over {self.limit} bytes"}, 413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, f"request body over {self.limit} bytes")
            return message

        await self.app(scope, counted, send)


class Unexpected:
    """A bug becomes a logged 500 with a JSON body, and the connection stays usable.

    Starlette's own last-resort handler re-raises after answering, which makes uvicorn drop the keep-alive
    connection (the client's next request on it got ECONNRESET). The body does not claim the request was
    not applied: a write may have been committed before the failure."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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


# --- the app ----------------------------------------------------------------------------------------
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
                  description="Partner matchmaking for the cultural and creative industries.")
    app.add_middleware(Unexpected)  # innermost: catches what the exception handlers do not
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                       allow_headers=["*"])
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    @app.middleware("http")
    async def access_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:  # method, path, status, duration: no query string, no body, no key
            log.info(json.dumps({"method": request.method, "path": request.url.path, "status": status,
                                 "ms": round((time.perf_counter() - start) * 1000, 1)}))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    @app.exception_handler(UnknownProfileError)
    async def not_found(_: Request, exc: UnknownProfileError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 404)

    @app.exception_handler(ConflictError)
    async def conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 409)

    @app.exception_handler(InvalidRequestError)
    async def bad_request(_: Request, exc: InvalidRequestError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 422)

    @app.exception_handler(InvalidRecordError)
    async def invalid(_: Request, exc: InvalidRecordError) -> JSONResponse:
        return JSONResponse(field_errors(exc.errors), 422)

    @app.exception_handler(InvalidRowsError)
    async def invalid_rows(_: Request, exc: InvalidRowsError) -> JSONResponse:
        return JSONResponse(field_errors(exc.errors, with_rows=True), 422)

    @app.exception_handler(RequestValidationError)
    async def unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        # one error per problem: a path parameter that a dependency declares too is validated twice
        unique = {(tuple(map(str, e.get("loc", ()))), e.get("msg", ""), e.get("type", "")): e for e in exc.errors()}
        return JSONResponse({"detail": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                                         "type": e.get("type", "")} for e in unique.values()]}, 422)

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        return Health(status="ok")

    @app.get("/ready", response_model=Ready, tags=["service"], responses={503: {"model": Ready}})
    def ready(cat: CatalogueDep) -> Any:
        report = cat.readiness()
        return report if report["ready"] else JSONResponse(report, 503)

    @app.post("/profiles", response_model=ProfileOut, status_code=201, tags=["profiles"])
    def create(body: ProfileIn, cat: CatalogueDep, role: EditorDep) -> ProfileOut:
        return out(cat.create(body.model_dump()), role)

    @app.put("/profiles/{profile_id}", response_model=ProfileOut, tags=["profiles"])
    def put(profile_id: str, body: ProfileIn, cat: CatalogueDep, role: EditorDep) -> ProfileOut:
        if body.id != profile_id:
            raise HTTPException(422, [{"loc": ["body", "id"], "type": "value_error",
                                       "msg": f"body id {body.id!r} differs from the path id {profile_id!r}"}])
        return out(cat.put(body.model_dump()), role)

    @app.patch("/profiles/{profile_id}", response_model=ProfileOut, tags=["profiles"])
    def patch(profile_id: str, body: ProfilePatch, cat: CatalogueDep, role: EditorDep) -> ProfileOut:
        return out(cat.patch(profile_id, body.model_dump(exclude_unset=True)), role)

    @app.get("/profiles/{profile_id}", response_model=ProfileOut, tags=["profiles"])
    def get(profile_id: str, cat: CatalogueDep, role: ReaderDep) -> ProfileOut:
        return out(cat.profile(profile_id), role)

    @app.delete("/profiles/{profile_id}", status_code=204, tags=["profiles"])
    def delete(profile_id: str, cat: CatalogueDep, role: EditorDep) -> Response:
        cat.delete(profile_id)
        return Response(status_code=204)

    @app.get("/profiles", response_model=ProfilePage, tags=["profiles"])
    def browse(cat: CatalogueDep, role: ReaderDep,
               country: Annotated[str | None, Query(max_length=100)] = None,
               sector: Annotated[str | None, Query(max_length=40)] = None,
               kind: Annotated[str | None, Query(max_length=40)] = None,
               q: Annotated[str | None, Query(max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 50,
               cursor: Annotated[str | None, Query(max_length=64)] = None) -> ProfilePage:
        code = next(iter(_countries("country", [country]))) if country else None
        sector = next(iter(_codes("sector", [sector], SECTORS))) if sector else None
        kind = next(iter(_codes("kind", [kind], KINDS))) if kind else None
        page, next_cursor = cat.browse(country=code, sector=sector, kind=kind, q=q, limit=limit, cursor=cursor)
        return ProfilePage(items=[out(p, role) for p in page], next_cursor=next_cursor)

    @app.post("/profiles/import", response_model=ImportReport, tags=["profiles"],
              responses={422: {"model": ImportReport}})
    def import_file(cat: CatalogueDep, role: EditorDep, file: Annotated[UploadFile, File()],
                    atomic: bool = False) -> Any:
        report = cat.ingest(upload_records(file), atomic=atomic).to_dict()
        return report if report["written"] or not report["errors"] else JSONResponse(report, 422)

    @app.get("/profiles/{profile_id}/suggestions", response_model=SuggestionsOut, tags=["suggestions"])
    def suggestions(profile_id: str, cat: CatalogueDep, role: ReaderDep,
                    k: Annotated[int, Query(ge=1, le=100)] = 10,
                    countries: Annotated[str | None, Query(max_length=500)] = None,
                    exclude_countries: Annotated[str | None, Query(max_length=500)] = None,
                    sectors: Annotated[str | None, Query(max_length=500)] = None,
                    kinds: Annotated[str | None, Query(max_length=500)] = None,
                    partnership_types: Annotated[str | None, Query(max_length=500)] = None,
                    allow_same_country: bool = False, shared_language: bool = False) -> Any:
        hard = constraints_of(_split(countries), _split(exclude_countries), _split(sectors), _split(kinds),
                              _split(partnership_types))
        # a ready JSONResponse: the to_dict() shape is SuggestionsOut (tested), re-validating it per request
        # cost a third of the route's time under load (py-spy, bench/http.py)
        return JSONResponse(cat.suggest(profile_id, k=k, constraints=hard, allow_same_country=allow_same_country,
                                        shared_language=shared_language).to_dict())

    @app.post("/suggestions", response_model=SuggestionsOut, tags=["suggestions"])
    def suggest_draft(body: SuggestRequest, cat: CatalogueDep, role: ReaderDep) -> Any:
        home = next(iter(_countries("country", [body.country]))) if body.country else None
        draft = Draft(text=body.text, offers=tuple(body.offers), needs=tuple(body.needs or [body.text]), country=home)
        hard = constraints_of(body.countries, body.exclude_countries, body.sectors, body.kinds,
                              body.partnership_types)
        return JSONResponse(cat.suggest(draft, k=body.k, constraints=hard, allow_same_country=body.allow_same_country,
                                        shared_language=body.shared_language).to_dict())

    @app.post("/clusters/seed", tags=["clusters"])
    def clusters_seed(body: ClusterSeedRequest, cat: CatalogueDep, role: ReaderDep) -> Any:
        sectors = tuple(sorted(_codes("sectors", body.sectors, SECTORS)))
        require = {k: v for k, v in body.require.items() if k in _codes("require", list(body.require), KINDS)}
        return cat.seed_cluster(size=body.size, sectors=sectors, theme=body.theme,
                                countries=_countries("countries", body.countries), min_countries=body.min_countries,
                                require=require, anchors=body.anchors)

    @app.post("/clusters/extend", tags=["clusters"])
    def clusters_extend(body: ClusterExtendRequest, cat: CatalogueDep, role: ReaderDep) -> Any:
        return cat.extend_cluster(body.members, k=body.k)

    from service.api_events import router as events_router  # imported here: api_events imports this module

    app.include_router(events_router)
    return app
