"""``ccimatch event reschedule`` end to end: dry run, a late arrival and a cancellation, JSON, bad options."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from service import events as ev
from service.events import EventService
from tests.service.events.helpers import rows


def _scheduled(event_cli, tmp_path: Path) -> str:
    people = tmp_path / "people.csv"
    pd.DataFrame(rows()).to_csv(people, index=False)
    code, out, err = event_cli("create", "CAT 2031", "--participants", str(people), "--days", "2031-12-01",
                               "--morning", "09:00-11:00", "--afternoon", "14:00-15:00", "--tables", "2")
    assert code == 0, err
    eid = out.strip()
    reqs = tmp_path / "reqs.csv"
    pd.DataFrame([{"from_id": a, "to_id": b, "priority": "want", "message": "", "state": "accepted"}
                  for a, b in (("tn-1", "fr-1"), ("tn-1", "it-1"), ("tn-1", "es-1"), ("ma-1", "it-1"))]
                 ).to_csv(reqs, index=False)
    assert event_cli("requests", eid, "--import", str(reqs))[0] == 0
    assert event_cli("schedule", eid, "--time-limit", "5")[0] == 0
    return eid


def test_cli_reschedule(event_cli, svc: EventService, tmp_path: Path) -> None:
    eid = _scheduled(event_cli, tmp_path)
    until = ev.agenda(svc, int(eid), "tn-1")[0].local_end[-5:]  # tn-1 misses its first meeting: it must move
    code, out, err = event_cli("reschedule", eid, "--late", "tn-1", "--until", until, "--dry-run", "--json")
    assert code == 0, err
    dry = json.loads(out)
    assert dry["dry_run"] and not dry["stored"] and dry["moved"] >= 1
    assert {n["kind"] for n in dry["notices"]} == {"moved"}
    assert all(n["new"]["start"][-5:] >= until for n in dry["notices"] if "tn-1" in (n["profile_id"],
                                                                                     n["partner_id"]))
    code, out, _ = event_cli("reschedule", eid, "--late", "tn-1", "--until", until)
    assert code == 0 and "meeting(s) moved" in out and "; stored" in out
    assert "participant" in out and "moved" in out and ".ics SEQUENCE 1" in out
    code, out, _ = event_cli("reschedule", eid, "--cancel", "4", "--json")
    result = json.loads(out)
    assert code == 0 and {(n["profile_id"], n["kind"]) for n in result["notices"]} == {("ma-1", "cancelled"),
                                                                                        ("it-1", "cancelled")}
    code, out, _ = event_cli("reschedule", eid)
    assert code == 0 and "nobody needs to be told anything" in out


def test_cli_reschedule_refuses_bad_options(event_cli, tmp_path: Path) -> None:
    eid = _scheduled(event_cli, tmp_path)
    for args, words in ((("--late", "tn-1"), "--late needs --until"),
                        (("--late", "tn-1", "--until", "25:00"), "--until: '25:00' is not a time"),
                        (("--forbid", "tn-1:99"), "field 'forbid' = tn-1:99: slot 99 does not exist"),
                        (("--forbid", "tn-1"), "--forbid: 'tn-1': give PROFILE_ID:SLOTS"),
                        (("--add", "tn-1"), "--add: 'tn-1': give FROM_ID:TO_ID"),
                        (("--cancel", "77"), "field 'cancel' = 77: no meeting request"),
                        (("--table-lost", "5"), "field 'table_lost' = 5: no table 5"),
                        (("--now", "2031-12-01T09:00"), "--now")):
        code, _, err = event_cli("reschedule", eid, *args)
        assert code == 2 and words in err, (args, err)
    code, _, err = event_cli("reschedule", "99")
    assert code == 2 and "no event with id 99" in err
