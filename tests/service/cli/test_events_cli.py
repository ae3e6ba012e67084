"""The ``ccimatch event`` commands end to end, and participant keys from the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from service.events import (
    EventService,
)
from tests.conftest import cli_invoker
from tests.service.events.helpers import (
    MEMBERS,
    make_event,
    rows,
)


def test_cli_end_to_end(event_cli, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    pd.DataFrame(rows(extra={"tn-1": {"forbidden_slots": "6"}})).to_csv(people, index=False)
    code, out, err = event_cli("create", "CAT 2026", "--participants", str(people), "--days", "2031-12-01",
                         "--morning", "09:00-11:00", "--afternoon", "14:00-15:00", "--slot-minutes", "30",
                         "--tables", "3", "--venue", "Palais des Congrès", "--timezone", "Africa/Tunis")
    assert code == 0, err
    eid = out.strip()
    reqs = tmp_path / "reqs.csv"
    pd.DataFrame([{"from_id": "tn-1", "to_id": "fr-1", "priority": "must", "message": "hello", "state": ""},
                  {"from_id": "ma-1", "to_id": "it-1", "priority": "want", "message": "", "state": "accepted"}]
                 ).to_csv(reqs, index=False)
    code, out, err = event_cli("requests", eid, "--import", str(reqs))
    assert code == 0 and "2 request(s) imported" in err and "tn-1 -> fr-1 (must) pending" in out
    code, out, _ = event_cli("request", eid, "lb-1", "es-1", "--priority", "want", "--message", "bonjour")
    assert code == 0 and "lb-1 -> es-1 (want) pending" in out
    code, _, err = event_cli("accept", "1")
    assert code == 2 and "--by PROFILE_ID or --as-organiser" in err
    code, _, err = event_cli("accept", "1", "--by", "tn-1")
    assert code == 2 and "only its addressee (fr-1)" in err
    assert event_cli("accept", "1", "--by", "fr-1")[0] == 0
    assert event_cli("decline", "3", "--as-organiser")[0] == 0
    code, out, _ = event_cli("recommend", eid, "--k", "2", "--prefill")
    assert code == 0 and "pending request(s) created" in out
    code, out, _ = event_cli("schedule", eid, "--time-limit", "5", "--json")
    import json
    result = json.loads(out)
    assert code == 0 and result["held"] == 2 and result["status"] in ("optimal", "feasible")
    code, out, _ = event_cli("export", eid, "--out", str(tmp_path / "x"))
    assert code == 0 and (tmp_path / "x" / "agendas" / "tn-1.ics").exists()
    code, _, err = event_cli("schedule", "99")
    assert code == 2 and "no event with id 99" in err


def test_cli_reports_bad_participant_rows(event_cli, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    pd.DataFrame([*rows(["tn-1"]), {"profile_id": "nobody", "forbidden_slots": "0", "max_meetings": "",
                                    "stand": ""}]).to_csv(people, index=False)
    code, _, err = event_cli("create", "X", "--participants", str(people), "--days", "2031-12-01")
    assert code == 1 and "row 2 id 'nobody': field 'profile_id'" in err and "slot 0 does not exist" in err
    assert "nothing was written" in err
    code, _, err = event_cli("create", "X", "--participants", str(people), "--days", "01/12/2026")
    assert code == 2 and "--days" in err


def test_cli_participant_key_for_a_registered_participant(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], svc: EventService,
                                                          tmp_path: Path) -> None:
    keys = cli_invoker(monkeypatch, capsys, "keys")
    eid = str(make_event(svc))
    db = str(tmp_path / "events.db")
    code, _, err = keys("create", "--role", "participant", "--event", eid, "--profile", "de-1", "--db", db)
    assert code == 2 and f"'de-1' is not a participant of event {eid}" in err
    code, _, err = keys("create", "--role", "participant", "--event", eid, "--db", db)
    assert code == 2 and "needs an event and a profile" in err
    assert keys("create", "--role", "participant", "--event", "99", "--profile", "tn-1", "--db", db)[0] == 2
    code, out, _ = keys("create", "--role", "participant", "--event", eid, "--profile", "tn-1", "--db", db)
    assert code == 0 and out.startswith("cci_")
    code, out, _ = keys("list", "--db", db)
    assert code == 0 and "participant active" in out and f"event {eid}, participant tn-1" in out


def test_personal_links_open_each_participants_pages(event_cli, svc: EventService, tmp_path: Path) -> None:
    """'event links' makes one participant key per participant, bound to the event and the profile."""
    import csv

    from storage.keys import identify

    eid = make_event(svc)
    code, _, err = event_cli("links", str(eid), "--base-url", "fair.example.org")
    assert code == 2 and "https://fair.example.org" in err
    out = tmp_path / "links.csv"
    code, printed, _ = event_cli("links", str(eid), "--base-url", "https://fair.example.org/", "--lang", "fr",
                                 "--out", str(out))
    assert code == 0 and f"wrote {len(MEMBERS)} personal links" in printed
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["profile_id"] for r in rows] == sorted(MEMBERS)
    for r in rows:
        assert r["link"].startswith("https://fair.example.org/fr/key/cci_")
        info = identify(svc.engine, r["link"].rsplit("/", 1)[1])
        assert info is not None and (info.role, info.event_id, info.profile_id) == ("participant", eid,
                                                                                      r["profile_id"])


def test_cli_recommend_methods_print_the_figures(event_cli, svc: EventService) -> None:
    import json

    eid = str(make_event(svc, extra={"fr-1": {"max_meetings": "1"}}))
    code, out, err = event_cli("recommend", eid, "--k", "2", "--method", "independent", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found["method"] == "independent" and found["k"] == 2 and len(found["recommendations"]) == 2 * len(MEMBERS)
    assert set(found["figures"]) == {"expected_meetings", "expected_requests", "exposure_gini", "short_share",
                                     "top_share"}
    code, out, err = event_cli("recommend", eid, "--k", "2", "--exposure-multiple", "1")
    assert code == 0, err
    assert "method joint, k 2, exposure at most 1 x capacity" in out and "expected mutually accepted meetings" in out
    assert sum(line.strip().endswith("Org fr-1") for line in out.splitlines()) <= 1  # capacity 1, multiple 1
    code, _, err = event_cli("recommend", eid, "--method", "best")
    assert code == 2 and "field 'method' = 'best'" in err
    code, _, err = event_cli("recommend", eid, "--exposure-multiple", "0.5")
    assert code == 2 and "field 'exposure_multiple'" in err
