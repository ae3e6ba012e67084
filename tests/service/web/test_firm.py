"""A firm's journey in a real browser: search in Arabic, French and English with filters, results explained
(the phrases that match highlighted, the score as a bar, the constraints that admitted each), a profile's
page and its partners."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.web.conftest import LiveServer, direction, serious_violations

pytestmark = pytest.mark.model

QUERIES = {
    "ar": ("موزع في فرنسا للأواني الخزفية المصنوعة يدويا", "MA", "FR"),
    "fr": ("studio de design graphique pour créer l'identité visuelle et l'emballage de nos produits", "TN", ""),
    "en": ("a film co-producer for a documentary about Mediterranean crafts", "LB", ""),
}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_search_with_filters_explains_every_result(web: LiveServer, page: Any, lang: str) -> None:
    text, home, country = QUERIES[lang]
    page.goto(f"{web.url}/{lang}/")
    page.click(f"nav.nav a[href='/{lang}/search']")
    page.fill("#q", text)
    page.select_option("#home", home)
    if country:
        page.select_option("#country", country)
    page.click("form.search button[type=submit]")
    results = page.locator("ol.results > li")
    assert results.count() >= 3
    assert "q=" in page.url and f"home={home}" in page.url  # one URL per page: the search is bookmarkable
    first = results.first
    assert first.locator("meter").count() == 1 and 0 < float(first.locator("meter").get_attribute("value")) <= 1
    assert first.locator("mark").count() >= 1  # the matching phrases, highlighted
    assert first.locator(".admitted .tag").count() >= 1
    countries = page.locator("ol.results .meta").all_inner_texts()
    from service.web.vocabulary import country_name
    assert not any(t.startswith(country_name(home, lang)) for t in countries), "partners are cross-border"
    if country:
        assert all(t.startswith(country_name(country, lang)) for t in countries)
    assert direction(page) == (("rtl", "rtl") if lang == "ar" else ("ltr", "ltr"))
    assert serious_violations(page) == []


def test_a_result_opens_its_profile_and_its_partners(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/fr/search?q=poterie+émaillée&home=TN")
    name = page.locator("ol.results > li h3 a").first
    title = name.inner_text()
    name.click()
    assert page.inner_text("h1") == title and "/fr/profiles/" in page.url
    assert page.locator("[lang]").count() > 2  # texts shown as written, with their language marked
    assert "@" not in page.inner_text("main"), "no contact e-mail on public pages"
    assert serious_violations(page) == []
    page.click("a.button")
    assert page.url.endswith("/partners") and page.locator("ol.results > li").count() >= 3
    assert serious_violations(page) == []


def test_arabic_profile_page_is_right_to_left_with_latin_names_readable(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/ar/profiles/fr-0006")
    assert direction(page) == ("rtl", "rtl")
    assert page.get_attribute("h1", "dir") == "auto"  # a French name keeps its own direction inside Arabic
    assert serious_violations(page) == []


def test_unknown_profile_is_a_404_page(web: LiveServer, page: Any) -> None:
    response = page.goto(f"{web.url}/fr/profiles/nobody-here")
    assert response.status == 404 and page.inner_text("h1") == "Cette page n'existe pas"
