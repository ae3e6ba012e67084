"""The coordinator's journey in a real browser, on the sample catalogue: seed a cluster from the form, read the
members with their roles, reasons and alternatives, swap one and see the cohesion change, read the form's
errors in the page's language, find who could join a sample cluster; right to left in Arabic, accessible in
every language, usable on a phone and without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.service.web.conftest import LiveServer, direction, serious_violations

pytestmark = pytest.mark.model

# six members around crafts and fashion, in at least three of four countries, with a school and a support body
SEED = ("size=6&sectors=crafts&sectors=fashion_textile&countries=MA%2CTN%2CFR%2CIT&min_countries=3"
        "&role_education=1&role_support_org=1")


def members(page: Any) -> Any:
    return page.locator("table.members tbody tr")


def meter_value(page: Any) -> float:
    return float(page.get_attribute(".main-figure meter", "value"))


def test_seed_from_the_form_then_swap_a_member_and_see_the_cohesion_change(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/fr/clusters")
    page.check("#sector-crafts")
    page.check("#sector-fashion_textile")
    page.fill("#countries", "Maroc, Tunisie, France, Italie")  # names, in French
    page.fill("#size", "6")
    page.fill("#min_countries", "3")
    page.fill("#role_education", "1")
    page.fill("#role_support_org", "1")
    page.click("form.cluster-form button[type=submit]")

    assert "/fr/clusters?" in page.url and "size=6" in page.url  # the proposal is a bookmarkable URL
    assert page.inner_text("#proposal-title") == "Le cluster proposé"
    rows = members(page)
    assert rows.count() == 6
    roles = rows.locator("td:nth-child(3)").all_inner_texts()
    assert sum("organisme de formation" in r for r in roles) == 1 and sum("structure d'appui" in r for r in roles) == 1
    assert sum("producteur ou acheteur" in r for r in roles) == 4
    assert all(r for r in rows.locator("td:nth-child(2)").all_inner_texts())  # every member has its country
    for reasons in rows.locator("ul.reasons").all_inner_texts():
        assert "thème" in reasons  # each member says how well it fits the focus, in French
    countries = page.inner_text(".facts div:first-child dd")
    assert len(countries.split(", ")) >= 3 and "Italy" not in countries
    assert page.locator(".unmet").inner_text() == "Toutes vos contraintes sont satisfaites."
    assert page.locator("a.swap").count() >= 6  # alternatives with a swap control each
    before, shown_before = meter_value(page), page.inner_text("#cohesion-value")

    support = rows.filter(has_text="structure d'appui")
    leaving = support.locator("th bdi.name").inner_text()
    swap = support.locator("a.swap").last
    arriving = swap.locator("xpath=..").locator("bdi.name").inner_text()
    label = swap.inner_text()  # "Échanger" and, for screen readers, who comes in place of whom
    assert label.startswith("Échanger") and f"{arriving} à la place de {leaving}" in label
    swap.click()

    assert "members=" in page.url and page.inner_text("#proposal-title") == "Votre cluster, avec vos échanges"
    assert page.locator("tr.swapped th bdi.name").all_inner_texts() == [arriving]
    assert leaving not in members(page).locator("th bdi.name").all_inner_texts()
    assert meter_value(page) != before and page.inner_text("#cohesion-value") != shown_before
    change = page.inner_text("#cohesion-change")
    assert re.match(r"[+−]\d,\d\d par rapport à la proposition \(" + re.escape(shown_before) + r"\)", change)
    assert ("−" in change) == (meter_value(page) < before)

    page.click("text=Revenir à la proposition")  # back to the proposal: the same cohesion as before
    assert meter_value(page) == before and page.locator("tr.swapped").count() == 0


def test_swapping_back_gives_the_proposals_cohesion_without_javascript(web: LiveServer, chromium: Any) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{web.url}/en/clusters?{SEED}")
    before = meter_value(page)
    first = members(page).first
    leaving = first.locator("th bdi.name").inner_text()
    first.locator("a.swap").last.click()
    assert page.locator("tr.swapped").count() == 1 and page.is_visible("#cohesion-change")
    swapped_row = page.locator("tr.swapped")
    back = swapped_row.locator("a.swap", has_text=leaving)  # the member it replaced is now its alternative
    assert back.count() == 1
    back.click()
    assert meter_value(page) == before and page.inner_text("#proposal-title") == "The proposed cluster"
    context.close()


def test_form_errors_are_shown_next_to_their_field_in_french(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/fr/clusters")
    page.check("#sector-crafts")
    page.fill("#countries", "Marocco, Tunisie")
    page.fill("#size", "1")
    page.click("form.cluster-form button[type=submit]")

    error = page.inner_text("#countries-error")
    assert error.startswith("pays inconnu 'Marocco' ; vouliez-vous dire 'MA' ?")
    assert page.get_attribute("#countries", "aria-invalid") == "true"
    assert "countries-error" in (page.get_attribute("#countries", "aria-describedby") or "").split()
    assert page.inner_text("#size-error") == "Indiquez un nombre entier de 2 à 30."
    assert page.input_value("#countries") == "Marocco, Tunisie"  # what was typed stays
    assert page.is_checked("#sector-crafts")
    assert page.locator("#proposal").count() == 0  # nothing else done
    assert page.locator(".error-summary a[href='#countries-error']").count() == 1
    assert serious_violations(page) == []


def test_a_form_without_a_focus_says_what_to_give(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/en/clusters?size=6&anchors=zz-404")
    assert page.inner_text("#anchors-error") == "No profile has the id zz-404."
    page.goto(f"{web.url}/en/clusters?size=6")
    assert "Give a focus" in page.inner_text("#sectors-error")
    assert page.get_attribute("fieldset.sectors", "aria-describedby") == "sectors-error"


def test_extend_a_sample_cluster_from_its_profile(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/en/clusters/extend")
    page.fill("#members", "fr-0006")  # Cluster créatif de Marseille lists six members
    page.click("form.cluster-form button[type=submit]")
    assert "members=fr-0006" in page.url
    assert page.inner_text("#candidates-title") == "Who could join Cluster créatif de Marseille"
    assert page.locator(".member-list li").count() == 6
    rows = page.locator("table.candidates tbody tr")
    assert rows.count() == 10
    countries = rows.locator("td:nth-child(3)").all_inner_texts()
    assert "France" not in countries  # candidates come from other countries
    for reasons in rows.locator("ul.reasons").all_inner_texts():
        assert "close to the members' activities" in reasons and "a new country for the cluster" in reasons
    assert serious_violations(page) == []


def test_extend_lists_catalogue_clusters_and_refuses_an_unknown_id(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/ar/clusters/extend")
    page.locator(".examples a", has_text="Cluster créatif de Marseille").click()
    assert page.locator("table.candidates tbody tr").count() == 10 and direction(page) == ("rtl", "rtl")
    page.goto(f"{web.url}/fr/clusters/extend?members=fr-0006%2Cxx-1")
    assert page.inner_text("#members-error") == "Aucun profil n'a l'identifiant xx-1."
    assert page.get_attribute("#members", "aria-invalid") == "true"


def test_the_arabic_proposal_reads_right_to_left_with_latin_names_isolated(web: LiveServer, page: Any) -> None:
    page.goto(f"{web.url}/ar/clusters?{SEED}")
    assert direction(page) == ("rtl", "rtl")
    assert page.inner_text("#proposal-title") == "التجمّع المقترح"
    assert page.evaluate("getComputedStyle(document.querySelector('table.members th')).textAlign") in ("start", "right")
    names = members(page).locator("th bdi.name")
    # every name is isolated (bdi); the proposal mixes Latin and Arabic names, as its countries are mixed
    assert names.count() == 6 and any(re.search(r"[A-Za-z]", n) for n in names.all_inner_texts())
    page.wait_for_function("document.fonts.status === 'loaded'")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Arabic\"', 'التماسك')")


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_proposal_after_a_swap_has_no_serious_accessibility_violation(web: LiveServer, page: Any,
                                                                          lang: str) -> None:
    page.goto(f"{web.url}/{lang}/clusters?{SEED}")
    members(page).nth(1).locator("a.swap").first.click()
    assert page.locator("tr.swapped").count() == 1
    assert serious_violations(page) == []


def test_the_proposal_fits_a_phone_and_its_table_scrolls(web: LiveServer, phone: Any) -> None:
    phone.goto(f"{web.url}/ar/clusters?{SEED}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.evaluate("(w => w.scrollWidth > w.clientWidth)(document.querySelector('.table-wrap'))")
    assert phone.get_attribute(".table-wrap", "tabindex") == "0"  # a keyboard can scroll it
    assert serious_violations(phone) == []
