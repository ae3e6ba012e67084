"""The relationships routes: import (all or nothing by default, or the good rows), every bad row with its row,
field and reason, idempotent re-imports, add, read, list with filters (derived cluster members included), delete,
and the same roles as profiles."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.catalogue import Catalogue, ingest
from service.http import create_app
from service.settings import Settings
from storage.keys import create_key
from tests.conftest import FakeEncoder, record
from tests.service.events.helpers import PROFILES

CLUSTER = record("tn-9", kind="cluster", members="tn-1;tn-2;zz-0", description="Nabeul crafts cluster")
GOOD = [{"source": "tn-1", "target": "fr-1", "date": "2021-03-15", "origin": "CORDIS", "reference": "H2020-1"},
        {"source": "ma-1", "target": "it-1", "date": "2019", "origin": "EEN", "reference": ""}]
BAD = [{"source": "tn-1", "target": "zz-0", "date": "2021"},  # row 3: unknown profile
       {"source": "fr-1", "target": "fr-1", "date": "2021"},  # row 4: itself
       {"source": "lb-1", "target": "es-1", "kind": "friends", "date": (date.today() + timedelta(days=2)).isoformat()},
       {"source": "lb-1", "target": "es-1", "date": "2020", "origin": "EEN\x1b[2J"}]  # row 6: a control character


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    settings = Settings(db=str(tmp_path / "rel.db"))
    catalogue = Catalogue.open(settings, encoder=FakeEncoder())
    assert not ingest(catalogue, [*PROFILES, CLUSTER], atomic=True).errors
    headers = {role: {"X-API-Key": create_key(catalogue.engine, role)}
               for role in ("reader", "editor", "organiser", "admin")}
    with TestClient(create_app(settings, catalogue=catalogue), raise_server_exceptions=False) as client:
        yield client, headers


def upload(client: TestClient, rows: list[dict[str, str]], headers: dict[str, str], *, query: str = "",
           name: str = "rel.csv") -> Any:
    import pandas as pd

    buffer = io.BytesIO()
    if name.endswith(".json"):
        buffer.write(json.dumps({"relationships": rows}).encode())
    else:
        pd.DataFrame(rows).to_csv(buffer, index=False)
    return client.post(f"/relationships/import{query}", files={"file": (name, buffer.getvalue())}, headers=headers)


def test_import_is_all_or_nothing_by_default_and_names_each_bad_row(api) -> None:
    client, h = api
    r = upload(client, GOOD + BAD, h["editor"])
    assert r.status_code == 422
    report = r.json()
    assert (report["written"], report["rejected_rows"], report["atomic"]) == (0, 4, True)
    found = {(e["row"], e["field"]): e for e in report["errors"]}
    assert found[(3, "target")]["reason"] == "unknown profile id: no such profile in the catalogue"
    assert found[(4, "target")]["reason"] == "a profile cannot be in a relationship with itself"
    assert found[(5, "kind")]["reason"] == "choose one of partnership"
    assert found[(5, "kind")]["valid_values"] == "relationship kinds"
    assert report["valid_values"] == {"relationship kinds": ["partnership"]}
    assert "is in the future" in found[(5, "date")]["reason"]
    assert found[(6, "origin")]["code"] == "control_character" and "U+001B" in found[(6, "origin")]["reason"]
    assert found[(3, "target")]["message"].startswith("row 3 id 'tn-1 -- zz-0': field 'target' = 'zz-0': ")
    assert client.get("/relationships?kind=partnership", headers=h["reader"]).json() == []


def test_partial_import_writes_the_good_rows_and_a_second_import_changes_nothing(api) -> None:
    client, h = api
    r = upload(client, GOOD + BAD, h["editor"], query="?atomic=false")
    assert r.status_code == 200
    assert (r.json()["inserted"], r.json()["updated"], r.json()["rejected_rows"]) == (2, 0, 4)
    again = upload(client, GOOD, h["editor"], query="?atomic=false", name="again.json")
    assert again.status_code == 200 and (again.json()["inserted"], again.json()["updated"]) == (0, 2)
    stored = client.get("/relationships?kind=partnership", headers=h["reader"]).json()
    assert [(x["source"], x["target"], x["date"], x["origin"]) for x in stored] == [
        ("fr-1", "tn-1", "2021-03-15", "CORDIS"), ("it-1", "ma-1", "2019-01-01", "EEN")]
    reversed_pair = [{**GOOD[0], "source": "fr-1", "target": "tn-1", "date": "2022-01-01"}]
    assert upload(client, reversed_pair, h["editor"]).json()["updated"] == 1  # one pair, in either order
    assert len(client.get("/relationships?kind=partnership", headers=h["reader"]).json()) == 2


def test_add_read_list_and_delete(api) -> None:
    client, h = api
    body = {"source": "tn-2", "target": "it-1", "date": "2020-05-01", "origin": "EEN", "reference": "BRIT2020"}
    r = client.post("/relationships", json=body, headers=h["editor"])
    assert r.status_code == 201, r.text
    made = r.json()
    assert made | {"id": 0} == {"id": 0, "source": "it-1", "target": "tn-2", "kind": "partnership",
                                "date": "2020-05-01", "origin": "EEN", "reference": "BRIT2020", "outcome": ""}
    same = client.post("/relationships", json=body | {"origin": "CORDIS"}, headers=h["editor"])
    assert same.status_code == 200 and same.json()["id"] == made["id"] and same.json()["origin"] == "CORDIS"
    assert client.get(f"/relationships/{made['id']}", headers=h["reader"]).json() == same.json()

    mine = client.get("/relationships?profile=tn-2", headers=h["reader"]).json()
    assert {(x["kind"], x["source"], x["target"]) for x in mine} == {
        ("partnership", "it-1", "tn-2"), ("cluster_member", "tn-9", "tn-2")}  # derived from tn-9's members
    members = client.get("/relationships?kind=cluster_member", headers=h["reader"]).json()
    assert [(x["source"], x["target"], x["id"]) for x in members] == [("tn-9", "tn-1", None), ("tn-9", "tn-2", None)]
    assert client.get("/relationships?profile=tn-9&kind=partnership,met_at_event", headers=h["reader"]).json() == []

    bad_kind = client.get("/relationships?kind=friends", headers=h["reader"])
    assert bad_kind.status_code == 422
    assert bad_kind.json()["detail"][0]["loc"] == ["query", "kind"]
    assert "partnership, cluster_member, met_at_event" in bad_kind.json()["detail"][0]["msg"]
    assert client.get("/relationships?profile=zz-0", headers=h["reader"]).status_code == 404

    assert client.delete(f"/relationships/{made['id']}", headers=h["editor"]).status_code == 204
    assert client.get(f"/relationships/{made['id']}", headers=h["reader"]).status_code == 404
    assert client.delete(f"/relationships/{made['id']}", headers=h["editor"]).status_code == 404
    assert client.get("/relationships/0", headers=h["reader"]).status_code == 422


def test_a_bad_relationship_is_a_422_naming_each_field(api) -> None:
    client, h = api
    r = client.post("/relationships", json={"source": "tn-1", "target": "tn-1", "date": "soon",
                                            "kind": "met_at_event"}, headers=h["editor"])
    assert r.status_code == 422
    detail = {d["loc"][1]: d for d in r.json()["detail"]}
    assert set(detail) == {"target", "kind", "date"}
    assert detail["date"]["msg"] == "not a date: give YYYY-MM-DD, or a year (YYYY)"
    assert detail["kind"]["code"] == "derived_relationship"
    extra = client.post("/relationships", json={"source": "tn-1", "target": "fr-1", "date": "2020", "since": 1},
                        headers=h["editor"])
    assert extra.status_code == 422


def test_roles_as_for_profiles(api) -> None:
    client, h = api
    body = {"source": "tn-1", "target": "fr-1", "date": "2020"}
    assert client.post("/relationships", json=body).status_code == 401
    assert client.post("/relationships", json=body, headers=h["reader"]).status_code == 403
    assert client.post("/relationships", json=body, headers=h["organiser"]).status_code == 403
    assert upload(client, GOOD, h["reader"]).status_code == 403
    rid = client.post("/relationships", json=body, headers=h["admin"]).json()["id"]
    assert client.delete(f"/relationships/{rid}", headers=h["reader"]).status_code == 403
    assert client.get("/relationships").status_code == 401  # reads need a key, unless --demo
    assert client.get("/relationships", headers=h["reader"]).status_code == 200
    unreadable = client.post("/relationships/import", files={"file": ("rel.txt", b"a,b")}, headers=h["editor"])
    assert unreadable.status_code == 422 and unreadable.json()["detail"][0]["loc"] == ["body", "file"]


def test_demo_mode_opens_reads_only(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "demo.db"), open_reads=True)
    catalogue = Catalogue.open(settings, encoder=FakeEncoder())
    ingest(catalogue, PROFILES)
    with TestClient(create_app(settings, catalogue=catalogue), raise_server_exceptions=False) as client:
        assert client.get("/relationships").status_code == 200
        assert client.post("/relationships", json={"source": "tn-1", "target": "fr-1", "date": "2020"}
                           ).status_code == 401
