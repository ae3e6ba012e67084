"""Rendering pages: one Jinja2 environment per language (autoescaped; gettext installed from that
language's catalog), the context every page gets (language, direction, the language switch, the CSRF
token, the session), and URLs of static files with a content hash, so that browsers can cache them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from matcher.language import detect
from service.web import i18n
from service.web.security import csrf_token, current_session, page_cookies
from service.web.vocabulary import N_

TEMPLATES = Path(__file__).parent / "templates"
# Texts ccimatch itself stores (e.g. the message of a prefilled request, PREFILL_MESSAGE): pages translate them.
SYSTEM_TEXTS = frozenset({N_("Suggested by the organiser")})
STATIC = Path(__file__).parent / "static"


@cache
def _static_hash(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]


def static(path: str) -> str:
    """``/static/<path>?v=<hash>``: a new file gets a new URL."""
    return f"/static/{path}?v={_static_hash(path)}"


@cache
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), auto_reload=False,
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["static"] = static
    env.globals["lang_attr"] = lang_attr
    env.globals["stored"] = lambda text: i18n.translations(lang).gettext(text) if text in SYSTEM_TEXTS else text
    return env


def lang_attr(text: str) -> Markup:
    """``lang="ar"`` for a text written by a user, from its script and common words; nothing when it gives no
    clue (a short name): screen readers and fonts then follow the page."""
    code = detect(text, "other")
    return Markup(f' lang="{code}"') if code != "other" else Markup("")


def gettext_for(lang: str) -> Callable[[str], str]:
    """``_`` of one language, for messages made in Python (e.g. a field's error next to it)."""
    return i18n.translations(lang).gettext


def page_url(request: Request, lang: str) -> str:
    """This page in another language: the same path and query under ``/<lang>/``."""
    parts = request.url.path.split("/", 2)
    rest = parts[2] if len(parts) > 2 else ""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"/{lang}/{rest}{query}"


def render(request: Request, lang: str, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in ``lang``; the visitor's CSRF cookie is set if this page made one."""
    here = i18n.language(lang)
    context = {"lang": here, "languages": [i18n.language(c) for c in i18n.LANGUAGES], "request": request,
               "switch": {c: page_url(request, c) for c in i18n.LANGUAGES}, "csrf": csrf_token(request),
               "session": current_session(request), **context}
    html = environment(lang).get_template(template).render(**context)
    response = HTMLResponse(html, status_code=status)
    page_cookies(request, response)
    return response
