"""Profile quality in a real browser: the owner's edit page shows the score and each finding with its fix in the
page's language (Arabic, right to left), editors list the weakest profiles, the public sees neither."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.web.conftest import LiveServer, direction, serious_violations

pytestmark = pytest.mark.model


def test_owner_sees_findings_and_editors_the_weakest(web: LiveServer, page: Any, chromium: Any,
                                                     sample_catalogue: Any) -> None:
    from service.catalogue import moderation
    from storage.keys import create_key

    sent = moderation.submit_new(sample_catalogue, {
        "name": "ATELIER QUALITE TEST", "kind": "firm", "country": "MA", "sectors": ["music"],
        "description": "We do crafts.", "languages": ["fr"]})
    try:
        page.goto(f"{web.url}/ar/register/edit/{sent.token}")
        assert direction(page) == ("rtl", "rtl")
        codes = page.eval_on_selector_all(".quality .findings li", "els => els.map(e => e.dataset.code)")
        assert codes == ["description_short", "no_offers", "no_needs", "all_capitals"]
        section = page.inner_text(".quality")
        assert "درجة الجودة: 35/100" in section and "الوصف قصير جداً" in section and "طريقة التصحيح" in section
        assert serious_violations(page) == []

        assert page.goto(f"{web.url}/fr/moderation/quality").status == 401
        editor = chromium.new_context().new_page()
        editor.goto(f"{web.url}/fr/key/{create_key(sample_catalogue.engine, 'editor', 'quality test')}")
        editor.click("a[href='/fr/moderation/quality']")
        assert editor.url.endswith("/fr/moderation/quality")
        items = editor.locator("ol.weakest > li")
        assert items.count() >= 10  # the sample's weakest published profiles; the pending one is not published
        assert "ATELIER QUALITE TEST" not in editor.inner_text("main")
        assert "Note de qualité" in items.first.inner_text()
        assert serious_violations(editor) == []
        editor.context.close()
    finally:
        moderation.reject(sample_catalogue, sent.submission_id, by=None)
