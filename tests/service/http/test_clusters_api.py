"""POST /clusters/seed gives a coordinator what it needs to trust the proposal: each member's fit with its parts,
evidence and its own alternatives with the change of the objective; the group's quality; every country asked for
but missing with why; bad input is a 422 naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.catalogue import Catalogue, ingest
from service.http import create_app
from service.settings import Settings
from storage.keys import create_key
from tests.conftest import FakeEncoder, record
from tests.service.events.helpers import PROFILES

EXTRA = [record("tn-3", description="Sejnane clay figurines", offers="clay figurines",
                needs="concept stores in Europe for crafts"),
         record("fr-2", country="FR", city="Paris", kind="education", sectors="crafts;graphic_product_design",
                description="Design school in Paris, ceramics workshops", offers="training in ceramic design",
                needs="workshops hosting interns")]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(db=str(tmp_path / "clusters.db"))
    catalogue = Catalogue.open(settings, encoder=FakeEncoder())
    assert not ingest(catalogue, [*PROFILES, *EXTRA], atomic=True).errors
    headers = {"X-API-Key": create_key(catalogue.engine, "reader")}
    with TestClient(create_app(settings, catalogue=catalogue), raise_server_exceptions=False) as client:
        yield client, headers


def test_a_seed_explains_its_members_its_quality_and_the_missing_countries(api) -> None:
    client, h = api
    body = {"size": 4, "sectors": ["crafts"], "countries": ["TN", "FR", "MA", "EG"], "min_countries": 2,
            "require": {"education": 1}}
    r = client.post("/clusters/seed", json=body, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["members"]) == 4 and {m["country"] for m in out["members"]} <= {"TN", "FR", "MA"}
    for m in out["members"]:
        assert set(m["fit_parts"]) == {"theme", "sectors", "value_chain"} and 0 <= m["fit"] <= 1
        assert m["reason"].startswith(f"fit {m['fit']:.2f} with the focus")
        for alt in m["alternatives"]:
            assert {"id", "name", "country", "delta", "cohesion_change"} <= set(alt)
            assert alt["id"] in out["alternatives"][m["id"]]
    assert sorted(m["kind"] for m in out["members"]).count("education") == 1
    missing = {x["country"]: x for x in out["missing_countries"]}
    assert missing["EG"]["reason"] == "no_eligible" and missing["EG"]["text"] == "EG: no eligible profile there"
    assert set(missing) == {"TN", "FR", "MA", "EG"} - {m["country"] for m in out["members"]}
    quality = out["quality"]
    assert set(quality) == {"cohesion", "value_chain", "roles", "countries", "languages", "complementarity"}
    assert all(figure["text"] for figure in quality.values())
    assert quality["cohesion"]["value"] == out["cohesion"] and "EG" in quality["countries"]["text"]
    assert quality["countries"]["asked"] == ["EG", "FR", "MA", "TN"]


def test_bad_requests_are_422_naming_the_field(api) -> None:
    client, h = api
    r = client.post("/clusters/seed", json={"size": 3, "sectors": ["crafts"], "require": {"wizard": 1}}, headers=h)
    assert r.status_code == 422 and "require" in r.text
    r = client.post("/clusters/seed", json={"size": 2, "sectors": ["crafts"], "require": {"education": 3}}, headers=h)
    assert r.status_code == 422 and "more than the size" in r.text
