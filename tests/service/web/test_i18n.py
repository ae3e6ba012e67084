"""Every interface string is translated: extracted from the templates and the Python of the web app the way
pybabel extracts them, each must have a non-empty Arabic and French translation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir

from service.web import i18n

WEB = Path(i18n.__file__).parent


def interface_strings() -> dict[str, str]:
    """msgid -> where it was found (file:line), from every template and page module."""
    found: dict[str, str] = {}
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
    for filename, line, message, _comments, _context in extract_from_dir(str(WEB), method_map, options):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{line}")
    return found


def test_the_web_app_has_interface_strings() -> None:
    strings = interface_strings()
    assert len(strings) >= 20 and "Find partners" in strings and "Sign in with a key" in strings


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_interface_string_is_translated(lang: str) -> None:
    catalog = i18n.read_catalogs(lang)
    def translated(msgid: str) -> bool:
        found = catalog.get(msgid)
        return found is not None and bool(found.string) and (isinstance(found.string, str) or all(found.string or ()))

    missing = [f"{msgid!r} ({where})" for msgid, where in interface_strings().items() if not translated(msgid)]
    assert missing == [], f"{len(missing)} message(s) without a {lang} translation: " + "; ".join(missing[:20])


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_translations_keep_their_placeholders(lang: str) -> None:
    """A translation names the same %(name)s / {name} placeholders as its English message."""
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w+(?:![rsa])?\}")
    for message in i18n.read_catalogs(lang):
        if message.id and isinstance(message.id, str) and isinstance(message.string, str) and message.string:
            assert sorted(pattern.findall(message.id)) == sorted(pattern.findall(message.string)), message.id


def test_no_english_text_is_written_outside_gettext_in_templates() -> None:
    """Text between tags in a template goes through _(...): a letter outside {{ }} / {% %} is hard-coded."""
    offenders = []
    for path in sorted((WEB / "templates").rglob("*.html")):
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", path.read_text(), flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
        for chunk in re.findall(r">([^<]+)<", text):
            chunk = re.sub(r'[\w-]+="[^"]*"', "", chunk)  # attributes written by a macro are not visible text
            words = [w for w in re.findall(r"[A-Za-z]{2,}", chunk) if w != "ccimatch"]  # the name is not translated
            if words:
                offenders.append(f"{path.name}: {chunk.strip()[:40]!r}")
    assert offenders == []


def test_language_negotiation() -> None:
    assert i18n.negotiate("fr-FR,fr;q=0.9,en;q=0.8") == "fr"
    assert i18n.negotiate("de-DE,ar;q=0.5,en;q=0.4") == "ar"
    assert i18n.negotiate("de", None) == "en"
    assert i18n.negotiate("fr", cookie="ar") == "ar"  # a choice made on the site wins
    assert i18n.negotiate("en;q=0, fr;q=0.1") == "fr"
    assert [i18n.language(c).dir for c in ("ar", "fr", "en")] == ["rtl", "ltr", "ltr"]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_refusal_a_form_can_show_is_translated(lang: str) -> None:
    """Validation messages (matcher.messages) reach forms translated: each template has a translation with the
    same placeholders, and it renders with the message's parameters."""
    from matcher.messages import TEMPLATES, Message, placeholders
    from service.web.messages import translate

    catalog = i18n.read_catalogs(lang)
    missing = [code for code, template in TEMPLATES.items() if not (m := catalog.get(template)) or not m.string]
    assert missing == []
    for code, template in TEMPLATES.items():
        found = catalog.get(template)
        assert found is not None and isinstance(found.string, str)
        translated = found.string
        assert placeholders(translated) == placeholders(template), code
        sample = Message.of(code, **dict.fromkeys(placeholders(template), "X"))
        assert translate(sample, lang) == sample.render(translated)


def test_a_country_hint_is_named_in_the_pages_language() -> None:
    from matcher.profile import validate_record
    from service.web.messages import field_error
    from tests.conftest import record

    _, errors = validate_record(record("x-1", country="Marocco"))
    assert field_error(errors[0], "fr").endswith("vouliez-vous dire 'MA' (Maroc) ?")
    assert "'MA' (المغرب)" in field_error(errors[0], "ar")
    assert field_error(errors[0], "en") == errors[0].reason


def test_texts_ccimatch_stores_itself_are_shown_translated() -> None:
    from service.events.matching import PREFILL_MESSAGE
    from service.web.templating import SYSTEM_TEXTS, environment

    assert PREFILL_MESSAGE in SYSTEM_TEXTS
    french: Any = environment("fr").globals["stored"]
    arabic: Any = environment("ar").globals["stored"]
    assert french(PREFILL_MESSAGE) == "Suggéré par l'organisateur"
    assert arabic("a message a participant wrote") == "a message a participant wrote"
