"""The web app's languages: Arabic, French and English, chosen by the URL (``/ar/...``), remembered in a
cookie, defaulting to the browser's ``Accept-Language``. Interface strings are English msgids translated
through gettext catalogs read from the ``.po`` files in ``translations/<lang>/`` (one file per part of
the app, so that parts can grow without touching each other's catalog); they are compiled in memory at
start-up, so no build step and no binary ``.mo`` file lives in the repository."""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
DEFAULT = "en"
RTL: frozenset[str] = frozenset({"ar"})
COOKIE = "ccimatch_lang"
TRANSLATIONS = Path(__file__).parent / "translations"


@dataclass(frozen=True, kw_only=True)
class Language:
    code: str
    name: str  # in its own language, for the language switch: "العربية", "Français", "English"
    dir: str  # "rtl" or "ltr"


def language(code: str) -> Language:
    return Language(code=code, name=(Locale.parse(code).get_display_name(code) or code).capitalize(),
                    dir="rtl" if code in RTL else "ltr")


def negotiate(accept_language: str | None, cookie: str | None = None) -> str:
    """The language to use when the URL names none: the remembered choice, else the first of the browser's
    preferences that the app speaks (``fr-FR;q=0.9`` counts as ``fr``), else English."""
    if cookie is not None and cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, i, primary))
    return sorted(ranked)[0][2] if ranked else DEFAULT


def catalog_files(code: str) -> list[Path]:
    return sorted((TRANSLATIONS / code).glob("*.po"))


def read_catalogs(code: str) -> Catalog:
    """Every ``.po`` file of one language merged into one catalog (a msgid twice: the first file wins)."""
    merged = Catalog(locale=code)
    seen: set[object] = set()
    for path in catalog_files(code):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=code):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key and key not in seen:
                    seen.add(key)
                    merged[message.id] = message
    return merged


@cache
def translations(code: str) -> gettext.NullTranslations:
    """gettext translations of one language (English: the msgids themselves)."""
    if code == DEFAULT:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogs(code))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
