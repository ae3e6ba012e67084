"""The base of the server's own ASGI middlewares (the API's body limit, last-resort errors, access log and worker
header; the pages' headers):
plain ASGI, not Starlette's ``BaseHTTPMiddleware``, which runs the app in a task group and pipes the response
through a memory stream on every request. HTTP requests go to :meth:`HttpMiddleware.handle`; other scopes
(lifespan) pass through."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Wraps ``app``; subclasses say what to do with an HTTP request in :meth:`handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
