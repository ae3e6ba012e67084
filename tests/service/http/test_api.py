"""The HTTP API through FastAPI's TestClient: endpoints, errors, roles, privacy, freshness."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from service.catalogue import Catalogue
from service.http import create_app
from service.settings import Settings
from storage.keys import create_key, revoke_key
from tests.conftest import FakeEncoder, record


def body(id: str, **kw: object) -> dict[str, object]:
    raw = record(id, **kw)
    for key in ("sectors", "offers", "needs", "partnership_types", "languages"):
        raw[key] = [v for v in str(raw[key]).split(";") if v]
    raw["size"] = int(str(raw["size"])) if raw["size"] else None
    return raw


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    settings = Settings(db=str(tmp_path / "api.db"))
    catalogue = Catalogue.open(settings, encoder=FakeEncoder())
    headers = {role: {"X-API-Key": create_key(catalogue.engine, role)} for role in ("reader", "editor", "admin")}
    with TestClient(create_app(settings, catalogue=catalogue), raise_server_exceptions=False) as client:
        yield client, headers


def test_health_ready_and_openapi(api) -> None:
    client, _ = api
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["ready"] and ready.json()["index_fresh"]
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/profiles", "/profiles/{profile_id}", "/profiles/import", "/profiles/{profile_id}/suggestions",
            "/suggestions", "/health", "/ready"} <= set(paths)
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text  # Swagger UI from the project, not a CDN
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_crud_and_index_freshness(api) -> None:
    client, h = api
    r = client.post("/profiles", json=body("tn-1", description="poterie de Nabeul", offers=["poterie émaillée"]),
                    headers=h["editor"])
    assert r.status_code == 201 and r.json()["id"] == "tn-1"
    assert client.post("/profiles", json=body("tn-1"), headers=h["editor"]).status_code == 409
    client.put("/profiles/fr-1", json=body("fr-1", country="FR", description="concept store à Lyon",
                                             needs=["poterie émaillée"]), headers=h["editor"])
    # the very next request sees the new profile in suggestions
    s = client.get("/profiles/tn-1/suggestions", headers=h["reader"]).json()
    assert [x["id"] for x in s["suggestions"]] == ["fr-1"] and s["eligible"] == 1
    r = client.patch("/profiles/fr-1", json={"city": "Marseille", "needs": ["ceramics wholesale"]},
                     headers=h["editor"])
    assert r.status_code == 200 and r.json()["city"] == "Marseille"
    assert r.json()["description"] == "concept store à Lyon"
    s = client.get("/profiles/tn-1/suggestions", headers=h["reader"]).json()
    assert s["suggestions"][0]["evidence"]
    # the route returns its JSON unvalidated: it must be exactly the documented SuggestionsOut
    from service.http.schemas import SuggestionsOut
    assert SuggestionsOut.model_validate(s).model_dump(mode="json") == s
    assert client.delete("/profiles/fr-1", headers=h["editor"]).status_code == 204
    assert client.get("/profiles/fr-1", headers=h["reader"]).status_code == 404
    assert client.get("/profiles/tn-1/suggestions", headers=h["reader"]).json()["suggestions"] == []
    assert client.delete("/profiles/fr-1", headers=h["editor"]).status_code == 404
    assert client.get("/ready").json()["index_fresh"]


def test_contact_email_only_for_admin(api) -> None:
    client, h = api
    client.post("/profiles", json=body("tn-1"), headers=h["editor"])
    assert client.get("/profiles/tn-1", headers=h["reader"]).json()["contact_email"] is None
    assert client.get("/profiles/tn-1", headers=h["editor"]).json()["contact_email"] is None
    assert client.get("/profiles/tn-1", headers=h["admin"]).json()["contact_email"] == "contact@example.org"
    listed = client.get("/profiles", headers=h["reader"]).json()["items"]
    assert all(p["contact_email"] is None for p in listed)
    sugg = client.post("/suggestions", json={"text": "pottery"}, headers=h["reader"]).text
    assert "contact@example.org" not in sugg


def test_keys_roles_and_messages(api, tmp_path: Path) -> None:
    client, h = api
    r = client.post("/profiles", json=body("x"))
    assert r.status_code == 401 and "X-API-Key" in r.json()["detail"]
    r = client.post("/profiles", json=body("x"), headers=h["reader"])
    assert r.status_code == 403 and "editor role" in r.json()["detail"]
    assert client.get("/profiles", headers={"X-API-Key": "cci_nope_nope"}).status_code == 401
    assert client.get("/profiles").status_code == 401  # reads are keyed outside demo mode
    engine = client.app.state.catalogue.engine
    revoke_key(engine, h["editor"]["X-API-Key"])
    assert client.post("/profiles", json=body("x"), headers=h["editor"]).status_code == 401


def test_keys_are_stored_hashed(api) -> None:
    client, h = api
    from sqlalchemy import text

    with client.app.state.catalogue.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM api_keys")) for v in row)
    assert all(key["X-API-Key"] not in stored for key in h.values())


def test_demo_mode_opens_reads_not_writes(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "d.db"), open_reads=True)
    with TestClient(create_app(settings, catalogue=Catalogue.open(settings, encoder=FakeEncoder()))) as client:
        assert client.get("/profiles").status_code == 200
        assert client.post("/suggestions", json={"text": "pottery"}).status_code == 200
        assert client.post("/profiles", json=body("x")).status_code == 401


def test_bad_input_is_refused_clearly(api) -> None:
    client, h = api
    r = client.post("/profiles", json=body("x", country="XX"), headers=h["editor"])
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail[0]["loc"] == ["body", "country"] and detail[0]["valid_values"] == "country"
    assert r.json()["valid_values"]["country"][:2] == ["MA", "DZ"] and r.json()["error_count"] == 1
    r = client.post("/profiles", json=body("x", sectors="jewelery"), headers=h["editor"])
    assert r.status_code == 422 and "did you mean 'jewellery'" in r.json()["detail"][0]["msg"]
    r = client.post("/profiles", json={**body("x"), "description": "a" * 5001}, headers=h["editor"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "description"]
    r = client.post("/profiles", json={**body("x"), "needs": ["n"] * 31}, headers=h["editor"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "needs"]
    r = client.post("/profiles", json={**body("x"), "colour": "red"}, headers=h["editor"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "colour"]
    assert client.get("/profiles/tn-1/suggestions?k=101", headers=h["reader"]).status_code == 422
    client.post("/profiles", json=body("tn-1"), headers=h["editor"])
    r = client.get("/profiles/tn-1/suggestions?countries=FR,ZZ", headers=h["reader"])
    assert r.status_code == 422 and "ZZ" in r.json()["detail"][0]["msg"]
    assert client.get("/profiles/nobody/suggestions", headers=h["reader"]).status_code == 404
    r = client.post("/profiles", content=b"{not json", headers={**h["editor"], "Content-Type": "application/json"})
    assert r.status_code == 422 and "Traceback" not in r.text
    big = b"x" * (10 * 1024 * 1024 + 1)
    r = client.post("/profiles/import", files={"file": ("a.csv", big)}, headers=h["editor"])
    assert r.status_code == 413


def test_arabic_and_mixed_script_round_trip(api) -> None:
    client, h = api
    text = "ورشة خزف في نابل — Poterie « artisanale » مع English 2024 ‏(RTL)"
    client.post("/profiles", json=body("ar-1", name="دار الخزف", description=text), headers=h["editor"])
    got = client.get("/profiles/ar-1", headers=h["reader"]).json()
    assert got["description"] == text and got["name"] == "دار الخزف"


def test_pagination_and_filters(api) -> None:
    client, h = api
    for i in range(5):
        client.post("/profiles", json=body(f"p{i}", country="FR" if i % 2 else "TN",
                                           description=f"studio {i} pottery" if i < 3 else f"film {i}"),
                    headers=h["editor"])
    first = client.get("/profiles?limit=2", headers=h["reader"]).json()
    assert [p["id"] for p in first["items"]] == ["p0", "p1"] and first["next_cursor"] == "p1"
    rest = client.get(f"/profiles?limit=10&cursor={first['next_cursor']}", headers=h["reader"]).json()
    assert [p["id"] for p in rest["items"]] == ["p2", "p3", "p4"] and rest["next_cursor"] is None
    fr = client.get("/profiles?country=France&q=POTTERY", headers=h["reader"]).json()["items"]
    assert [p["id"] for p in fr] == ["p1"]
    assert client.get("/profiles?sector=craft", headers=h["reader"]).status_code == 422


def test_import_atomic_and_partial(api) -> None:
    client, h = api
    frame = pd.DataFrame([record("a-1"), record("a-2", country="XX"), record("a-3")])
    csv = frame.to_csv(index=False).encode()
    r = client.post("/profiles/import?atomic=true", files={"file": ("p.csv", csv)}, headers=h["editor"])
    assert r.status_code == 422 and r.json()["written"] == 0 and r.json()["errors"][0]["row"] == 2
    assert client.get("/profiles", headers=h["reader"]).json()["items"] == []
    r = client.post("/profiles/import", files={"file": ("p.csv", csv)}, headers=h["editor"])
    assert r.status_code == 200 and r.json()["inserted"] == 2 and r.json()["errors"][0]["field"] == "country"
    js = json.dumps([record("a-4")]).encode()
    assert client.post("/profiles/import", files={"file": ("p.json", js)}, headers=h["editor"]).json()["inserted"] == 1
    xlsx = io.BytesIO()
    pd.DataFrame([record("a-5")]).to_excel(xlsx, index=False)
    r = client.post("/profiles/import", files={"file": ("p.xlsx", xlsx.getvalue())}, headers=h["editor"])
    assert r.json()["inserted"] == 1
    r = client.post("/profiles/import", files={"file": ("p.txt", b"x")}, headers=h["editor"])
    assert r.status_code == 422 and "unsupported file type" in r.json()["detail"][0]["msg"]


def test_draft_suggestions_same_shape_as_cli(api) -> None:
    client, h = api
    client.post("/profiles", json=body("fr-1", country="FR", offers=["distribution de céramique en France"]),
                headers=h["editor"])
    r = client.post("/suggestions", json={"text": "distribution de céramique", "country": "TN", "k": 5},
                    headers=h["reader"])
    data = r.json()
    assert r.status_code == 200 and set(data) == {"query", "eligible", "cap_relaxed", "ranking", "ranking_note",
                                                  "suggestions"}
    assert data["ranking"] == "weighted_mean" and data["ranking_note"] == ""
    s = data["suggestions"][0]
    assert set(s) >= {"id", "name", "country", "kind", "sectors", "score", "components", "evidence", "reason"}
    assert set(s["components"]) == {"semantic", "complementarity", "sector", "preference"}


def test_requests_are_logged_without_personal_data(api, caplog: pytest.LogCaptureFixture) -> None:
    client, h = api
    with caplog.at_level("INFO", logger="ccimatch.http"):
        client.get("/profiles?q=Fatima%20Zahra", headers=h["reader"])
    entry = json.loads(caplog.records[-1].getMessage())
    assert entry["method"] == "GET" and entry["path"] == "/profiles" and entry["status"] == 200
    assert isinstance(entry["ms"], float)
    assert "Fatima" not in caplog.text and h["reader"]["X-API-Key"] not in caplog.text


def test_error_bodies_are_bounded_and_list_valid_values_once(api) -> None:
    """Problem 7: a file of many bad rows gets at most 100 errors, their total, and the country codes once."""
    client, h = api
    frame = pd.DataFrame([record(f"x-{i}", country="Marocco", colour="red") for i in range(3000)])
    r = client.post("/profiles/import", files={"file": ("p.csv", frame.to_csv(index=False).encode())},
                    headers=h["editor"])
    report = r.json()
    assert r.status_code == 422 and report["written"] == 0
    assert report["error_count"] == 6000 and report["errors_listed"] == len(report["errors"]) == 100
    assert report["valid_values"]["country"][:3] == ["MA", "DZ", "TN"] and "id" in report["valid_values"]["fields"]
    assert report["errors"][0]["valid_values"] in ("country", "fields")
    assert r.text.count('"DZ"') == 1 and len(r.content) < 60_000


@pytest.mark.parametrize(("name", "data", "message"), [
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "deep.json: nested too deeply"),
    ("corrupt.xlsx", b"PK\x03\x04garbage", "corrupt.xlsx: not a valid Excel workbook"),
    ("semi.csv", b"id;name;kind\ntn-1;A;firm\n", "semi.csv: one column named 'id;name;kind': did you mean ';'-"),
    ("lines.jsonl", b'{"id": "a"}\n{"id": \n', "lines.jsonl: line 2: not valid JSON"),
])
def test_malformed_uploads_are_a_422_naming_the_file(api, name: str, data: bytes, message: str) -> None:
    """Problems 4, 8 and 9 over HTTP (was a 500 for deep JSON and corrupt Excel)."""
    client, h = api
    r = client.post("/profiles/import", files={"file": (name, data)}, headers=h["editor"])
    assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(message)
    assert "/tmp" not in r.text and "upload" not in r.text


def test_control_characters_are_refused_everywhere_with_field_and_code_point(api) -> None:
    """Problem 3 over HTTP: profiles, drafts, browsing."""
    client, h = api
    r = client.post("/profiles", json=body("x", name="Atelier\u202eNabeul"), headers=h["editor"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "name"]
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in r.json()["detail"][0]["msg"]
    r = client.post("/profiles", json=body("x", description="a\x00b"), headers=h["editor"])
    assert r.status_code == 422 and "U+0000" in r.json()["detail"][0]["msg"]
    assert r.json()["detail"][0]["input"] == "a\ufffdb"
    r = client.post("/suggestions", json={"text": "poterie\x1b[2J"}, headers=h["reader"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "text"]
    assert "U+001B" in r.json()["detail"][0]["msg"]
    assert client.get("/profiles?q=a%00b", headers=h["reader"]).status_code == 422
    r = client.post("/profiles", content=json.dumps(body("x", name="x\ud800")),  # sent as the escape \\ud800
                    headers={**h["editor"], "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "name"]  # pydantic refuses it first


def test_422_bodies_carry_the_message_code_and_params_for_translations(api) -> None:
    client, h = api
    r = client.post("/profiles", json=body("x", country="Marocco"), headers=h["editor"])
    assert r.json()["detail"][0]["code"] == "unknown_country_hint"
    assert r.json()["detail"][0]["params"]["hint"] == "MA"
    client.post("/profiles", json=body("tn-1"), headers=h["editor"])
    r = client.get("/profiles/tn-1/suggestions?countries=Tunisi", headers=h["reader"])
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "unknown_country_name_hint"
    assert r.json()["detail"][0]["loc"] == ["query", "countries"]
