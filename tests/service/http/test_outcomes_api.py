"""The outcome routes: a participant records what came of its own meetings only, not before a meeting starts and
only with a valid outcome; the organiser reads everything and the figures (known by construction); meetings held
become met_at_event relationships."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.service.events.helpers import EVENT_BODY

PAST = EVENT_BODY | {"days": ["2020-03-02"], "tables": 2}  # four slots, 09:00 to 11:00 in Tunis
# four meetings and what their sides say: by construction 2 of 4 led to a follow-up or an agreement
SAID = {("tn-1", "fr-1"): ("follow_up", "useful"), ("tn-2", "it-1"): ("agreement", None),
        ("ma-1", "it-1"): ("useful", "not_relevant"), ("lb-1", "es-1"): ("no_show", "no_show")}


def key(client: TestClient, eid: int, pid: str) -> dict[str, str]:
    from storage.keys import create_key

    return {"X-API-Key": create_key(client.app.state.catalogue.engine, "participant",  # type: ignore[attr-defined]
                                    event_id=eid, profile_id=pid)}


def scheduled(client: TestClient, h: dict[str, dict[str, str]], body: dict[str, Any], *, allow_past: bool) -> tuple[
        int, dict[tuple[str, str], int]]:
    """An event with the four meetings of SAID accepted and scheduled; (event id, request id by pair)."""
    r = client.post(f"/events?allow_past={str(allow_past).lower()}", json=body, headers=h["organiser"])
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    ids = {}
    for a, b in SAID:
        made = client.post(f"/events/{eid}/requests", json={"from_id": a, "to_id": b}, headers=h["organiser"])
        ids[(a, b)] = made.json()["id"]
        client.post(f"/events/{eid}/requests/{ids[(a, b)]}/accept", json={"as_organiser": True},
                    headers=h["organiser"])
    s = client.post(f"/events/{eid}/schedule?time_limit=5", headers=h["organiser"])
    assert s.json()["held"] == 4, s.text
    return eid, ids


def test_participants_record_their_own_meetings_and_the_organiser_reads_the_figures(event_api) -> None:
    client, h = event_api
    eid, ids = scheduled(client, h, PAST, allow_past=True)
    for (a, b), answers in SAID.items():
        for who, outcome in zip((a, b), answers, strict=True):
            if outcome is not None:
                r = client.put(f"/events/{eid}/requests/{ids[(a, b)]}/outcome",
                               json={"outcome": outcome, "note": f"{who} dit"}, headers=key(client, eid, who))
                assert r.status_code == 200, r.text
                assert (r.json()["profile_id"], r.json()["outcome"]) == (who, outcome)
    summary = client.get(f"/events/{eid}/outcomes/summary", headers=h["organiser"])
    assert summary.status_code == 200
    figures = summary.json()
    assert (figures["held"], figures["scheduled"], figures["fruitful"], figures["share"]) == (4, 4, 2, 0.5)
    assert figures["counts"] == {"no_show": 1, "not_relevant": 0, "useful": 1, "follow_up": 1, "agreement": 1}
    assert figures["unrecorded"] == 0
    assert figures["answers"] == {"no_show": 2, "not_relevant": 1, "useful": 2, "follow_up": 1, "agreement": 1}
    sectors = {x["sector"]: (x["held"], x["fruitful"], x["share"]) for x in figures["by_sector"]}
    assert sectors == {"crafts": (4, 2, 0.5), "furniture_interior": (2, 1, 0.5), "jewellery": (1, 0, 0.0)}
    pairs = {tuple(x["countries"]): x["share"] for x in figures["by_country_pair"]}
    assert pairs == {("FR", "TN"): 1.0, ("IT", "TN"): 1.0, ("IT", "MA"): 0.0, ("ES", "LB"): 0.0}

    # what each sees: the organiser every meeting and both sides; a participant its own meetings and own words
    everything = client.get(f"/events/{eid}/outcomes", headers=h["organiser"]).json()
    assert len(everything) == 4 and all(m["started"] for m in everything)
    mine = client.get(f"/events/{eid}/outcomes", headers=key(client, eid, "it-1")).json()
    assert {m["request_id"] for m in mine} == {ids[("tn-2", "it-1")], ids[("ma-1", "it-1")]}
    assert [o["profile_id"] for m in mine for o in m["outcomes"]] == ["it-1"]  # tn-2's word is not shown
    assert client.get(f"/events/{eid}/outcomes/summary", headers=key(client, eid, "it-1")).status_code == 403

    # meetings held are relationships, with the best outcome of either side; the no-show is not
    met = client.get("/relationships?kind=met_at_event").json()  # reads are open in this app (--demo)
    assert {(x["source"], x["target"], x["outcome"], x["date"]) for x in met} == {
        ("tn-1", "fr-1", "follow_up", "2020-03-02"), ("tn-2", "it-1", "agreement", "2020-03-02"),
        ("ma-1", "it-1", "useful", "2020-03-02")}
    assert {x["origin"] for x in met} == {PAST["name"]} and {x["reference"] for x in met} == {f"event:{eid}"}


def test_a_participant_records_only_for_its_own_meetings(event_api) -> None:
    client, h = event_api
    eid, ids = scheduled(client, h, PAST, allow_past=True)
    tn1 = key(client, eid, "tn-1")
    theirs = ids[("ma-1", "it-1")]
    other = client.put(f"/events/{eid}/requests/{theirs}/outcome", json={"outcome": "useful"}, headers=tn1)
    missing = client.put(f"/events/{eid}/requests/99999/outcome", json={"outcome": "useful"}, headers=tn1)
    assert other.status_code == missing.status_code == 404  # another's meeting looks like none
    assert client.put(f"/events/{eid}/requests/{theirs}/outcome", json={"outcome": "useful", "by": "ma-1"},
                      headers=tn1).status_code == 403
    mine = ids[("tn-1", "fr-1")]
    as_other = client.put(f"/events/{eid}/requests/{mine}/outcome", json={"outcome": "useful", "by": "fr-1"},
                          headers=tn1)
    assert as_other.status_code == 403
    other_event = client.post("/events?allow_past=true", json=PAST, headers=h["organiser"]).json()["id"]
    assert client.put(f"/events/{other_event}/requests/{mine}/outcome", json={"outcome": "useful"},
                      headers=tn1).status_code == 403
    for role in ("reader", "editor"):
        assert client.put(f"/events/{eid}/requests/{mine}/outcome", json={"outcome": "useful", "by": "tn-1"},
                          headers=h[role]).status_code == 403

    # the organiser records on behalf of a side it names
    nobody = client.put(f"/events/{eid}/requests/{mine}/outcome", json={"outcome": "useful"}, headers=h["organiser"])
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["loc"] == ["body", "by"]
    assert client.put(f"/events/{eid}/requests/{mine}/outcome", json={"outcome": "useful", "by": "it-1"},
                      headers=h["organiser"]).status_code == 404  # not a side of this meeting
    done = client.put(f"/events/{eid}/requests/{mine}/outcome", json={"outcome": "agreement", "by": "fr-1"},
                      headers=h["organiser"])
    assert done.status_code == 200 and done.json()["profile_id"] == "fr-1"


def test_an_unknown_outcome_or_a_meeting_not_started_is_refused_with_the_reason(event_api) -> None:
    client, h = event_api
    eid, ids = scheduled(client, h, PAST, allow_past=True)
    tn1 = key(client, eid, "tn-1")
    mine = ids[("tn-1", "fr-1")]
    bad = client.put(f"/events/{eid}/requests/{mine}/outcome", json={"outcome": "great"}, headers=tn1)
    assert bad.status_code == 422
    detail = bad.json()["detail"][0]
    assert detail["loc"] == ["body", "outcome"] and detail["code"] == "choose_one"
    assert detail["msg"] == "outcome: choose one of no_show, not_relevant, useful, follow_up, agreement"
    long = client.put(f"/events/{eid}/requests/{mine}/outcome", json={"outcome": "useful", "note": "x" * 501},
                      headers=tn1)
    assert long.status_code == 422 and long.json()["detail"][0]["loc"] == ["body", "note"]
    assert client.get(f"/events/{eid}/outcomes", headers=tn1).json()[0]["outcomes"] == []  # nothing written

    future, later = scheduled(client, h, EVENT_BODY | {"tables": 2}, allow_past=False)  # 2031-12-01
    early = client.put(f"/events/{future}/requests/{later[('tn-1', 'fr-1')]}/outcome", json={"outcome": "useful"},
                       headers=key(client, future, "tn-1"))
    assert early.status_code == 409
    assert "starts at 2031-12-01 " in early.json()["detail"] and "once it has started" in early.json()["detail"]
    meetings = client.get(f"/events/{future}/outcomes", headers=h["organiser"]).json()
    assert [m["started"] for m in meetings] == [False] * 4
    empty = client.get(f"/events/{future}/outcomes/summary", headers=h["organiser"]).json()
    assert (empty["held"], empty["scheduled"], empty["share"]) == (0, 4, None)
