"""A suggestion's relationship reasons on the partners page, in Arabic, French and English: the shared partner
named (isolated in its own direction), the sentence in the page's language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matcher.relationships import partnership
from service.catalogue import Catalogue, ingest
from service.http import create_app
from service.settings import Settings
from storage import relationships as rel
from tests.conftest import FakeEncoder, record


@pytest.fixture
def client(tmp_path: Path):
    settings = Settings(db=str(tmp_path / "web.db"), open_reads=True)
    cat = Catalogue.open(settings, encoder=FakeEncoder())
    people = [record("a", country="TN"), record("b", country="FR"), record("z", country="IT", name="Atelier Zeta")]
    assert not ingest(cat, people, atomic=True).errors
    rel.write_partnerships(cat.engine, [partnership("a", "z", date=date(2024, 1, 1)),
                                        partnership("b", "z", date=date(2024, 1, 1))])
    with TestClient(create_app(settings, catalogue=cat), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(("lang", "works", "also"), [
    ("en", "Works with", "who also works with you"),
    ("fr", "Travaille avec", "qui travaille aussi avec vous"),
    ("ar", "يعمل مع", "الذي يعمل معك أيضًا"),
])
def test_the_partners_page_names_the_shared_partner(client: TestClient, lang: str, works: str, also: str) -> None:
    page = client.get(f"/{lang}/profiles/a/partners")
    assert page.status_code == 200
    html = page.text
    assert works in html and also in html
    assert "<bdi" in html and "Atelier Zeta</bdi>" in html and "(IT)" in html
