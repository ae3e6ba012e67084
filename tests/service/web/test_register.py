"""An organisation registers in a real browser (field-by-field errors in its language, a preview, a private edit
link), its profile stays private until an editor approves it in the moderation queue, and a later change
through the edit link waits for approval too."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.service.web.conftest import LiveServer, direction, serious_violations

pytestmark = pytest.mark.model


def fill(page: Any, **fields: str) -> None:
    for name, value in fields.items():
        page.fill(f"#{name}", value)


def editor_page(web: LiveServer, chromium: Any, sample_catalogue: Any) -> Any:
    from storage.keys import create_key

    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{web.url}/fr/key/{create_key(sample_catalogue.engine, 'editor', 'test editor')}")
    assert page.url.endswith("/fr/moderation")
    return page


def test_register_preview_approve_and_edit(web: LiveServer, page: Any, chromium: Any, sample_catalogue: Any) -> None:
    page.goto(f"{web.url}/fr/register")
    assert serious_violations(page) == []
    fill(page, name="Atelier Nour de Safi", country="Marocco", description="")
    page.select_option("#kind", "firm")
    page.click("button[value=send]")
    # every problem next to its field, in French where the message is known; nothing saved
    assert page.get_attribute("#country", "aria-invalid") == "true"
    assert "MA" in page.inner_text("#country-error")
    assert page.locator("#description-error").count() == 1 and page.locator("#sectors-error").count() == 1
    assert page.input_value("#name") == "Atelier Nour de Safi"  # what was typed is kept
    assert serious_violations(page) == []
    fill(page, country="Maroc", description="Atelier de poterie émaillée à Safi, pièces tournées à la main.",
         offers="plats en céramique émaillée\nbols et tajines décorés",
         needs="distributeur en France pour la céramique")
    page.check("input[name=sectors][value=crafts]")
    page.click("button[value=preview]")
    assert page.locator("ol.results > li").count() >= 3  # the first suggestions, nothing saved yet
    page.click("button[value=send]")
    link = page.inner_text(".edit-link")
    assert re.match(rf"{web.url}/fr/register/edit/[\w-]+$", link)
    profile_id = re.search(r"ma-atelier-nour-de-safi-[0-9a-f]{4}", page.content())
    assert profile_id is None or profile_id  # the id is not shown to the public; find it in the queue
    # not public before approval
    page.goto(f"{web.url}/fr/search?q=poterie+émaillée+Safi&home=FR")
    assert "Atelier Nour de Safi" not in page.inner_text("main")
    # an editor approves it
    editor = editor_page(web, chromium, sample_catalogue)
    item = editor.locator("li.result", has_text="Atelier Nour de Safi")
    new_id = item.locator("bdi").first.inner_text()
    assert serious_violations(editor) == []
    item.locator("button", has_text="Valider et publier").click()
    assert editor.locator("li.result", has_text="Atelier Nour de Safi").count() == 0
    page.goto(f"{web.url}/fr/profiles/{new_id}")
    assert page.inner_text("h1") == "Atelier Nour de Safi"
    # a change through the private link waits for approval; the public profile stays as it was
    page.goto(link)
    assert page.input_value("#name") == "Atelier Nour de Safi"
    fill(page, name="Atelier Nour — Safi")
    page.click("button[value=send]")
    page.goto(f"{web.url}/fr/profiles/{new_id}")
    assert page.inner_text("h1") == "Atelier Nour de Safi"
    editor.reload()
    change = editor.locator("li.result", has_text="Atelier Nour — Safi")
    assert "name" in change.inner_text()
    editor.context.close()


def test_the_moderation_queue_needs_an_editor(web: LiveServer, page: Any) -> None:
    response = page.goto(f"{web.url}/ar/moderation")
    assert response.status == 401 and direction(page) == ("rtl", "rtl")


def test_an_invalid_edit_link_is_a_404_page(web: LiveServer, page: Any) -> None:
    assert page.goto(f"{web.url}/en/register/edit/not-a-token").status == 404
