"""The cluster proposal page without a browser (a small catalogue, the fake encoder): the quality of the whole, a
fit bar with its parts per member, each alternative's change of the objective and the countries asked for but
missing with why, in the page's language, with no inline style (the CSP forbids it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.catalogue import Catalogue, ingest
from service.http import create_app
from service.settings import Settings
from tests.conftest import FakeEncoder
from tests.service.events.helpers import PROFILES
from tests.service.http.test_clusters_api import EXTRA

SEED = "size=4&sectors=crafts&countries=TN%2CFR%2CMA%2CEG&min_countries=2&role_education=1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=str(tmp_path / "web.db"))
    catalogue = Catalogue.open(settings, encoder=FakeEncoder())
    assert not ingest(catalogue, [*PROFILES, *EXTRA], atomic=True).errors
    with TestClient(create_app(settings, catalogue=catalogue)) as c:
        yield c


def test_the_proposal_shows_quality_fit_parts_alternatives_and_missing_countries_in_french(client) -> None:
    page = client.get(f"/fr/clusters?{SEED}")
    assert page.status_code == 200
    html = page.text
    assert "Qualité de l'ensemble" in html and len(re.findall(r"<dt>", html.split('class="quality-list"')[1]
                                                               .split("</dl>")[0])) == 6
    assert "Besoins satisfaits en interne" in html and re.search(r"\d des 4 pays demandés", html)
    assert html.count('<svg class="fit-bar"') == 4  # one bar per member
    assert html.count('class="part part-theme">thème') == 4 and "chaîne de valeur" in html
    assert "Pays demandés sans membre" in html and "Égypte : aucun profil éligible dans ce pays." in html
    assert re.search(r"objectif <bdi dir=\"ltr\">[+−±]\d,\d\d</bdi>", html)  # each alternative's change
    assert " style=" not in html.split('id="proposal"')[1]


def test_the_missing_country_is_said_in_arabic(client) -> None:
    html = client.get(f"/ar/clusters?{SEED}").text
    assert "بلدان مطلوبة بلا عضو" in html and "مصر: لا يوجد هناك أي ملف مؤهل." in html
    assert "جودة المجموعة ككل" in html
