"""Every page of the web app, in Arabic, French and English, opened as its user would (through a personal
link where it needs one): it answers, its direction is its language's, and axe-core finds no serious or
critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.web.conftest import LiveServer, direction, serious_violations
from tests.service.web.screenshots import PAGES, QUERIES, stage

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def staged(sample_catalogue: Any) -> dict[str, Any]:
    return stage(sample_catalogue)


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_every_page_answers_reads_its_way_and_passes_axe(web: LiveServer, chromium: Any, staged: dict[str, Any],
                                                         lang: str) -> None:
    found: dict[str, list[str]] = {}
    for name, path, who in PAGES:
        context = chromium.new_context()
        page = context.new_page()
        if who is not None:
            page.goto(f"{web.url}/{lang}/key/{staged['keys'][who]}")
        response = page.goto(web.url + path.format(lang=lang, event=staged["event"], query=QUERIES[lang]))
        assert response is not None and response.status == 200, (name, response and response.status)
        assert direction(page) == (("rtl", "rtl") if lang == "ar" else ("ltr", "ltr")), name
        problems = serious_violations(page)
        if problems:
            found[name] = problems
        context.close()
    assert found == {}
