"""Creating an event: the slot plan, participants, timezones, texts, past days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest

from service import events as ev
from service.events import (
    EventService,
    InvalidFieldsError,
    SlotPlan,
)
from tests.service.events.helpers import (
    DAY,
    make_event,
    plan,
    rows,
)


def test_slots_are_wall_clock_times_in_the_event_timezone(svc: EventService) -> None:
    two_days = plan(days=(DAY, DAY + timedelta(days=1)), break_minutes=10)
    data = ev.event(svc, make_event(svc, plan=two_days))
    # 09:00-11:00 with 30' + 10' break: 09:00, 09:40, 10:20; 14:00-15:00: 14:00 (14:40 would end 15:10)
    assert len(data.slots) == 8
    first, afternoon = data.slots[0], data.slots[3]
    assert first.start == datetime(2031, 12, 1, 8, 0, tzinfo=UTC)  # Tunis is UTC+1
    assert first.end - first.start == timedelta(minutes=30) and first.session == "morning"
    assert data.slots[1].start == datetime(2031, 12, 1, 8, 40, tzinfo=UTC)
    assert afternoon.start == datetime(2031, 12, 1, 13, 0, tzinfo=UTC) and afternoon.session == "afternoon"
    assert data.slots[4].start == datetime(2031, 12, 2, 8, 0, tzinfo=UTC)
    assert [s.index for s in data.slots] == list(range(8))
    assert data.event.timezone == "Africa/Tunis" and [t.number for t in data.tables] == [1, 2, 3]


def test_dst_in_europe_paris() -> None:
    summer = SlotPlan(days=(date(2026, 7, 1),), morning_start=time(9), morning_end=time(10),
                      afternoon_start=None, afternoon_end=None)
    assert summer.slots("Europe/Paris")[0].start == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_bad_plans_and_timezones(svc: EventService) -> None:
    with pytest.raises(ValueError, match="before its end"):
        plan(morning_start=time(12), morning_end=time(9))
    with pytest.raises(ValueError, match="'days' is empty"):
        plan(days=())
    with pytest.raises(ValueError, match="unknown IANA timezone"):
        ev.create_event(svc, name="x", venue="", timezone="Africa/Tunisia", plan=plan(), tables=2, participants=rows())


def test_participant_rows_are_checked_and_nothing_is_written(svc: EventService) -> None:
    bad: list[dict[str, object]] = [*rows(["tn-1", "fr-1"]),
           {"profile_id": "zz-404", "forbidden_slots": "", "max_meetings": "", "stand": ""},
           {"profile_id": "ma-1", "forbidden_slots": "2;99", "max_meetings": "many", "stand": "7"},
           {"profile_id": "tn-1", "forbidden_slots": "x", "max_meetings": "", "stand": ""},
           {"profile_id": "it-1", "forbidden_slots": "", "max_meetings": "", "stand": "1"},
           {"profile_id": "es-1", "forbidden_slots": "", "max_meetings": "", "stand": "1"}]
    with pytest.raises(InvalidFieldsError) as exc:
        ev.create_event(svc, name="x", venue="", timezone="Africa/Tunis", plan=plan(), tables=3, participants=bad)
    text = [str(e) for e in exc.value.errors]
    assert "row 3 id 'zz-404': field 'profile_id' = 'zz-404': unknown profile id" in text[0]
    assert any("row 4" in t and "slot 99 does not exist: slots are numbered 1 to 6" in t for t in text)
    assert any("row 4" in t and "'max_meetings'" in t for t in text)
    assert any("row 4" in t and "table 7 does not exist" in t for t in text)
    assert any("row 5" in t and "duplicate participant (first on row 1)" in t for t in text)
    assert any("row 5" in t and "'x' is not a slot number" in t for t in text)
    assert any("row 7" in t and "already the stand of 'it-1' (row 6)" in t for t in text)
    from storage.events import list_events
    assert list_events(svc.engine) == []


def test_participants_forbidden_slots_are_one_based(svc: EventService) -> None:
    extra = {"tn-1": {"forbidden_slots": "1; 6", "max_meetings": "2", "stand": "3"}}
    data = ev.event(svc, make_event(svc, extra=extra))
    tn1 = next(p for p in data.participants if p.profile_id == "tn-1")
    assert tn1.forbidden == frozenset({0, 5}) and tn1.max_meetings == 2 and tn1.stand == 3


def test_event_texts_refuse_control_characters(svc: EventService) -> None:
    """Problem 3: event names, venues and request messages name the field and the code point."""
    with pytest.raises(ValueError, match=r"field 'name'.*U\+0007"):
        ev.create_event(svc, name="CAT\x07", venue="", timezone="Africa/Tunis", plan=plan(), tables=2,
                        participants=rows())
    with pytest.raises(ValueError, match=r"field 'venue'.*U\+202E"):
        ev.create_event(svc, name="CAT", venue="Kram\u202e", timezone="Africa/Tunis", plan=plan(), tables=2,
                         participants=rows())
    eid = make_event(svc)
    with pytest.raises(ValueError, match=r"field 'message'.*U\+0000"):
        ev.request(svc, eid, "tn-1", "fr-1", message="bonjour\x00")
    sent = ev.request(svc, eid, "tn-1", "fr-1", message="Bonjour,\r\nà demain\tà 9 h")
    assert sent.message == "Bonjour,\nà demain\tà 9 h"
    with pytest.raises(InvalidFieldsError) as exc:
        ev.import_requests(svc, eid, [{"from_id": "ma-1", "to_id": "it-1", "message": "\x1b[2J"}])
    assert exc.value.errors[0].field == "message" and "U+001B" in exc.value.errors[0].reason


def test_past_events_are_refused_unless_allowed(svc: EventService, event_cli, tmp_path: Path) -> None:
    """Problem 6: days before today (in the event's timezone) need allow_past."""
    past = plan(days=(date(1900, 1, 1),))
    with pytest.raises(ValueError, match=r"field 'days' = '1900-01-01': in the past .*allow-past"):
        ev.create_event(svc, name="Old fair", venue="", timezone="Africa/Tunis", plan=past, tables=2,
                        participants=rows())
    eid = ev.create_event(svc, name="Old fair", venue="", timezone="Africa/Tunis", plan=past, tables=2,
                           participants=rows(), allow_past=True)
    assert ev.event(svc, eid).slots[0].start.year == 1900
    today = datetime.now(UTC).date()
    assert make_event(svc, plan=plan(days=(today + timedelta(days=1),)))
    people = tmp_path / "people.csv"
    pd.DataFrame(rows()).to_csv(people, index=False)
    code, _, err = event_cli("create", "Old", "--participants", str(people), "--days", "2001-05-01")
    assert code == 2 and "in the past" in err and "--allow-past" in err
    code, out, _ = event_cli("create", "Old", "--participants", str(people), "--days", "2001-05-01", "--allow-past")
    assert code == 0 and out.strip().isdigit()
