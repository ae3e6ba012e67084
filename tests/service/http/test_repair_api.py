"""``POST /events/{id}/reschedule``: organiser only, the notifications, a dry run, bad input as 4xx naming the field."""

from __future__ import annotations

from service.events import EventService
from tests.service.events.helpers import EVENT_BODY


def _scheduled(client, h, svc: EventService) -> int:
    eid = client.post("/events", json=EVENT_BODY, headers=h["organiser"]).json()["id"]
    for a, b in (("tn-1", "fr-1"), ("tn-1", "it-1"), ("ma-1", "it-1")):
        rid = client.post(f"/events/{eid}/requests", json={"from_id": a, "to_id": b}, headers=h["organiser"]).json()
        assert client.post(f"/events/{eid}/requests/{rid['id']}/accept", json={"as_organiser": True},
                           headers=h["organiser"]).status_code == 200
    assert client.post(f"/events/{eid}/schedule", params={"time_limit": 5}, headers=h["organiser"]).status_code == 200
    return int(eid)


def test_api_reschedule(event_api, svc: EventService) -> None:
    client, h = event_api
    eid = _scheduled(client, h, svc)
    url = f"/events/{eid}/reschedule"
    body = {"late": [{"profile_id": "tn-1", "until": "10:00"}], "dry_run": True}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=h["reader"]).status_code == 403
    assert client.post(url, json=body, headers=h["editor"]).status_code == 403
    before = client.get(f"/events/{eid}/grid", headers=h["organiser"]).json()
    r = client.post(url, json=body, headers=h["organiser"])
    assert r.status_code == 200, r.text
    dry = r.json()
    assert dry["dry_run"] and not dry["stored"] and dry["notices"]
    assert client.get(f"/events/{eid}/grid", headers=h["organiser"]).json() == before
    r = client.post(url, json=body | {"dry_run": False, "add": [{"from_id": "lb-1", "to_id": "es-1"}]},
                    headers=h["organiser"])
    assert r.status_code == 200, r.text
    kinds = {(n["profile_id"], n["kind"]) for n in r.json()["notices"]}
    assert ("lb-1", "new") in kinds and ("es-1", "new") in kinds and ("tn-1", "moved") in kinds
    moved = next(n for n in r.json()["notices"] if n["kind"] == "moved" and n["profile_id"] == "tn-1")
    assert moved["sequence"] == 1 and moved["new"]["start"] >= "2031-12-01 10:00"
    ics = client.get(f"/events/{eid}/participants/tn-1/agenda.ics", headers=h["organiser"]).text
    assert "SEQUENCE:1" in ics
    agenda = client.get(f"/events/{eid}/participants/lb-1/agenda", headers=h["organiser"]).json()
    assert {x["request_id"] for x in agenda} == {n["request_id"] for n in r.json()["notices"] if n["kind"] == "new"}
    mine = client.get(f"/events/{eid}/participants/tn-1/agenda", headers=h["organiser"]).json()
    assert [x["sequence"] for x in mine if x["request_id"] == moved["request_id"]] == [1]


def test_api_reschedule_refuses_bad_input(event_api, svc: EventService) -> None:
    client, h = event_api
    eid = _scheduled(client, h, svc)
    url = f"/events/{eid}/reschedule"
    for body, words in (({"cancel": [99]}, "field 'cancel' = 99: no meeting request"),
                        ({"forbid": [{"profile_id": "tn-1", "slots": [9]}]}, "slot 9 does not exist (slots 1..4)"),
                        ({"withdraw": ["zz"]}, "field 'withdraw' = 'zz'"),
                        ({"tables_lost": [7]}, "field 'table_lost' = 7"),
                        ({"now": "2031-12-01T09:00:00"}, "timezone-aware"),
                        ({"late": [{"profile_id": "tn-1", "until": "10:00+01:00"}]}, "without an offset")):
        r = client.post(url, json=body, headers=h["organiser"])
        assert r.status_code == 422 and words in str(r.json()["detail"]), (body, r.text)
    assert client.post(url, json={"cancel": ["x"]}, headers=h["organiser"]).status_code == 422
    assert client.post(url, json={"unknown": 1}, headers=h["organiser"]).status_code == 422
    assert client.post("/events/99/reschedule", json={}, headers=h["organiser"]).status_code == 404
