"""Quality reports over HTTP: the owner (participant key bound to the profile, or the edit token) and editors read
them, nobody else (also with open reads); editors list the weakest profiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.catalogue import Catalogue, moderation
from service.http import create_app
from service.settings import Settings
from storage.keys import create_key
from tests.conftest import FakeEncoder
from tests.service.http.test_api import body

GOOD = ("Atelier de poterie à Nabeul : nous tournons et émaillons à la main de la vaisselle en céramique et des "
        "carreaux peints pour les hôtels, les restaurants et les boutiques de décoration.")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Catalogue, dict[str, dict[str, str]]]]:
    settings = Settings(db=str(tmp_path / "api.db"), open_reads=True)
    cat = Catalogue.open(settings, encoder=FakeEncoder())
    engine = cat.engine
    headers = {role: {"X-API-Key": create_key(engine, role)} for role in ("reader", "editor", "admin", "organiser")}
    headers["owner"] = {"X-API-Key": create_key(engine, "participant", event_id=1, profile_id="tn-bad")}
    headers["other"] = {"X-API-Key": create_key(engine, "participant", event_id=1, profile_id="tn-good")}
    with TestClient(create_app(settings, catalogue=cat), raise_server_exceptions=False) as client:
        client.put("/profiles/tn-good", json=body("tn-good", name="Atelier Nour", description=GOOD,
                                                   offers="vaisselle émaillée;carreaux sur mesure",
                                                   needs="distributeur en Europe"), headers=headers["editor"])
        client.put("/profiles/tn-bad", json=body("tn-bad", name="POTERIE DU CAP BON", description="We do crafts.",
                                                  offers="", languages="en"), headers=headers["editor"])
        yield client, cat, headers


def test_owner_and_editor_read_a_report_in_their_language(api) -> None:
    client, _, h = api
    for who in ("owner", "editor", "admin"):
        r = client.get("/profiles/tn-bad/quality", headers=h[who])
        assert r.status_code == 200, who
        data = r.json()
        assert data["profile_id"] == "tn-bad" and data["score"] < 60
        assert [f["code"] for f in data["findings"]] == ["description_short", "no_offers", "all_capitals"]
    fr = client.get("/profiles/tn-bad/quality?lang=ar", headers=h["owner"]).json()
    assert fr["findings"][0]["message"].startswith("الوصف قصير")
    good = client.get("/profiles/tn-good/quality", headers=h["editor"]).json()
    assert good == {"profile_id": "tn-good", "score": 100, "findings": []}


def test_the_public_and_other_keys_cannot(api) -> None:
    client, _, h = api
    assert client.get("/profiles/tn-bad/quality").status_code == 401  # open reads do not open it
    for who in ("reader", "organiser", "other"):
        assert client.get("/profiles/tn-bad/quality", headers=h[who]).status_code == 403, who
    assert client.get("/profiles/quality").status_code == 401
    assert client.get("/profiles/quality", headers=h["reader"]).status_code == 403
    assert client.get("/profiles/quality", headers=h["owner"]).status_code == 403
    assert client.get("/profiles/nobody/quality", headers=h["editor"]).status_code == 404
    assert client.get("/profiles/tn-bad/quality?lang=de", headers=h["editor"]).status_code == 422


def test_the_edit_token_is_the_owner(api) -> None:
    client, cat, _ = api
    sent = moderation.submit_new(cat, body("x", name="Atelier Sud", country="TN", description="We do crafts."))
    pid = sent.profile.id
    r = client.get(f"/profiles/{pid}/quality", headers={"X-Edit-Token": str(sent.token)})
    assert r.status_code == 200 and r.json()["findings"][0]["code"] == "description_short"  # pending, not published
    assert client.get("/profiles/tn-bad/quality", headers={"X-Edit-Token": str(sent.token)}).status_code == 403
    assert client.get(f"/profiles/{pid}/quality", headers={"X-Edit-Token": "nope"}).status_code == 401


def test_editors_list_the_weakest(api) -> None:
    client, _, h = api
    client.put("/profiles/tn-twin", json=body("tn-twin", name="Poterie du Cap Bon", description=GOOD),
               headers=h["editor"])
    data = client.get("/profiles/quality?weakest=1&top=2", headers=h["editor"]).json()
    assert data["profiles"] == 3 and data["with_findings"] == 2
    assert [x["profile_id"] for x in data["items"]] == ["tn-bad"]
    assert len(data["items"][0]["findings"]) == 2 and data["items"][0]["name"] == "POTERIE DU CAP BON"
    twin = client.get("/profiles/tn-twin/quality", headers=h["editor"]).json()
    assert [f["code"] for f in twin["findings"]] == ["possible_duplicate"]
    assert twin["findings"][0]["params"] == {"others": "tn-bad"}
    assert client.get("/profiles/quality?weakest=0", headers=h["editor"]).status_code == 422
