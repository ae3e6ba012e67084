"""The pages every visitor meets, in a real browser: languages and direction, the language switch, signing in,
CSRF, security headers, accessibility."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.web.conftest import LiveServer, direction, serious_violations

pytestmark = pytest.mark.model


@pytest.mark.parametrize(("lang", "dir_", "heading"), [
    ("ar", "rtl", "ابحث عن شركاء في كل أنحاء المتوسط"),
    ("fr", "ltr", "Trouvez des partenaires dans toute la Méditerranée"),
    ("en", "ltr", "Find partners across the Mediterranean"),
])
def test_home_in_three_languages(web: LiveServer, page: Any, lang: str, dir_: str, heading: str) -> None:
    page.goto(f"{web.url}/{lang}/")
    assert page.get_attribute("html", "lang") == lang and direction(page) == (dir_, dir_)
    assert page.inner_text("h1") == heading
    assert serious_violations(page) == []


def test_arabic_renders_with_real_arabic_glyphs(web: LiveServer, page: Any) -> None:
    """The shipped Noto Sans Arabic font is loaded and used for Arabic text (no tofu boxes)."""
    page.goto(f"{web.url}/ar/")
    page.wait_for_function("document.fonts.status === 'loaded'")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Arabic\"', 'ابحث')")
    used = page.evaluate("""[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)""")
    assert any("Noto Sans Arabic" in f for f in used)


def test_the_language_switch_persists_and_accept_language_is_the_default(web: LiveServer, chromium: Any) -> None:
    context = chromium.new_context(locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    page = context.new_page()
    page.goto(f"{web.url}/")
    assert page.url.endswith("/fr/") and page.get_attribute("html", "lang") == "fr"
    page.click("nav.langs a[hreflang=ar]")
    assert page.url.endswith("/ar/") and direction(page) == ("rtl", "rtl")
    page.goto(f"{web.url}/")  # the choice is remembered over the browser's preference
    assert page.url.endswith("/ar/")
    context.close()


def test_sign_in_with_a_bad_key_says_so_in_the_page_language(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/fr/login")
    page.fill("#key", "cci_nope_nope")
    page.click("form.form button[type=submit]")
    assert "pas valide" in page.inner_text(".error") and page.get_attribute("#key", "aria-invalid") == "true"
    assert serious_violations(page) == []


def test_a_form_post_without_a_csrf_token_is_refused(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/en/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.fill("#key", "anything")
    page.click("form.form button[type=submit]")
    assert page.inner_text("h1") == "Not allowed"


def test_security_headers_and_cookie_flags(web: LiveServer, page: Any) -> None:
    response = page.goto(f"{web.url}/en/")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"] and "'unsafe-inline'" not in \
        headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    csrf = next(c for c in page.context.cookies() if c["name"] == "ccimatch_csrf")
    assert csrf["httpOnly"] and csrf["sameSite"] == "Lax"


def test_pages_work_on_a_phone(web: LiveServer, phone: Any) -> None:
    phone.goto(f"{web.url}/ar/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "no horizontal scrolling on a 375-pixel phone"
    assert serious_violations(phone) == []


def test_unknown_pages_are_pages_in_the_visitors_language(web: LiveServer, page: Any) -> None:
    response = page.goto(f"{web.url}/ar/no-such-page")
    assert response.status == 404 and page.inner_text("h1") == "هذه الصفحة غير موجودة"
