"""The event routes: the flow, keys scoped to an event and a participant, past events, wording."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from service.catalogue import Catalogue
from service.events import (
    EventService,
)
from tests.service.events.helpers import (
    EVENT_BODY,
    MEMBERS,
)


def test_api_event_flow(event_api, tmp_path: Path) -> None:
    import icalendar

    client, h = event_api
    assert client.post("/events", json=EVENT_BODY).status_code == 401
    assert client.post("/events", json=EVENT_BODY, headers=h["reader"]).status_code == 403
    assert client.post("/events", json=EVENT_BODY, headers=h["editor"]).status_code == 403
    r = client.post("/events", json=EVENT_BODY, headers=h["organiser"])
    assert r.status_code == 201, r.text
    event = r.json()
    eid = event["id"]
    assert event["slots"][0]["start"] == "2031-12-01T08:00:00+00:00" and len(event["slots"]) == 4
    bad = client.post("/events", json=EVENT_BODY | {"participants": [{"profile_id": "zz"}]}, headers=h["organiser"])
    assert bad.status_code == 422 and "unknown profile id" in bad.json()["detail"][0]["msg"]
    r = client.post(f"/events/{eid}/requests", json={"from_id": "tn-1", "to_id": "fr-1", "priority": "must"},
                    headers=h["organiser"])
    assert r.status_code == 201 and r.json()["state"] == "pending"
    rid = r.json()["id"]
    dup = client.post(f"/events/{eid}/requests", json={"from_id": "fr-1", "to_id": "tn-1"}, headers=h["organiser"])
    assert dup.status_code == 409
    path = tmp_path / "r.csv"
    pd.DataFrame([{"from_id": "ma-1", "to_id": "it-1", "priority": "want", "message": "", "state": "accepted"}]
                 ).to_csv(path, index=False)
    with path.open("rb") as f:
        imported = client.post(f"/events/{eid}/requests/import", files={"file": ("r.csv", f, "text/csv")},
                               headers=h["organiser"])
    assert imported.status_code == 201 and imported.json()[0]["state"] == "accepted"
    wrong = client.post(f"/events/{eid}/requests/{rid}/accept", json={"by": "tn-1"}, headers=h["organiser"])
    assert wrong.status_code == 409 and "only its addressee" in wrong.json()["detail"]
    ok = client.post(f"/events/{eid}/requests/{rid}/accept", json={"by": "fr-1"}, headers=h["organiser"])
    assert ok.status_code == 200 and ok.json()["state"] == "accepted"
    assert client.post(f"/events/{eid}/requests/{rid}/decline", json={"as_organiser": True},
                       headers=h["organiser"]).status_code == 409
    assert client.post(f"/events/{eid + 1}/requests/{rid}/accept", json={"as_organiser": True},
                       headers=h["organiser"]).status_code == 404
    recs = client.get(f"/events/{eid}/recommendations?k=2", headers=h["organiser"])
    assert recs.status_code == 200 and {x["partner"] for x in recs.json()} <= set(MEMBERS)
    assert client.post(f"/events/{eid}/prefill?k=1", headers=h["organiser"]).status_code == 201
    s = client.post(f"/events/{eid}/schedule?time_limit=5", headers=h["organiser"])
    assert s.status_code == 200 and s.json()["held"] == 2, s.text
    grid = client.get(f"/events/{eid}/grid", headers=h["organiser"]).json()
    assert len(grid) == 4 and sum(bool(row["Table 1"]) + bool(row["Table 2"]) for row in grid) == 2
    assert client.get(f"/events/{eid}/participants/tn-1/agenda").status_code == 401  # even in demo mode
    agenda = client.get(f"/events/{eid}/participants/tn-1/agenda", headers=h["organiser"]).json()
    assert [x["partner_id"] for x in agenda] == ["fr-1"]
    ics = client.get(f"/events/{eid}/participants/tn-1/agenda.ics", headers=h["organiser"])
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    ev = next(iter(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")))
    assert str(ev["SUMMARY"]) == "Meeting with Org fr-1"
    assert ev.decoded("DTSTART").isoformat() == agenda[0]["start"]
    assert client.get(f"/events/{eid}/participants/de-1/agenda", headers=h["organiser"]).status_code == 404
    assert client.get("/events/999/grid", headers=h["organiser"]).status_code == 404


def test_api_keys_scoped_to_an_event_and_a_participant(event_api) -> None:
    """A participant key sees and acts on its own requests and agenda only; an organiser key bound to one
    event cannot touch another; reader and editor keys have no access to events."""
    from storage.keys import create_key

    client, h = event_api
    engine = client.app.state.catalogue.engine
    eid = client.post("/events", json=EVENT_BODY, headers=h["organiser"]).json()["id"]
    other = client.post("/events", json=EVENT_BODY | {"name": "Other fair"}, headers=h["organiser"]).json()["id"]
    tn1 = {"X-API-Key": create_key(engine, "participant", event_id=eid, profile_id="tn-1")}
    fr1 = {"X-API-Key": create_key(engine, "participant", event_id=eid, profile_id="fr-1")}
    org = {"X-API-Key": create_key(engine, "organiser", event_id=eid)}

    # requests: only from one's own profile; the answer only by the addressee; lists show one's own
    assert client.post(f"/events/{eid}/requests", json={"from_id": "fr-1", "to_id": "ma-1"},
                       headers=tn1).status_code == 403
    rid = client.post(f"/events/{eid}/requests", json={"from_id": "tn-1", "to_id": "fr-1"}, headers=tn1).json()["id"]
    client.post(f"/events/{eid}/requests", json={"from_id": "ma-1", "to_id": "it-1"}, headers=h["organiser"])
    assert [r["id"] for r in client.get(f"/events/{eid}/requests", headers=tn1).json()] == [rid]
    assert len(client.get(f"/events/{eid}/requests", headers=org).json()) == 2
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={"as_organiser": True},
                       headers=fr1).status_code == 403
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={"by": "tn-1"}, headers=fr1).status_code == 403
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={}, headers=tn1).status_code == 409  # not addressee
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={}, headers=fr1).json()["state"] == "accepted"

    # organiser-only operations, and the organiser key bound to its event
    for method, path in (("post", f"/events/{eid}/schedule?time_limit=5"), ("get", f"/events/{eid}/grid"),
                         ("post", f"/events/{eid}/prefill?k=1")):
        assert getattr(client, method)(path, headers=tn1).status_code == 403
    assert client.post(f"/events/{eid}/schedule?time_limit=5", headers=org).status_code == 200
    assert client.get(f"/events/{other}/grid", headers=org).status_code == 403
    assert client.post("/events", json=EVENT_BODY, headers=org).status_code == 403
    assert client.get(f"/events/{other}", headers=tn1).status_code == 403

    # agendas: one's own only; recommendations: one's own rows only
    assert [m["partner_id"] for m in client.get(f"/events/{eid}/participants/tn-1/agenda", headers=tn1).json()] \
        == ["fr-1"]
    assert client.get(f"/events/{eid}/participants/fr-1/agenda", headers=tn1).status_code == 403
    assert client.get(f"/events/{eid}/participants/fr-1/agenda.ics", headers=tn1).status_code == 403
    assert client.get(f"/events/{eid}/participants/fr-1/agenda.ics", headers=fr1).status_code == 200
    recs = client.get(f"/events/{eid}/recommendations?k=2", headers=tn1).json()
    assert recs and {r["participant"] for r in recs} == {"tn-1"}
    for role in ("reader", "editor"):
        assert client.get(f"/events/{eid}/participants/tn-1/agenda", headers=h[role]).status_code == 403


def test_participant_keys_need_an_event_and_a_profile(catalogue: Catalogue) -> None:
    from storage.keys import create_key, identify

    with pytest.raises(ValueError, match="needs an event and a profile"):
        create_key(catalogue.engine, "participant", event_id=1)
    with pytest.raises(ValueError, match="only a participant key"):
        create_key(catalogue.engine, "organiser", profile_id="tn-1")
    with pytest.raises(ValueError, match="only organiser and participant keys"):
        create_key(catalogue.engine, "reader", event_id=1)
    info = identify(catalogue.engine, create_key(catalogue.engine, "participant", event_id=3, profile_id="tn-1"))
    assert info is not None and (info.role, info.event_id, info.profile_id) == ("participant", 3, "tn-1")


def test_api_refuses_past_events_and_participant_keys_cannot_probe_requests(event_api) -> None:
    """Problems 5 and 6 over HTTP: allow_past=true imports a past event; a participant key gets the same 404
    for another participant's request as for a request that does not exist."""
    from storage.keys import create_key

    client, h = event_api
    old = EVENT_BODY | {"days": ["1900-01-01"]}
    r = client.post("/events", json=old, headers=h["organiser"])
    assert r.status_code == 422 and "in the past" in r.json()["detail"][0]["msg"]
    assert client.post("/events?allow_past=true", json=old, headers=h["organiser"]).status_code == 201
    eid = client.post("/events", json=EVENT_BODY, headers=h["organiser"]).json()["id"]
    engine = client.app.state.catalogue.engine
    tn1 = {"X-API-Key": create_key(engine, "participant", event_id=eid, profile_id="tn-1")}
    theirs = client.post(f"/events/{eid}/requests", json={"from_id": "ma-1", "to_id": "it-1"},
                         headers=h["organiser"]).json()["id"]
    for action in ("accept", "decline", "cancel"):
        other = client.post(f"/events/{eid}/requests/{theirs}/{action}", json={}, headers=tn1)
        missing = client.post(f"/events/{eid}/requests/999999/{action}", json={}, headers=tn1)
        assert other.status_code == missing.status_code == 404
        assert other.json()["detail"].replace(str(theirs), "N") == missing.json()["detail"].replace("999999", "N")
        assert "it-1" not in other.text and "ma-1" not in other.text


def test_error_wording(event_api, svc: EventService) -> None:
    """Problem 9: balanced quotes, one error per problem."""
    client, h = event_api
    eid = client.post("/events", json=EVENT_BODY, headers=h["organiser"]).json()["id"]
    r = client.get(f"/events/{eid}/participants/nope/agenda", headers=h["organiser"])
    assert r.status_code == 404 and r.json()["detail"] == f"'nope' is not a participant of event {eid}"
    r = client.post("/events/0/schedule", headers=h["organiser"])
    assert r.status_code == 422 and len(r.json()["detail"]) == 1

def test_api_recommendations_take_a_method_and_an_exposure_multiple(event_api) -> None:
    client, h = event_api
    body = EVENT_BODY | {"participants": [{"profile_id": p, "max_meetings": 1} for p in MEMBERS]}
    eid = client.post("/events", json=body, headers=h["organiser"]).json()["id"]
    joint = client.get(f"/events/{eid}/recommendations?k=2&exposure_multiple=1", headers=h["organiser"])
    assert joint.status_code == 200, joint.text
    shown = [x["partner"] for x in joint.json()]
    assert len(shown) == len(MEMBERS) == len(set(shown))  # one meeting each, multiple 1: each shown once
    independent = client.get(f"/events/{eid}/recommendations?k=2&method=independent", headers=h["organiser"])
    assert independent.status_code == 200 and len(independent.json()) == 2 * len(MEMBERS)
    bad = client.get(f"/events/{eid}/recommendations?method=best", headers=h["organiser"])
    assert bad.status_code == 422 and "field 'method' = 'best'" in bad.text
    bad = client.post(f"/events/{eid}/prefill?exposure_multiple=0", headers=h["organiser"])
    assert bad.status_code == 422 and "field 'exposure_multiple'" in bad.text
